//! Rules that look at the whole struct or at AWS's naming rules; every violation is
//! recorded with the span of what to change.

use std::collections::HashMap;

use crate::ast::{Container, Kind};
use crate::ctxt::Ctxt;

/// Placeholders a secret id may contain.
const PLACEHOLDERS: &[&str] = &["{env}", "{app}", "{key}"];

pub fn check(cx: &mut Ctxt, cont: &Container<'_>) {
    if let Some(app) = &cont.app {
        if let Err(msg) = ssm_segment(&app.value()) {
            cx.error_spanned_by(app, format!("app {msg}"));
        }
    }
    let mut seen: HashMap<&str, &syn::Ident> = HashMap::new();
    for field in &cont.fields {
        if let Kind::Secret {
            id,
            stage,
            version_id,
            ..
        } = &field.kind
        {
            if let Some(id) = id {
                if let Err(msg) = secret_id(&id.value()) {
                    cx.error_spanned_by(id, msg);
                }
            }
            if let (Some(_), Some(version_id)) = (stage, version_id) {
                cx.error_spanned_by(
                    version_id,
                    "give either `stage` or `version_id`, not both: a version id already names one version",
                );
            }
            if let Some(stage) = stage {
                let s = stage.value();
                if s.is_empty() || s.len() > 256 {
                    cx.error_spanned_by(stage, "a version stage is 1 to 256 characters");
                }
            }
            if let Some(v) = version_id {
                let len = v.value().len();
                if !(32..=64).contains(&len) {
                    cx.error_spanned_by(v, "a Secrets Manager version id is 32 to 64 characters");
                }
            }
            continue;
        }
        if let Err(msg) = ssm_segment(&field.name) {
            cx.syn_error(syn::Error::new(
                field.name_span,
                format!(
                    "SSM name `{}` for field `{}` {msg}",
                    field.name, field.ident
                ),
            ));
        }
        if let Some(previous) = seen.insert(field.name.as_str(), field.ident) {
            cx.syn_error(syn::Error::new(
                field.name_span,
                format!(
                    "field `{}` maps to the SSM name `{}`, which field `{}` already uses",
                    field.ident, field.name, previous
                ),
            ));
        }
        match &field.kind {
            Kind::Param { version, label, .. } => {
                if let (Some(_), Some(label)) = (version, label) {
                    cx.error_spanned_by(label, "give either `version` or `label`, not both");
                }
            }
            Kind::Component | Kind::Map { .. } => {
                if field.option {
                    cx.error_spanned_by(
                        &field.original.ty,
                        "a #[component] cannot be an Option: make the fields inside it Option instead",
                    );
                }
                if let Some(default) = &field.default {
                    cx.error_spanned_by(
                        default,
                        "a #[component] takes its defaults from its own fields",
                    );
                }
            }
            Kind::Secret { .. } => {}
        }
    }
}

/// One segment of an SSM parameter name.
fn ssm_segment(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "contains `{bad}`, which SSM does not allow in a name segment (allowed: a-z A-Z 0-9 _ . -)"
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        return Err(
            "starts with `aws` or `ssm`, which SSM reserves (case-insensitive); choose another name"
                .into(),
        );
    }
    if name.len() > 1011 {
        return Err("is longer than SSM's 1011-character limit".into());
    }
    Ok(())
}

/// A Secrets Manager secret name (or ARN) with `{env}`, `{app}`, `{key}` placeholders.
fn secret_id(id: &str) -> Result<(), String> {
    let mut rest = id.to_string();
    for p in PLACEHOLDERS {
        rest = rest.replace(p, "x");
    }
    if let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map(|e| start + e + 1)
            .unwrap_or(rest.len());
        return Err(format!(
            "unknown placeholder `{}` in secret id; use {{env}}, {{app}} or {{key}}",
            &rest[start..end]
        ));
    }
    if rest.is_empty() {
        return Err("a secret id cannot be empty".into());
    }
    if rest.starts_with("arn:") {
        return Ok(());
    }
    if rest.len() > 512 {
        return Err("a secret name is at most 512 characters".into());
    }
    if let Some(bad) = rest
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || "/_+=.@-".contains(*c)))
    {
        return Err(format!(
            "secret id contains `{bad}`, which Secrets Manager does not allow in a name (allowed: a-z A-Z 0-9 / _ + = . @ -)"
        ));
    }
    Ok(())
}
