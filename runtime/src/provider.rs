//! The values read from AWS as figment providers, one layer per service, whose
//! metadata maps a key path back to its SSM name or secret id: figment's own
//! messages then say `/production/api/database/port`, not `database.port`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use figment::value::{Dict, Map, Num, Value};
use figment::{Metadata, Profile, Provider};
use secrecy::ExposeSecret;

use crate::error::{Problem, ProblemKind};
use crate::fetch::{Fetched, ParamCache, ParamValue, SecretCache, SecretPayload, SecretValue};
use crate::limits::SECRET_MAX_BYTES;
use crate::location::Location;
use crate::plan::{secrets_by_ref, ParamTarget, SecretRef, SecretTarget, Targets};
use crate::walk::Home;

/// The name of the Parameter Store layer's metadata.
pub const PARAMETER_STORE: &str = "AWS Parameter Store";
/// The name of the Secrets Manager layer's metadata.
pub const SECRETS_MANAGER: &str = "AWS Secrets Manager";

/// Is this metadata one of awsconf's AWS layers?
pub(crate) fn is_aws(md: &Metadata) -> bool {
    md.name == PARAMETER_STORE || md.name == SECRETS_MANAGER
}

/// What the fetch learnt that decoding needs, keyed by where each value lives
/// (typed: a parameter name or a secret id, never a string to parse back).
#[derive(Default, Debug)]
pub(crate) struct FetchFacts {
    /// Parameters that are SecureStrings (always redacted).
    pub secure: HashSet<Home>,
    /// Parameters and secrets whose fetch failed: the fetch's problem already
    /// covers them, so no "missing" problem is added.
    pub failed: HashSet<Home>,
    /// Why a field's value is absent, by field path (a secret without the stage, a
    /// JSON secret without the key), for the "missing" message.
    pub absent: HashMap<String, String>,
    /// The version of each parameter and secret read.
    pub versions: HashMap<Home, Version>,
    /// Did the load ask AWS at all?
    pub online: bool,
}

/// The version of a value read from AWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Version {
    /// A parameter's version number.
    Param(i64),
    /// A secret's version id.
    Secret(String),
}

/// Values read from one AWS service, keyed by Rust field path.
#[derive(Clone)]
pub(crate) struct AwsLayer {
    name: &'static str,
    dict: Dict,
    /// Dotted key path -> where the value was read (displayed as the SSM name
    /// or `secret <id>`).
    homes: Arc<BTreeMap<String, Home>>,
}

impl AwsLayer {
    fn new(name: &'static str) -> AwsLayer {
        AwsLayer {
            name,
            dict: Dict::new(),
            homes: Arc::new(BTreeMap::new()),
        }
    }

    fn insert(&mut self, keys: &[String], value: Value, home: Home) {
        Arc::make_mut(&mut self.homes).insert(keys.join("."), home);
        insert(&mut self.dict, keys, value);
    }
}

/// Inserts at a nested key path, creating tables on the way.
pub(crate) fn insert(dict: &mut Dict, keys: &[String], value: Value) {
    let Some((last, parents)) = keys.split_last() else {
        return;
    };
    let mut current = dict;
    for key in parents {
        let entry = current
            .entry(key.clone())
            .or_insert_with(|| Value::from(Dict::new()));
        if !matches!(entry, Value::Dict(..)) {
            *entry = Value::from(Dict::new());
        }
        let Value::Dict(_, next) = entry else { return };
        current = next;
    }
    current.insert(last.clone(), value);
}

impl Provider for AwsLayer {
    fn metadata(&self) -> Metadata {
        let homes = Arc::clone(&self.homes);
        Metadata::named(self.name).interpolater(move |_: &Profile, keys: &[&str]| {
            let dotted = keys.join(".");
            homes.get(&dotted).map_or(dotted, Home::to_string)
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Ok(Profile::Default.collect(self.dict.clone()))
    }
}

/// The two AWS layers, the facts decoding needs, and problems found while
/// splitting secrets (a JSON secret that is not JSON, say).
pub(crate) struct AwsLayers {
    pub params: AwsLayer,
    pub secrets: AwsLayer,
    pub facts: FetchFacts,
    pub problems: Vec<Problem>,
    /// The secret values read, for the next refresh of a `Live`.
    pub secrets_cache: SecretCache,
    /// The parameter values read, for the next event-driven refresh of a `Live`.
    pub params_read: ParamCache,
}

impl AwsLayers {
    /// Empty layers, for offline loads.
    pub(crate) fn offline() -> AwsLayers {
        AwsLayers {
            params: AwsLayer::new(PARAMETER_STORE),
            secrets: AwsLayer::new(SECRETS_MANAGER),
            facts: FetchFacts::default(),
            problems: Vec::new(),
            secrets_cache: SecretCache::new(),
            params_read: ParamCache::new(),
        }
    }

    /// Places every fetched value at its field's key path.
    pub(crate) fn build(targets: &Targets, fetched: Fetched) -> AwsLayers {
        let mut out = AwsLayers::offline();
        out.facts.online = true;
        out.facts.failed = fetched.failed;
        out.problems = fetched.problems;
        for t in &targets.params {
            if let Some(v) = fetched.params.get(&t.request) {
                out.place_param(t, v);
            }
        }
        for (secret, fields) in secrets_by_ref(&targets.secrets) {
            if let Some(reason) = fetched.absent_secrets.get(secret) {
                for f in fields {
                    out.facts
                        .absent
                        .insert(f.field_path.clone(), reason.clone());
                }
            } else if let Some(value) = fetched.secrets.get(secret) {
                out.place_secret(secret, &fields, value);
            }
        }
        out.secrets_cache = fetched.secrets;
        out.params_read = fetched.params;
        out
    }

    fn place_param(&mut self, t: &ParamTarget, v: &ParamValue) {
        let home = Home::Param {
            name: t.name.clone(),
        };
        if v.secure {
            self.facts.secure.insert(home.clone());
        }
        self.facts
            .versions
            .insert(home.clone(), Version::Param(v.version));
        self.params
            .insert(&t.keys, Value::from(v.value.clone()), home);
    }

    /// One secret, read by one or more fields (the whole of it, or a key each).
    fn place_secret(&mut self, secret: &SecretRef, fields: &[&SecretTarget], value: &SecretValue) {
        if let Some(version) = &value.version_id {
            self.facts.versions.insert(
                Home::Secret {
                    id: secret.id.clone(),
                },
                Version::Secret(version.clone()),
            );
        }
        match &*value.payload {
            SecretPayload::Text(text) => self.place_text(secret, fields, text.expose_secret()),
            SecretPayload::Binary(bytes) => {
                self.place_binary(secret, fields, bytes.expose_secret())
            }
        }
    }

    fn place_text(&mut self, secret: &SecretRef, fields: &[&SecretTarget], text: &str) {
        let home = Home::Secret {
            id: secret.id.clone(),
        };
        if text.len() > SECRET_MAX_BYTES {
            let message = format!(
                "the secret is {} bytes; Secrets Manager allows at most {SECRET_MAX_BYTES}",
                text.len()
            );
            return self.refuse(secret, fields, ProblemKind::Limit, message);
        }
        if text.is_empty() {
            // An empty SecretString is a placeholder, never a usable secret:
            // better one clear problem now than an auth failure later.
            let message = "the secret's SecretString is empty; put a value with PutSecretValue";
            return self.refuse(secret, fields, ProblemKind::Unavailable, message.into());
        }
        for f in fields {
            let Some(key) = f.key else {
                self.secrets
                    .insert(&f.keys, Value::from(text.to_string()), home.clone());
                continue;
            };
            match json_key(text, key) {
                Ok(Some(v)) => self.secrets.insert(&f.keys, Value::from(v), home.clone()),
                Ok(None) => {
                    let reason = format!("the JSON of secret {} has no key `{key}`", secret.id);
                    self.facts.absent.insert(f.field_path.clone(), reason);
                }
                Err(why) => {
                    let message = format!(
                        "the secret is {why}, so key `{key}` cannot be read; the value is not shown"
                    );
                    self.fail_field(secret, f, message);
                }
            }
        }
    }

    fn place_binary(&mut self, secret: &SecretRef, fields: &[&SecretTarget], bytes: &[u8]) {
        let home = Home::Secret {
            id: secret.id.clone(),
        };
        let bytes: Vec<Value> = bytes.iter().map(|b| Value::from(Num::U8(*b))).collect();
        for f in fields {
            match f.key {
                Some(key) => {
                    let message =
                        format!("the secret is SecretBinary, so key `{key}` cannot be read");
                    self.fail_field(secret, f, message);
                }
                None => self
                    .secrets
                    .insert(&f.keys, Value::from(bytes.clone()), home.clone()),
            }
        }
    }

    /// The whole secret cannot be used: one problem for all its fields.
    fn refuse(
        &mut self,
        secret: &SecretRef,
        fields: &[&SecretTarget],
        kind: ProblemKind,
        message: String,
    ) {
        let paths: Vec<String> = fields.iter().map(|f| f.field_path.clone()).collect();
        self.facts.failed.insert(Home::Secret {
            id: secret.id.clone(),
        });
        self.problems.push(
            Problem::new(kind, message)
                .field(crate::fetch::summarize_fields(&paths))
                .at(Location::secret(&secret.id)),
        );
    }

    /// One field of the secret cannot be read.
    fn fail_field(&mut self, secret: &SecretRef, f: &SecretTarget, message: String) {
        self.facts.failed.insert(Home::Secret {
            id: secret.id.clone(),
        });
        self.problems.push(
            Problem::new(ProblemKind::Invalid, message)
                .field(f.field_path.clone())
                .at(Location::secret(&secret.id)),
        );
    }
}

/// One key of a JSON object secret: a string value as is, anything else as JSON text.
fn json_key(text: &str, key: &str) -> Result<Option<String>, &'static str> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|_| "not valid JSON")?;
    let serde_json::Value::Object(mut map) = json else {
        return Err("JSON but not an object");
    };
    Ok(map.remove(key).map(|v| match v {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    }))
}
