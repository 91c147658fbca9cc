//! Test support for awsconf.
//!
//! * [`moto`] starts the [moto](https://github.com/getmoto/moto) AWS emulator on
//!   `127.0.0.1` (installed into `<repo>/.venv` by `scripts/moto.sh install`) and
//!   hands out one shared endpoint per test binary.
//! * [`proxy`] is an HTTP/1.1 proxy that sits between the AWS SDK and moto,
//!   counts requests per operation, records their bodies, and injects faults
//!   (throttling, 5xx, connection resets, stalls) and latency.
//!
//! Everything here is blocking from the caller's point of view: neither module
//! needs the caller to run inside a tokio runtime.

pub mod moto;
pub mod proxy;

pub use moto::{shared_endpoint, Moto};
pub use proxy::{Fault, Proxy, Quota, Recorded, Rule};
