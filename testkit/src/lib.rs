//! Test support for awsconf.
//!
//! * [`moto`] starts the [moto](https://github.com/getmoto/moto) AWS emulator on
//!   `127.0.0.1` (installed into `<repo>/.venv` by `scripts/moto.sh install`) and
//!   hands out one shared endpoint per test binary.
//! * [`proxy`] is an HTTP/1.1 proxy that sits between the AWS SDK and moto,
//!   counts requests per operation, records their bodies, and injects faults
//!   (throttling, 5xx, connection resets, stalls) and latency.
//! * `sdk` (cargo feature `sdk`): an `SdkConfig` for the emulator, a unique env
//!   per test, and `Seed`, which writes parameters and secrets through the SDK.
//!   The integration tests, the example tests, the examples' seeding and the
//!   benchmark all use it.
//!
//! The moto launcher and the proxy are blocking from the caller's point of view:
//! neither needs the caller to run inside a tokio runtime.

pub mod moto;
pub mod proxy;
#[cfg(feature = "sdk")]
pub mod sdk;

pub use moto::{shared_endpoint, Moto};
pub use proxy::{Fault, Proxy, Quota, Recorded, Rule};
