//! # awsconf-bench
//!
//! Measures awsconf's fetch plan against the usual ways of reading Parameter
//! Store and Secrets Manager, through a latency-injecting proxy in front of the
//! moto emulator, and writes `BENCHMARKS.md`. Run it with `scripts/bench.sh`.
//!
//! ```text
//! awsconf-bench [--runs N] [--only p100s10,p1000s0] [--delays 20,0] [--no-quickstart] [--out PATH]
//!               [--fleet-sizes 10,50,200] [--no-fleet | --fleet-only]
//! ```
//!
//! The fleet benchmark (`fleet.rs`) runs after the others and rewrites only its
//! own section of the report; `--fleet-only` runs just that.

mod diagnostics;
mod fleet;
mod layouts;
mod procs;
mod report;
mod seed;
mod startup;
mod strategies;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use awsconf_testkit::{Moto, Proxy};

use crate::layouts::{LayoutSpec, LAYOUTS};
use crate::strategies::Strategy;

/// Runs of a cell whose first run takes less than [`ONE_SECOND`].
const DEFAULT_RUNS: usize = 5;
/// A cell whose first run takes at least this long gets 3 runs.
const ONE_SECOND: Duration = Duration::from_secs(1);
/// A cell whose first run takes at least this long gets 1 run.
const FOUR_SECONDS: Duration = Duration::from_secs(4);
/// Runs of the quickstart binary (each a fresh process).
const PROCESS_RUNS: usize = 5;
/// The layout the diagnostics run on.
pub const DIAGNOSTIC_LAYOUT: &str = "p100s10";
/// awsconf's default cap on calls in flight to each service.
pub const CAP: u64 = 10;

/// Command-line options.
#[derive(Debug)]
pub struct Options {
    /// Runs of a fast cell (default 5).
    pub runs: usize,
    /// Only these layouts (default: all nine).
    pub only: Option<Vec<String>>,
    /// Added delays in ms (default 20 and 0).
    pub delays: Vec<u64>,
    /// Skip the quickstart process measurements.
    pub no_quickstart: bool,
    /// Where to write the report (default `<repo>/BENCHMARKS.md`).
    pub out: PathBuf,
    /// Fleet sizes of the fleet benchmark (default 10, 50, 200).
    pub fleet_sizes: Vec<usize>,
    /// Skip the fleet benchmark.
    pub no_fleet: bool,
    /// Run only the fleet benchmark.
    pub fleet_only: bool,
    /// Run only the start-up measurement (`startup.rs`).
    pub startup_only: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut o = Options {
            runs: DEFAULT_RUNS,
            only: None,
            delays: vec![20, 0],
            no_quickstart: false,
            out: awsconf_testkit::moto::repo_root().join("BENCHMARKS.md"),
            fleet_sizes: fleet::SIZES.to_vec(),
            no_fleet: false,
            fleet_only: false,
            startup_only: false,
        };
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match arg.as_str() {
                "--runs" => {
                    o.runs = value("--runs")?
                        .parse()
                        .map_err(|e| format!("--runs: {e}"))?;
                    o.runs = o.runs.max(1);
                }
                "--only" => {
                    let list: Vec<String> =
                        value("--only")?.split(',').map(str::to_string).collect();
                    for name in &list {
                        if layouts::by_name(name).is_none() {
                            return Err(format!("--only: no layout {name}"));
                        }
                    }
                    o.only = Some(list);
                }
                "--delays" => {
                    o.delays = value("--delays")?
                        .split(',')
                        .map(|d| d.trim().parse().map_err(|e| format!("--delays: {e}")))
                        .collect::<Result<_, _>>()?;
                }
                "--no-quickstart" => o.no_quickstart = true,
                "--fleet-sizes" => {
                    o.fleet_sizes = value("--fleet-sizes")?
                        .split(',')
                        .map(|d| d.trim().parse().map_err(|e| format!("--fleet-sizes: {e}")))
                        .collect::<Result<_, _>>()?;
                }
                "--no-fleet" => o.no_fleet = true,
                "--fleet-only" => o.fleet_only = true,
                "--startup-only" => o.startup_only = true,
                "--out" => o.out = PathBuf::from(value("--out")?),
                "-h" | "--help" => {
                    return Err(
                        "usage: awsconf-bench [--runs N] [--only p100s10,..] [--delays 20,0] [--no-quickstart] [--out PATH] [--fleet-sizes 10,50,200] [--no-fleet | --fleet-only | --startup-only]"
                            .to_string(),
                    )
                }
                other => return Err(format!("unknown argument {other:?} (try --help)")),
            }
        }
        Ok(o)
    }

    fn layouts(&self) -> Vec<LayoutSpec> {
        LAYOUTS
            .iter()
            .copied()
            .filter(|l| {
                self.only
                    .as_ref()
                    .is_none_or(|only| only.iter().any(|n| n == l.name))
            })
            .collect()
    }
}

/// Every measurement of one (layout, delay, strategy).
#[derive(Debug, Clone)]
pub struct Cell {
    /// The layout.
    pub layout: LayoutSpec,
    /// Added delay per request, ms.
    pub delay_ms: u64,
    /// The strategy.
    pub strategy: Strategy,
    /// Wall time of each run.
    pub times: Vec<Duration>,
    /// Calls per operation in the first run (from the proxy).
    pub counts: BTreeMap<String, u64>,
    /// Whether any later run made different calls (retries).
    pub counts_varied: bool,
    /// Largest batch per operation, over every run.
    pub max_batch: BTreeMap<String, usize>,
    /// The time moto spent answering in each run (the proxy's upstream busy
    /// time: at least one request forwarded and not yet answered).
    pub busy: Vec<Duration>,
    /// The most requests in flight at once, over every run.
    pub peak_in_flight: usize,
}

impl Cell {
    /// The median wall time.
    pub fn median(&self) -> Duration {
        median(&self.times)
    }

    /// Calls in one run.
    pub fn calls(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The median time moto spent answering.
    pub fn median_busy(&self) -> Duration {
        median(&self.busy)
    }

    /// The median over runs of wall time minus moto's own time: what the client
    /// and the added latency cost.
    pub fn median_without_moto(&self) -> Duration {
        let rest: Vec<Duration> = self
            .times
            .iter()
            .zip(&self.busy)
            .map(|(t, b)| t.saturating_sub(*b))
            .collect();
        median(&rest)
    }
}

/// The median of `times` (mean of the middle two for an even count).
pub fn median(times: &[Duration]) -> Duration {
    let mut t = times.to_vec();
    t.sort();
    match t.len() {
        0 => Duration::ZERO,
        n if n % 2 == 1 => t[n / 2],
        n => (t[n / 2 - 1] + t[n / 2]) / 2,
    }
}

/// One quickstart measurement series.
#[derive(Debug, Clone)]
pub struct ProcessSeries {
    /// What was measured, e.g. "straight to moto".
    pub label: String,
    /// Process start to the first config printed.
    pub ready: Vec<Duration>,
    /// Process start to exit.
    pub exit: Vec<Duration>,
    /// Peak RSS per run, KiB.
    pub rss_kib: Vec<u64>,
    /// Calls per run, when run through the proxy.
    pub calls: Option<BTreeMap<String, u64>>,
}

/// Peak RSS and CPU time of a process that reads one layout once.
#[derive(Debug, Clone)]
pub struct LoadRss {
    /// The layout.
    pub layout: LayoutSpec,
    /// awsconf, or the serial GetParameters batches for comparison.
    pub strategy: Strategy,
    /// VmHWM before the load (runtime and SDK config built), KiB.
    pub before_kib: u64,
    /// VmHWM after the load, KiB.
    pub after_kib: u64,
    /// Wall time of that single load (straight to moto, cold process).
    pub wall: Duration,
    /// CPU time (user + system) of the process during the load.
    pub cpu: Duration,
}

/// A pass/fail assertion of the run.
#[derive(Debug, Clone)]
pub struct Check {
    /// What was checked.
    pub what: String,
    /// Whether it held.
    pub ok: bool,
}

/// Everything a run produced.
#[derive(Debug, Default)]
pub struct Results {
    /// Every cell, in measuring order.
    pub cells: Vec<Cell>,
    /// Seeding time per layout.
    pub seeding: Vec<(LayoutSpec, Duration)>,
    /// Quickstart series.
    pub processes: Vec<ProcessSeries>,
    /// Peak RSS of single-load processes.
    pub load_rss: Vec<LoadRss>,
    /// Problems with the quickstart measurement, if any.
    pub process_error: Option<String>,
    /// Cores other processes kept busy on average during the run (machine
    /// busy time minus this process and its children), if known.
    pub other_load: Option<f64>,
    /// `/proc/loadavg` at the start and at the end.
    pub loadavg: (String, String),
    /// This benchmark process's peak RSS at the end, KiB.
    pub own_peak_kib: Option<u64>,
    /// Assertions.
    pub checks: Vec<Check>,
    /// Whole run.
    pub total: Duration,
    /// Options the run used.
    pub runs: usize,
    /// Delays measured.
    pub delays: Vec<u64>,
    /// Diagnostic: awsconf under other caps.
    pub caps: Vec<diagnostics::CapRun>,
    /// Diagnostic: the cost of fresh SDK clients.
    pub fresh: Vec<diagnostics::FreshClients>,
    /// Calls of a `Live` refresh on p100s10, with and without a change.
    pub refresh: diagnostics::RefreshCalls,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some(procs::MEASURE_CHILD) => procs::measure_child(&args[1..]),
        Some(procs::LOAD_ONCE) => procs::load_once(&args[1..]),
        _ => Options::parse(&args).and_then(|o| {
            if o.fleet_only {
                fleet_bench(&o)
            } else if o.startup_only {
                startup_bench(&o)
            } else {
                bench(&o)
                    .and_then(|()| if o.no_fleet { Ok(()) } else { fleet_bench(&o) })
                    .and_then(|()| {
                        if o.no_quickstart {
                            Ok(())
                        } else {
                            startup_bench(&o)
                        }
                    })
            }
        }),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("awsconf-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The fleet benchmark: rewrites its section of the report and `bench/fleet.svg`.
fn fleet_bench(o: &Options) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting tokio: {e}"))?;
    let svg = awsconf_testkit::moto::repo_root().join("bench/fleet.svg");
    fleet::run(&runtime, &o.fleet_sizes, &o.out, &svg)
}

/// The start-up measurement: rewrites its section of the report.
fn startup_bench(o: &Options) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting tokio: {e}"))?;
    startup::run(&runtime, &o.out)
}

/// How many runs a cell gets, from its first run.
fn planned_runs(first: Duration, target: usize) -> usize {
    if first >= FOUR_SECONDS {
        1
    } else if first >= ONE_SECOND {
        target.min(3)
    } else {
        target
    }
}

fn bench(o: &Options) -> Result<(), String> {
    let started = Instant::now();
    let ticks_start = procs::machine_ticks();
    let load_start = loadavg();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("starting tokio: {e}"))?;
    eprintln!("starting moto and the proxy ...");
    let moto = Moto::start()?;
    let proxy = Proxy::start(moto.endpoint()).map_err(|e| format!("starting the proxy: {e}"))?;
    let direct = seed::sdk_config(moto.endpoint());
    let via_proxy = seed::sdk_config(&proxy.endpoint());
    let mut results = Results {
        runs: o.runs,
        delays: o.delays.clone(),
        ..Results::default()
    };

    // Warm-up, untimed: moto loads its SSM and Secrets Manager backends on first
    // use, and this process initialises the SDK's HTTP/TLS stack once.
    eprintln!("warming up ...");
    let warm = layouts::by_name("p10s10").ok_or("no layout p10s10")?;
    runtime.block_on(async {
        seed::reset(moto.endpoint()).await?;
        seed::seed(&direct, &warm).await?;
        proxy.set_delay(Duration::ZERO);
        for s in Strategy::ALL {
            strategies::run(s, &warm, &via_proxy).await?;
        }
        Ok::<(), String>(())
    })?;

    for layout in o.layouts() {
        let t = Instant::now();
        runtime.block_on(async {
            seed::reset(moto.endpoint()).await?;
            seed::seed(&direct, &layout).await
        })?;
        let seeded = t.elapsed();
        eprintln!(
            "{}: seeded {} parameters and {} secrets in {:.1} s",
            layout.name,
            layout.params,
            layout.secrets,
            seeded.as_secs_f64()
        );
        results.seeding.push((layout, seeded));
        for &delay in &o.delays {
            proxy.set_delay(Duration::from_millis(delay));
            let cells = runtime.block_on(measure(&layout, delay, o.runs, &proxy, &via_proxy))?;
            for c in &cells {
                eprintln!(
                    "  {:>3} ms  {:<26} {:>2} runs  median {:>9.1} ms  {} calls",
                    delay,
                    c.strategy.to_string(),
                    c.times.len(),
                    ms(c.median()),
                    c.calls()
                );
            }
            results.cells.extend(cells);
            if layout.name == DIAGNOSTIC_LAYOUT {
                let (caps, fresh) = runtime.block_on(async {
                    let caps = diagnostics::caps(&layout, delay, &proxy, &via_proxy).await?;
                    let fresh = diagnostics::fresh_clients(&layout, delay, &via_proxy).await?;
                    Ok::<_, String>((caps, fresh))
                })?;
                if results.refresh.is_empty() {
                    results.refresh = runtime
                        .block_on(diagnostics::refresh_calls(&layout, &proxy, &via_proxy))?;
                    for (what, counts) in &results.refresh {
                        eprintln!("  Live refresh, {what}: {counts:?}");
                    }
                }
                for c in &caps {
                    eprintln!(
                        "  {:>3} ms  awsconf .concurrency({:>2})    median {:>9.1} ms",
                        delay,
                        c.cap,
                        ms(c.median)
                    );
                }
                results.caps.extend(caps);
                results.fresh.push(fresh);
            }
        }
        proxy.set_delay(Duration::ZERO);
        if matches!(layout.name, "p10s0" | "p1000s100") {
            for strategy in ["awsconf", "batches"] {
                match procs::helper(
                    &[procs::LOAD_ONCE, layout.name, moto.endpoint(), strategy],
                    &[],
                ) {
                    Ok(kv) => {
                        let num = |k: &str| kv.get(k).and_then(|v| v.parse::<u64>().ok());
                        results.load_rss.push(LoadRss {
                            layout,
                            strategy: if strategy == "awsconf" {
                                Strategy::Awsconf
                            } else {
                                Strategy::Batches
                            },
                            before_kib: num("before_kib").unwrap_or(0),
                            after_kib: num("after_kib").unwrap_or(0),
                            wall: Duration::from_micros(num("wall_us").unwrap_or(0)),
                            cpu: Duration::from_micros(num("cpu_us").unwrap_or(0)),
                        });
                    }
                    Err(e) => eprintln!("  single-load process ({strategy}): {e}"),
                }
            }
        }
    }

    if !o.no_quickstart {
        eprintln!("quickstart (release) ...");
        match runtime
            .block_on(seed::reset(moto.endpoint()))
            .and_then(|()| quickstart(moto.endpoint(), &proxy))
        {
            Ok(series) => results.processes = series,
            Err(e) => {
                eprintln!("  quickstart: {e}");
                results.process_error = Some(e);
            }
        }
    }
    proxy.set_delay(Duration::ZERO);

    results.checks = report::checks(&results);
    results.own_peak_kib = procs::own_peak_rss_kib();
    // moto's CPU time counts as ours once it has been waited for.
    drop(proxy);
    drop(moto);
    results.total = started.elapsed();
    results.loadavg = (load_start, loadavg());
    results.other_load = match (
        ticks_start,
        procs::machine_ticks(),
        procs::own_and_children_cpu(),
    ) {
        (Some((b0, t0)), Some((b1, t1)), Ok(ours)) if t1 > t0 => {
            // The busy share of all CPUs' time, in cores, minus our own CPU time per second.
            let cores = std::thread::available_parallelism().map_or(1, usize::from) as f64;
            let busy = (b1 - b0) as f64 / (t1 - t0) as f64 * cores;
            let ours = ours.as_secs_f64() / results.total.as_secs_f64();
            Some((busy - ours).max(0.0))
        }
        _ => None,
    };
    let text = report::text(&results);
    println!("{text}");
    let markdown = fleet::keep_section(&o.out, report::markdown(&results));
    std::fs::write(&o.out, markdown).map_err(|e| format!("writing {}: {e}", o.out.display()))?;
    eprintln!("wrote {}", o.out.display());
    // The README's comparison, from this same run (only a run of the default
    // report, which measures every strategy on p100s10 and p1000s0).
    if let Some(block) = report::readme_comparison(&results) {
        let readme = o
            .out
            .parent()
            .unwrap_or_else(|| std::path::Path::new("."))
            .join("README.md");
        if report::splice_readme(&readme, &block)? {
            eprintln!("wrote the comparison in {}", readme.display());
        }
    }
    let failed: Vec<&Check> = results.checks.iter().filter(|c| !c.ok).collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} check(s) failed:\n{}",
            failed.len(),
            failed
                .iter()
                .map(|c| format!("  - {}", c.what))
                .collect::<Vec<_>>()
                .join("\n")
        ))
    }
}

/// The first three fields of `/proc/loadavg`.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}

/// Milliseconds as f64.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Measures every strategy on one layout at one delay: runs are interleaved
/// (awsconf, by-path, batches, per-field, then again), so drift in the machine's
/// load hits every strategy alike.
async fn measure(
    layout: &LayoutSpec,
    delay_ms: u64,
    target_runs: usize,
    proxy: &Proxy,
    sdk: &SdkConfig,
) -> Result<Vec<Cell>, String> {
    let mut cells: Vec<Cell> = Strategy::ALL
        .iter()
        .map(|&strategy| Cell {
            layout: *layout,
            delay_ms,
            strategy,
            times: Vec::new(),
            counts: BTreeMap::new(),
            counts_varied: false,
            max_batch: BTreeMap::new(),
            busy: Vec::new(),
            peak_in_flight: 0,
        })
        .collect();
    let mut planned = vec![1usize; cells.len()];
    let mut round = 0;
    while cells.iter().zip(&planned).any(|(c, &p)| c.times.len() < p) {
        for (cell, plan) in cells.iter_mut().zip(planned.iter_mut()) {
            if cell.times.len() >= *plan {
                continue;
            }
            proxy.reset_stats();
            let took = strategies::run(cell.strategy, layout, sdk).await?;
            let counts = proxy.counts();
            for op in [
                "GetParameters",
                "BatchGetSecretValue",
                "GetParametersByPath",
            ] {
                let seen = proxy.max_batch(op);
                if seen > 0 {
                    let max = cell.max_batch.entry(op.to_string()).or_insert(0);
                    *max = (*max).max(seen);
                }
            }
            if cell.times.is_empty() {
                cell.counts = counts;
                *plan = planned_runs(took, target_runs);
            } else if counts != cell.counts {
                cell.counts_varied = true;
            }
            cell.times.push(took);
            cell.busy.push(proxy.upstream_busy());
            cell.peak_in_flight = cell.peak_in_flight.max(proxy.max_in_flight());
        }
        round += 1;
        if round > target_runs + 1 {
            break;
        }
    }
    Ok(cells)
}

/// Seeds the demo layout with `demo-seed`, then runs the release `quickstart`
/// [`PROCESS_RUNS`] times straight to moto and as often through the proxy at
/// 20 ms, each in a measuring helper process.
fn quickstart(moto_endpoint: &str, proxy: &Proxy) -> Result<Vec<ProcessSeries>, String> {
    let dir = procs::bin_dir()?;
    let quickstart = dir.join("quickstart");
    let demo_seed = dir.join("demo-seed");
    for bin in [&quickstart, &demo_seed] {
        if !bin.exists() {
            return Err(format!(
                "{} not found: build it with `cargo build --release -p awsconf-examples --bin quickstart --bin demo-seed`",
                bin.display()
            ));
        }
    }
    let quickstart = quickstart.to_string_lossy().into_owned();
    let env = |endpoint: &str| -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", endpoint.to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
            ("AWS_ACCESS_KEY_ID", "testing".to_string()),
            ("AWS_SECRET_ACCESS_KEY", "testing".to_string()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
            ("AWSCONF_ENV", "production".to_string()),
        ]
    };
    let seed_env = env(moto_endpoint);
    let out = std::process::Command::new(&demo_seed)
        .envs(seed_env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .map_err(|e| format!("running {}: {e}", demo_seed.display()))?;
    if !out.status.success() {
        return Err(format!(
            "demo-seed failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }

    let proxy_endpoint = proxy.endpoint();
    let mut series = Vec::new();
    for (label, endpoint, delay) in [
        ("straight to moto (no added delay)", moto_endpoint, None),
        (
            "through the proxy, 20 ms added per request",
            proxy_endpoint.as_str(),
            Some(20),
        ),
    ] {
        proxy.set_delay(Duration::from_millis(delay.unwrap_or(0)));
        let vars = env(endpoint);
        let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut s = ProcessSeries {
            label: label.to_string(),
            ready: Vec::new(),
            exit: Vec::new(),
            rss_kib: Vec::new(),
            calls: None,
        };
        for _ in 0..PROCESS_RUNS {
            proxy.reset_stats();
            let kv = procs::helper(&[procs::MEASURE_CHILD, &quickstart], &vars)?;
            let us = |k: &str| {
                kv.get(k)
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(Duration::from_micros)
                    .ok_or_else(|| format!("quickstart helper printed no {k}: {kv:?}"))
            };
            s.ready.push(us("ready_us")?);
            s.exit.push(us("exit_us")?);
            s.rss_kib.push(
                kv.get("maxrss_kib")
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("quickstart helper printed no maxrss_kib: {kv:?}"))?,
            );
            if delay.is_some() {
                s.calls = Some(proxy.counts());
            }
        }
        series.push(s);
    }
    proxy.set_delay(Duration::ZERO);
    Ok(series)
}
