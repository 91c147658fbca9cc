//! From a red-team pass: a stop while `CreateQueue` or `Subscribe` is still on its
//! way to AWS. The existing test (`topic_cleanup::a_stop_during_create_queue_
//! or_subscribe_leaves_nothing`) holds the *answer*, so the queue exists when
//! the teardown looks it up. Here the *request* is late: AWS processes it
//! after the teardown's lookup (GetQueueUrl / ListSubscriptionsByTopic) found
//! nothing. AWS processes a request that was sent even if the client went
//! away; a TCP relay that delays one request's bytes stands in for the
//! network.

#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use awsconf::{AwsConfig, SecretString};
use awsconf_tests::{moto, queue_urls, sdk_config, sns, subscription_endpoints, unique_env, Seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const HOUR: Duration = Duration::from_secs(3600);

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtr")]
struct App {
    port: u16,
    #[secret(id = "{env}/rtr/password")]
    password: SecretString,
}

async fn queues(env: &str) -> Vec<String> {
    queue_urls(&format!("awsconf__rtr__{env}__")).await
}

/// A TCP relay to moto that holds back, by `delay`, the bytes of the first
/// request containing `needle`, and delivers them even if the client has
/// gone. Returns the endpoint and a flag set once the needle was seen.
async fn relay(needle: &'static str, delay: Duration) -> (String, Arc<AtomicBool>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let upstream = moto()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let seen = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let upstream = upstream.clone();
            let flag = Arc::clone(&flag);
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                // Client to moto, in a task that finishes its write even if
                // the client disconnects meanwhile.
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 65536];
                    loop {
                        let n = match cr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let chunk = &buf[..n];
                        if String::from_utf8_lossy(chunk).contains(needle)
                            && !flag.swap(true, Ordering::SeqCst)
                        {
                            tokio::time::sleep(delay).await;
                        }
                        if sw.write_all(chunk).await.is_err() {
                            break;
                        }
                    }
                    // Keep the upstream side open long enough for moto to answer.
                    tokio::time::sleep(Duration::from_secs(3)).await;
                });
                let mut buf = vec![0u8; 65536];
                loop {
                    let n = match sr.read(&mut buf).await {
                        Ok(0) | Err(_) => break,
                        Ok(n) => n,
                    };
                    if cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    (format!("http://{addr}"), seen)
}

async fn run(needle: &'static str, tag: &str) -> (Vec<String>, Vec<String>) {
    let env = unique_env(tag);
    let seed = Seed::new();
    seed.param(&format!("/{env}/rtr/port"), "5432").await;
    seed.secret(&format!("{env}/rtr/password"), "pw").await;
    let topic = sns()
        .create_topic()
        .name(unique_env(tag))
        .send()
        .await
        .expect("topic")
        .topic_arn
        .expect("arn");
    let (endpoint, seen) = relay(needle, Duration::from_millis(1500)).await;
    let live = App::loader()
        .env(&env)
        .sdk_config(&sdk_config(&endpoint))
        .change_topic(&topic)
        .watch(HOUR)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let start = Instant::now();
    while !seen.load(Ordering::SeqCst) {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{needle} not sent"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The request is on its way; the process shuts its Live down cleanly.
    let t = Instant::now();
    live.close().await;
    eprintln!("{needle}: close() returned after {:?}", t.elapsed());
    // Let the late request land.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let q = queues(&env).await;
    let s = subscription_endpoints(&topic).await;
    eprintln!("{needle}: left after close(): queues {q:?}, subscriptions {s:?}");
    (q, s)
}

#[tokio::test]
async fn close_while_create_queue_is_in_flight_leaves_no_queue() {
    let (q, s) = run("AmazonSQS.CreateQueue", "rcreate").await;
    assert!(
        q.is_empty() && s.is_empty(),
        "outlives the Live: queues {q:?}, subscriptions {s:?}"
    );
}

#[tokio::test]
async fn close_while_subscribe_is_in_flight_leaves_no_subscription() {
    let (q, s) = run("Action=Subscribe", "rsub").await;
    assert!(
        q.is_empty() && s.is_empty(),
        "outlives the Live: queues {q:?}, subscriptions {s:?}"
    );
}
