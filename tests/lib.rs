//! Shared support for awsconf's integration tests. The emulator's endpoint, an
//! SDK config pointed at it, a unique env per test and the seeding helpers come
//! from the test kit (`awsconf_testkit::sdk`); this adds what only these tests use.

pub use awsconf_testkit::sdk::{moto, sdk_config, unique_env, Seed};
pub use awsconf_testkit::{Fault, Proxy, Rule};

/// Every problem's `Display`, one per line, for assertions and failure output.
pub fn problems(err: &awsconf::Error) -> Vec<String> {
    err.problems().iter().map(|p| p.to_string()).collect()
}

/// Log output captured in memory (a `tracing_subscriber` writer), for tests that
/// search every log line for a canary secret.
#[derive(Clone, Default)]
pub struct Capture(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

/// Every log line the tests of one binary wrote so far, captured at `TRACE`
/// (the first call installs the subscriber for the whole binary).
pub fn captured_logs() -> String {
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    let capture = CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(capture.clone())
            .with_ansi(false)
            .init();
        capture
    });
    let bytes = capture.0.lock().map(|b| b.clone()).unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// An SQS client on the emulator.
pub fn sqs() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&sdk_config(moto()))
}

/// An SNS client on the emulator.
pub fn sns() -> aws_sdk_sns::Client {
    aws_sdk_sns::Client::new(&sdk_config(moto()))
}

/// A new SNS topic with a unique name; its ARN.
pub async fn create_topic(tag: &str) -> String {
    sns()
        .create_topic()
        .name(unique_env(tag))
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn")
}

/// A "Parameter Store Change" event for `name`, as EventBridge delivers it
/// (the shape `awsconf`'s events module documents and cites).
pub fn parameter_change(name: &str, operation: &str) -> String {
    serde_json::json!({
        "version": "0",
        "id": "6a7e4feb-b491-4cf7-a9f1-bf3703497718",
        "detail-type": "Parameter Store Change",
        "source": "aws.ssm",
        "account": "123456789012",
        "time": "2026-12-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [format!("arn:aws:ssm:us-east-1:123456789012:parameter{name}")],
        "detail": {"operation": operation, "name": name, "type": "String", "description": ""}
    })
    .to_string()
}

/// The URLs of the queues whose names start with `prefix` (a `change_topic`
/// queue's is `awsconf__<app>__<env>__`).
pub async fn queue_urls(prefix: &str) -> Vec<String> {
    sqs()
        .list_queues()
        .queue_name_prefix(prefix)
        .send()
        .await
        .expect("list queues")
        .queue_urls
        .unwrap_or_default()
}

/// The endpoints (queue ARNs) subscribed to `topic`.
pub async fn subscription_endpoints(topic: &str) -> Vec<String> {
    sns()
        .list_subscriptions_by_topic()
        .topic_arn(topic)
        .send()
        .await
        .expect("subscriptions")
        .subscriptions()
        .iter()
        .filter_map(|s| s.endpoint().map(str::to_string))
        .collect()
}
