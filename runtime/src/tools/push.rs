//! Writes a local TOML file's values into an environment: to bootstrap a new
//! environment or the emulator from the file [`template()`](super::template()) wrote.
//!
//! - Each field's value goes where the loader reads it: a parameter as a `String`,
//!   a `StringList` (a TOML array) or, for a secret field (its type an
//!   [`awsconf::Secret`](crate::Secret): `SecretString`, a container of it, a type
//!   deriving `Secret`), a `SecureString`; a secret into
//!   Secrets Manager (`CreateSecret`, or `PutSecretValue` for an existing one).
//! - Before anything is written the file is loaded offline as `T`: a value that
//!   would not convert to its field's type stops the push. Keys that are no field
//!   of `T`, and keys of a whole-secret table that its type does not read
//!   (`host` in a `[credentials]` of `username` and `password`), stop it too
//!   ([`PushError::UnknownKeys`]); with [`PushOptions::allow_unknown_keys`] they
//!   are reported and not pushed. So does a name AWS would refuse: a map key
//!   that is no SSM name segment (a space, a `/` that would make `a/b` an entry
//!   `a`), two fields that would write one parameter, a value holding a
//!   parameter reference (`{{ssm:...}}`, which AWS refuses in a value). A value
//!   over the Standard tier's 4 KB is written with the Intelligent-Tiering tier
//!   (AWS makes it Advanced).
//! - A dry run by default ([`PushOptions::apply`] writes). An existing parameter or
//!   secret is never replaced without [`PushOptions::overwrite`].
//! - It never destroys what no field owns:
//!   - fields that read one key of a JSON secret (`key = "password"`), and a
//!     whole-secret field whose value is a table (a struct such as
//!     `credentials: DbCredentials` with `username` and `password`), are merged
//!     into the secret's JSON object, and every other key (an RDS secret's
//!     `engine`, `host`, `port`, `dbname`) is kept, byte for byte (a number is
//!     not rounded) and at any depth (a nested object's other keys too); the
//!     report, dry run included, lists the kept keys ([`PushItem::kept_keys`],
//!     `replica.zone` for a nested one). A secret that
//!     is not a JSON object is [`Refused`](PushStatus::Refused) rather than
//!     replaced. Only a whole-secret field holding text (`SecretString`) or
//!     bytes replaces the secret whole: it owns all of it;
//!   - a secret whose `AWSCURRENT` version moved between push's read and its
//!     write (a rotation, another writer) is not written: push checks the
//!     version with `DescribeSecret` right before `PutSecretValue` and reports
//!     [`Refused`](PushStatus::Refused), so a rotated password is never
//!     reverted to the file's older one;
//!   - a `SecureString` is never overwritten by a field that would store it as
//!     plain text ([`Refused`](PushStatus::Refused)), also when another writer
//!     made it one after push read it (checked right before the write), and an
//!     overwritten one keeps
//!     its KMS key: push reads it with `DescribeParameters` and sends it back as
//!     `KeyId` (without that, AWS would re-encrypt it under `aws/ssm`, readable
//!     by anyone with `ssm:GetParameter`); when the key cannot be read nothing
//!     is written;
//!   - a value that is already there is not written again
//!     ([`Unchanged`](PushStatus::Unchanged)): a rerun is a no-op.
//! - Values are never printed or put in an error, only names.
//!
//! To compare and merge, a push reads what is there first: it needs
//! `ssm:GetParameters` (with decryption, so `kms:Decrypt` for customer-managed
//! keys), `ssm:DescribeParameters` (for a SecureString's key),
//! `secretsmanager:GetSecretValue` and `secretsmanager:DescribeSecret`,
//! besides the writes (`ssm:PutParameter`, `secretsmanager:PutSecretValue`,
//! `secretsmanager:CreateSecret`).
//!
//! Writes go one at a time: `PutParameter`'s default throughput is low, and the
//! SDK's retries absorb its throttling.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::ParameterType;
use figment::providers::{Format, Toml};
use figment::value::{Dict, Value};
use figment::Figment;
use serde::Serialize;

use super::{leaves, root_scope, table, Home, Leaf};
use crate::aws_error::{classify, Call};
use crate::error::ProblemKind;
use crate::limits::{PARAM_ADVANCED_MAX_BYTES, PARAM_STANDARD_MAX_BYTES, SECRET_MAX_BYTES};
use crate::location::Location;
use crate::plan::GET_PARAMETERS_MAX;
use crate::schema::{Field, Kind, Schema, Scope};
use crate::walk::Visit;
use crate::{AwsConfig, Root};

/// What a push may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// Write. Without it, a push only reports what it would do (a dry run).
    pub apply: bool,
    /// Replace parameters and secrets that exist. Without it they are left alone.
    pub overwrite: bool,
    /// Push a file with keys that are no field of the config, skipping them
    /// (listed in [`PushReport::unknown_keys`]). Without it such a file is
    /// refused ([`PushError::UnknownKeys`]) and nothing is written: a mistyped
    /// key (`hots` for `host`) would otherwise push everything else and leave
    /// the env unable to load.
    pub allow_unknown_keys: bool,
}

/// What happened, or would happen, to one parameter or secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum PushStatus {
    /// Dry run: absent, would be created.
    WouldCreate,
    /// Dry run: exists, would be replaced (`overwrite` is on).
    WouldOverwrite,
    /// Exists and was left alone: `overwrite` is off.
    Exists,
    /// Already holds this value: nothing written (a rerun of a push is a no-op).
    Unchanged,
    /// Created.
    Created,
    /// Replaced (a new parameter version, or a new secret version in AWSCURRENT).
    Overwritten,
    /// Not pushed, for the reason given.
    Skipped {
        /// Why.
        reason: String,
    },
    /// Not written, because writing would destroy what no field owns (a
    /// SecureString turned into plain text, a secret that is not a JSON object
    /// replaced by one).
    Refused {
        /// Why, naming the field; never a value.
        reason: String,
    },
    /// AWS refused or failed the call.
    Failed {
        /// What AWS said, in plain words (never the value).
        message: String,
    },
}

impl PushStatus {
    fn label(&self) -> String {
        match self {
            PushStatus::WouldCreate => "would create".into(),
            PushStatus::WouldOverwrite => "would overwrite".into(),
            PushStatus::Exists => "exists, kept (--overwrite replaces it)".into(),
            PushStatus::Unchanged => "unchanged".into(),
            PushStatus::Refused { reason } => format!("REFUSED: {reason}"),
            PushStatus::Created => "created".into(),
            PushStatus::Overwritten => "overwritten".into(),
            PushStatus::Skipped { reason } => format!("skipped: {reason}"),
            PushStatus::Failed { message } => format!("FAILED: {message}"),
        }
    }
}

/// One parameter or secret of a push.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PushItem {
    /// The parameter or secret (in JSON, as its text: the SSM name or
    /// `secret <id>`).
    pub target: Location,
    /// `String`, `StringList`, `SecureString`, `secret` or `secret (binary)`.
    pub kind: String,
    /// The fields whose values it holds.
    pub fields: Vec<String>,
    /// What happened.
    #[serde(flatten)]
    pub status: PushStatus,
    /// Keys of the secret's JSON object that no field declares: a push that
    /// sets some keys keeps these as they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept_keys: Vec<String>,
}

/// The result of [`push`].
#[derive(Clone, Debug, Serialize)]
pub struct PushReport {
    /// The config type.
    pub config: &'static str,
    /// The environment pushed to.
    pub env: String,
    /// Did the push write (`apply`), or was it a dry run?
    pub applied: bool,
    /// Every parameter and secret, parameters first.
    pub items: Vec<PushItem>,
    /// Keys of the file that are no field of the config: not pushed.
    pub unknown_keys: Vec<String>,
}

impl PushReport {
    /// `1` when any write failed or was refused, else `0`.
    pub fn exit_code(&self) -> u8 {
        if self.items.iter().any(|i| {
            matches!(
                i.status,
                PushStatus::Failed { .. } | PushStatus::Refused { .. }
            )
        }) {
            1
        } else {
            0
        }
    }

    /// How many items have a status like `status` (its variant, ignoring reasons).
    pub fn count(&self, status: &PushStatus) -> usize {
        self.items
            .iter()
            .filter(|i| std::mem::discriminant(&i.status) == std::mem::discriminant(status))
            .count()
    }

    /// The report as a plain-text summary line and table. It holds no value.
    pub fn to_table(&self) -> String {
        let mut out = format!(
            "{} {} to env `{}`: {} parameters and secrets\n",
            if self.applied {
                "push"
            } else {
                "dry run (nothing written; --apply writes):"
            },
            self.config,
            self.env,
            self.items.len()
        );
        let rows: Vec<Vec<String>> = self
            .items
            .iter()
            .map(|i| {
                let mut status = i.status.label();
                if !i.kept_keys.is_empty() {
                    status.push_str(&format!("; keeps keys {}", i.kept_keys.join(", ")));
                }
                vec![
                    i.target.to_string(),
                    i.kind.clone(),
                    i.fields.join(", "),
                    status,
                ]
            })
            .collect();
        out.push_str(&table(&["target", "type", "fields", "status"], &rows));
        for key in &self.unknown_keys {
            out.push_str(&format!(
                "unknown key `{key}`: no field of {}, not pushed\n",
                self.config
            ));
        }
        out
    }
}

/// Why a push did not start. No variant holds a value from the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PushError {
    /// The file is not valid TOML. The message gives the position, never the text.
    #[error("{source_name} is not valid TOML: {message}")]
    Toml {
        /// The file's name, for the message.
        source_name: String,
        /// Where and what, without the offending text.
        message: String,
    },
    /// Values of the file would not convert to their fields' types.
    #[error("{source_name} holds values that would not load, so nothing was pushed:\n{error}")]
    WouldNotLoad {
        /// The file's name, for the message.
        source_name: String,
        /// The offline load's problems (secrets redacted, as always).
        error: crate::Error,
    },
    /// Keys of the file that are no field of the config, each with the field
    /// it probably meant; nothing was pushed (see
    /// [`PushOptions::allow_unknown_keys`]).
    #[error("{source_name} has keys that are no field of {config}, so nothing was pushed:\n  - {}", unknown_lines(.keys))]
    UnknownKeys {
        /// The file's name, for the message.
        source_name: String,
        /// The config's type name.
        config: &'static str,
        /// Each unknown key (a dotted path) and the nearest field name at
        /// that level, when one is close.
        keys: Vec<(String, Option<String>)>,
    },
    /// Values that Parameter Store or Secrets Manager cannot hold as given.
    #[error("{source_name} holds values that cannot be pushed:\n  - {}", .problems.join("\n  - "))]
    Unpushable {
        /// The file's name, for the message.
        source_name: String,
        /// One line per value: the field and what is wrong.
        problems: Vec<String>,
    },
}

/// A parameter to write.
struct ParamDraft {
    name: String,
    kind: ParameterType,
    text: String,
    field: String,
}

/// A secret to write.
#[derive(Clone, PartialEq, Eq)]
enum Payload {
    Text(String),
    Binary(Vec<u8>),
}

impl Payload {
    /// The size AWS counts, in bytes.
    fn len(&self) -> usize {
        match self {
            Payload::Text(t) => t.len(),
            Payload::Binary(b) => b.len(),
        }
    }
}

struct SecretDraft {
    id: String,
    payload: Payload,
    /// The fields set keys of a JSON object (`key = "..."` fields, or a
    /// whole-secret table): they are merged into the secret's JSON object, and
    /// every other key of it is kept.
    merge: bool,
    fields: Vec<String>,
}

/// Pushes the values of a TOML document (`toml`, read from `source_name`) into
/// `env`. `progress(done, total)` is called after each write; it is `Send` so
/// that the push (and the CLI around it) can run on any runtime thread.
pub async fn push<T: AwsConfig + Root>(
    env: &str,
    sdk_config: &SdkConfig,
    toml: &str,
    source_name: &str,
    options: PushOptions,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<PushReport, PushError> {
    let schema = T::schema();
    let Prepared {
        params,
        secrets,
        skipped,
        unknown_keys,
    } = prepare::<T>(env, toml, source_name, options.allow_unknown_keys).await?;

    let aws = Aws::new(sdk_config);
    let mut current_params = aws.current_params(&params).await;
    // SecureStrings to overwrite: their KMS keys, to send back.
    let secure: Vec<String> = params
        .iter()
        .filter(|p| {
            p.kind == ParameterType::SecureString
                && matches!(
                    current_params.get(&p.name),
                    Some(Ok(Some((ParameterType::SecureString, _))))
                )
        })
        .map(|p| p.name.clone())
        .collect();
    let mut key_ids = if options.apply && options.overwrite && !secure.is_empty() {
        aws.key_ids(&secure).await
    } else {
        BTreeMap::new()
    };
    let mut current_secrets = BTreeMap::new();
    for s in &secrets {
        current_secrets.insert(s.id.clone(), aws.current_secret(&s.id).await);
    }

    let mut writes = Writes {
        aws: &aws,
        options,
        progress,
        done: 0,
        total: params.len() + secrets.len(),
    };
    let mut items = Vec::new();
    for p in params {
        let current = current_params
            .remove(&p.name)
            .unwrap_or_else(|| Err("not checked".into()));
        let key_id = key_ids.remove(&p.name);
        items.push(writes.param(p, current, key_id).await);
    }
    for s in secrets {
        let current = current_secrets
            .remove(&s.id)
            .unwrap_or_else(|| Err("not checked".into()));
        items.push(writes.secret(s, current).await);
    }
    items.extend(skipped);

    Ok(PushReport {
        config: schema.type_name,
        env: env.to_string(),
        applied: options.apply,
        items,
        unknown_keys,
    })
}

/// What a push would write, before any call: the file's values checked and
/// turned into drafts. Every refusal of the file is an `Err`.
pub(crate) struct Prepared {
    params: Vec<ParamDraft>,
    secrets: Vec<SecretDraft>,
    skipped: Vec<PushItem>,
    unknown_keys: Vec<String>,
}

impl Prepared {
    /// One line per draft and skipped item: target, kind and value size (never
    /// the value), for the fuzz target's oracle.
    #[cfg(any(test, fuzzing))]
    pub(crate) fn summary(&self) -> Vec<(String, String, usize)> {
        let mut out: Vec<(String, String, usize)> = self
            .params
            .iter()
            .map(|p| (p.name.clone(), p.kind.as_str().to_string(), p.text.len()))
            .collect();
        out.extend(self.secrets.iter().map(|s| {
            (
                format!("secret {}", s.id),
                "secret".to_string(),
                s.payload.len(),
            )
        }));
        out.extend(
            self.skipped
                .iter()
                .map(|i| (i.target.to_string(), i.status.label(), 0)),
        );
        out
    }
}

/// The checks of a push that need no AWS call: the TOML parses, loads offline
/// as `T` without an invalid value, has no unknown key (unless allowed), and
/// every value fits where it goes.
pub(crate) async fn prepare<T: AwsConfig + Root>(
    env: &str,
    toml: &str,
    source_name: &str,
    allow_unknown_keys: bool,
) -> Result<Prepared, PushError> {
    let schema = T::schema();
    let dict = parse(toml, source_name)?;
    would_load::<T>(env, toml, source_name).await?;
    let unknown_keys = unknown(schema, env, &dict);
    if !unknown_keys.is_empty() && !allow_unknown_keys {
        return Err(PushError::UnknownKeys {
            source_name: source_name.to_string(),
            config: schema.type_name,
            keys: unknown_keys,
        });
    }
    let unknown_keys = unknown_keys.into_iter().map(|(key, _)| key).collect();
    let Drafts {
        params,
        secrets,
        skipped,
        problems,
    } = drafts_of(schema, env, &dict);
    if !problems.is_empty() {
        return Err(PushError::Unpushable {
            source_name: source_name.to_string(),
            problems,
        });
    }
    Ok(Prepared {
        params,
        secrets,
        skipped,
        unknown_keys,
    })
}

/// The loader is the judge of what converts: the file is loaded offline as `T`.
/// Invalid values and values or names over AWS's limits stop a push (AWS would
/// refuse them); a partial file (missing fields) is fine.
async fn would_load<T: AwsConfig + Root>(
    env: &str,
    toml: &str,
    source_name: &str,
) -> Result<(), PushError> {
    let Err(err) = T::loader()
        .env(env)
        .offline()
        .merge(Toml::string(toml))
        .load()
        .await
    else {
        return Ok(());
    };
    let problems: Vec<_> = err
        .into_problems()
        .into_iter()
        .filter(|p| {
            matches!(
                p.kind(),
                ProblemKind::Invalid | ProblemKind::Layer | ProblemKind::Limit
            )
        })
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(PushError::WouldNotLoad {
        source_name: source_name.to_string(),
        error: crate::Error::new(T::schema().type_name, Some(env.to_string()), problems),
    })
}

/// Every field the file sets, as a parameter or secret to write.
fn drafts_of(schema: &'static Schema, env: &str, dict: &Dict) -> Drafts {
    let scope = root_scope(schema, env);
    let mut found = Vec::new();
    // A map key becomes a segment of its entry's SSM names: one SSM would
    // refuse, or a `/` that would make `a/b` an entry `a` when loaded (and
    // alias another entry's names), stops the push before any call.
    let mut bad_keys = Vec::new();
    let mut entries = |scope: &Scope, field: &'static Field| -> Vec<String> {
        let Some(Value::Dict(_, d)) = lookup(dict, &scope.field_keys(field)) else {
            return Vec::new();
        };
        d.keys()
            .filter(|key| match awsconf_names::ssm_segment(key) {
                // Only a name's first segment is reserved (`aws...`, `ssm...`).
                Ok(()) | Err(awsconf_names::SsmNameError::Reserved) => true,
                Err(_) => {
                    let why = crate::limits::ssm_segment(key).err().unwrap_or_default();
                    bad_keys.push(format!(
                        "{}: map key \"{}\" {why}; it would be a segment of the entry's SSM names",
                        scope.field_keys(field).join("."),
                        key.escape_debug()
                    ));
                    false
                }
            })
            .cloned()
            .collect()
    };
    leaves(schema, &scope, &mut entries, &mut found);
    let mut drafts = drafts(&found, dict);
    drafts.problems.splice(0..0, bad_keys);
    drafts
}

/// A parameter as it is now: its type and (decrypted) value, or `None` when
/// absent. `Err` is why it could not be read.
type CurrentParam = Result<Option<(ParameterType, secrecy::SecretString)>, String>;

/// A secret as it is now.
enum CurrentSecret {
    Absent,
    /// It exists, with no value in `AWSCURRENT`.
    NoValue,
    /// Its `AWSCURRENT` value, and that version's id.
    Text(secrecy::SecretString, Option<String>),
    Binary(secrecy::SecretBox<Vec<u8>>, Option<String>),
}

impl CurrentSecret {
    /// The `AWSCURRENT` version that was read.
    fn version(&self) -> Option<&str> {
        match self {
            CurrentSecret::Text(_, v) | CurrentSecret::Binary(_, v) => v.as_deref(),
            CurrentSecret::Absent | CurrentSecret::NoValue => None,
        }
    }
}

/// The clients of a push.
struct Aws {
    ssm: aws_sdk_ssm::Client,
    sm: aws_sdk_secretsmanager::Client,
    region: String,
}

impl Aws {
    fn new(sdk_config: &SdkConfig) -> Aws {
        Aws {
            ssm: aws_sdk_ssm::Client::new(sdk_config),
            sm: aws_sdk_secretsmanager::Client::new(sdk_config),
            region: sdk_config
                .region()
                .map_or_else(|| "*".to_string(), |r| r.to_string()),
        }
    }

    /// Each parameter's type and value: to leave an equal value alone and never
    /// turn a SecureString into plain text.
    async fn current_params(&self, params: &[ParamDraft]) -> BTreeMap<String, CurrentParam> {
        let mut out = BTreeMap::new();
        let names: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
        for batch in names.chunks(GET_PARAMETERS_MAX) {
            let result = self
                .ssm
                .get_parameters()
                .set_names(Some(batch.to_vec()))
                .with_decryption(true)
                .send()
                .await;
            match result {
                Ok(answer) => {
                    for n in batch {
                        let found = answer.parameters().iter().find(|p| p.name() == Some(n));
                        let current = found.and_then(|p| {
                            let kind = p.r#type()?.clone();
                            let value = p.value().unwrap_or_default().to_string();
                            Some((kind, secrecy::SecretString::from(value)))
                        });
                        out.insert(n.clone(), Ok(current));
                    }
                }
                Err(err) => {
                    let call = Call {
                        action: "ssm:GetParameters",
                        resource: crate::arn::parameter(&self.region, "{account}", &batch[0]),
                        what: None,
                        fields: String::new(),
                    };
                    let message = classify(err, &call).message().to_string();
                    for n in batch {
                        out.insert(n.clone(), Err(message.clone()));
                    }
                }
            }
        }
        out
    }

    /// A secret's `AWSCURRENT` value: to merge keys into it and to leave an
    /// equal value alone.
    async fn current_secret(&self, id: &str) -> Result<CurrentSecret, String> {
        let call = |action| Call {
            action,
            resource: crate::arn::secret(&self.region, "{account}", id),
            what: None,
            fields: String::new(),
        };
        let result = self.sm.get_secret_value().secret_id(id).send().await;
        match result {
            Ok(answer) => {
                let version = answer.version_id().map(str::to_string);
                Ok(match (answer.secret_string(), answer.secret_binary()) {
                    (Some(text), _) => CurrentSecret::Text(text.to_string().into(), version),
                    (None, Some(blob)) => CurrentSecret::Binary(
                        secrecy::SecretBox::new(Box::new(blob.as_ref().to_vec())),
                        version,
                    ),
                    (None, None) => CurrentSecret::NoValue,
                })
            }
            Err(err) if err.code() == Some("ResourceNotFoundException") => {
                // No secret, or a secret with no value in AWSCURRENT yet.
                match self.sm.describe_secret().secret_id(id).send().await {
                    Ok(_) => Ok(CurrentSecret::NoValue),
                    Err(e) if e.code() == Some("ResourceNotFoundException") => {
                        Ok(CurrentSecret::Absent)
                    }
                    Err(e) => Err(classify(e, &call("secretsmanager:DescribeSecret"))
                        .message()
                        .to_string()),
                }
            }
            Err(err) => Err(classify(err, &call("secretsmanager:GetSecretValue"))
                .message()
                .to_string()),
        }
    }

    /// The KMS key of each SecureString among `names` (`DescribeParameters`);
    /// `Err` is why it could not be read.
    async fn key_ids(&self, names: &[String]) -> BTreeMap<String, Result<Option<String>, String>> {
        use aws_sdk_ssm::types::ParameterStringFilter;
        let mut out = BTreeMap::new();
        for batch in names.chunks(GET_PARAMETERS_MAX) {
            let filter = ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .set_values(Some(batch.to_vec()))
                .build()
                .ok();
            let mut found: BTreeMap<String, Option<String>> = BTreeMap::new();
            let mut token: Option<String> = None;
            let mut failed = None;
            for _ in 0..crate::DEFAULT_MAX_PAGES {
                let result = match filter.clone() {
                    Some(filter) => {
                        self.ssm
                            .describe_parameters()
                            .parameter_filters(filter)
                            .set_next_token(token.take())
                            .send()
                            .await
                    }
                    // Key and values are set, so the build cannot fail.
                    None => break,
                };
                match result {
                    Ok(answer) => {
                        for m in answer.parameters() {
                            if let Some(name) = m.name() {
                                found.insert(name.to_string(), m.key_id().map(str::to_string));
                            }
                        }
                        token = answer.next_token().map(str::to_string);
                        if token.is_none() {
                            break;
                        }
                    }
                    Err(err) => {
                        let call = Call {
                            action: "ssm:DescribeParameters",
                            resource: "*".into(),
                            what: None,
                            fields: String::new(),
                        };
                        failed = Some(classify(err, &call).message().to_string());
                        break;
                    }
                }
            }
            for n in batch {
                let key = match (&failed, found.remove(n)) {
                    (Some(why), _) => Err(format!("its KMS key could not be read ({why}); nothing written, so it is not re-encrypted under aws/ssm")),
                    (None, Some(key)) => Ok(key),
                    (None, None) => Err("its KMS key could not be read (DescribeParameters did not list it); nothing written, so it is not re-encrypted under aws/ssm".into()),
                };
                out.insert(n.clone(), key);
            }
        }
        out
    }

    async fn put_parameter(
        &self,
        p: &ParamDraft,
        exists: bool,
        key_id: Option<&str>,
    ) -> PushStatus {
        let result = self
            .ssm
            .put_parameter()
            .name(&p.name)
            .value(&p.text)
            .r#type(p.kind.clone())
            // Over the Standard tier's 4 KB: Intelligent-Tiering lets AWS make
            // it Advanced (without a tier, the account's default, Standard,
            // refuses it).
            .set_tier(
                (p.text.len() > PARAM_STANDARD_MAX_BYTES)
                    .then_some(aws_sdk_ssm::types::ParameterTier::IntelligentTiering),
            )
            .set_key_id(key_id.map(str::to_string))
            .overwrite(exists)
            .send()
            .await;
        match result {
            Ok(_) if exists => PushStatus::Overwritten,
            Ok(_) => PushStatus::Created,
            // Absent when push read it: another writer made it since.
            Err(err) if err.code() == Some("ParameterAlreadyExists") => created_meanwhile(),
            Err(err) => {
                let call = Call {
                    action: "ssm:PutParameter",
                    resource: crate::arn::parameter(&self.region, "{account}", &p.name),
                    what: None,
                    fields: String::new(),
                };
                let message = match (p.kind == ParameterType::SecureString, err.code()) {
                    (true, Some(code)) => {
                        secret_write_failure(code, err.message().unwrap_or_default(), &call)
                    }
                    _ => crate::redact::scrub(classify(err, &call).message(), &p.text),
                };
                PushStatus::Failed { message }
            }
        }
    }

    /// `Some(refusal)` when the secret's `AWSCURRENT` version is no longer
    /// `read` (the version push read): a rotation or another writer moved it.
    /// Is the parameter a SecureString now? Asked right before a plain value
    /// overwrites it: another writer may have made it one since push read it.
    /// (SSM has no conditional put; this shrinks the window to one call.)
    async fn became_secure(&self, name: &str) -> Option<PushStatus> {
        let answer = self
            .ssm
            .get_parameters()
            .names(name)
            .with_decryption(false)
            .send()
            .await;
        match answer {
            Ok(answer) => answer
                .parameters()
                .iter()
                .any(|p| p.r#type() == Some(&ParameterType::SecureString))
                .then(|| PushStatus::Refused {
                    reason: "it became a SecureString after push read it (another writer); storing a plain value would leave it unencrypted, so nothing was written".into(),
                }),
            Err(err) => {
                let call = Call {
                    action: "ssm:GetParameters",
                    resource: crate::arn::parameter(&self.region, "{account}", name),
                    what: None,
                    fields: String::new(),
                };
                Some(PushStatus::Failed {
                    message: format!(
                        "could not check that the parameter is still not a SecureString, so nothing was written: {}",
                        classify(err, &call).message()
                    ),
                })
            }
        }
    }

    async fn moved_since_read(&self, id: &str, read: &str) -> Option<PushStatus> {
        let now = match self.sm.describe_secret().secret_id(id).send().await {
            Ok(answer) => answer.version_ids_to_stages().and_then(|m| {
                m.iter()
                    .find(|(_, stages)| stages.iter().any(|s| s == "AWSCURRENT"))
                    .map(|(v, _)| v.clone())
            }),
            Err(err) => {
                let call = Call {
                    action: "secretsmanager:DescribeSecret",
                    resource: crate::arn::secret(&self.region, "{account}", id),
                    what: None,
                    fields: String::new(),
                };
                return Some(PushStatus::Failed {
                    message: format!(
                        "could not check that the secret is unchanged since it was read, so nothing was written: {}",
                        classify(err, &call).message()
                    ),
                });
            }
        };
        match now {
            Some(now) if now == read => None,
            now => Some(PushStatus::Refused {
                reason: format!(
                    "the secret changed after push read it (AWSCURRENT moved from version {read} to {}: a rotation or another writer); nothing written, so the newer value stays; run push again",
                    now.as_deref().unwrap_or("none")
                ),
            }),
        }
    }

    async fn write_secret(&self, id: &str, payload: &Payload, exists: bool) -> PushStatus {
        let (text, binary) = match payload {
            Payload::Text(t) => (Some(t.clone()), None),
            Payload::Binary(b) => (
                None,
                Some(aws_sdk_secretsmanager::primitives::Blob::new(b.clone())),
            ),
        };
        let sm = &self.sm;
        let (action, result) = if exists {
            let r = sm
                .put_secret_value()
                .secret_id(id)
                .set_secret_string(text)
                .set_secret_binary(binary)
                .send()
                .await
                .map(|_| PushStatus::Overwritten);
            (
                "secretsmanager:PutSecretValue",
                r.map_err(|e| e.code_and_message()),
            )
        } else {
            let r = sm
                .create_secret()
                .name(id)
                .set_secret_string(text)
                .set_secret_binary(binary)
                .send()
                .await
                .map(|_| PushStatus::Created);
            (
                "secretsmanager:CreateSecret",
                r.map_err(|e| e.code_and_message()),
            )
        };
        match result {
            Ok(status) => status,
            Err((code, _)) if code.as_deref() == Some("ResourceExistsException") => {
                created_meanwhile()
            }
            Err((code, message)) => {
                let call = Call {
                    action,
                    resource: crate::arn::secret(&self.region, "{account}", id),
                    what: None,
                    fields: String::new(),
                };
                PushStatus::Failed {
                    message: secret_write_failure(
                        code.as_deref().unwrap_or("Unknown"),
                        &message,
                        &call,
                    ),
                }
            }
        }
    }
}

/// A create that found the parameter or secret there: another writer made it
/// after push read it. Nothing was written, whatever `--overwrite` says: its
/// value was never compared, so the newer one stays.
fn created_meanwhile() -> PushStatus {
    PushStatus::Refused {
        reason: "another writer created it after push read it; nothing written, so its value stays; run push again".into(),
    }
}

/// Why a write of a secret value (a SecureString, a secret) failed: AWS's
/// error code, never its message, which may repeat the value or a piece of it
/// (one key of a JSON secret, one item of a list, a prefix of a long value).
/// Access denied keeps what the role needs (built from the call, not the text).
fn secret_write_failure(code: &str, message: &str, call: &Call<'_>) -> String {
    match crate::aws_error::service_problem(code, message, call) {
        (ProblemKind::AccessDenied, text) => text,
        _ => format!("AWS answered {code} (its message is not shown: it may repeat the value)"),
    }
}

/// What to do with one parameter or secret, decided from the file and what is
/// there now, before any write.
#[derive(Debug, PartialEq, Eq)]
enum Decision {
    /// Report this status, write nothing.
    Report(PushStatus),
    /// Write (create when `exists` is false).
    Write { exists: bool },
}

fn decide(options: PushOptions, exists: bool) -> Decision {
    match (options.apply, exists, options.overwrite) {
        (false, false, _) => Decision::Report(PushStatus::WouldCreate),
        (false, true, true) => Decision::Report(PushStatus::WouldOverwrite),
        (_, true, false) => Decision::Report(PushStatus::Exists),
        (true, exists, _) => Decision::Write { exists },
    }
}

/// A parameter: never a SecureString downgraded, never an equal value rewritten.
fn decide_param(
    options: PushOptions,
    draft: &ParamDraft,
    current: Option<(&ParameterType, &str)>,
) -> Decision {
    match current {
        None => decide(options, false),
        Some((ParameterType::SecureString, _)) if draft.kind != ParameterType::SecureString => {
            Decision::Report(PushStatus::Refused {
                reason: format!(
                    "it is a SecureString, and field {} would store it as a plain {}, unencrypted; \
                     declare the field as a secret (a SecretString, or another awsconf::Secret type), or delete the parameter first",
                    draft.field,
                    draft.kind.as_str()
                ),
            })
        }
        Some((kind, value)) if *kind == draft.kind && value == draft.text => {
            Decision::Report(PushStatus::Unchanged)
        }
        Some(_) => decide(options, true),
    }
}

/// A secret's new value and the keys of the old one it keeps; or why it must
/// not be written.
fn merged_secret(
    draft: &SecretDraft,
    current: &CurrentSecret,
) -> Result<(Payload, Vec<String>), String> {
    use secrecy::ExposeSecret as _;
    if !draft.merge {
        return Ok((draft.payload.clone(), Vec::new()));
    }
    let declared = match &draft.payload {
        Payload::Text(text) => serde_json::from_str::<serde_json::Map<_, _>>(text)
            .map_err(|_| "the declared keys are not a JSON object".to_string())?,
        Payload::Binary(_) => return Ok((draft.payload.clone(), Vec::new())),
    };
    let mut kept = Vec::new();
    let merged = match current {
        CurrentSecret::Absent | CurrentSecret::NoValue => {
            serde_json::Value::Object(declared).to_string()
        }
        CurrentSecret::Binary(..) => {
            return Err(
                "the secret is SecretBinary, and the file sets keys of a JSON object; writing would replace it whole"
                    .into(),
            )
        }
        CurrentSecret::Text(text, _) => merge_object(text.expose_secret(), declared, "", &mut kept)
            .ok_or_else(|| {
                "the secret's value is not a JSON object, and the file sets keys of one; writing would replace it whole"
                    .to_string()
            })?,
    };
    kept.sort();
    Ok((Payload::Text(merged), kept))
}

/// `existing` (JSON text) with the `declared` keys set, as JSON text; `None`
/// when `existing` is not a JSON object. Every key the file does not set is
/// kept byte for byte (a number is not rounded through `f64`), at any depth: a
/// declared object is merged into the object it replaces. `kept` gets the
/// kept keys' paths (`replica.zone`).
fn merge_object(
    existing: &str,
    declared: serde_json::Map<String, serde_json::Value>,
    prefix: &str,
    kept: &mut Vec<String>,
) -> Option<String> {
    use serde_json::value::RawValue;
    let mut old: BTreeMap<String, Box<RawValue>> = serde_json::from_str(existing).ok()?;
    let mut fields: BTreeMap<String, String> = BTreeMap::new();
    for (key, value) in declared {
        let text = match (value, old.remove(&key)) {
            (serde_json::Value::Object(inner), Some(raw)) => {
                let path = format!("{prefix}{key}.");
                match merge_object(raw.get(), inner.clone(), &path, kept) {
                    Some(merged) => merged,
                    None => serde_json::Value::Object(inner).to_string(),
                }
            }
            (value, _) => value.to_string(),
        };
        fields.insert(key, text);
    }
    for (key, raw) in old {
        kept.push(format!("{prefix}{key}"));
        fields.insert(key, raw.get().to_string());
    }
    let mut out = String::from("{");
    for (i, (key, text)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&serde_json::Value::String(key.clone()).to_string());
        out.push(':');
        out.push_str(text);
    }
    out.push('}');
    Some(out)
}

/// Is the new value what the secret holds now? JSON is compared as JSON, so a
/// merge that only reorders keys changes nothing.
fn same_secret(new: &Payload, current: &CurrentSecret) -> bool {
    use secrecy::ExposeSecret as _;
    match (new, current) {
        (Payload::Text(new), CurrentSecret::Text(old, _)) => {
            let old = old.expose_secret();
            new == old
                || matches!(
                    (
                        serde_json::from_str::<serde_json::Value>(new),
                        serde_json::from_str::<serde_json::Value>(old),
                    ),
                    (Ok(a), Ok(b)) if a == b
                )
        }
        (Payload::Binary(new), CurrentSecret::Binary(old, _)) => new == old.expose_secret(),
        _ => false,
    }
}

/// The writes of a push, one at a time, with progress.
struct Writes<'a> {
    aws: &'a Aws,
    options: PushOptions,
    progress: &'a mut (dyn FnMut(usize, usize) + Send),
    done: usize,
    total: usize,
}

impl Writes<'_> {
    fn tick(&mut self) {
        self.done += 1;
        (self.progress)(self.done, self.total);
    }

    async fn param(
        &mut self,
        p: ParamDraft,
        current: CurrentParam,
        key_id: Option<Result<Option<String>, String>>,
    ) -> PushItem {
        use secrecy::ExposeSecret as _;
        let decision = match &current {
            Err(message) => Decision::Report(PushStatus::Failed {
                message: message.clone(),
            }),
            Ok(current) => decide_param(
                self.options,
                &p,
                current.as_ref().map(|(k, v)| (k, v.expose_secret())),
            ),
        };
        let status = match decision {
            Decision::Report(status) => status,
            Decision::Write { exists } => match key_id {
                // An overwritten SecureString keeps its KMS key.
                Some(Err(message)) => PushStatus::Failed { message },
                Some(Ok(key)) => {
                    let status = self.aws.put_parameter(&p, exists, key.as_deref()).await;
                    self.tick();
                    status
                }
                None => {
                    let moved = match exists && p.kind != ParameterType::SecureString {
                        true => self.aws.became_secure(&p.name).await,
                        false => None,
                    };
                    let status = match moved {
                        Some(status) => status,
                        None => self.aws.put_parameter(&p, exists, None).await,
                    };
                    self.tick();
                    status
                }
            },
        };
        PushItem {
            target: Location::parameter(p.name),
            kind: p.kind.as_str().to_string(),
            fields: vec![p.field],
            status,
            kept_keys: Vec::new(),
        }
    }

    async fn secret(&mut self, s: SecretDraft, current: Result<CurrentSecret, String>) -> PushItem {
        let mut kept_keys = Vec::new();
        let status = match current {
            Err(message) => PushStatus::Failed { message },
            Ok(current) => match merged_secret(&s, &current) {
                Err(reason) => PushStatus::Refused { reason },
                Ok((payload, kept)) => {
                    kept_keys = kept;
                    let exists = !matches!(current, CurrentSecret::Absent);
                    match decide(self.options, exists) {
                        _ if same_secret(&payload, &current) => PushStatus::Unchanged,
                        Decision::Write { exists: false } if s.id.starts_with("arn:") => {
                            PushStatus::Failed {
                                message: "the secret does not exist, and a secret cannot be created from an ARN".into(),
                            }
                        }
                        Decision::Report(status) => status,
                        Decision::Write { exists } => {
                            // Right before the write: a secret rotated since
                            // it was read is not reverted.
                            let moved = match current.version() {
                                Some(read) if exists => {
                                    self.aws.moved_since_read(&s.id, read).await
                                }
                                _ => None,
                            };
                            let status = match moved {
                                Some(refused) => refused,
                                None => self.aws.write_secret(&s.id, &payload, exists).await,
                            };
                            self.tick();
                            status
                        }
                    }
                }
            },
        };
        PushItem {
            target: Location::secret(&s.id),
            kind: match s.payload {
                Payload::Text(_) => "secret".into(),
                Payload::Binary(_) => "secret (binary)".into(),
            },
            fields: s.fields,
            status,
            kept_keys,
        }
    }
}

/// An SDK error's code and a message, without its request or response.
trait CodeAndMessage {
    fn code_and_message(self) -> (Option<String>, String);
}

impl<E, R> CodeAndMessage for aws_sdk_secretsmanager::error::SdkError<E, R>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    fn code_and_message(self) -> (Option<String>, String) {
        let code = self.code().map(str::to_string);
        let message = match self.message() {
            Some(m) => m.to_string(),
            None => aws_sdk_secretsmanager::error::DisplayErrorContext(&self).to_string(),
        };
        (code, message)
    }
}

/// The TOML document as a dictionary; a parse error gives its position and kind,
/// never the offending text (it may be a secret).
fn parse(toml: &str, source_name: &str) -> Result<Dict, PushError> {
    let value: Result<Value, _> = Figment::from(Toml::string(toml)).extract();
    match value {
        Ok(Value::Dict(_, dict)) => Ok(dict),
        Ok(_) => Ok(Dict::new()),
        Err(err) => Err(PushError::Toml {
            source_name: source_name.to_string(),
            message: match &err.kind {
                figment::error::Kind::Message(m) => crate::redact::parse_message(m),
                _ => crate::redact::layer_error(&err),
            },
        }),
    }
}

/// Keys of `dict` that are no field of `schema`, as dotted paths, each with
/// the nearest field name at its level.
fn unknown(schema: &'static Schema, env: &str, dict: &Dict) -> Vec<(String, Option<String>)> {
    let mut finder = Unknown {
        tables: Vec::new(),
        next: vec![(dict, Vec::new())],
        found: Vec::new(),
    };
    crate::walk::visit(schema, &root_scope(schema, env), &mut finder);
    finder.found
}

/// A visitor of the one walk ([`crate::walk::visit`]) that follows the TOML
/// tables the file has, and reports each key no field declares.
struct Unknown<'d> {
    /// The tables of the structs being walked, with their key paths.
    tables: Vec<(&'d Dict, Vec<String>)>,
    /// The tables the next `enter`s open, the next one last (the walk enters
    /// a map's entries in order, each fully before the next).
    next: Vec<(&'d Dict, Vec<String>)>,
    /// Unknown keys and the field each probably meant.
    found: Vec<(String, Option<String>)>,
}

impl<'d> Unknown<'d> {
    /// The value the current table holds for `field`, and its key path.
    fn child(&self, field: &'static Field) -> Option<(&'d Value, Vec<String>)> {
        let (table, path) = self.tables.last()?;
        let value = table.get(field.ident)?;
        let mut path = path.clone();
        path.push(field.ident.to_string());
        Some((value, path))
    }
}

impl Visit for Unknown<'_> {
    fn enter(&mut self, schema: &'static Schema, _scope: &Scope) {
        // `component` and `map` queue a table for each struct they let the
        // walk enter, in the walk's order.
        let (table, path) = self.next.pop().unwrap_or((&EMPTY, Vec::new()));
        for key in table.keys() {
            if schema.fields.iter().any(|f| f.ident == key) {
                continue;
            }
            let meant = nearest(key, schema.fields.iter().map(|f| f.ident)).map(|m| {
                path.iter()
                    .map(String::as_str)
                    .chain([m])
                    .collect::<Vec<_>>()
                    .join(".")
            });
            let mut at = path.clone();
            at.push(key.clone());
            self.found.push((at.join("."), meant));
        }
        self.tables.push((table, path));
    }

    fn leaf(&mut self, leaf: Leaf) {
        // A table for a whole secret: the keys its type does not read would be
        // written into the secret, over the keys it has.
        let Kind::Secret(secret) = &leaf.field.kind else {
            return;
        };
        if secret.key.is_some() {
            return;
        }
        let Some((value @ Value::Dict(..), path)) = self.child(leaf.field) else {
            return;
        };
        for keys in secret.unknown_keys(value) {
            let mut at = path.clone();
            at.extend(keys);
            self.found.push((at.join("."), None));
        }
    }

    fn component(&mut self, _scope: &Scope, field: &'static Field) -> bool {
        match self.child(field) {
            Some((Value::Dict(_, table), path)) => {
                self.next.push((table, path));
                true
            }
            _ => false,
        }
    }

    fn map(&mut self, _scope: &Scope, field: &'static Field) -> Vec<String> {
        let Some((Value::Dict(_, entries), path)) = self.child(field) else {
            return Vec::new();
        };
        let mut keys = Vec::new();
        for (key, value) in entries.iter().rev() {
            if let Value::Dict(_, table) = value {
                let mut at = path.clone();
                at.push(key.clone());
                self.next.push((table, at));
                keys.push(key.clone());
            }
        }
        keys.reverse();
        keys
    }

    fn leave(&mut self) {
        self.tables.pop();
    }
}

/// The table of a struct the file has no table for.
static EMPTY: Dict = Dict::new();

/// The candidate closest to `key` by edit distance, if close enough to be a
/// typo: at most a third of the longer name's characters differ (and at least
/// one may), so `hots` finds `host` and `usr_name` finds `username`.
fn nearest<'a>(key: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let key_lower = key.to_lowercase();
    candidates
        .map(|c| (distance(&key_lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (key.chars().count().max(c.chars().count()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance with adjacent transpositions counted as one edit.
fn distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // Only short names are compared, but bound the work for a hostile key.
    if a.len() > 256 || b.len() > 256 {
        return usize::MAX;
    }
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// One line per unknown key, with its suggestion.
fn unknown_lines(keys: &[(String, Option<String>)]) -> String {
    keys.iter()
        .map(|(key, meant)| match meant {
            Some(m) => format!("unknown key `{key}`: did you mean `{m}`?"),
            None => format!("unknown key `{key}`"),
        })
        .collect::<Vec<_>>()
        .join("\n  - ")
}

/// The value at a key path.
fn lookup<'a>(dict: &'a Dict, keys: &[String]) -> Option<&'a Value> {
    let (last, parents) = keys.split_last()?;
    let mut current = dict;
    for key in parents {
        match current.get(key)? {
            Value::Dict(_, d) => current = d,
            _ => return None,
        }
    }
    current.get(last)
}

/// The fields that hold one secret: all of it, or one key each of its JSON object.
#[derive(Default)]
struct SecretFields<'a> {
    whole: Option<(String, std::borrow::Cow<'a, Value>)>,
    keyed: Vec<(&'static str, String, &'a Value)>,
}

/// What each field's value becomes.
struct Drafts {
    params: Vec<ParamDraft>,
    secrets: Vec<SecretDraft>,
    skipped: Vec<PushItem>,
    /// Values AWS cannot hold as given.
    problems: Vec<String>,
}

/// What each field's value becomes.
fn drafts(found: &[Leaf], dict: &Dict) -> Drafts {
    let mut params = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    // Secret id -> (whole value, keyed values), fields.
    let mut secrets: BTreeMap<String, SecretFields<'_>> = BTreeMap::new();
    // Parameter name -> the field that sets it.
    let mut targets: BTreeMap<String, String> = BTreeMap::new();

    for leaf in found {
        let Some(value) = lookup(dict, &leaf.keys) else {
            continue;
        };
        if matches!(value, Value::Empty(..)) {
            continue;
        }
        match (&leaf.home, &leaf.field.kind) {
            (Home::Param { name }, Kind::Param(_)) => {
                if let Some(selector) = leaf.field.selector() {
                    skipped.push(PushItem {
                        target: Location::parameter(name),
                        kind: "-".into(),
                        fields: vec![leaf.field_path.clone()],
                        status: PushStatus::Skipped {
                            reason: format!(
                                "the field reads the pinned `{selector}`; push writes only the latest version"
                            ),
                        },
                        kept_keys: Vec::new(),
                    });
                    continue;
                }
                let list = matches!(value, Value::Array(..));
                let kind = if leaf.field.is_secret() {
                    ParameterType::SecureString
                } else if list {
                    ParameterType::StringList
                } else {
                    ParameterType::String
                };
                let name_refused = crate::limits::ssm_name(name).err();
                match ssm_text(value) {
                    Ok(text) if text.is_empty() => skipped.push(PushItem {
                        target: Location::parameter(name),
                        kind: kind.as_str().to_string(),
                        fields: vec![leaf.field_path.clone()],
                        status: PushStatus::Skipped {
                            reason: "empty: Parameter Store cannot hold an empty value".into(),
                        },
                        kept_keys: Vec::new(),
                    }),
                    // A StringList's items each pass the loader's size check;
                    // joined, they may not fit.
                    Ok(text) if text.len() > PARAM_ADVANCED_MAX_BYTES => problems.push(format!(
                        "{} ({name}): the value is {} bytes; a parameter holds at most {PARAM_ADVANCED_MAX_BYTES}",
                        leaf.field_path,
                        text.len()
                    )),
                    // AWS refuses a reference to a parameter inside a value.
                    Ok(text) if text.find("{{").is_some_and(|at| text[at..].contains("}}")) => {
                        problems.push(format!(
                            "{} ({name}): the value contains `{{{{ … }}}}`, which Parameter Store refuses in a value (a parameter reference); the value is not shown",
                            leaf.field_path
                        ))
                    }
                    Ok(_) if name_refused.is_some() => problems.push(format!(
                        "{} ({}): {}",
                        leaf.field_path,
                        name.escape_debug(),
                        name_refused.unwrap_or_default()
                    )),
                    Ok(text) => match targets.insert(name.clone(), leaf.field_path.clone()) {
                        Some(other) => problems.push(format!(
                            "{} and {other} both set {name}: one file may set a parameter once",
                            leaf.field_path
                        )),
                        None => params.push(ParamDraft {
                            name: name.clone(),
                            kind,
                            text,
                            field: leaf.field_path.clone(),
                        }),
                    },
                    Err(why) => problems.push(format!("{} ({name}): {why}", leaf.field_path)),
                }
            }
            (Home::Secret { id }, Kind::Secret(s)) => {
                if s.stage.is_some() || s.version_id.is_some() {
                    skipped.push(PushItem {
                        target: Location::secret(id),
                        kind: "secret".into(),
                        fields: vec![leaf.field_path.clone()],
                        status: PushStatus::Skipped {
                            reason: "the field reads a pinned stage or version; push writes AWSCURRENT only".into(),
                        },
                        kept_keys: Vec::new(),
                    });
                    continue;
                }
                let entry = secrets.entry(id.clone()).or_default();
                match s.key {
                    // A table's keys that its type does not read are not
                    // written (with `allow_unknown_keys`; else push stopped).
                    None => {
                        let unknown = s.unknown_keys(value);
                        let value = match unknown.is_empty() {
                            true => std::borrow::Cow::Borrowed(value),
                            false => std::borrow::Cow::Owned(without_keys(value, &unknown)),
                        };
                        entry.whole = Some((leaf.field_path.clone(), value));
                    }
                    Some(key) => entry.keyed.push((key, leaf.field_path.clone(), value)),
                }
            }
            _ => {}
        }
    }

    let mut drafts = Vec::new();
    for (id, SecretFields { whole, keyed }) in secrets {
        let mut fields: Vec<String> = whole.iter().map(|(f, _)| f.clone()).collect();
        fields.extend(keyed.iter().map(|(_, f, _)| f.clone()));
        // A whole-secret field that is a table (a struct) sets keys of a JSON
        // object, like keyed fields: it is merged too. Text or bytes own the
        // whole secret.
        let merge = whole
            .as_ref()
            .is_none_or(|(_, v)| matches!(v.as_ref(), Value::Dict(..)));
        if let Err(why) = crate::limits::secret_id(&id) {
            problems.push(format!(
                "secret {} ({}): {why}",
                id.escape_debug(),
                fields.join(", ")
            ));
            continue;
        }
        match secret_payload(whole.as_ref().map(|(f, v)| (f.as_str(), v.as_ref())), &keyed) {
            Ok(payload) if payload.len() > SECRET_MAX_BYTES => problems.push(format!(
                "secret {id} ({}): the value is {} bytes; a secret holds at most {SECRET_MAX_BYTES}",
                fields.join(", "),
                payload.len()
            )),
            Ok(payload) => drafts.push(SecretDraft {
                id,
                payload,
                merge,
                fields,
            }),
            Err(why) => problems.push(format!("secret {id} ({}): {why}", fields.join(", "))),
        }
    }
    Drafts {
        params,
        secrets: drafts,
        skipped,
        problems,
    }
}

/// `value` without the keys at `paths` (each a path of keys into tables).
fn without_keys(value: &Value, paths: &[Vec<String>]) -> Value {
    fn remove(value: &mut Value, path: &[String]) {
        let Value::Dict(_, dict) = value else { return };
        match path {
            [] => {}
            [last] => {
                dict.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(next) = dict.get_mut(first) {
                    remove(next, rest);
                }
            }
        }
    }
    let mut value = value.clone();
    for path in paths {
        remove(&mut value, path);
    }
    value
}

/// A secret's value from the field that holds all of it and the fields that hold
/// one key each of its JSON object.
fn secret_payload(
    whole: Option<(&str, &Value)>,
    keyed: &[(&str, String, &Value)],
) -> Result<Payload, String> {
    if keyed.is_empty() {
        let Some((_, value)) = whole else {
            return Err("no value".into());
        };
        return match value {
            Value::String(_, s) => Ok(Payload::Text(s.clone())),
            Value::Array(_, items) => {
                let bytes: Option<Vec<u8>> = items
                    .iter()
                    .map(|i| match i {
                        Value::Num(_, n) => n.to_u128().and_then(|b| u8::try_from(b).ok()),
                        _ => None,
                    })
                    .collect();
                bytes.map(Payload::Binary).ok_or_else(|| {
                    "an array is pushed as SecretBinary, so it must hold bytes (0-255)".into()
                })
            }
            other => serde_json::to_string(other)
                .map(Payload::Text)
                .map_err(|_| "cannot be written as JSON".to_string()),
        };
    }
    let mut object = match whole {
        None => serde_json::Map::new(),
        Some((field, value)) => {
            let json = match value {
                Value::String(_, s) => serde_json::from_str::<serde_json::Value>(s).ok(),
                other => serde_json::to_value(other).ok(),
            };
            match json {
                Some(serde_json::Value::Object(map)) => map,
                _ => {
                    return Err(format!(
                        "field {field} sets the whole secret to something other than a JSON object, and other fields set keys of it"
                    ))
                }
            }
        }
    };
    for (key, field, value) in keyed {
        let json = match value {
            Value::String(_, s) => serde_json::Value::String(s.clone()),
            other => serde_json::to_value(other)
                .map_err(|_| format!("field {field} cannot be written as JSON"))?,
        };
        match object.get(*key) {
            Some(existing) if *existing != json => {
                return Err(format!(
                    "field {field} sets key `{key}`, which the whole secret sets differently"
                ))
            }
            _ => {
                object.insert(key.to_string(), json);
            }
        }
    }
    Ok(Payload::Text(serde_json::Value::Object(object).to_string()))
}

/// A value as Parameter Store text: a TOML array as a StringList (`a,b,c`), a
/// table as JSON text.
fn ssm_text(value: &Value) -> Result<String, String> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(_, s) => Some(s.clone()),
            Value::Char(_, c) => Some(c.to_string()),
            Value::Bool(_, b) => Some(b.to_string()),
            Value::Num(_, n) => Some(match (n.to_u128(), n.to_i128(), n.to_f64()) {
                (Some(u), _, _) => u.to_string(),
                (None, Some(i), _) => i.to_string(),
                (None, None, Some(f)) => f.to_string(),
                _ => return None,
            }),
            Value::Empty(..) | Value::Dict(..) | Value::Array(..) => None,
        }
    }
    match value {
        Value::Array(_, items) => {
            let mut texts = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let text = scalar(item).ok_or_else(|| {
                    format!("item {} of the array is not a string, number or bool; a StringList holds text", i + 1)
                })?;
                if text.contains(',') {
                    return Err(format!(
                        "item {} of the array contains a comma, which a StringList cannot hold",
                        i + 1
                    ));
                }
                texts.push(text);
            }
            Ok(texts.join(","))
        }
        Value::Dict(..) => {
            serde_json::to_string(value).map_err(|_| "cannot be written as JSON".to_string())
        }
        other => scalar(other).ok_or_else(|| "cannot be written as text".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mistyped_key_finds_the_field_it_meant() {
        let fields = ["host", "port", "password", "max_connections", "username"];
        let near = |k: &str| nearest(k, fields.iter().copied());
        assert_eq!(near("hots"), Some("host"));
        assert_eq!(near("Host"), Some("host"));
        assert_eq!(near("pasword"), Some("password"));
        assert_eq!(near("max_conections"), Some("max_connections"));
        assert_eq!(near("usr_name"), Some("username"));
        assert_eq!(near("timeout"), None);
        assert_eq!(near(""), None);
        assert_eq!(near(&"x".repeat(10_000)), None);
    }

    #[test]
    fn toml_errors_keep_position_and_kind_but_not_the_line() {
        let err = parse("password = \"hunter2", "local.toml")
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(
            err.starts_with("local.toml is not valid TOML: TOML parse error at line 1"),
            "{err}"
        );
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn arrays_become_string_lists_and_commas_are_refused() {
        let list = Value::from(vec!["a".to_string(), "b".to_string()]);
        assert_eq!(ssm_text(&list), Ok("a,b".to_string()));
        let bad = Value::from(vec!["a,b".to_string()]);
        assert!(ssm_text(&bad).is_err());
        assert_eq!(ssm_text(&Value::from(5432u32)), Ok("5432".to_string()));
    }

    #[test]
    fn keyed_secret_fields_merge_into_one_json_object() {
        let user = Value::from("shop");
        let pw = Value::from("pw-1");
        let keyed = vec![
            ("username", "a".to_string(), &user),
            ("password", "b".to_string(), &pw),
        ];
        let Ok(Payload::Text(text)) = secret_payload(None, &keyed) else {
            panic!("expected text");
        };
        assert_eq!(text, r#"{"password":"pw-1","username":"shop"}"#);
        let whole = Value::from("not json");
        assert!(secret_payload(Some(("w", &whole)), &keyed).is_err());
    }
}
