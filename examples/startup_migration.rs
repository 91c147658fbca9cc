//! # A startup on Parameter Store alone, then its password moves to Secrets Manager
//!
//! The seed's third scenario. Day one, everything is in Parameter Store, the
//! database password as a SecureString parameter: [`before::StartupConfig`]. The
//! day the password must rotate, it moves to Secrets Manager, and the change to
//! the struct is one attribute on the same field: [`after::StartupConfig`].
//!
//! ```text
//!     pub db_password: SecretString,                 // before: /<env>/startup/db-password
//!     #[secret(id = "{env}/startup/db")]
//!     pub db_password: SecretString,                 // after: secret <env>/startup/db
//! ```
//!
//! What it does, in order:
//!
//! 1. Loads `before` from Parameter Store.
//! 2. Writes its password into Secrets Manager with `awsconf::tools::push` (the
//!    `push` subcommand of `awsconf-cli`, as a function), typed as `after`. The
//!    value goes from the loaded config to the push in memory: no file, no
//!    printing. An existing secret is left alone.
//! 3. Loads `after` and checks that the same typed value arrived (compared in
//!    memory; only lengths are printed).
//! 4. Prints what changes in the IAM policy and the fetch plan.
//! 5. Runs `awsconf::tools::check` on `after`, which reports the old parameter
//!    as drift, deletes it (do that once every service runs the new struct), and
//!    checks again.
//!
//! Run it against the emulator:
//!
//! ```sh
//! scripts/example.sh startup-migration
//! ```

use std::process::ExitCode;

use awsconf::tools::{PushOptions, PushStatus};
use awsconf::PlannedCall;
use awsconf::{AwsConfig, ExposeSecret, Root};
use awsconf_examples::{env_name, init_logging, report, BoxError, Emulator, Param};

/// Day one: Parameter Store only.
pub mod before {
    use awsconf::{AwsConfig, SecretString};

    /// `/<env>/startup/...`, the password a SecureString parameter.
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "startup")]
    pub struct StartupConfig {
        /// `/<env>/startup/db-host`
        pub db_host: String,
        /// `/<env>/startup/db-user`
        pub db_user: String,
        /// `/<env>/startup/db-password`: a SecureString parameter.
        pub db_password: SecretString,
    }
}

/// After the migration: the same struct, one attribute added.
pub mod after {
    use awsconf::{AwsConfig, SecretString};

    /// `/<env>/startup/...`, the password in Secrets Manager.
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "startup")]
    pub struct StartupConfig {
        /// `/<env>/startup/db-host`
        pub db_host: String,
        /// `/<env>/startup/db-user`
        pub db_user: String,
        /// Secrets Manager `<env>/startup/db`: the one changed line.
        #[secret(id = "{env}/startup/db")]
        pub db_password: SecretString,
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let env = env_name()?;
    let emulator = Emulator::from_env().await;
    seed(&emulator, &env).await?;

    println!("\n== 1. before: db_password is a SecureString parameter ==");
    print_plan::<before::StartupConfig>()?;
    let old = before::StartupConfig::loader().load().await?;
    println!("{old:?}");

    println!("\n== 2. push the password to Secrets Manager (awsconf::tools::push, as `after`) ==");
    // Only the moved field: a push of a partial file leaves the rest alone.
    let toml = format!(
        "db_password = {}\n",
        toml_string(old.db_password.expose_secret())
    );
    let pushed = awsconf::tools::push::<after::StartupConfig>(
        &env,
        &emulator.sdk_config,
        &toml,
        "the loaded `before` config",
        PushOptions {
            apply: true,
            overwrite: false,
            ..Default::default()
        },
        &mut |_, _| {},
    )
    .await?;
    print!("{}", pushed.to_table());
    if let Some(failed) = pushed
        .items
        .iter()
        .find(|i| matches!(i.status, PushStatus::Failed { .. }))
    {
        return Err(format!("push failed for {}", failed.target).into());
    }

    println!("\n== 3. after: #[secret(id = \"{{env}}/startup/db\")] on the same field ==");
    print_plan::<after::StartupConfig>()?;
    let new = after::StartupConfig::loader().load().await?;
    println!("{new:?}");
    let same = old.db_password.expose_secret() == new.db_password.expose_secret();
    println!(
        "same typed value arrived: {same} ({} characters before, {} after; neither printed)",
        old.db_password.expose_secret().chars().count(),
        new.db_password.expose_secret().chars().count()
    );
    if !same {
        return Err(format!(
            "secret {env}/startup/db existed with another value; the push kept it (see the table)"
        )
        .into());
    }

    println!("\n== 4. what changes for the service's role ==");
    let region = emulator
        .sdk_config
        .region()
        .map_or_else(|| "us-east-1".to_string(), |r| r.to_string());
    let actions = |policy: serde_json::Value| -> Vec<String> {
        let mut actions: Vec<String> = policy["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["Action"].as_str().map(str::to_string))
            .collect();
        actions.sort();
        actions
    };
    let old_actions = actions(awsconf::iam::policy::<before::StartupConfig>(
        &env,
        &region,
        "123456789012",
    ));
    let new_actions = actions(awsconf::iam::policy::<after::StartupConfig>(
        &env,
        &region,
        "123456789012",
    ));
    println!("IAM actions before: {}", old_actions.join(", "));
    println!("IAM actions after:  {}", new_actions.join(", "));
    println!("(`awsconf-cli iam-policy --account <id>` prints the whole policy, with resources)");

    println!("\n== 5. drift: the old parameter is still there ==");
    let report = awsconf::tools::check::<after::StartupConfig>(&env, &emulator.sdk_config).await;
    print!("{}", report.to_table());
    let old_name = format!("/{env}/startup/db-password");
    emulator.delete_param(&old_name).await?;
    println!("deleted {old_name} (once every service runs the new struct)");
    let report = awsconf::tools::check::<after::StartupConfig>(&env, &emulator.sdk_config).await;
    print!("{}", report.to_table());
    Ok(())
}

/// Prints a load's calls: which names and secret ids it reads.
fn print_plan<C: AwsConfig + Root>() -> Result<(), awsconf::Error> {
    for call in C::loader().plan()?.calls {
        match call {
            PlannedCall::GetParameters { names } => {
                println!("plan: GetParameters {}", names.join(", "))
            }
            PlannedCall::BatchGetSecretValue { ids } => {
                println!("plan: BatchGetSecretValue {}", ids.join(", "))
            }
            other => println!("plan: {other:?}"),
        }
    }
    Ok(())
}

/// A TOML basic string holding `s` exactly.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Day one's parameters, as the team wrote them.
async fn seed(emulator: &Emulator, env: &str) -> Result<(), BoxError> {
    emulator
        .put_params(vec![
            Param::string(format!("/{env}/startup/db-host"), "startup-db.internal"),
            Param::string(format!("/{env}/startup/db-user"), "app"),
            // A quote and a backslash, to show the value moves byte for byte.
            Param::secure(
                format!("/{env}/startup/db-password"),
                "startup-\"db\"-pass\\word-example",
            ),
        ])
        .await?;
    println!("seeded /{env}/startup/db-host, db-user and db-password (SecureString)");
    Ok(())
}
