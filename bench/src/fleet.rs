//! The fleet benchmark: N instances, each with its own SDK clients, start at once
//! and load the `p100s10` layout (100 parameters + 10 secrets) through the
//! testkit proxy under AWS's account quotas (`Quota::aws_defaults()`: Parameter
//! Store 40 calls per second shared by `GetParameter`, `GetParameters` and
//! `GetParametersByPath`, `BatchGetSecretValue` 100, `GetSecretValue` 10,000,
//! one second of burst each). Also the 500-tenant SaaS layout, one instance.
//!
//! Writes its section of `BENCHMARKS.md` (between [`BEGIN`] and [`END`]) and
//! the plot `bench/fleet.svg`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_ssm::error::DisplayErrorContext;
use awsconf::{AwsConfig, ExposeSecret, Pacing, SecretString};
use awsconf_testkit::proxy::SSM_GET_TPS;
use awsconf_testkit::{Moto, Proxy, Quota};

use crate::layouts::{self, LayoutSpec, P100S10};
use crate::seed;
use crate::strategies::{self, Strategy};

/// Fleet sizes measured by default.
pub const SIZES: [usize; 3] = [10, 50, 200];
/// Fleet starts of awsconf per size (the others once each): the table reports
/// each and the spread.
pub const AWSCONF_RUNS: usize = 3;
/// Marks the start of the fleet section in `BENCHMARKS.md`.
pub const BEGIN: &str = "<!-- fleet:begin (written by awsconf-bench --fleet) -->";
/// Marks its end.
pub const END: &str = "<!-- fleet:end -->";

/// How each instance of a fleet reads its config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FleetStrategy {
    /// `P100S10::loader().env(..).sdk_config(&cfg).load()`, default settings.
    Awsconf,
    /// The same with `.start_jitter(..)` set to what `cost --instances N`
    /// suggests: the time the quota needs for the whole fleet's start.
    AwsconfSpread,
    /// The same with `.pacing(Pacing::Fleet(N))`: told the fleet's size.
    AwsconfFleet,
    /// `GetParameters` with 10 names per call one after another, then
    /// `GetSecretValue` per secret, the SDK's standard 3 attempts.
    Serial,
    /// `GetParametersByPath` pages one after another, then `GetSecretValue` per
    /// secret, the SDK's standard 3 attempts.
    ByPath,
}

impl FleetStrategy {
    fn label(self) -> &'static str {
        match self {
            FleetStrategy::Awsconf => "awsconf, default settings",
            FleetStrategy::AwsconfSpread => "awsconf, .start_jitter(cost's start time)",
            FleetStrategy::AwsconfFleet => "awsconf, .pacing(Pacing::Fleet(N))",
            FleetStrategy::Serial => "GetParameters x10 one after another, 3 attempts",
            FleetStrategy::ByPath => "by-path pages one after another, 3 attempts",
        }
    }

    /// The table's order within a fleet size: awsconf's runs first.
    fn rank(self) -> u8 {
        match self {
            FleetStrategy::Awsconf => 0,
            FleetStrategy::AwsconfFleet => 1,
            FleetStrategy::AwsconfSpread => 2,
            FleetStrategy::Serial => 3,
            FleetStrategy::ByPath => 4,
        }
    }

    /// awsconf's own runs, which the checks and the spread table cover.
    fn ours(self) -> bool {
        matches!(
            self,
            FleetStrategy::Awsconf | FleetStrategy::AwsconfFleet | FleetStrategy::AwsconfSpread
        )
    }

    fn color(self) -> &'static str {
        match self {
            FleetStrategy::Awsconf => "#1b7837",
            FleetStrategy::AwsconfSpread => "#b8860b",
            FleetStrategy::AwsconfFleet => "#6a3d9a",
            FleetStrategy::Serial => "#c51b7d",
            FleetStrategy::ByPath => "#2166ac",
        }
    }
}

/// One fleet start.
#[derive(Debug, Clone)]
pub struct FleetRun {
    /// Instances started.
    pub n: usize,
    /// How they read.
    pub strategy: FleetStrategy,
    /// Time from the start to each loaded instance's config, sorted.
    pub ready: Vec<Duration>,
    /// The first error of a failed instance, if any.
    pub first_error: Option<String>,
    /// Requests per operation (throttled ones included).
    pub counts: BTreeMap<String, u64>,
    /// Requests answered with AWS's throttling error.
    pub throttled: u64,
    /// Parameter Store requests that were not throttled.
    pub ssm_answered: u64,
    /// Until the last instance finished (loaded or failed).
    pub wall: Duration,
}

impl FleetRun {
    fn loaded(&self) -> usize {
        self.ready.len()
    }

    fn calls(&self) -> u64 {
        self.counts.values().sum()
    }

    fn answered(&self) -> u64 {
        self.calls() - self.throttled
    }

    /// The quota bound: (Parameter Store calls answered − burst) / rate.
    fn bound(&self) -> Duration {
        let calls = self.ssm_answered as f64;
        Duration::from_secs_f64(((calls - SSM_GET_TPS) / SSM_GET_TPS).max(0.0))
    }

    fn last_ready(&self) -> Option<Duration> {
        self.ready.last().copied()
    }
}

/// The 500-tenant SaaS layout loaded once under the quotas.
#[derive(Debug, Clone, Default)]
pub struct SaasRun {
    /// Load time, or the error.
    pub result: Option<Result<Duration, String>>,
    /// Requests per operation.
    pub counts: BTreeMap<String, u64>,
    /// Throttled requests.
    pub throttled: u64,
}

/// `/<env>/saas/tenants/<tenant-id>/{plan,seats}` and a secret per tenant.
#[derive(AwsConfig)]
#[aws_config(app = "saas")]
pub struct Saas {
    /// One entry per tenant.
    #[component]
    pub tenants: BTreeMap<String, Tenant>,
}

/// One tenant.
#[derive(AwsConfig)]
pub struct Tenant {
    /// `plan`
    pub plan: String,
    /// `seats`
    pub seats: u32,
    /// `<env>/saas/tenants/<tenant-id>/api-key`
    #[secret(id = "{env}/saas/tenants/{key}/api-key")]
    pub api_key: SecretString,
}

const TENANTS: usize = 500;

/// Runs the fleet benchmark and writes its section of `markdown` and `svg`.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    sizes: &[usize],
    markdown: &Path,
    svg: &Path,
) -> Result<(), String> {
    eprintln!("fleet: starting moto ...");
    let moto = Moto::start()?;
    let direct = seed::sdk_config(moto.endpoint());
    let layout = layouts::by_name("p100s10").ok_or("no layout p100s10")?;
    runtime.block_on(async {
        seed::reset(moto.endpoint()).await?;
        seed::seed(&direct, &layout).await
    })?;
    let mut runs = Vec::new();
    for &n in sizes {
        let strategies = [
            FleetStrategy::Awsconf,
            FleetStrategy::AwsconfFleet,
            FleetStrategy::AwsconfSpread,
            FleetStrategy::Serial,
            FleetStrategy::ByPath,
        ];
        let again = AWSCONF_RUNS.saturating_sub(1);
        let repeated = std::iter::repeat_n(FleetStrategy::Awsconf, again)
            .chain(std::iter::repeat_n(FleetStrategy::AwsconfFleet, again))
            .chain(std::iter::repeat_n(FleetStrategy::AwsconfSpread, again));
        for strategy in strategies.into_iter().chain(repeated) {
            let r = runtime.block_on(fleet_start(moto.endpoint(), &layout, n, strategy))?;
            eprintln!(
                "  N = {n:>3}  {:<50} loaded {:>3}  last ready {:>6}  bound {:>5.1} s  calls {:>5}  throttled {:>5}",
                strategy.label(),
                r.loaded(),
                r.last_ready()
                    .map_or("-".to_string(), |d| format!("{:.1} s", d.as_secs_f64())),
                r.bound().as_secs_f64(),
                r.calls(),
                r.throttled
            );
            if std::env::var_os("AWSCONF_BENCH_FLEET_DEBUG").is_some() {
                let t: Vec<String> = r
                    .ready
                    .iter()
                    .map(|d| format!("{:.1}", d.as_secs_f64()))
                    .collect();
                eprintln!("    ready at: {}", t.join(" "));
            }
            runs.push(r);
        }
    }
    // Each size's awsconf runs together, first.
    runs.sort_by_key(|r| (r.n, r.strategy.rank()));
    eprintln!("fleet: the 500-tenant SaaS ...");
    let saas = runtime.block_on(saas(moto.endpoint(), &direct))?;
    drop(moto);

    let section = section(&runs, &saas);
    println!("{section}");
    splice(markdown, &section)?;
    std::fs::write(svg, plot(&runs)).map_err(|e| format!("writing {}: {e}", svg.display()))?;
    eprintln!("wrote {} and {}", markdown.display(), svg.display());
    Ok(())
}

/// A proxy in front of moto with AWS's default read quotas.
fn quota_proxy(moto: &str) -> Result<Proxy, String> {
    let proxy = Proxy::start(moto).map_err(|e| format!("starting the proxy: {e}"))?;
    proxy.add_quotas(Quota::aws_defaults());
    Ok(proxy)
}

async fn fleet_start(
    moto: &str,
    layout: &LayoutSpec,
    n: usize,
    strategy: FleetStrategy,
) -> Result<FleetRun, String> {
    let proxy = quota_proxy(moto)?;
    let sdk = seed::sdk_config(&proxy.endpoint());
    // Worked out once per start, as the fleet's operator would.
    let spread = (strategy == FleetStrategy::AwsconfSpread).then(|| suggested_spread(n));
    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let sdk = sdk.clone();
            let layout = *layout;
            tokio::spawn(async move {
                let result = instance(strategy, &layout, n, spread, &sdk).await;
                result.map(|()| start.elapsed())
            })
        })
        .collect();
    let mut ready = Vec::new();
    let mut first_error = None;
    for t in tasks {
        match t.await {
            Ok(Ok(at)) => ready.push(at),
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(format!("instance task: {e}"));
            }
        }
    }
    let wall = start.elapsed();
    ready.sort();
    let ssm_answered = ["GetParameter", "GetParameters", "GetParametersByPath"]
        .iter()
        .map(|op| proxy.count(op) - proxy.throttled_of(op))
        .sum();
    Ok(FleetRun {
        n,
        strategy,
        ready,
        first_error,
        counts: proxy.counts(),
        throttled: proxy.throttled(),
        ssm_answered,
        wall,
    })
}

/// What `cost --instances n` suggests for `.start_jitter(..)`.
fn suggested_spread(n: usize) -> Duration {
    let load = awsconf::tools::fleet_load::<P100S10>(&awsconf::tools::FleetInputs {
        instances: n as u64,
        ..Default::default()
    });
    Duration::from_secs(load.start_jitter_seconds)
}

/// One instance's load, checked.
async fn instance(
    strategy: FleetStrategy,
    layout: &LayoutSpec,
    n: usize,
    spread: Option<Duration>,
    sdk: &SdkConfig,
) -> Result<(), String> {
    match strategy {
        FleetStrategy::Awsconf | FleetStrategy::AwsconfFleet | FleetStrategy::AwsconfSpread => {
            let loader = P100S10::loader().env(layout.env()).sdk_config(sdk);
            let loader = match spread {
                Some(spread) => loader.start_jitter(spread),
                None => loader,
            };
            let loader = if strategy == FleetStrategy::AwsconfFleet {
                loader.pacing(Pacing::Fleet(u32::try_from(n).unwrap_or(u32::MAX)))
            } else {
                loader
            };
            let loaded = layouts::load_p100s10(loader)
                .await
                .map_err(|e| e.to_string())?;
            loaded.check(layout)
        }
        FleetStrategy::Serial => strategies::run(Strategy::Batches, layout, sdk)
            .await
            .map(drop),
        FleetStrategy::ByPath => strategies::run(Strategy::ByPath, layout, sdk)
            .await
            .map(drop),
    }
}

async fn saas(moto: &str, direct: &SdkConfig) -> Result<SaasRun, String> {
    seed::reset(moto).await?;
    let env = "saas500";
    let ssm = aws_sdk_ssm::Client::new(direct);
    let secrets = aws_sdk_secretsmanager::Client::new(direct);
    let ids: Vec<String> = (1..=TENANTS).map(|n| format!("tenant-{n:04}")).collect();
    for wave in ids.chunks(16) {
        let puts = wave.iter().flat_map(|id| {
            let ssm = &ssm;
            [("plan", "pro".to_string()), ("seats", "5".to_string())]
                .into_iter()
                .map(move |(leaf, value)| async move {
                    let name = format!("/{env}/saas/tenants/{id}/{leaf}");
                    ssm.put_parameter()
                        .name(&name)
                        .value(value)
                        .r#type(aws_sdk_ssm::types::ParameterType::String)
                        .overwrite(true)
                        .send()
                        .await
                        .map(drop)
                        .map_err(|e| format!("seeding {name}: {}", DisplayErrorContext(e)))
                })
        });
        for r in futures_util::future::join_all(puts).await {
            r?;
        }
        let creates = wave.iter().map(|id| {
            let secrets = &secrets;
            async move {
                let sid = format!("{env}/saas/tenants/{id}/api-key");
                secrets
                    .create_secret()
                    .name(&sid)
                    .secret_string(format!("key-{id}"))
                    .send()
                    .await
                    .map(drop)
                    .map_err(|e| format!("seeding {sid}: {}", DisplayErrorContext(e)))
            }
        });
        for r in futures_util::future::join_all(creates).await {
            r?;
        }
    }
    let proxy = quota_proxy(moto)?;
    let sdk = seed::sdk_config(&proxy.endpoint());
    let start = Instant::now();
    let result = Saas::loader().env(env).sdk_config(&sdk).load().await;
    let took = start.elapsed();
    let result = match result {
        Ok(c)
            if c.tenants.len() == TENANTS
                && c.tenants.iter().all(|(id, t)| {
                    t.plan == "pro"
                        && t.seats == 5
                        && t.api_key.expose_secret() == format!("key-{id}")
                }) =>
        {
            Ok(took)
        }
        Ok(c) => Err(format!("loaded {} tenants of {TENANTS}", c.tenants.len())),
        Err(e) => Err(e.to_string()),
    };
    Ok(SaasRun {
        result: Some(result),
        counts: proxy.counts(),
        throttled: proxy.throttled(),
    })
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The fleet section of `BENCHMARKS.md`, markers included.
pub fn section(runs: &[FleetRun], saas: &SaasRun) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{BEGIN}");
    out.push_str("## Fleet start under AWS's quotas\n\n");
    out.push_str(
        "Run with `scripts/bench.sh` (or only this part: `scripts/bench.sh --fleet-only`). N instances start at once in one process, each with its own SDK clients \
         (`SdkConfig` with the SDK's standard retries, 3 attempts), and read the `p100s10` layout (100 parameters + 10 secrets) through the testkit proxy, \
         which meters requests with AWS's default quotas per account and region (`Quota::aws_defaults()`): Parameter Store `GetParameter` + `GetParameters` + `GetParametersByPath` \
         share 40 per second, `BatchGetSecretValue` 100, `GetSecretValue` 10,000, `DescribeSecret` 40,000, each a token bucket holding one second of burst; \
         a request that finds its bucket empty gets AWS's answer, HTTP 400 `ThrottlingException` \"Rate exceeded\".\n\n",
    );
    out.push_str(
        "The **quota bound** is the least time the quota allows for the Parameter Store calls the instances made and AWS answered: (calls − 40 burst) / 40 per second. \
         *Throttled* counts every request answered with `ThrottlingException`; *answered* every other one.\n\n",
    );
    out.push_str(
        "*awsconf, .start_jitter(cost's start time)* is awsconf with `.start_jitter(..)` set to what `cost --instances N` suggests for the fleet \
         (`start_jitter_seconds`: the time the quota needs for the whole start, (10 N − 40) / 40 s rounded up): each instance waits a random time \
         up to it before its first call, so the fleet's first calls no longer arrive together.\n\n",
    );
    out.push_str(
        "*awsconf, .pacing(Pacing::Fleet(N))* is awsconf told how many instances may start together: each still sends its whole load at once \
         (one round trip when alone), and once throttled paces at its share of the quota, 40 / (N − 4) calls per second (the first burst's 40 calls \
         answer 4 instances), instead of searching for a rate.\n\n",
    );
    out.push_str("| N | strategy | loaded | last ready | quota bound | last ready / bound | answered calls | throttled calls |\n|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for r in runs {
        let bound = r.bound();
        let ratio = match r.last_ready() {
            Some(last) if r.loaded() == r.n && !bound.is_zero() => {
                format!("{:.2}", last.as_secs_f64() / bound.as_secs_f64())
            }
            _ => "—".to_string(),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} / {} | {} | {} | {} | {} | {} |",
            r.n,
            r.strategy.label(),
            r.loaded(),
            r.n,
            r.last_ready().map_or("—".to_string(), secs),
            secs(bound),
            ratio,
            r.answered(),
            r.throttled
        );
    }
    out.push('\n');
    let _ = writeln!(
        out,
        "awsconf started {AWSCONF_RUNS} times per size and setting (the table has each start); the spread over those starts:\n"
    );
    out.push_str("| N | setting | last ready min – max | last ready / bound min – max | throttled min – max | answered min – max |\n|---:|---|---:|---:|---:|---:|\n");
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.n).collect();
    sizes.dedup();
    for n in sizes {
        for strategy in [
            FleetStrategy::Awsconf,
            FleetStrategy::AwsconfFleet,
            FleetStrategy::AwsconfSpread,
        ] {
            let ours: Vec<&FleetRun> = runs
                .iter()
                .filter(|r| r.n == n && r.strategy == strategy)
                .collect();
            if ours.is_empty() {
                continue;
            }
            let span = |f: &dyn Fn(&FleetRun) -> f64, fmt: &dyn Fn(f64) -> String| {
                let v: Vec<f64> = ours.iter().map(|r| f(r)).collect();
                let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                format!("{} – {}", fmt(lo), fmt(hi))
            };
            let last = |r: &FleetRun| r.last_ready().map_or(f64::NAN, |d| d.as_secs_f64());
            let _ = writeln!(
                out,
                "| {n} | {} | {} | {} | {} | {} |",
                strategy.label(),
                span(&last, &|x| format!("{x:.1} s")),
                span(&|r| last(r) / r.bound().as_secs_f64(), &|x| format!(
                    "{x:.2}"
                )),
                span(&|r| r.throttled as f64, &|x| format!("{x:.0}")),
                span(&|r| r.answered() as f64, &|x| format!("{x:.0}")),
            );
        }
    }
    out.push('\n');
    let errors: Vec<&FleetRun> = runs.iter().filter(|r| r.first_error.is_some()).collect();
    if !errors.is_empty() {
        out.push_str("Why instances failed (the first failure of each run):\n\n");
        for r in errors {
            let e = r.first_error.as_deref().unwrap_or_default();
            let line = e.lines().take(2).collect::<Vec<_>>().join(" ");
            let short: String = line.chars().take(400).collect();
            let _ = writeln!(out, "- N = {}, {}: {}", r.n, r.strategy.label(), short);
        }
        out.push('\n');
    }
    out.push_str("### Checks\n\n");
    for (what, ok) in checks(runs) {
        let _ = writeln!(out, "- {} {what}", if ok { "✓" } else { "✗" });
    }
    out.push('\n');
    out.push_str("![Instances ready over time, per strategy and fleet size](bench/fleet.svg)\n\n");
    out.push_str("### The 500-tenant SaaS\n\n");
    out.push_str("One instance of `examples/saas_tenants.rs`'s layout (a map of 500 tenants: 1,000 parameters under one prefix, 500 secrets), default settings, under the same quotas: ");
    match &saas.result {
        Some(Ok(took)) => {
            let _ = write!(out, "loaded in {}", secs(*took));
        }
        Some(Err(e)) => {
            let _ = write!(
                out,
                "failed: {}",
                e.lines().take(2).collect::<Vec<_>>().join(" ")
            );
        }
        None => out.push_str("not run"),
    }
    let calls: Vec<String> = saas
        .counts
        .iter()
        .map(|(op, n)| format!("{op} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "; calls: {}; throttled {}.\n",
        calls.join(", "),
        saas.throttled
    );
    let _ = writeln!(out, "{END}");
    out
}

/// The done-when targets of issue #15, checked on the awsconf runs.
fn checks(runs: &[FleetRun]) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for r in runs.iter().filter(|r| r.strategy.ours()) {
        let who = format!("N = {}, {}", r.n, r.strategy.label());
        out.push((
            format!("{who}: all {} instances load ({} did)", r.n, r.loaded()),
            r.loaded() == r.n,
        ));
        if let Some(last) = r.last_ready() {
            let limit = r.bound().mul_f64(1.2) + Duration::from_secs(1);
            out.push((
                format!(
                    "{who}: last ready {} within 1.2 x quota bound + 1 s = {}",
                    secs(last),
                    secs(limit)
                ),
                r.loaded() == r.n && last <= limit,
            ));
        }
        out.push((
            format!(
                "{who}: throttled calls {} <= answered calls {}",
                r.throttled,
                r.answered()
            ),
            r.throttled <= r.answered(),
        ));
    }
    out
}

/// `markdown` with the fleet section of the file at `path` appended, if it has
/// one: the other benchmarks rewrite the file without measuring fleets again.
pub fn keep_section(path: &Path, markdown: String) -> String {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    match (old.find(BEGIN), old.find(END)) {
        // The fleet section and the sections other programs append after it
        // (events-bench's fleet section, the start-up section).
        (Some(b), Some(e)) if e > b => {
            format!(
                "{}\n{}\n",
                markdown.trim_end_matches('\n'),
                old[b..].trim_end_matches('\n')
            )
        }
        _ => markdown,
    }
}

/// Replaces the fleet section of the file at `path` (or appends it).
fn splice(path: &Path, section: &str) -> Result<(), String> {
    let old = std::fs::read_to_string(path).unwrap_or_default();
    let new = match (old.find(BEGIN), old.find(END)) {
        (Some(b), Some(e)) if e > b => {
            let end = e + END.len();
            let rest = old[end..].strip_prefix('\n').unwrap_or(&old[end..]);
            format!("{}{section}{rest}", &old[..b])
        }
        _ if old.is_empty() => section.to_string(),
        _ => format!(
            "{}\n{section}",
            old.trim_end_matches('\n').to_string() + "\n"
        ),
    };
    std::fs::write(path, new).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// Instances ready over time: one panel per fleet size, one step line per
/// strategy, the quota bound dashed.
pub fn plot(runs: &[FleetRun]) -> String {
    let mut sizes: Vec<usize> = runs.iter().map(|r| r.n).collect();
    sizes.dedup();
    let (pw, ph) = (300.0, 220.0);
    let (ml, mt, mb) = (50.0, 40.0, 40.0);
    let width = ml + sizes.len() as f64 * (pw + 40.0) + 20.0;
    let height = mt + ph + mb + 110.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0}" height="{height:.0}" viewBox="0 0 {width:.0} {height:.0}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="white"/><text x="{ml}" y="20" font-size="14">Instances ready over time, fleet started at once, under AWS's quotas (100 parameters + 10 secrets each)</text>"#
    );
    for (i, &n) in sizes.iter().enumerate() {
        let x0 = ml + i as f64 * (pw + 40.0);
        let y0 = mt;
        // The first start of each strategy (awsconf's others are in the table).
        let mut panel: Vec<&FleetRun> = runs.iter().filter(|r| r.n == n).collect();
        let mut seen = Vec::new();
        panel.retain(|r| {
            let first = !seen.contains(&r.strategy);
            seen.push(r.strategy);
            first
        });
        let t_max = panel
            .iter()
            .map(|r| r.wall.max(r.bound()).as_secs_f64())
            .fold(1.0, f64::max)
            * 1.05;
        let t_max = nice(t_max);
        let sx = |t: f64| x0 + t / t_max * pw;
        let sy = |k: f64| y0 + ph - k / n as f64 * ph;
        let _ = writeln!(
            svg,
            r##"<rect x="{x0}" y="{y0}" width="{pw}" height="{ph}" fill="none" stroke="#999"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-weight="bold">N = {n}</text>"##,
            x0 + pw / 2.0,
            y0 - 6.0
        );
        for k in 0..=4 {
            let t = t_max * k as f64 / 4.0;
            let _ = writeln!(
                svg,
                r##"<line x1="{x:.1}" y1="{yb:.1}" x2="{x:.1}" y2="{yt:.1}" stroke="#eee"/><text x="{x:.1}" y="{ty:.1}" text-anchor="middle">{t:.0} s</text>"##,
                x = sx(t),
                yb = y0 + ph,
                yt = y0,
                ty = y0 + ph + 14.0
            );
            let c = n as f64 * k as f64 / 4.0;
            let _ = writeln!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{c:.0}</text>"#,
                x0 - 4.0,
                sy(c) + 4.0
            );
        }
        if let Some(r) = panel.iter().find(|r| r.strategy == FleetStrategy::Awsconf) {
            let b = sx(r.bound().as_secs_f64());
            let _ = writeln!(
                svg,
                r##"<line x1="{b:.1}" y1="{:.1}" x2="{b:.1}" y2="{:.1}" stroke="#555" stroke-dasharray="4 3"/><text x="{:.1}" y="{:.1}" fill="#555">quota bound</text>"##,
                y0 + ph,
                y0,
                b + 3.0,
                y0 + 12.0
            );
        }
        if panel.iter().any(|r| r.strategy == FleetStrategy::Awsconf) {
            let deadline = awsconf::DEFAULT_TIMEOUT.as_secs_f64();
            let d = sx(deadline);
            if deadline < t_max {
                let _ = writeln!(
                    svg,
                    r##"<line x1="{d:.1}" y1="{:.1}" x2="{d:.1}" y2="{:.1}" stroke="#d73027" stroke-dasharray="2 2"/><text x="{:.1}" y="{:.1}" fill="#d73027">{deadline:.0} s default deadline</text>"##,
                    y0 + ph,
                    y0,
                    d + 3.0,
                    y0 + 26.0
                );
            }
        }
        for r in &panel {
            let mut points = vec![format!("{:.1},{:.1}", sx(0.0), sy(0.0))];
            for (k, t) in r.ready.iter().enumerate() {
                let x = sx(t.as_secs_f64());
                points.push(format!("{x:.1},{:.1}", sy(k as f64)));
                points.push(format!("{x:.1},{:.1}", sy(k as f64 + 1.0)));
            }
            points.push(format!("{:.1},{:.1}", sx(t_max), sy(r.ready.len() as f64)));
            let _ = writeln!(
                svg,
                r#"<polyline fill="none" stroke="{}" stroke-width="1.8" points="{}"/>"#,
                r.strategy.color(),
                points.join(" ")
            );
        }
        let _ = writeln!(
            svg,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">seconds since the start</text>"#,
            x0 + pw / 2.0,
            y0 + ph + 30.0
        );
    }
    let mut seen = Vec::new();
    let mut y = mt + ph + mb + 10.0;
    for r in runs {
        if seen.contains(&r.strategy) {
            continue;
        }
        seen.push(r.strategy);
        let _ = writeln!(
            svg,
            r#"<line x1="{ml}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="{}" stroke-width="3"/><text x="{:.1}" y="{:.1}">{}</text>"#,
            ml + 24.0,
            r.strategy.color(),
            ml + 30.0,
            y + 4.0,
            r.strategy.label()
        );
        y += 18.0;
    }
    let _ = writeln!(
        svg,
        r#"<text x="{ml}" y="{:.1}">y: instances whose config is loaded. Generated by scripts/bench.sh (bench/src/fleet.rs).</text>"#,
        y + 8.0
    );
    svg.push_str("</svg>\n");
    svg
}

/// `t` rounded up to 5, 10, 20, 30, 40, 60, 80, 100 ... seconds.
fn nice(t: f64) -> f64 {
    for step in [
        5.0, 10.0, 20.0, 30.0, 40.0, 60.0, 80.0, 100.0, 120.0, 160.0, 200.0,
    ] {
        if t <= step {
            return step;
        }
    }
    (t / 100.0).ceil() * 100.0
}
