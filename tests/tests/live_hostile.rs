//! `Live` refreshes under partial failures and concurrency, from a red-team
//! pass: never half-loaded, never a panic, never a secret in a log.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use awsconf::{AwsConfig, ExposeSecret, Live, SecretString};
use awsconf_tests::{captured_logs, moto, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

const HOUR: Duration = Duration::from_secs(3600);

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtf")]
struct App {
    port: u16,
    host: String,
    #[secret(id = "{env}/rtf/password")]
    password: SecretString,
    #[secret(id = "{env}/rtf/api")]
    api: SecretString,
}

async fn seed(env: &str) -> Seed {
    captured_logs();
    let seed = Seed::new();
    seed.param(&format!("/{env}/rtf/port"), "5432").await;
    seed.param(&format!("/{env}/rtf/host"), "h1").await;
    seed.secret(&format!("{env}/rtf/password"), "CANARYpwA1")
        .await;
    seed.secret(&format!("{env}/rtf/api"), "CANARYapiA1").await;
    seed
}

async fn watch(env: &str, proxy: &Proxy, every: Duration) -> Live<App> {
    App::loader()
        .env(env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .timeout(Duration::from_secs(3))
        .watch(every)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

fn snapshot(live: &Live<App>) -> (u16, String, String, String) {
    let c = live.get();
    (
        c.port,
        c.host.clone(),
        c.password.expose_secret().to_string(),
        c.api.expose_secret().to_string(),
    )
}

fn old() -> (u16, String, String, String) {
    (5432, "h1".into(), "CANARYpwA1".into(), "CANARYapiA1".into())
}

fn new() -> (u16, String, String, String) {
    (6000, "h2".into(), "CANARYpwB2".into(), "CANARYapiB2".into())
}

async fn change_all(seed: &Seed, env: &str) {
    seed.param(&format!("/{env}/rtf/port"), "6000").await;
    seed.param(&format!("/{env}/rtf/host"), "h2").await;
    seed.rotate(&format!("{env}/rtf/password"), "CANARYpwB2")
        .await;
    seed.rotate(&format!("{env}/rtf/api"), "CANARYapiB2").await;
}

fn no_canary(live: &Live<App>) {
    let logs = captured_logs();
    for c in ["CANARYpwA1", "CANARYapiA1", "CANARYpwB2", "CANARYapiB2"] {
        assert!(!logs.contains(c), "{c} in a log line");
        if let Some(e) = live.last_error() {
            assert!(!format!("{e} {e:?}").contains(c));
        }
        assert!(!format!("{live:?} {:?}", live.get()).contains(c));
    }
}

/// Parameter Store answers, Secrets Manager's value reads fail (each fault
/// in turn, one secret or both): nothing is swapped.
#[tokio::test]
async fn parameters_answer_secrets_fail_nothing_swapped() {
    for (op, fault, times) in [
        ("GetSecretValue", Fault::Status(500), None),
        ("BatchGetSecretValue", Fault::Status(500), None),
        ("BatchGetSecretValue", Fault::Reset, Some(4)),
        ("DescribeSecret", Fault::Throttle, None),
        ("BatchGetSecretValue", Fault::Html500, Some(1)),
        (
            "BatchGetSecretValue",
            Fault::Respond {
                status: 400,
                body: r#"{"__type":"ResourceNotFoundException","message":"Secrets Manager can't find the specified secret."}"#.into(),
            },
            Some(1),
        ),
    ] {
        let env = unique_env("half");
        let seed = seed(&env).await;
        let proxy = Proxy::start(moto()).expect("proxy");
        let live = watch(&env, &proxy, HOUR).await;
        assert_eq!(snapshot(&live), old());
        change_all(&seed, &env).await;
        let mut rule = Rule::always(Some(op), fault.clone());
        if let Some(n) = times {
            rule = rule.times(n);
        }
        proxy.add_rule(rule);
        let mut rx = live.subscribe();
        rx.borrow_and_update();
        let r = live.refresh_now().await;
        let snap = snapshot(&live);
        eprintln!("{op} {fault:?}: result ok={} snapshot port={} host={}", r.is_ok(), snap.0, snap.1);
        assert!(
            snap == old() || snap == new(),
            "{op} {fault:?}: a half-swapped config: port {} host {} (secret equality: pw new={} api new={})",
            snap.0,
            snap.1,
            snap.2 == new().2,
            snap.3 == new().3
        );
        if r.is_err() {
            assert_eq!(snap, old(), "{op}: failed refresh but swapped");
            assert!(!rx.has_changed().unwrap_or(false), "subscribers saw a change");
        }
        proxy.clear_rules();
        live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(snapshot(&live), new());
        no_canary(&live);
    }
}

/// 64 concurrent refresh_now calls while the proxy resets half the
/// connections and stalls some: every call returns within the bound, no
/// panic, every config seen is whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_refresh_now_under_resets_and_stalls() {
    let env = unique_env("conc");
    let seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(&env, &proxy, Duration::from_millis(200)).await;
    change_all(&seed, &env).await;
    proxy.add_rule(Rule::always(None, Fault::Reset).probability(0.4));
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::Stall).probability(0.3));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..64u64 {
        let l = live.clone();
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(i * 13 % 400)).await;
            let t = Instant::now();
            let r = l.refresh_now().await;
            let s = snapshot(&l);
            assert!(s == old() || s == new(), "half: port {} host {}", s.0, s.1);
            (r.is_ok(), t.elapsed())
        }));
    }
    let mut ok = 0;
    let mut longest = Duration::ZERO;
    for t in tasks {
        let (r, took) = t.await.expect("no panic");
        ok += usize::from(r);
        longest = longest.max(took);
    }
    eprintln!(
        "{ok}/64 ok; longest call {longest:?}; total {:?}",
        start.elapsed()
    );
    proxy.clear_rules();
    live.refresh_now().await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(snapshot(&live), new());
    no_canary(&live);
    // Each call waits for at most the refresh running when it arrived plus its own.
    assert!(longest < Duration::from_secs(8), "a call took {longest:?}");
}

/// `watch(Duration::ZERO)` with refreshes failing: the failures are reported,
/// nothing panics, no secret is logged, and it recovers. (It refreshes about
/// 40 times a second then: the interval is clamped to 10 ms, not more.)
#[tokio::test]
async fn watch_zero_with_failing_refreshes_reports_and_recovers() {
    let env = unique_env("zero");
    let _seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(&env, &proxy, Duration::ZERO).await;
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::Status(400)));
    proxy.reset_stats();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let calls = proxy.count("GetParameters");
    eprintln!(
        "watch(ZERO), refreshes failing: {calls} GetParameters in 3 s; last_error {:?}",
        live.last_error().is_some()
    );
    assert!(calls > 0 && live.last_error().is_some(), "{calls}");
    proxy.clear_rules();
    proxy.reset_stats();
    tokio::time::sleep(Duration::from_secs(1)).await;
    eprintln!(
        "watch(ZERO), refreshes ok: {} GetParameters in 1 s",
        proxy.count("GetParameters")
    );
    assert!(live.last_error().is_none(), "recovered");
    no_canary(&live);
}
