//! The four ways of reading a layout that the benchmark compares. Each builds its
//! SDK clients inside the timed region (awsconf builds them inside `load()`), so
//! client construction is timed for every strategy alike.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_ssm::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use crate::layouts::{self, param_value, secret_value, LayoutSpec};

/// An SDK error in one line: AWS's error code and message when AWS answered
/// (`ThrottlingException: Rate exceeded`), else the error and its causes.
fn brief<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match e.code() {
        Some(code) => format!("{code}: {}", e.message().unwrap_or_default()),
        None => DisplayErrorContext(e).to_string(),
    }
}

/// `GetParameters` accepts at most 10 names.
const GET_PARAMETERS_MAX: usize = 10;
/// `GetParametersByPath` returns at most 10 parameters a page.
const BY_PATH_MAX_RESULTS: i32 = 10;

/// A way of reading every parameter and secret of a layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strategy {
    /// `Layout::loader().env(..).sdk_config(..).load()`.
    Awsconf,
    /// `GetParametersByPath` on `/<env>/bench/`, recursive, `MaxResults` 10, one
    /// page after another; then `GetSecretValue` per secret, one after another.
    ByPath,
    /// `GetParameters` with 10 names a call, one call after another; then
    /// `GetSecretValue` per secret, one after another.
    Batches,
    /// `GetParameter` per parameter and `GetSecretValue` per secret, one after another.
    PerField,
}

impl Strategy {
    /// Every strategy, awsconf first.
    pub const ALL: [Strategy; 4] = [
        Strategy::Awsconf,
        Strategy::ByPath,
        Strategy::Batches,
        Strategy::PerField,
    ];

    /// A one-line description for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Strategy::Awsconf => "`Layout::loader().env(..).sdk_config(&cfg).load()`: GetParameters (10 names) and BatchGetSecretValue (20 ids), concurrent under the default cap of 10 calls in flight to each service",
            Strategy::ByPath => "GetParametersByPath on `/<env>/bench/` (recursive, MaxResults 10), one page after another, then GetSecretValue per secret, one after another",
            Strategy::Batches => "GetParameters with 10 names per call, one call after another, then GetSecretValue per secret, one after another",
            Strategy::PerField => "GetParameter per parameter, then GetSecretValue per secret, all one after another",
        }
    }
}

impl fmt::Display for Strategy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Strategy::Awsconf => "awsconf",
            Strategy::ByPath => "by-path pages",
            Strategy::Batches => "GetParameters x10 serial",
            Strategy::PerField => "GetParameter per field",
        })
    }
}

/// Runs `strategy` once against `sdk` (the proxy) and returns its wall time.
/// The values read are checked after the clock stops.
pub async fn run(
    strategy: Strategy,
    layout: &LayoutSpec,
    sdk: &SdkConfig,
) -> Result<Duration, String> {
    let env = layout.env();
    match strategy {
        Strategy::Awsconf => {
            // The generated function times the `load()` call itself.
            let (elapsed, loaded) = layouts::load_with_awsconf(layout.name, env, sdk, None)
                .await
                .map_err(|e| format!("{}: awsconf failed to load:\n{e}", layout.name))?
                .ok_or_else(|| format!("no generated layout {}", layout.name))?;
            loaded.check(layout)?;
            Ok(elapsed)
        }
        _ => {
            let start = Instant::now();
            let read = match strategy {
                Strategy::ByPath => by_path(sdk, layout).await,
                Strategy::Batches => batches(sdk, layout).await,
                _ => per_field(sdk, layout).await,
            };
            let elapsed = start.elapsed();
            read.map_err(|e| format!("{} ({strategy}): {e}", layout.name))?
                .check(layout)
                .map_err(|e| format!("{} ({strategy}): {e}", layout.name))?;
            Ok(elapsed)
        }
    }
}

/// What a hand-written strategy read: name -> value, id -> value.
#[derive(Default)]
struct Read {
    params: HashMap<String, String>,
    secrets: HashMap<String, String>,
}

impl Read {
    fn check(&self, layout: &LayoutSpec) -> Result<(), String> {
        for name in layout.param_names() {
            if self.params.get(&name) != Some(&param_value(&name)) {
                return Err(format!("parameter {name} missing or wrong"));
            }
        }
        for id in layout.secret_ids() {
            if self.secrets.get(&id) != Some(&secret_value(&id)) {
                return Err(format!("secret {id} missing or wrong"));
            }
        }
        if self.params.len() != layout.params || self.secrets.len() != layout.secrets {
            return Err(format!(
                "read {} parameters and {} secrets, expected {} and {}",
                self.params.len(),
                self.secrets.len(),
                layout.params,
                layout.secrets
            ));
        }
        Ok(())
    }
}

fn put(map: &mut HashMap<String, String>, p: &aws_sdk_ssm::types::Parameter) {
    if let (Some(name), Some(value)) = (p.name(), p.value()) {
        map.insert(name.to_string(), value.to_string());
    }
}

/// `GetSecretValue` for every secret, one after another.
async fn secrets_one_by_one(
    client: &aws_sdk_secretsmanager::Client,
    layout: &LayoutSpec,
    out: &mut HashMap<String, String>,
) -> Result<(), String> {
    for id in layout.secret_ids() {
        let v = client
            .get_secret_value()
            .secret_id(&id)
            .send()
            .await
            .map_err(|e| format!("GetSecretValue {id}: {}", brief(&e)))?;
        if let Some(s) = v.secret_string() {
            out.insert(id, s.to_string());
        }
    }
    Ok(())
}

async fn by_path(sdk: &SdkConfig, layout: &LayoutSpec) -> Result<Read, String> {
    let ssm = aws_sdk_ssm::Client::new(sdk);
    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    let mut read = Read::default();
    let path = layout.path();
    let mut token: Option<String> = None;
    loop {
        let page = ssm
            .get_parameters_by_path()
            .path(&path)
            .recursive(true)
            .with_decryption(true)
            .max_results(BY_PATH_MAX_RESULTS)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| format!("GetParametersByPath {path}: {}", brief(&e)))?;
        for p in page.parameters() {
            put(&mut read.params, p);
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    secrets_one_by_one(&sm, layout, &mut read.secrets).await?;
    Ok(read)
}

async fn batches(sdk: &SdkConfig, layout: &LayoutSpec) -> Result<Read, String> {
    let ssm = aws_sdk_ssm::Client::new(sdk);
    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    let mut read = Read::default();
    for names in layout.param_names().chunks(GET_PARAMETERS_MAX) {
        let out = ssm
            .get_parameters()
            .set_names(Some(names.to_vec()))
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| format!("GetParameters: {}", brief(&e)))?;
        for p in out.parameters() {
            put(&mut read.params, p);
        }
    }
    secrets_one_by_one(&sm, layout, &mut read.secrets).await?;
    Ok(read)
}

async fn per_field(sdk: &SdkConfig, layout: &LayoutSpec) -> Result<Read, String> {
    let ssm = aws_sdk_ssm::Client::new(sdk);
    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    let mut read = Read::default();
    for name in layout.param_names() {
        let out = ssm
            .get_parameter()
            .name(&name)
            .with_decryption(true)
            .send()
            .await
            .map_err(|e| format!("GetParameter {name}: {}", brief(&e)))?;
        if let Some(p) = out.parameter() {
            put(&mut read.params, p);
        }
    }
    secrets_one_by_one(&sm, layout, &mut read.secrets).await?;
    Ok(read)
}
