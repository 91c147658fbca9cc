//! Start-up cost of a service (`--startup-only`, and part of the full run):
//! the release `startup-awsconf` (a loader-only binary, awsconf's default
//! features: 20 parameters + 2 secrets) against `startup-sdk` (the same config
//! read by a hand-written loader on the AWS SDK), in the same run, runs
//! interleaved. Each run is a fresh process measured by a helper process (process
//! start to the line `config ready`, peak RSS); plus each binary's size. Writes
//! its section of `BENCHMARKS.md` (between [`BEGIN`] and [`END`]).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

use awsconf_testkit::sdk::Seed;
use awsconf_testkit::{Moto, Proxy};

use crate::procs;

/// Marks the start of the section in `BENCHMARKS.md`.
pub const BEGIN: &str = "<!-- startup:begin (written by awsconf-bench --startup-only) -->";
/// Marks its end.
pub const END: &str = "<!-- startup:end -->";
/// Runs of each binary per latency.
const RUNS: usize = 15;
const ENV: &str = "startup-bench";
const BINARIES: [(&str, &str); 2] = [
    ("startup-awsconf", "awsconf loader (default features)"),
    ("startup-sdk", "hand-written SDK loader"),
];

struct Series {
    binary: &'static str,
    label: &'static str,
    delay_ms: u64,
    ready: Vec<Duration>,
    rss_kib: Vec<u64>,
    calls: u64,
}

fn median<T: Copy + Ord>(v: &[T]) -> Option<T> {
    let mut v = v.to_vec();
    v.sort();
    v.get(v.len() / 2).copied()
}

async fn seed(moto: &str) -> Result<(), String> {
    let seed = Seed::with_config(&crate::seed::sdk_config(moto));
    let ty = aws_sdk_ssm::types::ParameterType::String;
    let mut params: Vec<(String, String)> = vec![
        ("port".into(), "8080".into()),
        ("workers".into(), "16".into()),
        ("debug".into(), "false".into()),
        ("region-name".into(), "eu-west-1".into()),
    ];
    params.extend((1..=16).map(|i| (format!("p{i}"), format!("value-{i}"))));
    for (name, value) in params {
        seed.try_put(&format!("/{ENV}/startup/{name}"), &value, ty.clone())
            .await?;
    }
    for s in ["db", "api"] {
        seed.try_create_secret(&format!("{ENV}/startup/{s}"), "s3cr3t-value")
            .await?;
    }
    Ok(())
}

/// Runs the start-up measurement and writes its section of `markdown`.
pub fn run(runtime: &tokio::runtime::Runtime, markdown: &Path) -> Result<(), String> {
    let dir = procs::bin_dir()?;
    for (bin, _) in BINARIES {
        if !dir.join(bin).exists() {
            return Err(format!(
                "{} not found: build it with `cargo build --release -p awsconf-startup` (on its own, so awsconf has its default features)",
                dir.join(bin).display()
            ));
        }
    }
    eprintln!("startup: starting moto ...");
    let moto = Moto::start()?;
    runtime.block_on(seed(moto.endpoint()))?;
    let proxy = Proxy::start(moto.endpoint()).map_err(|e| format!("proxy: {e}"))?;
    let mut series: Vec<Series> = Vec::new();
    for delay_ms in [20u64, 0] {
        proxy.set_delay(Duration::from_millis(delay_ms));
        let vars: Vec<(&str, String)> = vec![
            ("AWS_ENDPOINT_URL", proxy.endpoint()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            ("AWSCONF_ENV", ENV.to_string()),
        ];
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let first = series.len();
        for (binary, label) in BINARIES {
            series.push(Series {
                binary,
                label,
                delay_ms,
                ready: Vec::new(),
                rss_kib: Vec::new(),
                calls: 0,
            });
        }
        // Interleaved, so both binaries see the same machine load.
        for _ in 0..RUNS {
            for (i, (binary, _)) in BINARIES.iter().enumerate() {
                let path = dir.join(binary).to_string_lossy().into_owned();
                proxy.reset_stats();
                let kv = procs::helper(&[procs::MEASURE_CHILD, &path], &vars)?;
                let s = &mut series[first + i];
                s.ready.push(
                    kv.get("ready_us")
                        .and_then(|v| v.parse().ok())
                        .map(Duration::from_micros)
                        .ok_or_else(|| format!("{binary} printed no `config ready`: {kv:?}"))?,
                );
                s.rss_kib.push(
                    kv.get("maxrss_kib")
                        .and_then(|v| v.parse().ok())
                        .ok_or_else(|| format!("no maxrss_kib: {kv:?}"))?,
                );
                s.calls = proxy.total();
            }
        }
    }
    drop(proxy);
    drop(moto);
    let mut md = String::new();
    md.push_str(BEGIN);
    md.push_str("\n## Start-up cost of a service\n\n");
    let _ = writeln!(
        md,
        "A service that reads 20 parameters (`/<env>/startup/*`: a `u16`, a `u32`, a `bool` and 17 strings) and 2 secrets, built in release on its own (`cargo build --release -p awsconf-startup`, so awsconf has its default features only): `startup-awsconf` loads it with `Service::loader().env(..).load()`; `startup-sdk` is the loader a service would write by hand on the AWS SDK (`aws_config::load_from_env`, two `GetParameters` of 10 names and two `GetSecretValue` at once, then parsing). Each run is a fresh process started by a helper that records when the line `config ready` appears on its stdout and reads its peak RSS with `getrusage(RUSAGE_CHILDREN)`; the two binaries alternate, {RUNS} runs each, in the same run, through the testkit proxy in front of moto. Binary sizes as built (the release profile does not strip).\n"
    );
    md.push_str("| binary | added per request | process start to config ready, median ms (min–max) | peak RSS, median MiB | calls | binary size MiB |\n|---|---:|---:|---:|---:|---:|\n");
    for s in &series {
        let size = std::fs::metadata(dir.join(s.binary)).map_or(0, |m| m.len());
        let mut r = s.ready.clone();
        r.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let _ = writeln!(
            md,
            "| `{}` ({}) | {} ms | {:.1} ({:.1}–{:.1}) | {:.1} | {} | {:.1} |",
            s.binary,
            s.label,
            s.delay_ms,
            ms(median(&r).unwrap_or_default()),
            ms(r.first().copied().unwrap_or_default()),
            ms(r.last().copied().unwrap_or_default()),
            median(&s.rss_kib).unwrap_or(0) as f64 / 1024.0,
            s.calls,
            size as f64 / (1024.0 * 1024.0),
        );
    }
    md.push_str(END);
    md.push('\n');
    print!("{md}");
    let old = std::fs::read_to_string(markdown).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => {
            let end = e + END.len();
            let rest = old[end..].strip_prefix('\n').unwrap_or(&old[end..]);
            format!("{}{md}{rest}", &old[..b])
        }
        _ => format!("{}\n\n{md}", old.trim_end_matches('\n')),
    };
    std::fs::write(markdown, new).map_err(|e| format!("writing {}: {e}", markdown.display()))
}
