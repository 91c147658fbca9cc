//! Change events across a fleet: N `Live`s (each with its own SDK clients, as N
//! processes would have) watch one SNS topic with `.change_topic(topic)` through
//! the testkit proxy under AWS's default read quotas; one parameter changes and
//! one "Parameter Store Change" event is published to the topic. Measured: the
//! time until every instance serves the new value, the reads it cost, and where
//! the time went. Writes its section of `BENCHMARKS.md` (between [`BEGIN`] and
//! [`END`]) and `bench/events-fleet.svg`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use awsconf::{AwsConfig, Live};
use awsconf_testkit::{Proxy, Quota};

use super::{parameter_change, sdk_config, seed, Bench, Clients};

/// Fleet sizes measured by default.
pub const SIZES: [usize; 3] = [10, 100, 500];
/// Marks the start of the section in `BENCHMARKS.md`.
pub const BEGIN: &str = "<!-- events-fleet:begin (written by events-bench) -->";
/// Marks its end.
pub const END: &str = "<!-- events-fleet:end -->";
const HOUR: Duration = Duration::from_secs(3600);
/// Parameter Store's default quota for `GetParameter(s)(ByPath)`, one second
/// of burst (the proxy's `Quota::aws_defaults()`).
const SSM_TPS: f64 = 40.0;
const PARAMETER_STORE: [&str; 3] = ["GetParameter", "GetParameters", "GetParametersByPath"];

/// One fleet, one event.
#[derive(Debug, Clone)]
pub struct Run {
    /// Instances watching.
    pub n: usize,
    /// Time to start the fleet (loads and queues) before the event.
    pub setup: Duration,
    /// The SNS `Publish` call: moto delivers to every subscribed queue before
    /// it answers.
    pub publish: Duration,
    /// From the publish's start to each instance's first request after it got
    /// the event (its `DeleteMessageBatch`), sorted.
    pub received: Vec<Duration>,
    /// From the publish's start to each instance serving the new value, sorted.
    pub ready: Vec<Duration>,
    /// Parameter Store and Secrets Manager requests after the event, throttled
    /// ones included.
    pub reads: BTreeMap<String, u64>,
    /// Throttled requests after the event.
    pub throttled: u64,
    /// Parameter Store requests after the event that were answered.
    pub ssm_answered: u64,
}

impl Run {
    /// The least time the quota allows: (Parameter Store reads − burst) / rate.
    pub fn bound(&self) -> Duration {
        Duration::from_secs_f64(((self.ssm_answered as f64 - SSM_TPS) / SSM_TPS).max(0.0))
    }

    /// 1.5 x the bound + 2 s.
    pub fn target(&self) -> Duration {
        self.bound().mul_f64(1.5) + Duration::from_secs(2)
    }

    fn last(v: &[Duration]) -> Duration {
        v.last().copied().unwrap_or_default()
    }

    fn median(v: &[Duration]) -> Duration {
        v.get(v.len() / 2).copied().unwrap_or_default()
    }
}

/// An SNS query-protocol call straight to moto (the bench has no SNS client).
fn sns(moto: &str, params: &[(&str, &str)]) -> Result<String, String> {
    let auth = "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=0";
    let body: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", form_escape(v)))
        .collect();
    let (status, answer) = awsconf_testkit::moto::http_post(
        moto,
        "/",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Authorization", auth),
        ],
        &body.join("&"),
    )?;
    if status != 200 {
        return Err(format!("SNS {}: HTTP {status}", params[0].1));
    }
    Ok(answer)
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

fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find('<')? + start;
    Some(xml[start..end].to_string())
}

async fn watch(env: &str, endpoint: &str, topic: &str) -> Result<Live<Bench>, String> {
    Bench::loader()
        .env(env)
        .sdk_config(&sdk_config(endpoint))
        .change_topic(topic)
        .watch(HOUR)
        .await
        .map_err(|e| e.to_string())
}

/// One fleet of `n` and one event.
pub async fn run_one(c: &Clients, moto: &str, n: usize) -> Result<Run, String> {
    let env = format!("evf{n}-{}", std::process::id());
    seed(c, &env).await?;
    let moto_owned = moto.to_string();
    let name = format!("awsconf-bench-{env}");
    let created = tokio::task::spawn_blocking(move || {
        sns(&moto_owned, &[("Action", "CreateTopic"), ("Name", &name)])
    })
    .await
    .map_err(|e| e.to_string())??;
    let topic = xml_text(&created, "TopicArn").ok_or("CreateTopic gave no TopicArn")?;
    let proxy = Proxy::start(moto).map_err(|e| format!("proxy: {e}"))?;
    proxy.add_quotas(Quota::aws_defaults());

    let started = Instant::now();
    let endpoint = proxy.endpoint();
    let lives: Vec<Result<Live<Bench>, String>> =
        futures_util::future::join_all((0..n).map(|_| watch(&env, &endpoint, &topic))).await;
    let lives: Vec<Live<Bench>> = lives.into_iter().collect::<Result<_, _>>()?;
    // Every queue subscribed (SNS Subscribe is the proxy's "/") and every
    // instance in its long poll.
    while proxy.count("/") < n as u64 || proxy.count("ReceiveMessage") < n as u64 {
        if started.elapsed() > Duration::from_secs(300) {
            return Err(format!(
                "N = {n}: {} of {n} subscribed, {} receives, after 300 s",
                proxy.count("/"),
                proxy.count("ReceiveMessage")
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let setup = started.elapsed();

    let port = format!("/{env}/evbench/port");
    let value: u16 = 4242;
    c.param(&port, &value.to_string()).await?;
    proxy.reset_stats();
    let event = parameter_change(&port);
    let moto_owned = moto.to_string();
    let topic_owned = topic.clone();
    let t0 = Instant::now();
    let publish = tokio::task::spawn_blocking(move || {
        sns(
            &moto_owned,
            &[
                ("Action", "Publish"),
                ("TopicArn", &topic_owned),
                ("Message", &event),
            ],
        )
    });
    let mut ready: Vec<Option<Duration>> = vec![None; n];
    let mut publish = Some(publish);
    let mut published = None;
    while ready.iter().any(Option::is_none) {
        if let Some(p) = &publish {
            if p.is_finished() {
                if let Some(p) = publish.take() {
                    p.await.map_err(|e| e.to_string())??;
                }
                published = Some(t0.elapsed());
            }
        }
        for (live, r) in lives.iter().zip(ready.iter_mut()) {
            if r.is_none() && live.get().port == value {
                *r = Some(t0.elapsed());
            }
        }
        if t0.elapsed() > Duration::from_secs(120) {
            let done = ready.iter().filter(|r| r.is_some()).count();
            // What the others were doing: their calls, and the first error.
            let error = lives
                .iter()
                .zip(&ready)
                .filter(|(_, r)| r.is_none())
                .find_map(|(live, _)| live.last_error())
                .map_or("none".to_string(), |e| e.to_string());
            return Err(format!(
                "N = {n}: {done} of {n} served the new value within 120 s; calls since the publish {:?}, throttled {}; the first error of one that did not: {error}",
                proxy.counts(),
                proxy.throttled()
            ));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    if let Some(p) = publish.take() {
        p.await.map_err(|e| e.to_string())??;
    }
    let publish = published.unwrap_or_else(|| t0.elapsed());
    let mut ready: Vec<Duration> = ready.into_iter().flatten().collect();
    ready.sort();
    let mut received: Vec<Duration> = proxy
        .arrivals()
        .into_iter()
        .filter(|(op, _)| op == "DeleteMessageBatch")
        .map(|(_, at)| at.saturating_duration_since(t0))
        .collect();
    received.sort();
    let counts = proxy.counts();
    let reads: BTreeMap<String, u64> = counts
        .into_iter()
        .filter(|(op, _)| {
            PARAMETER_STORE.contains(&op.as_str())
                || matches!(
                    op.as_str(),
                    "GetSecretValue" | "BatchGetSecretValue" | "DescribeSecret"
                )
        })
        .collect();
    let ssm_answered = PARAMETER_STORE
        .iter()
        .map(|op| proxy.count(op) - proxy.throttled_of(op))
        .sum();
    let throttled = proxy.throttled();
    drop(lives);
    // Each dropped Live unsubscribes and deletes its queue.
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(Run {
        n,
        setup,
        publish,
        received,
        ready,
        reads,
        throttled,
        ssm_answered,
    })
}

fn s(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64())
}

/// The section of `BENCHMARKS.md`.
pub fn section(runs: &[Run]) -> String {
    let mut md = String::new();
    md.push_str(BEGIN);
    md.push_str("\n## Change events across a fleet\n\n");
    let _ = writeln!(
        md,
        "N `Live`s of the change-events config (10 parameters, 2 secrets; cargo feature `events`), each with its own SDK clients and `.change_topic(topic)` (a queue of its own subscribed to one SNS topic, 20 s long polls, a 1 h interval), through the testkit proxy under AWS's default read quotas (Parameter Store 40 calls per second, one second of burst). One parameter changes and AWS's \"Parameter Store Change\" event is published to the topic (SNS `Publish` to moto, which delivers to every queue before it answers). Times are from just before the publish; `get()` of every instance is checked every millisecond. Produced by `events-bench` (`scripts/bench.sh`), {} build; the plot is `bench/events-fleet.svg`.\n",
        if cfg!(debug_assertions) { "a debug" } else { "a release" }
    );
    md.push_str("| N | served | last serves new value | quota bound | target (1.5x + 2 s) | delivery (SNS → SQS, moto) | event received (median / last) | paced refresh (last receive → last served) | reads (throttled) |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for r in runs {
        let last_received = Run::last(&r.received);
        let last = Run::last(&r.ready);
        let reads: Vec<String> = r.reads.iter().map(|(k, v)| format!("{k} {v}")).collect();
        let _ = writeln!(
            md,
            "| {} | {}/{} | {} s | {} s | {} s | {} s | {} / {} s | {} s | {} ({}) |",
            r.n,
            r.ready.len(),
            r.n,
            s(last),
            s(r.bound()),
            s(r.target()),
            s(r.publish),
            s(Run::median(&r.received)),
            s(last_received),
            s(last.saturating_sub(last_received)),
            reads.join(", "),
            r.throttled,
        );
    }
    md.push_str("\n\"Event received\" is when each instance's `DeleteMessageBatch` of the event reached the proxy (it follows the long poll's answer at once), so it covers moto's delivery and the long poll's return; the paced refresh is the narrowed `GetParameters` of the one changed name, throttled and re-issued under the quota. The quota bound is (answered Parameter Store reads − 40 of burst) / 40 per second. Setting a fleet up (its loads and queues) before the event took ");
    let setups: Vec<String> = runs
        .iter()
        .map(|r| format!("{} s for N = {}", s(r.setup), r.n))
        .collect();
    md.push_str(&setups.join(", "));
    md.push_str(".\n");
    md.push_str(END);
    md.push('\n');
    md
}

/// Replaces the section between the markers in `path` (appended when absent,
/// after the fleet section, which `awsconf-bench` keeps with what follows it).
pub fn splice(path: &Path, section: &str) -> Result<(), String> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => {
            let end = e + END.len();
            let rest = old[end..].strip_prefix('\n').unwrap_or(&old[end..]);
            format!("{}{section}{rest}", &old[..b])
        }
        _ => format!("{}\n\n{section}", old.trim_end_matches('\n')),
    };
    std::fs::write(path, new).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Instances serving the new value over time, one panel per fleet size, with
/// the event's delivery, the instances' receives and the target marked.
pub fn plot(runs: &[Run]) -> String {
    let (pw, ph) = (300.0, 200.0);
    let (ml, mt, mb) = (50.0, 40.0, 40.0);
    let width = ml + runs.len() as f64 * (pw + 40.0) + 20.0;
    let height = mt + ph + mb + 70.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{ml}" y="20" font-size="14">One change event across a fleet of Lives on one topic, under AWS's quotas: instances over time since the publish</text>"#
    );
    for (i, r) in runs.iter().enumerate() {
        let x0 = ml + i as f64 * (pw + 40.0);
        let y0 = mt;
        let t_max = Run::last(&r.ready).max(r.target()).as_secs_f64().max(0.5) * 1.05;
        let sx = |t: f64| x0 + t / t_max * pw;
        let n = r.n as f64;
        let sy = |k: f64| y0 + ph - k / n * ph;
        let _ = writeln!(
            svg,
            r##"<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">N = {}</text>"##,
            x0 + pw / 2.0,
            y0 - 6.0,
            r.n
        );
        for k in 0..=4 {
            let t = t_max * k as f64 / 4.0;
            let _ = writeln!(
                svg,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{t:.1} s</text>"##,
                sx(t),
                y0 + ph + 14.0
            );
        }
        let _ = writeln!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end">0</text>"##,
            x0 - 4.0,
            y0 + 4.0,
            r.n,
            x0 - 4.0,
            y0 + ph
        );
        // Delivery shaded, the target dashed.
        let _ = writeln!(
            svg,
            r##"<rect x="{x0}" y="{y0}" width="{:.1}" height="{ph}" fill="#fde0ef"/><line x1="{:.1}" y1="{y0}" x2="{:.1}" y2="{:.1}" stroke="#d73027" stroke-dasharray="4 3"/>"##,
            sx(r.publish.as_secs_f64()) - x0,
            sx(r.target().as_secs_f64()),
            sx(r.target().as_secs_f64()),
            y0 + ph
        );
        for (series, color) in [(&r.received, "#2166ac"), (&r.ready, "#1b7837")] {
            let mut path = format!("M{:.1},{:.1}", sx(0.0), sy(0.0));
            for (k, t) in series.iter().enumerate() {
                let x = sx(t.as_secs_f64());
                let _ = write!(
                    path,
                    " L{x:.1},{:.1} L{x:.1},{:.1}",
                    sy(k as f64),
                    sy(k as f64 + 1.0)
                );
            }
            let _ = writeln!(
                svg,
                r##"<path d="{path}" fill="none" stroke="{color}" stroke-width="1.5"/>"##
            );
        }
    }
    let ly = mt + ph + mb;
    let _ = writeln!(
        svg,
        r##"<rect x="{ml}" y="{:.1}" width="14" height="10" fill="#fde0ef"/><text x="{:.1}" y="{:.1}">delivery (SNS Publish to every queue, moto)</text>"##,
        ly,
        ml + 20.0,
        ly + 9.0
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{ml}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#2166ac" stroke-width="1.5"/><text x="{:.1}" y="{:.1}">instances that received the event (long poll answered)</text>"##,
        ly + 22.0,
        ml + 14.0,
        ly + 22.0,
        ml + 20.0,
        ly + 26.0
    );
    let _ = writeln!(
        svg,
        r##"<line x1="{ml}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#1b7837" stroke-width="1.5"/><text x="{:.1}" y="{:.1}">instances serving the new value</text><line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#d73027" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}">target: 1.5 x quota bound + 2 s</text>"##,
        ly + 39.0,
        ml + 14.0,
        ly + 39.0,
        ml + 20.0,
        ly + 43.0,
        ml + 260.0,
        ly + 39.0,
        ml + 274.0,
        ly + 39.0,
        ml + 280.0,
        ly + 43.0
    );
    svg.push_str("</svg>\n");
    svg
}
