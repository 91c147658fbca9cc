//! `Live` with `change_topic` against a changing AWS, from a red-team pass:
//! whatever awsconf creates in AWS does not outlive the process (a failed
//! unsubscribe keeps the queue for a sweep rather than strand a subscription;
//! a sweep unsubscribes on the queue's own topic; a heartbeat in the future is
//! not trusted), the stale sweep never takes a living instance's queue (its
//! owner's longer period counts; the heartbeat runs while `Subscribe` is
//! retried), a `Live` whose queue was taken sets up a new one, and one whose
//! topic was deleted and made again subscribes again.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use awsconf::{AwsConfig, ExposeSecret, Live, SecretString};
use awsconf_tests::{
    captured_logs, create_topic, moto, parameter_change, queue_urls, sdk_config, sns, sqs,
    subscription_endpoints, unique_env, Fault, Proxy, Rule, Seed,
};

const HOUR: Duration = Duration::from_secs(3600);

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtc")]
struct App {
    port: u16,
    #[secret(id = "{env}/rtc/password")]
    password: SecretString,
}

async fn seed(env: &str) -> Seed {
    captured_logs();
    let seed = Seed::new();
    seed.param(&format!("/{env}/rtc/port"), "5432").await;
    seed.secret(&format!("{env}/rtc/password"), "CANARY-rtc-pw-1")
        .await;
    seed
}

fn prefix(env: &str) -> String {
    format!("awsconf__rtc__{env}__")
}

async fn queues(env: &str) -> Vec<String> {
    queue_urls(&prefix(env)).await
}

async fn publish_port(topic: &str, env: &str) {
    let name = format!("/{env}/rtc/port");
    let event = parameter_change(&name, "Update");
    sns()
        .publish()
        .topic_arn(topic)
        .message(event)
        .send()
        .await
        .expect("publish");
}

async fn eventually(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) -> bool {
    let start = Instant::now();
    while !check().await {
        if start.elapsed() > within {
            eprintln!("NOT within {within:?}: {what}");
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("within {:?}: {what}", start.elapsed());
    true
}

async fn watch(env: &str, endpoint: &str, topic: &str, staleness: Option<Duration>) -> Live<App> {
    let mut loader = App::loader()
        .env(env)
        .sdk_config(&sdk_config(endpoint))
        .change_topic(topic)
        .change_events_wait(Duration::from_secs(1));
    if let Some(s) = staleness {
        loader = loader.change_topic_staleness(s);
    }
    let live = loader.watch(HOUR).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(live.get().port, 5432);
    live
}

/// A dead instance's queue, as SIGKILL leaves it: the name pattern, a
/// heartbeat tag, subscribed with raw delivery to `topic`.
async fn dead_queue(env: &str, topic: &str, heartbeat: u64) -> (String, String) {
    let name = format!("{}0123456789ab", prefix(env));
    let url = sqs()
        .create_queue()
        .queue_name(&name)
        .tags("awsconf-heartbeat", heartbeat.to_string())
        .tags("awsconf-topic", topic)
        .send()
        .await
        .expect("create")
        .queue_url
        .expect("url");
    let arn = format!("arn:aws:sqs:us-east-1:123456789012:{name}");
    sns()
        .subscribe()
        .topic_arn(topic)
        .protocol("sqs")
        .endpoint(&arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .expect("subscribe");
    (url, arn)
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs()
}

/// The docs (`change_topic_staleness`): "a period shorter than an instance's
/// pauses deletes a living instance's queue, which then fails and is set up
/// again". Here A's heartbeats fail for a while (TagQueue answers 500: an
/// outage, a paused container); B, same app, env and period, sweeps A's
/// queue. Once SQS answers again A should set a queue up again and get
/// events.
#[tokio::test]
async fn a_swept_living_queue_is_set_up_again() {
    let env = unique_env("resetup");
    let seed = seed(&env).await;
    let topic = create_topic("resetup").await;
    let staleness = Duration::from_secs(2);
    let pa = Proxy::start(moto()).expect("proxy");
    pa.add_rule(Rule::always(Some("TagQueue"), Fault::Status(500)));
    let a = watch(&env, &pa.endpoint(), &topic, Some(staleness)).await;
    assert!(
        eventually("A subscribed", Duration::from_secs(10), async || {
            subscription_endpoints(&topic).await.len() == 1
        })
        .await
    );
    let a_queue = queues(&env).await;
    let b = watch(&env, moto(), &topic, Some(staleness)).await;
    assert!(
        eventually(
            "A's queue swept by B",
            Duration::from_secs(20),
            async || {
                let q = queues(&env).await;
                q.len() == 1 && !q.contains(&a_queue[0])
            }
        )
        .await,
        "B never swept A's queue"
    );
    // SQS answers A again.
    pa.clear_rules();
    let set_up_again = eventually(
        "A set up a queue again",
        Duration::from_secs(40),
        async || queues(&env).await.len() == 2 && subscription_endpoints(&topic).await.len() == 2,
    )
    .await;
    seed.param(&format!("/{env}/rtc/port"), "6001").await;
    publish_port(&topic, &env).await;
    let b2 = b.clone();
    let b_got = eventually("B got the event", Duration::from_secs(5), async || {
        b2.get().port == 6001
    })
    .await;
    let a2 = a.clone();
    let a_got = eventually("A got the event", Duration::from_secs(5), async || {
        a2.get().port == 6001
    })
    .await;
    eprintln!("A last_error: {:?}", a.last_error().map(|e| e.to_string()));
    eprintln!(
        "A proxy: CreateQueue {} ReceiveMessage {} TagQueue {}",
        pa.count("CreateQueue"),
        pa.count("ReceiveMessage"),
        pa.count("TagQueue")
    );
    a.close().await;
    b.close().await;
    assert!(b_got);
    assert!(
        set_up_again && a_got,
        "A lost its queue to a sweep and never set one up again: no change events for the rest of its life"
    );
}

/// Two instances of one app and env with different staleness periods (a
/// canary rollout with a new setting): the short one deletes the living
/// queue of the long one within seconds.
#[tokio::test]
async fn a_shorter_staleness_in_one_instance_never_deletes_a_living_instances_queue() {
    let env = unique_env("mismatch");
    let _seed = seed(&env).await;
    let topic = create_topic("mismatch").await;
    let a = watch(&env, moto(), &topic, None).await; // default, 15 minutes
    assert!(
        eventually("A subscribed", Duration::from_secs(10), async || {
            subscription_endpoints(&topic).await.len() == 1
        })
        .await
    );
    let a_queue = queues(&env).await;
    let b = watch(&env, moto(), &topic, Some(Duration::from_secs(2))).await;
    let swept = eventually(
        "A's living queue deleted",
        Duration::from_secs(12),
        async || !queues(&env).await.contains(&a_queue[0]),
    )
    .await;
    a.close().await;
    b.close().await;
    assert!(
        !swept,
        "B deleted A's queue while A was alive and heartbeating on its own period"
    );
}

/// A failed Unsubscribe at close: the queue is kept (a subscription to a
/// deleted queue would be found by no sweep, as sweeps start from queues), and
/// a later instance's sweep removes both.
#[tokio::test]
async fn close_with_a_failing_unsubscribe_leaves_no_subscription() {
    let env = unique_env("unsub");
    let _seed = seed(&env).await;
    let topic = create_topic("unsub").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(
        &env,
        &proxy.endpoint(),
        &topic,
        Some(Duration::from_secs(2)),
    )
    .await;
    assert!(
        eventually("subscribed", Duration::from_secs(10), async || {
            subscription_endpoints(&topic).await.len() == 1
        })
        .await
    );
    // SNS fails (every SNS call is POST / in the proxy's eyes).
    proxy.add_rule(Rule::always(Some("/"), Fault::Status(500)));
    live.close().await;
    let left_queues = queues(&env).await;
    let left_subs = subscription_endpoints(&topic).await;
    eprintln!("after close: queues {left_queues:?}, subscriptions {left_subs:?}");
    // A later instance of the same app and env, sweeping.
    proxy.clear_rules();
    let later = watch(&env, moto(), &topic, Some(Duration::from_secs(2))).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    later.close().await;
    let left_subs = subscription_endpoints(&topic).await;
    eprintln!("after a later instance swept: subscriptions {left_subs:?}");
    assert!(
        left_subs.is_empty(),
        "an orphan subscription outlives the process: {left_subs:?}"
    );
    assert_eq!(
        queues(&env).await,
        Vec::<String>::new(),
        "the kept queue was swept too"
    );
    assert_eq!(
        left_queues.len(),
        1,
        "kept at close, for the sweep: {left_queues:?}"
    );
}

/// AccessDenied on DeleteQueue at close: close returns `()`; the leak shows
/// only as a log line.
#[tokio::test]
async fn close_with_delete_queue_denied_is_reported() {
    let env = unique_env("denied");
    let _seed = seed(&env).await;
    let topic = create_topic("denied").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = watch(&env, &proxy.endpoint(), &topic, None).await;
    assert!(
        eventually("subscribed", Duration::from_secs(10), async || {
            subscription_endpoints(&topic).await.len() == 1
        })
        .await
    );
    proxy.add_rule(Rule::always(
        Some("DeleteQueue"),
        Fault::Respond {
            status: 400,
            body: r#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"User is not authorized to perform: sqs:DeleteQueue"}"#.into(),
        },
    ));
    let other = live.clone();
    live.close().await;
    let left = queues(&env).await;
    eprintln!(
        "after close: queues {left:?}; last_error {:?}",
        other.last_error().map(|e| e.to_string())
    );
    let logs = captured_logs();
    let warned = logs
        .lines()
        .filter(|l| l.contains("could not delete the change-events queue"))
        .collect::<Vec<_>>();
    eprintln!("warnings: {warned:#?}");
    assert!(!logs.contains("CANARY-rtc-pw-1"), "a secret in the logs");
    assert!(!warned.is_empty(), "the leak is not even logged");
    // Clean up for the other tests.
    for q in left {
        let _ = sqs().delete_queue().queue_url(q).send().await;
    }
}

/// A killed instance subscribed to another topic (the app moved topics):
/// the sweep deletes its queue but looks for the subscription on its own
/// topic only, so the old topic keeps a subscription to a deleted queue.
#[tokio::test]
async fn a_swept_queue_subscribed_to_another_topic_leaves_no_subscription() {
    let env = unique_env("othertopic");
    let _seed = seed(&env).await;
    let old_topic = create_topic("oldtopic").await;
    let new_topic = create_topic("newtopic").await;
    let (url, arn) = dead_queue(&env, &old_topic, now() - 3600).await;
    assert_eq!(subscription_endpoints(&old_topic).await, vec![arn.clone()]);
    let live = watch(&env, moto(), &new_topic, Some(Duration::from_secs(2))).await;
    let swept = eventually(
        "the dead queue swept",
        Duration::from_secs(12),
        async || !queues(&env).await.contains(&url),
    )
    .await;
    live.close().await;
    let left = subscription_endpoints(&old_topic).await;
    eprintln!("swept {swept}; old topic's subscriptions {left:?}");
    assert!(swept);
    assert!(
        left.is_empty(),
        "a subscription to the deleted queue outlives it: {left:?}"
    );
}

/// A killed instance whose clock ran ahead wrote a heartbeat in the future:
/// it is never stale to anyone (now - beat saturates at 0).
#[tokio::test]
async fn a_dead_queue_with_a_future_heartbeat_is_swept() {
    let env = unique_env("future");
    let _seed = seed(&env).await;
    let topic = create_topic("future").await;
    let (url, _arn) = dead_queue(&env, &topic, now() + 24 * 3600).await;
    let live = watch(&env, moto(), &topic, Some(Duration::from_secs(2))).await;
    let swept = eventually(
        "the dead queue swept",
        Duration::from_secs(12),
        async || !queues(&env).await.contains(&url),
    )
    .await;
    live.close().await;
    let _ = sqs().delete_queue().queue_url(&url).send().await;
    assert!(
        swept,
        "a queue whose heartbeat is in the future is never swept"
    );
}

/// A Live whose topic does not answer Subscribe for a while (a policy being
/// fixed, or one Subscribe the SDK retries for longer than the staleness
/// period): its queue exists and must keep its heartbeat meanwhile, or a peer
/// sweeps the queue of this living instance, which then subscribes a deleted
/// queue and gets no events.
#[tokio::test]
async fn a_living_instance_retrying_subscribe_keeps_its_queue() {
    let env = unique_env("subretry");
    let seed = seed(&env).await;
    let topic = create_topic("subretry").await;
    let staleness = Duration::from_secs(2);
    let pa = Proxy::start(moto()).expect("proxy");
    // SNS (every SNS call is POST / in the proxy's eyes): the first Subscribe
    // attempt stalls until the SDK's 5 s attempt timeout, longer than the
    // staleness period (the SDK's own retries of one call can take as long),
    // then every attempt fails.
    pa.add_rule(Rule::always(Some("/"), Fault::Stall).times(1));
    pa.add_rule(Rule::always(Some("/"), Fault::Status(500)));
    let a = watch(&env, &pa.endpoint(), &topic, Some(staleness)).await;
    assert!(
        eventually("A's queue made", Duration::from_secs(10), async || {
            queues(&env).await.len() == 1
        })
        .await
    );
    let a_queue = queues(&env).await;
    // A peer (same period) that subscribed fine.
    let b = watch(&env, moto(), &topic, Some(staleness)).await;
    let swept = eventually("A's queue swept", Duration::from_secs(12), async || {
        !queues(&env).await.contains(&a_queue[0])
    })
    .await;
    pa.clear_rules();
    // A's setup retries (1, 2, 4, 8, 16 s backoff).
    let _ = eventually(
        "A subscribes something",
        Duration::from_secs(40),
        async || subscription_endpoints(&topic).await.len() == 2,
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = &seed;
    // (moto refuses a Publish to a topic with a subscription to a deleted
    // queue, so the event is sent to A's queue name directly instead: if A
    // had a queue it would be there.)
    let subs = subscription_endpoints(&topic).await;
    let queues_now = queues(&env).await;
    let a_got = subs.len() == queues_now.len();
    eprintln!(
        "swept {swept}; subs {:?}; queues {:?}; A last_error {:?}",
        subscription_endpoints(&topic).await,
        queues(&env).await,
        a.last_error().map(|e| e.to_string())
    );
    a.close().await;
    b.close().await;
    assert!(
        !swept,
        "a living instance's queue was swept while it retried Subscribe"
    );
    assert!(a_got, "A gets no events");
}

/// "Handles that remain keep serving the last config, and refresh no more":
/// an interval refresh in flight at close() completes after close returned
/// and swaps a new config into the remaining handle.
#[tokio::test]
async fn after_close_the_remaining_handles_config_does_not_change() {
    let env = unique_env("closeref");
    let seed = seed(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let live = App::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .watch(Duration::from_millis(500))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let other = live.clone();
    seed.param(&format!("/{env}/rtc/port"), "6003").await;
    proxy.add_rule(Rule::always(Some("GetParameters"), Fault::HoldAnswer).times(1));
    let start = Instant::now();
    while proxy.held() == 0 {
        assert!(start.elapsed() < Duration::from_secs(5), "no refresh");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    live.close().await;
    let at_close = other.get().port;
    proxy.release_held();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = other.get().port;
    eprintln!("port at close {at_close}, after {after}");
    assert_eq!(
        at_close, after,
        "a closed Live's config changed after close() returned"
    );
    assert_eq!(other.get().password.expose_secret(), "CANARY-rtc-pw-1");
}

/// Many Lives made and closed or dropped concurrently, most during their
/// set-up: nothing is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_lives_closed_or_dropped_concurrently_leave_nothing() {
    let env = unique_env("many");
    let _seed = seed(&env).await;
    let topic = create_topic("many").await;
    let mut tasks = Vec::new();
    for i in 0..16u64 {
        let env = env.clone();
        let topic = topic.clone();
        tasks.push(tokio::spawn(async move {
            let live = watch(&env, moto(), &topic, None).await;
            tokio::time::sleep(Duration::from_millis(i * 37 % 300)).await;
            if i % 2 == 0 {
                live.close().await;
            } else {
                drop(live);
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let clean = eventually("nothing left", Duration::from_secs(15), async || {
        queues(&env).await.is_empty() && subscription_endpoints(&topic).await.is_empty()
    })
    .await;
    eprintln!(
        "left: {:?} {:?}",
        queues(&env).await,
        subscription_endpoints(&topic).await
    );
    assert!(clean);
}

/// Lives dropped, then their runtime dropped at once (current_thread and
/// multi_thread), from a plain thread: nothing left.
#[test]
fn lives_dropped_with_their_runtime_leave_nothing() {
    let outer = tokio::runtime::Runtime::new().expect("rt");
    let env = unique_env("rtdrop");
    let topic = outer.block_on(async {
        seed(&env).await;
        create_topic("rtdrop").await
    });
    for mode in ["current", "multi", "shutdown_timeout"] {
        let rt = match mode {
            "current" => tokio::runtime::Builder::new_current_thread(),
            _ => tokio::runtime::Builder::new_multi_thread(),
        }
        .enable_all()
        .build()
        .expect("rt");
        rt.block_on(async {
            let mut lives = Vec::new();
            for _ in 0..3 {
                lives.push(watch(&env, moto(), &topic, None).await);
            }
            // Some set up, some not yet.
            tokio::time::sleep(Duration::from_millis(150)).await;
            drop(lives);
        });
        if mode == "shutdown_timeout" {
            rt.shutdown_timeout(Duration::from_millis(1));
        } else {
            drop(rt);
        }
        let (q, s) =
            outer.block_on(async { (queues(&env).await, subscription_endpoints(&topic).await) });
        eprintln!(
            "{mode}: right after the runtime went: queues {} subs {}",
            q.len(),
            s.len()
        );
        let clean = outer.block_on(eventually(
            "nothing left",
            Duration::from_secs(15),
            async || {
                queues(&env).await.is_empty() && subscription_endpoints(&topic).await.is_empty()
            },
        ));
        assert!(clean, "{mode}");
    }
}

/// A change topic deleted (its subscriptions go with it) and made again under
/// the same name: within a staleness period the `Live` says the topic is gone
/// (`last_error`), then subscribes to the new topic once it exists and serves
/// its next change event; `close` leaves no subscription.
#[tokio::test]
async fn a_topic_deleted_and_made_again_is_subscribed_again() {
    let env = unique_env("retopic");
    let seed = seed(&env).await;
    let topic = create_topic("retopic").await;
    let live = watch(&env, moto(), &topic, Some(Duration::from_secs(2))).await;
    assert!(
        eventually("subscribed", Duration::from_secs(10), async || {
            subscription_endpoints(&topic).await.len() == 1
        })
        .await
    );
    sns()
        .delete_topic()
        .topic_arn(&topic)
        .send()
        .await
        .expect("delete topic");
    // (The topic's own listing answers NotFound now: every subscription's.)
    let gone_after: Vec<String> = sns()
        .list_subscriptions()
        .send()
        .await
        .expect("subscriptions")
        .subscriptions()
        .iter()
        .filter(|s| s.topic_arn() == Some(topic.as_str()))
        .filter_map(|s| s.endpoint().map(str::to_string))
        .collect();
    let said = eventually(
        "last_error names the topic",
        Duration::from_secs(15),
        async || {
            live.last_error()
                .is_some_and(|e| e.to_string().contains(&topic))
        },
    )
    .await;
    let said_what = live.last_error().map(|e| e.to_string());
    let name = topic.rsplit(':').next().unwrap_or_default();
    let again = sns()
        .create_topic()
        .name(name)
        .send()
        .await
        .expect("topic again")
        .topic_arn
        .unwrap_or_default();
    assert_eq!(again, topic, "the topic made again has the same ARN");
    let resubscribed = eventually("subscribed again", Duration::from_secs(15), async || {
        subscription_endpoints(&topic).await.len() == 1
    })
    .await;
    let cleared = eventually("last_error cleared", Duration::from_secs(10), async || {
        live.last_error().is_none()
    })
    .await;
    let cleared_what = live.last_error().map(|e| e.to_string());
    seed.param(&format!("/{env}/rtc/port"), "6001").await;
    publish_port(&topic, &env).await;
    let served = eventually("the new port served", Duration::from_secs(15), async || {
        live.get().port == 6001
    })
    .await;
    live.close().await;
    let left = subscription_endpoints(&topic).await;
    eprintln!("after delete: {gone_after:?}; said {said_what:?}; left {left:?}");
    assert!(
        gone_after.is_empty(),
        "deleting the topic kept its subscriptions: {gone_after:?}"
    );
    assert!(
        said,
        "last_error does not say the topic is gone: {said_what:?}"
    );
    assert!(resubscribed, "the topic made again got no subscription");
    assert!(
        cleared,
        "last_error still names the gone topic: {cleared_what:?}"
    );
    assert!(
        served,
        "the change event on the topic made again was not served"
    );
    assert!(left.is_empty(), "close left a subscription: {left:?}");
}
