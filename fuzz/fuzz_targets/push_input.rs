//! The TOML file `push` reads, in a dry run against a schema: the checks push
//! makes before any AWS call. Never panics, and every refusal is an error (so
//! the CLI exits 1), not a report that would exit 0: a file that is not TOML,
//! that would not load, or whose values Parameter Store or Secrets Manager
//! cannot hold is an `Err`.

#![no_main]
#![allow(dead_code)]

#[path = "../common.rs"]
mod common;

use std::collections::BTreeMap;

use awsconf::figment::providers::{Format, Toml};
use awsconf::figment::Figment;
use awsconf::{AwsConfig, ProblemKind, SecretString};
use libfuzzer_sys::fuzz_target;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "pu")]
struct Pushed {
    port: u16,
    host: String,
    hosts: Vec<String>,
    #[param(default = 3)]
    retries: u8,
    password: SecretString,
    #[secret]
    api_key: SecretString,
    #[secret(id = "{env}/db/rds", key = "username", plaintext)]
    rds_user: String,
    #[secret(id = "{env}/db/rds", key = "password")]
    rds_password: SecretString,
    #[param(version = 3)]
    pinned: Option<String>,
    #[param(json)]
    limits: Option<BTreeMap<String, u32>>,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    host: String,
    #[secret(id = "{env}/tenants/{key}/token")]
    token: Option<SecretString>,
}

/// The most a parameter holds (Advanced tier), and a secret.
const PARAM_MAX: usize = 8192;
const SECRET_MAX: usize = 65536;

fuzz_target!(|data: &[u8]| {
    let Some(toml) = common::text(data) else {
        return;
    };
    let result = common::block_on(awsconf::__fuzz::push_dry_run::<Pushed>("dev", toml));

    // The reference: what must be refused.
    let not_toml = Figment::from(Toml::string(toml))
        .extract::<awsconf::figment::value::Value>()
        .is_err();
    let would_not_load = match common::block_on(
        Pushed::loader()
            .env("dev")
            .offline()
            .merge(Toml::string(toml))
            .load(),
    ) {
        Ok(_) => false,
        Err(err) => err.problems().iter().any(|p| {
            matches!(
                p.kind(),
                ProblemKind::Invalid | ProblemKind::Layer | ProblemKind::Limit
            )
        }),
    };
    match result {
        Ok(items) => {
            assert!(!not_toml, "a file that is not TOML was not refused");
            assert!(
                !would_not_load,
                "a file that would not load was not refused: {items:?}"
            );
            for (target, kind, bytes) in &items {
                let max = if target.starts_with("secret ") {
                    SECRET_MAX
                } else {
                    PARAM_MAX
                };
                assert!(
                    *bytes <= max,
                    "{target} ({kind}) would be pushed with {bytes} bytes; AWS holds {max}"
                );
            }
        }
        Err(err) => {
            let text = err.to_string();
            assert!(!text.is_empty());
            if not_toml {
                assert!(text.contains("is not valid TOML"), "{text}");
            }
        }
    }
});
