//! Matches both snapshots: Option and defaulted fields pass when absent.
use std::collections::BTreeMap;

use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    #[component]
    database: Database,
    region_name: Option<String>,
    #[param(default = "info")]
    log_level: String,
    tags: Vec<String>,
    owners: String,
    #[secret(id = "{env}/shop/db", key = "username", plaintext)]
    db_user: String,
    #[secret(id = "{env}/shop/db", key = "password")]
    db_password: SecretString,
    #[secret(id = "{env}/shop/db", key = "token")]
    db_token: Option<SecretString>,
    #[secret(id = "{env}/shop/stripe")]
    stripe: SecretString,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig)]
struct Database {
    host: String,
    password: SecretString,
}

#[derive(AwsConfig)]
struct Tenant {
    plan: String,
    seats: Option<u32>,
}

fn main() {}
