//! `change_topic` leaves nothing behind: processes that end the ordinary way
//! (the last `Live` dropped, then `main` returns and the tokio runtime goes)
//! leave no queue and no subscription; `Live::close` cleans up before it
//! returns; a stop during `CreateQueue` or `Subscribe` leaves nothing; the
//! queue of a killed process is deleted by the next instance after the
//! staleness period. Child processes are this test binary run again on one
//! ignored test, `child_live`, against the same moto.

#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use awsconf::{AwsConfig, SecretString};
use awsconf_tests::{
    create_topic, moto, sdk_config, sqs, subscription_endpoints, unique_env, Fault, Proxy, Rule,
    Seed,
};

const HOUR: Duration = Duration::from_secs(3600);

#[derive(AwsConfig, Debug)]
#[aws_config(app = "tc")]
struct App {
    port: u16,
    #[secret(id = "{env}/tc/password")]
    password: SecretString,
}

async fn seed(env: &str) {
    let seed = Seed::new();
    seed.param(&format!("/{env}/tc/port"), "5432").await;
    seed.secret(&format!("{env}/tc/password"), "pw-1").await;
}

/// The queues of app `tc` in `env` (the env names unique_env makes need no
/// escaping).
async fn queues(env: &str) -> Vec<String> {
    sqs()
        .list_queues()
        .queue_name_prefix(format!("awsconf__tc__{env}__"))
        .send()
        .await
        .expect("list queues")
        .queue_urls
        .unwrap_or_default()
}

async fn subscriptions(topic: &str) -> usize {
    subscription_endpoints(topic).await.len()
}

async fn eventually(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < within, "not within {within:?}: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const CHILD_ENV: &str = "AWSCONF_TC_CHILD_ENV";
const CHILD_TOPIC: &str = "AWSCONF_TC_CHILD_TOPIC";
/// `current_thread`, `multi_thread`; `hang`: never return (to be killed).
const CHILD_MODE: &str = "AWSCONF_TC_CHILD_MODE";
/// The staleness period of the child's fleet.
const CHILD_STALENESS: Duration = Duration::from_secs(3);

/// This binary, run on `child_live` only.
fn child(env: &str, topic: &str, mode: &str) -> std::process::Child {
    Command::new(std::env::current_exe().expect("exe"))
        .args(["--exact", "child_live", "--ignored", "--nocapture"])
        .env("AWSCONF_TEST_ENDPOINT", moto())
        .env(CHILD_ENV, env)
        .env(CHILD_TOPIC, topic)
        .env(CHILD_MODE, mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("child")
}

/// A process with a `Live` on a change topic that ends the ordinary way: it
/// waits until its queue is subscribed, drops the `Live` and returns at once,
/// so the runtime goes right after (`main` returning). Run by the tests
/// below as a child process; alone it does nothing.
#[test]
#[ignore = "a child process of the tests in this file"]
fn child_live() {
    let (Ok(env), Ok(topic)) = (std::env::var(CHILD_ENV), std::env::var(CHILD_TOPIC)) else {
        return;
    };
    let mode = std::env::var(CHILD_MODE).unwrap_or_default();
    let rt = match mode.as_str() {
        "current_thread" => tokio::runtime::Builder::new_current_thread(),
        _ => tokio::runtime::Builder::new_multi_thread(),
    }
    .enable_all()
    .build()
    .expect("runtime");
    // Through a proxy of its own, to see its own calls; it outlives the
    // runtime.
    let proxy = Proxy::start(moto()).expect("proxy");
    rt.block_on(async {
        // The period of the fleet it belongs to: a sweep waits for the longer
        // of its own and the queue owner's.
        let live = App::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .change_topic(&topic)
            .change_topic_staleness(CHILD_STALENESS)
            .watch(HOUR)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(live.get().port, 5432);
        // Set up: the first receive comes after Subscribe's answer.
        let start = Instant::now();
        while proxy.count("ReceiveMessage") == 0 {
            assert!(start.elapsed() < Duration::from_secs(10), "not subscribed");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        println!("child: subscribed");
        if mode == "hang" {
            std::future::pending::<()>().await;
        }
        drop(live);
    });
    // `main` returns: the runtime goes.
    drop(rt);
    println!("child: {} DeleteQueue", proxy.count("DeleteQueue"));
}

#[tokio::test]
async fn three_processes_that_end_the_ordinary_way_leave_no_queue_and_no_subscription() {
    let env = unique_env("ordinary");
    seed(&env).await;
    let topic = create_topic("ordinary").await;
    let children: Vec<_> = ["current_thread", "multi_thread", "multi_thread"]
        .into_iter()
        .map(|mode| child(&env, &topic, mode))
        .collect();
    for c in children {
        let out = c.wait_with_output().expect("child");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && stdout.contains("child: subscribed"),
            "{}\n{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The processes are gone: nothing of theirs may be left, now.
    assert_eq!(queues(&env).await, Vec::<String>::new());
    assert_eq!(subscriptions(&topic).await, 0);
}

#[tokio::test]
async fn close_unsubscribes_and_deletes_the_queue_before_it_returns() {
    let env = unique_env("close");
    seed(&env).await;
    let topic = create_topic("close").await;
    let live = App::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .change_topic(&topic)
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let other = live.clone();
    eventually("subscribed", Duration::from_secs(5), async || {
        subscriptions(&topic).await == 1
    })
    .await;
    assert_eq!(queues(&env).await.len(), 1);
    live.close().await;
    assert_eq!(queues(&env).await, Vec::<String>::new());
    assert_eq!(subscriptions(&topic).await, 0);
    // A clone left keeps the last config.
    assert_eq!(other.get().port, 5432);
}

#[tokio::test]
async fn a_stop_during_create_queue_or_subscribe_leaves_nothing() {
    let env = unique_env("midsetup");
    seed(&env).await;
    for op in ["CreateQueue", "/"] {
        let topic = create_topic("midsetup").await;
        let proxy = Proxy::start(moto()).expect("proxy");
        // The call is made, and its answer held: the queue or subscription
        // exists, and the Live does not know it.
        proxy.add_rule(Rule::always(Some(op), Fault::HoldAnswer).times(1));
        let live = App::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .change_topic(&topic)
            .watch(HOUR)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        eventually(&format!("{op} held"), Duration::from_secs(5), async || {
            proxy.held() == 1
        })
        .await;
        assert_eq!(queues(&env).await.len(), 1, "{op}: the queue exists");
        live.close().await;
        proxy.release_held();
        assert_eq!(queues(&env).await, Vec::<String>::new(), "{op}");
        assert_eq!(subscriptions(&topic).await, 0, "{op}");
    }
}

#[tokio::test]
async fn a_killed_processs_queue_is_deleted_after_the_staleness_period() {
    let env = unique_env("killed");
    seed(&env).await;
    let topic = create_topic("killed").await;
    let mut killed = child(&env, &topic, "hang");
    eventually(
        "the child subscribed",
        Duration::from_secs(20),
        async || subscriptions(&topic).await == 1,
    )
    .await;
    killed.kill().expect("kill");
    let _ = killed.wait();
    let left = queues(&env).await;
    assert_eq!(left.len(), 1, "a killed process leaves its queue");
    assert_eq!(subscriptions(&topic).await, 1);

    let staleness = CHILD_STALENESS;
    let proxy = Proxy::start(moto()).expect("proxy");
    let started = Instant::now();
    let live = App::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .change_topic(&topic)
        .change_topic_staleness(staleness)
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eventually(
        "the killed process's queue deleted",
        staleness * 3 + Duration::from_secs(5),
        async || {
            let now = queues(&env).await;
            now.len() == 1 && !now.contains(&left[0])
        },
    )
    .await;
    let took = started.elapsed();
    assert!(took >= staleness, "not before the period: {took:?}");
    eprintln!(
        "stale queue deleted {took:?} after the next instance started (staleness {staleness:?})"
    );
    assert_eq!(subscriptions(&topic).await, 1, "only the live one's");
    assert!(
        proxy.count("TagQueue") >= 1,
        "the live instance's heartbeat"
    );
    // The live instance's own queue survives its own sweeps.
    tokio::time::sleep(staleness * 2).await;
    assert_eq!(queues(&env).await.len(), 1);
    live.close().await;
    assert_eq!(queues(&env).await, Vec::<String>::new());
    assert_eq!(subscriptions(&topic).await, 0);
}
