//! The AWS SDK side of testing against the emulator (cargo feature `sdk`): an
//! `SdkConfig` for an endpoint, a unique env per test, and [`Seed`], which writes
//! parameters and secrets through the real SDK. Used by the integration tests,
//! the example tests, the examples' own seeding and the benchmark.

use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_ssm::error::DisplayErrorContext;
use aws_sdk_ssm::types::ParameterType;

/// The moto endpoint for this test binary (started on first use).
pub fn moto() -> &'static str {
    crate::moto::shared_endpoint()
}

/// An SDK config for the emulator or a proxy in front of it: static dummy
/// credentials, region us-east-1, the SDK's standard retries, a 2 s connect and a
/// 5 s per-attempt timeout.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    sdk_config_with_attempt_timeout(endpoint, Duration::from_secs(5))
}

/// Like [`sdk_config`], with another per-attempt timeout (the benchmark's loads
/// through a throttling proxy take longer than a test's).
pub fn sdk_config_with_attempt_timeout(endpoint: &str, attempt: Duration) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "awsconf-testkit",
        )))
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(2))
                .operation_attempt_timeout(attempt)
                .build(),
        )
        .build()
}

/// A fresh env name, so each test has its own `/<env>/...` prefix and secret ids
/// (moto's state is shared by every test of a binary).
pub fn unique_env(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    format!("t{}-{tag}-{n}", std::process::id())
}

/// Runs `futures` at most `wave` at a time, so the emulator is not flooded; the
/// first error wins.
pub async fn in_waves<F, E>(futures: impl IntoIterator<Item = F>, wave: usize) -> Result<(), E>
where
    F: Future<Output = Result<(), E>>,
{
    let mut rest = futures.into_iter().peekable();
    while rest.peek().is_some() {
        let batch: Vec<F> = rest.by_ref().take(wave.max(1)).collect();
        for result in futures_util::future::join_all(batch).await {
            result?;
        }
    }
    Ok(())
}

/// Writes parameters and secrets through the real SDK. The `try_` methods return
/// an error naming what was written (never the value); the others panic with it,
/// for tests.
#[derive(Clone, Debug)]
pub struct Seed {
    /// Parameter Store client.
    pub ssm: aws_sdk_ssm::Client,
    /// Secrets Manager client.
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl Default for Seed {
    fn default() -> Self {
        Seed::new()
    }
}

impl Seed {
    /// Clients for this binary's emulator itself (not a proxy).
    pub fn new() -> Seed {
        Seed::with_config(&sdk_config(moto()))
    }

    /// Clients built from `config`.
    pub fn with_config(config: &SdkConfig) -> Seed {
        Seed {
            ssm: aws_sdk_ssm::Client::new(config),
            secrets: aws_sdk_secretsmanager::Client::new(config),
        }
    }

    /// Writes (or overwrites) one parameter of type `kind`.
    pub async fn try_put(
        &self,
        name: &str,
        value: &str,
        kind: ParameterType,
    ) -> Result<(), String> {
        self.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(kind)
            .overwrite(true)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("seeding {name}: {}", DisplayErrorContext(e)))
    }

    /// Creates a secret with a string value.
    pub async fn try_create_secret(&self, id: &str, value: &str) -> Result<(), String> {
        self.secrets
            .create_secret()
            .name(id)
            .secret_string(value)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("seeding secret {id}: {}", DisplayErrorContext(e)))
    }

    /// Creates a secret, or stores a new version of it (the old one moves to
    /// `AWSPREVIOUS`) when it exists.
    pub async fn try_put_secret(&self, id: &str, value: &str) -> Result<(), String> {
        let created = self
            .secrets
            .create_secret()
            .name(id)
            .secret_string(value)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_exists_exception()) =>
            {
                self.try_rotate(id, value).await
            }
            Err(e) => Err(format!("creating secret {id}: {}", DisplayErrorContext(e))),
        }
    }

    /// Stores a new version of a secret (the old one moves to `AWSPREVIOUS`).
    pub async fn try_rotate(&self, id: &str, value: &str) -> Result<(), String> {
        self.secrets
            .put_secret_value()
            .secret_id(id)
            .secret_string(value)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("writing secret {id}: {}", DisplayErrorContext(e)))
    }

    /// A String parameter.
    pub async fn param(&self, name: &str, value: &str) {
        must(self.try_put(name, value, ParameterType::String).await);
    }

    /// A SecureString parameter.
    pub async fn secure(&self, name: &str, value: &str) {
        must(self.try_put(name, value, ParameterType::SecureString).await);
    }

    /// A StringList parameter.
    pub async fn list(&self, name: &str, value: &str) {
        must(self.try_put(name, value, ParameterType::StringList).await);
    }

    /// Many String parameters at once, 16 in flight.
    pub async fn params(&self, items: &[(String, String)]) {
        let puts = items
            .iter()
            .map(|(n, v)| self.try_put(n, v, ParameterType::String));
        must(in_waves(puts, 16).await);
    }

    /// A secret with a string value.
    pub async fn secret(&self, id: &str, value: &str) {
        must(self.try_create_secret(id, value).await);
    }

    /// A secret with a binary value.
    pub async fn secret_binary(&self, id: &str, value: &[u8]) {
        let result = self
            .secrets
            .create_secret()
            .name(id)
            .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(
                value.to_vec(),
            ))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| format!("seeding secret {id}: {}", DisplayErrorContext(e)));
        must(result);
    }

    /// A new version of a secret (the old one moves to AWSPREVIOUS).
    pub async fn rotate(&self, id: &str, value: &str) {
        must(self.try_rotate(id, value).await);
    }
}

fn must(result: Result<(), String>) {
    if let Err(e) = result {
        panic!("{e}");
    }
}
