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

use crate::schema::{Field, Kind, Schema, Scope};
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
    write_struct(schema, &scope, &[], false, &mut out);
    out
}

/// Writes a struct's own fields, then one table per component.
fn write_struct(
    schema: &'static Schema,
    scope: &Scope,
    table_path: &[String],
    commented: bool,
    out: &mut String,
) {
    let hash = if commented { "# " } else { "" };
    for field in schema.fields {
        if matches!(field.kind, Kind::Component(_) | Kind::Map(_)) {
            continue;
        }
        out.push('\n');
        out.push_str(&format!("# {}\n", describe(field, scope)));
        if let Some(hint) = json_hint(field) {
            out.push_str(&format!("# {hint}\n"));
        }
        let (line, active) = field_line(field);
        let hash = if active && !commented { "" } else { "# " };
        out.push_str(&format!("{hash}{line}\n"));
    }
    for field in schema.fields {
        let mut path = table_path.to_vec();
        path.push(key(field.ident));
        match &field.kind {
            Kind::Component(child) => {
                out.push_str(&format!("\n{hash}[{}]\n", path.join(".")));
                write_struct(child(), &scope.child(field), &path, commented, out);
            }
            Kind::Map(element) => {
                let prefix = scope.map_prefix(field);
                out.push_str(&format!(
                    "\n# {}: one table per entry, from {prefix}/<key>/... (`{MAP_KEY}` stands for a key)\n",
                    field.ident
                ));
                path.push(MAP_KEY.to_string());
                out.push_str(&format!("# [{}]\n", path.join(".")));
                write_struct(element(), &scope.entry(field, "<key>"), &path, true, out);
            }
            Kind::Param(_) | Kind::Secret(_) => {}
        }
    }
}

/// The example key of a map component's commented table, `[tenants.example]`.
const MAP_KEY: &str = "example";

/// For a JSON value: both spellings a local layer accepts.
fn json_hint(field: &Field) -> Option<&'static str> {
    let (head, _) = split_type(field.type_name);
    match &field.kind {
        Kind::Param(p) if p.json => {
            Some("JSON: a TOML value ({ key = 1 }, [1, 2]) or a JSON string ('{\"key\": 1}'); both work")
        }
        Kind::Secret(_)
            if !matches!(
                head,
                "String" | "SecretString" | "SecretBox" | "SecretSlice" | "str"
            ) && scalar_placeholder(head).is_none() =>
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
    (
        format!("{k} = {}", placeholder(field.type_name, json)),
        false,
    )
}

/// A secret's placeholder: `"<secret>"` for text, the type's placeholder for a
/// number or bool read from a JSON key, `'{}'` (JSON text) for a struct or map.
fn secret_placeholder(field: &Field) -> String {
    let (head, _) = split_type(field.type_name);
    match head {
        "String" | "SecretString" | "SecretBox" | "SecretSlice" | "str" => {
            "\"<secret>\"".to_string()
        }
        _ => match scalar_placeholder(head) {
            Some(p) => p.to_string(),
            None => "'{}'".to_string(),
        },
    }
}

/// The comment above a field: its type, how it is required, and where it lives.
fn describe(field: &Field, scope: &Scope) -> String {
    let need = if field.default.is_some() {
        "default"
    } else if field.required {
        "required"
    } else {
        "optional"
    };
    let home = match &field.kind {
        Kind::Secret(s) => {
            let mut home = format!("Secrets Manager {}", scope.secret_id(field, s));
            if let Some(key) = s.key {
                home.push_str(&format!(", key `{key}`"));
            }
            if let Some(stage) = s.stage {
                home.push_str(&format!(", stage {stage}"));
            }
            home
        }
        Kind::Param(p) => {
            let kind = if p.secret {
                "SecureString"
            } else if field.type_name.starts_with("Vec<") {
                "StringList"
            } else {
                "String"
            };
            let json = if p.json { ", JSON" } else { "" };
            format!(
                "{kind}{json} {}{}",
                scope.ssm_name(field),
                field.selector().unwrap_or_default()
            )
        }
        Kind::Component(_) | Kind::Map(_) => String::new(),
    };
    format!("{} ({need}): {home}", field.type_name)
}

/// A placeholder of the field's type that TOML parses and the loader accepts:
/// `0`, `0.0`, `false`, `""`, `[]` for a list, `{}` for a map or a JSON value.
fn placeholder(type_name: &str, json: bool) -> &'static str {
    let (head, _) = split_type(type_name);
    if let Some(p) = scalar_placeholder(head) {
        return p;
    }
    match head {
        "Vec" | "VecDeque" | "BTreeSet" | "HashSet" => "[]",
        "BTreeMap" | "HashMap" => "{}",
        // A JSON struct: an inline table (a JSON string works too).
        _ if json => "{}",
        _ => "\"\"",
    }
}

/// Numbers and bools.
fn scalar_placeholder(head: &str) -> Option<&'static str> {
    Some(match head {
        "bool" => "false",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => "0",
        "f32" | "f64" => "0.0",
        "char" => "\"?\"",
        _ => return None,
    })
}

/// `std::collections::BTreeMap<String,u32>` -> (`BTreeMap`, `<String,u32>`).
fn split_type(type_name: &str) -> (&str, &str) {
    let (path, generics) = match type_name.find('<') {
        Some(i) => type_name.split_at(i),
        None => (type_name, ""),
    };
    (path.rsplit("::").next().unwrap_or(path), generics)
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
    fn placeholders_follow_the_type() {
        assert_eq!(placeholder("u16", false), "0");
        assert_eq!(placeholder("Vec<String>", false), "[]");
        assert_eq!(placeholder("String", false), "\"\"");
        assert_eq!(placeholder("bool", false), "false");
        assert_eq!(
            placeholder("std::collections::BTreeMap<String,u32>", false),
            "{}"
        );
        assert_eq!(placeholder("Rollout", true), "{}");
        assert_eq!(placeholder("Vec<Rollout>", true), "[]");
    }
}
