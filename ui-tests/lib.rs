//! Compile-time diagnostics of `#[derive(AwsConfig)]`, tested with trybuild.
//!
//! `tests/diagnostics.rs` compiles each `ui/*.rs` case and compares the errors
//! with its `.stderr` file. `tests/only_awsconf_dependency.rs` shows that a crate
//! depending on awsconf alone (no serde, no figment) can derive and build a
//! loader. This crate has no code of its own.
