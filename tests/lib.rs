//! Shared support for awsconf's integration tests. The emulator's endpoint, an
//! SDK config pointed at it, a unique env per test and the seeding helpers come
//! from the test kit (`awsconf_testkit::sdk`); this adds what only these tests use.

pub use awsconf_testkit::sdk::{moto, sdk_config, unique_env, Seed};
pub use awsconf_testkit::{Fault, Proxy, Rule};

/// Every problem's `Display`, one per line, for assertions and failure output.
pub fn problems(err: &awsconf::Error) -> Vec<String> {
    err.problems().iter().map(|p| p.to_string()).collect()
}
