//! A user crate that depends on awsconf alone (no serde, no figment, no
//! aws-config) can derive, use every attribute, derive serde's `Deserialize` for
//! a JSON secret or parameter through `awsconf::serde`, build an `SdkConfig`
//! through `awsconf::aws_config`, and build a loader.

// A user's crate, not a library: its public items need no docs.
#![allow(missing_docs)]
use std::collections::BTreeMap;

use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "api", rename_all = "snake_case")]
pub struct Config {
    #[component]
    pub database: Database,
    #[component]
    pub tenants: BTreeMap<String, Tenant>,
    #[param(default = "info")]
    pub log_level: String,
    #[param(version = 3)]
    pub pinned: Option<u32>,
    #[param(label = "stable", json)]
    pub limits: Option<Vec<u32>>,
    #[secret(id = "{env}/stripe/api-key")]
    pub stripe_key: SecretString,
    #[secret(id = "{env}/db/postgres", key = "password", stage = "AWSPREVIOUS")]
    pub previous_password: Option<SecretString>,
    #[param(plaintext)]
    pub token_url: String,
}

#[derive(AwsConfig, Debug)]
pub struct Database {
    pub host: String,
    pub password: SecretString,
    #[secret(id = "{env}/orders/db-admin")]
    pub admin: DbAdmin,
    #[param(json)]
    pub rollout: Rollout,
}

#[derive(awsconf::serde::Deserialize, Debug, awsconf::Secret)]
#[serde(crate = "awsconf::serde")]
pub struct DbAdmin {
    #[secret(plaintext)]
    pub username: String,
    pub password: SecretString,
}

#[derive(awsconf::serde::Deserialize, Debug)]
#[serde(crate = "awsconf::serde")]
pub struct Rollout {
    pub percent: u8,
    #[serde(default)]
    pub regions: Vec<String>,
}

/// The `SdkConfig` the tools and `.sdk_config(..)` take, without an aws-config
/// dependency.
pub async fn sdk_config() -> awsconf::aws_config::SdkConfig {
    awsconf::aws_config::defaults(awsconf::aws_config::BehaviorVersion::latest())
        .load()
        .await
}

#[derive(AwsConfig, Debug)]
pub struct Tenant {
    pub plan: String,
    #[secret(id = "{env}/tenants/{key}/rds")]
    pub rds: Option<SecretString>,
}

#[test]
fn derives_and_builds_a_loader_with_awsconf_as_the_only_dependency() {
    let schema = <Config as AwsConfig>::schema();
    assert_eq!(schema.app, Some("api"));
    assert_eq!(schema.fields.len(), 8);
    let _loader = Config::loader().env("production").offline();
    let _sdk_config = sdk_config();
}

#[test]
fn a_json_secret_struct_derived_through_awsconf_serde_is_a_secret_field() {
    let database = <Database as AwsConfig>::schema();
    let admin = database
        .fields
        .iter()
        .find(|f| f.ident == "admin")
        .map(|f| (f.type_name, f.is_secret()));
    assert_eq!(admin, Some(("DbAdmin", true)));
}
