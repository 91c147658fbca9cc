//! The "first hour" walkthrough of the README ("Your own crate"): a service's own
//! crate, from zero to a config loaded from the emulator. The README shows this
//! file from `use` on; `examples/tests/run_examples.rs` checks the two match and
//! runs the walkthrough's commands.

// A service's own crate, not a library: its public items need no docs.
#![allow(missing_docs)]

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

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // `orders tools template|push|check|explain|...`: awsconf's tools for this config.
    if std::env::args().nth(1).as_deref() == Some("tools") {
        let args = std::env::args_os().skip(1);
        let (mut out, mut err) = (std::io::stdout(), std::io::stderr());
        let code = awsconf::cli::run_with::<OrdersConfig, _, _>(args, None, &mut out, &mut err);
        std::process::exit(code.await.into());
    }
    let config = OrdersConfig::loader().load().await?; // the env from AWSCONF_ENV
    println!("{config:#?}"); // secrets print as [REDACTED]
    Ok(())
}
