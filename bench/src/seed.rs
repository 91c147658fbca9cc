//! Seeding the emulator directly through the SDK (not through the proxy), in
//! concurrent waves, and resetting it between layouts.

use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_ssm::config::{Credentials, SharedCredentialsProvider};
use aws_sdk_ssm::error::DisplayErrorContext;
use aws_sdk_ssm::types::ParameterType;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::layouts::{param_value, secret_value, LayoutSpec};

/// Requests in flight at once while seeding.
const WAVE: usize = 32;

/// An SDK config for `endpoint` (moto or the proxy): static dummy credentials,
/// us-east-1, the SDK's standard retries, generous timeouts.
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
            "awsconf-bench",
        )))
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(5))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .build()
}

/// Forgets everything moto stores (`POST /moto-api/reset`), so each layout is
/// measured against a store holding only its own values.
pub async fn reset(moto_endpoint: &str) -> Result<(), String> {
    let host = moto_endpoint
        .strip_prefix("http://")
        .ok_or_else(|| format!("unexpected moto endpoint {moto_endpoint:?}"))?;
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .map_err(|e| format!("connecting to moto at {host}: {e}"))?;
    let request = format!(
        "POST /moto-api/reset HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| format!("resetting moto: {e}"))?;
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .map_err(|e| format!("resetting moto: {e}"))?;
    let head = String::from_utf8_lossy(&response[..response.len().min(32)]).into_owned();
    if head.starts_with("HTTP/1.1 200") || head.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(format!("moto answered the reset with {head:?}"))
    }
}

/// Runs `futures` at most [`WAVE`] at a time; the first error wins.
async fn in_waves<F>(futures: impl IntoIterator<Item = F>) -> Result<(), String>
where
    F: Future<Output = Result<(), String>>,
{
    let mut rest = futures.into_iter().peekable();
    while rest.peek().is_some() {
        let wave: Vec<F> = rest.by_ref().take(WAVE).collect();
        for r in futures_util::future::join_all(wave).await {
            r?;
        }
    }
    Ok(())
}

/// Writes every parameter (String) and secret of `layout` straight to moto.
pub async fn seed(moto: &SdkConfig, layout: &LayoutSpec) -> Result<(), String> {
    let ssm = aws_sdk_ssm::Client::new(moto);
    let secrets = aws_sdk_secretsmanager::Client::new(moto);
    let names = layout.param_names();
    let puts = names.iter().map(|name| {
        let ssm = &ssm;
        async move {
            ssm.put_parameter()
                .name(name)
                .value(param_value(name))
                .r#type(ParameterType::String)
                .overwrite(true)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("seeding {name}: {}", DisplayErrorContext(e)))
        }
    });
    let ids = layout.secret_ids();
    let creates = ids.iter().map(|id| {
        let secrets = &secrets;
        async move {
            secrets
                .create_secret()
                .name(id)
                .secret_string(secret_value(id))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("seeding secret {id}: {}", DisplayErrorContext(e)))
        }
    });
    in_waves(puts).await?;
    in_waves(creates).await
}
