//! The snapshot file: `.awsconf/<env>.json`, read by the derive and by
//! `awsconf::verify`, written by `prepare`. One parser and one printer for all three.

extern crate alloc;
extern crate std;

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde_json::{json, Map, Value};

use super::{MapView, ParamType, ParamView, SecretView, View};

/// The file format's version, `"format"` in the file.
pub const FORMAT: u64 = 1;

/// One environment's snapshot, owned.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Snapshot {
    /// The environment.
    pub env: String,
    /// The app, from `#[aws_config(app = "...")]`.
    pub app: String,
    /// The config type it was prepared for.
    pub config: String,
    /// Every declared parameter and every name under a map component, sorted by name.
    pub parameters: Vec<ParamRecord>,
    /// Every map component, sorted by prefix.
    pub maps: Vec<MapRecord>,
    /// Every declared secret, sorted by id.
    pub secrets: Vec<SecretRecord>,
}

/// A parameter: never its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamRecord {
    /// The SSM name.
    pub name: String,
    /// `Some` when it exists.
    pub ty: Option<ParamType>,
    /// Its version, when it exists.
    pub version: Option<i64>,
}

/// A map component's names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapRecord {
    /// The prefix, without a trailing `/`.
    pub prefix: String,
    /// Every name under it, sorted.
    pub names: Vec<String>,
}

/// A secret: never its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretRecord {
    /// The secret id.
    pub id: String,
    /// Does it exist?
    pub exists: bool,
    /// A JSON object secret's top-level key names, sorted.
    pub keys: Option<Vec<String>>,
}

fn field<'v>(obj: &'v Map<String, Value>, key: &str, what: &str) -> Result<&'v Value, String> {
    obj.get(key)
        .ok_or_else(|| std::format!("{what} has no \"{key}\""))
}

fn text(obj: &Map<String, Value>, key: &str, what: &str) -> Result<String, String> {
    field(obj, key, what)?
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| std::format!("{what}: \"{key}\" is not a string"))
}

fn array<'v>(obj: &'v Map<String, Value>, key: &str, what: &str) -> Result<&'v Vec<Value>, String> {
    field(obj, key, what)?
        .as_array()
        .ok_or_else(|| std::format!("{what}: \"{key}\" is not an array"))
}

fn object<'v>(v: &'v Value, what: &str) -> Result<&'v Map<String, Value>, String> {
    v.as_object()
        .ok_or_else(|| std::format!("{what} is not an object"))
}

fn strings(values: &[Value], what: &str) -> Result<Vec<String>, String> {
    values
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| std::format!("{what}: an item is not a string"))
        })
        .collect()
}

impl Snapshot {
    /// Reads a snapshot file's text. The error says what is wrong, without the text.
    pub fn parse(text_: &str) -> Result<Snapshot, String> {
        let root: Value = serde_json::from_str(text_).map_err(|e| std::format!("not JSON: {e}"))?;
        let root = object(&root, "the snapshot")?;
        match field(root, "format", "the snapshot")?.as_u64() {
            Some(FORMAT) => {}
            other => {
                return Err(std::format!(
                    "format {other:?} is not {FORMAT}; run `prepare` again with this awsconf"
                ))
            }
        }
        let mut snap = Snapshot {
            env: text(root, "env", "the snapshot")?,
            app: text(root, "app", "the snapshot")?,
            config: text(root, "config", "the snapshot")?,
            ..Snapshot::default()
        };
        for p in array(root, "parameters", "the snapshot")? {
            let p = object(p, "a parameter")?;
            let name = text(p, "name", "a parameter")?;
            let what = std::format!("parameter {name}");
            let exists = field(p, "exists", &what)?
                .as_bool()
                .ok_or_else(|| std::format!("{what}: \"exists\" is not a bool"))?;
            let ty =
                if exists {
                    let t = text(p, "type", &what)?;
                    Some(ParamType::parse(&t).ok_or_else(|| {
                        std::format!("{what}: type {t:?} is not a parameter type")
                    })?)
                } else {
                    None
                };
            let version = match p.get("version") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    v.as_i64()
                        .ok_or_else(|| std::format!("{what}: \"version\" is not an integer"))?,
                ),
            };
            snap.parameters.push(ParamRecord { name, ty, version });
        }
        for m in array(root, "maps", "the snapshot")? {
            let m = object(m, "a map")?;
            let prefix = text(m, "prefix", "a map")?;
            let names = strings(array(m, "names", "a map")?, "a map's names")?;
            snap.maps.push(MapRecord { prefix, names });
        }
        for s in array(root, "secrets", "the snapshot")? {
            let s = object(s, "a secret")?;
            let id = text(s, "id", "a secret")?;
            let what = std::format!("secret {id}");
            let exists = field(s, "exists", &what)?
                .as_bool()
                .ok_or_else(|| std::format!("{what}: \"exists\" is not a bool"))?;
            let keys = match s.get("keys") {
                None | Some(Value::Null) => None,
                Some(Value::Array(keys)) => Some(strings(keys, &what)?),
                Some(_) => return Err(std::format!("{what}: \"keys\" is not an array")),
            };
            snap.secrets.push(SecretRecord { id, exists, keys });
        }
        snap.validate()?;
        snap.sort();
        Ok(snap)
    }

    /// What a hand-edited file may get wrong that the check must not guess
    /// about: a control character in a name (it would split a message), a map
    /// name not under its map's prefix, two records of one name or id that
    /// disagree.
    fn validate(&self) -> Result<(), String> {
        let plain = |what: &str, s: &str| match s.chars().any(char::is_control) {
            true => Err(std::format!("{what} {s:?} has a control character")),
            false => Ok(()),
        };
        plain("env", &self.env)?;
        plain("app", &self.app)?;
        plain("config", &self.config)?;
        for p in &self.parameters {
            plain("parameter", &p.name)?;
        }
        for s in &self.secrets {
            plain("secret", &s.id)?;
            for k in s.keys.iter().flatten() {
                plain("a key of secret", k)?;
            }
        }
        for m in &self.maps {
            plain("map", &m.prefix)?;
            let under = std::format!("{}/", m.prefix);
            for n in &m.names {
                plain("parameter", n)?;
                if !n.starts_with(&under) {
                    return Err(std::format!("map {}: name {n:?} is not under it", m.prefix));
                }
            }
        }
        let mut params: Vec<&ParamRecord> = self.parameters.iter().collect();
        params.sort_by(|a, b| a.name.cmp(&b.name));
        if let Some(w) = params
            .windows(2)
            .find(|w| w[0].name == w[1].name && w[0] != w[1])
        {
            return Err(std::format!(
                "parameter {} is recorded twice, differently",
                w[0].name
            ));
        }
        let mut secrets: Vec<&SecretRecord> = self.secrets.iter().collect();
        secrets.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(w) = secrets
            .windows(2)
            .find(|w| w[0].id == w[1].id && w[0] != w[1])
        {
            return Err(std::format!(
                "secret {} is recorded twice, differently",
                w[0].id
            ));
        }
        let mut maps: Vec<&MapRecord> = self.maps.iter().collect();
        maps.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        if let Some(w) = maps
            .windows(2)
            .find(|w| w[0].prefix == w[1].prefix && w[0] != w[1])
        {
            return Err(std::format!(
                "map {} is recorded twice, differently",
                w[0].prefix
            ));
        }
        Ok(())
    }

    /// A snapshot's env must be its file's name (`production.json` holds
    /// `production`): a copied file would check one env twice and another
    /// never. `stem` is the file name without `.json`.
    pub fn check_file_name(&self, stem: &str) -> Result<(), String> {
        match self.env == stem {
            true => Ok(()),
            false => Err(std::format!(
                "its env is `{}`, not `{stem}` as its file name says; run `prepare --env {stem}` again",
                self.env
            )),
        }
    }

    /// Sorts every list (and removes duplicates), so lookups can bisect and a diff
    /// in review shows only what changed.
    pub fn sort(&mut self) {
        self.parameters.sort_by(|a, b| a.name.cmp(&b.name));
        self.parameters.dedup_by(|a, b| a.name == b.name);
        for m in &mut self.maps {
            m.names.sort();
            m.names.dedup();
        }
        self.maps.sort_by(|a, b| a.prefix.cmp(&b.prefix));
        self.maps.dedup_by(|a, b| a.prefix == b.prefix);
        for s in &mut self.secrets {
            if let Some(keys) = &mut s.keys {
                keys.sort();
                keys.dedup();
            }
        }
        self.secrets.sort_by(|a, b| a.id.cmp(&b.id));
        self.secrets.dedup_by(|a, b| a.id == b.id);
    }

    /// The file's text: sorted, pretty-printed, ending in a newline.
    pub fn to_pretty_json(&self) -> String {
        let mut snap = self.clone();
        snap.sort();
        let parameters: Vec<Value> = snap
            .parameters
            .iter()
            .map(|p| match p.ty {
                Some(ty) => json!({
                    "name": p.name,
                    "exists": true,
                    "type": ty.as_str(),
                    "version": p.version,
                }),
                None => json!({ "name": p.name, "exists": false }),
            })
            .collect();
        let maps: Vec<Value> = snap
            .maps
            .iter()
            .map(|m| json!({ "prefix": m.prefix, "names": m.names }))
            .collect();
        let secrets: Vec<Value> = snap
            .secrets
            .iter()
            .map(|s| match &s.keys {
                Some(keys) => json!({ "id": s.id, "exists": s.exists, "keys": keys }),
                None => json!({ "id": s.id, "exists": s.exists }),
            })
            .collect();
        let root = json!({
            "format": FORMAT,
            "env": snap.env,
            "app": snap.app,
            "config": snap.config,
            "parameters": parameters,
            "maps": maps,
            "secrets": secrets,
        });
        let mut out = serde_json::to_string_pretty(&root).unwrap_or_default();
        out.push('\n');
        out
    }

    /// Runs `f` on a borrowed [`View`] of this snapshot (read from `file`).
    pub fn with_view<R>(&self, file: &str, f: impl FnOnce(&View<'_>) -> R) -> R {
        let params: Vec<ParamView<'_>> = self
            .parameters
            .iter()
            .map(|p| ParamView {
                name: &p.name,
                ty: p.ty,
            })
            .collect();
        let key_lists: Vec<Option<Vec<&str>>> = self
            .secrets
            .iter()
            .map(|s| {
                s.keys
                    .as_ref()
                    .map(|k| k.iter().map(String::as_str).collect())
            })
            .collect();
        let secrets: Vec<SecretView<'_>> = self
            .secrets
            .iter()
            .zip(&key_lists)
            .map(|(s, keys)| SecretView {
                id: &s.id,
                exists: s.exists,
                keys: keys.as_deref(),
            })
            .collect();
        let name_lists: Vec<Vec<&str>> = self
            .maps
            .iter()
            .map(|m| m.names.iter().map(String::as_str).collect())
            .collect();
        let maps: Vec<MapView<'_>> = self
            .maps
            .iter()
            .zip(&name_lists)
            .map(|(m, names)| MapView {
                prefix: &m.prefix,
                names,
            })
            .collect();
        f(&View {
            env: &self.env,
            app: &self.app,
            file,
            params: &params,
            secrets: &secrets,
            maps: &maps,
        })
    }
}
