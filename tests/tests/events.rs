//! Change events (cargo feature `events`): AWS's change events, published to an
//! SQS queue in moto (directly, through an EventBridge rule, through SNS with
//! raw delivery on and off), make an hourly-polling `Live` refresh at once.
//! moto emits no change event of its own, so the tests publish the shapes AWS
//! documents (see `awsconf::events`). Each test has a canary secret that must
//! appear in no log line.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use awsconf::{AwsConfig, ExposeSecret, Live, SecretString};
use awsconf_tests::{
    captured_logs, moto, parameter_change, queue_urls, sdk_config, sqs, unique_env, Proxy, Seed,
};

const HOUR: Duration = Duration::from_secs(3600);
/// A generous bound for "at once" (the figure is measured in BENCHMARKS.md).
const SOON: Duration = Duration::from_secs(5);

#[derive(AwsConfig, Debug)]
#[aws_config(app = "ev")]
struct App {
    port: u16,
    #[secret(id = "{env}/db/password")]
    password: SecretString,
    #[secret(id = "{env}/canary")]
    canary: SecretString,
}

// ---- log capture: every test's canary must stay out of every log line ----

/// Every log line of this test binary so far (awsconf's and the SDK's, at TRACE).
fn assert_no_canary(canary: &str, live: &Live<App>) {
    let logs = captured_logs();
    assert!(!logs.contains(canary), "the canary is in a log line");
    assert!(!format!("{live:?}").contains(canary));
    assert!(!format!("{:?}", live.get()).contains(canary));
    if let Some(err) = live.last_error() {
        assert!(!format!("{err} {err:?}").contains(canary));
    }
}

// ---- the emulator's SQS, EventBridge and SNS ----

/// A fresh queue: its URL and ARN.
async fn queue(tag: &str) -> (String, String) {
    let name = unique_env(tag);
    let url = sqs()
        .create_queue()
        .queue_name(&name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)))
        .queue_url
        .expect("a queue url");
    (url, format!("arn:aws:sqs:us-east-1:123456789012:{name}"))
}

async fn send(url: &str, body: &str) {
    sqs()
        .send_message()
        .queue_url(url)
        .message_body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)));
}

/// Messages still in the queue, visible or in flight.
async fn pending(url: &str) -> u64 {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let out = sqs()
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(A::ApproximateNumberOfMessages)
        .attribute_names(A::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", aws_sdk_sqs::error::DisplayErrorContext(e)));
    let attrs = out.attributes.unwrap_or_default();
    [
        A::ApproximateNumberOfMessages,
        A::ApproximateNumberOfMessagesNotVisible,
    ]
    .iter()
    .filter_map(|a| attrs.get(a)?.parse::<u64>().ok())
    .sum()
}

/// Waits (bounded) until the Live has taken every message off the queue.
async fn drained(url: &str) {
    let start = Instant::now();
    while pending(url).await > 0 {
        assert!(start.elapsed() < SOON, "messages left on the queue");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One call to moto in a JSON protocol (`AWSEvents.PutRule`, ...).
fn json_call(service: &str, target: &str, body: serde_json::Value) -> String {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=0"
    );
    let (status, answer) = awsconf_testkit::moto::http_post(
        moto(),
        "/",
        &[
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", target),
            ("Authorization", &auth),
        ],
        &body.to_string(),
    )
    .unwrap_or_else(|e| panic!("{target}: {e}"));
    assert_eq!(status, 200, "{target}: {answer}");
    answer
}

/// One call to moto's SNS (query protocol).
fn sns_call(params: &[(&str, &str)]) -> String {
    let auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0";
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", form_escape(v)))
        .collect();
    let (status, answer) = awsconf_testkit::moto::http_post(
        moto(),
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", auth),
        ],
        &body.join("&"),
    )
    .unwrap_or_else(|e| panic!("SNS: {e}"));
    assert_eq!(status, 200, "SNS {params:?}: {answer}");
    answer
}

fn form_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The text of the first `<tag>` in an XML answer.
fn xml_text(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).map(|i| i + open.len()).expect(tag);
    let end = xml[start..].find('<').expect(tag) + start;
    xml[start..end].to_string()
}

// ---- AWS's event shapes (see awsconf::events for the documentation cited) ----

/// The detail of a CloudTrail "AWS API Call via CloudTrail" event for
/// Secrets Manager's `PutSecretValue`.
fn put_secret_value_detail(secret_id: &str) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.09",
        "userIdentity": {"type": "AssumedRole", "accountId": "123456789012"},
        "eventTime": "2026-12-02T10:00:00Z",
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "PutSecretValue",
        "awsRegion": "us-east-1",
        "requestParameters": {"secretId": secret_id, "clientRequestToken": "EXAMPLE-token"},
        "responseElements": {"arn": secret_id},
        "readOnly": false,
        "eventType": "AwsApiCall",
        "managementEvent": true
    })
}

fn put_secret_value(secret_id: &str) -> String {
    serde_json::json!({
        "version": "0",
        "id": "0b7d2a4e-1e8a-4b8b-8a53-3c7e5b0f2d11",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.secretsmanager",
        "account": "123456789012",
        "time": "2026-12-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": put_secret_value_detail(secret_id)
    })
    .to_string()
}

/// An "AWS Service Event via CloudTrail" `RotationSucceeded` event.
fn rotation_succeeded(secret_arn: &str) -> String {
    serde_json::json!({
        "version": "0",
        "id": "9f2b8f8e-6a2c-4b4e-9a5e-2b1f6d5c4a33",
        "detail-type": "AWS Service Event via CloudTrail",
        "source": "aws.secretsmanager",
        "account": "123456789012",
        "time": "2026-12-02T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {"accountId": "123456789012", "invokedBy": "secretsmanager.amazonaws.com"},
            "eventTime": "2026-12-02T10:00:00Z",
            "eventSource": "secretsmanager.amazonaws.com",
            "eventName": "RotationSucceeded",
            "awsRegion": "us-east-1",
            "requestParameters": null,
            "responseElements": null,
            "additionalEventData": {"SecretId": secret_arn},
            "readOnly": false,
            "eventType": "AwsServiceEvent",
            "managementEvent": true
        }
    })
    .to_string()
}

// ---- fixtures ----

struct Fixture {
    env: String,
    seed: Seed,
    canary: String,
    url: String,
    arn: String,
}

async fn fixture(tag: &str) -> Fixture {
    let env = unique_env(tag);
    let seed = Seed::new();
    let canary = format!("CANARY-{tag}-{}-7d1c", std::process::id());
    seed.param(&format!("/{env}/ev/port"), "5432").await;
    seed.secret(&format!("{env}/db/password"), "pw-1").await;
    seed.secret(&format!("{env}/canary"), &canary).await;
    let (url, arn) = queue(tag).await;
    captured_logs(); // the capture is on before the Live logs anything
    Fixture {
        env,
        seed,
        canary,
        url,
        arn,
    }
}

impl Fixture {
    async fn watch(&self, endpoint: &str, every: Duration) -> Live<App> {
        self.watch_queue(endpoint, every, &self.url).await
    }

    async fn watch_queue(&self, endpoint: &str, every: Duration, url: &str) -> Live<App> {
        let live = App::loader()
            .env(&self.env)
            .sdk_config(&sdk_config(endpoint))
            .change_events(url)
            .watch(every)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(live.get().port, 5432);
        assert_eq!(live.get().canary.expose_secret(), self.canary);
        live
    }

    fn port_name(&self) -> String {
        format!("/{}/ev/port", self.env)
    }

    fn password_id(&self) -> String {
        format!("{}/db/password", self.env)
    }

    /// The password secret's ARN, as moto made it.
    async fn password_arn(&self) -> String {
        self.seed
            .secrets
            .describe_secret()
            .secret_id(self.password_id())
            .send()
            .await
            .expect("describe")
            .arn
            .expect("an arn")
    }
}

/// Waits (bounded by [`SOON`]) until `f` holds; returns how long it took.
async fn within_soon(what: &str, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < SOON, "not within {SOON:?}: {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    start.elapsed()
}

// ---- tests ----

#[tokio::test]
async fn an_hourly_live_serves_a_changed_parameter_soon_after_its_event() {
    let f = fixture("param").await;
    let live = f.watch(moto(), HOUR).await;
    f.seed.param(&f.port_name(), "6543").await;
    // Without the event an hourly Live keeps the old value.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(live.get().port, 5432);

    send(&f.url, &parameter_change(&f.port_name(), "Update")).await;
    let took = within_soon("the new port", || live.get().port == 6543).await;
    eprintln!("parameter change served {took:?} after its event");
    assert!(live.last_error().is_none());
    drained(&f.url).await;
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn an_hourly_live_serves_a_rotated_secret_soon_after_rotation_succeeded() {
    let f = fixture("rotate").await;
    let live = f.watch(moto(), HOUR).await;
    assert_eq!(live.get().password.expose_secret(), "pw-1");
    f.seed.rotate(&f.password_id(), "pw-2").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(live.get().password.expose_secret(), "pw-1");

    // The event names the secret by its ARN, which ends in Secrets Manager's suffix.
    send(&f.url, &rotation_succeeded(&f.password_arn().await)).await;
    let took = within_soon("the rotated password", || {
        live.get().password.expose_secret() == "pw-2"
    })
    .await;
    eprintln!("rotation served {took:?} after its event");

    // A PutSecretValue event naming the secret by name works too.
    f.seed.rotate(&f.password_id(), "pw-3").await;
    send(&f.url, &put_secret_value(&f.password_id())).await;
    within_soon("the next password", || {
        live.get().password.expose_secret() == "pw-3"
    })
    .await;
    assert!(live.last_error().is_none());
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn events_about_undeclared_names_are_deleted_without_any_read() {
    let f = fixture("other").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = f.watch(&proxy.endpoint(), HOUR).await;
    let reads = || {
        [
            "GetParameters",
            "GetParametersByPath",
            "GetParameter",
            "DescribeSecret",
            "BatchGetSecretValue",
            "GetSecretValue",
        ]
        .iter()
        .map(|op| proxy.count(op))
        .sum::<u64>()
    };
    let before = reads();
    assert!(before > 0, "the first load read through the proxy");

    let env = &f.env;
    for body in [
        parameter_change(&format!("/{env}/ev/portx"), "Update"),
        parameter_change(&format!("/{env}/other/port"), "Create"),
        parameter_change("/elsewhere/port", "Delete"),
        put_secret_value(&format!("{env}/db/password-old")),
        put_secret_value(&format!(
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:{env}/other-AbCdEf"
        )),
        rotation_succeeded("someone-elses-secret"),
        // A well-formed event of another kind.
        serde_json::json!({"version": "0", "id": "1", "detail-type": "EC2 Instance State-change Notification",
            "source": "aws.ec2", "account": "123456789012", "time": "2026-12-02T10:00:00Z",
            "region": "us-east-1", "resources": [], "detail": {"instance-id": "i-1", "state": "running"}})
        .to_string(),
    ] {
        send(&f.url, &body).await;
    }
    drained(&f.url).await;
    // The Live has handled the batch; give a refresh it might start time to show.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(reads(), before, "no AWS read for undeclared names");
    assert!(proxy.count("ReceiveMessage") >= 1);
    assert!(
        proxy.count("DeleteMessageBatch") >= 1,
        "the events were deleted"
    );
    assert!(live.last_error().is_none());
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn malformed_messages_are_deleted_and_logged_without_their_body() {
    let f = fixture("malformed").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = f.watch(&proxy.endpoint(), HOUR).await;
    let gets = proxy.count("GetParameters");
    let marker = format!("MALFORMED-BODY-{}", std::process::id());
    for body in [
        format!("not json {marker}"),
        format!("[\"{marker}\"]"),
        serde_json::json!({"Type": "Notification", "Message": marker}).to_string(),
        serde_json::json!({"detail-type": "Parameter Store Change", "source": "aws.ssm",
            "detail": {"value": marker}})
        .to_string(),
        serde_json::json!({"hello": marker}).to_string(),
    ] {
        send(&f.url, &body).await;
    }
    drained(&f.url).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(proxy.count("GetParameters"), gets, "no reload");
    let logs = captured_logs();
    // Rate-limited: one warning a minute per queue, with the count.
    let warnings: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("not AWS change events (body not shown") && l.contains(&f.url))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning: {warnings:?}");
    // More malformed messages within the minute: no more warning.
    for _ in 0..20 {
        send(&f.url, &format!("still not json {marker}")).await;
    }
    drained(&f.url).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logs = crate::captured_logs();
    let warnings = logs
        .lines()
        .filter(|l| l.contains("not AWS change events (body not shown") && l.contains(&f.url))
        .count();
    assert_eq!(warnings, 1, "25 malformed messages, one warning a minute");
    // awsconf's own lines (the SDK's TRACE lines show SQS answers as they are).
    let ours: Vec<&str> = logs.lines().filter(|l| l.contains(" awsconf::")).collect();
    assert!(!ours.is_empty());
    assert!(
        !ours.iter().any(|l| l.contains(&marker)),
        "no body in any awsconf log line"
    );
    assert!(live.last_error().is_none());
    assert_eq!(live.get().port, 5432, "the config stays");
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn duplicate_and_out_of_order_events_serve_the_current_value() {
    let f = fixture("dup").await;
    let live = f.watch(moto(), HOUR).await;
    f.seed.param(&f.port_name(), "7001").await;
    f.seed.param(&f.port_name(), "7002").await;
    // The events of both writes, the newer first, then duplicates of each.
    let mut newer = parameter_change(&f.port_name(), "Update");
    newer = newer.replace("2026-12-02T10:00:00Z", "2026-12-02T10:00:02Z");
    let older = parameter_change(&f.port_name(), "Update");
    for body in [&newer, &older, &newer, &older] {
        send(&f.url, body).await;
    }
    within_soon("the current port", || live.get().port == 7002).await;
    drained(&f.url).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        live.get().port,
        7002,
        "an older event brings no older value"
    );
    assert!(live.last_error().is_none());
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn a_burst_of_100_events_causes_a_handful_of_refreshes() {
    let f = fixture("burst").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = f.watch(&proxy.endpoint(), HOUR).await;
    let gets = proxy.count("GetParameters");
    f.seed.param(&f.port_name(), "8080").await;
    let body = parameter_change(&f.port_name(), "Update");
    let client = sqs();
    for batch in 0..10 {
        let entries: Vec<_> = (0..10)
            .map(|i| {
                aws_sdk_sqs::types::SendMessageBatchRequestEntry::builder()
                    .id(format!("m{batch}-{i}"))
                    .message_body(&body)
                    .build()
                    .expect("entry")
            })
            .collect();
        client
            .send_message_batch()
            .queue_url(&f.url)
            .set_entries(Some(entries))
            .send()
            .await
            .expect("send batch");
    }
    drained(&f.url).await;
    within_soon("the new port", || live.get().port == 8080).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refreshes = proxy.count("GetParameters") - gets;
    eprintln!("100 events: {refreshes} refreshes");
    assert!(
        (1..=10).contains(&refreshes),
        "100 events caused {refreshes} refreshes"
    );
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn a_deleted_queue_sets_last_error_keeps_the_config_and_polling_goes_on() {
    let f = fixture("gone").await;
    let every = Duration::from_millis(400);
    let live = App::loader()
        .env(&f.env)
        .sdk_config(&sdk_config(moto()))
        .change_events(&f.url)
        .change_events_wait(Duration::from_secs(1))
        .watch(every)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(live.last_error().is_none());
    sqs()
        .delete_queue()
        .queue_url(&f.url)
        .send()
        .await
        .expect("delete queue");

    within_soon("the queue's failure in last_error", || {
        live.last_error().is_some()
    })
    .await;
    let err = live.last_error().expect("an error");
    let text = err.to_string();
    assert!(text.contains(&f.url), "names the queue: {text}");
    assert!(
        text.contains("NonExistentQueue") || text.contains("QueueDoesNotExist"),
        "says the queue is gone: {text}"
    );
    assert_eq!(live.get().port, 5432, "the config stays");

    // Polling on the interval goes on.
    f.seed.param(&f.port_name(), "9090").await;
    within_soon("the polled port", || live.get().port == 9090).await;
    assert!(live.last_error().is_some(), "the queue still fails");
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn an_eventbridge_rule_with_an_sqs_target_delivers_events_to_the_live() {
    let f = fixture("rule").await;
    let live = f.watch(moto(), HOUR).await;
    let rule = unique_env("rule");
    json_call(
        "events",
        "AWSEvents.PutRule",
        serde_json::json!({
            "Name": rule,
            "EventPattern": serde_json::json!({
                "source": ["aws.ssm"],
                "detail-type": ["Parameter Store Change"],
                "detail": {"name": [f.port_name()]}
            }).to_string(),
        }),
    );
    json_call(
        "events",
        "AWSEvents.PutTargets",
        serde_json::json!({"Rule": rule, "Targets": [{"Id": "awsconf", "Arn": f.arn}]}),
    );
    f.seed.param(&f.port_name(), "4242").await;
    // What Parameter Store would put on the default bus.
    json_call(
        "events",
        "AWSEvents.PutEvents",
        serde_json::json!({"Entries": [{
            "Source": "aws.ssm",
            "DetailType": "Parameter Store Change",
            "Resources": [format!("arn:aws:ssm:us-east-1:123456789012:parameter{}", f.port_name())],
            "Detail": serde_json::json!({"operation": "Update", "name": f.port_name(), "type": "String", "description": ""}).to_string(),
        }]}),
    );
    within_soon("the new port", || live.get().port == 4242).await;
    assert!(live.last_error().is_none());
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn sns_fan_out_reaches_queues_with_raw_delivery_on_and_off() {
    let f = fixture("sns").await;
    let (raw_url, raw_arn) = queue("sns-raw").await;
    let topic = xml_text(
        &sns_call(&[("Action", "CreateTopic"), ("Name", &unique_env("topic"))]),
        "TopicArn",
    );
    sns_call(&[
        ("Action", "Subscribe"),
        ("TopicArn", &topic),
        ("Protocol", "sqs"),
        ("Endpoint", &raw_arn),
        ("Attributes.entry.1.key", "RawMessageDelivery"),
        ("Attributes.entry.1.value", "true"),
    ]);
    sns_call(&[
        ("Action", "Subscribe"),
        ("TopicArn", &topic),
        ("Protocol", "sqs"),
        ("Endpoint", &f.arn),
    ]);
    // Two instances of a fleet, each with its own queue.
    let enveloped = f.watch(moto(), HOUR).await;
    let raw = f.watch_queue(moto(), HOUR, &raw_url).await;

    f.seed.param(&f.port_name(), "5555").await;
    sns_call(&[
        ("Action", "Publish"),
        ("TopicArn", &topic),
        ("Message", &parameter_change(&f.port_name(), "Update")),
    ]);
    within_soon("the enveloped instance's port", || {
        enveloped.get().port == 5555
    })
    .await;
    within_soon("the raw instance's port", || raw.get().port == 5555).await;
    assert!(enveloped.last_error().is_none() && raw.last_error().is_none());
    assert_no_canary(&f.canary, &enveloped);
    assert_no_canary(&f.canary, &raw);
}

// ---- a config with a map component, and the tools ----

#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop")]
struct Shop {
    port: u16,
    #[component]
    tenants: std::collections::BTreeMap<String, Tenant>,
    #[secret(id = "{env}/shop/db")]
    db: SecretString,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
    #[secret(id = "{env}/shop/tenants/{key}/key")]
    key: SecretString,
}

/// Runs the CLI for `Shop`: exit code, stdout, stderr.
async fn shop_cli(args: &[&str]) -> (u8, String, String) {
    let mut argv = vec!["shop-tools"];
    argv.extend_from_slice(args);
    let sdk = sdk_config(moto());
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = awsconf::cli::run_with::<Shop, _, _>(argv, Some(&sdk), &mut out, &mut err).await;
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

const QUEUE_ARN: &str = "arn:aws:sqs:us-east-1:123456789012:shop-changes";

#[tokio::test]
async fn a_new_map_entry_is_served_after_an_event_under_the_maps_path() {
    let env = unique_env("map");
    let seed = Seed::new();
    let canary = format!("CANARY-map-{}-3e9a", std::process::id());
    seed.param(&format!("/{env}/shop/port"), "80").await;
    seed.param(&format!("/{env}/shop/tenants/acme/plan"), "gold")
        .await;
    seed.secret(&format!("{env}/shop/tenants/acme/key"), &canary)
        .await;
    seed.secret(&format!("{env}/shop/db"), "db-pw").await;
    let (url, _) = queue("map").await;
    captured_logs();
    let live = Shop::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .change_events(&url)
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(live.get().tenants.len(), 1);

    seed.param(&format!("/{env}/shop/tenants/globex/plan"), "silver")
        .await;
    seed.secret(&format!("{env}/shop/tenants/globex/key"), "k-2")
        .await;
    send(
        &url,
        &parameter_change(&format!("/{env}/shop/tenants/globex/plan"), "Create"),
    )
    .await;
    within_soon("the new tenant", || live.get().tenants.len() == 2).await;
    assert_eq!(live.get().tenants["globex"].plan, "silver");

    // The entry's secret, known only from the map, is watched too: by ARN.
    seed.rotate(&format!("{env}/shop/tenants/acme/key"), "k-3")
        .await;
    let arn = seed
        .secrets
        .describe_secret()
        .secret_id(format!("{env}/shop/tenants/acme/key"))
        .send()
        .await
        .expect("describe")
        .arn
        .expect("arn");
    send(&url, &rotation_succeeded(&arn)).await;
    within_soon("the rotated entry secret", || {
        live.get().tenants["acme"].key.expose_secret() == "k-3"
    })
    .await;
    assert!(!captured_logs().contains(&canary));
    assert!(!format!("{:?}", live.get()).contains(&canary));
}

#[tokio::test]
async fn events_rule_prints_the_rules_for_exactly_what_the_config_reads_and_the_queue_policy() {
    let (code, out, err) =
        shop_cli(&["--env", "prod", "events-rule", "--queue-arn", QUEUE_ARN]).await;
    assert_eq!(code, 0, "{err}");
    let printed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let secrets = serde_json::json!([
        "prod/shop/db",
        {"prefix": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/shop/db-"},
        {"prefix": "arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/shop/tenants/"},
        {"prefix": "prod/shop/tenants/"}
    ]);
    let target = serde_json::json!([{"Id": "awsconf", "Arn": QUEUE_ARN}]);
    assert_eq!(
        printed,
        serde_json::json!({
            "Rules": [
                {
                    "Name": "awsconf-shop-prod-parameters",
                    "EventPattern": {
                        "source": ["aws.ssm"],
                        "detail-type": ["Parameter Store Change"],
                        "detail": {"name": ["/prod/shop/port", {"prefix": "/prod/shop/tenants/"}]}
                    },
                    "Targets": target
                },
                {
                    "Name": "awsconf-shop-prod-secret-writes",
                    "EventPattern": {
                        "source": ["aws.secretsmanager"],
                        "detail-type": ["AWS API Call via CloudTrail"],
                        "detail": {
                            "eventSource": ["secretsmanager.amazonaws.com"],
                            "eventName": ["PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage"],
                            "requestParameters": {"secretId": secrets}
                        }
                    },
                    "Targets": target
                },
                {
                    "Name": "awsconf-shop-prod-rotations",
                    "EventPattern": {
                        "source": ["aws.secretsmanager"],
                        "detail-type": ["AWS Service Event via CloudTrail"],
                        "detail": {
                            "eventSource": ["secretsmanager.amazonaws.com"],
                            "eventName": ["RotationSucceeded"],
                            "additionalEventData": {"SecretId": secrets}
                        }
                    },
                    "Targets": target
                }
            ],
            "QueuePolicy": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "AllowAwsconfChangeEvents",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": QUEUE_ARN,
                    "Condition": {"ArnEquals": {"aws:SourceArn": [
                        "arn:aws:events:us-east-1:123456789012:rule/awsconf-shop-prod-parameters",
                        "arn:aws:events:us-east-1:123456789012:rule/awsconf-shop-prod-secret-writes",
                        "arn:aws:events:us-east-1:123456789012:rule/awsconf-shop-prod-rotations"
                    ]}}
                }]
            }
        })
    );

    let (code, _, err) =
        shop_cli(&["--env", "prod", "events-rule", "--queue-arn", "my-queue"]).await;
    assert_eq!(code, 2);
    assert!(
        err.contains("--queue-arn must be an SQS queue ARN"),
        "{err}"
    );
}

#[tokio::test]
async fn the_printed_rules_route_declared_changes_to_the_queue_in_eventbridge() {
    let env = unique_env("rules");
    let (url, arn) = queue("rules").await;
    let (code, out, err) = shop_cli(&["--env", &env, "events-rule", "--queue-arn", &arn]).await;
    assert_eq!(code, 0, "{err}");
    let printed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let rules = printed["Rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 3);
    for rule in rules {
        json_call(
            "events",
            "AWSEvents.PutRule",
            serde_json::json!({"Name": rule["Name"], "EventPattern": rule["EventPattern"].to_string()}),
        );
        json_call(
            "events",
            "AWSEvents.PutTargets",
            serde_json::json!({"Rule": rule["Name"], "Targets": rule["Targets"]}),
        );
    }
    let put = |source: &str, detail_type: &str, detail: serde_json::Value| serde_json::json!({"Source": source, "DetailType": detail_type, "Detail": detail.to_string()});
    let ssm = |name: String| {
        put(
            "aws.ssm",
            "Parameter Store Change",
            serde_json::json!({"operation": "Update", "name": name, "type": "String"}),
        )
    };
    let routed = [
        ssm(format!("/{env}/shop/port")),
        ssm(format!("/{env}/shop/tenants/acme/plan")),
        put(
            "aws.secretsmanager",
            "AWS API Call via CloudTrail",
            put_secret_value_detail(&format!("{env}/shop/db")),
        ),
        put(
            "aws.secretsmanager",
            "AWS Service Event via CloudTrail",
            serde_json::json!({"eventSource": "secretsmanager.amazonaws.com", "eventName": "RotationSucceeded",
                "additionalEventData": {"SecretId": format!(
                    "arn:aws:secretsmanager:us-east-1:123456789012:secret:{env}/shop/tenants/acme/key-AbCdEf")}}),
        ),
    ];
    let dropped = [
        ssm(format!("/{env}/shop/port2")),
        ssm(format!("/{env}/shop/tenantsx/a")),
        put(
            "aws.secretsmanager",
            "AWS API Call via CloudTrail",
            put_secret_value_detail(&format!("{env}/shop/dbx")),
        ),
    ];
    let entries: Vec<_> = routed.iter().chain(&dropped).cloned().collect();
    json_call(
        "events",
        "AWSEvents.PutEvents",
        serde_json::json!({ "Entries": entries }),
    );
    let mut bodies = Vec::new();
    for _ in 0..3 {
        let out = sqs()
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .expect("receive");
        bodies.extend(
            out.messages
                .unwrap_or_default()
                .into_iter()
                .filter_map(|m| m.body),
        );
    }
    assert_eq!(bodies.len(), routed.len(), "{bodies:?}");
    for body in &bodies {
        assert!(
            awsconf::__private::is_change_event(body),
            "not read as a change event: {body}"
        );
    }
}

#[tokio::test]
async fn iam_policy_with_events_adds_receive_and_delete_on_the_queue() {
    let (code, out, err) = shop_cli(&[
        "--env",
        "prod",
        "iam-policy",
        "--account",
        "123456789012",
        "--region",
        "us-east-1",
        "--events",
        QUEUE_ARN,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let with: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    // A Live with change events also describes its secrets: `--events` implies
    // `--watch`, and adds the queue's statement on top.
    let (_, out, _) = shop_cli(&[
        "--env",
        "prod",
        "iam-policy",
        "--account",
        "123456789012",
        "--region",
        "us-east-1",
        "--watch",
    ])
    .await;
    let without: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let mut statements = with["Statement"].as_array().expect("statements").clone();
    let last = statements.pop().expect("a statement");
    assert_eq!(
        last,
        serde_json::json!({
            "Sid": "ReceiveChangeEvents",
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
            "Resource": QUEUE_ARN
        })
    );
    assert_eq!(
        &statements,
        without["Statement"].as_array().expect("statements")
    );
    // The library's own builder says the same as the CLI, DescribeSecret included.
    assert_eq!(
        awsconf::iam::policy_with_events::<Shop>("prod", "us-east-1", "123456789012", QUEUE_ARN),
        with
    );
    assert!(with.to_string().contains("secretsmanager:DescribeSecret"));

    let (code, _, err) = shop_cli(&[
        "--env",
        "prod",
        "iam-policy",
        "--account",
        "123456789012",
        "--region",
        "us-east-1",
        "--events",
        "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    ])
    .await;
    assert_eq!(code, 2);
    assert!(err.contains("--events must be an SQS queue ARN"), "{err}");
}

#[tokio::test]
async fn cost_with_events_compares_polling_every_5_minutes_with_events_for_a_fleet() {
    let (code, out, err) = shop_cli(&["cost", "--events", "--instances", "500"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "refreshing Shop for 500 instances, 100 changes a month\n\
         per refresh: 2 Parameter Store calls, 2 Secrets Manager calls\n\
         mode                     refreshes/instance  Parameter Store calls  Secrets Manager calls  SQS requests  Parameter Store TPS  per month\n\
         polling every 5 min      8640                8640000                8640000                0             3.333                $43.20\n\
         events, 60 min interval  820                 820000                 820000                 64950000      0.316                $30.08\n"
    );
    let (code, out, _) =
        shop_cli(&["cost", "--events", "--instances", "1", "--format", "json"]).await;
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(json["polling"]["parameter_store_calls"], 17280);
    assert_eq!(json["events"]["parameter_store_calls"], 1640);
    assert_eq!(json["events"]["sqs_requests"], 129_900);
    // Without --events, --instances is the fleet's share of AWS's quotas.
    let (code, out, _) = shop_cli(&["cost", "--instances", "5"]).await;
    assert_eq!(code, 0);
    assert!(out.starts_with("5 instances of Shop"), "{out}");
}

#[tokio::test]
async fn dropping_the_live_stops_its_queue_polling() {
    let f = fixture("drop").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = App::loader()
        .env(&f.env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .change_events(&f.url)
        .change_events_wait(Duration::from_secs(1))
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        proxy.count("ReceiveMessage") >= 1,
        "the Live polls its queue"
    );
    drop(live);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after_drop = proxy.count("ReceiveMessage");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        proxy.count("ReceiveMessage"),
        after_drop,
        "no receive after the last handle dropped"
    );
}

#[tokio::test]
async fn a_denied_queue_backs_off_shows_in_last_error_and_recovers() {
    let f = fixture("denied").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = App::loader()
        .env(&f.env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .change_events(&f.url)
        .change_events_wait(Duration::from_secs(1))
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    proxy.add_rule(awsconf_tests::Rule::always(
        Some("ReceiveMessage"),
        awsconf_tests::Fault::Respond {
            status: 400,
            body: r#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/app/i-1 is not authorized to perform: sqs:receivemessage"}"#.into(),
        },
    ));
    within_soon("the denial in last_error", || live.last_error().is_some()).await;
    let err = live.last_error().expect("an error");
    assert_eq!(err.problems()[0].kind(), awsconf::ProblemKind::AccessDenied);
    let text = err.to_string();
    assert!(
        text.contains("needs sqs:ReceiveMessage on arn:aws:sqs:us-east-1:123456789012:"),
        "{text}"
    );
    // Backing off: 1 s, 2 s, 4 s... not a receive per round trip.
    let before = proxy.count("ReceiveMessage");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    let denied = proxy.count("ReceiveMessage") - before;
    assert!(denied <= 3, "{denied} receives in 3.5 s while denied");
    assert_eq!(live.get().port, 5432, "the config stays");

    proxy.clear_rules();
    let start = Instant::now();
    while live.last_error().is_some() {
        assert!(start.elapsed() < Duration::from_secs(20), "no recovery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    f.seed.param(&f.port_name(), "6000").await;
    send(&f.url, &parameter_change(&f.port_name(), "Update")).await;
    within_soon("the new port after recovery", || live.get().port == 6000).await;
    assert_no_canary(&f.canary, &live);
}

/// The subscriptions of an SNS topic.
fn subscriptions(topic: &str) -> usize {
    sns_call(&[("Action", "ListSubscriptionsByTopic"), ("TopicArn", topic)])
        .matches("<SubscriptionArn>")
        .count()
}

#[tokio::test]
async fn change_topic_gives_each_live_a_queue_of_its_own_and_deletes_it_on_drop() {
    let f = fixture("topic").await;
    let topic = xml_text(
        &sns_call(&[("Action", "CreateTopic"), ("Name", &unique_env("fleet"))]),
        "TopicArn",
    );
    let proxy = Proxy::start(moto()).expect("proxy");
    let watch = || {
        App::loader()
            .env(&f.env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .change_topic(&topic)
            .change_events_wait(Duration::from_secs(1))
            .watch(HOUR)
    };
    let a = watch().await.unwrap_or_else(|e| panic!("{e}"));
    let b = watch().await.unwrap_or_else(|e| panic!("{e}"));
    within_soon("both subscribed", || subscriptions(&topic) == 2).await;
    let prefix = format!("awsconf__ev__{}__", f.env);
    assert_eq!(queue_urls(&prefix).await.len(), 2, "one queue per Live");
    // Setting up costs 3 calls per Live: CreateQueue, SetQueueAttributes, Subscribe.
    assert_eq!(proxy.count("CreateQueue"), 2);
    assert_eq!(proxy.count("SetQueueAttributes"), 2);
    assert_eq!(
        proxy.count("/"),
        2,
        "SNS Subscribe (query protocol, path /)"
    );

    f.seed.param(&f.port_name(), "7777").await;
    sns_call(&[
        ("Action", "Publish"),
        ("TopicArn", &topic),
        ("Message", &parameter_change(&f.port_name(), "Update")),
    ]);
    within_soon("a's port", || a.get().port == 7777).await;
    within_soon("b's port", || b.get().port == 7777).await;

    // The last handle of `a` goes: its queue and subscription go with it (2 calls).
    drop(a);
    within_soon("a unsubscribed", || subscriptions(&topic) == 1).await;
    let start = Instant::now();
    while queue_urls(&prefix).await.len() != 1 {
        assert!(start.elapsed() < SOON, "a's queue still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(proxy.count("DeleteQueue"), 1);
    assert_eq!(proxy.count("/"), 3, "Subscribe x2, Unsubscribe x1");

    // The other instance goes on.
    f.seed.param(&f.port_name(), "8888").await;
    sns_call(&[
        ("Action", "Publish"),
        ("TopicArn", &topic),
        ("Message", &parameter_change(&f.port_name(), "Update")),
    ]);
    within_soon("b's next port", || b.get().port == 8888).await;
    assert!(b.last_error().is_none());
    assert_no_canary(&f.canary, &b);
    drop(b);
    within_soon("b unsubscribed", || subscriptions(&topic) == 0).await;
}

#[tokio::test]
async fn iam_policy_with_events_topic_grants_the_lives_own_queues_and_the_topic() {
    let topic = "arn:aws:sns:us-east-1:123456789012:shop-changes";
    let (code, out, err) = shop_cli(&[
        "--env",
        "prod",
        "iam-policy",
        "--account",
        "123456789012",
        "--region",
        "us-east-1",
        "--events-topic",
        topic,
    ])
    .await;
    assert_eq!(code, 0, "{err}");
    let policy: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let statements = policy["Statement"].as_array().expect("statements");
    let queues = "arn:aws:sqs:us-east-1:123456789012:awsconf__shop__prod__*";
    assert_eq!(
        statements[statements.len() - 4..],
        [
            serde_json::json!({
                "Sid": "OwnChangeEventQueues",
                "Effect": "Allow",
                "Action": ["sqs:CreateQueue", "sqs:TagQueue", "sqs:SetQueueAttributes",
                           "sqs:GetQueueUrl", "sqs:GetQueueAttributes", "sqs:ListQueueTags",
                           "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:DeleteQueue"],
                "Resource": queues
            }),
            serde_json::json!({
                "Sid": "FindStaleChangeEventQueues",
                "Effect": "Allow",
                "Action": "sqs:ListQueues",
                "Resource": "*"
            }),
            serde_json::json!({
                "Sid": "SubscribeToChangeEvents",
                "Effect": "Allow",
                "Action": "sns:Subscribe",
                "Resource": topic,
                "Condition": {
                    "StringEquals": {"sns:Protocol": "sqs"},
                    "StringLike": {"sns:Endpoint": queues}
                }
            }),
            serde_json::json!({
                "Sid": "UnsubscribeFromChangeEvents",
                "Effect": "Allow",
                "Action": ["sns:Unsubscribe", "sns:ListSubscriptionsByTopic"],
                "Resource": topic
            }),
        ]
    );
    // Exactly one app and env: not env `prod-eu`, `prod.eu`, not app `shop-prod`.
    let (_, out, _) = shop_cli(&[
        "--env",
        "prod-eu",
        "iam-policy",
        "--account",
        "123456789012",
        "--region",
        "us-east-1",
        "--events-topic",
        topic,
    ])
    .await;
    assert!(
        out.contains("awsconf__shop__prod-eu__*") && !out.contains("awsconf__shop__prod__*"),
        "{out}"
    );
    let (code, _, err) = shop_cli(&[
        "--env",
        "prod",
        "iam-policy",
        "--account",
        "123456789012",
        "--events",
        QUEUE_ARN,
        "--events-topic",
        topic,
    ])
    .await;
    assert_eq!(code, 2, "one or the other: {err}");
    // One topic only: a wildcard ARN would grant every topic of the account.
    for wide in [
        "arn:aws:sns:*:*:*",
        "arn:*:sns:*",
        "arn:aws:sns:us-east-1:123456789012:*",
        "arn:aws:sns:us-east-1:123456789012:top?c",
        "arn:aws:sqs:us-east-1:123456789012:topic",
        "arn:aws:sns:us-east-1::topic",
    ] {
        let (code, out, err) = shop_cli(&[
            "--env",
            "prod",
            "iam-policy",
            "--account",
            "123456789012",
            "--region",
            "us-east-1",
            "--events-topic",
            wide,
        ])
        .await;
        assert_eq!(code, 2, "{wide}: {out}{err}");
        assert!(out.is_empty(), "{wide}: no policy printed: {out}");
        assert!(err.contains("one SNS topic's ARN"), "{wide}: {err}");
    }
}

#[tokio::test]
async fn a_live_dropped_during_an_event_refresh_still_deletes_its_queue() {
    let f = fixture("dropmid").await;
    let topic = xml_text(
        &sns_call(&[("Action", "CreateTopic"), ("Name", &unique_env("mid"))]),
        "TopicArn",
    );
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = App::loader()
        .env(&f.env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .change_topic(&topic)
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    within_soon("subscribed", || subscriptions(&topic) == 1).await;
    // The refresh the event asks for hangs on Parameter Store.
    proxy.add_rule(awsconf_tests::Rule::always(
        Some("GetParameters"),
        awsconf_tests::Fault::Stall,
    ));
    let gets = proxy.count("GetParameters");
    sns_call(&[
        ("Action", "Publish"),
        ("TopicArn", &topic),
        ("Message", &parameter_change(&f.port_name(), "Update")),
    ]);
    within_soon("the refresh in flight", || {
        proxy.count("GetParameters") > gets
    })
    .await;
    drop(live);
    within_soon("unsubscribed after the drop", || subscriptions(&topic) == 0).await;
    let start = Instant::now();
    while !queue_urls(&format!("awsconf__ev__{}__", f.env))
        .await
        .is_empty()
    {
        assert!(start.elapsed() < SOON, "the queue is still there");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// 25 named parameters (three `GetParameters` batches), a map and a secret.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "wide")]
struct Wide {
    #[component]
    a: Block,
    #[component]
    b: Block,
    #[component]
    c: Block,
    #[component]
    tenants: std::collections::BTreeMap<String, WideTenant>,
    #[secret(id = "{env}/wide/db")]
    db: SecretString,
}

#[derive(AwsConfig, Debug)]
struct Block {
    p0: String,
    p1: String,
    p2: String,
    p3: String,
    p4: String,
    p5: String,
    p6: String,
    p7: String,
}

#[derive(AwsConfig, Debug)]
struct WideTenant {
    plan: String,
}

/// "Reading only what changed where the plan allows": an event about one
/// parameter re-reads only the `GetParameters` batch that holds it (not the
/// other batches, not the map's page chain); an event under the map's path
/// re-reads only the map; secrets are described, never re-read unchanged.
#[tokio::test]
async fn a_change_event_rereads_only_the_batch_or_map_that_holds_the_name() {
    let env = unique_env("narrow");
    let seed = Seed::new();
    let mut params = Vec::new();
    for block in ["a", "b", "c"] {
        for i in 0..8 {
            params.push((format!("/{env}/wide/{block}/p{i}"), format!("{block}{i}")));
        }
    }
    params.push((format!("/{env}/wide/tenants/t1/plan"), "free".to_string()));
    seed.params(&params).await;
    seed.secret(&format!("{env}/wide/db"), "pw").await;
    let (url, _) = queue("narrow").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = Wide::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .change_events(&url)
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(proxy.count("GetParameters"), 3, "{:?}", proxy.counts());

    // One parameter of the middle batch changes.
    proxy.reset_stats();
    let name = format!("/{env}/wide/b/p3");
    seed.param(&name, "changed").await;
    send(&url, &parameter_change(&name, "Update")).await;
    let start = Instant::now();
    while live.get().b.p3 != "changed" {
        assert!(start.elapsed() < SOON, "the change was not served");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let counts = proxy.counts();
    assert_eq!(proxy.count("GetParameters"), 1, "one batch: {counts:?}");
    assert_eq!(proxy.count("GetParametersByPath"), 0, "{counts:?}");
    assert_eq!(
        proxy.count("BatchGetSecretValue") + proxy.count("GetSecretValue"),
        0,
        "{counts:?}"
    );
    assert_eq!(live.get().a.p0, "a0", "the other batches' values stay");
    assert_eq!(live.get().c.p7, "c7");

    // A new tenant appears under the map's path.
    proxy.reset_stats();
    let tenant = format!("/{env}/wide/tenants/t2/plan");
    seed.param(&tenant, "pro").await;
    send(&url, &parameter_change(&tenant, "Create")).await;
    let start = Instant::now();
    while !live.get().tenants.contains_key("t2") {
        assert!(start.elapsed() < SOON, "the new tenant was not served");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let counts = proxy.counts();
    assert_eq!(proxy.count("GetParameters"), 0, "{counts:?}");
    assert!(proxy.count("GetParametersByPath") >= 1, "{counts:?}");
    assert_eq!(live.get().b.p3, "changed");

    // A full refresh still reads everything.
    proxy.reset_stats();
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(proxy.count("GetParameters"), 3, "{:?}", proxy.counts());
}

#[tokio::test]
async fn a_steady_stream_of_events_costs_at_most_one_refresh_per_window() {
    let f = fixture("stream").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = f.watch(&proxy.endpoint(), HOUR).await;
    let gets = proxy.count("GetParameters");
    // 10 relevant events a second for 6 s, each after a new value: a push of
    // 60 parameters, say, as one instance sees it.
    let started = Instant::now();
    let mut last = 0;
    for i in 0..60u16 {
        last = 9000 + i;
        f.seed.param(&f.port_name(), &last.to_string()).await;
        send(&f.url, &parameter_change(&f.port_name(), "Update")).await;
        let next = started + Duration::from_millis(100 * u64::from(i + 1));
        tokio::time::sleep(next.saturating_duration_since(Instant::now())).await;
    }
    let sent = started.elapsed();
    // The last value is served within the window (2 s) and a receive.
    let served = within_soon("the last value", || live.get().port == last).await;
    let refreshes = proxy.count("GetParameters") - gets;
    eprintln!(
        "60 events over {sent:?}: {refreshes} refreshes; the last value served {served:?} after its event"
    );
    let windows = (sent.as_secs_f64() + served.as_secs_f64()) / 2.0;
    assert!(
        refreshes as f64 <= windows.ceil() + 1.0,
        "{refreshes} refreshes over {windows:.1} windows of 2 s"
    );
    assert!(live.last_error().is_none());
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn delete_message_batch_entry_failures_are_retried_then_reported() {
    let f = fixture("delfail").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = f.watch(&proxy.endpoint(), HOUR).await;
    let failed = r#"[{"Id":"0","Code":"InternalError","SenderFault":false,"Message":"injected"}]"#;
    proxy.add_rule(
        awsconf_tests::Rule::always(
            Some("DeleteMessageBatch"),
            awsconf_tests::Fault::RewriteAnswer {
                field: "Failed".into(),
                json: failed.into(),
            },
        )
        .times(1),
    );
    f.seed.param(&f.port_name(), "6100").await;
    send(&f.url, &parameter_change(&f.port_name(), "Update")).await;
    within_soon("the new port", || live.get().port == 6100).await;
    within_soon("the retry", || proxy.count("DeleteMessageBatch") == 2).await;
    let deletes: Vec<serde_json::Value> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.op == "DeleteMessageBatch")
        .map(|r| serde_json::from_str(&r.body).unwrap_or_default())
        .collect();
    assert_eq!(deletes[1]["Entries"].as_array().map(Vec::len), Some(1));
    assert_eq!(deletes[1]["Entries"][0]["Id"], "0");

    // Failing again past the retry: reported.
    proxy.add_rule(awsconf_tests::Rule::always(
        Some("DeleteMessageBatch"),
        awsconf_tests::Fault::RewriteAnswer {
            field: "Failed".into(),
            json: failed.into(),
        },
    ));
    f.seed.param(&f.port_name(), "6200").await;
    send(&f.url, &parameter_change(&f.port_name(), "Update")).await;
    within_soon("the next port", || live.get().port == 6200).await;
    within_soon("the report", || {
        captured_logs().lines().any(|l| {
            l.contains("SQS did not delete some change events")
                && l.contains(&f.url)
                && l.contains("InternalError")
        })
    })
    .await;
    assert_no_canary(&f.canary, &live);
}

#[tokio::test]
async fn a_subscription_confirmation_for_the_lives_topic_is_confirmed() {
    let f = fixture("confirm").await;
    let topic = xml_text(
        &sns_call(&[("Action", "CreateTopic"), ("Name", &unique_env("confirm"))]),
        "TopicArn",
    );
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = App::loader()
        .env(&f.env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .change_topic(&topic)
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    within_soon("subscribed", || subscriptions(&topic) == 1).await;
    let own = queue_urls(&format!("awsconf__ev__{}__", f.env)).await;
    assert_eq!(own.len(), 1);
    let confirmation = |topic: &str, token: &str| {
        serde_json::json!({
            "Type": "SubscriptionConfirmation",
            "MessageId": "1",
            "Token": token,
            "TopicArn": topic,
            "Message": "You have chosen to subscribe to the topic ...",
            "SubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription",
            "Timestamp": "2026-12-02T10:00:00.000Z",
        })
        .to_string()
    };
    // Another topic's: left unconfirmed.
    send(
        &own[0],
        &confirmation("arn:aws:sns:us-east-1:999999999999:other", "tok-other"),
    )
    .await;
    send(&own[0], &confirmation(&topic, "tok-ours-123")).await;
    let confirms = || -> Vec<String> {
        proxy
            .requests()
            .into_iter()
            .filter(|r| r.body.contains("Action=ConfirmSubscription"))
            .map(|r| r.body)
            .collect()
    };
    within_soon("ConfirmSubscription sent", || !confirms().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sent = confirms();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(sent[0].contains("Token=tok-ours-123"), "{}", sent[0]);
    assert!(
        !captured_logs().contains("SubscriptionConfirmation without"),
        "not dropped as malformed"
    );
    live.close().await;
    assert!(queue_urls(&format!("awsconf__ev__{}__", f.env))
        .await
        .is_empty());
}
