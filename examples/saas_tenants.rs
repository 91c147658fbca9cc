//! # Multi-tenant SaaS: 500 tenants in one map component
//!
//! The seed's second scenario: every tenant has its own parameters under
//! `/<env>/saas/tenants/<tenant-id>/...` and its own API key in Secrets Manager,
//! and the service loads all of them as one `BTreeMap<String, Tenant>`.
//!
//! What it shows:
//!
//! - A map component: `#[component] pub tenants: BTreeMap<String, Tenant>` has one
//!   entry per child segment under `/<env>/saas/tenants/`. Adding a tenant is
//!   writing its parameters; the struct does not change.
//! - `{key}` in a secret id expands to the entry's key, so each tenant's
//!   `api_key` reads `<env>/saas/tenants/<tenant-id>/api-key`.
//! - What it costs: the map is read with one `GetParametersByPath` page chain
//!   (10 parameters a page), then the 500 secrets with `BatchGetSecretValue`, 20
//!   ids a call, 10 calls in flight. The example prints the static fetch plan
//!   (`loader().plan()`) and the calls the load really made, counted from
//!   awsconf's `tracing` events.
//! - No tuning: the default page bound (`.max_pages(..)`, 10,000 pages of 10)
//!   fits the most parameters an account can hold under one prefix.
//!
//! Run it against the emulator (it writes 500 tenants first, concurrently, in
//! waves of 32 writes):
//!
//! ```sh
//! scripts/example.sh saas-tenants
//! ```
//!
//! `--tenants N` changes the number of tenants.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

use awsconf::PlannedCall;
use awsconf::{AwsConfig, SecretString};
use awsconf_examples::{
    env_name, flag_value, init_logging_with, report, AwsCallCounter, BoxError, Emulator, Param,
};

/// The SaaS platform's configuration: `/<env>/saas/...`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "saas")]
pub struct SaasConfig {
    /// `/<env>/saas/tenants/<tenant-id>/...`: one entry per tenant.
    #[component]
    pub tenants: BTreeMap<String, Tenant>,
    /// `/<env>/saas/default-plan`, `starter` when absent.
    #[param(default = "starter")]
    pub default_plan: String,
}

/// One tenant: `/<env>/saas/tenants/<tenant-id>/...`.
#[derive(AwsConfig, Debug)]
pub struct Tenant {
    /// `plan`: `starter`, `pro` or `enterprise`.
    pub plan: String,
    /// `seats`
    pub seats: u32,
    /// Secrets Manager `<env>/saas/tenants/<tenant-id>/api-key`.
    #[secret(id = "{env}/saas/tenants/{key}/api-key")]
    pub api_key: SecretString,
}

/// Parameters a tenant has (`plan`, `seats`): the page chain reads
/// ceil(tenants × 2 / 10) pages.
const PARAMS_PER_TENANT: usize = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let counter = AwsCallCounter::new();
    init_logging_with(Some(counter.clone()));
    report(run(counter).await)
}

async fn run(counter: AwsCallCounter) -> Result<(), BoxError> {
    let tenants: usize = match flag_value("--tenants") {
        Some(n) => n
            .parse()
            .map_err(|_| format!("--tenants takes a number, not `{n}`"))?,
        None => 500,
    };
    let env = env_name()?;

    let started = Instant::now();
    seed(&env, tenants).await?;
    println!(
        "seeded {tenants} tenants ({} parameters, {tenants} secrets) in {:.1} s",
        tenants * PARAMS_PER_TENANT,
        started.elapsed().as_secs_f64()
    );

    let loader = SaasConfig::loader();

    println!("\nfetch plan before the map is read (loader().plan()):");
    for call in loader.plan()?.calls {
        match call {
            PlannedCall::GetParameters { names } => {
                println!("  GetParameters {}", names.join(", "))
            }
            PlannedCall::GetParametersByPath { path } => {
                println!("  GetParametersByPath {path} (one page chain, 10 a page)")
            }
            other => println!("  {other:?}"),
        }
    }
    println!(
        "  then: BatchGetSecretValue for the entries' secrets, 20 ids a call ({} calls for {tenants})",
        tenants.div_ceil(20)
    );

    counter.reset();
    let started = Instant::now();
    let config = loader.load().await?;
    let elapsed = started.elapsed();

    let mut plans: BTreeMap<&str, usize> = BTreeMap::new();
    for tenant in config.tenants.values() {
        *plans.entry(tenant.plan.as_str()).or_default() += 1;
    }
    let seats: u64 = config.tenants.values().map(|t| u64::from(t.seats)).sum();
    println!("\nloaded in {} ms", elapsed.as_millis());
    println!("tenants loaded: {}", config.tenants.len());
    println!("tenants by plan: {plans:?}");
    println!("seats in total: {seats}");
    println!("default plan: {}", config.default_plan);
    if let Some((id, tenant)) = config.tenants.iter().next() {
        println!("first tenant, {id}: {tenant:?}");
    }
    println!("\nAWS calls made by the load:");
    for (api, n) in counter.counts() {
        println!("  {api}: {n}");
    }
    println!("  total: {}", counter.total());
    Ok(())
}

/// Writes `tenants` tenants: their parameters, then their secrets, each in
/// concurrent waves, as a provisioning job would.
async fn seed(env: &str, tenants: usize) -> Result<(), BoxError> {
    const PLANS: [&str; 3] = ["starter", "pro", "enterprise"];
    let emulator = Emulator::from_env().await;
    let ids: Vec<String> = (1..=tenants).map(|n| format!("tenant-{n:04}")).collect();
    let mut params = Vec::with_capacity(tenants * PARAMS_PER_TENANT);
    for (n, id) in ids.iter().enumerate() {
        let prefix = format!("/{env}/saas/tenants/{id}");
        params.push(Param::string(
            format!("{prefix}/plan"),
            PLANS[n % PLANS.len()],
        ));
        params.push(Param::string(
            format!("{prefix}/seats"),
            (5 + n % 50).to_string(),
        ));
    }
    emulator.put_params(params).await?;
    let secrets = ids
        .iter()
        .map(|id| {
            (
                format!("{env}/saas/tenants/{id}/api-key"),
                format!("tenant-api-key-{id}-example"),
            )
        })
        .collect();
    emulator.put_secrets(secrets).await?;
    Ok(())
}
