//! The quickstart's config: the seed's e-commerce API under `/<env>/api/...`.
//! Shared by `quickstart.rs` (the demo) and `awsconf_cli.rs` (the tools).

use awsconf::{AwsConfig, SecretString};

/// The API service's configuration: `/<env>/api/...`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "api")]
pub struct ApiConfig {
    /// `/<env>/api/database/...`
    #[component]
    pub database: Database,
    /// `/<env>/api/redis/...`
    #[component]
    pub redis: Redis,
    /// `/<env>/api/frontend/...`
    #[component]
    pub frontend: Frontend,
    /// `/<env>/api/feature-flags/...`
    #[component]
    pub feature_flags: FeatureFlags,
    /// `/<env>/api/log-level`, `info` when absent.
    #[param(default = "info")]
    pub log_level: String,
    /// Secrets Manager: `<env>/stripe/api-key`.
    #[secret(id = "{env}/stripe/api-key")]
    pub stripe_key: SecretString,
}

/// `/<env>/api/database/...`
#[derive(AwsConfig, Debug)]
pub struct Database {
    /// `host`
    pub host: String,
    /// `port`
    pub port: u16,
    /// `username`
    pub username: String,
    /// `password`: a SecureString parameter, decrypted, never printed.
    pub password: SecretString,
    /// `max-connections`, 20 when absent.
    #[param(default = 20)]
    pub max_connections: u32,
}

/// `/<env>/api/redis/...`
#[derive(AwsConfig, Debug)]
pub struct Redis {
    /// `host`
    pub host: String,
    /// `port`
    pub port: u16,
}

/// `/<env>/api/frontend/...`
#[derive(AwsConfig, Debug)]
pub struct Frontend {
    /// `api-url`
    pub api_url: String,
    /// `cdn-url`
    pub cdn_url: String,
}

/// `/<env>/api/feature-flags/...`
#[derive(AwsConfig, Debug)]
pub struct FeatureFlags {
    /// `new-checkout`
    pub new_checkout: bool,
    /// `recommendations`
    pub recommendations: bool,
    /// `dark-mode`, off when absent.
    #[param(default = false)]
    pub dark_mode: bool,
}
