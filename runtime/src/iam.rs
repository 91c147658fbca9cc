//! The least-privilege IAM policy for loading a config: exactly the actions and
//! resources of its fetch plan.
//!
//! ```
//! use awsconf::AwsConfig;
//!
//! #[derive(AwsConfig)]
//! #[aws_config(app = "api")]
//! struct Api {
//!     port: u16,
//! }
//!
//! let policy = awsconf::iam::policy::<Api>("production", "us-east-1", "123456789012");
//! assert_eq!(
//!     policy["Statement"][0]["Resource"][0],
//!     "arn:aws:ssm:us-east-1:123456789012:parameter/production/api/port"
//! );
//! ```
//!
//! One statement per action, so each statement is needed by the load and
//! removing any one of them breaks it:
//!
//! | Sid | action | resources |
//! |---|---|---|
//! | `ReadNamedParameters` | `ssm:GetParameters` | each named parameter's ARN, exactly (no wildcard) |
//! | `ReadMapComponents` | `ssm:GetParametersByPath` | each map component's path, `…/tenants` and `…/tenants/*` |
//! | `ReadSecrets` | `secretsmanager:GetSecretValue` | each secret's ARN with the `-??????` suffix Secrets Manager appends; `{key}` of a map entry becomes `*` |
//! | `BatchReadSecrets` | `secretsmanager:BatchGetSecretValue` | `*` (the action has no resource type) |
//! | `DescribeSecretsForRefresh` | `secretsmanager:DescribeSecret` | each secret's ARN; only with [`PolicyOptions::watch`] |
//! | `DecryptSecureValues` | `kms:Decrypt` | `arn:aws:kms:REGION:ACCOUNT:key/*`, only through Parameter Store / Secrets Manager |
//!
//! A statement is left out when the plan has no call of its action: no
//! `GetParameters` without named parameters, no `BatchGetSecretValue` when every
//! secret is pinned to a stage or version, no `kms:Decrypt` unless a
//! `SecretString` parameter (a SecureString) or a secret is declared.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::arn;
use crate::plan::{self, Targets};
use crate::schema::{Field, Kind, Scope};
use crate::walk::{leaves, Home, Leaf};
use crate::{AwsConfig, Root};

/// IAM's limit on a managed policy document: 6,144 characters, not counting
/// whitespace. [`policy_size`] measures a policy the same way.
pub const MANAGED_POLICY_MAX_CHARS: usize = 6_144;

/// The statement ids, one per action.
pub mod sid {
    /// `ssm:GetParameters` on each named parameter.
    pub const READ_NAMED_PARAMETERS: &str = "ReadNamedParameters";
    /// `ssm:GetParametersByPath` on each map component's path.
    pub const READ_MAP_COMPONENTS: &str = "ReadMapComponents";
    /// `secretsmanager:GetSecretValue` on each secret.
    pub const READ_SECRETS: &str = "ReadSecrets";
    /// `secretsmanager:BatchGetSecretValue`.
    pub const BATCH_READ_SECRETS: &str = "BatchReadSecrets";
    /// `kms:Decrypt` through Parameter Store and Secrets Manager.
    pub const DECRYPT_SECURE_VALUES: &str = "DecryptSecureValues";
    /// `secretsmanager:DescribeSecret` on each secret, for `watch()`.
    pub const DESCRIBE_SECRETS: &str = "DescribeSecretsForRefresh";
    /// `sqs:ReceiveMessage` and `sqs:DeleteMessage` on the change-events queue.
    pub const RECEIVE_CHANGE_EVENTS: &str = "ReceiveChangeEvents";
}

/// The least-privilege identity policy that lets a role load `T` in `env`, for
/// `region` and `account` (12 digits). See the [module docs](self) for each
/// statement and why its resource is what it is.
///
/// The three strings are taken as given; [`PolicyOptions`] and
/// [`policy_with`] check them (a region and an account swapped are an error,
/// not a policy that grants nothing) and add what a `Live` config needs.
pub fn policy<T: AwsConfig + Root>(env: &str, region: &str, account: &str) -> Value {
    build::<T>(env, region, account, false)
}

/// The options of [`policy_with`]: where the role loads the config, checked,
/// and whether it also keeps it current with [`Loader::watch`](crate::Loader::watch).
///
/// ```
/// use awsconf::iam::{self, PolicyOptions};
/// # #[derive(awsconf::AwsConfig)]
/// # #[aws_config(app = "api")]
/// # struct Api {
/// #     #[secret(id = "{env}/db")]
/// #     db: awsconf::SecretString,
/// # }
/// let options = PolicyOptions::new("eu-west-1", "123456789012")?.watch(true);
/// let policy = iam::policy_with::<Api>("production", &options);
/// assert!(policy.to_string().contains("secretsmanager:DescribeSecret"));
/// // Swapped arguments are caught:
/// assert!(PolicyOptions::new("123456789012", "eu-west-1").is_err());
/// # Ok::<(), iam::PolicyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyOptions {
    region: String,
    account: String,
    watch: bool,
}

/// Why [`PolicyOptions::new`] refused its arguments.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The account is not 12 digits.
    #[error("account `{0}` is not a 12-digit AWS account id{hint}", hint = swap_hint(.0, "region"))]
    Account(String),
    /// The region is not a region name such as `us-east-1`.
    #[error("region `{0}` is not an AWS region name such as us-east-1{hint}", hint = swap_hint(.0, "account"))]
    Region(String),
}

fn swap_hint(value: &str, other: &str) -> String {
    let looks_like_account = value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit());
    let looks_like_region = is_region(value);
    if (other == "account" && looks_like_account) || (other == "region" && looks_like_region) {
        format!("; it looks like the {other}: are region and account swapped?")
    } else {
        String::new()
    }
}

/// `us-east-1`, `cn-north-1`, `us-gov-west-1`, `eusc-de-east-1`: lowercase
/// words joined by `-`, ending in a number.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    let Some((last, words)) = parts.split_last() else {
        return false;
    };
    words.len() >= 2
        && words
            .iter()
            .all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
}

impl PolicyOptions {
    /// The region and the 12-digit account the role loads the config in.
    pub fn new(region: &str, account: &str) -> Result<PolicyOptions, PolicyError> {
        if !is_region(region) {
            return Err(PolicyError::Region(region.to_string()));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PolicyError::Account(account.to_string()));
        }
        Ok(PolicyOptions {
            region: region.to_string(),
            account: account.to_string(),
            watch: false,
        })
    }

    /// The role also runs [`Loader::watch`](crate::Loader::watch): add
    /// `secretsmanager:DescribeSecret` on the secrets, which each refresh calls
    /// to read a secret's value only when it changed.
    pub fn watch(mut self, on: bool) -> PolicyOptions {
        self.watch = on;
        self
    }

    /// The region's partition (`aws`, `aws-cn`, `aws-us-gov`, ...), which every
    /// ARN of the policy names.
    pub fn partition(&self) -> arn::Partition {
        arn::partition(&self.region)
    }
}

/// [`policy`] for checked options, with `secretsmanager:DescribeSecret` when
/// the role watches the config.
pub fn policy_with<T: AwsConfig + Root>(env: &str, options: &PolicyOptions) -> Value {
    build::<T>(env, &options.region, &options.account, options.watch)
}

fn build<T: AwsConfig + Root>(env: &str, region: &str, account: &str, watch: bool) -> Value {
    let schema = T::schema();
    let scope = Scope::root(env, schema.app.unwrap_or_default());
    let at = Account { region, account };

    // What the fetch plan reads before it knows any map entry: named parameters,
    // map components, secrets.
    let mut targets = Targets::default();
    plan::walk(schema, &scope, None, &mut targets);
    // Every parameter and secret field, with each map entry's key as `*`: a map
    // entry's secrets (`{key}` in the id) and whether any field is a SecureString.
    let mut all: Vec<Leaf> = Vec::new();
    let mut wildcard = |_: &Scope, _: &'static Field| vec!["*".to_string()];
    leaves(schema, &scope, &mut wildcard, &mut all);
    let secrets = secrets(&all);

    // One statement per action, in the order of the module docs' table; an
    // action the load never calls has none.
    let statements: Vec<Value> = [
        read_named_parameters(&at, &targets),
        read_map_components(&at, &targets),
        read_secrets(&at, &secrets),
        batch_read_secrets(&secrets),
        watch.then(|| describe_secrets(&at, &secrets)).flatten(),
        decrypt_secure_values(&at, &all, &secrets),
    ]
    .into_iter()
    .flatten()
    .collect();

    json!({
        "Version": "2012-10-17",
        "Statement": statements,
    })
}

/// [`policy`], plus what a [`Live`](crate::Live) with change events needs
/// (cargo feature `events`, [`Loader::change_events`](crate::Loader)):
/// `sqs:ReceiveMessage` and `sqs:DeleteMessage` on `queue_arn`, in a statement
/// of its own ([`sid::RECEIVE_CHANGE_EVENTS`]), and, as a `Live` describes
/// its secrets on each refresh, `secretsmanager:DescribeSecret` on them
/// ([`sid::DESCRIBE_SECRETS`], as [`PolicyOptions::watch`] adds).
pub fn policy_with_events<T: AwsConfig + Root>(
    env: &str,
    region: &str,
    account: &str,
    queue_arn: &str,
) -> Value {
    // A Live describes its secrets on each refresh, as `iam-policy --events` grants.
    let mut policy = build::<T>(env, region, account, true);
    if let Some(statements) = policy["Statement"].as_array_mut() {
        statements.push(events_statement(queue_arn));
    }
    policy
}

/// The statement that lets a `Live` read and delete its change events.
pub fn events_statement(queue_arn: &str) -> Value {
    json!({
        "Sid": sid::RECEIVE_CHANGE_EVENTS,
        "Effect": "Allow",
        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
        "Resource": queue_arn,
    })
}

/// Where the policy applies: every ARN is built from these, in the region's
/// partition ([`arn`]).
struct Account<'a> {
    region: &'a str,
    account: &'a str,
}

impl Account<'_> {
    fn parameter_arn(&self, name: &str) -> String {
        arn::parameter(self.region, self.account, name)
    }
}

/// A secret the load reads: its id, and whether it is pinned to a stage or
/// version (then it has its own `GetSecretValue`, outside any batch).
struct SecretRead {
    id: String,
    pinned: bool,
}

/// Every secret, static or inside a map entry.
fn secrets(all: &[Leaf]) -> Vec<SecretRead> {
    all.iter()
        .filter_map(|leaf| match (&leaf.home, &leaf.field.kind) {
            (Home::Secret { id }, Kind::Secret(s)) => Some(SecretRead {
                id: id.clone(),
                pinned: s.stage.is_some() || s.version_id.is_some(),
            }),
            _ => None,
        })
        .collect()
}

/// `ssm:GetParameters` authorizes against each requested parameter; a `:3` or
/// `:label` selector is not part of the resource.
fn read_named_parameters(at: &Account<'_>, targets: &Targets) -> Option<Value> {
    let names: BTreeSet<String> = targets
        .params
        .iter()
        .map(|p| at.parameter_arn(&p.name))
        .collect();
    (!names.is_empty()).then(|| {
        statement(
            sid::READ_NAMED_PARAMETERS,
            "ssm:GetParameters",
            names.into_iter().collect(),
        )
    })
}

/// `ssm:GetParametersByPath` authorizes against the path in the request, not the
/// parameters it returns (Systems Manager User Guide, "How Parameter Store
/// authorizes parameter retrieval"). The loader asks for `<prefix>/`, which
/// `<prefix>/*` matches; `<prefix>` covers the same path without the slash. Neither
/// matches a sibling such as `<prefix>-old`.
fn read_map_components(at: &Account<'_>, targets: &Targets) -> Option<Value> {
    let paths: BTreeSet<String> = targets
        .maps
        .iter()
        .flat_map(|m| {
            let arn = at.parameter_arn(&m.prefix);
            [arn.clone(), format!("{arn}/*")]
        })
        .collect();
    (!paths.is_empty()).then(|| {
        statement(
            sid::READ_MAP_COMPONENTS,
            "ssm:GetParametersByPath",
            paths.into_iter().collect(),
        )
    })
}

/// `secretsmanager:GetSecretValue` on each secret: BatchGetSecretValue checks it
/// on each secret in the batch, and pinned secrets (and the per-secret fallback)
/// call GetSecretValue itself.
fn read_secrets(at: &Account<'_>, secrets: &[SecretRead]) -> Option<Value> {
    on_each_secret(
        at,
        secrets,
        sid::READ_SECRETS,
        "secretsmanager:GetSecretValue",
    )
}

/// `secretsmanager:DescribeSecret` on each secret, for a `Live` config: each
/// refresh describes a secret and reads its value only when the version behind
/// its stage changed.
fn describe_secrets(at: &Account<'_>, secrets: &[SecretRead]) -> Option<Value> {
    on_each_secret(
        at,
        secrets,
        sid::DESCRIBE_SECRETS,
        "secretsmanager:DescribeSecret",
    )
}

/// One statement allowing `action` on each secret's ARN; `None` without secrets.
fn on_each_secret(
    at: &Account<'_>,
    secrets: &[SecretRead],
    sid: &str,
    action: &str,
) -> Option<Value> {
    let arns: BTreeSet<String> = secrets
        .iter()
        .map(|s| arn::secret(at.region, at.account, &s.id))
        .collect();
    (!arns.is_empty()).then(|| statement(sid, action, arns.into_iter().collect()))
}

/// `secretsmanager:BatchGetSecretValue`, when a secret is read in a batch.
///
/// The action has no resource type in the Service Authorization Reference
/// ("Actions, resources, and condition keys for AWS Secrets Manager": an action
/// with an empty Resource types column must be granted on "*"), and its API
/// reference says "Required permissions: secretsmanager:BatchGetSecretValue, and
/// you must have secretsmanager:GetSecretValue for each secret", so the secrets
/// themselves stay limited by `ReadSecrets`. ListSecrets is needed only with
/// Filters, which awsconf never sends.
fn batch_read_secrets(secrets: &[SecretRead]) -> Option<Value> {
    secrets.iter().any(|s| !s.pinned).then(|| {
        json!({
            "Sid": sid::BATCH_READ_SECRETS,
            "Effect": "Allow",
            "Action": "secretsmanager:BatchGetSecretValue",
            "Resource": "*",
        })
    })
}

/// `kms:Decrypt`: a SecureString parameter or a secret encrypted with a
/// customer-managed key needs it on that key (the AWS-managed aws/ssm and
/// aws/secretsmanager keys need no identity permission). The schema cannot know
/// which key encrypts a value, so the resource is every key of the account (and of
/// the account of any secret given by ARN), and the condition kms:ViaService limits
/// use to decryption that Parameter Store or Secrets Manager performs on the
/// caller's behalf in this region: the role cannot call KMS directly.
fn decrypt_secure_values(at: &Account<'_>, all: &[Leaf], secrets: &[SecretRead]) -> Option<Value> {
    let secure_params = all
        .iter()
        .any(|l| matches!(l.home, Home::Param { .. }) && l.field.is_secret());
    let mut via = Vec::new();
    if secure_params {
        via.push(arn::service_host("ssm", at.region));
    }
    if !secrets.is_empty() {
        via.push(arn::service_host("secretsmanager", at.region));
    }
    if via.is_empty() {
        return None;
    }
    let mut accounts: BTreeSet<String> = BTreeSet::from([at.account.to_string()]);
    accounts.extend(secrets.iter().filter_map(|s| arn::account(&s.id)));
    let keys: Vec<String> = accounts
        .iter()
        .map(|a| arn::kms_keys(at.region, a))
        .collect();
    Some(json!({
        "Sid": sid::DECRYPT_SECURE_VALUES,
        "Effect": "Allow",
        "Action": "kms:Decrypt",
        "Resource": keys,
        "Condition": { "StringEquals": { "kms:ViaService": via } },
    }))
}

/// Warnings for statements whose resources match every parameter or every
/// secret of the account (a resource that starts with a wildcard, such as
/// `…:secret:*-??????` from a secret id that starts with `{key}`). Such a
/// policy is not least-privilege: give the id a fixed prefix
/// (`{env}/tenants/{key}/rds`). The `iam-policy` command prints these on
/// stderr.
pub fn broad_statements(policy: &Value) -> Vec<String> {
    let mut warnings = Vec::new();
    let statements = policy["Statement"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    for statement in statements {
        let resources: Vec<&str> = match &statement["Resource"] {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for resource in resources.into_iter().filter(|r| arn::covers_everything(r)) {
            let what = if resource.contains(":secret:") {
                "every secret"
            } else {
                "every parameter"
            };
            warnings.push(format!(
                "statement {} grants {} on {resource}, which matches {what} of the account in this region; \
                 give the secret id or name a fixed prefix (for example `{{env}}/tenants/{{key}}/rds`, not `{{key}}/rds`)",
                statement["Sid"].as_str().unwrap_or("?"),
                statement["Action"].as_str().unwrap_or("?"),
            ));
        }
    }
    warnings
}

/// A policy's size as IAM counts it against [`MANAGED_POLICY_MAX_CHARS`]: its
/// compact JSON without whitespace.
pub fn policy_size(policy: &Value) -> usize {
    policy
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
}

fn statement(sid: &str, action: &str, resources: Vec<String>) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Allow",
        "Action": action,
        "Resource": resources,
    })
}
