//! A monthly cost estimate from the schema and the number of loads a month.
//!
//! The calls per load are the fetch plan's: ceil(N/10) `GetParameters` for N named
//! parameters, one `GetParametersByPath` page per 10 parameters of each map
//! component (at least one), ceil(M/20) `BatchGetSecretValue` for M unpinned
//! secrets plus one `GetSecretValue` per pinned secret, and one more round of
//! secret calls for the secrets of map entries.
//!
//! Prices (USD, per month, as AWS lists them for Parameter Store and Secrets
//! Manager): [`SECRET_PER_MONTH`], [`SECRETS_API_PER_10K`],
//! [`ADVANCED_PARAMETER_PER_MONTH`], [`HIGHER_THROUGHPUT_API_PER_10K`]. Standard
//! parameters and standard-throughput Parameter Store calls are free. Each API
//! request counts as one call, whatever it asks for. KMS requests for
//! customer-managed keys are not included.
//!
//! [`fleet_load`] puts a fleet's refresh calls against AWS's default quotas per
//! account and region ([`PARAMETER_STORE_GET_TPS`], [`DESCRIBE_SECRET_TPS`],
//! [`GET_SECRET_VALUE_TPS`], [`BATCH_GET_SECRET_VALUE_TPS`]).

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use super::{root_scope, table};
use crate::plan::{self, Plan, Targets, BATCH_SECRETS_MAX, BY_PATH_MAX_RESULTS};
use crate::schema::{Kind, Scope};
use crate::walk::{Home, Leaf, Visit};
use crate::{AwsConfig, Root};

/// Secrets Manager: per secret per month.
pub const SECRET_PER_MONTH: f64 = 0.40;
/// Secrets Manager: per 10,000 API calls.
pub const SECRETS_API_PER_10K: f64 = 0.05;
/// Parameter Store: per advanced parameter per month (standard ones are free).
pub const ADVANCED_PARAMETER_PER_MONTH: f64 = 0.05;
/// Parameter Store: per 10,000 API calls with higher throughput on (standard
/// throughput is free).
pub const HIGHER_THROUGHPUT_API_PER_10K: f64 = 0.05;

/// What the estimate assumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CostInputs {
    /// Loads a month, over every instance: each start, and each `Live` refresh.
    pub loads_per_month: u64,
    /// Entries in each map component (tenants, ...).
    pub map_entries: u64,
    /// Every parameter is an advanced parameter.
    pub advanced_parameters: bool,
    /// Parameter Store's higher throughput is on for the account and region.
    pub higher_throughput: bool,
}

impl Default for CostInputs {
    /// One load a minute for 30 days, one entry per map, standard parameters and
    /// throughput.
    fn default() -> Self {
        CostInputs {
            loads_per_month: 43_200,
            map_entries: 1,
            advanced_parameters: false,
            higher_throughput: false,
        }
    }
}

/// One line of the estimate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostLine {
    /// What is charged.
    pub item: String,
    /// How many units.
    pub quantity: u64,
    /// USD per unit.
    pub unit_price: f64,
    /// USD a month.
    pub monthly: f64,
}

/// The result of [`cost`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CostEstimate {
    /// The config type.
    pub config: &'static str,
    /// The assumptions.
    pub inputs: CostInputs,
    /// Map components in the config, outside map entries (each holds
    /// `inputs.map_entries` entries).
    pub maps: u64,
    /// Parameters the config reads (map entries counted `map_entries` times).
    pub parameters: u64,
    /// Distinct secrets the config reads.
    pub secrets: u64,
    /// Parameter Store calls per load.
    pub parameter_store_calls_per_load: u64,
    /// Secrets Manager calls per load.
    pub secrets_manager_calls_per_load: u64,
    /// The charged items.
    pub lines: Vec<CostLine>,
    /// USD a month.
    pub total_monthly: f64,
}

impl CostEstimate {
    /// The estimate as plain text: what it assumes, then one line per item.
    pub fn to_table(&self) -> String {
        // The map assumption only where there is a map to apply it to.
        let per_map = if self.maps == 0 {
            String::new()
        } else {
            let n = self.inputs.map_entries;
            format!(", {n} entr{} per map", if n == 1 { "y" } else { "ies" })
        };
        // Say where the default's number comes from.
        let assumed = if self.inputs.loads_per_month == CostInputs::default().loads_per_month {
            " (the default: one a minute for 30 days)"
        } else {
            ""
        };
        let mut out = format!(
            "cost of {}: {} loads a month{assumed}{per_map}; {} parameters ({}), {} secret{}\n\
             per load: {} Parameter Store call{}, {} Secrets Manager call{}\n",
            self.config,
            self.inputs.loads_per_month,
            self.parameters,
            if self.inputs.advanced_parameters {
                "advanced"
            } else {
                "standard"
            },
            self.secrets,
            plural(self.secrets),
            self.parameter_store_calls_per_load,
            plural(self.parameter_store_calls_per_load),
            self.secrets_manager_calls_per_load,
            plural(self.secrets_manager_calls_per_load),
        );
        let mut rows: Vec<Vec<String>> = self
            .lines
            .iter()
            .map(|l| {
                vec![
                    l.item.clone(),
                    l.quantity.to_string(),
                    if l.unit_price < 0.01 {
                        format!("${:.2} per 10,000", l.unit_price * 10_000.0)
                    } else {
                        format!("${:.2}", l.unit_price)
                    },
                    format!("${:.2}", l.monthly),
                ]
            })
            .collect();
        rows.push(vec![
            "total".into(),
            String::new(),
            String::new(),
            format!("${:.2}", self.total_monthly),
        ]);
        out.push_str(&table(
            &["item", "quantity", "unit price", "per month"],
            &rows,
        ));
        out
    }
}

/// What the entries of map components hold, counted over the schema with each
/// map's entries multiplied in (saturating), never enumerated: a visitor of the
/// one walk ([`crate::walk::visit`]) that walks one entry of each map and
/// counts it `map_entries` times.
struct EntryCount {
    /// Entries in each map.
    map_entries: u64,
    /// How many times each struct being walked occurs (the innermost last).
    times: Vec<u64>,
    /// The count of the struct the next `enter` opens.
    next: Option<u64>,
    /// Parameters under map prefixes.
    params: u64,
    /// Secrets whose id has `{key}`: one per entry.
    keyed_unpinned: u64,
    keyed_pinned: u64,
    /// Secret ids without `{key}`: the same secret for every entry.
    shared_unpinned: BTreeSet<String>,
    shared_pinned: BTreeSet<String>,
}

impl EntryCount {
    fn times(&self) -> u64 {
        self.times.last().copied().unwrap_or(0)
    }
}

impl Visit for EntryCount {
    fn enter(&mut self, _schema: &'static crate::schema::Schema, _scope: &Scope) {
        let times = self.next.take().unwrap_or_else(|| self.times());
        self.times.push(times);
    }

    fn leaf(&mut self, leaf: Leaf) {
        let times = self.times();
        match (&leaf.field.kind, leaf.home) {
            (Kind::Secret(s), Home::Secret { id }) => {
                let pinned = s.stage.is_some() || s.version_id.is_some();
                // A default id (no template) holds the entry's path.
                if s.id.is_none_or(|template| template.contains("{key}")) {
                    let n = if pinned {
                        &mut self.keyed_pinned
                    } else {
                        &mut self.keyed_unpinned
                    };
                    *n = n.saturating_add(times);
                } else if pinned {
                    self.shared_pinned.insert(id);
                } else {
                    self.shared_unpinned.insert(id);
                }
            }
            _ => self.params = self.params.saturating_add(times),
        }
    }

    fn map(&mut self, _scope: &Scope, _field: &'static crate::schema::Field) -> Vec<String> {
        self.next = Some(self.times().saturating_mul(self.map_entries));
        vec![WILDCARD.to_string()]
    }

    fn leave(&mut self) {
        self.times.pop();
    }
}

/// The one entry of each map that stands for all of them.
const WILDCARD: &str = "*";

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// What one load of a config calls, counted from the fetch plan.
struct LoadCalls {
    /// Map components outside map entries.
    maps: u64,
    /// Parameters read (map entries counted `map_entries` times).
    parameters: u64,
    /// Distinct secrets read.
    secrets: u64,
    /// `GetParameters` calls and `GetParametersByPath` pages.
    parameter_store: u64,
    /// `BatchGetSecretValue` calls.
    batch_get_secret_value: u64,
    /// `GetSecretValue` calls (pinned secrets).
    get_secret_value: u64,
}

/// Counts what one load of `T` calls, with `map_entries` entries in each map.
fn load_calls<T: AwsConfig + Root>(map_entries: u64) -> LoadCalls {
    let schema = T::schema();
    // Names and ids do not depend on the env; any valid one will do.
    let scope = root_scope(schema, "env");

    // Phase one, as the loader plans it.
    let mut targets = Targets::default();
    plan::walk(schema, &scope, None, &mut targets);
    let plan = Plan::from_targets(&targets);

    // Map entries are counted, never made up one by one: `--map-entries` may be
    // in the millions, and a map may hold maps.
    let mut entries = EntryCount {
        map_entries,
        times: Vec::new(),
        next: None,
        params: 0,
        keyed_unpinned: 0,
        keyed_pinned: 0,
        shared_unpinned: BTreeSet::new(),
        shared_pinned: BTreeSet::new(),
    };
    let mut pages = 0u64;
    for map in &targets.maps {
        let Kind::Map(element) = &map.field.kind else {
            continue;
        };
        let before = entries.params;
        entries.next = Some(map_entries);
        let entry = map.scope.entry(map.field, WILDCARD);
        crate::walk::visit(element(), &entry, &mut entries);
        let under = entries.params - before;
        pages = pages.saturating_add(under.div_ceil(BY_PATH_MAX_RESULTS as u64).max(1));
    }
    let named: BTreeSet<&str> = targets.params.iter().map(|p| p.name.as_str()).collect();
    let parameters = (named.len() as u64).saturating_add(entries.params);

    // Secrets of map entries: a second round of batches, as the loader does it.
    // An id with `{key}` is one secret per entry; one without is shared.
    let static_ids: BTreeSet<&str> = targets
        .secrets
        .iter()
        .map(|s| s.secret.id.as_str())
        .collect();
    let shared_new = entries
        .shared_unpinned
        .iter()
        .chain(&entries.shared_pinned)
        .filter(|t| !static_ids.contains(t.as_str()))
        .collect::<BTreeSet<_>>()
        .len() as u64;
    let secrets = (static_ids.len() as u64)
        .saturating_add(shared_new)
        .saturating_add(entries.keyed_unpinned)
        .saturating_add(entries.keyed_pinned);
    let entry_unpinned =
        (entries.shared_unpinned.len() as u64).saturating_add(entries.keyed_unpinned);
    let entry_pinned = (entries.shared_pinned.len() as u64).saturating_add(entries.keyed_pinned);

    LoadCalls {
        maps: targets.maps.len() as u64,
        parameters,
        secrets,
        parameter_store: (plan.count("GetParameters") as u64).saturating_add(pages),
        batch_get_secret_value: (plan.count("BatchGetSecretValue") as u64)
            .saturating_add(entry_unpinned.div_ceil(BATCH_SECRETS_MAX as u64)),
        get_secret_value: (plan.count("GetSecretValue") as u64).saturating_add(entry_pinned),
    }
}

/// Estimates what loading `T` costs a month.
pub fn cost<T: AwsConfig + Root>(inputs: &CostInputs) -> CostEstimate {
    let calls = load_calls::<T>(inputs.map_entries);
    let parameter_count = calls.parameters;
    let secrets = calls.secrets;
    let ssm_calls = calls.parameter_store;
    let sm_calls = calls
        .batch_get_secret_value
        .saturating_add(calls.get_secret_value);

    let mut lines = Vec::new();
    if secrets > 0 {
        lines.push(CostLine {
            item: "Secrets Manager secrets".into(),
            quantity: secrets,
            unit_price: SECRET_PER_MONTH,
            monthly: secrets as f64 * SECRET_PER_MONTH,
        });
    }
    let sm_monthly_calls = sm_calls.saturating_mul(inputs.loads_per_month);
    if sm_monthly_calls > 0 {
        lines.push(CostLine {
            item: "Secrets Manager API calls".into(),
            quantity: sm_monthly_calls,
            unit_price: SECRETS_API_PER_10K / 10_000.0,
            monthly: sm_monthly_calls as f64 / 10_000.0 * SECRETS_API_PER_10K,
        });
    }
    if inputs.advanced_parameters && parameter_count > 0 {
        lines.push(CostLine {
            item: "advanced parameters".into(),
            quantity: parameter_count,
            unit_price: ADVANCED_PARAMETER_PER_MONTH,
            monthly: parameter_count as f64 * ADVANCED_PARAMETER_PER_MONTH,
        });
    }
    let ssm_monthly_calls = ssm_calls.saturating_mul(inputs.loads_per_month);
    if inputs.higher_throughput && ssm_monthly_calls > 0 {
        lines.push(CostLine {
            item: "Parameter Store API calls (higher throughput)".into(),
            quantity: ssm_monthly_calls,
            unit_price: HIGHER_THROUGHPUT_API_PER_10K / 10_000.0,
            monthly: ssm_monthly_calls as f64 / 10_000.0 * HIGHER_THROUGHPUT_API_PER_10K,
        });
    }
    let total_monthly = lines.iter().map(|l| l.monthly).sum();
    CostEstimate {
        config: T::schema().type_name,
        inputs: *inputs,
        maps: calls.maps,
        parameters: parameter_count,
        secrets,
        parameter_store_calls_per_load: ssm_calls,
        secrets_manager_calls_per_load: sm_calls,
        lines,
        total_monthly,
    }
}

/// SQS: USD per million requests (standard queue; the first million requests a
/// month of each account are free, not subtracted here). A `ReceiveMessage`
/// that waits 20 s and returns nothing is one request.
pub const SQS_PER_MILLION: f64 = 0.40;
/// The month of the estimates: 30 days.
pub const MONTH_SECONDS: u64 = 30 * 86_400;

/// What [`events_comparison`] assumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct EventsCostInputs {
    /// Instances of the service, each with its own `Live`.
    pub instances: u64,
    /// Polling: a refresh every this many minutes.
    pub poll_every_minutes: u64,
    /// With change events: the safety-net interval, in minutes.
    pub events_interval_minutes: u64,
    /// Changes a month to what the config reads (each makes every instance refresh once).
    pub changes_per_month: u64,
    /// Seconds each `ReceiveMessage` waits (20 by default, the most).
    pub wait_seconds: u64,
    /// Parameter Store's higher throughput is on (its calls are charged).
    pub higher_throughput: bool,
}

impl Default for EventsCostInputs {
    /// One instance; polling every 5 minutes against events with a 1 h interval;
    /// 100 changes a month; 20 s waits.
    fn default() -> Self {
        EventsCostInputs {
            instances: 1,
            poll_every_minutes: 5,
            events_interval_minutes: 60,
            changes_per_month: 100,
            wait_seconds: 20,
            higher_throughput: false,
        }
    }
}

/// One way of keeping a fleet's config current, a month of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefreshMode {
    /// `polling every 5 min`, `events, 60 min interval`.
    pub mode: String,
    /// Refreshes a month of one instance.
    pub refreshes_per_instance: u64,
    /// Parameter Store calls a month, whole fleet.
    pub parameter_store_calls: u64,
    /// Secrets Manager calls a month (`DescribeSecret` per secret per refresh), whole fleet.
    pub secrets_manager_calls: u64,
    /// SQS requests a month (`ReceiveMessage`, `DeleteMessageBatch`), whole fleet.
    pub sqs_requests: u64,
    /// Parameter Store calls per second on average, whole fleet: the share of
    /// the account's 40 TPS (default throughput, [`PARAMETER_STORE_GET_TPS`])
    /// the refreshes take.
    pub parameter_store_tps: f64,
    /// USD a month for these calls and requests.
    pub monthly: f64,
}

/// The result of [`events_comparison`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventsComparison {
    /// The config type.
    pub config: &'static str,
    /// The assumptions.
    pub inputs: EventsCostInputs,
    /// Parameter Store calls of one refresh.
    pub parameter_store_calls_per_refresh: u64,
    /// Secrets Manager calls of one refresh (one `DescribeSecret` per secret;
    /// a changed secret's value read is not counted).
    pub secrets_manager_calls_per_refresh: u64,
    /// Polling.
    pub polling: RefreshMode,
    /// Change events.
    pub events: RefreshMode,
}

impl EventsComparison {
    /// The comparison as plain text.
    pub fn to_table(&self) -> String {
        let i = &self.inputs;
        let mut out = format!(
            "refreshing {} for {} instance{}, {} change{} a month\n\
             per refresh: {} Parameter Store call{}, {} Secrets Manager call{}\n",
            self.config,
            i.instances,
            plural(i.instances),
            i.changes_per_month,
            plural(i.changes_per_month),
            self.parameter_store_calls_per_refresh,
            plural(self.parameter_store_calls_per_refresh),
            self.secrets_manager_calls_per_refresh,
            plural(self.secrets_manager_calls_per_refresh),
        );
        let rows: Vec<Vec<String>> = [&self.polling, &self.events]
            .iter()
            .map(|m| {
                vec![
                    m.mode.clone(),
                    m.refreshes_per_instance.to_string(),
                    m.parameter_store_calls.to_string(),
                    m.secrets_manager_calls.to_string(),
                    m.sqs_requests.to_string(),
                    format!("{:.3}", m.parameter_store_tps),
                    format!("${:.2}", m.monthly),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "mode",
                "refreshes/instance",
                "Parameter Store calls",
                "Secrets Manager calls",
                "SQS requests",
                "Parameter Store TPS",
                "per month",
            ],
            &rows,
        ));
        out
    }
}

/// Compares refreshing `T` by polling with refreshing on change events, for a
/// fleet, a 30-day month. A refresh makes the fetch plan's Parameter Store
/// calls and one `DescribeSecret` per secret. With events, each instance
/// refreshes on its interval and once per change, and long-polls its queue:
/// one `ReceiveMessage` per wait when nothing happens, and a receive, a delete
/// and a draining receive per change.
pub fn events_comparison<T: AwsConfig + Root>(inputs: &EventsCostInputs) -> EventsComparison {
    let base = cost::<T>(&CostInputs {
        loads_per_month: 1,
        map_entries: 1,
        advanced_parameters: false,
        higher_throughput: inputs.higher_throughput,
    });
    let ps_per_refresh = base.parameter_store_calls_per_load;
    let sm_per_refresh = base.secrets;
    let minutes_per_month = MONTH_SECONDS / 60;
    let mode = |name: String, refreshes: u64, sqs_per_instance: u64| {
        let fleet_refreshes = refreshes.saturating_mul(inputs.instances);
        let ps = ps_per_refresh.saturating_mul(fleet_refreshes);
        let sm = sm_per_refresh.saturating_mul(fleet_refreshes);
        let sqs = sqs_per_instance.saturating_mul(inputs.instances);
        let mut monthly =
            sm as f64 / 10_000.0 * SECRETS_API_PER_10K + sqs as f64 / 1e6 * SQS_PER_MILLION;
        if inputs.higher_throughput {
            monthly += ps as f64 / 10_000.0 * HIGHER_THROUGHPUT_API_PER_10K;
        }
        RefreshMode {
            mode: name,
            refreshes_per_instance: refreshes,
            parameter_store_calls: ps,
            secrets_manager_calls: sm,
            sqs_requests: sqs,
            parameter_store_tps: ps as f64 / MONTH_SECONDS as f64,
            monthly,
        }
    };
    let poll = inputs.poll_every_minutes.max(1);
    let interval = inputs.events_interval_minutes.max(1);
    let polling = mode(
        format!("polling every {poll} min"),
        minutes_per_month / poll,
        0,
    );
    let receives = MONTH_SECONDS / inputs.wait_seconds.clamp(1, 20);
    let events = mode(
        format!("events, {interval} min interval"),
        (minutes_per_month / interval).saturating_add(inputs.changes_per_month),
        receives.saturating_add(inputs.changes_per_month.saturating_mul(3)),
    );
    EventsComparison {
        config: base.config,
        inputs: *inputs,
        parameter_store_calls_per_refresh: ps_per_refresh,
        secrets_manager_calls_per_refresh: sm_per_refresh,
        polling,
        events,
    }
}

pub use crate::quota::{
    BATCH_GET_SECRET_VALUE_TPS, DESCRIBE_SECRET_TPS, GET_SECRET_VALUE_TPS, PARAMETER_STORE_GET_TPS,
};
/// [`fleet_load`] warns when a fleet's refreshes take more than this share of
/// a quota: what is left must carry every start, deploy and other client of
/// the account.
pub const QUOTA_SHARE_WARNING: f64 = 0.25;

/// What [`fleet_load`] assumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct FleetInputs {
    /// Instances of the service, each with its own `Live`.
    pub instances: u64,
    /// Each `Live` refreshes every this many minutes (its `watch` interval).
    pub refresh_every_minutes: u64,
    /// Entries in each map component.
    pub map_entries: u64,
}

impl Default for FleetInputs {
    /// One instance refreshing every 5 minutes, one entry per map.
    fn default() -> Self {
        FleetInputs {
            instances: 1,
            refresh_every_minutes: EventsCostInputs::default().poll_every_minutes,
            map_entries: 1,
        }
    }
}

/// A fleet's calls against one of AWS's per-account quotas.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuotaShare {
    /// The quota: `Parameter Store reads` (`GetParameter`, `GetParameters`,
    /// `GetParametersByPath`), `DescribeSecret`, `GetSecretValue`,
    /// `BatchGetSecretValue`.
    pub quota: &'static str,
    /// AWS's default quota, calls per second per account and region.
    pub quota_tps: f64,
    /// Calls of one refresh of one instance.
    pub calls_per_refresh: u64,
    /// The fleet's refresh calls per second, on average.
    pub refresh_tps: f64,
    /// `refresh_tps / quota_tps`: 0.25 is a quarter of the quota.
    pub share: f64,
    /// Calls of the whole fleet's loads when it starts at once.
    pub start_calls: u64,
    /// Seconds the quota needs to let those calls through: `(calls - burst) /
    /// rate`, with one second of burst, as AWS's token buckets hold; 0 when
    /// they fit in the burst.
    pub start_seconds: f64,
}

/// The result of [`fleet_load`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FleetLoad {
    /// The config type.
    pub config: &'static str,
    /// The assumptions.
    pub inputs: FleetInputs,
    /// One line per quota a refresh or a load calls.
    pub quotas: Vec<QuotaShare>,
    /// One warning per quota whose share is above [`QUOTA_SHARE_WARNING`].
    pub warnings: Vec<String>,
    /// The longest of the quotas' `start_seconds`, rounded up to whole
    /// seconds: the least time the whole fleet's start takes however it is
    /// paced, and so the [`Loader::start_jitter`](crate::Loader::start_jitter)
    /// that spreads the instances' starts over that time (0 when the start fits
    /// in the quotas' burst; at most
    /// [`MAX_START_JITTER`](crate::MAX_START_JITTER)). Spread so, a fleet's
    /// first calls no longer arrive together and AWS throttles far fewer of
    /// them (at 200 instances of 100 parameters, 971-1,805 calls against
    /// 3,889-4,065 without and 2,019-2,036 with
    /// [`Pacing::Fleet`](crate::Pacing::Fleet); BENCHMARKS.md, "Fleet start
    /// under AWS's quotas"), but every instance waits, even one that starts
    /// alone.
    pub start_jitter_seconds: u64,
}

impl FleetLoad {
    /// The load as plain text (the warnings are not part of it).
    pub fn to_table(&self) -> String {
        let i = &self.inputs;
        let mut out = format!(
            "{} instance{} of {}, each with a Live refreshing every {} min, against AWS's default quotas per account and region\n",
            i.instances,
            plural(i.instances),
            self.config,
            i.refresh_every_minutes.max(1),
        );
        let rows: Vec<Vec<String>> = self
            .quotas
            .iter()
            .map(|q| {
                vec![
                    q.quota.to_string(),
                    format!("{}", q.quota_tps),
                    q.calls_per_refresh.to_string(),
                    format!("{:.3}", q.refresh_tps),
                    format!("{:.1}%", q.share * 100.0),
                    q.start_calls.to_string(),
                    format!("{:.1}", q.start_seconds),
                ]
            })
            .collect();
        out.push_str(&table(
            &[
                "quota",
                "TPS",
                "calls/refresh",
                "refresh TPS (fleet)",
                "share",
                "start: calls",
                "start: seconds",
            ],
            &rows,
        ));
        if self.start_jitter_seconds > 0 {
            let start = longest_start(&self.quotas).ceil();
            let spread = self.start_jitter_seconds;
            let over = if (spread as f64) < start {
                format!("its first {spread} s (start_jitter's most)")
            } else {
                "that time".to_string()
            };
            let _ = writeln!(
                out,
                "A start of all {n} at once takes the quotas {start:.0} s however it is paced: \
                 .pacing(Pacing::Fleet({n})) paces each instance AWS throttles at its share of the quota \
                 (an instance alone still loads in one round trip), and \
                 .start_jitter(Duration::from_secs({spread})) spreads the starts over {over}, \
                 so AWS throttles fewer of their calls still",
                n = i.instances,
            );
        }
        out
    }
}

/// The longest of `quotas`' `start_seconds` (0 for none).
fn longest_start(quotas: &[QuotaShare]) -> f64 {
    quotas.iter().map(|q| q.start_seconds).fold(0.0, f64::max)
}

/// A fleet of `T`, each instance with a `Live` refreshing on an interval,
/// against AWS's default read quotas: the fleet's refresh calls per second on
/// average as a share of each quota, and what the whole fleet starting at once
/// asks of it. A refresh makes the fetch plan's Parameter Store calls and one
/// `DescribeSecret` per secret; it reads a secret's value only when it
/// changed, which is not counted. A load reads secrets with
/// `BatchGetSecretValue` (and `GetSecretValue` for pinned ones); under
/// `SecretReads::Auto` a throttled fleet moves to `GetSecretValue`.
pub fn fleet_load<T: AwsConfig + Root>(inputs: &FleetInputs) -> FleetLoad {
    let calls = load_calls::<T>(inputs.map_entries);
    let every_seconds = inputs.refresh_every_minutes.max(1).saturating_mul(60) as f64;
    let n = inputs.instances;
    let line = |quota: &'static str, quota_tps: f64, per_refresh: u64, per_load: u64| {
        let refresh_tps = n as f64 * per_refresh as f64 / every_seconds;
        let start_calls = per_load.saturating_mul(n);
        QuotaShare {
            quota,
            quota_tps,
            calls_per_refresh: per_refresh,
            refresh_tps,
            share: refresh_tps / quota_tps,
            start_calls,
            start_seconds: ((start_calls as f64 - quota_tps) / quota_tps).max(0.0),
        }
    };
    let quotas = vec![
        line(
            "Parameter Store reads",
            PARAMETER_STORE_GET_TPS,
            calls.parameter_store,
            calls.parameter_store,
        ),
        line("DescribeSecret", DESCRIBE_SECRET_TPS, calls.secrets, 0),
        line(
            "GetSecretValue",
            GET_SECRET_VALUE_TPS,
            0,
            calls.get_secret_value,
        ),
        line(
            "BatchGetSecretValue",
            BATCH_GET_SECRET_VALUE_TPS,
            0,
            calls.batch_get_secret_value,
        ),
    ];
    let warnings = quotas
        .iter()
        .filter(|q| q.share > QUOTA_SHARE_WARNING)
        .map(|q| {
            format!(
                "the fleet's refreshes take {:.1}% of the {} quota ({} calls per second per account and region), more than {:.0}%: starts, deploys and other clients of the account will be throttled; refresh less often (--poll-every), refresh on change events (cost --events), or raise the quota",
                q.share * 100.0,
                q.quota,
                q.quota_tps,
                QUOTA_SHARE_WARNING * 100.0,
            )
        })
        .collect();
    let start = longest_start(&quotas);
    FleetLoad {
        config: T::schema().type_name,
        inputs: *inputs,
        quotas,
        warnings,
        // `as` saturates: an absurd fleet's seconds are not a panic.
        start_jitter_seconds: (start.ceil() as u64).min(crate::MAX_START_JITTER.as_secs()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Derived inside the runtime crate through `crate = "crate"`.
    #[derive(crate::AwsConfig)]
    #[aws_config(app = "flat", crate = "crate")]
    #[allow(dead_code)]
    struct Flat {
        port: u16,
    }

    #[test]
    fn a_config_without_maps_states_no_map_assumption() {
        let estimate = cost::<Flat>(&CostInputs::default());
        assert_eq!(estimate.maps, 0);
        let table = estimate.to_table();
        assert!(
            table.starts_with(
                "cost of Flat: 43200 loads a month (the default: one a minute for 30 days); 1 parameters (standard), 0 secrets\n"
            ),
            "{table}"
        );
        assert!(!table.contains("per map"), "{table}");
    }
}
