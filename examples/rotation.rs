//! The rotation window: a service holds a `Live` config; Secrets Manager rotates
//! the database password; the database starts rejecting the old one; the service
//! falls back to AWSPREVIOUS, then calls `refresh_now()` and carries on with the
//! new password — no restart.
//!
//! Run against the emulator with `scripts/example.sh rotation`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use awsconf::{AwsConfig, ExposeSecret, SecretString};

/// The service's config: `/<env>/orders/...` and one rotated secret.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "orders")]
pub struct OrdersConfig {
    /// `/<env>/orders/db-host`
    pub db_host: String,
    /// The current password (`AWSCURRENT`).
    #[secret(id = "{env}/orders/db", key = "password")]
    pub db_password: SecretString,
    /// The previous password (`AWSPREVIOUS`), absent before the first rotation.
    #[secret(id = "{env}/orders/db", key = "password", stage = "AWSPREVIOUS")]
    pub db_previous_password: Option<SecretString>,
}

/// Stands in for the database: it accepts exactly one password at a time.
#[derive(Clone)]
struct Database(Arc<Mutex<String>>);

impl Database {
    fn accepts(&self, password: &str) -> bool {
        self.0.lock().map(|p| *p == password).unwrap_or(false)
    }
    fn set(&self, password: &str) {
        if let Ok(mut p) = self.0.lock() {
            *p = password.to_string();
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env = std::env::var("AWSCONF_ENV").unwrap_or_else(|_| "production".to_string());
    let sdk = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let ssm = aws_sdk_ssm::Client::new(&sdk);
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let id = format!("{env}/orders/db");

    // Set-up: what an operator (or Terraform) would have done.
    ssm.put_parameter()
        .name(format!("/{env}/orders/db-host"))
        .value("orders-db.internal")
        .overwrite(true)
        .send()
        .await?;
    let first = r#"{"username":"orders","password":"first-password"}"#;
    if secrets
        .create_secret()
        .name(&id)
        .secret_string(first)
        .send()
        .await
        .is_err()
    {
        secrets
            .put_secret_value()
            .secret_id(&id)
            .secret_string(first)
            .send()
            .await?;
    }
    let db = Database(Arc::new(Mutex::new("first-password".into())));

    // The service: refresh hourly; rotation is handled on demand.
    let live = OrdersConfig::loader()
        .env(&env)
        .watch(Duration::from_secs(3600))
        .await?;
    println!("connected: {}", connect(&db, &live.get()));

    // Rotation: Secrets Manager stages a new password and the database takes it.
    secrets
        .put_secret_value()
        .secret_id(&id)
        .secret_string(r#"{"username":"orders","password":"second-password"}"#)
        .send()
        .await?;
    db.set("second-password");

    // The next connection fails with the cached password...
    let config = live.get();
    if !db.accepts(config.db_password.expose_secret()) {
        println!("database rejected the cached password; refreshing now");
        live.refresh_now().await.map_err(|e| e.to_string())?;
    }
    // ...and succeeds after the refresh, without a restart.
    let config = live.get();
    println!("connected after refresh: {}", connect(&db, &config));
    println!(
        "previous password is now available for the rotation window: {}",
        config.db_previous_password.is_some()
    );
    Ok(())
}

/// Connects with AWSCURRENT, falling back to AWSPREVIOUS during a rotation.
fn connect(db: &Database, config: &OrdersConfig) -> &'static str {
    if db.accepts(config.db_password.expose_secret()) {
        "yes, with AWSCURRENT"
    } else if config
        .db_previous_password
        .as_ref()
        .is_some_and(|p| db.accepts(p.expose_secret()))
    {
        "yes, with AWSPREVIOUS"
    } else {
        "no"
    }
}
