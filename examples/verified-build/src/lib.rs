//! The shop's config: checked at compile time against `.awsconf/staging.json` and
//! `.awsconf/production.json`, which `shop prepare --env ENV` wrote.

use std::collections::BTreeMap;

use awsconf::{AwsConfig, SecretString};

/// The shop's config: `/<env>/shop/...` and two secrets.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop")]
pub struct ShopConfig {
    /// `/<env>/shop/database/...`
    #[component]
    pub database: Database,
    /// `/<env>/shop/allowed-origins`, a StringList.
    pub allowed_origins: Vec<String>,
    /// `/<env>/shop/log-level`; absent in production, so it needs its default.
    #[param(default = "info")]
    pub log_level: String,
    /// The payment provider's key: secret `<env>/shop/payments`, JSON key `api_key`.
    #[secret(id = "{env}/shop/payments", key = "api_key")]
    pub payments_key: SecretString,
    /// One entry per warehouse under `/<env>/shop/warehouses/`.
    #[component]
    pub warehouses: BTreeMap<String, Warehouse>,
}

/// The database.
#[derive(AwsConfig, Debug)]
pub struct Database {
    /// `/<env>/shop/database/host`
    pub host: String,
    /// `/<env>/shop/database/password`, a SecureString.
    pub password: SecretString,
}

/// One warehouse.
#[derive(AwsConfig, Debug)]
pub struct Warehouse {
    /// `/<env>/shop/warehouses/<key>/region`
    pub region: String,
    /// `/<env>/shop/warehouses/<key>/capacity`; not every warehouse has one.
    pub capacity: Option<u32>,
}
