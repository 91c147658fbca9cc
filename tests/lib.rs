//! Shared support for awsconf's integration tests: the emulator's endpoint, an
//! SDK config pointed at it, a unique env per test (moto's state is shared by
//! every test in a binary), and seeding helpers that use the real SDK.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_ssm::types::ParameterType;

pub use awsconf_testkit::{Fault, Proxy, Rule};

/// The moto endpoint for this test binary (started on first use).
pub fn moto() -> &'static str {
    awsconf_testkit::moto::shared_endpoint()
}

/// An SDK config for the emulator or a proxy in front of it: static dummy
/// credentials, region us-east-1, the SDK's standard retries.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "awsconf-tests",
        )))
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(Duration::from_secs(5))
                .build(),
        )
        .build()
}

/// A fresh env name, so each test has its own `/<env>/...` prefix and secret ids.
pub fn unique_env(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("t{}-{tag}-{n}", std::process::id())
}

/// Seeds the emulator through the real SDK.
pub struct Seed {
    /// Parameter Store client for the emulator.
    pub ssm: aws_sdk_ssm::Client,
    /// Secrets Manager client for the emulator.
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl Seed {
    /// Clients for the emulator itself (not a proxy).
    pub fn new() -> Seed {
        let config = sdk_config(moto());
        Seed {
            ssm: aws_sdk_ssm::Client::new(&config),
            secrets: aws_sdk_secretsmanager::Client::new(&config),
        }
    }

    async fn put(&self, name: &str, value: &str, kind: ParameterType) {
        self.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(kind)
            .overwrite(true)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "seeding {name}: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            });
    }

    /// A String parameter.
    pub async fn param(&self, name: &str, value: &str) {
        self.put(name, value, ParameterType::String).await;
    }

    /// A SecureString parameter.
    pub async fn secure(&self, name: &str, value: &str) {
        self.put(name, value, ParameterType::SecureString).await;
    }

    /// A StringList parameter.
    pub async fn list(&self, name: &str, value: &str) {
        self.put(name, value, ParameterType::StringList).await;
    }

    /// Many String parameters at once.
    pub async fn params(&self, items: &[(String, String)]) {
        let futures = items.iter().map(|(n, v)| self.param(n, v));
        futures_join(futures).await;
    }

    /// A secret with a string value.
    pub async fn secret(&self, id: &str, value: &str) {
        self.secrets
            .create_secret()
            .name(id)
            .secret_string(value)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "seeding secret {id}: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            });
    }

    /// A secret with a binary value.
    pub async fn secret_binary(&self, id: &str, value: &[u8]) {
        self.secrets
            .create_secret()
            .name(id)
            .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(
                value.to_vec(),
            ))
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "seeding secret {id}: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            });
    }

    /// A new version of a secret (the old one moves to AWSPREVIOUS).
    pub async fn rotate(&self, id: &str, value: &str) {
        self.secrets
            .put_secret_value()
            .secret_id(id)
            .secret_string(value)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "rotating secret {id}: {}",
                    aws_sdk_ssm::error::DisplayErrorContext(e)
                )
            });
    }
}

impl Default for Seed {
    fn default() -> Self {
        Seed::new()
    }
}

async fn futures_join<F: std::future::Future<Output = ()>>(futures: impl Iterator<Item = F>) {
    // Seed in waves of 16 so moto is not flooded.
    let mut rest = futures.peekable();
    while rest.peek().is_some() {
        let wave: Vec<F> = rest.by_ref().take(16).collect();
        futures_util::future::join_all(wave).await;
    }
}

/// Every problem's `Display`, one per line, for assertions and failure output.
pub fn problems(err: &awsconf::Error) -> Vec<String> {
    err.problems().iter().map(|p| p.to_string()).collect()
}
