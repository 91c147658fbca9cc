//! The fetch plan: which names and secret ids a config needs, and how they are
//! grouped into calls. Computed from the static schema; map components add their
//! entries once their prefix has been read.

use std::collections::{BTreeMap, BTreeSet};

use crate::schema::{Field, Kind, Schema, Scope};
use crate::walk::{leaves, Home};

/// AWS's limit of names per `GetParameters` call.
pub const GET_PARAMETERS_MAX: usize = 10;
/// AWS's limit of ids per `BatchGetSecretValue` call.
pub const BATCH_SECRETS_MAX: usize = 20;
/// AWS's limit of `MaxResults` for `GetParametersByPath`.
pub const BY_PATH_MAX_RESULTS: i32 = 10;

/// One AWS call of a load, as planned.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PlannedCall {
    /// `GetParameters` with at most 10 names (with `:version` / `:label` selectors).
    GetParameters {
        /// The names asked for.
        names: Vec<String>,
    },
    /// A `GetParametersByPath` page chain (recursive, 10 a page) under a map component.
    GetParametersByPath {
        /// The path, ending in `/`.
        path: String,
    },
    /// `BatchGetSecretValue` with at most 20 ids.
    BatchGetSecretValue {
        /// The secret ids asked for.
        ids: Vec<String>,
    },
    /// `GetSecretValue` for a secret pinned to a stage or version id.
    GetSecretValue {
        /// The secret id.
        id: String,
        /// The pinned stage, if any.
        stage: Option<String>,
        /// The pinned version id, if any.
        version_id: Option<String>,
    },
}

/// The calls a load makes before it knows any map component's entries: N named
/// parameters and M secrets cost ceil(N/10) + ceil(M/20) calls (plus pinned
/// secrets), all concurrent under the loader's cap on calls in flight to each
/// service; each map component adds one page chain, and the secrets of its
/// entries one more round of batches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Every call, in the order they are started (all run concurrently).
    pub calls: Vec<PlannedCall>,
}

impl Plan {
    pub(crate) fn from_targets(targets: &Targets) -> Plan {
        let mut calls: Vec<PlannedCall> = parameter_batches(&targets.params)
            .into_iter()
            .map(|b| PlannedCall::GetParameters { names: b.names })
            .collect();
        calls.extend(
            targets
                .maps
                .iter()
                .map(|m| PlannedCall::GetParametersByPath {
                    path: format!("{}/", m.prefix),
                }),
        );
        let (batches, pinned) = secret_batches(&targets.secrets);
        calls.extend(
            batches
                .into_iter()
                .map(|ids| PlannedCall::BatchGetSecretValue { ids }),
        );
        calls.extend(pinned.into_iter().map(|s| PlannedCall::GetSecretValue {
            id: s.id,
            stage: s.stage.map(str::to_string),
            version_id: s.version_id.map(str::to_string),
        }));
        Plan { calls }
    }

    /// How many calls of an operation (`"GetParameters"`, ...) the plan makes.
    pub fn count(&self, operation: &str) -> usize {
        self.calls
            .iter()
            .filter(|c| {
                let name = match c {
                    PlannedCall::GetParameters { .. } => "GetParameters",
                    PlannedCall::GetParametersByPath { .. } => "GetParametersByPath",
                    PlannedCall::BatchGetSecretValue { .. } => "BatchGetSecretValue",
                    PlannedCall::GetSecretValue { .. } => "GetSecretValue",
                };
                name == operation
            })
            .count()
    }
}

/// A parameter field whose SSM name is known.
#[derive(Clone, Debug)]
pub(crate) struct ParamTarget {
    /// The name as requested: SSM name plus `:version` / `:label` selector.
    pub request: String,
    /// The SSM name without selector.
    pub name: String,
    pub keys: Vec<String>,
    pub field_path: String,
}

/// A map component whose entries are read with `GetParametersByPath`.
#[derive(Clone, Debug)]
pub(crate) struct MapTarget {
    pub prefix: String,
    pub field_path: String,
    pub scope: Scope,
    pub field: &'static Field,
}

/// One secret a field needs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct SecretRef {
    pub id: String,
    pub stage: Option<&'static str>,
    pub version_id: Option<&'static str>,
}

impl SecretRef {
    /// Pinned to a stage or version: needs its own `GetSecretValue`.
    pub fn pinned(&self) -> bool {
        self.stage.is_some() || self.version_id.is_some()
    }
}

/// A secret field.
#[derive(Clone, Debug)]
pub(crate) struct SecretTarget {
    pub secret: SecretRef,
    pub key: Option<&'static str>,
    pub keys: Vec<String>,
    pub field_path: String,
}

/// Everything a walk found.
#[derive(Default, Debug)]
pub(crate) struct Targets {
    pub params: Vec<ParamTarget>,
    pub maps: Vec<MapTarget>,
    pub secrets: Vec<SecretTarget>,
}

/// Walks a schema (through [`crate::walk::leaves`], the one walker). With
/// `known = None` map components are recorded as [`MapTarget`]s; with the names
/// read under them, their entries are walked.
pub(crate) fn walk(
    schema: &'static Schema,
    scope: &Scope,
    known: Option<&BTreeSet<String>>,
    out: &mut Targets,
) {
    let maps = &mut out.maps;
    let mut entries = |scope: &Scope, field: &'static Field| match known {
        None => {
            maps.push(MapTarget {
                prefix: scope.map_prefix(field),
                field_path: scope.field_path(field),
                scope: scope.clone(),
                field,
            });
            Vec::new()
        }
        Some(names) => map_keys(&scope.map_prefix(field), names)
            .into_iter()
            .collect(),
    };
    let mut found = Vec::new();
    leaves(schema, scope, &mut entries, &mut found);
    for leaf in found {
        match leaf.home {
            Home::Param { name } => out.params.push(ParamTarget {
                request: format!("{name}{}", leaf.field.selector().unwrap_or_default()),
                name,
                keys: leaf.keys,
                field_path: leaf.field_path,
            }),
            Home::Secret { id } => {
                // A secret home always comes from a secret field.
                let Kind::Secret(s) = &leaf.field.kind else {
                    continue;
                };
                out.secrets.push(SecretTarget {
                    secret: SecretRef {
                        id,
                        stage: s.stage,
                        version_id: s.version_id,
                    },
                    key: s.key,
                    keys: leaf.keys,
                    field_path: leaf.field_path,
                });
            }
        }
    }
}

/// The entry keys of a map: the distinct child segments of `prefix` among
/// `names` that have a field under them (`<prefix>/<key>/<field>`); a
/// parameter right at `<prefix>/<key>` is no entry (the loader reads none of
/// its fields there), so the plan, `check`, `prepare` and `verify` agree.
pub(crate) fn map_keys(prefix: &str, names: &BTreeSet<String>) -> BTreeSet<String> {
    let start = format!("{prefix}/");
    names
        .range(start.clone()..)
        .take_while(|n| n.starts_with(&start))
        .filter_map(|n| n[start.len()..].split_once('/').map(|(key, _)| key))
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// One `GetParameters` call: the names it asks for and the fields they feed.
#[derive(Clone, Debug)]
pub(crate) struct ParamBatch {
    pub names: Vec<String>,
    pub fields: Vec<String>,
}

/// `GetParameters` batches: sorted, de-duplicated, at most 10 names each, so
/// N names cost ceil(N / 10) calls.
pub(crate) fn parameter_batches(params: &[ParamTarget]) -> Vec<ParamBatch> {
    let mut by_name: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in params {
        by_name
            .entry(p.request.as_str())
            .or_default()
            .push(p.field_path.as_str());
    }
    let unique: Vec<(&str, Vec<&str>)> = by_name.into_iter().collect();
    unique
        .chunks(GET_PARAMETERS_MAX)
        .map(|chunk| ParamBatch {
            names: chunk.iter().map(|(n, _)| n.to_string()).collect(),
            fields: chunk
                .iter()
                .flat_map(|(_, f)| f.iter().map(|f| f.to_string()))
                .collect(),
        })
        .collect()
}

/// Secret calls: unpinned ids in `BatchGetSecretValue` batches of at most 20,
/// pinned ones alone.
pub(crate) fn secret_batches(secrets: &[SecretTarget]) -> (Vec<Vec<String>>, Vec<SecretRef>) {
    let unique: BTreeSet<&SecretRef> = secrets.iter().map(|s| &s.secret).collect();
    let (pinned, plain): (Vec<&SecretRef>, Vec<&SecretRef>) =
        unique.into_iter().partition(|s| s.pinned());
    let plain: Vec<String> = plain.into_iter().map(|s| s.id.clone()).collect();
    (
        plain
            .chunks(BATCH_SECRETS_MAX)
            .map(<[String]>::to_vec)
            .collect(),
        pinned.into_iter().cloned().collect(),
    )
}

/// Groups targets by the secret they read, so an id used by several fields is
/// fetched once.
pub(crate) fn secrets_by_ref(secrets: &[SecretTarget]) -> BTreeMap<&SecretRef, Vec<&SecretTarget>> {
    let mut map: BTreeMap<&SecretRef, Vec<&SecretTarget>> = BTreeMap::new();
    for s in secrets {
        map.entry(&s.secret).or_default().push(s);
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keys_are_the_distinct_child_segments() {
        let names: BTreeSet<String> = [
            "/e/a/tenants/acme/plan",
            "/e/a/tenants/acme/db/host",
            "/e/a/tenants/globex/plan",
            "/e/a/tenants/initech",
            "/e/a/tenantsx/other/plan",
            "/e/a/zzz",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        let keys: Vec<String> = map_keys("/e/a/tenants", &names).into_iter().collect();
        assert_eq!(keys, vec!["acme", "globex"]);
    }

    #[test]
    fn parameter_batches_hold_at_most_ten_unique_names() {
        let params: Vec<ParamTarget> = (0..25)
            .chain(0..5)
            .map(|i| ParamTarget {
                request: format!("/e/a/p{i:02}"),
                name: format!("/e/a/p{i:02}"),
                keys: vec![format!("p{i:02}")],
                field_path: format!("p{i:02}"),
            })
            .collect();
        let batches = parameter_batches(&params);
        assert_eq!(
            batches.iter().map(|b| b.names.len()).collect::<Vec<_>>(),
            vec![10, 10, 5]
        );
    }
}
