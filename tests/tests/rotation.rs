//! Scheduled rotation: a `Live` refreshes its secrets just after the
//! `NextRotationDate` its refreshes' `DescribeSecret` calls give, not only on
//! its interval, and does not poll a rotation that has not finished.
//!
//! moto's `NextRotationDate` is days away (`RotateSecret` with
//! `AutomaticallyAfterDays`), so the proxy rewrites it into seconds away
//! (`Fault::RewriteAnswer`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use awsconf::{AwsConfig, ExposeSecret, Live, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rot")]
struct App {
    port: u16,
    #[secret(id = "{env}/db/password")]
    password: SecretString,
}

async fn seed(env: &str) -> Seed {
    let seed = Seed::new();
    seed.param(&format!("/{env}/rot/port"), "5432").await;
    seed.secret(&format!("{env}/db/password"), "pw-1").await;
    seed
}

async fn watch(env: &str, proxy: &Proxy, every: Duration) -> Live<App> {
    App::loader()
        .env(env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .watch(every)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

/// Every `DescribeSecret` answer says the next rotation is at `at`.
fn rotation_at(proxy: &Proxy, at: SystemTime) {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs_f64();
    proxy.add_rule(Rule::always(
        Some("DescribeSecret"),
        Fault::RewriteAnswer {
            field: "NextRotationDate".into(),
            json: format!("{secs:.3}"),
        },
    ));
}

/// Waits (bounded) until `f` holds.
async fn eventually(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_secret_is_refreshed_just_after_its_scheduled_rotation_not_on_the_interval() {
    let env = unique_env("rotsched");
    let seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    // 2 minutes: the interval refresh cannot come before 108 s; the spread
    // after a rotation date is at most 12 s (10% of the interval).
    let every = Duration::from_secs(120);
    let live = watch(&env, &proxy, every).await;
    assert_eq!(live.get().password.expose_secret(), "pw-1");
    assert_eq!(live.get().port, 5432);
    // The load reads values only (BatchGetSecretValue): it learns no date.
    assert_eq!(proxy.count("DescribeSecret"), 0);

    let date = SystemTime::now() + Duration::from_secs(3);
    rotation_at(&proxy, date);
    // The first refresh describes the secret and learns the date.
    live.refresh_now().await.expect("refresh");
    let get_parameters = proxy.count("GetParameters");
    let described = proxy.count("DescribeSecret");
    assert_eq!(described, 1);

    // The rotation finishes on or before its date, as Secrets Manager's does.
    let mut rx = live.subscribe();
    seed.rotate(&format!("{env}/db/password"), "pw-2").await;
    tokio::time::timeout(Duration::from_secs(90), rx.changed())
        .await
        .expect("the rotated secret, long before the 2 minute interval")
        .expect("sender alive");
    assert_eq!(live.get().password.expose_secret(), "pw-2");
    assert!(
        SystemTime::now() >= date,
        "the refresh came after the rotation date, not before"
    );
    assert!(live.last_error().is_none());
    assert_eq!(
        proxy.count("GetParameters"),
        get_parameters,
        "a refresh after a rotation reads secrets only, and the interval refresh has not come"
    );
    assert_eq!(proxy.count("DescribeSecret"), described + 1);
    assert_eq!(proxy.count("BatchGetSecretValue"), 2, "the load, then pw-2");

    // The date is past now (and the answer still gives it): no more refreshes
    // until the interval's.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(proxy.count("DescribeSecret"), described + 1);
}

#[tokio::test]
async fn a_rotation_that_has_not_finished_is_not_polled() {
    let env = unique_env("rotslow");
    let _seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    // 20 s: the spread after a date is at most 2 s; the interval refresh
    // comes after 18 s at the earliest.
    let live = watch(&env, &proxy, Duration::from_secs(20)).await;
    let date = SystemTime::now() + Duration::from_secs(1);
    rotation_at(&proxy, date);
    live.refresh_now().await.expect("refresh");
    let described = proxy.count("DescribeSecret");

    // The refresh after the date finds the same version: the rotation has not
    // finished, and DescribeSecret still gives the date.
    eventually(
        "a refresh after the rotation date",
        Duration::from_secs(15),
        || proxy.count("DescribeSecret") > described,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        proxy.count("DescribeSecret"),
        described + 1,
        "one refresh after the date, then the interval's, not a loop"
    );
    assert_eq!(
        proxy.count("BatchGetSecretValue"),
        1,
        "the value is unchanged"
    );
    assert_eq!(live.get().password.expose_secret(), "pw-1");
    assert!(live.last_error().is_none());
}

#[tokio::test]
async fn a_rotation_date_in_the_past_or_absent_changes_nothing() {
    let env = unique_env("rotpast");
    let _seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(&env, &proxy, Duration::from_secs(60)).await;
    rotation_at(&proxy, SystemTime::now() - Duration::from_secs(3600));
    live.refresh_now().await.expect("refresh");
    proxy.clear_rules();
    // moto's own answer: no rotation configured, `"NextRotationDate": null`.
    live.refresh_now().await.expect("refresh");
    let described = proxy.count("DescribeSecret");
    assert_eq!(described, 2);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(proxy.count("DescribeSecret"), described);
    assert!(live.last_error().is_none());
}
