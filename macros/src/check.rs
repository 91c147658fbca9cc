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
                let chars = stage.value().chars().count();
                let max = awsconf_names::SECRET_STAGE_MAX_CHARS;
                if chars == 0 || chars > max {
                    cx.error_spanned_by(stage, format!("a version stage is 1 to {max} characters"));
                }
            }
            if let Some(v) = version_id {
                let chars = v.value().chars().count();
                let (min, max) = (
                    awsconf_names::SECRET_VERSION_ID_MIN_CHARS,
                    awsconf_names::SECRET_VERSION_ID_MAX_CHARS,
                );
                if !(min..=max).contains(&chars) {
                    cx.error_spanned_by(
                        v,
                        format!("a Secrets Manager version id is {min} to {max} characters"),
                    );
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

/// One segment of an SSM parameter name: the rule it breaks, worded for an attribute.
fn ssm_segment(name: &str) -> Result<(), String> {
    use awsconf_names::SsmNameError;
    awsconf_names::ssm_segment(name).map_err(|err| match err {
        SsmNameError::Empty => "is empty".to_string(),
        SsmNameError::BadChar(bad) => format!(
            "contains `{bad}`, which SSM does not allow in a name segment (allowed: {})",
            awsconf_names::SSM_SEGMENT_CHARS
        ),
        SsmNameError::Reserved => {
            "starts with `aws` or `ssm`, which SSM reserves (case-insensitive); choose another name"
                .to_string()
        }
        SsmNameError::TooLong(_) | SsmNameError::TooDeep(_) => format!(
            "is longer than SSM's {}-character limit",
            awsconf_names::SSM_NAME_MAX_CHARS
        ),
        // Whole names only; a segment with a `/` is a BadChar.
        SsmNameError::NotQualified => "contains `/`".to_string(),
    })
}

/// A Secrets Manager secret name (or ARN) with `{env}`, `{app}`, `{key}` placeholders.
fn secret_id(id: &str) -> Result<(), String> {
    use awsconf_names::SecretNameError;
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
    awsconf_names::secret_id(&rest).map_err(|err| match err {
        SecretNameError::Empty => "a secret id cannot be empty".to_string(),
        SecretNameError::TooLong(_) => format!(
            "a secret name is at most {} characters",
            awsconf_names::SECRET_NAME_MAX_CHARS
        ),
        SecretNameError::BadChar(bad) => format!(
            "secret id contains `{bad}`, which Secrets Manager does not allow in a name (allowed: {})",
            awsconf_names::SECRET_NAME_CHARS
        ),
    })
}
