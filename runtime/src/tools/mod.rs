//! Tools that read the static schema `#[derive(AwsConfig)]` emits, so each one is
//! exact for the user's struct:
//!
//! - [`check()`]: the declared schema against an environment (missing, unconvertible,
//!   undeclared, a secret stored as a plain `String`).
//! - [`explain()`]: every field's value (secrets redacted) and the layer that supplied it.
//! - [`template()`]: a local TOML file with every field, for offline development.
//! - [`push()`]: a local TOML file's values written into an environment.
//! - [`cost()`]: a monthly estimate from the fetch plan's calls per load;
//!   [`cost::events_comparison`]: polling against change events for a fleet.
//! - [`events_rule()`]: the EventBridge rules and SQS queue policy that feed a
//!   config's change events to its queue.
//!
//! The least-privilege IAM policy is [`crate::iam::policy`]. The `cli` feature
//! wraps all of them in subcommands for the user's own binary (`awsconf::cli`).

#[cfg(all(feature = "ssm", feature = "secretsmanager"))]
pub mod check;
pub mod cost;
pub mod events_rule;
pub mod explain;
#[cfg(all(feature = "ssm", feature = "secretsmanager"))]
pub mod prepare;
#[cfg(all(feature = "ssm", feature = "secretsmanager"))]
pub mod push;
pub mod template;

#[cfg(all(feature = "ssm", feature = "secretsmanager"))]
pub use check::{check, CheckReport, Finding, FindingKind, Severity};
pub use cost::{
    cost, events_comparison, fleet_load, CostEstimate, CostInputs, CostLine, EventsComparison,
    EventsCostInputs, FleetInputs, FleetLoad, QuotaShare,
};
pub use events_rule::{events_rule, QueueArn};
pub use explain::{explain, ExplainedField, Explanation};
#[cfg(all(feature = "ssm", feature = "secretsmanager"))]
pub use prepare::{prepare, prepare_check, Drift};
#[cfg(all(feature = "ssm", feature = "secretsmanager"))]
pub use push::{push, PushError, PushItem, PushOptions, PushReport, PushStatus};
pub use template::template;

use crate::schema::{Schema, Scope};
pub(crate) use crate::walk::{leaves, Home, Leaf};

/// The scope of a root config in `env`.
pub(crate) fn root_scope(schema: &Schema, env: &str) -> Scope {
    Scope::root(env, schema.app.unwrap_or_default())
}

pub(crate) use crate::table::table;
