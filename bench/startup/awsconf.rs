//! A service's start with awsconf (default features): load the config, print
//! `config ready`, exit. The config is the one `sdk.rs` reads by hand: 20
//! parameters of `/<env>/startup/` and two secrets.

use awsconf::{AwsConfig, ExposeSecret, SecretString};

/// The service's config.
#[derive(AwsConfig)]
#[aws_config(app = "startup")]
struct Service {
    port: u16,
    workers: u32,
    debug: bool,
    region_name: String,
    p1: String,
    p2: String,
    p3: String,
    p4: String,
    p5: String,
    p6: String,
    p7: String,
    p8: String,
    p9: String,
    p10: String,
    p11: String,
    p12: String,
    p13: String,
    p14: String,
    p15: String,
    p16: String,
    #[secret(id = "{env}/startup/db")]
    db: SecretString,
    #[secret(id = "{env}/startup/api")]
    api: SecretString,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let env = std::env::var("AWSCONF_ENV").unwrap_or_else(|_| "production".to_string());
    match Service::loader().env(&env).load().await {
        Ok(c) => {
            println!("config ready");
            println!(
                "port {} workers {} debug {} {} {} secrets {} {} bytes",
                c.port,
                c.workers,
                c.debug,
                c.region_name,
                c.p16,
                c.db.expose_secret().len(),
                c.api.expose_secret().len()
            );
            let _ = (&c.p1, &c.p2, &c.p3, &c.p4, &c.p5, &c.p6, &c.p7, &c.p8);
            let _ = (&c.p9, &c.p10, &c.p11, &c.p12, &c.p13, &c.p14, &c.p15);
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::ExitCode::FAILURE
        }
    }
}
