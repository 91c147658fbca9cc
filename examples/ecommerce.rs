//! # E-commerce microservices: shared components plus each service's own
//!
//! The seed's first scenario: an `api` service and a `worker` service that share
//! the database and cache settings under `/<env>/shared/...`, and each have their
//! own prefix, `/<env>/api/...` and `/<env>/worker/...`.
//!
//! What it shows:
//!
//! - Shared settings are one root struct of their own, [`SharedConfig`]
//!   (`#[aws_config(app = "shared")]`), that every service loads next to its own
//!   root: [`load_service`] runs both loads at once. One owner writes
//!   `/<env>/shared/...`; each service's IAM policy is the union of the two
//!   structs' policies (`awsconf::iam::policy::<SharedConfig>` and the service's).
//! - Shared *secrets* need no shared struct: a `#[secret(id = "{env}/shared/…")]`
//!   field in any service reads the same secret.
//! - The same Rust type can serve as a component in several services
//!   ([`Queue`] here), each under its own prefix.
//! - Every config prints with its secrets redacted, and each load's fetch plan
//!   shows the calls it makes: a few `GetParameters` of up to 10 names and one
//!   `BatchGetSecretValue`, concurrently.
//!
//! Run it against the emulator (it writes the layout first, then loads each
//! service's config as that service would):
//!
//! ```sh
//! scripts/example.sh ecommerce
//! ```

use std::process::ExitCode;

use awsconf::PlannedCall;
use awsconf::{AwsConfig, Root, SecretString};
use awsconf_examples::{env_name, init_logging, report, BoxError, Emulator, Param};
use serde::Deserialize;

/// What every service shares: `/<env>/shared/...`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "shared")]
pub struct SharedConfig {
    /// `/<env>/shared/database/...`
    #[component]
    pub database: Database,
    /// `/<env>/shared/cache/...`
    #[component]
    pub cache: Cache,
    /// `/<env>/shared/log-level`, `info` when absent.
    #[param(default = "info")]
    pub log_level: String,
}

/// `/<env>/shared/database/...`
#[derive(AwsConfig, Debug)]
pub struct Database {
    /// `host`
    pub host: String,
    /// `port`
    pub port: u16,
    /// `name`
    pub name: String,
    /// Read replicas: a StringList, `a,b`.
    pub replicas: Vec<String>,
    /// Secrets Manager `<env>/shared/database`: `{"username": ..., "password": ...}`.
    #[secret(id = "{env}/shared/database")]
    pub credentials: DbCredentials,
}

/// The database credentials: a JSON secret. `Debug` redacts the password.
#[derive(Deserialize, Debug)]
pub struct DbCredentials {
    /// The database user.
    pub username: String,
    /// The database password.
    pub password: SecretString,
}

/// `/<env>/shared/cache/...`
#[derive(AwsConfig, Debug)]
pub struct Cache {
    /// `url`
    pub url: String,
    /// `ttl-secs`, 300 when absent.
    #[param(default = 300)]
    pub ttl_secs: u32,
}

/// A queue, as a component: the same type in several services.
#[derive(AwsConfig, Debug)]
pub struct Queue {
    /// `url`
    pub url: String,
    /// `visibility-timeout-secs`, 30 when absent.
    #[param(default = 30)]
    pub visibility_timeout_secs: u32,
}

/// The public API: `/<env>/api/...`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "api")]
pub struct ApiConfig {
    /// `/<env>/api/port`
    pub port: u16,
    /// `/<env>/api/cors-origins`: a StringList.
    pub cors_origins: Vec<String>,
    /// `/<env>/api/orders-queue/...`: where new orders go.
    #[component]
    pub orders_queue: Queue,
    /// Secrets Manager `<env>/api/stripe-key`: only the API charges cards.
    #[secret(id = "{env}/api/stripe-key")]
    pub stripe_key: SecretString,
    /// Secrets Manager `<env>/shared/jwt-signing-key`: shared with the worker,
    /// with no shared struct.
    #[secret(id = "{env}/shared/jwt-signing-key")]
    pub jwt_signing_key: SecretString,
}

/// The order worker: `/<env>/worker/...`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "worker")]
pub struct WorkerConfig {
    /// `/<env>/worker/concurrency`, 4 when absent.
    #[param(default = 4)]
    pub concurrency: u32,
    /// `/<env>/worker/orders-queue/...`: the same queue, read from the other end.
    #[component]
    pub orders_queue: Queue,
    /// `/<env>/worker/email/...`
    #[component]
    pub email: Email,
    /// Secrets Manager `<env>/shared/jwt-signing-key`, the API's too.
    #[secret(id = "{env}/shared/jwt-signing-key")]
    pub jwt_signing_key: SecretString,
}

/// `/<env>/worker/email/...`
#[derive(AwsConfig, Debug)]
pub struct Email {
    /// `from`
    pub from: String,
    /// `smtp-host`
    pub smtp_host: String,
    /// `smtp-password`: a SecureString parameter.
    pub smtp_password: SecretString,
}

/// A service's whole configuration: the shared part and its own.
#[derive(Debug)]
pub struct Service<C> {
    /// `/<env>/shared/...`
    pub shared: SharedConfig,
    /// `/<env>/<service>/...`
    pub own: C,
}

/// Loads the shared config and a service's own, concurrently; both complete,
/// or an error that lists every problem of both.
pub async fn load_service<C: AwsConfig + Root>() -> Result<Service<C>, BoxError> {
    let (shared, own) = tokio::join!(SharedConfig::loader().load(), C::loader().load());
    match (shared, own) {
        (Ok(shared), Ok(own)) => Ok(Service { shared, own }),
        (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e.into()),
        (Err(a), Err(b)) => Err(format!("{a}\n{b}").into()),
    }
}

/// One line per planned call of a load of `C`.
fn plan_lines<C: AwsConfig + Root>() -> Result<Vec<String>, awsconf::Error> {
    let plan = C::loader().plan()?;
    Ok(plan
        .calls
        .iter()
        .map(|call| match call {
            PlannedCall::GetParameters { names } => {
                format!("GetParameters ({})", plural(names.len(), "name"))
            }
            PlannedCall::GetParametersByPath { path } => format!("GetParametersByPath {path}"),
            PlannedCall::BatchGetSecretValue { ids } => {
                format!("BatchGetSecretValue ({})", plural(ids.len(), "id"))
            }
            PlannedCall::GetSecretValue { id, .. } => format!("GetSecretValue {id}"),
            other => format!("{other:?}"),
        })
        .collect())
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn print_plan<C: AwsConfig + Root>(service: &str) -> Result<(), awsconf::Error> {
    let root = C::schema().type_name;
    println!(
        "  {service} plan for {root}: {}",
        plan_lines::<C>()?.join(", ")
    );
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    seed().await?;

    println!("\n== api: SharedConfig + ApiConfig ==");
    print_plan::<SharedConfig>("api")?;
    print_plan::<ApiConfig>("api")?;
    let api: Service<ApiConfig> = load_service().await?;
    println!("{api:#?}");

    println!("\n== worker: SharedConfig + WorkerConfig ==");
    print_plan::<SharedConfig>("worker")?;
    print_plan::<WorkerConfig>("worker")?;
    let worker: Service<WorkerConfig> = load_service().await?;
    println!("{worker:#?}");

    println!(
        "\nboth services use database {}:{} and cache {}; secrets print as [REDACTED]",
        api.shared.database.host, worker.shared.database.port, worker.shared.cache.url
    );
    Ok(())
}

/// The layout, as the platform team (shared) and each service team would have
/// written it.
async fn seed() -> Result<(), BoxError> {
    let env = env_name()?;
    let emulator = Emulator::from_env().await;
    emulator
        .put_params(vec![
            Param::string(format!("/{env}/shared/database/host"), "shop-db.internal"),
            Param::string(format!("/{env}/shared/database/port"), "5432"),
            Param::string(format!("/{env}/shared/database/name"), "shop"),
            Param::list(
                format!("/{env}/shared/database/replicas"),
                "shop-db-r1.internal,shop-db-r2.internal",
            ),
            Param::string(
                format!("/{env}/shared/cache/url"),
                "redis://cache.internal:6379",
            ),
            Param::string(format!("/{env}/api/port"), "8080"),
            Param::list(
                format!("/{env}/api/cors-origins"),
                "https://shop.example,https://admin.shop.example",
            ),
            Param::string(
                format!("/{env}/api/orders-queue/url"),
                "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
            ),
            Param::string(format!("/{env}/worker/concurrency"), "8"),
            Param::string(
                format!("/{env}/worker/orders-queue/url"),
                "https://sqs.us-east-1.amazonaws.com/123456789012/orders",
            ),
            Param::string(
                format!("/{env}/worker/orders-queue/visibility-timeout-secs"),
                "120",
            ),
            Param::string(format!("/{env}/worker/email/from"), "orders@shop.example"),
            Param::string(
                format!("/{env}/worker/email/smtp-host"),
                "smtp.shop.example",
            ),
            Param::secure(
                format!("/{env}/worker/email/smtp-password"),
                "smtp-password-example",
            ),
        ])
        .await?;
    emulator
        .put_secrets(vec![
            (
                format!("{env}/shared/database"),
                r#"{"username":"shop","password":"shared-db-password-example"}"#.to_string(),
            ),
            (
                format!("{env}/api/stripe-key"),
                "sk_live_stripe_example".to_string(),
            ),
            (
                format!("{env}/shared/jwt-signing-key"),
                "jwt-signing-key-example".to_string(),
            ),
        ])
        .await?;
    println!("seeded /{env}/shared/..., /{env}/api/..., /{env}/worker/... and 3 secrets");
    Ok(())
}
