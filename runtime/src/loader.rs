//! The loader: `T::loader().env(..).merge(..).load().await`.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, SdkConfig};
use figment::{Figment, Provider};
use tokio::sync::Semaphore;

use crate::error::{Error, Problem, ProblemKind};
use crate::fetch::pace::Pacer;
use crate::fetch::pace::{Pacing, SecretReads};
use crate::fetch::Fetcher;
use crate::origin::Origin;
use crate::plan::{self, Plan, Targets};
use crate::schema::Scope;
use crate::session::{timeout_error, Session};
use crate::{AwsConfig, Root};

/// The environment variable naming the env when `.env(..)` is not called.
pub const ENV_VAR: &str = "AWSCONF_ENV";
/// The environment variable that turns on offline mode (`1` or `true`).
pub const OFFLINE_VAR: &str = "AWSCONF_OFFLINE";
use crate::timeouts::DEFAULT_TIMEOUT;
/// The default number of calls in flight at once to each service (Parameter
/// Store and Secrets Manager each have their own cap).
pub const DEFAULT_CONCURRENCY: usize = 10;
/// The most calls a load keeps in flight per service; a larger
/// [`concurrency`](Loader::concurrency) is clamped to it.
pub const MAX_CONCURRENCY: usize = 1_000;
/// The default bound on pages of one `GetParametersByPath` chain: 10,000 pages
/// of 10, the 100,000 advanced parameters an account can hold per region (AWS's
/// Parameter Store quotas), so any prefix fits.
pub const DEFAULT_MAX_PAGES: usize = 10_000;

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
    pacing: Pacing,
    start_jitter: Duration,
    secret_reads: SecretReads,
    #[cfg(feature = "events")]
    events: Option<crate::events::Options>,
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
            pacing: Pacing::Adaptive,
            start_jitter: Duration::ZERO,
            secret_reads: SecretReads::Auto,
            #[cfg(feature = "events")]
            events: None,
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

    /// The AWS SDK configuration (region, credentials, endpoint, retries,
    /// timeouts). Without it, `aws_config::load_defaults(BehaviorVersion::latest())`
    /// is used. Its retry and timeout settings win; those it leaves unset get
    /// awsconf's defaults (see [`timeout`](Self::timeout)).
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

    /// Bounds the whole load (default 2 min, [`DEFAULT_TIMEOUT`]): past it, the load fails with one
    /// [`Timeout`](crate::ProblemKind::Timeout) problem and no config.
    ///
    /// It is also how long a throttled call is retried: AWS's read quotas are per
    /// account and region, shared by every process of a fleet, so awsconf
    /// re-issues a throttled call (after a backoff with full jitter: a random wait
    /// below 0.1 s, 0.2 s, 0.4 s, ... up to 1 s, then paced) until 90% of this bound has
    /// passed, then reports a [`Throttled`](crate::ProblemKind::Throttled)
    /// problem. This holds whatever retry settings the `SdkConfig` carries (the
    /// SDK is told not to retry throttling itself, so the calls stay paced; see
    /// [`pacing`](Self::pacing)). At Parameter Store's default 40 calls per
    /// second, `N` processes of `P` parameters starting at once need about
    /// `(N * P / 10 - 40) / 40` seconds: 49 s for 200 processes of 100, within the
    /// default; a larger fleet needs a longer bound (or `.start_jitter(..)`, or
    /// the account's higher throughput).
    ///
    /// Within it, each AWS call follows the `SdkConfig`'s retry and timeout
    /// settings. Where the `SdkConfig` leaves them unset, awsconf uses the SDK's
    /// standard retries (3 attempts, jittered exponential backoff), a connect
    /// timeout of 3.1 s and a per-attempt timeout of a quarter of this bound, kept
    /// within 1..=10 s (10 s by default): a hung attempt is retried, and a call
    /// whose attempts all hang is reported, naming its API and names, after
    /// about 30 s, before this bound runs out.
    ///
    /// Extreme values never panic: a bound above [`MAX_TIMEOUT`](crate::MAX_TIMEOUT)
    /// (one day; `Duration::MAX`, say) is clamped to it, and `Duration::ZERO`
    /// fails every load that has to wait for AWS with a
    /// [`Timeout`](crate::ProblemKind::Timeout) problem (an offline load, which
    /// never waits, still loads).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.min(crate::timeouts::MAX_TIMEOUT);
        self
    }

    /// How many calls may be in flight at once to each service (default 10,
    /// clamped to `1..=`[`MAX_CONCURRENCY`]).
    ///
    /// The cap is per service because AWS throttles per service: Parameter Store's
    /// `GetParameters`, `GetParametersByPath` and `GetParameter` share one
    /// per-account rate, and Secrets Manager's APIs have rates of their own, so a
    /// Secrets Manager call never waits behind Parameter Store calls. Until AWS
    /// throttles, [`pacing`](Self::pacing) sends up to the cap at once: a load
    /// of 100 parameters and 10 secrets sends its 10 `GetParameters` and its
    /// `BatchGetSecretValue` together, one round trip on a quiet account.
    pub fn concurrency(mut self, calls: usize) -> Self {
        self.concurrency = calls.clamp(1, MAX_CONCURRENCY);
        self
    }

    /// How the load paces its calls to each service (default
    /// [`Pacing::Adaptive`]).
    ///
    /// Adaptive: a load sends its calls at once, up to
    /// [`concurrency`](Self::concurrency) in flight per service, so on a quiet
    /// account it takes one round trip. The first throttling is the sign that
    /// others share the quota (a fleet starting together): from then on the
    /// service's calls are sent at a paced rate, at first twice the calls AWS
    /// let through in the last second (at least 1.6 per second), the first
    /// paced call at a random point of that interval; each further throttling
    /// halves the rate (down to 1 call per 5 s) and the window (once per round:
    /// calls sent before the last slow-down do not slow down again), and each
    /// answer grows the rate by 30%, more for answers in a row, until it passes
    /// 1,000 per second and pacing ends. A fleet's processes each do this on
    /// their own, and together converge on the account's quota instead of
    /// hammering it. The pacing is shared by the refreshes of a
    /// [`Live`](crate::Live).
    ///
    /// [`Pacing::Fleet`]`(n)` is for a fleet that knows how many of its
    /// processes may start together (a deployment's task count): a process
    /// alone still takes one round trip, and once throttled each paces at its
    /// share of the quota, which AWS throttles far less than the adaptive
    /// search for a rate. In the fleet benchmark (BENCHMARKS.md), 50 processes
    /// of 100 parameters starting at once got 462 to 465 throttled calls with
    /// it (the first burst's) against 640 to 682 adaptive, where AWS answered
    /// 550, and the last was ready after 12.4 to 12.6 s (15.7 to 17.2 s).
    ///
    /// [`Pacing::Off`] sends every call as soon as the concurrency cap allows;
    /// throttled calls are still retried until the deadline.
    pub fn pacing(mut self, pacing: Pacing) -> Self {
        self.pacing = pacing;
        self
    }

    /// Waits a random time, uniform in `0..=spread`, before the load's first AWS
    /// call (default: no wait). The wait is not part of
    /// [`timeout`](Self::timeout), and a [`Live`](crate::Live) waits only before
    /// its first load (its refreshes have their own jitter). Adaptive pacing
    /// already lets a fleet that starts at once load; spreading its starts over a
    /// few seconds also spares the quota that other clients of the account use.
    /// A spread above [`MAX_START_JITTER`](crate::MAX_START_JITTER) (5 minutes)
    /// is clamped to it.
    pub fn start_jitter(mut self, spread: Duration) -> Self {
        self.start_jitter = spread.min(crate::timeouts::MAX_START_JITTER);
        self
    }

    /// How secrets are read (default [`SecretReads::Auto`]); secrets pinned to
    /// a stage or version always use `GetSecretValue`.
    ///
    /// `BatchGetSecretValue` reads 20 secrets a call but has a quota of 100 calls
    /// per second per account and region, not adjustable; `GetSecretValue` reads
    /// one but has 10,000. Per secret, a batch takes 1/20 of a call from a 100
    /// per second budget (1/2,000 of a second of the account's quota), a single
    /// read 1/10,000 of a second: five times less. A fleet of `N` processes with
    /// `M` secrets each needs `N * ceil(M / 20) / 100` seconds of
    /// `BatchGetSecretValue` quota or `N * M / 10,000` seconds of `GetSecretValue`
    /// quota; 200 processes with 10 secrets: 2 s against 0.2 s. On a quiet
    /// account a batch is one call where single reads are `M`.
    ///
    /// So `Auto` batches until AWS throttles a batch, and then reads that batch's
    /// secrets, and every later one of this load or [`Live`](crate::Live), with
    /// parallel `GetSecretValue`. [`SecretReads::Individual`] always reads them
    /// one by one (grant `secretsmanager:GetSecretValue` on each secret; no
    /// `BatchGetSecretValue` needed); [`SecretReads::Batch`] always batches.
    pub fn secret_reads(mut self, reads: SecretReads) -> Self {
        self.secret_reads = reads;
        self
    }

    /// Bounds a `GetParametersByPath` page chain (default 10,000 pages of 10:
    /// the most parameters an account can hold in a region, 100,000 advanced or
    /// 10,000 standard, fit under one prefix). `BatchGetSecretValue` pages are
    /// not bounded by it (a batch of at most 20 ids ends when each has an
    /// answer).
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Refreshes a [`watch`](Self::watch)ed config when AWS says something it
    /// reads changed (cargo feature `events`): the `Live` long-polls this SQS
    /// queue, fed by an EventBridge rule (`awsconf-cli events-rule` prints one),
    /// beside its interval, which becomes a safety net. See
    /// [`Live`](crate::Live#change-events-cargo-feature-events) for the events and
    /// bodies accepted. Grant
    /// `sqs:ReceiveMessage` and `sqs:DeleteMessage` on the queue
    /// (`awsconf-cli iam-policy --events QUEUE_ARN`). No effect on `load` or
    /// offline.
    #[cfg(feature = "events")]
    pub fn change_events(mut self, queue_url: impl Into<String>) -> Self {
        let events = self.events.get_or_insert_with(Default::default);
        events.queue_url = queue_url.into();
        events.topic = None;
        self
    }

    /// Like [`change_events`](Self::change_events), for a fleet whose
    /// EventBridge rules send to an SNS topic: at `watch()` the `Live`
    /// creates an SQS queue of its own (`awsconf__<app>__<env>__<random>`, a
    /// name no other app or env can match, see below; messages kept 10
    /// minutes), lets only the topic send to it, and subscribes it with raw
    /// message delivery (3 calls).
    ///
    /// It leaves nothing behind: [`Live::close`](crate::Live::close)`.await`
    /// unsubscribes and deletes the queue (2 calls) before it returns; dropping
    /// the last handle does the same in the background, and if `main` returns
    /// (and the tokio runtime goes) before that is done, the runtime's
    /// shutdown finishes it on a thread of its own (waiting at most 10 s). A
    /// stop during `CreateQueue` or `Subscribe` lets that call finish (at most
    /// 10 s: AWS may act on a request after the client has gone) and deletes
    /// what it made. When the subscription cannot be removed, the queue is
    /// kept for a later sweep to remove with it (a subscription to a deleted
    /// queue would be found by none). A process that is killed leaves its
    /// queue; the next instance of the same app and env deletes it once its
    /// heartbeat is older than [`change_topic_staleness`](Self::change_topic_staleness)
    /// (15 minutes by default). A `Live` whose queue is gone (deleted by hand,
    /// or by a sweep during a long pause) sets up a new one. Once per that
    /// period it also subscribes its queue again (`sns:Subscribe`, which SNS
    /// answers with the standing subscription): a topic deleted and made again
    /// is subscribed anew, and a topic that is gone shows in
    /// [`Live::last_error`](crate::Live::last_error) until it is back.
    ///
    /// Until the queue is set up (retried with backoff) the failure shows in
    /// [`Live::last_error`](crate::Live::last_error) and the interval
    /// refreshes. `awsconf-cli iam-policy --events-topic TOPIC_ARN` prints the
    /// grants: `sqs:CreateQueue`, `sqs:TagQueue`, `sqs:SetQueueAttributes`,
    /// `sqs:GetQueueUrl`, `sqs:GetQueueAttributes`, `sqs:ListQueueTags`,
    /// `sqs:ReceiveMessage`, `sqs:DeleteMessage` and `sqs:DeleteQueue` on
    /// `arn:aws:sqs:REGION:ACCOUNT:awsconf__<app>__<env>__*`, `sqs:ListQueues`
    /// (which has no resource), `sns:Unsubscribe` and
    /// `sns:ListSubscriptionsByTopic` on the topic, and `sns:Subscribe` on it
    /// only for SQS endpoints of that name pattern.
    #[cfg(feature = "events")]
    pub fn change_topic(mut self, topic_arn: impl Into<String>) -> Self {
        let events = self.events.get_or_insert_with(Default::default);
        events.queue_url = String::new();
        events.topic = Some(topic_arn.into());
        self
    }

    /// The least time between two refreshes that change events ask for
    /// (default 2 s, at most 5 minutes). The first event after a quiet window
    /// is refreshed at once; events that follow within the window are
    /// gathered, and refreshed once at its end (re-reading only what holds the
    /// names they name). So a steady stream of relevant events (a
    /// `push --apply` of 300 parameters, a tenant map being edited) costs each
    /// instance at most one refresh per window, and a changed value is served
    /// at most a window (plus one receive) after its event. A fleet of `N`
    /// instances under such a stream makes at most `N / window` refreshes a
    /// second: raise the window for a large fleet (`awsconf-cli cost
    /// --instances N` shows the quota shares).
    #[cfg(feature = "events")]
    pub fn change_events_window(mut self, window: Duration) -> Self {
        self.events.get_or_insert_with(Default::default).window =
            window.min(crate::events::MAX_WINDOW);
        self
    }

    /// How long a [`change_topic`](Self::change_topic) queue may go without a
    /// heartbeat before the next instance of the same app and env deletes it
    /// (and its subscription) as the queue of a process that died without
    /// deleting it (OOM, `SIGKILL`): default 15 minutes, clamped to
    /// 2 s..=7 days. Each `Live` tags its queue (`awsconf-heartbeat`, unix
    /// seconds) at creation and every quarter of this period (`sqs:TagQueue`),
    /// and sweeps its app and env's queues at setup and once per period
    /// (`sqs:ListQueues`, `sqs:ListQueueTags`, and for a stale one
    /// `sns:ListSubscriptionsByTopic`, `sns:Unsubscribe`, `sqs:DeleteQueue`),
    /// and confirms its own subscription once per period (`sns:Subscribe`).
    /// Each queue is also tagged with its owner's period (`awsconf-staleness`)
    /// and topic (`awsconf-topic`): a sweep waits for the longer of its own
    /// period and the owner's, so an instance with a shorter one never takes a
    /// living instance's queue, and unsubscribes a stale queue on its own
    /// topic. A heartbeat more than a period in the future (a clock running
    /// ahead) is not trusted: the queue's creation time counts instead. A
    /// period shorter than an instance's pauses (a stopped container) deletes
    /// that living instance's queue; it then sets up a new one.
    #[cfg(feature = "events")]
    pub fn change_topic_staleness(mut self, staleness: Duration) -> Self {
        self.events.get_or_insert_with(Default::default).staleness = staleness;
        self
    }

    /// How long each `ReceiveMessage` of [`change_events`](Self::change_events)
    /// waits for a message (default and most: 20 s; an empty long poll is one
    /// SQS request, so 180 an hour). Shorter waits cost more requests and only
    /// make a dropped `Live` stop polling sooner; receives that find nothing
    /// are at least 0.5 s apart whatever the wait. A longer wait is clamped to
    /// 20 s; `Duration::ZERO` polls without waiting (0.5 s apart). On its own
    /// (no [`change_events`](Self::change_events) or
    /// [`change_topic`](Self::change_topic)) it turns nothing on.
    #[cfg(feature = "events")]
    pub fn change_events_wait(mut self, wait: Duration) -> Self {
        self.events.get_or_insert_with(Default::default).wait = wait.min(crate::events::MAX_WAIT);
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
        let problems = crate::limits::check_targets(&targets);
        if !problems.is_empty() {
            return Err(Error::new(schema.type_name, Some(env), problems));
        }
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
        let timeout = self.timeout;
        let type_name = T::schema().type_name;
        let env = self.env.clone();
        need_runtime(type_name, &env)?;
        self.wait_start_jitter().await;
        let load = async {
            let session = self.session().await?;
            session.run_bounded(None, None).await
        };
        match tokio::time::timeout(timeout, load).await {
            Ok(Ok(loaded)) => Ok((loaded.config, loaded.origins)),
            Ok(Err(err)) => Err(err),
            Err(_) => Err(timeout_error(type_name, env, timeout)),
        }
    }

    /// Loads once, then keeps the config current: see [`Live`](crate::Live). The
    /// first load has the same guarantees as [`load`](Self::load).
    ///
    /// `every` is clamped, never a panic: below 10 ms (`Duration::ZERO`) it is
    /// 10 ms; a huge one (`Duration::MAX`) means no refresh on the interval
    /// (change events, scheduled rotations and `refresh_now` still refresh).
    pub async fn watch(self, every: Duration) -> Result<crate::Live<T>, Error>
    where
        T: Send + Sync + 'static,
    {
        let timeout = self.timeout;
        let type_name = T::schema().type_name;
        let env = self.env.clone();
        need_runtime(type_name, &env)?;
        self.wait_start_jitter().await;
        let session = match tokio::time::timeout(timeout, self.session()).await {
            Ok(session) => session?,
            Err(_) => return Err(timeout_error(type_name, env, timeout)),
        };
        crate::Live::start(session, every.max(Duration::from_millis(10))).await
    }

    /// The [`start_jitter`](Self::start_jitter) wait, unless offline.
    async fn wait_start_jitter(&self) {
        if !self.start_jitter.is_zero() && !self.offline && !env_flag(OFFLINE_VAR) {
            let wait = self.start_jitter.mul_f64(crate::fetch::pace::unit());
            tracing::debug!(?wait, "awsconf: start jitter");
            tokio::time::sleep(wait).await;
        }
    }

    /// Resolves the env and, unless offline, builds the AWS clients: once per
    /// load, or once for all refreshes of a `Live`.
    pub(crate) async fn session(self) -> Result<Session<T>, Error> {
        let schema = T::schema();
        let env = self.resolve_env()?;
        let scope = Scope::root(&env, schema.app.unwrap_or_default());
        // Names and ids AWS would refuse (a long env): reported before any call.
        let problems = crate::limits::check_schema(schema, &scope);
        if !problems.is_empty() {
            return Err(Error::new(schema.type_name, Some(env), problems));
        }
        let fetcher: Option<Fetcher> = if self.offline || env_flag(OFFLINE_VAR) {
            tracing::debug!(env = %env, "awsconf: offline, no AWS call");
            None
        } else {
            match self.fetcher().await {
                Ok(f) => Some(f),
                Err(problems) => return Err(Error::new(schema.type_name, Some(env), problems)),
            }
        };
        #[cfg(feature = "events")]
        let queue = match (&self.events, &fetcher) {
            (Some(options), Some(fetcher))
                if !options.queue_url.is_empty() || options.topic.is_some() =>
            {
                Some(options.queue(&fetcher.sdk_config, &fetcher.region))
            }
            _ => None,
        };
        Ok(Session {
            #[cfg(feature = "events")]
            queue,
            layers: self.layers,
            timeout: self.timeout,
            env,
            scope,
            fetcher,
            _config: PhantomData,
        })
    }

    /// The clients and settings every fetch of this load (or `Live`) shares.
    async fn fetcher(&self) -> Result<Fetcher, Vec<Problem>> {
        let sdk_config = match &self.sdk_config {
            Some(c) => c.clone(),
            None => aws_config::load_defaults(BehaviorVersion::latest()).await,
        };
        let Some(region) = sdk_config.region() else {
            let message = match &self.sdk_config {
                Some(_) => "no AWS region: set AWS_REGION (or a profile's region), or pass .sdk_config(..) with one",
                None => crate::identity::NO_REGION,
            };
            return Err(vec![Problem::new(ProblemKind::NoRegion, message)]);
        };
        let Some(credentials) = sdk_config.credentials_provider() else {
            return Err(vec![Problem::new(
                ProblemKind::NoCredentials,
                "no AWS credentials provider is configured: pass .sdk_config(..) with credentials, or use .offline() for local development",
            )]);
        };
        // Resolve credentials once up front: a missing identity is one clear problem,
        // not one per call (and with AWS_EC2_METADATA_DISABLED=true, no IMDS wait).
        {
            use aws_credential_types::provider::ProvideCredentials;
            if let Err(err) = credentials.provide_credentials().await {
                let why = crate::identity::why_no_credentials(&err);
                return Err(vec![Problem::new(
                    ProblemKind::NoCredentials,
                    format!("{why}. To fix: {}", crate::identity::REMEDY),
                )
                .source(err)]);
            }
        }
        Ok(Fetcher {
            #[cfg(feature = "ssm")]
            ssm: crate::timeouts::ssm_client(&sdk_config, self.timeout),
            #[cfg(feature = "secretsmanager")]
            secrets: crate::timeouts::secrets_client(&sdk_config, self.timeout),
            region: region.to_string(),
            #[cfg(feature = "ssm")]
            ssm_permits: Arc::new(Semaphore::new(self.concurrency)),
            #[cfg(feature = "secretsmanager")]
            secrets_permits: Arc::new(Semaphore::new(self.concurrency)),
            #[cfg(feature = "ssm")]
            ssm_pacer: Arc::new(Pacer::new(
                self.pacing,
                self.concurrency,
                crate::quota::PARAMETER_STORE_GET_TPS,
            )),
            #[cfg(feature = "secretsmanager")]
            secrets_pacer: Arc::new(Pacer::new(
                self.pacing,
                self.concurrency,
                crate::quota::GET_SECRET_VALUE_TPS,
            )),
            #[cfg(feature = "secretsmanager")]
            batch_pacer: Arc::new(Pacer::new(
                self.pacing,
                self.concurrency,
                crate::quota::BATCH_GET_SECRET_VALUE_TPS,
            )),
            secret_reads: self.secret_reads,
            batch_throttled: Arc::default(),
            max_pages: self.max_pages,
            timeout: self.timeout,
            retry_until: None,
            #[cfg(feature = "events")]
            sdk_config: sdk_config.clone(),
        })
    }
}

fn env_flag(name: &str) -> bool {
    matches!(
        std::env::var(name).ok().as_deref().map(str::trim),
        Some("1" | "true" | "TRUE" | "yes")
    )
}

/// SSM's rules for one name segment (the env, at run time): `awsconf-names`.
pub(crate) use crate::limits::ssm_segment as check_segment;

/// A load run outside a Tokio runtime (`futures::executor::block_on`, another
/// executor) as one clear problem, where the SDK and `tokio::time` would panic.
fn need_runtime(type_name: &'static str, env: &Option<String>) -> Result<(), Error> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Ok(());
    }
    Err(Error::new(
        type_name,
        env.clone(),
        vec![Problem::new(
            ProblemKind::NoRuntime,
            "no Tokio runtime: the AWS SDK's HTTP client and awsconf's timers run on Tokio; load from #[tokio::main] (or a runtime built with enable_all())",
        )],
    ))
}
