//! Fetching from AWS: every independent call at once, under a cap per service, each failure
//! turned into a problem in plain words.

pub(crate) mod pace;
pub(crate) mod secrets;
pub(crate) mod ssm;

pub(crate) use crate::summary::{common_prefix, summarize, summarize_fields};

/// The problem for a field whose service was compiled out.
#[cfg(any(not(feature = "ssm"), not(feature = "secretsmanager")))]
pub(crate) fn disabled(feature: &str, what: &str) -> Problem {
    Problem::new(
        crate::error::ProblemKind::Disabled,
        format!("awsconf was built without its `{feature}` feature, so {what} cannot be read; enable the feature or supply the value from a local layer with .offline()"),
    )
}

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::error::Problem;
use crate::plan::{self, MapTarget, SecretRef, Targets};
use crate::walk::Home;

/// One Parameter Store value as read.
#[derive(Clone)]
pub(crate) struct ParamValue {
    pub value: String,
    pub secure: bool,
    pub version: i64,
}

/// One Secrets Manager value as read. Never printed.
pub(crate) enum SecretPayload {
    Text(secrecy::SecretString),
    Binary(secrecy::SecretBox<Vec<u8>>),
}

/// A secret as read.
pub(crate) struct SecretValue {
    /// Shared, so a refresh that learns a new rotation date keeps the value.
    pub payload: Arc<SecretPayload>,
    pub version_id: Option<String>,
    /// The secret's `NextRotationDate`, as the last `DescribeSecret` of a
    /// refresh said (`None` after a load: its reads do not carry it).
    pub next_rotation: Option<std::time::SystemTime>,
}

/// Parameter values by request (a name, with `:3` or `:label` when pinned), kept
/// by a `Live` between refreshes so that a change event re-reads only the
/// batches and map page chains that hold a changed name.
pub(crate) type ParamCache = BTreeMap<String, ParamValue>;

/// An earlier fetch's parameter values and the names a change event said
/// changed: a `GetParameters` batch with none of them (and every value read
/// before) and a map whose path holds none of them are not read again.
pub(crate) struct Reuse<'a> {
    pub params: &'a ParamCache,
    pub changed: &'a BTreeSet<String>,
}

impl Reuse<'_> {
    fn batch(&self, names: &[String]) -> bool {
        names
            .iter()
            .all(|n| !self.changed.contains(&strip_selector(n)) && self.params.contains_key(n))
    }

    fn map(&self, prefix: &str) -> bool {
        let under = format!("{prefix}/");
        !self
            .changed
            .iter()
            .any(|n| n == prefix || n.starts_with(&under))
    }

    /// The values read before under a map's path.
    fn map_values(&self, prefix: &str) -> BTreeMap<String, ParamValue> {
        let under = format!("{prefix}/");
        self.params
            .range(under.clone()..)
            .take_while(|(k, _)| k.starts_with(&under))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// Secret values by what was asked for, kept by a `Live` between refreshes so an
/// unchanged secret is not fetched again.
pub(crate) type SecretCache = BTreeMap<SecretRef, Arc<SecretValue>>;

/// What the fetch produced.
#[derive(Default)]
pub(crate) struct Fetched {
    /// Parameter values by requested name (SSM name plus selector).
    pub params: BTreeMap<String, ParamValue>,
    /// Names read under map prefixes.
    pub by_path_names: BTreeSet<String>,
    pub secrets: SecretCache,
    /// Secrets that do not exist (or lack the stage): why, for the "missing" message.
    pub absent_secrets: BTreeMap<SecretRef, String>,
    pub problems: Vec<Problem>,
    /// Parameters and secrets whose call failed.
    pub failed: HashSet<Home>,
}

/// The clients and settings of one load.
#[derive(Clone)]
pub(crate) struct Fetcher {
    #[cfg(feature = "ssm")]
    pub ssm: aws_sdk_ssm::Client,
    #[cfg(feature = "secretsmanager")]
    pub secrets: aws_sdk_secretsmanager::Client,
    pub region: String,
    /// Calls in flight to Parameter Store, at most the loader's `concurrency`.
    #[cfg(feature = "ssm")]
    pub ssm_permits: Arc<Semaphore>,
    /// Calls in flight to Secrets Manager, at most the loader's `concurrency`:
    /// each service throttles on its own, so one service's calls never wait for
    /// the other's.
    #[cfg(feature = "secretsmanager")]
    pub secrets_permits: Arc<Semaphore>,
    /// Pacing of Parameter Store calls, shared by every fetch of a load or `Live`.
    #[cfg(feature = "ssm")]
    pub ssm_pacer: Arc<pace::Pacer>,
    /// Pacing of Secrets Manager's `GetSecretValue` and `DescribeSecret` calls.
    #[cfg(feature = "secretsmanager")]
    pub secrets_pacer: Arc<pace::Pacer>,
    /// Pacing of `BatchGetSecretValue` calls, which have a quota of their own.
    #[cfg(feature = "secretsmanager")]
    pub batch_pacer: Arc<pace::Pacer>,
    /// How secrets are read.
    pub secret_reads: pace::SecretReads,
    /// Set when AWS throttled a `BatchGetSecretValue` under `SecretReads::Auto`:
    /// later reads use `GetSecretValue`.
    pub batch_throttled: Arc<std::sync::atomic::AtomicBool>,
    pub max_pages: usize,
    /// The load's `.timeout(..)`.
    pub timeout: std::time::Duration,
    /// Throttled calls are re-issued until then; set by each fetch.
    pub retry_until: Option<std::time::Instant>,
    /// The `SdkConfig` the clients were built from (for the change-events queue).
    #[cfg(feature = "events")]
    pub sdk_config: aws_config::SdkConfig,
}

impl Fetcher {
    /// Phase one reads named parameters, map prefixes and static secrets at once;
    /// phase two reads the secrets of map entries, known only after phase one.
    pub async fn fetch(
        &self,
        targets: &mut Targets,
        cache: Option<&SecretCache>,
        reuse: Option<&Reuse<'_>>,
    ) -> Fetched {
        let retry_until = crate::timeouts::deadline(self.timeout.mul_f64(pace::RETRY_SHARE));
        let this = Fetcher {
            retry_until: Some(retry_until),
            ..self.clone()
        };
        this.fetch_within(targets, cache, reuse).await
    }

    async fn fetch_within(
        &self,
        targets: &mut Targets,
        cache: Option<&SecretCache>,
        reuse: Option<&Reuse<'_>>,
    ) -> Fetched {
        let mut out = Fetched::default();
        let mut batches = plan::parameter_batches(&targets.params);
        let (secret_batches, pinned) = plan::secret_batches(&targets.secrets);

        // After a change event: what holds no changed name is taken from the
        // last fetch instead of being read again.
        if let Some(reuse) = reuse {
            batches.retain(|b| {
                let keep = !reuse.batch(&b.names);
                if !keep {
                    for n in &b.names {
                        if let Some(v) = reuse.params.get(n) {
                            out.params.insert(n.clone(), v.clone());
                        }
                    }
                }
                keep
            });
        }
        let read_map = |m: &MapTarget| reuse.is_none_or(|r| !r.map(&m.prefix));
        let params =
            futures_util::future::join_all(batches.into_iter().map(|b| self.get_parameters(b)));
        let maps = futures_util::future::join_all(targets.maps.iter().map(|m| async move {
            match reuse {
                Some(r) if !read_map(m) => Ok(r.map_values(&m.prefix)),
                _ => self.by_path(m).await,
            }
        }));
        let secrets = self.secrets(secret_batches, pinned, cache);
        let (params, maps, secrets) = tokio::join!(params, maps, secrets);

        for result in params {
            out.merge_params(result);
        }
        for (map, result) in targets.maps.iter().zip(maps) {
            match result {
                Ok(values) => {
                    out.by_path_names.extend(values.keys().cloned());
                    out.params.extend(values);
                }
                Err(problem) => {
                    out.failed.insert(Home::Param {
                        name: map.prefix.clone(),
                    });
                    out.problems.push(problem);
                }
            }
        }
        out.merge_secrets(secrets);

        // Map entries: their parameters are already read; walk them for secrets.
        let mut entries = Targets::default();
        for map in &targets.maps {
            entry_targets(map, &out.by_path_names, &mut entries);
        }
        let (refused, ids) = crate::limits::refuse_secrets(&mut entries.secrets);
        out.problems.extend(refused);
        out.failed
            .extend(ids.into_iter().map(|id| Home::Secret { id }));
        if !entries.secrets.is_empty() {
            let (secret_batches, pinned) = plan::secret_batches(&entries.secrets);
            let secrets = self.secrets(secret_batches, pinned, cache).await;
            out.merge_secrets(secrets);
        }
        targets.params.extend(entries.params);
        targets.secrets.extend(entries.secrets);
        out
    }
}

/// Walks the entries of one map component, read under its prefix.
fn entry_targets(map: &MapTarget, names: &BTreeSet<String>, out: &mut Targets) {
    let crate::schema::Kind::Map(element) = &map.field.kind else {
        return;
    };
    for key in plan::map_keys(&map.prefix, names) {
        plan::walk(
            element(),
            &map.scope.entry(map.field, &key),
            Some(names),
            out,
        );
    }
}

impl Fetched {
    fn merge_params(&mut self, result: ssm::BatchResult) {
        match result.outcome {
            Ok(values) => self.params.extend(values),
            Err(problem) => {
                self.failed.extend(result.names.iter().map(|n| Home::Param {
                    name: strip_selector(n),
                }));
                self.problems.push(problem);
            }
        }
    }

    fn merge_secrets(&mut self, result: secrets::SecretsResult) {
        self.secrets.extend(result.values);
        self.absent_secrets.extend(result.absent);
        self.failed
            .extend(result.failed.into_iter().map(|id| Home::Secret { id }));
        self.problems.extend(result.problems);
    }
}

/// Runs one AWS call in a `tracing` span (`awsconf.call`, with the API and the
/// names or ids asked for) and logs its duration and outcome at DEBUG. Never a
/// value: the response is not looked at here.
pub(crate) async fn traced<T, E>(
    api: &'static str,
    target: &str,
    call: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, E> {
    use tracing::Instrument;
    let span = tracing::debug_span!("awsconf.call", api, target);
    let started = std::time::Instant::now();
    let result = call.instrument(span.clone()).await;
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        tracing::debug!(
            api,
            target,
            ok = result.is_ok(),
            duration_ms,
            "awsconf: AWS call"
        )
    });
    result
}

/// `/a/b:3` -> `/a/b`.
pub(crate) fn strip_selector(request: &str) -> String {
    match request.rfind(':') {
        Some(i) if request[..i].rfind('/').is_some() => request[..i].to_string(),
        _ => request.to_string(),
    }
}
