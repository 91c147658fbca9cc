//! A load's fixed parts (`Session`: env, local layers, AWS clients) and one run
//! of it: fetch, merge the layers, decode. The [`Loader`](crate::Loader) builds a
//! session; a load runs it once, a [`Live`](crate::Live) on every refresh.

use std::marker::PhantomData;
use std::time::Duration;

use figment::value::Value;
use figment::Figment;

use crate::decode::{decode_root, DecodeCx};
use crate::error::{Error, Problem, ProblemKind};
use crate::fetch::{Fetcher, ParamCache, Reuse, SecretCache};
use crate::origin::Origin;
use crate::plan::{self, Targets};
use crate::provider::AwsLayers;
use crate::schema::Scope;
use crate::AwsConfig;

pub(crate) fn timeout_error(
    type_name: &'static str,
    env: Option<String>,
    timeout: Duration,
) -> Error {
    let problem = Problem::new(
        ProblemKind::Timeout,
        format!(
            "the load did not finish within {timeout:?}: AWS (or the endpoint) did not answer in time; raise it with .timeout(..) or check the network"
        ),
    );
    Error::new(type_name, env, vec![problem])
}

/// A load's fixed parts: env, local layers and the AWS clients.
pub(crate) struct Session<T> {
    /// The change-events queue, taken by the `Live`.
    #[cfg(feature = "events")]
    pub(crate) queue: Option<crate::events::Queue>,
    pub(crate) layers: Figment,
    pub(crate) timeout: Duration,
    pub(crate) env: String,
    pub(crate) scope: Scope,
    pub(crate) fetcher: Option<Fetcher>,
    pub(crate) _config: PhantomData<fn() -> T>,
}

/// The result of one successful run.
pub(crate) struct Loaded<T> {
    pub config: T,
    pub origins: Vec<Origin>,
    /// A hash of every value the config was built from: equal fingerprints, equal
    /// configs. Holds no secret.
    pub fingerprint: u64,
    pub secrets: SecretCache,
    /// The parameter values read, for the next event-driven refresh of a `Live`.
    pub params: ParamCache,
}

#[cfg(feature = "events")]
impl<T: AwsConfig> Session<T> {
    /// The change-events queue and what the config reads, for a `Live`.
    pub(crate) fn take_queue(&mut self) -> Option<(crate::events::Queue, crate::events::Watched)> {
        let mut queue = self.queue.take()?;
        if let Some(topic) = &mut queue.topic {
            let app = T::schema().app.unwrap_or("app");
            topic.queue_name = crate::events::topic_queue_name(app, &self.env);
            topic.prefix = crate::topic_queue::prefix(app, &self.env);
        }
        Some((queue, crate::events::Watched::of(T::schema(), &self.scope)))
    }
}

impl<T: AwsConfig> Session<T> {
    /// The env this session loads.
    pub(crate) fn env(&self) -> &str {
        &self.env
    }

    /// [`run`](Self::run) within the load's timeout.
    pub(crate) async fn run_bounded(
        &self,
        cache: Option<&SecretCache>,
        reuse: Option<&Reuse<'_>>,
    ) -> Result<Loaded<T>, Error> {
        use tracing::Instrument;
        let span =
            tracing::debug_span!("awsconf.load", config = T::schema().type_name, env = %self.env);
        match tokio::time::timeout(self.timeout, self.run(cache, reuse).instrument(span)).await {
            Ok(result) => result,
            Err(_) => Err(timeout_error(
                T::schema().type_name,
                Some(self.env.clone()),
                self.timeout,
            )),
        }
    }

    /// Fetches (reusing unchanged secrets from `cache`, and after a change
    /// event the parameters `reuse` says did not change), merges the layers and
    /// decodes: the complete config, or every problem.
    pub(crate) async fn run(
        &self,
        cache: Option<&SecretCache>,
        reuse: Option<&Reuse<'_>>,
    ) -> Result<Loaded<T>, Error> {
        let schema = T::schema();
        let parts = Parts {
            schema,
            scope: &self.scope,
            fetcher: self.fetcher.as_ref(),
            layers: &self.layers,
            env: &self.env,
        };
        let Gathered {
            root,
            mut cx,
            fingerprint,
            secrets_cache,
            params_read,
        } = gather(parts, cache, reuse).await?;
        let dict = match &root {
            Value::Dict(_, d) => Some(d),
            _ => None,
        };
        let config = decode_root::<T>(self.scope.clone(), dict, &mut cx);
        match config {
            Some(config) if cx.problems.is_empty() => Ok(Loaded {
                config,
                origins: cx.origins,
                fingerprint,
                secrets: secrets_cache,
                params: params_read,
            }),
            _ => Err(Error::new(
                schema.type_name,
                Some(self.env.clone()),
                cx.problems,
            )),
        }
    }
}

/// What [`gather`] needs of a session: none of it depends on the config's type.
struct Parts<'a> {
    schema: &'static crate::schema::Schema,
    scope: &'a Scope,
    fetcher: Option<&'a Fetcher>,
    layers: &'a Figment,
    env: &'a str,
}

/// The merged tree of every layer, ready to decode.
struct Gathered {
    root: Value,
    /// Holds the problems found so far; decoding adds its own.
    cx: DecodeCx,
    fingerprint: u64,
    secrets_cache: SecretCache,
    params_read: ParamCache,
}

/// A run's part that does not depend on the config's type: fetch, build the
/// AWS layers, merge them under the local ones. It is compiled once, in this
/// crate, and boxed, so a user's crate that derives `AwsConfig` does not
/// compile the fetch pipeline again for its own config type (the generic
/// `run` only decodes).
fn gather<'a>(
    parts: Parts<'a>,
    cache: Option<&'a SecretCache>,
    reuse: Option<&'a Reuse<'a>>,
) -> futures_util::future::BoxFuture<'a, Result<Gathered, Error>> {
    Box::pin(async move {
        let Parts {
            schema,
            scope,
            fetcher,
            layers,
            env,
        } = parts;
        let mut targets = Targets::default();
        plan::walk(schema, scope, None, &mut targets);
        let aws = match fetcher {
            None => AwsLayers::offline(),
            Some(fetcher) => {
                tracing::debug!(
                    params = targets.params.len(),
                    maps = targets.maps.len(),
                    secrets = targets.secrets.len(),
                    "awsconf: fetching"
                );
                let fetched = fetcher.fetch(&mut targets, cache, reuse).await;
                AwsLayers::build(&targets, fetched)
            }
        };
        let AwsLayers {
            params,
            secrets,
            facts,
            mut problems,
            secrets_cache,
            params_read,
        } = aws;
        let figment = Figment::new()
            .merge(params)
            .merge(secrets)
            .merge(layers.clone());
        let root: Value = match figment.extract() {
            Ok(v) => v,
            Err(err) => {
                // figment's message quotes the line that failed to parse, which
                // may hold a secret: name the layer and position only, and keep
                // no source error that would print the line.
                for e in err {
                    problems.push(Problem::new(
                        ProblemKind::Layer,
                        format!(
                            "a local layer could not be read: {}",
                            crate::redact::layer_error(&e)
                        ),
                    ));
                }
                return Err(Error::new(
                    schema.type_name,
                    Some(env.to_string()),
                    problems,
                ));
            }
        };
        let fingerprint = fingerprint(&root);
        Ok(Gathered {
            root,
            cx: DecodeCx {
                figment,
                facts,
                problems,
                origins: Vec::new(),
            },
            fingerprint,
            secrets_cache,
            params_read,
        })
    })
}

/// Hashes a value tree through its serde form, streamed into the hasher.
fn fingerprint(value: &Value) -> u64 {
    use std::hash::Hasher;
    struct HashWriter(std::collections::hash_map::DefaultHasher);
    impl std::io::Write for HashWriter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut w = HashWriter(std::collections::hash_map::DefaultHasher::new());
    // A Value always serializes; on the impossible error the hash is still usable.
    let _ = serde_json::to_writer(&mut w, value);
    w.0.finish()
}
