//! The loader: `T::loader().env(..).merge(..).load().await`.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use figment::value::Value;
use figment::{Figment, Provider};
use tokio::sync::Semaphore;

use crate::decode::{decode_root, DecodeCx, Origin};
use crate::error::{Error, Problem, ProblemKind};
use crate::fetch::Fetcher;
use crate::plan::{self, Plan, Targets};
use crate::provider::AwsLayers;
use crate::schema::Scope;
use crate::{AwsConfig, Root};

/// The environment variable naming the env when `.env(..)` is not called.
pub const ENV_VAR: &str = "AWSCONF_ENV";
/// The environment variable that turns on offline mode (`1` or `true`).
pub const OFFLINE_VAR: &str = "AWSCONF_OFFLINE";
/// The default bound on a whole load.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default number of AWS calls in flight at once.
pub const DEFAULT_CONCURRENCY: usize = 10;
/// The default bound on pages of one `GetParametersByPath` chain.
pub const DEFAULT_MAX_PAGES: usize = 100;

/// Builds and runs one load of `T`. Get one from [`AwsConfig::loader`].
#[must_use = "a loader does nothing until `.load().await`"]
pub struct Loader<T> {
    env: Option<String>,
    sdk_config: Option<SdkConfig>,
    layers: Figment,
    offline: bool,
    timeout: Duration,
    concurrency: usize,
    max_pages: usize,
    _config: PhantomData<fn() -> T>,
}

impl<T> std::fmt::Debug for Loader<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader")
            .field("env", &self.env)
            .field("offline", &self.offline)
            .field("timeout", &self.timeout)
            .field("concurrency", &self.concurrency)
            .finish_non_exhaustive()
    }
}

impl<T: AwsConfig + Root> Default for Loader<T> {
    fn default() -> Self {
        Loader {
            env: None,
            sdk_config: None,
            layers: Figment::new(),
            offline: false,
            timeout: DEFAULT_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            max_pages: DEFAULT_MAX_PAGES,
            _config: PhantomData,
        }
    }
}

impl<T: AwsConfig + Root> Loader<T> {
    /// The environment: the first path segment, `/<env>/<app>/...`. Without it the
    /// `AWSCONF_ENV` variable is read; with neither, the load fails.
    pub fn env(mut self, env: impl Into<String>) -> Self {
        self.env = Some(env.into());
        self
    }

    /// The AWS SDK configuration (region, credentials, endpoint, retries). Without
    /// it, `aws_config::load_defaults(BehaviorVersion::latest())` is used.
    pub fn sdk_config(mut self, config: &SdkConfig) -> Self {
        self.sdk_config = Some(config.clone());
        self
    }

    /// Adds a local layer (any figment provider: `Toml::file`, `Env::prefixed`, ...)
    /// on top of AWS's values; later layers win. Layers use Rust field names,
    /// nested by component: `[database] max_connections = 5`.
    pub fn merge(mut self, provider: impl Provider) -> Self {
        self.layers = self.layers.merge(provider);
        self
    }

    /// Makes no AWS call: defaults and local layers only. `AWSCONF_OFFLINE=1` does
    /// the same.
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// Bounds the whole load (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many AWS calls may be in flight at once (default 10, at least 1).
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.max(1);
        self
    }

    /// Bounds a `GetParametersByPath` page chain (default 100 pages of 10).
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// The calls a load would make for this env, without making any.
    pub fn plan(&self) -> Result<Plan, Error> {
        let schema = T::schema();
        let env = self.resolve_env()?;
        let mut targets = Targets::default();
        plan::walk(
            schema,
            &Scope::root(&env, schema.app.unwrap_or_default()),
            None,
            &mut targets,
        );
        Ok(Plan::from_targets(&targets))
    }

    fn resolve_env(&self) -> Result<String, Error> {
        let schema = T::schema();
        let env = self
            .env
            .clone()
            .or_else(|| std::env::var(ENV_VAR).ok().filter(|e| !e.is_empty()));
        let Some(env) = env else {
            return Err(Error::new(
                schema.type_name,
                None,
                vec![Problem::new(
                    ProblemKind::NoEnv,
                    format!("no environment given: call .env(\"production\") or set {ENV_VAR}"),
                )],
            ));
        };
        if let Err(why) = check_segment(&env) {
            return Err(Error::new(
                schema.type_name,
                Some(env.clone()),
                vec![Problem::new(
                    ProblemKind::Limit,
                    format!("env `{env}` {why}"),
                )],
            ));
        }
        Ok(env)
    }

    /// Loads the config: all of it, or an [`Error`] listing every problem.
    pub async fn load(self) -> Result<T, Error> {
        self.load_explained().await.map(|(config, _)| config)
    }

    /// Like [`load`](Self::load), and also says which layer supplied each field.
    pub async fn load_explained(self) -> Result<(T, Vec<Origin>), Error> {
        let schema = T::schema();
        let app = schema.app.unwrap_or_default();
        let env = self.resolve_env()?;
        let offline = self.offline || env_flag(OFFLINE_VAR);
        let scope = Scope::root(&env, app);
        let mut targets = Targets::default();
        plan::walk(schema, &scope, None, &mut targets);

        let aws = if offline {
            tracing::debug!(env = %env, app, "awsconf: offline, no AWS call");
            AwsLayers::offline()
        } else {
            let timeout = self.timeout;
            match tokio::time::timeout(timeout, self.fetch(&mut targets)).await {
                Ok(Ok(layers)) => layers,
                Ok(Err(problems)) => return Err(Error::new(schema.type_name, Some(env), problems)),
                Err(_) => {
                    let problem = Problem::new(
                        ProblemKind::Timeout,
                        format!(
                            "the load did not finish within {timeout:?}: AWS (or the endpoint) did not answer in time; raise it with .timeout(..) or check the network"
                        ),
                    );
                    return Err(Error::new(schema.type_name, Some(env), vec![problem]));
                }
            }
        };

        let AwsLayers {
            params,
            secrets,
            facts,
            mut problems,
        } = aws;
        let figment = Figment::new()
            .merge(params)
            .merge(secrets)
            .merge(self.layers);
        let root: Value = match figment.extract() {
            Ok(v) => v,
            Err(err) => {
                for e in err {
                    problems.push(
                        Problem::new(
                            ProblemKind::Layer,
                            format!("a local layer could not be read: {e}"),
                        )
                        .source(e),
                    );
                }
                return Err(Error::new(schema.type_name, Some(env), problems));
            }
        };
        let dict = match &root {
            Value::Dict(_, d) => Some(d),
            _ => None,
        };
        let mut cx = DecodeCx {
            figment,
            facts,
            problems: Vec::new(),
            origins: Vec::new(),
        };
        let config = decode_root::<T>(scope, dict, &mut cx);
        problems.extend(cx.problems);
        match config {
            Some(config) if problems.is_empty() => Ok((config, cx.origins)),
            _ => Err(Error::new(schema.type_name, Some(env), problems)),
        }
    }

    /// Reads every value the config needs from AWS.
    async fn fetch(&self, targets: &mut Targets) -> Result<AwsLayers, Vec<Problem>> {
        let sdk_config = match &self.sdk_config {
            Some(c) => c.clone(),
            None => aws_config::load_defaults(BehaviorVersion::latest()).await,
        };
        let Some(region) = sdk_config.region() else {
            return Err(vec![Problem::new(
                ProblemKind::NoRegion,
                "no AWS region: set AWS_REGION (or a profile's region), or pass .sdk_config(..) with one",
            )]);
        };
        if sdk_config.credentials_provider().is_none() {
            return Err(vec![Problem::new(
                ProblemKind::NoCredentials,
                "no AWS credentials provider is configured: pass .sdk_config(..) with credentials, or use .offline() for local development",
            )]);
        }
        let fetcher = Fetcher {
            ssm: aws_sdk_ssm::Client::new(&sdk_config),
            secrets: aws_sdk_secretsmanager::Client::new(&sdk_config),
            region: region.to_string(),
            permits: Arc::new(Semaphore::new(self.concurrency)),
            max_pages: self.max_pages,
        };
        tracing::debug!(
            params = targets.params.len(),
            maps = targets.maps.len(),
            secrets = targets.secrets.len(),
            "awsconf: fetching"
        );
        let fetched = fetcher.fetch(targets).await;
        Ok(AwsLayers::build(targets, fetched))
    }
}

fn env_flag(name: &str) -> bool {
    matches!(
        std::env::var(name).ok().as_deref().map(str::trim),
        Some("1" | "true" | "TRUE" | "yes")
    )
}

/// SSM's rules for one name segment (the env, at run time).
pub(crate) fn check_segment(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is empty".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')))
    {
        return Err(format!(
            "contains `{}`, which SSM does not allow in a name segment (allowed: a-z A-Z 0-9 _ . -)",
            bad.escape_debug()
        ));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("aws") || lower.starts_with("ssm") {
        return Err("starts with `aws` or `ssm`, which SSM reserves".into());
    }
    Ok(())
}
