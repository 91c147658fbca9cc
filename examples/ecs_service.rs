//! # An ECS / EKS service: env from the task, reload on SIGHUP, exit on SIGTERM
//!
//! What it shows:
//!
//! - No `.env(..)` call: the loader reads `AWSCONF_ENV`, which the ECS task
//!   definition (`"environment": [{"name": "AWSCONF_ENV", "value": "production"}]`)
//!   or the Kubernetes pod spec (`env:`) sets. One image runs in every env.
//!   Credentials come from the task role (ECS) or IRSA / Pod Identity (EKS)
//!   through the SDK's default chain, with no code.
//! - `watch(..)` refreshes on a schedule; SIGHUP asks for a reload now
//!   (`live.refresh_now()`), for an operator who just changed a parameter:
//!   `kill -HUP <pid>`, `docker kill --signal HUP`, or `kubectl exec … -- kill -HUP 1`.
//!   A reload that fails keeps the last good config and says why.
//! - SIGTERM, which ECS and Kubernetes send before stopping a task or pod, ends
//!   the current batch and exits 0 (within ECS's `stopTimeout`, 30 s by
//!   default; Kubernetes' `terminationGracePeriodSeconds`).
//! - Each batch reads `live.get()` once, so a batch never sees half an update.
//!
//! Run it against the emulator:
//!
//! ```sh
//! scripts/example.sh ecs-service --demo   # seeds, changes a parameter, sends itself SIGHUP, then SIGTERM
//! scripts/example.sh ecs-service --seed   # seeds, then runs until SIGTERM or Ctrl-C; `kill -HUP <pid>` reloads
//! ```

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use awsconf::{AwsConfig, ExposeSecret, Live, SecretString};
use awsconf_examples::{env_name, has_flag, init_logging, report, BoxError, Emulator, Param};
use tokio::signal::unix::{signal, SignalKind};

/// The worker's configuration: `/<env>/ingest/...`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "ingest")]
pub struct ServiceConfig {
    /// `/<env>/ingest/upstream-url`: where batches come from.
    pub upstream_url: String,
    /// `/<env>/ingest/batch-size`, 100 when absent.
    #[param(default = 100)]
    pub batch_size: u32,
    /// `/<env>/ingest/poll-interval-ms`, 1000 when absent.
    #[param(default = 1000)]
    pub poll_interval_ms: u64,
    /// `/<env>/ingest/features/...`
    #[component]
    pub features: Features,
    /// `/<env>/ingest/upstream-token`: a SecureString parameter.
    pub upstream_token: SecretString,
}

/// `/<env>/ingest/features/...`
#[derive(AwsConfig, Debug)]
pub struct Features {
    /// `/<env>/ingest/features/dedupe`, off when absent.
    #[param(default = false)]
    pub dedupe: bool,
}

/// One line that describes a config, secrets left out.
fn summary(c: &ServiceConfig) -> String {
    format!(
        "upstream_url={} batch_size={} poll_interval_ms={} dedupe={} upstream_token=[REDACTED]",
        c.upstream_url, c.batch_size, c.poll_interval_ms, c.features.dedupe
    )
}

/// One unit of work, with one consistent config for all of it.
async fn process_batch(config: &ServiceConfig) {
    // A real worker would call the upstream with the token here.
    let authorized = !config.upstream_token.expose_secret().is_empty();
    tracing::debug!(
        batch_size = config.batch_size,
        authorized,
        "processed a batch"
    );
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let demo = has_flag("--demo");
    if demo || has_flag("--seed") {
        seed().await?;
    }

    // Signals first, so a SIGHUP or SIGTERM that arrives during the load is not lost.
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;

    // The env comes from AWSCONF_ENV: no .env(..) here.
    let live: Live<ServiceConfig> = ServiceConfig::loader()
        .watch(Duration::from_secs(300))
        .await?;
    println!(
        "started (pid {}): {}",
        std::process::id(),
        summary(&live.get())
    );
    println!(
        "ready: `kill -HUP {0}` reloads, `kill -TERM {0}` stops",
        std::process::id()
    );

    if demo {
        tokio::spawn(drive_demo());
    }

    // Scheduled refreshes that changed something show up here too.
    let mut changes = live.subscribe();
    loop {
        let config = live.get();
        let pause = Duration::from_millis(config.poll_interval_ms.max(10));
        tokio::select! {
            _ = hangup.recv() => {
                println!("SIGHUP: reloading the config");
                let before = live.get();
                match live.refresh_now().await {
                    Ok(()) if Arc::ptr_eq(&before, &live.get()) => println!("reloaded: no change"),
                    Ok(()) => {
                        changes.mark_unchanged();
                        println!("reloaded: {}", summary(&live.get()));
                    }
                    Err(e) => eprintln!("reload failed; keeping the last good config: {e}"),
                }
            }
            _ = terminate.recv() => {
                println!("SIGTERM: finishing up");
                break;
            }
            _ = tokio::signal::ctrl_c() => {
                println!("Ctrl-C: finishing up");
                break;
            }
            Ok(()) = changes.changed() => {
                println!("refreshed on schedule: {}", summary(&live.get()));
            }
            _ = tokio::time::sleep(pause) => process_batch(&config).await,
        }
    }
    // Drain: anything in flight would be finished here, then the process exits 0.
    println!("stopped cleanly");
    Ok(())
}

/// The example's parameters, as an operator would have written them.
async fn seed() -> Result<(), BoxError> {
    let env = env_name()?;
    Emulator::from_env()
        .await
        .put_params(vec![
            Param::string(
                format!("/{env}/ingest/upstream-url"),
                "https://events.internal/feed",
            ),
            Param::string(format!("/{env}/ingest/batch-size"), "100"),
            Param::string(format!("/{env}/ingest/poll-interval-ms"), "200"),
            Param::secure(format!("/{env}/ingest/upstream-token"), "ingest-token-v1"),
        ])
        .await?;
    println!("seeded /{env}/ingest/...");
    Ok(())
}

/// `--demo`: what an operator does, from outside the process: change a
/// parameter, `kill -HUP`, then `kill -TERM`.
async fn drive_demo() {
    let result: Result<(), BoxError> = async {
        let env = env_name()?;
        let pid = std::process::id().to_string();
        tokio::time::sleep(Duration::from_millis(500)).await;
        println!("-- operator: batch-size 100 -> 250, then kill -HUP {pid} --");
        Emulator::from_env()
            .await
            .put_param(&Param::string(format!("/{env}/ingest/batch-size"), "250"))
            .await?;
        kill("-HUP", &pid)?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        println!("-- operator: kill -TERM {pid} --");
        kill("-TERM", &pid)
    }
    .await;
    if let Err(e) = result {
        eprintln!("demo: {e}");
        std::process::exit(1);
    }
}

fn kill(signal: &str, pid: &str) -> Result<(), BoxError> {
    let status = std::process::Command::new("kill")
        .args([signal, pid])
        .status()
        .map_err(|e| format!("running kill {signal} {pid}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("kill {signal} {pid} failed: {status}").into())
    }
}
