//! Diagnostics that explain the main numbers: awsconf under other caps on calls
//! in flight, and what fresh SDK clients cost on their first call.

use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_ssm::error::DisplayErrorContext;
use awsconf_testkit::Proxy;

use crate::layouts::{self, LayoutSpec};
use crate::median;
use awsconf::AwsConfig;

/// Caps tried on the diagnostic layout (10 `GetParameters` and 1
/// `BatchGetSecretValue`): one call at a time per service, two waves of
/// `GetParameters`, and the default, one wave.
pub const CAPS: [usize; 3] = [1, 5, 10];
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
    /// The most requests the proxy held at once, over the runs.
    pub peak_in_flight: usize,
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
        let mut peak_in_flight = 0;
        for _ in 0..RUNS {
            proxy.reset_stats();
            let (took, loaded) =
                layouts::load_with_awsconf(layout.name, layout.env(), sdk, Some(cap))
                    .await
                    .map_err(|e| format!("{} with cap {cap}: {e}", layout.name))?
                    .ok_or_else(|| format!("no layout {}", layout.name))?;
            loaded.check(layout)?;
            calls = proxy.total();
            peak_in_flight = peak_in_flight.max(proxy.max_in_flight());
            times.push(took);
        }
        out.push(CapRun {
            layout: *layout,
            delay_ms,
            cap,
            median: median(&times),
            calls,
            peak_in_flight,
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

/// The p100s10 layout written out by hand, for a [`awsconf::Live`] refresh.
// Only the refresh's calls are measured, not the values.
#[allow(dead_code)]
#[derive(AwsConfig)]
#[aws_config(app = "bench")]
struct RefreshLayout {
    #[component]
    c0: layouts::Block,
    #[component]
    c1: layouts::Block,
    #[component]
    c2: layouts::Block,
    #[component]
    c3: layouts::Block,
    #[component]
    c4: layouts::Block,
    #[component]
    c5: layouts::Block,
    #[component]
    c6: layouts::Block,
    #[component]
    c7: layouts::Block,
    #[component]
    c8: layouts::Block,
    #[component]
    c9: layouts::Block,
    #[secret(id = "{env}/s/0")]
    s0: awsconf::SecretString,
    #[secret(id = "{env}/s/1")]
    s1: awsconf::SecretString,
    #[secret(id = "{env}/s/2")]
    s2: awsconf::SecretString,
    #[secret(id = "{env}/s/3")]
    s3: awsconf::SecretString,
    #[secret(id = "{env}/s/4")]
    s4: awsconf::SecretString,
    #[secret(id = "{env}/s/5")]
    s5: awsconf::SecretString,
    #[secret(id = "{env}/s/6")]
    s6: awsconf::SecretString,
    #[secret(id = "{env}/s/7")]
    s7: awsconf::SecretString,
    #[secret(id = "{env}/s/8")]
    s8: awsconf::SecretString,
    #[secret(id = "{env}/s/9")]
    s9: awsconf::SecretString,
}

/// Calls one `Live` refresh makes: (what changed, calls by operation).
pub type RefreshCalls = Vec<(String, std::collections::BTreeMap<String, u64>)>;

/// A `Live` config over the p100s10 layout: the calls of a refresh with nothing
/// new, then of one after a secret was rotated.
pub async fn refresh_calls(
    layout: &LayoutSpec,
    proxy: &Proxy,
    sdk: &SdkConfig,
) -> Result<RefreshCalls, String> {
    if layout.params != 100 || layout.secrets != 10 {
        return Err(format!(
            "refresh_calls expects p100s10, got {}",
            layout.name
        ));
    }
    let live = RefreshLayout::loader()
        .env(layout.env())
        .sdk_config(sdk)
        .watch(Duration::from_secs(3600))
        .await
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    proxy.reset_stats();
    live.refresh_now().await.map_err(|e| e.to_string())?;
    out.push(("nothing changed".to_string(), proxy.counts()));

    let secrets = aws_sdk_secretsmanager::Client::new(sdk);
    secrets
        .put_secret_value()
        .secret_id(layout.secret_id(0))
        .secret_string("rotated-value")
        .send()
        .await
        .map_err(|e| format!("PutSecretValue: {}", DisplayErrorContext(e)))?;
    proxy.reset_stats();
    live.refresh_now().await.map_err(|e| e.to_string())?;
    out.push(("one of the 10 secrets rotated".to_string(), proxy.counts()));

    // Put the seeded value back: the strategies' later runs check every value.
    let id = layout.secret_id(0);
    secrets
        .put_secret_value()
        .secret_id(&id)
        .secret_string(layouts::secret_value(&id))
        .send()
        .await
        .map_err(|e| format!("PutSecretValue: {}", DisplayErrorContext(e)))?;
    Ok(out)
}
