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

use std::collections::BTreeSet;

use serde::Serialize;

use super::{leaves, root_scope, table, Home, Leaf};
use crate::plan::{self, Plan, Targets, BATCH_SECRETS_MAX, BY_PATH_MAX_RESULTS};
use crate::schema::{Field, Kind, Scope};
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
        let mut out = format!(
            "cost of {}: {} loads a month{per_map}; {} parameters ({}), {} secret{}\n\
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

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Estimates what loading `T` costs a month.
pub fn cost<T: AwsConfig + Root>(inputs: &CostInputs) -> CostEstimate {
    let schema = T::schema();
    // Names and ids do not depend on the env; any valid one will do.
    let scope = root_scope(schema, "env");

    // Phase one, as the loader plans it.
    let mut targets = Targets::default();
    plan::walk(schema, &scope, None, &mut targets);
    let plan = Plan::from_targets(&targets);

    // Map entries: `map_entries` made-up keys each.
    let keys: Vec<String> = (0..inputs.map_entries)
        .map(|i| format!("entry-{i}"))
        .collect();
    let mut all: Vec<Leaf> = Vec::new();
    let mut entries = |_: &Scope, _: &'static Field| keys.clone();
    leaves(schema, &scope, false, &mut entries, &mut all);

    let mut pages = 0u64;
    for map in &targets.maps {
        let under = format!("{}/", map.prefix);
        let n = all
            .iter()
            .filter(|l| matches!(&l.home, Home::Param { name } if name.starts_with(&under)))
            .count() as u64;
        pages += n.div_ceil(BY_PATH_MAX_RESULTS as u64).max(1);
    }
    let parameters: BTreeSet<&str> = all
        .iter()
        .filter_map(|l| match &l.home {
            Home::Param { name } => Some(name.as_str()),
            Home::Secret { .. } => None,
        })
        .collect();

    // Secrets of map entries: a second round of batches, as the loader does it.
    let mut entry_unpinned = BTreeSet::new();
    let mut entry_pinned = BTreeSet::new();
    let mut secret_ids: BTreeSet<&str> = targets
        .secrets
        .iter()
        .map(|s| s.secret.id.as_str())
        .collect();
    for leaf in all.iter().filter(|l| l.in_map) {
        if let (Home::Secret { id }, Kind::Secret(s)) = (&leaf.home, &leaf.field.kind) {
            secret_ids.insert(id);
            if s.stage.is_some() || s.version_id.is_some() {
                entry_pinned.insert((id.as_str(), s.stage, s.version_id));
            } else {
                entry_unpinned.insert(id.as_str());
            }
        }
    }
    let entry_calls = (entry_unpinned.len() as u64).div_ceil(BATCH_SECRETS_MAX as u64)
        + entry_pinned.len() as u64;

    let ssm_calls = plan.count("GetParameters") as u64 + pages;
    let sm_calls =
        (plan.count("BatchGetSecretValue") + plan.count("GetSecretValue")) as u64 + entry_calls;

    let mut lines = Vec::new();
    let secrets = secret_ids.len() as u64;
    if secrets > 0 {
        lines.push(CostLine {
            item: "Secrets Manager secrets".into(),
            quantity: secrets,
            unit_price: SECRET_PER_MONTH,
            monthly: secrets as f64 * SECRET_PER_MONTH,
        });
    }
    let sm_monthly_calls = sm_calls * inputs.loads_per_month;
    if sm_monthly_calls > 0 {
        lines.push(CostLine {
            item: "Secrets Manager API calls".into(),
            quantity: sm_monthly_calls,
            unit_price: SECRETS_API_PER_10K / 10_000.0,
            monthly: sm_monthly_calls as f64 / 10_000.0 * SECRETS_API_PER_10K,
        });
    }
    let parameter_count = parameters.len() as u64;
    if inputs.advanced_parameters && parameter_count > 0 {
        lines.push(CostLine {
            item: "advanced parameters".into(),
            quantity: parameter_count,
            unit_price: ADVANCED_PARAMETER_PER_MONTH,
            monthly: parameter_count as f64 * ADVANCED_PARAMETER_PER_MONTH,
        });
    }
    let ssm_monthly_calls = ssm_calls * inputs.loads_per_month;
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
        config: schema.type_name,
        inputs: *inputs,
        maps: targets.maps.len() as u64,
        parameters: parameter_count,
        secrets,
        parameter_store_calls_per_load: ssm_calls,
        secrets_manager_calls_per_load: sm_calls,
        lines,
        total_monthly,
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
                "cost of Flat: 43200 loads a month; 1 parameters (standard), 0 secrets\n"
            ),
            "{table}"
        );
        assert!(!table.contains("per map"), "{table}");
    }
}
