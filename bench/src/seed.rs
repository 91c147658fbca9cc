//! Seeding the emulator directly through the SDK (not through the proxy), in
//! concurrent waves, and resetting it between layouts.

use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_ssm::types::ParameterType;
use awsconf_testkit::sdk::{in_waves, Seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::layouts::{param_value, secret_value, LayoutSpec};

/// Requests in flight at once while seeding.
const WAVE: usize = 32;

/// An SDK config for `endpoint` (moto or the proxy): the test kit's, with a
/// generous 30 s per attempt for loads through a throttling proxy.
pub fn sdk_config(endpoint: &str) -> SdkConfig {
    awsconf_testkit::sdk::sdk_config_with_attempt_timeout(endpoint, Duration::from_secs(30))
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

/// Writes every parameter (String) and secret of `layout` straight to moto.
pub async fn seed(moto: &SdkConfig, layout: &LayoutSpec) -> Result<(), String> {
    let seed = Seed::with_config(moto);
    let names = layout.param_names();
    let puts = names.iter().map(|name| {
        let seed = &seed;
        async move {
            seed.try_put(name, &param_value(name), ParameterType::String)
                .await
        }
    });
    in_waves(puts, WAVE).await?;
    let ids = layout.secret_ids();
    let creates = ids.iter().map(|id| {
        let seed = &seed;
        async move { seed.try_create_secret(id, &secret_value(id)).await }
    });
    in_waves(creates, WAVE).await
}
