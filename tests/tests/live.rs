//! Live config: refreshes pick up rotated secrets and changed parameters without
//! a restart; failures keep the last good config.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use awsconf::{AwsConfig, ExposeSecret, Live, ProblemKind, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "live")]
struct App {
    port: u16,
    n: u32,
    #[secret(id = "{env}/db/password")]
    password: SecretString,
}

async fn seed(env: &str) -> Seed {
    let seed = Seed::new();
    seed.param(&format!("/{env}/live/port"), "5432").await;
    seed.param(&format!("/{env}/live/n"), "0").await;
    seed.secret(&format!("{env}/db/password"), "pw-1").await;
    seed
}

async fn watch(env: &str, endpoint: &str, every: Duration) -> Live<App> {
    App::loader()
        .env(env)
        .sdk_config(&sdk_config(endpoint))
        .watch(every)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Waits (bounded) until `f` holds.
async fn eventually(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn rotated_secret_is_picked_up_and_subscribers_see_exactly_one_change() {
    let env = unique_env("rotate");
    let seed = seed(&env).await;
    let every = Duration::from_millis(300);
    let live = watch(&env, moto(), every).await;
    let mut rx = live.subscribe();
    assert_eq!(live.get().password.expose_secret(), "pw-1");

    seed.rotate(&format!("{env}/db/password"), "pw-2").await;
    tokio::time::timeout(Duration::from_secs(5), rx.changed())
        .await
        .expect("a change within every + jitter")
        .expect("sender alive");
    assert_eq!(rx.borrow_and_update().password.expose_secret(), "pw-2");
    assert_eq!(live.get().password.expose_secret(), "pw-2");
    // Several more refreshes with nothing new: no further notification.
    tokio::time::sleep(every * 4).await;
    assert!(
        !rx.has_changed().expect("sender alive"),
        "exactly one change"
    );
    assert!(live.last_error().is_none());
    assert!(
        live.age() < every * 2,
        "refreshes keep confirming the config: {:?}",
        live.age()
    );
}

#[tokio::test]
async fn failing_refreshes_keep_the_last_good_config_then_recover() {
    let env = unique_env("fail");
    let seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    // Throttling is retried until the deadline: keep it short.
    let live = App::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .timeout(Duration::from_secs(2))
        .watch(Duration::from_millis(300))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    proxy.add_rule(Rule::always(None, Fault::Throttle));
    let l = live.clone();
    eventually("a failed refresh", Duration::from_secs(15), move || {
        l.last_error().is_some()
    })
    .await;
    let err = live.last_error().expect("error");
    assert!(
        err.problems()
            .iter()
            .any(|p| p.kind() == ProblemKind::Throttled),
        "{err}"
    );
    assert_eq!(
        live.get().port,
        5432,
        "the last good config is still served"
    );
    assert_eq!(live.get().password.expose_secret(), "pw-1");

    seed.param(&format!("/{env}/live/port"), "6543").await;
    proxy.clear_rules();
    let l = live.clone();
    eventually("recovery", Duration::from_secs(15), move || {
        l.last_error().is_none() && l.get().port == 6543
    })
    .await;
}

#[tokio::test]
async fn a_refresh_with_an_invalid_parameter_swaps_nothing() {
    let env = unique_env("invalid");
    let seed = seed(&env).await;
    let live = watch(&env, moto(), Duration::from_secs(3600)).await;
    let rx = live.subscribe();
    seed.param(&format!("/{env}/live/port"), "not-a-port").await;
    seed.param(&format!("/{env}/live/n"), "7").await;
    let err = live.refresh_now().await.expect_err("invalid");
    assert_eq!(
        err.problems()[0].to_string(),
        format!("port (/{env}/live/port): \"not-a-port\" is not a valid u16")
    );
    assert_eq!(live.get().port, 5432);
    assert_eq!(
        live.get().n,
        0,
        "the valid change to n is not swapped in alone"
    );
    assert!(!rx.has_changed().expect("alive"));
    assert!(live.last_error().is_some());

    seed.param(&format!("/{env}/live/port"), "5433").await;
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(rx.has_changed().expect("alive"));
    assert_eq!((live.get().port, live.get().n), (5433, 7));
    assert!(live.last_error().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_readers_see_monotonic_configs_during_refreshes() {
    let env = unique_env("readers");
    let seed = seed(&env).await;
    let live = watch(&env, moto(), Duration::from_secs(3600)).await;
    let readers: Vec<_> = (0..1000)
        .map(|_| {
            let live = live.clone();
            tokio::spawn(async move {
                let mut last = 0;
                let mut reads = 0u64;
                loop {
                    let config: Arc<App> = live.get();
                    assert!(config.n >= last, "went back from {last} to {}", config.n);
                    assert_eq!(config.port, 5432);
                    last = config.n;
                    reads += 1;
                    if last == 5 {
                        return reads;
                    }
                    tokio::task::yield_now().await;
                }
            })
        })
        .collect();
    for n in 1..=5 {
        seed.param(&format!("/{env}/live/n"), &n.to_string()).await;
        live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    }
    let all = tokio::time::timeout(
        Duration::from_secs(60),
        futures_util::future::join_all(readers),
    )
    .await
    .expect("no deadlock");
    let reads: u64 = all.into_iter().map(|r| r.expect("reader")).sum();
    assert!(reads >= 1000);
}

/// The first call's fetch begins at once; the other 99 arrive while it is in
/// flight, so it may predate what they ask about: they share one more fetch,
/// which begins after all of them.
#[tokio::test]
async fn a_hundred_concurrent_refresh_now_calls_make_two_fetches() {
    let env = unique_env("coalesce");
    seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(&env, &proxy.endpoint(), Duration::from_secs(3600)).await;
    proxy.set_delay(Duration::from_millis(100));
    proxy.reset_stats();
    let calls = (0..100).map(|_| live.refresh_now());
    let results = futures_util::future::join_all(calls).await;
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(proxy.count("GetParameters"), 2, "{:?}", proxy.counts());
    assert_eq!(proxy.count("DescribeSecret"), 2, "{:?}", proxy.counts());
}

/// A refresh that began before `refresh_now` was called may have read the
/// secret before it rotated: the call must not take that refresh's result.
/// The proxy holds the first refresh's DescribeSecret answer (made before the
/// rotation) while the secret rotates and a second caller arrives.
#[tokio::test]
async fn refresh_now_never_answers_with_a_fetch_that_began_before_the_call() {
    let env = unique_env("after-call");
    let seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(&env, &proxy.endpoint(), Duration::from_secs(3600)).await;
    proxy.add_rule(Rule::always(Some("DescribeSecret"), Fault::HoldAnswer).times(1));

    // Refresh A begins; its DescribeSecret answer (version pw-1) is held.
    let early = tokio::spawn({
        let live = live.clone();
        async move { live.refresh_now().await }
    });
    eventually("A's answer is held", Duration::from_secs(10), || {
        proxy.held() == 1
    })
    .await;

    // The database rejects pw-1: the secret was rotated. The caller asks.
    seed.rotate(&format!("{env}/db/password"), "pw-2").await;
    let mut late = std::pin::pin!(live.refresh_now());
    std::future::poll_fn(|cx| {
        assert!(
            std::future::Future::poll(late.as_mut(), cx).is_pending(),
            "waits behind A"
        );
        std::task::Poll::Ready(())
    })
    .await;

    proxy.release_held();
    let early = early.await.expect("A's task");
    assert!(early.is_ok(), "{early:?}");
    late.await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        live.get().password.expose_secret(),
        "pw-2",
        "the caller sees the rotation it asked about"
    );
    assert_eq!(proxy.count("DescribeSecret"), 2, "{:?}", proxy.counts());
}

/// A number whose `Deserialize` panics on one value: user code that panics
/// inside a refresh.
#[derive(Debug)]
struct Fragile(u32);

impl<'de> serde::Deserialize<'de> for Fragile {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Fragile, D::Error> {
        let n = u32::deserialize(d)?;
        assert_ne!(n, 13, "Fragile cannot stand 13");
        Ok(Fragile(n))
    }
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "live")]
struct FragileApp {
    n: Fragile,
}

#[tokio::test]
async fn a_panicking_refresh_is_a_failed_refresh_and_refreshing_goes_on() {
    let env = unique_env("panic");
    let seed = seed(&env).await;
    let live = FragileApp::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .watch(Duration::from_millis(200))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(live.get().n.0, 0);

    seed.param(&format!("/{env}/live/n"), "13").await;
    let err = live.refresh_now().await.expect_err("the refresh panicked");
    assert_eq!(err.problems()[0].kind(), ProblemKind::Panic, "{err}");
    let shown = live.last_error().map(|e| e.to_string()).unwrap_or_default();
    assert!(shown.contains("panicked"), "{shown}");
    assert_eq!(live.get().n.0, 0, "the last good config stays");

    // The background task survived the panics (its own refreshes panic too)
    // and picks up the next good value by itself.
    seed.param(&format!("/{env}/live/n"), "14").await;
    eventually(
        "the background refresh sees 14",
        Duration::from_secs(10),
        || live.get().n.0 == 14,
    )
    .await;
    assert!(live.last_error().is_none());
}

#[tokio::test]
async fn an_interval_too_long_to_jitter_still_watches() {
    let env = unique_env("forever");
    seed(&env).await;
    let live = watch(&env, moto(), Duration::MAX).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    assert!(live.last_error().is_none());
}

#[tokio::test]
async fn refresh_costs_describe_only_until_a_secret_changes() {
    let env = unique_env("cheap");
    let seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(&env, &proxy.endpoint(), Duration::from_secs(3600)).await;
    assert_eq!(
        proxy.count("BatchGetSecretValue"),
        1,
        "first load fetches the value"
    );

    proxy.reset_stats();
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    let unchanged = proxy.counts();
    assert_eq!(proxy.count("GetParameters"), 1, "{unchanged:?}");
    assert_eq!(proxy.count("DescribeSecret"), 1, "{unchanged:?}");
    assert_eq!(
        proxy.count("BatchGetSecretValue") + proxy.count("GetSecretValue"),
        0,
        "no value re-read: {unchanged:?}"
    );
    assert_eq!(proxy.total(), 2);

    seed.rotate(&format!("{env}/db/password"), "pw-3").await;
    proxy.reset_stats();
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    let changed = proxy.counts();
    assert_eq!(proxy.count("DescribeSecret"), 1, "{changed:?}");
    assert_eq!(
        proxy.count("BatchGetSecretValue"),
        1,
        "the changed secret is read: {changed:?}"
    );
    assert_eq!(proxy.total(), 3);
    assert_eq!(live.get().password.expose_secret(), "pw-3");
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_refresh_task() {
    let env = unique_env("drop");
    seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let every = Duration::from_millis(100);
    let live = watch(&env, &proxy.endpoint(), every).await;
    let other = live.clone();
    drop(live);
    proxy.reset_stats();
    tokio::time::sleep(every * 5).await;
    assert!(
        proxy.count("GetParameters") >= 2,
        "a clone keeps it refreshing: {:?}",
        proxy.counts()
    );
    assert_eq!(other.get().port, 5432);

    drop(other);
    tokio::time::sleep(every * 3).await; // let an in-flight refresh finish
    proxy.reset_stats();
    tokio::time::sleep(every * 10).await;
    assert_eq!(
        proxy.total(),
        0,
        "no refresh after the last handle is gone: {:?}",
        proxy.counts()
    );
}
