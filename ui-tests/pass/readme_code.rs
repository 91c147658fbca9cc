// The README's own struct code ("Usage" and "Your own crate: the first hour"),
// and the DbCredentials pattern of DESIGN.md and the guide, as written there.
#![allow(dead_code)]

use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "api")]
pub struct ApiConfig {
    #[component] pub database: Database,              // /<env>/api/database/...
    #[param(default = "info")] pub log_level: String, // /<env>/api/log-level
    #[secret(id = "{env}/stripe/api-key")]
    pub stripe_key: SecretString,                     // Secrets Manager
}

#[derive(AwsConfig, Debug)]
pub struct Database {
    pub host: String,                                 // /<env>/api/database/host
    pub port: u16,                                    // "5432" -> 5432
    pub replicas: Vec<String>,                        // StringList "a,b,c"
    pub password: SecretString,                       // SecureString, decrypted, redacted
    #[param(default = 100)] pub max_connections: u32,
}

mod orders {
    use awsconf::{AwsConfig, SecretString};

    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "orders")]
    pub struct OrdersConfig {
        #[component]
        pub database: Database, // /<env>/orders/database/...
        #[param(default = 8080)]
        pub port: u16, // /<env>/orders/port, 8080 if absent
        pub cache_url: Option<String>, // may be absent
        #[param(json)]
        pub rollout: Rollout, // JSON text -> struct
        #[secret(id = "{env}/orders/db-admin")]
        pub db_admin: DbAdmin, // a JSON secret in Secrets Manager
    }

    #[derive(AwsConfig, Debug)]
    pub struct Database {
        pub host: String,           // /<env>/orders/database/host
        pub password: SecretString, // a SecureString, decrypted, redacted
    }

    #[derive(awsconf::serde::Deserialize, Debug)]
    #[serde(crate = "awsconf::serde")]
    pub struct Rollout {
        pub percent: u8,
    }

    #[derive(awsconf::serde::Deserialize, Debug, awsconf::Secret)]
    #[serde(crate = "awsconf::serde")]
    pub struct DbAdmin {
        #[secret(plaintext)]
        pub username: String, // not secret: shown by Debug
        pub password: SecretString, // [REDACTED]
    }
}

mod guide {
    use awsconf::{Secret, SecretString};
    use awsconf::serde::Deserialize;

    #[derive(Deserialize, Debug, Secret)]   // the derive shares the trait's name, as serde's do
    #[serde(crate = "awsconf::serde")]
    pub struct DbCredentials {
        #[secret(plaintext)] pub username: String,   // a field that is not secret says so
        #[secret(plaintext)] pub port: u16,
        pub password: SecretString,                   // every other field must itself be a Secret
    }
}

fn main() {
    let secret = |schema: &awsconf::Schema, name: &str| {
        schema.fields.iter().any(|f| f.ident == name && f.is_secret())
    };
    let api = <ApiConfig as AwsConfig>::schema();
    assert!(secret(api, "stripe_key") && !secret(api, "log_level"));
    let db = <Database as AwsConfig>::schema();
    assert!(secret(db, "password") && !secret(db, "host"));
    let orders = <orders::OrdersConfig as AwsConfig>::schema();
    assert!(secret(orders, "db_admin") && !secret(orders, "rollout"));
}
