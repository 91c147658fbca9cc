//! Local layers, TOML and JSON, malformed or not. Never panics, and a layer's
//! error (a `Layer` problem: the file did not parse) quotes no line of the
//! input: the line may hold a secret.

#![no_main]
#![allow(dead_code)]

#[path = "../common.rs"]
mod common;

use std::collections::BTreeMap;

use awsconf::figment::providers::{Format, Json, Toml};
// (`Json` is there through this crate's own figment dependency with the `json` feature.)
use awsconf::{AwsConfig, ProblemKind, SecretString};
use libfuzzer_sys::fuzz_target;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "ly")]
struct Layered {
    port: Option<u16>,
    host: Option<String>,
    password: Option<SecretString>,
    #[component]
    database: Database,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Database {
    #[param(default = "db")]
    name: String,
    replicas: Option<Vec<String>>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: Option<String>,
}

/// Lines this short are words of any message ("port", "= 1"); longer ones
/// would be a quote.
const MIN_LINE: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = common::text(rest) else {
        return;
    };
    let loader = Layered::loader().env("dev").offline();
    let loader = if mode & 1 == 0 {
        loader.merge(Toml::string(text))
    } else {
        loader.merge(Json::string(text))
    };
    let Err(err) = common::block_on(loader.load()) else {
        return;
    };
    for p in err
        .problems()
        .iter()
        .filter(|p| p.kind() == ProblemKind::Layer)
    {
        let shown = format!("{p}\n{p:?}");
        for line in text.lines().map(str::trim) {
            if line.chars().count() >= MIN_LINE {
                assert!(
                    !shown.contains(line),
                    "a layer error quotes the line {line:?}:\n{shown}"
                );
            }
        }
    }
});
