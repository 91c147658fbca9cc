//! Diagnostics that explain the main numbers: awsconf under other caps on calls
//! in flight, and what fresh SDK clients cost on their first call.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_ssm::error::DisplayErrorContext;
use awsconf_testkit::Proxy;

use crate::layouts::{self, LayoutSpec};
use crate::median;

/// Caps tried on the diagnostic layout: serial, the default, and one more than
/// the layout's 11 calls need for a single wave.
pub const CAPS: [usize; 3] = [1, 10, 11];
/// Runs per diagnostic measurement.
const RUNS: usize = 5;

/// awsconf on one layout with `.concurrency(cap)`.
#[derive(Debug, Clone)]
pub struct CapRun {
    /// The layout.
    pub layout: LayoutSpec,
    /// Added delay, ms.
    pub delay_ms: u64,
    /// `.concurrency(cap)`.
    pub cap: usize,
    /// Median wall time of the load.
    pub median: Duration,
    /// Calls in one load.
    pub calls: u64,
}

/// awsconf's load of `layout` through the proxy at `delay_ms`, for each cap in [`CAPS`].
pub async fn caps(
    layout: &LayoutSpec,
    delay_ms: u64,
    proxy: &Proxy,
    sdk: &SdkConfig,
) -> Result<Vec<CapRun>, String> {
    let mut out = Vec::new();
    for cap in CAPS {
        let mut times = Vec::new();
        let mut calls = 0;
        for _ in 0..RUNS {
            proxy.reset_stats();
            let (took, loaded) =
                layouts::load_with_awsconf(layout.name, layout.env(), sdk, Some(cap))
                    .await
                    .map_err(|e| format!("{} with cap {cap}: {e}", layout.name))?
                    .ok_or_else(|| format!("no layout {}", layout.name))?;
            loaded.check(layout)?;
            calls = proxy.total();
            times.push(took);
        }
        out.push(CapRun {
            layout: *layout,
            delay_ms,
            cap,
            median: median(&times),
            calls,
        });
    }
    Ok(out)
}

/// What new SDK clients cost: the first `GetParameters` on freshly built
/// clients versus a second one on the same clients.
#[derive(Debug, Clone)]
pub struct FreshClients {
    /// Added delay, ms.
    pub delay_ms: u64,
    /// Median of: build the SSM and Secrets Manager clients, then one `GetParameters`.
    pub first_call: Duration,
    /// Median of: a second `GetParameters` on the same client.
    pub second_call: Duration,
}

/// Measures [`FreshClients`] on `layout`'s first ten parameters.
pub async fn fresh_clients(
    layout: &LayoutSpec,
    delay_ms: u64,
    sdk: &SdkConfig,
) -> Result<FreshClients, String> {
    let names: Vec<String> = layout.param_names().into_iter().take(10).collect();
    let mut first = Vec::new();
    let mut second = Vec::new();
    let get = |ssm: aws_sdk_ssm::Client| {
        let names = names.clone();
        async move {
            ssm.get_parameters()
                .set_names(Some(names))
                .with_decryption(true)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| format!("GetParameters: {}", DisplayErrorContext(e)))
        }
    };
    for _ in 0..RUNS {
        let start = Instant::now();
        let ssm = aws_sdk_ssm::Client::new(sdk);
        let _secrets = aws_sdk_secretsmanager::Client::new(sdk);
        get(ssm.clone()).await?;
        first.push(start.elapsed());
        let start = Instant::now();
        get(ssm).await?;
        second.push(start.elapsed());
    }
    Ok(FreshClients {
        delay_ms,
        first_call: median(&first),
        second_call: median(&second),
    })
}
