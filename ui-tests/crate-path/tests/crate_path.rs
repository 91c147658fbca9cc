//! `#[aws_config(crate = "...")]`: every path the derive generates goes through
//! it, whether the crate is renamed or re-exported; and `#[param(default)]`
//! values are typed by the compiler and arrive as written.

// A user's crate, not a library: its public items need no docs.
#![allow(missing_docs)]
use std::collections::BTreeMap;

use cfg_renamed::figment::providers::{Format, Toml};
use cfg_renamed::{AwsConfig, ExposeSecret, SecretString};

/// The crate as a user's own re-export module would offer it.
mod deps {
    pub use cfg_renamed as config;
}

const DEFAULT_PORT: u16 = 8080;

/// Deserialize only: its default is typed, loads, and is not shown.
#[derive(Debug, PartialEq, serde::Deserialize)]
pub enum Level {
    Info,
    Debug,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "api", crate = "cfg_renamed")]
pub struct Api {
    #[component]
    pub database: Database,
    #[component]
    pub tenants: BTreeMap<String, Tenant>,
    #[param(default = "info")]
    pub log_level: String,
    #[param(default = 100)]
    pub max_connections: u32,
    #[param(default = 7)]
    pub retries: u16,
    #[param(default = 443)]
    pub port: Option<u16>,
    #[param(default = DEFAULT_PORT)]
    pub admin_port: u16,
    #[param(default = false)]
    pub debug: bool,
    #[param(default = 0.5)]
    pub ratio: f64,
    #[param(default = vec!["a".to_string(), "b".to_string()])]
    pub hosts: Vec<String>,
    #[param(default = "eu")]
    pub region: Option<String>,
    #[param(default = ["r1", "r2"])]
    pub replicas: Vec<String>,
    #[param(default = [80, 443])]
    pub ports: Option<Vec<u16>>,
    #[param(default = "/etc/api")]
    pub dir: std::path::PathBuf,
    #[param(default = 60 * 60)]
    pub ttl_secs: u64,
    #[param(default = Level::Info)]
    pub level: Level,
    #[param(default = "dev-only")]
    pub token: SecretString,
    #[secret(id = "{env}/stripe", default = "sk_test")]
    pub stripe_key: Option<SecretString>,
}

#[derive(AwsConfig, Debug)]
#[aws_config(crate = "crate::deps::config")]
pub struct Database {
    pub host: String,
    #[param(default = 5432)]
    pub port: u16,
}

#[derive(AwsConfig, Debug)]
#[aws_config(crate = "::cfg_renamed")]
pub struct Tenant {
    pub plan: String,
}

#[tokio::test]
async fn a_renamed_crate_path_derives_and_loads_offline_with_typed_defaults() {
    let local = r#"
        [database]
        host = "localhost"
        [tenants.acme]
        plan = "gold"
    "#;
    let (config, origins) = Api::loader()
        .env("dev")
        .offline()
        .merge(Toml::string(local))
        .load_explained()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.host, "localhost");
    assert_eq!(config.database.port, 5432);
    assert_eq!(config.tenants["acme"].plan, "gold");
    assert_eq!(config.log_level, "info");
    assert_eq!(config.max_connections, 100);
    assert_eq!(config.retries, 7);
    assert_eq!(config.port, Some(443));
    assert_eq!(config.admin_port, 8080);
    assert!(!config.debug);
    assert_eq!(config.ratio, 0.5);
    assert_eq!(config.hosts, ["a", "b"]);
    assert_eq!(config.region.as_deref(), Some("eu"));
    assert_eq!(config.replicas, ["r1", "r2"]);
    assert_eq!(config.ports, Some(vec![80, 443]));
    assert_eq!(config.dir, std::path::Path::new("/etc/api"));
    assert_eq!(config.ttl_secs, 3600);
    assert_eq!(config.level, Level::Info);
    assert_ne!(config.level, Level::Debug);
    assert_eq!(config.token.expose_secret(), "dev-only");
    assert_eq!(
        config.stripe_key.as_ref().map(|k| k.expose_secret()),
        Some("sk_test")
    );

    let shown = |field: &str| {
        origins
            .iter()
            .find(|o| o.field == field)
            .unwrap_or_else(|| panic!("no origin for {field}"))
            .value
            .clone()
    };
    assert_eq!(shown("log_level").as_deref(), Some("info"));
    assert_eq!(shown("port").as_deref(), Some("443"));
    assert_eq!(shown("hosts").as_deref(), Some("a,b"));
    assert_eq!(shown("ports").as_deref(), Some("80,443"));
    assert_eq!(shown("database.port").as_deref(), Some("5432"));
    assert_eq!(
        shown("level"),
        None,
        "a type without Serialize is not shown"
    );
    assert_eq!(shown("token"), None, "a secret default is never shown");
    assert_eq!(shown("stripe_key"), None, "a secret default is never shown");
}

#[test]
fn the_schema_of_a_renamed_crate_path_lists_every_field() {
    let schema = <Api as AwsConfig>::schema();
    assert_eq!(schema.app, Some("api"));
    assert_eq!(schema.fields.len(), 18);
    let port = &schema.fields[5];
    assert_eq!(port.ident, "port");
    assert!(!port.required, "a field with a default is not required");
    let shown = port
        .default
        .and_then(|f| f().ok())
        .and_then(|v| v.to_u128());
    assert_eq!(shown, Some(443), "the tools see the default's figment form");
}
