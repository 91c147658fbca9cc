//! Writes a local TOML file's values into an environment: to bootstrap a new
//! environment or the emulator from the file [`template()`](super::template()) wrote.
//!
//! - Each field's value goes where the loader reads it: a parameter as a `String`,
//!   a `StringList` (a TOML array) or, for a `SecretString` field, a
//!   `SecureString`; a secret into Secrets Manager (`CreateSecret`, or
//!   `PutSecretValue` for an existing one). Fields that read one key of a JSON
//!   secret are gathered into that secret's JSON object.
//! - Before anything is written the file is loaded offline as `T`: a value that
//!   would not convert to its field's type stops the push. Keys that are no field
//!   of `T` are reported and not pushed.
//! - A dry run by default ([`PushOptions::apply`] writes). An existing parameter or
//!   secret is never replaced without [`PushOptions::overwrite`].
//! - Values are never printed or put in an error, only names.
//!
//! Writes go one at a time: `PutParameter`'s default throughput is low, and the
//! SDK's retries absorb its throttling.

use std::collections::{BTreeMap, BTreeSet};

use aws_config::SdkConfig;
use aws_sdk_secretsmanager::error::ProvideErrorMetadata;
use aws_sdk_ssm::types::ParameterType;
use figment::providers::{Format, Toml};
use figment::value::{Dict, Value};
use figment::Figment;
use serde::Serialize;

use super::{leaves, root_scope, table, Home, Leaf};
use crate::error::ProblemKind;
use crate::fetch::{classify, Call};
use crate::plan::GET_PARAMETERS_MAX;
use crate::schema::{Field, Kind, Schema, Scope};
use crate::{AwsConfig, Root};

/// What a push may do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushOptions {
    /// Write. Without it, a push only reports what it would do (a dry run).
    pub apply: bool,
    /// Replace parameters and secrets that exist. Without it they are left alone.
    pub overwrite: bool,
}

/// What happened, or would happen, to one parameter or secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum PushStatus {
    /// Dry run: absent, would be created.
    WouldCreate,
    /// Dry run: exists, would be replaced (`overwrite` is on).
    WouldOverwrite,
    /// Exists and was left alone: `overwrite` is off.
    Exists,
    /// Created.
    Created,
    /// Replaced (a new parameter version, or a new secret version in AWSCURRENT).
    Overwritten,
    /// Not pushed, for the reason given.
    Skipped {
        /// Why.
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
    /// The SSM name, or `secret <id>`.
    pub target: String,
    /// `String`, `StringList`, `SecureString`, `secret` or `secret (binary)`.
    pub kind: String,
    /// The fields whose values it holds.
    pub fields: Vec<String>,
    /// What happened.
    #[serde(flatten)]
    pub status: PushStatus,
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
    /// `1` when any write failed, else `0`.
    pub fn exit_code(&self) -> u8 {
        if self
            .items
            .iter()
            .any(|i| matches!(i.status, PushStatus::Failed { .. }))
        {
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
                vec![
                    i.target.clone(),
                    i.kind.clone(),
                    i.fields.join(", "),
                    i.status.label(),
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
enum Payload {
    Text(String),
    Binary(Vec<u8>),
}

struct SecretDraft {
    id: String,
    payload: Payload,
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
    let dict = parse(toml, source_name)?;

    // The loader is the judge of what converts: load the file offline as T. Only
    // invalid values stop a push; a partial file (missing fields) is fine.
    if let Err(err) = T::loader()
        .env(env)
        .offline()
        .merge(Toml::string(toml))
        .load()
        .await
    {
        let problems: Vec<_> = err
            .into_problems()
            .into_iter()
            .filter(|p| matches!(p.kind(), ProblemKind::Invalid | ProblemKind::Layer))
            .collect();
        if !problems.is_empty() {
            return Err(PushError::WouldNotLoad {
                source_name: source_name.to_string(),
                error: crate::Error::new(schema.type_name, Some(env.to_string()), problems),
            });
        }
    }

    let mut unknown_keys = Vec::new();
    unknown(schema, &dict, &mut Vec::new(), &mut unknown_keys);

    let scope = root_scope(schema, env);
    let mut found = Vec::new();
    let mut entries = |scope: &Scope, field: &'static Field| -> Vec<String> {
        match lookup(&dict, &scope.field_keys(field)) {
            Some(Value::Dict(_, d)) => d.keys().cloned().collect(),
            _ => Vec::new(),
        }
    };
    leaves(schema, &scope, false, &mut entries, &mut found);

    let Drafts {
        params,
        secrets,
        skipped,
        problems,
    } = drafts(&found, &dict);
    if !problems.is_empty() {
        return Err(PushError::Unpushable {
            source_name: source_name.to_string(),
            problems,
        });
    }

    let ssm = aws_sdk_ssm::Client::new(sdk_config);
    let sm = aws_sdk_secretsmanager::Client::new(sdk_config);
    let region = sdk_config
        .region()
        .map_or_else(|| "*".to_string(), |r| r.to_string());

    // Which exist: names and types only, never values.
    let mut param_exists: BTreeMap<String, Result<bool, String>> = BTreeMap::new();
    let names: Vec<String> = params.iter().map(|p| p.name.clone()).collect();
    for batch in names.chunks(GET_PARAMETERS_MAX) {
        let result = ssm
            .get_parameters()
            .set_names(Some(batch.to_vec()))
            .with_decryption(false)
            .send()
            .await;
        match result {
            Ok(out) => {
                let present: BTreeSet<&str> =
                    out.parameters().iter().filter_map(|p| p.name()).collect();
                for n in batch {
                    param_exists.insert(n.clone(), Ok(present.contains(n.as_str())));
                }
            }
            Err(err) => {
                let call = Call {
                    action: "ssm:GetParameters",
                    resource: format!("arn:aws:ssm:{region}:{{account}}:parameter{}", batch[0]),
                    what: String::new(),
                    fields: String::new(),
                };
                let message = classify(err, &call).message().to_string();
                for n in batch {
                    param_exists.insert(n.clone(), Err(message.clone()));
                }
            }
        }
    }
    let mut secret_exists: BTreeMap<String, Result<bool, String>> = BTreeMap::new();
    for s in &secrets {
        let result = sm.describe_secret().secret_id(&s.id).send().await;
        let exists = match result {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("ResourceNotFoundException") => Ok(false),
            Err(err) => {
                let call = Call {
                    action: "secretsmanager:DescribeSecret",
                    resource: format!(
                        "arn:aws:secretsmanager:{region}:{{account}}:secret:{}-??????",
                        s.id
                    ),
                    what: String::new(),
                    fields: String::new(),
                };
                Err(classify(err, &call).message().to_string())
            }
        };
        secret_exists.insert(s.id.clone(), exists);
    }

    let total = params.len() + secrets.len();
    let mut done = 0;
    let mut items = Vec::new();
    for p in params {
        let exists = param_exists
            .remove(&p.name)
            .unwrap_or_else(|| Err("not checked".into()));
        let status = match exists {
            Err(message) => PushStatus::Failed { message },
            Ok(exists) => match (options.apply, exists, options.overwrite) {
                (false, false, _) => PushStatus::WouldCreate,
                (false, true, true) => PushStatus::WouldOverwrite,
                (_, true, false) => PushStatus::Exists,
                (true, exists, _) => {
                    let result = ssm
                        .put_parameter()
                        .name(&p.name)
                        .value(&p.text)
                        .r#type(p.kind.clone())
                        .overwrite(exists)
                        .send()
                        .await;
                    done += 1;
                    progress(done, total);
                    match result {
                        Ok(_) if exists => PushStatus::Overwritten,
                        Ok(_) => PushStatus::Created,
                        Err(err) if err.code() == Some("ParameterAlreadyExists") => {
                            PushStatus::Exists
                        }
                        Err(err) => {
                            let call = Call {
                                action: "ssm:PutParameter",
                                resource: format!(
                                    "arn:aws:ssm:{region}:{{account}}:parameter{}",
                                    p.name
                                ),
                                what: String::new(),
                                fields: String::new(),
                            };
                            PushStatus::Failed {
                                message: scrub(classify(err, &call).message(), &p.text),
                            }
                        }
                    }
                }
            },
        };
        items.push(PushItem {
            target: p.name,
            kind: p.kind.as_str().to_string(),
            fields: vec![p.field],
            status,
        });
    }
    for s in secrets {
        let exists = secret_exists
            .remove(&s.id)
            .unwrap_or_else(|| Err("not checked".into()));
        let status = match exists {
            Err(message) => PushStatus::Failed { message },
            Ok(exists) => match (options.apply, exists, options.overwrite) {
                (false, false, _) => PushStatus::WouldCreate,
                (false, true, true) => PushStatus::WouldOverwrite,
                (_, true, false) => PushStatus::Exists,
                (true, false, _) if s.id.starts_with("arn:") => PushStatus::Failed {
                    message:
                        "the secret does not exist, and a secret cannot be created from an ARN"
                            .into(),
                },
                (true, exists, _) => {
                    let status = write_secret(&sm, &s, exists, &region).await;
                    done += 1;
                    progress(done, total);
                    status
                }
            },
        };
        items.push(PushItem {
            target: format!("secret {}", s.id),
            kind: match s.payload {
                Payload::Text(_) => "secret".into(),
                Payload::Binary(_) => "secret (binary)".into(),
            },
            fields: s.fields,
            status,
        });
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

async fn write_secret(
    sm: &aws_sdk_secretsmanager::Client,
    s: &SecretDraft,
    exists: bool,
    region: &str,
) -> PushStatus {
    let (text, binary) = match &s.payload {
        Payload::Text(t) => (Some(t.clone()), None),
        Payload::Binary(b) => (
            None,
            Some(aws_sdk_secretsmanager::primitives::Blob::new(b.clone())),
        ),
    };
    let (action, result) = if exists {
        let r = sm
            .put_secret_value()
            .secret_id(&s.id)
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
            .name(&s.id)
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
        Err((code, _)) if code.as_deref() == Some("ResourceExistsException") => PushStatus::Exists,
        Err((code, message)) => {
            let call = Call {
                action,
                resource: format!(
                    "arn:aws:secretsmanager:{region}:{{account}}:secret:{}-??????",
                    s.id
                ),
                what: String::new(),
                fields: String::new(),
            };
            let (_, text) = crate::fetch::service_problem(
                code.as_deref().unwrap_or("Unknown"),
                &message,
                &call,
            );
            let text = match &s.payload {
                Payload::Text(value) => scrub(&text, value),
                Payload::Binary(_) => text,
            };
            PushStatus::Failed { message: text }
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

/// An AWS message with the value it was about replaced, should AWS (or an
/// emulator) ever quote it back.
fn scrub(message: &str, value: &str) -> String {
    if value.len() < 4 {
        message.to_string()
    } else {
        message.replace(value, "[REDACTED]")
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
            message: safe_toml_error(&err.to_string()),
        }),
    }
}

/// The toml crate's message quotes the offending line between its first line
/// (`TOML parse error at line 3, column 12`) and its last (what is wrong). Keep
/// those two only.
fn safe_toml_error(message: &str) -> String {
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let position = lines
        .iter()
        .find(|l| l.starts_with("TOML parse error"))
        .copied();
    let what = lines
        .last()
        .copied()
        .filter(|l| !l.starts_with('|') && !l.chars().next().is_some_and(|c| c.is_ascii_digit()));
    match (position, what) {
        (Some(p), Some(w)) if p != w => {
            format!("{p}: {w} (the line is not shown, as it may hold a secret)")
        }
        (Some(p), _) => format!("{p} (the line is not shown, as it may hold a secret)"),
        _ => "parse error (the text is not shown, as it may hold a secret)".to_string(),
    }
}

/// Keys of `dict` that are no field of `schema`, as dotted paths.
fn unknown(schema: &'static Schema, dict: &Dict, path: &mut Vec<String>, out: &mut Vec<String>) {
    for (key, value) in dict {
        path.push(key.clone());
        match schema.fields.iter().find(|f| f.ident == key) {
            None => out.push(path.join(".")),
            Some(field) => match (&field.kind, value) {
                (Kind::Component(child), Value::Dict(_, d)) => unknown(child(), d, path, out),
                (Kind::Map(element), Value::Dict(_, entries)) => {
                    for (entry, v) in entries {
                        if let Value::Dict(_, d) = v {
                            path.push(entry.clone());
                            unknown(element(), d, path, out);
                            path.pop();
                        }
                    }
                }
                _ => {}
            },
        }
        path.pop();
    }
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
    whole: Option<(String, &'a Value)>,
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
                        target: name.clone(),
                        kind: "-".into(),
                        fields: vec![leaf.field_path.clone()],
                        status: PushStatus::Skipped {
                            reason: format!(
                                "the field reads the pinned `{selector}`; push writes only the latest version"
                            ),
                        },
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
                match ssm_text(value) {
                    Ok(text) if text.is_empty() => skipped.push(PushItem {
                        target: name.clone(),
                        kind: kind.as_str().to_string(),
                        fields: vec![leaf.field_path.clone()],
                        status: PushStatus::Skipped {
                            reason: "empty: Parameter Store cannot hold an empty value".into(),
                        },
                    }),
                    Ok(text) => params.push(ParamDraft {
                        name: name.clone(),
                        kind,
                        text,
                        field: leaf.field_path.clone(),
                    }),
                    Err(why) => problems.push(format!("{} ({name}): {why}", leaf.field_path)),
                }
            }
            (Home::Secret { id }, Kind::Secret(s)) => {
                if s.stage.is_some() || s.version_id.is_some() {
                    skipped.push(PushItem {
                        target: format!("secret {id}"),
                        kind: "secret".into(),
                        fields: vec![leaf.field_path.clone()],
                        status: PushStatus::Skipped {
                            reason: "the field reads a pinned stage or version; push writes AWSCURRENT only".into(),
                        },
                    });
                    continue;
                }
                let entry = secrets.entry(id.clone()).or_default();
                match s.key {
                    None => entry.whole = Some((leaf.field_path.clone(), value)),
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
        match secret_payload(whole.as_ref().map(|(f, v)| (f.as_str(), *v)), &keyed) {
            Ok(payload) => drafts.push(SecretDraft {
                id,
                payload,
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
