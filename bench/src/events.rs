//! # events-bench
//!
//! Change events (awsconf's `events` feature) against moto: how long after an
//! event an hourly-polling `Live` serves the new value, and what one instance
//! calls in an hour with events against polling every 5 minutes. Rewrites the
//! "Change events" section of `BENCHMARKS.md` (between its markers; appended
//! when absent). Run by `scripts/bench.sh` after the main benchmark.
//!
//! Then change events across a fleet (`events_fleet.rs`): N = 10, 100 and 500
//! `Live`s on one SNS topic under AWS's quotas and one event; that rewrites its
//! own section and `bench/events-fleet.svg`.
//!
//! With `--stream`, it measures only what a steady stream of relevant events
//! costs (a `push --apply` of 300 parameters as each instance sees it) and
//! rewrites only the "Change events under a stream" section.
//!
//! ```text
//! events-bench [--runs N] [--out PATH] [--fleet-sizes 10,100,500] [--no-fleet | --fleet-only | --stream]
//! ```

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use awsconf::{AwsConfig, ExposeSecret, Live, SecretString};
use awsconf_testkit::sdk::Seed;
use awsconf_testkit::{Moto, Proxy};

mod events_fleet;

const STREAM_START: &str = "<!-- events-stream:start -->";
const STREAM_END: &str = "<!-- events-stream:end -->";
/// Events in the stream: a push of 300 parameters.
const STREAM_EVENTS: usize = 300;
/// Events per second in the stream (one instance's view of the push).
const STREAM_RATE: f64 = 10.0;
/// Instances that each receive the stream on a queue of their own.
const STREAM_INSTANCES: usize = 5;
const START: &str = "<!-- events-bench:start -->";
const END: &str = "<!-- events-bench:end -->";
const HOUR: Duration = Duration::from_secs(3600);
/// The receive wait of the call-count measurement (extrapolated to 20 s).
const SHORT_WAIT: Duration = Duration::from_secs(1);

/// Ten parameters and two secrets (read by the loader; the bench looks at two).
#[derive(AwsConfig, Debug)]
#[aws_config(app = "evbench")]
#[allow(dead_code)]
struct Bench {
    port: u16,
    p1: String,
    p2: String,
    p3: String,
    p4: String,
    p5: String,
    p6: String,
    p7: String,
    p8: String,
    p9: String,
    #[secret(id = "{env}/evbench/db")]
    db: SecretString,
    #[secret(id = "{env}/evbench/api")]
    api: SecretString,
}

/// The emulator's SDK config, with the bench's longer per-attempt timeout.
fn sdk_config(endpoint: &str) -> SdkConfig {
    awsconf_testkit::sdk::sdk_config_with_attempt_timeout(endpoint, Duration::from_secs(30))
}

/// Seeding (testkit's `Seed`) and the SQS client the events are sent with.
struct Clients {
    seed: Seed,
    sqs: aws_sdk_sqs::Client,
}

impl Clients {
    fn new(moto: &str) -> Clients {
        let c = sdk_config(moto);
        Clients {
            seed: Seed::with_config(&c),
            sqs: aws_sdk_sqs::Client::new(&c),
        }
    }

    async fn param(&self, name: &str, value: &str) -> Result<(), String> {
        self.seed
            .try_put(name, value, aws_sdk_ssm::types::ParameterType::String)
            .await
    }

    async fn secret(&self, id: &str, value: &str) -> Result<(), String> {
        self.seed.try_create_secret(id, value).await
    }

    async fn rotate(&self, id: &str, value: &str) -> Result<(), String> {
        self.seed.try_rotate(id, value).await
    }

    async fn queue(&self, name: &str) -> Result<String, String> {
        self.sqs
            .create_queue()
            .queue_name(name)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "CreateQueue: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            })?
            .queue_url
            .ok_or_else(|| "CreateQueue gave no URL".to_string())
    }

    async fn send(&self, url: &str, body: &str) -> Result<(), String> {
        self.sqs
            .send_message()
            .queue_url(url)
            .message_body(body)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                format!(
                    "SendMessage: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            })
    }
}

/// AWS's "Parameter Store Change" event (see `awsconf::events`).
fn parameter_change(name: &str) -> String {
    format!(
        r#"{{"version":"0","id":"1","detail-type":"Parameter Store Change","source":"aws.ssm","account":"123456789012","time":"2026-12-02T10:00:00Z","region":"us-east-1","resources":["arn:aws:ssm:us-east-1:123456789012:parameter{name}"],"detail":{{"operation":"Update","name":"{name}","type":"String","description":""}}}}"#
    )
}

/// AWS's "AWS Service Event via CloudTrail" RotationSucceeded event.
fn rotation_succeeded(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"2","detail-type":"AWS Service Event via CloudTrail","source":"aws.secretsmanager","account":"123456789012","time":"2026-12-02T10:00:00Z","region":"us-east-1","resources":[],"detail":{{"eventSource":"secretsmanager.amazonaws.com","eventName":"RotationSucceeded","additionalEventData":{{"SecretId":"{id}"}}}}}}"#
    )
}

async fn seed(c: &Clients, env: &str) -> Result<(), String> {
    c.param(&format!("/{env}/evbench/port"), "1000").await?;
    for i in 1..10 {
        c.param(&format!("/{env}/evbench/p{i}"), "v").await?;
    }
    c.secret(&format!("{env}/evbench/db"), "db-0").await?;
    c.secret(&format!("{env}/evbench/api"), "api").await
}

async fn watch(
    env: &str,
    endpoint: &str,
    url: &str,
    every: Duration,
    wait: Duration,
) -> Result<Live<Bench>, String> {
    Bench::loader()
        .env(env)
        .sdk_config(&sdk_config(endpoint))
        .change_events(url)
        .change_events_wait(wait)
        .watch(every)
        .await
        .map_err(|e| e.to_string())
}

/// Event sent -> new value served, `runs` times each for a parameter and a secret.
async fn latencies(
    c: &Clients,
    endpoint: &str,
    tag: &str,
    runs: usize,
) -> Result<(Vec<Duration>, Vec<Duration>), String> {
    let env = format!("evb-{tag}-{}", std::process::id());
    seed(c, &env).await?;
    let url = c.queue(&env).await?;
    let live = watch(&env, endpoint, &url, HOUR, Duration::from_secs(20)).await?;
    let port = format!("/{env}/evbench/port");
    let db = format!("{env}/evbench/db");
    let mut params = Vec::new();
    let mut secrets = Vec::new();
    for run in 1..=runs {
        let value = 1000 + run as u16;
        c.param(&port, &value.to_string()).await?;
        let start = Instant::now();
        c.send(&url, &parameter_change(&port)).await?;
        params.push(until(start, || live.get().port == value).await?);

        let pw = format!("db-{run}");
        c.rotate(&db, &pw).await?;
        let start = Instant::now();
        c.send(&url, &rotation_succeeded(&db)).await?;
        secrets.push(until(start, || live.get().db.expose_secret() == pw).await?);
    }
    Ok((params, secrets))
}

async fn until(start: Instant, mut f: impl FnMut() -> bool) -> Result<Duration, String> {
    while !f() {
        if start.elapsed() > Duration::from_secs(30) {
            return Err("the new value was not served within 30 s".into());
        }
        tokio::time::sleep(Duration::from_micros(500)).await;
    }
    Ok(start.elapsed())
}

/// Calls counted through the proxy: one refresh, one event, receives per wait.
struct Counted {
    refresh: BTreeMap<String, u64>,
    per_event: BTreeMap<String, u64>,
    receives_per_wait: f64,
}

async fn counts(c: &Clients, moto: &str) -> Result<Counted, String> {
    let proxy = Proxy::start(moto).map_err(|e| format!("proxy: {e}"))?;
    let env = format!("evb-count-{}", std::process::id());
    seed(c, &env).await?;
    let url = c.queue(&env).await?;
    let live = watch(&env, &proxy.endpoint(), &url, HOUR, SHORT_WAIT).await?;

    let before = proxy.counts();
    live.refresh_now().await.map_err(|e| e.to_string())?;
    let refresh = reads(diff(&proxy.counts(), &before));

    // Idle receives over ten waits.
    let before = proxy.count("ReceiveMessage");
    tokio::time::sleep(SHORT_WAIT * 10).await;
    let receives_per_wait = (proxy.count("ReceiveMessage") - before) as f64 / 10.0;

    // One event: its receive, delete and draining receive, and the refresh.
    let port = format!("/{env}/evbench/port");
    c.param(&port, "2000").await?;
    let before = proxy.counts();
    let start = Instant::now();
    c.send(&url, &parameter_change(&port)).await?;
    until(start, || live.get().port == 2000).await?;
    // The long poll the task went back to is answered at the end of its wait.
    tokio::time::sleep(SHORT_WAIT / 4).await;
    let mut per_event = diff(&proxy.counts(), &before);
    // The receive that returned the event replaced an idle one: count only the extra.
    if let Some(n) = per_event.get_mut("ReceiveMessage") {
        *n = n.saturating_sub(1);
    }
    Ok(Counted {
        refresh,
        per_event,
        receives_per_wait,
    })
}

/// Parameter Store and Secrets Manager calls only (the long poll runs beside).
fn reads(mut counts: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    counts.retain(|op, _| !matches!(op.as_str(), "ReceiveMessage" | "DeleteMessageBatch"));
    counts
}

fn diff(after: &BTreeMap<String, u64>, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    after
        .iter()
        .map(|(k, v)| (k.clone(), v - before.get(k).copied().unwrap_or(0)))
        .filter(|(_, v)| *v > 0)
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn by_op(m: &BTreeMap<String, u64>) -> String {
    m.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn latency_row(what: &str, mut v: Vec<Duration>) -> String {
    v.sort();
    format!(
        "| {what} | {} | {} | {} | {} |\n",
        v.len(),
        ms(percentile(&v, 0.5)),
        ms(percentile(&v, 0.95)),
        ms(v.last().copied().unwrap_or_default()),
    )
}

/// The fleet part: each size in turn, then its section and plot.
async fn fleet(sizes: &[usize], out: &std::path::Path) -> Result<(), String> {
    let moto = Moto::start()?;
    let c = Clients::new(moto.endpoint());
    let mut runs = Vec::new();
    for &n in sizes {
        eprintln!("events fleet: N = {n} ...");
        let r = events_fleet::run_one(&c, moto.endpoint(), n).await?;
        eprintln!(
            "  N = {n:>3}  served {}/{n}  last {:.2} s  bound {:.2} s  target {:.2} s  publish {:.2} s  last received {:.2} s  reads {:?}  throttled {}  (setup {:.1} s)",
            r.ready.len(),
            r.ready.last().copied().unwrap_or_default().as_secs_f64(),
            r.bound().as_secs_f64(),
            r.target().as_secs_f64(),
            r.publish.as_secs_f64(),
            r.received.last().copied().unwrap_or_default().as_secs_f64(),
            r.reads,
            r.throttled,
            r.setup.as_secs_f64(),
        );
        runs.push(r);
    }
    let md = events_fleet::section(&runs);
    print!("{md}");
    events_fleet::splice(out, &md)?;
    let svg = awsconf_testkit::moto::repo_root().join("bench/events-fleet.svg");
    std::fs::write(&svg, events_fleet::plot(&runs))
        .map_err(|e| format!("writing {}: {e}", svg.display()))
}

async fn run(runs: usize, out: &PathBuf) -> Result<(), String> {
    let moto = Moto::start()?;
    let c = Clients::new(moto.endpoint());
    let (p_direct, s_direct) = latencies(&c, moto.endpoint(), "direct", runs).await?;
    let proxy = Proxy::start(moto.endpoint()).map_err(|e| format!("proxy: {e}"))?;
    proxy.set_delay(Duration::from_millis(20));
    let (p_delay, s_delay) = latencies(&c, &proxy.endpoint(), "delay", runs).await?;
    let counted = counts(&c, moto.endpoint()).await?;

    let refresh_calls: u64 = counted.refresh.values().sum();
    let event_calls: u64 = counted.per_event.values().sum();
    let event_sqs = counted
        .per_event
        .get("DeleteMessageBatch")
        .copied()
        .unwrap_or(0)
        + counted
            .per_event
            .get("ReceiveMessage")
            .copied()
            .unwrap_or(0);
    let polls_per_hour = 12u64;
    // An empty long poll lasts its whole wait: one request per wait.
    let receives_per_hour = (3600.0 / 20.0 * counted.receives_per_wait.round().max(1.0)) as u64;
    let mut md = String::new();
    md.push_str(START);
    md.push_str("\n## Change events\n\n");
    md.push_str(&format!(
        "A `Live` (cargo feature `events`) refreshing every hour, with `change_events(queue)` and 20 s receive waits, over a config of 10 parameters and 2 secrets. Each run writes a new value, then sends AWS's event shape to the SQS queue (`SendMessage`); the time is from just before the send to the first `get()` that returns the new value ({runs} runs each; `get()` checked every 0.5 ms). moto answers long polls through `scripts/moto_server.py`, which re-asks the queue as soon as a message may have arrived. Produced by `events-bench` (`scripts/bench.sh`), {} build.\n\n",
        if cfg!(debug_assertions) { "a debug" } else { "a release" }
    ));
    md.push_str("| event to new value served | runs | median ms | p95 ms | max ms |\n|---|---:|---:|---:|---:|\n");
    md.push_str(&latency_row(
        "parameter update (Parameter Store Change), straight to moto",
        p_direct,
    ));
    md.push_str(&latency_row(
        "secret rotation (RotationSucceeded), straight to moto",
        s_direct,
    ));
    md.push_str(&latency_row(
        "parameter update, 20 ms added per request",
        p_delay,
    ));
    md.push_str(&latency_row(
        "secret rotation, 20 ms added per request",
        s_delay,
    ));
    md.push_str(&format!(
        "\nCalls of one instance in an hour with nothing changing, counted through the proxy: one refresh is {refresh_calls} calls ({}); an idle queue costs one `ReceiveMessage` per wait (measured: {:.1} per wait over ten 1 s waits, the rest of the time is the round trip), so {receives_per_hour} an hour at 20 s; one event adds {event_calls} calls ({}).\n\n",
        by_op(&counted.refresh),
        counted.receives_per_wait,
        by_op(&counted.per_event),
    ));
    md.push_str("| one instance, one hour | refreshes | Parameter Store + Secrets Manager calls | SQS requests |\n|---|---:|---:|---:|\n");
    md.push_str(&format!(
        "| polling every 5 minutes | {polls_per_hour} | {} | 0 |\n",
        refresh_calls * polls_per_hour
    ));
    md.push_str(&format!(
        "| change events, 1 h interval, no change | 1 | {refresh_calls} | {receives_per_hour} |\n"
    ));
    md.push_str(&format!(
        "| change events, 1 h interval, 10 changes | 11 | {} | {} |\n",
        refresh_calls + 10 * (event_calls - event_sqs),
        receives_per_hour + 10 * event_sqs
    ));
    md.push_str("\nSQS requests cost $0.40 per million (after the free million a month); `awsconf-cli cost --events --instances N` prints the monthly comparison for a fleet.\n");
    md.push_str(END);
    md.push('\n');
    print!("{md}");

    let current = std::fs::read_to_string(out).unwrap_or_default();
    let updated = match (current.find(START), current.find(END)) {
        (Some(s), Some(e)) if e > s => {
            format!(
                "{}{md}{}",
                &current[..s],
                current[e + END.len()..].trim_start_matches('\n')
            )
        }
        _ => match current.find("\n## Caveats") {
            Some(i) => format!("{}{md}\n{}", &current[..i + 1], &current[i + 1..]),
            None => format!("{current}\n{md}"),
        },
    };
    std::fs::write(out, updated).map_err(|e| format!("writing {}: {e}", out.display()))
}

/// One stream run: refreshes per instance, the most in any window, and how
/// long after the last event each instance served the last value.
struct StreamRun {
    window: Duration,
    sent_over: Duration,
    refreshes: Vec<u64>,
    max_in_window: Vec<u64>,
    last_served: Vec<Duration>,
}

/// `STREAM_INSTANCES` hourly `Live`s, each with a queue of its own and its
/// own proxy (to count its `GetParameters`, one per refresh: the stream names
/// one parameter, so a refresh re-reads its one batch); the stream's events
/// go to every queue, each after its parameter write.
async fn stream(c: &Clients, moto: &str, window: Duration) -> Result<StreamRun, String> {
    let env = format!("evb-stream-{}-{}", window.as_millis(), std::process::id());
    seed(c, &env).await?;
    let port = format!("/{env}/evbench/port");
    let mut instances = Vec::new();
    for i in 0..STREAM_INSTANCES {
        let proxy = Proxy::start(moto).map_err(|e| format!("proxy: {e}"))?;
        let url = c.queue(&format!("{env}-{i}")).await?;
        let live = Bench::loader()
            .env(&env)
            .sdk_config(&sdk_config(&proxy.endpoint()))
            .change_events(&url)
            .change_events_window(window)
            .watch(HOUR)
            .await
            .map_err(|e| e.to_string())?;
        instances.push((proxy, url, live));
    }
    let base: Vec<u64> = instances
        .iter()
        .map(|(p, _, _)| p.count("GetParameters"))
        .collect();
    // Samples of each instance's refresh count, taken with each event (every
    // 100 ms) and while waiting for the last value.
    let mut samples: Vec<(Instant, Vec<u64>)> = Vec::new();
    let sample = |samples: &mut Vec<(Instant, Vec<u64>)>| {
        let now = instances
            .iter()
            .map(|(p, _, _)| p.count("GetParameters"))
            .collect();
        samples.push((Instant::now(), now));
    };
    let started = Instant::now();
    let mut last = 0u16;
    for i in 0..STREAM_EVENTS {
        last = 3000 + i as u16;
        c.param(&port, &last.to_string()).await?;
        let body = parameter_change(&port);
        futures_util::future::try_join_all(instances.iter().map(|(_, url, _)| c.send(url, &body)))
            .await?;
        sample(&mut samples);
        let next = started + Duration::from_secs_f64((i + 1) as f64 / STREAM_RATE);
        tokio::time::sleep(next.saturating_duration_since(Instant::now())).await;
    }
    let sent_over = started.elapsed();
    let last_sent = Instant::now();
    let mut last_served = Vec::new();
    for (_, _, live) in &instances {
        until(last_sent, || live.get().port == last).await?;
        last_served.push(last_sent.elapsed());
    }
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        sample(&mut samples);
    }
    let refreshes: Vec<u64> = instances
        .iter()
        .zip(&base)
        .map(|((p, _, _), b)| p.count("GetParameters") - b)
        .collect();
    // The most refreshes of one instance in any window-long span (2 s for
    // the no-window run), from the samples.
    let span = if window.is_zero() {
        Duration::from_secs(2)
    } else {
        window
    };
    let max_in_window = (0..instances.len())
        .map(|k| {
            let mut most = 0;
            for (i, (t0, c0)) in samples.iter().enumerate() {
                for (t1, c1) in &samples[i..] {
                    if t1.duration_since(*t0) > span {
                        break;
                    }
                    most = most.max(c1[k] - c0[k]);
                }
            }
            most
        })
        .collect();
    Ok(StreamRun {
        window,
        sent_over,
        refreshes,
        max_in_window,
        last_served,
    })
}

fn stream_row(r: &StreamRun) -> String {
    let min = r.refreshes.iter().min().copied().unwrap_or(0);
    let max = r.refreshes.iter().max().copied().unwrap_or(0);
    let most = r.max_in_window.iter().max().copied().unwrap_or(0);
    let served = r.last_served.iter().max().copied().unwrap_or_default();
    let window = if r.window.is_zero() {
        "0 (no gathering)".to_string()
    } else {
        format!("{} s (default)", r.window.as_secs_f64())
    };
    format!(
        "| {window} | {STREAM_EVENTS} over {:.1} s | {min}..{max} | {most} | {} |\n",
        r.sent_over.as_secs_f64(),
        ms(served),
    )
}

async fn run_stream(out: &PathBuf) -> Result<(), String> {
    let moto = Moto::start()?;
    let c = Clients::new(moto.endpoint());
    let gathered = stream(&c, moto.endpoint(), Duration::from_secs(2)).await?;
    let each = stream(&c, moto.endpoint(), Duration::ZERO).await?;
    let mut md = String::new();
    md.push_str(STREAM_START);
    md.push_str("\n## Change events under a stream\n\n");
    md.push_str(&format!(
        "{STREAM_INSTANCES} hourly `Live`s, each with `change_events(queue)` on a queue of its own, receive a stream of {STREAM_EVENTS} relevant events at {STREAM_RATE} a second (a `push --apply` of {STREAM_EVENTS} parameters as each instance sees it; each event follows a write of the parameter it names). A refresh is counted by its `GetParameters` call through each instance's proxy; \"most in one window\" is the most refreshes of one instance within any window-long span (sampled every 100 ms; 2 s for the run without gathering); \"last value served\" is from the last event's send to the last instance serving its value. Produced by `events-bench --stream`, {} build.\n\n",
        if cfg!(debug_assertions) { "a debug" } else { "a release" }
    ));
    md.push_str("| `change_events_window` | events | refreshes per instance | most in one window | last value served, ms |\n|---|---:|---:|---:|---:|\n");
    md.push_str(&stream_row(&gathered));
    md.push_str(&stream_row(&each));
    md.push_str(&format!(
        "\nWith the default window each instance refreshes at most once per 2 s whatever the stream's rate ({} refreshes for {STREAM_EVENTS} events); without it, about one refresh per receive.\n",
        gathered.refreshes.iter().max().copied().unwrap_or(0)
    ));
    md.push_str(STREAM_END);
    md.push('\n');
    print!("{md}");
    let current = std::fs::read_to_string(out).unwrap_or_default();
    let updated = match (current.find(STREAM_START), current.find(STREAM_END)) {
        (Some(s), Some(e)) if e > s => format!(
            "{}{md}{}",
            &current[..s],
            current[e + STREAM_END.len()..].trim_start_matches('\n')
        ),
        _ => match current.find("\n## Caveats") {
            Some(i) => format!("{}{md}\n{}", &current[..i + 1], &current[i + 1..]),
            None => format!("{current}\n{md}"),
        },
    };
    std::fs::write(out, updated).map_err(|e| format!("writing {}: {e}", out.display()))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 30usize;
    let mut out = awsconf_testkit::moto::repo_root().join("BENCHMARKS.md");
    let mut sizes: Vec<usize> = events_fleet::SIZES.to_vec();
    let (mut single, mut fleet_part, mut only_stream) = (true, true, false);
    let usage = "usage: events-bench [--runs N] [--out PATH] [--fleet-sizes 10,100,500] [--no-fleet | --fleet-only | --stream]";
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--no-fleet" => fleet_part = false,
            "--fleet-only" => single = false,
            "--stream" => only_stream = true,
            "--runs" => match it.next().and_then(|n| n.parse().ok()) {
                Some(n) => runs = n,
                None => {
                    eprintln!("--runs takes a number");
                    return ExitCode::from(2);
                }
            },
            "--out" => match it.next() {
                Some(p) => out = PathBuf::from(p),
                None => {
                    eprintln!("{usage}");
                    return ExitCode::from(2);
                }
            },
            "--fleet-sizes" => {
                match it.next().map(|v| {
                    v.split(',')
                        .map(str::parse)
                        .collect::<Result<Vec<usize>, _>>()
                }) {
                    Some(Ok(v)) if !v.is_empty() => sizes = v,
                    _ => {
                        eprintln!("--fleet-sizes takes numbers separated by commas");
                        return ExitCode::from(2);
                    }
                }
            }
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    if fleet_part && !only_stream && std::env::var_os("AWSCONF_MOTO_THREADS").is_none() {
        // moto's server holds a thread per waiting long poll: one per Live of
        // the largest fleet, and the 64 the tests use for everything else
        // (set before any thread of this program starts).
        let threads = sizes.iter().max().copied().unwrap_or(0) + 64;
        std::env::set_var("AWSCONF_MOTO_THREADS", threads.to_string());
    }
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async {
        if only_stream {
            return run_stream(&out).await;
        }
        if single {
            run(runs, &out).await?;
        }
        if fleet_part {
            fleet(&sizes, &out).await?;
        }
        Ok::<(), String>(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("events-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
