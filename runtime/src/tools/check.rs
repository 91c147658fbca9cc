//! Drift check: the declared schema against what an environment holds.
//!
//! A check does two things:
//!
//! 1. It loads the config, exactly as the service would (no local layers). Every
//!    problem of that load is an [`Severity::Error`] finding: a missing required
//!    parameter or secret, a value that does not convert, access denied, ... A load's
//!    problems are exactly "would not load".
//! 2. It lists every parameter under `/<env>/<app>/` with `GetParametersByPath`
//!    (without decryption: names and types only, no value is read) and reports, as
//!    [`Severity::Warning`]s, parameters that no field declares and `SecretString`
//!    fields stored as a plain `String` instead of a SecureString.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::SdkConfig;
use aws_sdk_ssm::types::ParameterType;
use serde::Serialize;

use crate::location::Location;

use super::{leaves, root_scope, table, Home, Leaf};
use crate::aws_error::{classify, Call};
use crate::error::{Problem, ProblemKind};
use crate::plan::{self, BY_PATH_MAX_RESULTS};
use crate::schema::{Field, Scope};
use crate::{AwsConfig, Root};

/// The most `GetParametersByPath` pages the listing reads (10 names a page).
pub const MAX_LISTING_PAGES: usize = 1_000;

/// How bad a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The config would not load.
    Error,
    /// The config loads, but the environment has drifted from the schema.
    Warning,
}

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum FindingKind {
    /// A required parameter or secret is absent.
    Missing,
    /// A value is present but does not convert to the field's type.
    Invalid,
    /// Another reason the load fails (access denied, KMS, throttling, ...).
    LoadFailed,
    /// A parameter under `/<env>/<app>/` that no field declares.
    Undeclared,
    /// A `SecretString` field whose parameter is a plain `String` or `StringList`,
    /// stored unencrypted.
    NotSecureString,
    /// The parameters under `/<env>/<app>/` could not be listed, so undeclared
    /// names and parameter types were not checked.
    NotListed,
}

impl FindingKind {
    /// The finding's severity: the load's own problems are errors.
    pub fn severity(self) -> Severity {
        match self {
            FindingKind::Missing | FindingKind::Invalid | FindingKind::LoadFailed => {
                Severity::Error
            }
            FindingKind::Undeclared | FindingKind::NotSecureString | FindingKind::NotListed => {
                Severity::Warning
            }
        }
    }

    fn label(self) -> &'static str {
        match self {
            FindingKind::Missing => "missing",
            FindingKind::Invalid => "invalid",
            FindingKind::LoadFailed => "load-failed",
            FindingKind::Undeclared => "undeclared",
            FindingKind::NotSecureString => "not-secure-string",
            FindingKind::NotListed => "not-listed",
        }
    }
}

/// One finding of a check. It never contains a secret's value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Error (would not load) or warning (drift).
    pub severity: Severity,
    /// What the finding is about.
    pub kind: FindingKind,
    /// The dotted Rust path of the field, when the finding concerns one.
    pub field: Option<String>,
    /// The parameter or secret (in JSON, as its text: the SSM name or
    /// `secret <id>`).
    pub location: Option<Location>,
    /// What is wrong, in plain words.
    pub message: String,
}

impl Finding {
    fn new(
        kind: FindingKind,
        field: Option<String>,
        location: Option<Location>,
        message: String,
    ) -> Finding {
        Finding {
            severity: kind.severity(),
            kind,
            field,
            location,
            message,
        }
    }

    fn from_problem(p: &Problem) -> Finding {
        let kind = match p.kind() {
            ProblemKind::Missing => FindingKind::Missing,
            ProblemKind::Invalid => FindingKind::Invalid,
            _ => FindingKind::LoadFailed,
        };
        Finding::new(
            kind,
            p.field_path().map(str::to_string),
            p.location().cloned(),
            p.message().to_string(),
        )
    }
}

/// The result of [`check`].
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    /// The config type, e.g. `ApiConfig`.
    pub config: &'static str,
    /// The environment checked.
    pub env: String,
    /// The app, from `#[aws_config(app = "...")]`.
    pub app: String,
    /// Would `T::loader().env(env).load()` succeed?
    pub would_load: bool,
    /// Parameters the schema declares in this env (map entries as found).
    pub declared_parameters: usize,
    /// Secrets the schema declares in this env (distinct ids).
    pub declared_secrets: usize,
    /// Parameters present under `/<env>/<app>/`; `None` when they could not be listed.
    pub present_parameters: Option<usize>,
    /// Every finding: errors first, then warnings.
    pub findings: Vec<Finding>,
}

impl CheckReport {
    /// The process exit code for this report: `1` when the config would not load;
    /// with `strict`, `3` when it loads but has warnings; `0` otherwise.
    pub fn exit_code(&self, strict: bool) -> u8 {
        if !self.would_load {
            1
        } else if strict
            && self
                .findings
                .iter()
                .any(|f| f.severity == Severity::Warning)
        {
            3
        } else {
            0
        }
    }

    /// The report as a plain-text summary line and table.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "check {} in env `{}`: {}; {} parameter{} and {} secret{} declared, {} present under /{}/{}/\n",
            self.config,
            self.env,
            if self.would_load { "would load" } else { "WOULD NOT LOAD" },
            self.declared_parameters,
            if self.declared_parameters == 1 { "" } else { "s" },
            self.declared_secrets,
            if self.declared_secrets == 1 { "" } else { "s" },
            self.present_parameters
                .map_or_else(|| "? (not listed)".to_string(), |n| n.to_string()),
            self.env,
            self.app,
        );
        if self.findings.is_empty() {
            out.push_str("no findings\n");
            return out;
        }
        let rows: Vec<Vec<String>> = self
            .findings
            .iter()
            .map(|f| {
                vec![
                    match f.severity {
                        Severity::Error => "error".to_string(),
                        Severity::Warning => "warning".to_string(),
                    },
                    f.kind.label().to_string(),
                    f.field.clone().unwrap_or_else(|| "-".into()),
                    f.location
                        .as_ref()
                        .map_or_else(|| "-".into(), Location::to_string),
                    f.message.clone(),
                ]
            })
            .collect();
        out.push_str(&table(
            &["severity", "kind", "field", "where", "what"],
            &rows,
        ));
        out
    }
}

/// Checks `T`'s schema against `env`, with the given SDK configuration (region,
/// credentials, endpoint). Needs the load's permissions (see [`crate::iam::policy`])
/// plus `ssm:GetParametersByPath` on `/<env>/<app>` and `/<env>/<app>/*`.
pub async fn check<T: AwsConfig + Root>(env: &str, sdk_config: &SdkConfig) -> CheckReport {
    let schema = T::schema();
    let app = schema.app.unwrap_or_default().to_string();
    let mut findings = Vec::new();

    let load = T::loader().env(env).sdk_config(sdk_config).load().await;
    let would_load = load.is_ok();
    if let Err(err) = &load {
        findings.extend(err.problems().iter().map(Finding::from_problem));
    }

    let scope = root_scope(schema, env);
    let listing = list(sdk_config, env, &app).await;
    let present: BTreeMap<String, Option<ParameterType>> = match &listing {
        Ok(present) => present.clone(),
        Err(problem) => {
            findings.push(Finding::new(
                FindingKind::NotListed,
                None,
                problem.location().cloned(),
                format!(
                    "{}; undeclared parameters and parameter types were not checked",
                    problem.message()
                ),
            ));
            BTreeMap::new()
        }
    };
    let names: BTreeSet<String> = present.keys().cloned().collect();
    let declared = declared_leaves(schema, &scope, &names);
    let declared_names: BTreeSet<&str> = declared
        .iter()
        .filter_map(|l| match &l.home {
            Home::Param { name } => Some(name.as_str()),
            Home::Secret { .. } => None,
        })
        .collect();
    let declared_secrets: BTreeSet<&str> = declared
        .iter()
        .filter_map(|l| match &l.home {
            Home::Secret { id } => Some(id.as_str()),
            Home::Param { .. } => None,
        })
        .collect();

    for leaf in &declared {
        let Home::Param { name } = &leaf.home else {
            continue;
        };
        if !leaf.field.is_secret() {
            continue;
        }
        if let Some(Some(kind @ (ParameterType::String | ParameterType::StringList))) =
            present.get(name)
        {
            findings.push(Finding::new(
                FindingKind::NotSecureString,
                Some(leaf.field_path.clone()),
                Some(Location::parameter(name)),
                format!(
                    "declared as {} but stored as a {} parameter, unencrypted; re-create it as a SecureString",
                    leaf.field.type_name,
                    kind.as_str()
                ),
            ));
        }
    }
    if listing.is_ok() {
        for name in names
            .iter()
            .filter(|n| !declared_names.contains(n.as_str()))
        {
            findings.push(Finding::new(
                FindingKind::Undeclared,
                None,
                Some(Location::parameter(name)),
                format!(
                    "present in Parameter Store but no field of {} declares it",
                    schema.type_name
                ),
            ));
        }
    }
    findings.sort_by_key(|f| f.severity);

    CheckReport {
        config: schema.type_name,
        env: env.to_string(),
        app,
        would_load,
        declared_parameters: declared_names.len(),
        declared_secrets: declared_secrets.len(),
        present_parameters: listing.ok().map(|p| p.len()),
        findings,
    }
}

/// The declared fields, with each map component's entries as found in `names`.
fn declared_leaves(
    schema: &'static crate::schema::Schema,
    scope: &Scope,
    names: &BTreeSet<String>,
) -> Vec<Leaf> {
    let mut out = Vec::new();
    let mut entries = |scope: &Scope, field: &'static Field| {
        plan::map_keys(&scope.map_prefix(field), names)
            .into_iter()
            .collect()
    };
    leaves(schema, scope, &mut entries, &mut out);
    out
}

/// Every parameter name and type under `/<env>/<app>/`, without values.
async fn list(
    sdk_config: &SdkConfig,
    env: &str,
    app: &str,
) -> Result<BTreeMap<String, Option<ParameterType>>, Problem> {
    let client = aws_sdk_ssm::Client::new(sdk_config);
    let path = format!("/{env}/{app}/");
    let region = sdk_config
        .region()
        .map_or_else(|| "*".to_string(), |r| r.to_string());
    let call = Call {
        action: "ssm:GetParametersByPath",
        resource: crate::arn::parameter(&region, "{account}", &format!("/{env}/{app}/*")),
        what: Some(Location::Path { path: path.clone() }),
        fields: String::new(),
    };
    let mut out = BTreeMap::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_LISTING_PAGES {
        let page = client
            .get_parameters_by_path()
            .path(&path)
            .recursive(true)
            .with_decryption(false)
            .max_results(BY_PATH_MAX_RESULTS)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|err| classify(err, &call))?;
        for p in page.parameters() {
            if let Some(name) = p.name() {
                out.insert(name.to_string(), p.r#type().cloned());
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
            "more than {} parameters under {path}; stopped listing",
            MAX_LISTING_PAGES * 10
        ),
    )
    .at(Location::Path { path }))
}
