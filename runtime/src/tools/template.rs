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
//! - A map component gets a commented example entry, `[tenants.<key>]`.
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
                    "\n# {}: one table per entry, from {prefix}/<key>/...\n",
                    field.ident
                ));
                path.push("<key>".to_string());
                out.push_str(&format!("# [{}]\n", path.join(".")));
                write_struct(element(), &scope.entry(field, "<key>"), &path, true, out);
            }
            Kind::Param(_) | Kind::Secret(_) => {}
        }
    }
}

/// `(line, active)`: the `key = value` line, and whether it is written uncommented.
fn field_line(field: &Field) -> (String, bool) {
    let k = key(field.ident);
    if field.is_secret() {
        let placeholder = match &field.kind {
            Kind::Secret(s)
                if s.key.is_none()
                    && !matches!(field.type_name, "String" | "SecretString")
                    && !field.type_name.starts_with("SecretBox") =>
            {
                format!("'<JSON for {}>'", field.type_name)
            }
            _ => "\"<secret>\"".to_string(),
        };
        return (format!("{k} = {placeholder}"), false);
    }
    if let Some(default) = field.default {
        if let Ok(value) = default() {
            if let Some(text) = toml_value(&value) {
                return (format!("{k} = {text}"), true);
            }
        }
    }
    (format!("{k} = {}", placeholder(field.type_name)), false)
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

/// A placeholder of the field's type.
fn placeholder(type_name: &str) -> &'static str {
    match type_name {
        "bool" => "false",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i8" | "i16" | "i32" | "i64" | "i128"
        | "isize" => "0",
        "f32" | "f64" => "0.0",
        t if t.starts_with("Vec<") => "[]",
        _ => "\"\"",
    }
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
        assert_eq!(placeholder("u16"), "0");
        assert_eq!(placeholder("Vec<String>"), "[]");
        assert_eq!(placeholder("String"), "\"\"");
        assert_eq!(placeholder("bool"), "false");
    }
}
