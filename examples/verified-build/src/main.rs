//! The shop's tools: `shop prepare --env production` writes
//! `.awsconf/production.json`; `shop prepare --env production --check` exits 3
//! when the env has drifted from it.
//!
//! The struct in `lib.rs` is checked against every snapshot in `.awsconf/` when
//! this crate compiles: a field the environments lack fails the build, with no AWS
//! credentials.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    awsconf::cli::run::<awsconf_example_verified_build::ShopConfig>().await
}
