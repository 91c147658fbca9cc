//! Turning the merged value tree into the user's struct, one field at a time, so
//! that every bad field is reported (serde alone stops at the first), with the
//! provenance of each value.
//!
//! This module walks the tree and records origins and problems; [`text`] is the
//! serde deserializer that reads one value (AWS's text or a local layer's typed
//! value) into a field's type.

mod text;

#[cfg(feature = "tools")]
pub(crate) use text::ignored_keys;
#[cfg(test)]
pub(crate) use text::tests;
pub(crate) use text::{decode_value, num_text, Absent, DeError};

use figment::value::{Dict, Value};
use figment::Figment;
use serde::de::DeserializeOwned;

use crate::error::{Problem, ProblemKind};
use crate::location::Location;
use crate::origin::{Origin, Source};
use crate::provider::FetchFacts;
use crate::schema::{Field, Kind, Schema, Scope};
use crate::walk::Home;
use crate::AwsConfig;

/// What decoding shares across the tree.
pub(crate) struct DecodeCx {
    pub figment: Figment,
    pub facts: FetchFacts,
    pub problems: Vec<Problem>,
    pub origins: Vec<Origin>,
}

/// Builds one struct from its part of the merged tree; used by generated code.
#[doc(hidden)]
pub struct Decoder<'a> {
    schema: &'static Schema,
    scope: Scope,
    dict: Option<&'a Dict>,
    cx: &'a mut DecodeCx,
}

/// Decodes the root struct; `None` when any problem was recorded.
pub(crate) fn decode_root<'a, T: AwsConfig>(
    scope: Scope,
    root: Option<&'a Dict>,
    cx: &'a mut DecodeCx,
) -> Option<T> {
    let mut d = Decoder {
        schema: T::schema(),
        scope,
        dict: root,
        cx,
    };
    T::__decode(&mut d)
}

impl<'a> Decoder<'a> {
    fn child<'b>(
        &'b mut self,
        schema: &'static Schema,
        scope: Scope,
        dict: Option<&'a Dict>,
    ) -> Decoder<'b>
    where
        'a: 'b,
    {
        Decoder {
            schema,
            scope,
            dict,
            cx: &mut *self.cx,
        }
    }

    fn problem(&mut self, p: Problem) {
        self.cx.problems.push(p);
    }

    /// A parameter or secret field; `default` is its typed `#[param(default)]`.
    pub fn leaf<T: DeserializeOwned>(
        &mut self,
        index: usize,
        default: Option<fn() -> T>,
    ) -> Option<T> {
        let field = &self.schema.fields[index];
        let path = self.scope.field_path(field);
        let home = self.home(field);
        let value = self.dict.and_then(|d| d.get(field.ident));
        let Some(value) = value else {
            return self.absent(field, path, home, default);
        };
        let (source, in_problem) = self.origin(value, field, &home);
        if let Some(message) = crate::limits::value_size(field, value) {
            self.problem(
                Problem::new(ProblemKind::Limit, message)
                    .field(path)
                    .at(in_problem),
            );
            return None;
        }
        let secure = self.cx.facts.secure.contains(&home);
        if secure && !field.takes_secure_string() {
            // A SecureString is secret by its owner's word; a type that is not an
            // `awsconf::Secret` could print it. Refused, whatever the value is.
            self.problem(
                Problem::new(
                    ProblemKind::WouldLeak,
                    format!(
                        "this parameter is a SecureString, but the field's type `{}` is not an awsconf::Secret, \
                         so its Debug could print the value (the value is not shown); make the field a `SecretString`, \
                         or mark it `#[param(plaintext)]` if the value is not secret",
                        field.type_name
                    ),
                )
                .field(path)
                .at(&home),
            );
            return None;
        }
        let redact = field.is_secret() || secure;
        match decode_value::<T>(value, field) {
            Ok(v) => {
                self.cx.origins.push(Origin {
                    field: path,
                    source,
                    secret: redact,
                    value: display_value(value, field, redact),
                });
                Some(v)
            }
            Err(err) => {
                let message = if redact {
                    // A SecretBinary arrives from Secrets Manager as a list of
                    // bytes; a list from a local layer is only a list.
                    let binary = matches!(field.kind, Kind::Secret(_))
                        && matches!(source, Source::Secret { .. })
                        && matches!(value, Value::Array(..));
                    redacted_message(field, binary, &err)
                } else if err.message.contains(field.type_name) {
                    err.message
                } else {
                    format!("{err} (field type {})", field.type_name)
                };
                self.problem(
                    Problem::new(ProblemKind::Invalid, message)
                        .field(path)
                        .at(in_problem),
                );
                None
            }
        }
    }

    fn absent<T: DeserializeOwned>(
        &mut self,
        field: &Field,
        path: String,
        home: Home,
        default: Option<fn() -> T>,
    ) -> Option<T> {
        if let Some(default) = default {
            // Typed by the compiler: nothing to check here. The figment form is only
            // for display (a secret type has none, and is redacted anyway).
            let shown = field.default.and_then(|f| f().ok());
            self.cx.origins.push(Origin {
                field: path,
                source: Source::Default,
                secret: field.is_secret(),
                value: shown.and_then(|v| display_value(&v, field, field.is_secret())),
            });
            return Some(default());
        }
        if !field.required {
            return match T::deserialize(Absent) {
                Ok(v) => {
                    self.cx.origins.push(Origin {
                        field: path,
                        source: Source::Absent,
                        secret: field.is_secret(),
                        value: None,
                    });
                    Some(v)
                }
                Err(err) => {
                    self.problem(
                        Problem::new(ProblemKind::Missing, err.message)
                            .field(path)
                            .at(&home),
                    );
                    None
                }
            };
        }
        if self.cx.facts.failed.contains(&home) {
            return None;
        }
        let what = match field.kind {
            Kind::Secret(_) => "required secret not found in Secrets Manager",
            _ => "required parameter not found in Parameter Store",
        };
        let message = if let Some(reason) = self.cx.facts.absent.get(&path) {
            format!("required: {reason}, and no local layer sets it")
        } else if self.cx.facts.online {
            format!("{what}, and no local layer sets it")
        } else {
            "required value not set by any local layer (offline: AWS was not asked)".to_string()
        };
        self.problem(
            Problem::new(ProblemKind::Missing, message)
                .field(path)
                .at(&home),
        );
        None
    }

    /// Where a field's value lives in AWS: its SSM name or secret id.
    fn home(&self, field: &Field) -> Home {
        match &field.kind {
            Kind::Secret(s) => Home::Secret {
                id: self.scope.secret_id(field, s),
            },
            _ => Home::Param {
                name: self.scope.ssm_name(field),
            },
        }
    }

    /// The source a present value came from, named through its figment
    /// metadata, and the location a problem with it names.
    fn origin(&self, value: &Value, field: &Field, home: &Home) -> (Source, Location) {
        let Some(md) = self.cx.figment.get_metadata(value.tag()) else {
            return (Source::Absent, home.into());
        };
        if crate::provider::is_aws(md) {
            use crate::provider::Version;
            let version = self.cx.facts.versions.get(home);
            let source = match home {
                Home::Param { name } => Source::Parameter {
                    name: name.clone(),
                    version: match version {
                        Some(Version::Param(v)) => Some(*v),
                        _ => None,
                    },
                },
                Home::Secret { id } => Source::Secret {
                    id: id.clone(),
                    version_id: match version {
                        Some(Version::Secret(v)) => Some(v.clone()),
                        _ => None,
                    },
                },
            };
            return (source, home.into());
        }
        let keys = self.scope.field_keys(field);
        let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
        let key = md.interpolate(self.cx.figment.profile(), &keys);
        let key = key
            .strip_prefix("default.")
            .map(str::to_string)
            .unwrap_or(key);
        // An environment variable is named as the user set it (`API_REDIS__PORT`),
        // not by figment's key path (`REDIS.PORT`).
        let key = crate::origin::env_var_name(&md.name, &key).unwrap_or(key);
        let location = match &md.source {
            Some(source) => format!("{source}: {key}"),
            None => key,
        };
        let in_problem = match md.source {
            Some(_) => format!("{} {location}", md.name),
            None => format!("{}: {location}", md.name),
        };
        let source = Source::Layer {
            name: md.name.to_string(),
            location: Some(location),
        };
        (source, Location::layer(in_problem))
    }

    /// A nested `#[component]` struct.
    pub fn component<T: AwsConfig>(&mut self, index: usize) -> Option<T> {
        let field = &self.schema.fields[index];
        let scope = self.scope.child(field);
        let dict = self.sub_dict(field)?;
        let mut child = self.child(T::schema(), scope, dict);
        T::__decode(&mut child)
    }

    /// A map `#[component]`: one `V` per entry.
    pub fn map<V: AwsConfig, M: FromIterator<(String, V)>>(&mut self, index: usize) -> Option<M> {
        let field = &self.schema.fields[index];
        let entries = self.sub_dict(field)?;
        let mut out = Vec::new();
        let mut complete = true;
        for (key, value) in entries.into_iter().flatten() {
            let scope = self.scope.entry(field, key);
            let dict = match value {
                Value::Dict(_, d) => d,
                other => {
                    let path = format!("{}.{key}", self.scope.field_path(field));
                    let message = format!(
                        "expected a table of {} fields, found {}",
                        V::schema().type_name,
                        kind_name(other)
                    );
                    self.not_a_table(other, field, path, message);
                    complete = false;
                    continue;
                }
            };
            let mut child = self.child(V::schema(), scope, Some(dict));
            match V::__decode(&mut child) {
                Some(v) => out.push((key.clone(), v)),
                None => complete = false,
            }
        }
        complete.then(|| out.into_iter().collect())
    }

    /// The table under a component field; `Some(None)` when absent (so each missing
    /// field is reported), `None` when present but not a table (reported here).
    fn sub_dict(&mut self, field: &Field) -> Option<Option<&'a Dict>> {
        match self.dict.and_then(|d| d.get(field.ident)) {
            None => Some(None),
            Some(Value::Dict(_, d)) => Some(Some(d)),
            Some(other) => {
                let path = self.scope.field_path(field);
                let message = format!("expected a table of fields, found {}", kind_name(other));
                self.not_a_table(other, field, path, message);
                None
            }
        }
    }

    /// Reports a value found where `field` (a component or a map of them) needs
    /// a table, with where the value came from.
    fn not_a_table(&mut self, value: &Value, field: &Field, path: String, message: String) {
        let prefix = Home::Param {
            name: self.scope.map_prefix(field),
        };
        let (_, origin) = self.origin(value, field, &prefix);
        self.problem(
            Problem::new(ProblemKind::Invalid, message)
                .field(path)
                .at(origin),
        );
    }
}

/// A value's text for provenance (`explain`): scalars and lists of scalars only.
/// Secrets, SecureStrings, `#[param(json)]` values and tables give `None`: JSON
/// or a table may hold a secret inside a type that is not itself secret.
fn display_value(value: &Value, field: &Field, redact: bool) -> Option<String> {
    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::String(_, s) => Some(s.clone()),
            Value::Char(_, c) => Some(c.to_string()),
            Value::Bool(_, b) => Some(b.to_string()),
            Value::Num(_, n) => Some(num_text(*n)),
            Value::Empty(..) | Value::Dict(..) | Value::Array(..) => None,
        }
    }
    if redact || matches!(&field.kind, Kind::Param(p) if p.json) {
        return None;
    }
    match value {
        Value::Array(_, items) => items
            .iter()
            .map(scalar)
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(",")),
        other => scalar(other),
    }
}

/// The message for a secret value that did not convert: serde's reason when it
/// names keys and types only, never the value. The field and its SSM name or
/// secret id are the problem's own.
fn redacted_message(field: &Field, binary: bool, err: &DeError) -> String {
    let ty = field.type_name;
    if binary {
        return format!("the secret is SecretBinary, not text, so it is not a valid {ty} (the value is not shown)");
    }
    let what = match field.kind {
        Kind::Secret(_) => "the secret",
        _ if field.is_secret() => "the secret value",
        _ => "the SecureString value",
    };
    match crate::redact::serde_reason(&err.message, err.json_syntax) {
        Some(reason) => format!("{what} is not a valid {ty}: {reason} (the value is not shown)"),
        None => format!("{what} is not a valid {ty} (the value is not shown)"),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::String(..) => "a string",
        Value::Char(..) => "a character",
        Value::Bool(..) => "a bool",
        Value::Num(..) => "a number",
        Value::Empty(..) => "an empty value",
        Value::Dict(..) => "a table",
        Value::Array(..) => "an array",
    }
}
