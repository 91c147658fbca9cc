//! Entry points for the fuzz targets under `fuzz/` (and this crate's unit
//! tests): thin wrappers over internals the public API does not reach. Built only
//! with `cfg(test)` or `cfg(fuzzing)` (which `cargo fuzz` sets); not part of the
//! public API.

use std::collections::BTreeSet;

use crate::schema::Scope;
use crate::Root;

/// What one change-event body did to a config's watcher.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EventOutcome {
    /// The body was dropped as malformed.
    pub malformed: bool,
    /// The parameter name (or ARN) the event is about, if it is about one.
    pub parameter: Option<String>,
    /// The secret id the event is about, if it is about one.
    pub secret: Option<String>,
    /// The watcher would refresh.
    pub dirty: bool,
    /// The parameter names the refresh would re-read.
    pub changed: Vec<String>,
}

/// Parses one SQS message body (`events::parse`) and handles it as the watcher
/// of `T` in `env` does (`events::handle`).
#[cfg(feature = "events")]
pub fn event<T: Root>(env: &str, body: &str) -> EventOutcome {
    use crate::events::{handle, parse, Change, Watched};
    let schema = T::schema();
    let watched = Watched::of(schema, &Scope::root(env, schema.app.unwrap_or_default()));
    let handled = handle(std::iter::once(Some(body)), &watched, "fuzz");
    let mut out = EventOutcome {
        malformed: handled.malformed > 0,
        dirty: handled.dirty,
        changed: handled.changed.into_iter().collect(),
        ..EventOutcome::default()
    };
    match parse(body) {
        Ok(Change::Parameter(name)) => out.parameter = Some(name),
        Ok(Change::Secret(id)) => out.secret = Some(id),
        _ => {}
    }
    out
}

/// Every name and secret id a load of `T` in `env` would ask AWS for, with map
/// entries taken from `found` (the names a `GetParametersByPath` returned), each
/// with the loader's verdict: `Err` is the reason no call is made for it.
#[derive(Debug, Default, Clone)]
pub struct Names {
    /// Parameter names.
    pub params: Vec<(String, Result<(), String>)>,
    /// Map paths.
    pub maps: Vec<(String, Result<(), String>)>,
    /// Secret ids, after `{env}`, `{app}` and `{key}` expanded.
    pub secrets: Vec<(String, Result<(), String>)>,
}

/// The names of a load of `T` in `env`, map entries from `found`.
pub fn names<T: Root>(env: &str, found: &BTreeSet<String>) -> Names {
    let schema = T::schema();
    let scope = Scope::root(env, schema.app.unwrap_or_default());
    let mut out = Names::default();
    let mut targets = crate::plan::Targets::default();
    crate::plan::walk(schema, &scope, None, &mut targets);
    out.maps = targets
        .maps
        .iter()
        .map(|m| (m.prefix.clone(), crate::limits::ssm_name(&m.prefix)))
        .collect();
    let mut targets = crate::plan::Targets::default();
    crate::plan::walk(schema, &scope, Some(found), &mut targets);
    out.params = targets
        .params
        .iter()
        .map(|p| (p.name.clone(), crate::limits::ssm_name(&p.name)))
        .collect();
    out.secrets = targets
        .secrets
        .iter()
        .map(|s| (s.secret.id.clone(), crate::limits::secret_id(&s.secret.id)))
        .collect();
    out
}

/// The checks `push` makes before any AWS call, on `toml` for `T` in `env`:
/// `Ok` with one `(target, kind or status, value bytes)` per parameter, secret
/// and skipped field it would write, or the refusal.
#[cfg(all(feature = "tools", feature = "ssm", feature = "secretsmanager"))]
pub async fn push_dry_run<T: Root>(
    env: &str,
    toml: &str,
) -> Result<Vec<(String, String, usize)>, crate::tools::PushError> {
    crate::tools::push::prepare::<T>(env, toml, "fuzz.toml", false)
        .await
        .map(|p| p.summary())
}
