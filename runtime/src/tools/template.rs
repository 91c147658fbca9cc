//! A local TOML file with every field of a config: the starting point for offline
//! development (`.offline()` with `.merge(Toml::file(..))`).
//!
//! - Keys are the Rust field names, one `[table]` per component, as local layers
//!   read them.
//! - A field with a `#[param(default)]` is set to its default.
//! - A required field without a default is written commented out, with a
//!   placeholder of its type: an offline load then names it as missing until you
//!   fill it in, rather than loading a made-up value.
//! - Optional fields are written commented out.
//! - Secrets (Secrets Manager fields and `SecretString` parameters) are commented
//!   placeholders: fill them in only in a file you never commit.
//! - A map component gets a commented example entry, `[tenants.example]`.
//! - Every placeholder parses as TOML once uncommented: `0`, `false`, `""`, `[]`,
//!   `{}` for a map or a `#[param(json)]` value, `'{}'` for a JSON secret.
//!
//! Each field has a comment with its type and where it lives in AWS.

use figment::value::Value;

use crate::schema::{Field, Kind, Schema, Scope, Shape};
use crate::walk::{Home, Leaf, Visit};
use crate::{AwsConfig, Root};

/// The TOML template for `T`, with the AWS names of `env` in its comments.
pub fn template<T: AwsConfig + Root>(env: &str) -> String {
    let schema = T::schema();
    let app = schema.app.unwrap_or_default();
    let mut out = format!(
        "# Local configuration for {} (app `{app}`), written by `awsconf template`.\n\
         # Keys are Rust field names, one [table] per component. Defaults are filled in;\n\
         # required values and secrets are commented out: fill them in (never commit\n\
         # real secrets). Load it with .merge(Toml::file(..)), and .offline() to make no\n\
         # AWS call.\n",
        schema.type_name
    );
    let scope = Scope::root(env, app);
    let mut writer = Writer::default();
    crate::walk::visit(schema, &scope, &mut writer);
    out.push_str(&writer.done);
    out
}

/// One struct being written: the root, a component or a map's example entry.
#[derive(Default)]
struct Frame {
    /// Its `[table]` line(s), empty for the root.
    header: String,
    /// Its TOML key path.
    path: Vec<String>,
    /// Written commented out (a map's example entry and everything in it).
    commented: bool,
    /// Its own fields.
    lines: String,
    /// Its components' and map entries' tables, in declaration order.
    tables: String,
}

/// Writes each struct's own fields, then one table per component: a visitor of
/// the one walk ([`crate::walk::visit`]).
#[derive(Default)]
struct Writer {
    frames: Vec<Frame>,
    /// The frame the next `enter` opens (set by `component` and `map`).
    next: Option<Frame>,
    /// The root's text, once it is left.
    done: String,
}

impl Visit for Writer {
    fn enter(&mut self, _schema: &'static Schema, _scope: &Scope) {
        let frame = self.next.take().unwrap_or_default();
        self.frames.push(frame);
    }

    fn leaf(&mut self, leaf: Leaf) {
        let Some(frame) = self.frames.last_mut() else {
            return;
        };
        let field = leaf.field;
        frame.lines.push('\n');
        frame
            .lines
            .push_str(&format!("# {}\n", describe(field, &leaf.home)));
        if let Some(hint) = json_hint(field) {
            frame.lines.push_str(&format!("# {hint}\n"));
        }
        let (line, active) = field_line(field);
        let hash = if active && !frame.commented { "" } else { "# " };
        frame.lines.push_str(&format!("{hash}{line}\n"));
    }

    fn component(&mut self, _scope: &Scope, field: &'static Field) -> bool {
        let Some(parent) = self.frames.last() else {
            return false;
        };
        let mut path = parent.path.clone();
        path.push(key(field.ident));
        let hash = if parent.commented { "# " } else { "" };
        self.next = Some(Frame {
            header: format!("\n{hash}[{}]\n", path.join(".")),
            path,
            commented: parent.commented,
            ..Frame::default()
        });
        true
    }

    fn map(&mut self, scope: &Scope, field: &'static Field) -> Vec<String> {
        let Some(parent) = self.frames.last() else {
            return Vec::new();
        };
        let mut path = parent.path.clone();
        path.push(key(field.ident));
        path.push(MAP_KEY.to_string());
        let prefix = scope.map_prefix(field);
        self.next = Some(Frame {
            header: format!(
                "\n# {}: one table per entry, from {prefix}/<key>/... (`{MAP_KEY}` stands for a key)\n# [{}]\n",
                field.ident,
                path.join(".")
            ),
            path,
            commented: true,
            ..Frame::default()
        });
        // One example entry, its names shown with `<key>`.
        vec!["<key>".to_string()]
    }

    fn leave(&mut self) {
        let Some(frame) = self.frames.pop() else {
            return;
        };
        let text = frame.header + &frame.lines + &frame.tables;
        match self.frames.last_mut() {
            Some(parent) => parent.tables.push_str(&text),
            None => self.done = text,
        }
    }
}

/// The example key of a map component's commented table, `[tenants.example]`.
const MAP_KEY: &str = "example";

/// For a JSON value: both spellings a local layer accepts.
fn json_hint(field: &Field) -> Option<&'static str> {
    match &field.kind {
        Kind::Param(p) if p.json => {
            Some("JSON: a TOML value ({ key = 1 }, [1, 2]) or a JSON string ('{\"key\": 1}'); both work")
        }
        Kind::Secret(_)
            if field.shape != Shape::Text && scalar_placeholder(field.shape).is_none() =>
        {
            Some("JSON: a JSON string ('{\"key\": \"...\"}') or a TOML table ({ key = \"...\" }); both work")
        }
        _ => None,
    }
}

/// `(line, active)`: the `key = value` line, and whether it is written uncommented.
/// Every line parses as TOML once uncommented, whatever the field's type.
fn field_line(field: &Field) -> (String, bool) {
    let k = key(field.ident);
    if field.is_secret() {
        return (format!("{k} = {}", secret_placeholder(field)), false);
    }
    if let Some(default) = field.default {
        if let Ok(value) = default() {
            if let Some(text) = toml_value(&value) {
                return (format!("{k} = {text}"), true);
            }
        }
    }
    let json = matches!(&field.kind, Kind::Param(p) if p.json);
    (format!("{k} = {}", placeholder(field.shape, json)), false)
}

/// A secret's placeholder: `"<secret>"` for text, the type's placeholder for a
/// number or bool read from a JSON key, `'{}'` (JSON text) for a struct or map.
fn secret_placeholder(field: &Field) -> String {
    match field.shape {
        Shape::Text => "\"<secret>\"".to_string(),
        shape => match scalar_placeholder(shape) {
            Some(p) => p.to_string(),
            None => "'{}'".to_string(),
        },
    }
}

/// The comment above a field: its type, how it is required, and where it lives.
fn describe(field: &Field, home: &Home) -> String {
    let need = if field.default.is_some() {
        "default"
    } else if field.required {
        "required"
    } else {
        "optional"
    };
    let home = match (&field.kind, home) {
        (Kind::Secret(s), Home::Secret { id }) => {
            let mut home = format!("Secrets Manager {id}");
            if let Some(key) = s.key {
                home.push_str(&format!(", key `{key}`"));
            }
            if let Some(stage) = s.stage {
                home.push_str(&format!(", stage {stage}"));
            }
            home
        }
        (Kind::Param(p), Home::Param { name }) => {
            let kind = if p.secret {
                "SecureString"
            } else if field.shape == Shape::List {
                "StringList"
            } else {
                "String"
            };
            let json = if p.json { ", JSON" } else { "" };
            format!(
                "{kind}{json} {name}{}",
                field.selector().unwrap_or_default()
            )
        }
        _ => String::new(),
    };
    format!("{} ({need}): {home}", field.type_name)
}

/// A placeholder of the field's type that TOML parses and the loader accepts:
/// `0`, `0.0`, `false`, `""`, `[]` for a list, `{}` for a map or a JSON value.
/// The shape is the compiler's ([`Field::shape`]), so an alias of `u16` gets `0`.
fn placeholder(shape: Shape, json: bool) -> &'static str {
    if let Some(p) = scalar_placeholder(shape) {
        return p;
    }
    match shape {
        Shape::List => "[]",
        Shape::Map => "{}",
        // A JSON struct: an inline table (a JSON string works too).
        _ if json => "{}",
        _ => "\"\"",
    }
}

/// Numbers, bools and chars.
fn scalar_placeholder(shape: Shape) -> Option<&'static str> {
    Some(match shape {
        Shape::Bool => "false",
        Shape::Integer => "0",
        Shape::Float => "0.0",
        Shape::Char => "\"?\"",
        _ => return None,
    })
}

/// A bare TOML key, or a quoted one.
fn key(ident: &str) -> String {
    if !ident.is_empty()
        && ident
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        ident.to_string()
    } else {
        toml_string(ident)
    }
}

/// A TOML basic string. JSON's string escapes are all valid in TOML basic strings.
fn toml_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A figment value as inline TOML; `None` for what TOML cannot hold.
pub(crate) fn toml_value(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(_, s) => toml_string(s),
        Value::Char(_, c) => toml_string(&c.to_string()),
        Value::Bool(_, b) => b.to_string(),
        Value::Num(_, n) => {
            if let Some(i) = n.to_i128() {
                i.to_string()
            } else if let Some(u) = n.to_u128() {
                u.to_string()
            } else {
                let f = n.to_f64()?;
                if !f.is_finite() {
                    return None;
                }
                let text = f.to_string();
                if text.contains(['.', 'e', 'E']) {
                    text
                } else {
                    format!("{text}.0")
                }
            }
        }
        Value::Empty(..) => return None,
        Value::Array(_, items) => {
            let items: Option<Vec<String>> = items.iter().map(toml_value).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Dict(_, dict) => {
            let items: Option<Vec<String>> = dict
                .iter()
                .map(|(k, v)| toml_value(v).map(|v| format!("{} = {v}", key(k))))
                .collect();
            format!("{{ {} }}", items?.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_inline_toml() {
        assert_eq!(
            toml_value(&Value::from("a\"b\n")).as_deref(),
            Some("\"a\\\"b\\n\"")
        );
        assert_eq!(toml_value(&Value::from(20u32)).as_deref(), Some("20"));
        assert_eq!(toml_value(&Value::from(2.0f64)).as_deref(), Some("2.0"));
        assert_eq!(toml_value(&Value::from(false)).as_deref(), Some("false"));
        assert_eq!(
            toml_value(&Value::from(vec!["a".to_string(), "b".to_string()])).as_deref(),
            Some("[\"a\", \"b\"]")
        );
        assert_eq!(toml_value(&Value::from(f64::NAN)), None);
    }

    #[test]
    fn placeholders_follow_the_shape() {
        assert_eq!(placeholder(Shape::Integer, false), "0");
        assert_eq!(placeholder(Shape::List, false), "[]");
        assert_eq!(placeholder(Shape::Text, false), "\"\"");
        assert_eq!(placeholder(Shape::Bool, false), "false");
        assert_eq!(placeholder(Shape::Map, false), "{}");
        assert_eq!(placeholder(Shape::Other, true), "{}");
        assert_eq!(placeholder(Shape::List, true), "[]");
        assert_eq!(placeholder(Shape::Other, false), "\"\"");
    }
}
