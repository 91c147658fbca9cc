//! `prepare`: a snapshot of what one environment holds for a config, written to
//! `DIR/ENV.json` and committed, so the derive (and [`crate::verify`]) can check the
//! struct against every environment with no AWS credentials, the way `sqlx prepare`
//! lets its macros check queries offline.
//!
//! Never a value: parameters are read with `DescribeParameters` (names, types,
//! versions), secrets with `DescribeSecret`; only a secret that a field reads one
//! key of is read with `GetSecretValue`, to keep its top-level key names, and its
//! value is dropped at once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use aws_config::SdkConfig;
use aws_sdk_ssm::types::{ParameterStringFilter, ParameterType};
use awsconf_names::snapshot::{MapRecord, ParamRecord, ParamType, SecretRecord, Snapshot};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{leaves, root_scope, Home, Leaf};
use crate::aws_error::{classify, Call};
use crate::schema::{Field, Kind, Scope};
use crate::{AwsConfig, Error, Location, Problem, ProblemKind, Root};

/// `DescribeParameters` takes at most 50 values in a filter and returns at most 50 a page.
const DESCRIBE_MAX: usize = 50;
/// The most pages one listing reads (50 names a page).
const MAX_PAGES: usize = 1_000;
/// Map components nested in map entries are found a level at a time; SSM's 15
/// levels bound the rounds.
const MAX_MAP_ROUNDS: usize = 16;

/// The default snapshot directory: `.awsconf` beside the crate's `Cargo.toml`
/// (`CARGO_MANIFEST_DIR` under `cargo run`, else the nearest `Cargo.toml` above the
/// current directory, else the current directory).
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        return PathBuf::from(dir).join(".awsconf");
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|d| d.join("Cargo.toml").is_file())
        .unwrap_or(&cwd)
        .join(".awsconf")
}

/// Reads what `env` holds for `T` (never a value) and writes it to `dir/ENV.json`,
/// sorted and pretty-printed. Returns the file's path. Needs
/// `ssm:DescribeParameters`, and `secretsmanager:DescribeSecret` (and
/// `GetSecretValue` for secrets a field reads one key of) on the config's secrets:
/// `iam-policy --prepare`.
pub async fn prepare<T: AwsConfig + Root>(
    env: &str,
    sdk_config: &SdkConfig,
    dir: impl AsRef<Path>,
) -> Result<PathBuf, Error> {
    let snap = snapshot::<T>(env, sdk_config).await?;
    let dir = dir.as_ref();
    let path = dir.join(format!("{env}.json"));
    // One directory holds one root's snapshots: another app's or config's file
    // for this env is not replaced (its check would silently go).
    let theirs = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| awsconf_names::snapshot::Snapshot::parse(&text).ok())
        .filter(|old| old.app != snap.app || old.config != snap.config);
    if let Some(old) = theirs {
        return Err(Error::new(
            T::schema().type_name,
            Some(env.to_string()),
            vec![Problem::new(
                ProblemKind::Layer,
                format!(
                    "{} is the snapshot of app `{}` ({}); not replaced: give each root config a directory of its own (`--dir`, and `AWSCONF_SNAPSHOTS` for the derive)",
                    path.display(),
                    old.app,
                    old.config
                ),
            )
            .at(Location::layer(path.display().to_string()))],
        ));
    }
    let write =
        std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, snap.to_pretty_json()));
    if let Err(e) = write {
        return Err(Error::new(
            T::schema().type_name,
            Some(env.to_string()),
            vec![Problem::new(
                ProblemKind::Layer,
                format!("cannot write {}: {e}", path.display()),
            )
            .at(Location::layer(path.display().to_string()))],
        ));
    }
    Ok(path)
}

/// What `prepare --check` found: the snapshot against the live environment.
#[derive(Clone, Debug, Serialize)]
pub struct Drift {
    /// The snapshot file compared.
    pub file: PathBuf,
    /// Each difference, one a line (`parameter /p/a/b: String version 3 → 4`); empty
    /// when nothing drifted.
    pub changes: Vec<String>,
}

impl Drift {
    /// The report in plain text.
    pub fn to_table(&self) -> String {
        if self.changes.is_empty() {
            return format!("{}: no drift\n", self.file.display());
        }
        let mut out = format!(
            "{}: {} change{} since prepare; run `prepare` again and commit it\n",
            self.file.display(),
            self.changes.len(),
            if self.changes.len() == 1 { "" } else { "s" }
        );
        for c in &self.changes {
            out.push_str("  ");
            out.push_str(c);
            out.push('\n');
        }
        out
    }
}

/// Compares `dir/ENV.json` with what `env` holds now, writing nothing.
pub async fn prepare_check<T: AwsConfig + Root>(
    env: &str,
    sdk_config: &SdkConfig,
    dir: impl AsRef<Path>,
) -> Result<Drift, Error> {
    let file = dir.as_ref().join(format!("{env}.json"));
    let fail = |message: String| {
        Err(Error::new(
            T::schema().type_name,
            Some(env.to_string()),
            vec![Problem::new(ProblemKind::Layer, message)
                .at(Location::layer(file.display().to_string()))],
        ))
    };
    let text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let old = match Snapshot::parse(&text) {
        Ok(s) => s,
        Err(e) => return fail(format!("snapshot {}: {e}", file.display())),
    };
    let new = snapshot::<T>(env, sdk_config).await?;
    Ok(Drift {
        changes: diff(&old, &new),
        file,
    })
}

/// Each difference between two snapshots of one env, in plain words.
pub fn diff(old: &Snapshot, new: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    let state = |p: Option<&ParamRecord>| match p {
        None => "not recorded".to_string(),
        Some(ParamRecord { ty: None, .. }) => "absent".to_string(),
        Some(ParamRecord {
            ty: Some(ty),
            version,
            ..
        }) => match version {
            Some(v) => format!("{} version {v}", ty.as_str()),
            None => ty.as_str().to_string(),
        },
    };
    let olds: BTreeMap<&str, &ParamRecord> = old
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let news: BTreeMap<&str, &ParamRecord> = new
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let names: BTreeSet<&str> = olds.keys().chain(news.keys()).copied().collect();
    for name in names {
        let (a, b) = (olds.get(name).copied(), news.get(name).copied());
        if a != b {
            out.push(format!("parameter {name}: {} → {}", state(a), state(b)));
        }
    }
    let old_maps: BTreeMap<&str, &MapRecord> =
        old.maps.iter().map(|m| (m.prefix.as_str(), m)).collect();
    let new_maps: BTreeMap<&str, &MapRecord> =
        new.maps.iter().map(|m| (m.prefix.as_str(), m)).collect();
    let prefixes: BTreeSet<&str> = old_maps.keys().chain(new_maps.keys()).copied().collect();
    for prefix in prefixes {
        let a: BTreeSet<&str> = old_maps
            .get(prefix)
            .map(|m| m.names.iter().map(String::as_str).collect())
            .unwrap_or_default();
        let b: BTreeSet<&str> = new_maps
            .get(prefix)
            .map(|m| m.names.iter().map(String::as_str).collect())
            .unwrap_or_default();
        for gone in a.difference(&b) {
            out.push(format!("map {prefix}: {gone} removed"));
        }
        for added in b.difference(&a) {
            out.push(format!("map {prefix}: {added} added"));
        }
    }
    let old_secrets: BTreeMap<&str, &SecretRecord> =
        old.secrets.iter().map(|s| (s.id.as_str(), s)).collect();
    let new_secrets: BTreeMap<&str, &SecretRecord> =
        new.secrets.iter().map(|s| (s.id.as_str(), s)).collect();
    let ids: BTreeSet<&str> = old_secrets
        .keys()
        .chain(new_secrets.keys())
        .copied()
        .collect();
    let secret_state = |s: Option<&SecretRecord>| match s {
        None => "not recorded".to_string(),
        Some(SecretRecord { exists: false, .. }) => "absent".to_string(),
        Some(SecretRecord {
            keys: Some(keys), ..
        }) => format!("keys [{}]", keys.join(", ")),
        Some(SecretRecord { keys: None, .. }) => "present".to_string(),
    };
    for id in ids {
        let (a, b) = (old_secrets.get(id).copied(), new_secrets.get(id).copied());
        if a != b {
            out.push(format!(
                "secret {id}: {} → {}",
                secret_state(a),
                secret_state(b)
            ));
        }
    }
    out
}

/// What `env` holds for `T`, never a value.
pub async fn snapshot<T: AwsConfig + Root>(
    env: &str,
    sdk_config: &SdkConfig,
) -> Result<Snapshot, Error> {
    let schema = T::schema();
    let fail =
        |problems: Vec<Problem>| Error::new(schema.type_name, Some(env.to_string()), problems);
    let scope = root_scope(schema, env);
    let ssm = aws_sdk_ssm::Client::new(sdk_config);
    let region = sdk_config
        .region()
        .map_or_else(|| "*".to_string(), |r| r.to_string());

    // Every map prefix, and every parameter under one; a map inside a map entry is
    // found once the outer entries are known.
    let mut listed: BTreeMap<String, (ParamType, Option<i64>)> = BTreeMap::new();
    let mut maps: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut declared = Vec::new();
    for _ in 0..MAX_MAP_ROUNDS {
        let names: BTreeSet<String> = listed.keys().cloned().collect();
        let mut prefixes = BTreeSet::new();
        declared.clear();
        let mut entries = |scope: &Scope, field: &'static Field| {
            let prefix = scope.map_prefix(field);
            let keys = crate::plan::map_keys(&prefix, &names);
            prefixes.insert(prefix);
            keys.into_iter().collect()
        };
        leaves(schema, &scope, &mut entries, &mut declared);
        let new: Vec<String> = prefixes
            .into_iter()
            .filter(|p| !maps.contains_key(p))
            .collect();
        if new.is_empty() {
            break;
        }
        for prefix in new {
            let found = describe_path(&ssm, &region, &prefix)
                .await
                .map_err(|p| fail(vec![p]))?;
            maps.insert(prefix, found.keys().cloned().collect());
            listed.extend(found);
        }
    }

    // Every declared parameter not already listed under a map.
    let wanted: Vec<String> = declared
        .iter()
        .filter_map(|l| match &l.home {
            Home::Param { name } if !listed.contains_key(name) => Some(name.clone()),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for chunk in wanted.chunks(DESCRIBE_MAX) {
        let found = describe_names(&ssm, &region, chunk)
            .await
            .map_err(|p| fail(vec![p]))?;
        listed.extend(found);
    }

    let mut snap = Snapshot {
        env: env.to_string(),
        app: schema.app.unwrap_or_default().to_string(),
        config: schema.type_name.to_string(),
        ..Snapshot::default()
    };
    let mut names: BTreeSet<&str> = listed.keys().map(String::as_str).collect();
    names.extend(wanted.iter().map(String::as_str));
    for name in names {
        snap.parameters.push(match listed.get(name) {
            Some((ty, version)) => ParamRecord {
                name: name.to_string(),
                ty: Some(*ty),
                version: *version,
            },
            None => ParamRecord {
                name: name.to_string(),
                ty: None,
                version: None,
            },
        });
    }
    snap.maps = maps
        .into_iter()
        .map(|(prefix, names)| MapRecord { prefix, names })
        .collect();
    snap.secrets = secrets(sdk_config, &region, &declared)
        .await
        .map_err(|p| fail(vec![p]))?;
    snap.sort();
    Ok(snap)
}

fn param_type(t: Option<&ParameterType>) -> ParamType {
    match t {
        Some(ParameterType::StringList) => ParamType::StringList,
        Some(ParameterType::SecureString) => ParamType::SecureString,
        _ => ParamType::String,
    }
}

/// `DescribeParameters` with a `Name Equals` filter of at most 50 names.
async fn describe_names(
    ssm: &aws_sdk_ssm::Client,
    region: &str,
    names: &[String],
) -> Result<BTreeMap<String, (ParamType, Option<i64>)>, Problem> {
    let filter = ParameterStringFilter::builder()
        .key("Name")
        .option("Equals")
        .set_values(Some(names.to_vec()))
        .build()
        .map_err(|e| Problem::new(ProblemKind::Aws, format!("DescribeParameters filter: {e}")))?;
    let what = format!("parameters {}", names.join(", "));
    let at = Location::parameters(names.to_vec());
    describe(ssm, region, filter, what, at).await
}

/// `DescribeParameters` with a recursive `Path` filter: every name under `prefix/`.
async fn describe_path(
    ssm: &aws_sdk_ssm::Client,
    region: &str,
    prefix: &str,
) -> Result<BTreeMap<String, (ParamType, Option<i64>)>, Problem> {
    let filter = ParameterStringFilter::builder()
        .key("Path")
        .option("Recursive")
        .values(prefix)
        .build()
        .map_err(|e| Problem::new(ProblemKind::Aws, format!("DescribeParameters filter: {e}")))?;
    let at = Location::Path {
        path: format!("{prefix}/"),
    };
    describe(
        ssm,
        region,
        filter,
        format!("parameters under {prefix}/"),
        at,
    )
    .await
}

async fn describe(
    ssm: &aws_sdk_ssm::Client,
    region: &str,
    filter: ParameterStringFilter,
    what: String,
    at: Location,
) -> Result<BTreeMap<String, (ParamType, Option<i64>)>, Problem> {
    let call = Call {
        action: "ssm:DescribeParameters",
        resource: crate::arn::parameter(region, "{account}", "*"),
        what: Some(at.clone()),
        fields: String::new(),
    };
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let page = ssm
            .describe_parameters()
            .parameter_filters(filter.clone())
            .max_results(DESCRIBE_MAX as i32)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|err| classify(err, &call))?;
        for p in page.parameters() {
            if let Some(name) = p.name() {
                out.insert(
                    name.to_string(),
                    (param_type(p.r#type()), Some(p.version())),
                );
            }
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => return Ok(out),
        }
    }
    Err(Problem::new(
        ProblemKind::Limit,
        format!(
            "more than {} parameters for {what}; stopped listing",
            MAX_PAGES * DESCRIBE_MAX
        ),
    )
    .at(at))
}

/// Every declared secret: whether it exists and, when a field reads one of its
/// keys, its top-level key names.
async fn secrets(
    sdk_config: &SdkConfig,
    region: &str,
    declared: &[Leaf],
) -> Result<Vec<SecretRecord>, Problem> {
    let mut ids: BTreeMap<&str, bool> = BTreeMap::new();
    for leaf in declared {
        if let (Home::Secret { id }, Kind::Secret(s)) = (&leaf.home, &leaf.field.kind) {
            *ids.entry(id.as_str()).or_default() |= s.key.is_some();
        }
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let client = aws_sdk_secretsmanager::Client::new(sdk_config);
    let mut out = Vec::new();
    for (id, keyed) in ids {
        let call = |action| Call {
            action,
            resource: crate::arn::secret(region, "{account}", id),
            what: Some(Location::secret(id)),
            fields: String::new(),
        };
        let exists = match client.describe_secret().secret_id(id).send().await {
            Ok(d) => d.deleted_date().is_none(),
            Err(err) if is_not_found(&err) => false,
            Err(err) => return Err(classify(err, &call("secretsmanager:DescribeSecret"))),
        };
        let keys = if exists && keyed {
            match client.get_secret_value().secret_id(id).send().await {
                Ok(mut v) => v
                    .secret_string
                    .take()
                    .map(SecretString::from)
                    .and_then(|s| key_names(&s)),
                Err(err) if is_not_found(&err) => None,
                Err(err) => return Err(classify(err, &call("secretsmanager:GetSecretValue"))),
            }
        } else {
            None
        };
        out.push(SecretRecord {
            id: id.to_string(),
            exists,
            keys,
        });
    }
    Ok(out)
}

/// A JSON object's top-level key names; the value is dropped with `text`.
fn key_names(text: &SecretString) -> Option<Vec<String>> {
    let value: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text.expose_secret()).ok()?;
    Some(value.into_iter().map(|(k, _)| k).collect())
}

fn is_not_found<E, R>(err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> bool
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|c| c == "ResourceNotFoundException")
}

/// The IAM policy `prepare` (and `prepare --check`) needs in `env`: read-only, and
/// no value of a parameter. `ssm:DescribeParameters` has no resource type, so it is
/// granted on `*` (it returns names, types and versions, never a value);
/// `secretsmanager:DescribeSecret` on each secret; `secretsmanager:GetSecretValue`
/// (and `kms:Decrypt` through Secrets Manager) only on the secrets a field reads one
/// key of, whose key names the snapshot records.
pub fn policy<T: AwsConfig + Root>(env: &str, region: &str, account: &str) -> serde_json::Value {
    let schema = T::schema();
    let scope = root_scope(schema, env);
    let mut all: Vec<Leaf> = Vec::new();
    let mut wildcard = |_: &Scope, _: &'static Field| vec!["*".to_string()];
    leaves(schema, &scope, &mut wildcard, &mut all);
    let mut described = BTreeSet::new();
    let mut keyed = BTreeSet::new();
    for leaf in &all {
        if let (Home::Secret { id }, Kind::Secret(s)) = (&leaf.home, &leaf.field.kind) {
            let arn = crate::arn::secret(region, account, id);
            if s.key.is_some() {
                keyed.insert(arn.clone());
            }
            described.insert(arn);
        }
    }
    let mut statements = vec![serde_json::json!({
        "Sid": "AwsconfPrepareDescribeParameters",
        "Effect": "Allow",
        "Action": "ssm:DescribeParameters",
        "Resource": "*",
    })];
    if !described.is_empty() {
        statements.push(serde_json::json!({
            "Sid": "AwsconfPrepareDescribeSecrets",
            "Effect": "Allow",
            "Action": "secretsmanager:DescribeSecret",
            "Resource": described,
        }));
    }
    if !keyed.is_empty() {
        statements.push(serde_json::json!({
            "Sid": "AwsconfPrepareReadSecretKeyNames",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": keyed,
        }));
        statements.push(serde_json::json!({
            "Sid": "AwsconfPrepareDecryptSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": crate::arn::kms_keys(region, account),
            "Condition": { "StringEquals": {
                "kms:ViaService": crate::arn::service_host("secretsmanager", region)
            } },
        }));
    }
    serde_json::json!({ "Version": "2012-10-17", "Statement": statements })
}
