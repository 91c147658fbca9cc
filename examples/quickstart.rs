//! Quickstart: the seed's e-commerce API config, loaded from Parameter Store and
//! Secrets Manager, then again with a local TOML file and an env var on top.
//!
//! Run it with `scripts/demo.sh` (starts the emulator and seeds it), or against
//! your own account with `AWSCONF_ENV=production cargo run -p awsconf-examples --bin quickstart`.

use awsconf::figment::providers::{Env, Format, Toml};
use awsconf::{AwsConfig, ExposeSecret};

// The demo prints the config through Debug, which the dead-code lint does not count.
#[allow(dead_code)]
mod api_config;

use api_config::ApiConfig;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{err}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), awsconf::Error> {
    let env = std::env::var("AWSCONF_ENV").unwrap_or_else(|_| "production".to_string());
    let local = concat!(env!("CARGO_MANIFEST_DIR"), "/config/local.toml");

    println!("== 1. {env}: Parameter Store and Secrets Manager only ==");
    let config = ApiConfig::loader().env(&env).load().await?;
    println!("{config:#?}");
    // The typed value is there for the program to use; printing it redacts it.
    println!(
        "(database.password is {} characters, stripe_key {} characters; neither is printed)",
        config.database.password.expose_secret().len(),
        config.stripe_key.expose_secret().len()
    );

    println!("\n== 2. {env} with {local} and API_* env vars on top ==");
    let (_config, origins) = ApiConfig::loader()
        .env(&env)
        .merge(Toml::file(local))
        .merge(Env::prefixed("API_").split("__"))
        .load_explained()
        .await?;
    // Each field's value (secrets redacted), its layer and where in it.
    print!("{}", awsconf::Origin::table(&origins));
    Ok(())
}
