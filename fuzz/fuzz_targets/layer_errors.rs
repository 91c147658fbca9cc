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

/// The `Layer` problems of loading `text` (TOML for an even `mode`, JSON for an
/// odd one), each as its Display and Debug.
fn layer_errors(mode: u8, text: &str) -> Vec<String> {
    let loader = Layered::loader().env("dev").offline();
    let loader = if mode & 1 == 0 {
        loader.merge(Toml::string(text))
    } else {
        loader.merge(Json::string(text))
    };
    let Err(err) = common::block_on(loader.load()) else {
        return Vec::new();
    };
    err.problems()
        .iter()
        .filter(|p| p.kind() == ProblemKind::Layer)
        .map(|p| format!("{p}\n{p:?}"))
        .collect()
}

/// ROT13 of the ASCII letters: the same shape of text, other words.
fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Some(text) = common::text(rest) else {
        return;
    };
    for shown in layer_errors(mode, text) {
        for line in text.lines().map(str::trim) {
            if line.chars().count() < MIN_LINE || !shown.contains(line) {
                continue;
            }
            // The line may be awsconf's or the parser's own wording (an input
            // line "key must be a s" is in "key must be a string"): it is a
            // quote only if the same input with other letters is quoted too.
            let rotated = rot13(line);
            let quoted_again = rotated != line
                && layer_errors(mode, &rot13(text))
                    .iter()
                    .any(|s| s.contains(&rotated));
            assert!(
                rotated != line && !quoted_again,
                "a layer error quotes the line {line:?}:\n{shown}"
            );
        }
    }
});
