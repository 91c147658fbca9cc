//! The awsconf tools for the quickstart's `ApiConfig`, in one line of `main`:
//! `iam-policy`, `check`, `explain`, `template`, `push` and `cost`.
//!
//! ```sh
//! cargo run -p awsconf-examples --bin awsconf-cli -- --help
//! cargo run -p awsconf-examples --bin awsconf-cli -- --env production check
//! ```
//!
//! `scripts/tools-demo.sh` runs every subcommand against the emulator.

// The tools read the schema and the loaded values through awsconf, not the fields.
#[allow(dead_code)]
mod api_config;

use api_config::ApiConfig;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    awsconf::cli::run::<ApiConfig>().await
}
