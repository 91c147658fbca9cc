//! SSM names and secret ids: `awsconf-names`' verdicts, the loader's env
//! check, and the names a map's entries make (`{key}` in a secret id, a key
//! from `GetParametersByPath`). Never panics, and every verdict agrees with
//! the straightforward reference of AWS's documented rules below.

#![no_main]
#![allow(dead_code)]

#[path = "../common.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};

use awsconf::{AwsConfig, SecretString};
use libfuzzer_sys::fuzz_target;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "nm")]
struct Named {
    port: u16,
    #[secret(id = "{env}/db/password")]
    password: SecretString,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    host: String,
    #[secret(id = "{env}/tenants/{key}/rds")]
    rds: SecretString,
}

// ---- the reference: AWS's rules as the PutParameter and CreateSecret docs state them ----

fn ssm_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-'
}

fn reserved(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    lower.starts_with("aws") || lower.starts_with("ssm")
}

/// A parameter name: 1 to 1011 characters of `a-zA-Z0-9_.-` and `/`; a name in
/// a hierarchy (one with a `/`) starts with `/`; at most 15 levels; it does not
/// start with `aws` or `ssm` (any case).
fn reference_ssm_name(name: &str) -> bool {
    let chars = name.chars().count();
    let levels = if name.contains('/') {
        name.matches('/').count()
    } else {
        1
    };
    (1..=1011).contains(&chars)
        && name.chars().all(|c| ssm_char(c) || c == '/')
        && (!name.contains('/') || name.starts_with('/'))
        && levels <= 15
        && !reserved(name.trim_start_matches('/'))
}

/// One segment (an env): 1 to 1011 characters of `a-zA-Z0-9_.-`, not reserved.
fn reference_segment(segment: &str) -> bool {
    let chars = segment.chars().count();
    (1..=1011).contains(&chars) && segment.chars().all(ssm_char) && !reserved(segment)
}

/// A secret id: an ARN, or a name of 1 to 512 characters of `a-zA-Z0-9/_+=.@-`.
fn reference_secret_id(id: &str) -> bool {
    if id.starts_with("arn:") {
        return true;
    }
    let chars = id.chars().count();
    (1..=512).contains(&chars)
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c))
}

/// Names where AWS documents no verdict: an empty level (`/a//b`, `/a/`).
fn documented(name: &str) -> bool {
    !name.contains("//") && !name.ends_with('/')
}

fuzz_target!(|data: &[u8]| {
    let Some(parts) = common::parts(data, 8) else {
        return;
    };
    let env = parts[0];
    let keys = &parts[1..];

    // awsconf-names on the raw texts.
    for text in &parts {
        let name = awsconf_names::ssm_name(text);
        if documented(text) {
            assert_eq!(
                name.is_ok(),
                reference_ssm_name(text),
                "ssm_name({text:?}) = {name:?}"
            );
        }
        let slashed = format!("/{text}");
        if documented(&slashed) {
            let name = awsconf_names::ssm_name(&slashed);
            assert_eq!(
                name.is_ok(),
                reference_ssm_name(&slashed),
                "ssm_name({slashed:?}) = {name:?}"
            );
        }
        let segment = awsconf_names::ssm_segment(text);
        assert_eq!(
            segment.is_ok(),
            reference_segment(text),
            "ssm_segment({text:?}) = {segment:?}"
        );
        let secret = awsconf_names::secret_id(text);
        assert_eq!(
            secret.is_ok(),
            reference_secret_id(text),
            "secret_id({text:?}) = {secret:?}"
        );
    }

    // The loader's env: its plan is refused exactly when the env or a name is.
    let plan = Named::loader().env(env).plan();
    let expected = reference_segment(env)
        && reference_ssm_name(&format!("/{env}/nm/port"))
        && reference_ssm_name(&format!("/{env}/nm/tenants"))
        && reference_secret_id(&format!("{env}/db/password"));
    assert_eq!(plan.is_ok(), expected, "plan for env {env:?}: {plan:?}");
    if !reference_segment(env) {
        return;
    }

    // Map entries from the names GetParametersByPath returned under the map.
    let found: BTreeSet<String> = keys
        .iter()
        .map(|k| format!("/{env}/nm/tenants/{k}/host"))
        .collect();
    let names = awsconf::__fuzz::names::<Named>(env, &found);
    let entry_keys: BTreeSet<&str> = keys
        .iter()
        .filter_map(|k| k.split('/').next())
        .filter(|k| !k.is_empty())
        .collect();
    let mut want_params: BTreeSet<String> = entry_keys
        .iter()
        .map(|k| format!("/{env}/nm/tenants/{k}/host"))
        .collect();
    want_params.insert(format!("/{env}/nm/port"));
    let mut want_secrets: BTreeSet<String> = entry_keys
        .iter()
        .map(|k| format!("{env}/tenants/{k}/rds"))
        .collect();
    want_secrets.insert(format!("{env}/db/password"));
    let got_params: BTreeSet<String> = names.params.iter().map(|(n, _)| n.clone()).collect();
    let got_secrets: BTreeSet<String> = names.secrets.iter().map(|(n, _)| n.clone()).collect();
    assert_eq!(got_params, want_params, "parameter names for keys {keys:?}");
    assert_eq!(got_secrets, want_secrets, "secret ids for keys {keys:?}");
    for (name, verdict) in names.params.iter().chain(&names.maps) {
        if documented(name) {
            assert_eq!(
                verdict.is_ok(),
                reference_ssm_name(name),
                "{name:?}: {verdict:?}"
            );
        }
    }
    for (id, verdict) in &names.secrets {
        assert_eq!(
            verdict.is_ok(),
            reference_secret_id(id),
            "{id:?}: {verdict:?}"
        );
    }
});
