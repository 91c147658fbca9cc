//! No public input panics: extreme timeouts, intervals, waits and caps on the
//! loader's builder and `watch` are clamped (or fail the load with an error),
//! and every throttling code the AWS SDK knows is re-issued as throttling.
//! Every load goes to moto, through the testkit proxy where the requests are
//! counted.

#![allow(dead_code)]

use std::time::Duration;

use awsconf::{AwsConfig, ExposeSecret, ProblemKind, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Fault, Proxy, Rule, Seed};
use proptest::prelude::*;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "ext")]
struct Small {
    host: String,
    port: u16,
    #[secret(id = "{env}/ext/key")]
    key: SecretString,
}

async fn seed_small(env: &str) {
    let seed = Seed::new();
    seed.param(&format!("/{env}/ext/host"), "db.internal").await;
    seed.param(&format!("/{env}/ext/port"), "5432").await;
    seed.secret(&format!("{env}/ext/key"), "k-1").await;
}

fn check(config: &Small) {
    assert_eq!(config.host, "db.internal");
    assert_eq!(config.port, 5432);
    assert_eq!(config.key.expose_secret(), "k-1");
}

#[tokio::test]
async fn timeout_duration_max_loads() {
    let env = unique_env("tmax");
    seed_small(&env).await;
    let config = Small::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .timeout(Duration::MAX)
        .concurrency(usize::MAX)
        .max_pages(usize::MAX)
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    check(&config);
}

#[tokio::test]
async fn timeout_zero_is_a_timeout_problem() {
    let env = unique_env("tzero");
    seed_small(&env).await;
    let err = Small::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .timeout(Duration::ZERO)
        .load()
        .await
        .expect_err("a zero bound fails a load that waits for AWS");
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].kind(), ProblemKind::Timeout);
}

#[tokio::test]
async fn watch_with_extreme_intervals_and_waits_refreshes_or_idles() {
    let env = unique_env("wext");
    seed_small(&env).await;
    // Duration::MAX: no refresh on the interval, but refresh_now works.
    let live = Small::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .timeout(Duration::MAX)
        .change_events_wait(Duration::MAX)
        .watch(Duration::MAX)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    check(&live.get());
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    drop(live);
    // Duration::ZERO: taken as 10 ms; the refreshes go on and load.
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = Small::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .change_events_wait(Duration::ZERO)
        .watch(Duration::ZERO)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    check(&live.get());
    assert!(live.last_error().is_none());
    assert!(
        proxy.count("GetParameters") >= 3,
        "refreshed every 10 ms or so: {} GetParameters",
        proxy.count("GetParameters")
    );
    // `change_events_wait` alone turns no queue on: no SQS call was made.
    assert_eq!(proxy.count("ReceiveMessage"), 0);
}

/// Every code `aws_runtime::retries::classifiers::THROTTLING_ERRORS` lists.
const SDK_THROTTLING_CODES: [&str; 14] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

#[tokio::test]
async fn every_sdk_throttling_code_is_reissued_as_throttling() {
    let env = unique_env("tcodes");
    seed_small(&env).await;
    for code in SDK_THROTTLING_CODES {
        let proxy = Proxy::start(moto()).expect("proxy");
        proxy.add_rule(
            Rule::always(
                Some("GetParameters"),
                Fault::Respond {
                    status: 400,
                    body: format!(r#"{{"__type":"{code}","message":"Rate exceeded"}}"#),
                },
            )
            .times(2),
        );
        let config = Small::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .load()
            .await
            .unwrap_or_else(|e| panic!("{code}: {e}"));
        check(&config);
        assert_eq!(
            proxy.count("GetParameters"),
            3,
            "{code}: throttled twice, then answered"
        );
    }
    // Past the deadline, each says Throttled.
    for code in [
        "SlowDown",
        "PriorRequestNotComplete",
        "LimitExceededException",
    ] {
        let proxy = Proxy::start(moto()).expect("proxy");
        proxy.add_rule(Rule::always(
            Some("GetParameters"),
            Fault::Respond {
                status: 400,
                body: format!(r#"{{"__type":"{code}","message":"Rate exceeded"}}"#),
            },
        ));
        let err = Small::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .timeout(Duration::from_secs(2))
            .load()
            .await
            .expect_err("throttled to the end");
        assert!(
            err.problems()
                .iter()
                .any(|p| p.kind() == ProblemKind::Throttled && p.to_string().contains(code)),
            "{code}: {err}"
        );
        let sent = proxy.count("GetParameters");
        assert!(
            sent >= 2,
            "{code}: re-issued (paced) until the deadline, {sent} calls"
        );
    }
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::from_nanos(1)),
        Just(Duration::MAX),
        Just(Duration::new(u64::MAX, 0)),
        Just(Duration::from_secs(u64::MAX / 2)),
        (0u64..5_000).prop_map(Duration::from_millis),
        any::<u64>().prop_map(Duration::from_secs),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn count() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(usize::MAX),
        any::<usize>(),
        0usize..50
    ]
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(48),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The builder with extreme values: `load` and `watch` answer (a config
    /// or an error), and nothing panics. A start jitter is taken only offline
    /// (it is clamped to 5 minutes, a wait too long for a test).
    #[test]
    fn the_loaders_builder_never_panics(
        timeout in duration(),
        jitter in duration(),
        every in duration(),
        wait in duration(),
        concurrency in count(),
        pages in count(),
        offline in any::<bool>(),
        watch in any::<bool>(),
    ) {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let outcome = rt.block_on(async move {
            let env = unique_env("prop");
            if !offline {
                seed_small(&env).await;
            }
            // A bound that could make the test hang is capped for the online
            // loads only; the clamping itself is what is under test.
            let timeout = if offline { timeout } else { timeout.min(Duration::from_secs(20)) };
            let mut loader = Small::loader()
                .env(&env)
                .sdk_config(&sdk_config(moto()))
                .timeout(timeout)
                .concurrency(concurrency)
                .max_pages(pages)
                .change_events_wait(wait);
            if offline {
                loader = loader
                    .offline()
                    .start_jitter(jitter)
                    .merge(awsconf::figment::providers::Serialized::defaults(
                        serde_json::json!({"host": "h", "port": 1, "key": "k"}),
                    ));
            }
            let task = tokio::spawn(async move {
                if watch {
                    loader.watch(every).await.map(|live| live.get().port)
                } else {
                    loader.load().await.map(|c| c.port)
                }
            });
            task.await
        });
        prop_assert!(outcome.is_ok(), "a panic: {:?}", outcome.err());
        if let Ok(Ok(port)) = outcome {
            prop_assert!(port == 5432 || port == 1);
        }
    }
}

/// Runs a future to its end on this thread, with no Tokio runtime: what
/// `futures::executor::block_on` (or another executor) does.
fn block_on_without_tokio<F: std::future::Future>(future: F) -> F::Output {
    struct Unpark(std::thread::Thread);
    impl std::task::Wake for Unpark {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// A load, an offline load and a watch run on another executor than Tokio's
/// fail with one `NoRuntime` problem naming the fix; none panics (tokio's
/// timers and the SDK's HTTP client would).
#[test]
fn a_load_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let env = unique_env("nort");
    let loaded = block_on_without_tokio(
        Small::loader()
            .env(&env)
            .sdk_config(&sdk_config(moto()))
            .load(),
    );
    let offline = block_on_without_tokio(Small::loader().env(&env).offline().load());
    let watched = block_on_without_tokio(
        Small::loader()
            .env(&env)
            .sdk_config(&sdk_config(moto()))
            .watch(Duration::from_secs(60)),
    );
    for (what, err) in [
        ("load", loaded.map(|_| ()).err()),
        ("offline load", offline.map(|_| ()).err()),
        ("watch", watched.map(|_| ()).err()),
    ] {
        let err = err.unwrap_or_else(|| panic!("{what} outside a runtime succeeded"));
        assert_eq!(err.problems().len(), 1, "{what}: {err}");
        assert_eq!(
            err.problems()[0].kind(),
            ProblemKind::NoRuntime,
            "{what}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.contains("Tokio") && text.contains("#[tokio::main]"),
            "{what}: {text}"
        );
        assert!(text.contains(&env), "{what} does not name the env: {text}");
    }
}
