//! A fault-and-latency injecting HTTP/1.1 proxy between the AWS SDK and moto.
//!
//! Point the SDK's endpoint URL at [`Proxy::endpoint`]. Every request is
//! forwarded unchanged (method, path, query, body and all headers, including
//! `Host`, which SigV4 signs) to the upstream, and the upstream's response is
//! returned. Client connections are kept alive whether or not the upstream
//! keeps its own (moto's own server closes every connection;
//! `scripts/moto_server.py` serves moto under waitress, which keeps them):
//! upstream connections are pooled and opened as needed.
//!
//! Each request is attributed to an *operation*: the part of its
//! `X-Amz-Target` header after the last `.` (`AmazonSSM.GetParameters` ->
//! `GetParameters`), or its path (e.g. `/moto-api/`) when there is no such
//! header. Requests are counted and recorded on arrival, so faulted requests
//! and requests whose client gave up are included.
//!
//! For each request, the rules added with [`Proxy::add_rule`] are tried in
//! order; the first one that applies decides the [`Fault`] and the request is
//! not forwarded (except by [`Fault::HoldAnswer`] and [`Fault::RewriteAnswer`],
//! which forward it and then hold or rewrite the answer). The delay set with [`Proxy::set_delay`] is waited before
//! forwarding or faulting each request (concurrently for concurrent requests).
//!
//! After the rules, the [`Quota`]s added with [`Proxy::add_quota`] are
//! checked: token buckets per quota group, as AWS meters each account and
//! region. A request whose group has no token left is answered with AWS's
//! throttling error ([`Fault::Throttle`]) and not forwarded;
//! [`Proxy::throttled`] counts every throttling answer, from a rule or a quota.
//!
//! It also measures concurrency and the upstream's own time: the most requests
//! it held at once ([`Proxy::max_in_flight`], per service with
//! [`Proxy::max_in_flight_of`]), and the time the upstream spent answering
//! ([`Proxy::upstream_busy`]), counted once when requests overlap.
//!
//! The proxy runs on its own thread with its own tokio runtime, so it works
//! from synchronous tests and from any async runtime alike.

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use hyper::http::request::Parts;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri, Version};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};

/// Content type of the AWS JSON protocol used by SSM and Secrets Manager.
const AWS_JSON: &str = "application/x-amz-json-1.1";

/// The body moto (werkzeug) sends when it crashes, e.g. on a bad `NextToken`.
const HTML_500: &str = "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.</p>\n";

/// Response headers that describe the upstream connection, not the message.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
];

/// A fault the proxy injects instead of forwarding a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 400, `application/x-amz-json-1.1`,
    /// `{"__type":"ThrottlingException","message":"Rate exceeded"}`.
    Throttle,
    /// The given HTTP status with a JSON error body:
    /// `{"__type":"ServiceUnavailable","message":"injected"}` for 503,
    /// `{"__type":"InternalServerError","message":"injected"}` otherwise.
    /// An invalid status code is answered with 500.
    Status(u16),
    /// The given status and body, with content type
    /// `application/x-amz-json-1.1` (for arbitrary AWS JSON errors such as
    /// `AccessDeniedException`). An invalid status code is answered with 500.
    Respond {
        /// HTTP status code.
        status: u16,
        /// Response body, sent verbatim.
        body: String,
    },
    /// HTTP 500 with the `text/html` page moto sends when it crashes (e.g. on
    /// a bad `NextToken`).
    Html500,
    /// Read the request, then reset the TCP connection (RST) without
    /// answering.
    Reset,
    /// Read the request and never answer; the connection is held until the
    /// client gives up or the proxy is dropped.
    Stall,
    /// Forward the request and read the upstream's answer, then hold that
    /// answer until [`Proxy::release_held`]: the client gets a reply made
    /// *before* whatever the test does meanwhile (a rotation, say).
    /// [`Proxy::held`] counts the answers held now.
    HoldAnswer,
    /// Forward the request, then set the top-level member `field` of the
    /// upstream's JSON answer to `json` (JSON text, e.g. `"1767225600"` for a
    /// timestamp in epoch seconds, or `"null"`), for what moto cannot be made
    /// to answer: a `DescribeSecret` whose `NextRotationDate` is seconds away,
    /// say. Only a successful (2xx) answer that is a JSON object is rewritten;
    /// any other answer, or a `json` that is not valid JSON, is passed through
    /// unchanged.
    RewriteAnswer {
        /// The top-level member to set (added when absent).
        field: String,
        /// Its new value, as JSON text.
        json: String,
    },
}

/// When to inject a [`Fault`].
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// Operation the rule applies to (e.g. `"GetParameters"`); `None` applies
    /// to every operation.
    pub op: Option<String>,
    /// What to inject.
    pub fault: Fault,
    /// Chance (0..=1) that a matching request is faulted; `>= 1` always,
    /// `<= 0` never.
    pub probability: f64,
    /// `None`: unlimited; `Some(n)`: the rule injects its fault at most `n`
    /// times (with probability 1: exactly the first `n` matching requests),
    /// after which it no longer applies.
    pub times: Option<u64>,
}

impl Rule {
    /// A rule that faults every request of `op` (`None`: every request),
    /// without limit.
    pub fn always(op: Option<&str>, fault: Fault) -> Rule {
        Rule {
            op: op.map(str::to_string),
            fault,
            probability: 1.0,
            times: None,
        }
    }

    /// Limit the rule to `n` injected faults.
    pub fn times(self, n: u64) -> Rule {
        Rule {
            times: Some(n),
            ..self
        }
    }

    /// Fault each matching request with probability `p` (0..=1).
    pub fn probability(self, p: f64) -> Rule {
        Rule {
            probability: p,
            ..self
        }
    }
}

/// One account-level rate limit: a token bucket shared by a group of operations.
///
/// A bucket holds at most `burst` tokens (one second of `per_second` unless set
/// otherwise, as AWS's buckets do), starts full, refills continuously at
/// `per_second`, and each request of one of its operations takes one token on
/// arrival; a request that finds the bucket empty is throttled. The presets
/// carry AWS's documented default quotas per account and region.
#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// Operations sharing the bucket (e.g. `"GetParameters"`).
    pub ops: Vec<String>,
    /// Tokens added per second.
    pub per_second: f64,
    /// Most tokens the bucket holds (and holds at the start).
    pub burst: f64,
}

impl Quota {
    /// A bucket of `per_second` tokens per second shared by `ops`, with one
    /// second of burst.
    pub fn new(ops: &[&str], per_second: f64) -> Quota {
        Quota {
            ops: ops.iter().map(|s| s.to_string()).collect(),
            per_second,
            burst: per_second,
        }
    }

    /// The same bucket with another burst size.
    pub fn burst(self, burst: f64) -> Quota {
        Quota { burst, ..self }
    }

    /// Parameter Store: `GetParameter`, `GetParameters` and
    /// `GetParametersByPath` share 40 transactions per second per account and
    /// region by default ("standard throughput"; higher throughput raises it, at
    /// a cost). Source: "AWS Systems Manager endpoints and quotas",
    /// <https://docs.aws.amazon.com/general/latest/gr/ssm.html>, and "Increasing
    /// or resetting Parameter Store throughput",
    /// <https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html>.
    pub fn ssm_get() -> Quota {
        Quota::new(
            &["GetParameter", "GetParameters", "GetParametersByPath"],
            SSM_GET_TPS,
        )
    }

    /// Secrets Manager `GetSecretValue`: 10,000 requests per second per account
    /// and region. Source: "AWS Secrets Manager quotas",
    /// <https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html>.
    pub fn get_secret_value() -> Quota {
        Quota::new(&["GetSecretValue"], GET_SECRET_VALUE_TPS)
    }

    /// Secrets Manager `DescribeSecret`: 40,000 requests per second per account
    /// and region. Source: "AWS Secrets Manager quotas",
    /// <https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html>.
    pub fn describe_secret() -> Quota {
        Quota::new(&["DescribeSecret"], DESCRIBE_SECRET_TPS)
    }

    /// Secrets Manager `BatchGetSecretValue`: 100 requests per second per
    /// account and region, not adjustable. Source: "AWS Secrets Manager quotas",
    /// <https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html>.
    pub fn batch_get_secret_value() -> Quota {
        Quota::new(&["BatchGetSecretValue"], BATCH_GET_SECRET_VALUE_TPS)
    }

    /// Every preset above: AWS's default read quotas for Parameter Store and
    /// Secrets Manager in one account and region.
    pub fn aws_defaults() -> Vec<Quota> {
        vec![
            Quota::ssm_get(),
            Quota::get_secret_value(),
            Quota::describe_secret(),
            Quota::batch_get_secret_value(),
        ]
    }
}

/// Parameter Store's default shared quota for `GetParameter`, `GetParameters`
/// and `GetParametersByPath`, per second (see [`Quota::ssm_get`]).
pub const SSM_GET_TPS: f64 = 40.0;
/// Secrets Manager's `GetSecretValue` quota per second (see [`Quota::get_secret_value`]).
pub const GET_SECRET_VALUE_TPS: f64 = 10_000.0;
/// Secrets Manager's `DescribeSecret` quota per second (see [`Quota::describe_secret`]).
pub const DESCRIBE_SECRET_TPS: f64 = 40_000.0;
/// Secrets Manager's `BatchGetSecretValue` quota per second (see
/// [`Quota::batch_get_secret_value`]).
pub const BATCH_GET_SECRET_VALUE_TPS: f64 = 100.0;

/// A request seen by the proxy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Recorded {
    /// Operation name (see the module docs).
    pub op: String,
    /// Request body (the raw JSON for AWS JSON protocol requests), decoded
    /// lossily as UTF-8.
    pub body: String,
}

/// The fault-and-latency proxy. Dropping it stops the listener, closes all
/// client connections and shuts its runtime down.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Proxy")
            .field("endpoint", &self.endpoint())
            .field("upstream", &self.shared.upstream)
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// Start a proxy on a free `127.0.0.1` port forwarding to `upstream`
    /// (e.g. `"http://127.0.0.1:5000"`; only `http` is supported).
    pub fn start(upstream: &str) -> io::Result<Proxy> {
        let upstream = parse_upstream(upstream)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let std_listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        std_listener.set_nonblocking(true)?;
        let addr = std_listener.local_addr()?;
        let listener = {
            let _guard = runtime.enter();
            TcpListener::from_std(std_listener)?
        };
        let shared = Arc::new(Shared {
            upstream,
            delay_nanos: AtomicU64::new(0),
            json_errors: AtomicBool::new(false),
            state: Mutex::new(State::new()),
            release: tokio::sync::watch::Sender::new(0),
        });
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let task_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("awsconf-proxy-{}", addr.port()))
            .spawn(move || {
                runtime.block_on(serve(listener, task_shared, shutdown_rx));
                // Dropping the runtime here cancels every connection task.
                drop(runtime);
            })?;
        Ok(Proxy {
            addr,
            shared,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        })
    }

    /// The proxy's endpoint URL, `http://127.0.0.1:PORT`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the proxy listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Wait `d` before forwarding (or faulting) each request; concurrent
    /// requests wait concurrently. `Duration::ZERO` disables the delay.
    pub fn set_delay(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.shared.delay_nanos.store(nanos, Ordering::SeqCst);
    }

    /// Rewrite error responses that moto sends as XML to JSON-protocol requests
    /// (those with `X-Amz-Target`, as SSM and Secrets Manager use) into the JSON
    /// AWS sends, `{"__type": CODE, "message": MESSAGE}`, keeping the status.
    ///
    /// moto 5.2.1 answers its IAM checks (`AccessDenied`,
    /// `InvalidClientTokenId`, `SignatureDoesNotMatch`) with an XML body even on
    /// JSON services; the SDK cannot parse that, and would report an unparseable
    /// response instead of the error AWS gives. Off by default.
    pub fn set_json_errors(&self, on: bool) {
        self.shared.json_errors.store(on, Ordering::SeqCst);
    }

    /// Append a fault rule (rules are tried in the order they were added).
    pub fn add_rule(&self, rule: Rule) {
        self.shared.lock().rules.push(ActiveRule { rule, fired: 0 });
    }

    /// How many answers [`Fault::HoldAnswer`] holds now (read from the
    /// upstream, not yet sent to the client).
    pub fn held(&self) -> usize {
        self.shared.lock().held
    }

    /// Sends every answer [`Fault::HoldAnswer`] holds now.
    pub fn release_held(&self) {
        self.shared
            .release
            .send_modify(|generation| *generation += 1);
    }

    /// Remove all fault rules.
    pub fn clear_rules(&self) {
        self.shared.lock().rules.clear();
    }

    /// Meter requests with a token bucket (see [`Quota`]); the bucket starts
    /// full. Requests a rule faults take no token.
    pub fn add_quota(&self, quota: Quota) {
        let tokens = quota.burst;
        self.shared.lock().quotas.push(Bucket {
            quota,
            tokens,
            at: Instant::now(),
        });
    }

    /// Meter requests with each of `quotas` (e.g. [`Quota::aws_defaults`]).
    pub fn add_quotas(&self, quotas: impl IntoIterator<Item = Quota>) {
        for q in quotas {
            self.add_quota(q);
        }
    }

    /// Remove all quotas.
    pub fn clear_quotas(&self) {
        self.shared.lock().quotas.clear();
    }

    /// Requests answered with AWS's throttling error, by a quota or a
    /// [`Fault::Throttle`] rule.
    pub fn throttled(&self) -> u64 {
        self.shared.lock().throttled.values().sum()
    }

    /// [`throttled`](Self::throttled) for one operation.
    pub fn throttled_of(&self, op: &str) -> u64 {
        self.shared.lock().throttled.get(op).copied().unwrap_or(0)
    }

    /// Number of requests seen per operation, faulted ones included.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.shared.lock().counts.clone()
    }

    /// Number of requests seen for `op`.
    pub fn count(&self, op: &str) -> u64 {
        self.shared.lock().counts.get(op).copied().unwrap_or(0)
    }

    /// Total number of requests seen.
    pub fn total(&self) -> u64 {
        self.shared.lock().total
    }

    /// Largest batch seen for `op`: the length of `Names` for
    /// `GetParameters`, of `SecretIdList` for `BatchGetSecretValue`, the
    /// value of `MaxResults` for `GetParametersByPath`; 0 if never seen.
    pub fn max_batch(&self, op: &str) -> usize {
        self.shared.lock().max_batch.get(op).copied().unwrap_or(0)
    }

    /// Every request seen, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared.lock().requests.clone()
    }

    /// When each request seen arrived, with its operation name, in arrival
    /// order (the same requests as [`requests`](Self::requests)): for
    /// benchmarks that break a fleet's time down by what it was doing.
    pub fn arrivals(&self) -> Vec<(String, std::time::Instant)> {
        let s = self.shared.lock();
        s.requests
            .iter()
            .zip(&s.arrived)
            .map(|(r, at)| (r.op.clone(), *at))
            .collect()
    }

    /// The most requests the proxy held at once: arrived and not yet answered
    /// (waiting out the delay, at the upstream, or stalled). A client that sends
    /// all of its calls together shows all of them here; one that sends them one
    /// after another shows 1.
    pub fn max_in_flight(&self) -> usize {
        self.shared.lock().in_flight.peak
    }

    /// [`max_in_flight`](Self::max_in_flight) counting only the requests of one
    /// service: the part of `X-Amz-Target` before the last `.` (`AmazonSSM` for
    /// Parameter Store, `secretsmanager` for Secrets Manager); 0 if none seen.
    pub fn max_in_flight_of(&self, service: &str) -> usize {
        self.shared
            .lock()
            .in_flight_by_service
            .get(service)
            .map_or(0, |g| g.peak)
    }

    /// How long at least one forwarded request was waiting for the upstream
    /// (from forwarding it to reading the whole response): the emulator's own
    /// time as this proxy sees it, counted once while requests overlap, and
    /// without the added delay. Faulted requests are not forwarded and add
    /// nothing.
    pub fn upstream_busy(&self) -> Duration {
        let s = self.shared.lock();
        // `since` is set exactly while a request is at the upstream.
        s.upstream.busy + s.upstream.since.map_or(Duration::ZERO, |t| t.elapsed())
    }

    /// Forget counts, throttled counts, batch sizes, recorded requests, in-flight peaks and the
    /// upstream's busy time (rules and delay are kept; requests in flight now
    /// count from now).
    pub fn reset_stats(&self) {
        let mut s = self.shared.lock();
        s.counts.clear();
        s.throttled.clear();
        s.max_batch.clear();
        s.requests.clear();
        s.arrived.clear();
        s.total = 0;
        s.in_flight.peak = s.in_flight.now;
        s.in_flight_by_service.retain(|_, g| g.now > 0);
        for g in s.in_flight_by_service.values_mut() {
            g.peak = g.now;
        }
        s.upstream.busy = Duration::ZERO;
        if s.upstream.now > 0 {
            s.upstream.since = Some(Instant::now());
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---------------------------------------------------------------------------
// internals

struct Shared {
    /// `scheme://authority` of the upstream, without trailing slash.
    upstream: String,
    delay_nanos: AtomicU64,
    /// Rewrite XML error bodies of JSON-protocol requests (see
    /// [`Proxy::set_json_errors`]).
    json_errors: AtomicBool,
    state: Mutex<State>,
    /// Bumped by [`Proxy::release_held`]; held answers wait for a change.
    release: tokio::sync::watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::SeqCst))
    }
}

struct ActiveRule {
    rule: Rule,
    fired: u64,
}

struct State {
    rules: Vec<ActiveRule>,
    quotas: Vec<Bucket>,
    counts: BTreeMap<String, u64>,
    throttled: BTreeMap<String, u64>,
    max_batch: BTreeMap<String, usize>,
    requests: Vec<Recorded>,
    /// When each of `requests` arrived.
    arrived: Vec<std::time::Instant>,
    total: u64,
    rng: XorShift,
    in_flight: Gauge,
    in_flight_by_service: BTreeMap<String, Gauge>,
    upstream: Busy,
    /// Answers [`Fault::HoldAnswer`] holds now.
    held: usize,
}

/// A count of requests in progress and its peak.
#[derive(Default)]
struct Gauge {
    now: usize,
    peak: usize,
}

impl Gauge {
    fn enter(&mut self) {
        self.now += 1;
        self.peak = self.peak.max(self.now);
    }

    fn leave(&mut self) {
        self.now = self.now.saturating_sub(1);
    }
}

/// Requests at the upstream now, and the time it has had at least one.
#[derive(Default)]
struct Busy {
    now: usize,
    since: Option<Instant>,
    busy: Duration,
}

/// Holds one request in the in-flight gauges until it is answered or dropped
/// (a cancelled or reset request leaves too).
struct InFlight {
    shared: Arc<Shared>,
    service: String,
}

impl InFlight {
    fn enter(shared: &Arc<Shared>, service: String) -> InFlight {
        let mut s = shared.lock();
        s.in_flight.enter();
        s.in_flight_by_service
            .entry(service.clone())
            .or_default()
            .enter();
        drop(s);
        InFlight {
            shared: Arc::clone(shared),
            service,
        }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut s = self.shared.lock();
        s.in_flight.leave();
        if let Some(g) = s.in_flight_by_service.get_mut(&self.service) {
            g.leave();
        }
    }
}

/// Holds one forwarded request in the upstream's busy time until its response
/// is read (or the request is dropped).
struct AtUpstream<'a> {
    shared: &'a Shared,
}

impl<'a> AtUpstream<'a> {
    fn enter(shared: &'a Shared) -> AtUpstream<'a> {
        let mut s = shared.lock();
        if s.upstream.now == 0 {
            s.upstream.since = Some(Instant::now());
        }
        s.upstream.now += 1;
        AtUpstream { shared }
    }
}

impl Drop for AtUpstream<'_> {
    fn drop(&mut self) {
        let mut s = self.shared.lock();
        s.upstream.now = s.upstream.now.saturating_sub(1);
        if s.upstream.now == 0 {
            if let Some(since) = s.upstream.since.take() {
                s.upstream.busy += since.elapsed();
            }
        }
    }
}

impl State {
    fn new() -> State {
        State {
            rules: Vec::new(),
            quotas: Vec::new(),
            counts: BTreeMap::new(),
            throttled: BTreeMap::new(),
            max_batch: BTreeMap::new(),
            requests: Vec::new(),
            arrived: Vec::new(),
            total: 0,
            rng: XorShift::from_time(),
            in_flight: Gauge::default(),
            in_flight_by_service: BTreeMap::new(),
            upstream: Busy::default(),
            held: 0,
        }
    }

    /// Record a request and decide its fault, atomically.
    fn admit(&mut self, op: &str, body: &[u8]) -> Option<Fault> {
        self.total += 1;
        *self.counts.entry(op.to_string()).or_insert(0) += 1;
        if let Some(n) = batch_size(op, body) {
            let max = self.max_batch.entry(op.to_string()).or_insert(0);
            *max = (*max).max(n);
        }
        self.requests.push(Recorded {
            op: op.to_string(),
            body: String::from_utf8_lossy(body).into_owned(),
        });
        self.arrived.push(std::time::Instant::now());
        let rng = &mut self.rng;
        for r in &mut self.rules {
            if r.rule.op.as_deref().is_some_and(|o| o != op) {
                continue;
            }
            if r.rule.times.is_some_and(|n| r.fired >= n) {
                continue;
            }
            let p = r.rule.probability;
            let hit = if p >= 1.0 {
                true
            } else {
                p > 0.0 && rng.next_f64() < p
            };
            if hit {
                r.fired += 1;
                if r.rule.fault == Fault::Throttle {
                    *self.throttled.entry(op.to_string()).or_insert(0) += 1;
                }
                return Some(r.rule.fault.clone());
            }
        }
        let now = Instant::now();
        let mut buckets: Vec<&mut Bucket> = self
            .quotas
            .iter_mut()
            .filter(|b| b.quota.ops.iter().any(|o| o == op))
            .collect();
        for b in &mut buckets {
            b.refill(now);
        }
        // A request takes a token from every bucket it is metered by, or none.
        if buckets.iter().all(|b| b.tokens >= 1.0) {
            for b in &mut buckets {
                b.tokens -= 1.0;
            }
            None
        } else {
            *self.throttled.entry(op.to_string()).or_insert(0) += 1;
            Some(Fault::Throttle)
        }
    }
}

/// A [`Quota`]'s bucket: its tokens as of `at`.
struct Bucket {
    quota: Quota,
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.quota.per_second).min(self.quota.burst);
        self.at = now;
    }
}

/// xorshift64* seeded from the clock; good enough for fault probabilities.
struct XorShift(u64);

impl XorShift {
    fn from_time() -> XorShift {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        // splitmix64 finalizer to spread the seed; never zero.
        let mut z = nanos.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        XorShift(z | 1)
    }

    fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn batch_size(op: &str, body: &[u8]) -> Option<usize> {
    let key = match op {
        "GetParameters" => "Names",
        "BatchGetSecretValue" => "SecretIdList",
        "GetParametersByPath" => "MaxResults",
        _ => return None,
    };
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    match v.get(key)? {
        serde_json::Value::Array(a) => Some(a.len()),
        serde_json::Value::Number(n) => n.as_u64().and_then(|n| usize::try_from(n).ok()),
        _ => None,
    }
}

fn parse_upstream(upstream: &str) -> io::Result<String> {
    let invalid = |why: &str| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("invalid upstream {upstream:?}: {why}"),
        )
    };
    let uri: Uri = upstream.trim().parse().map_err(|_| invalid("not a URI"))?;
    match uri.scheme_str() {
        Some("http") => {}
        _ => return Err(invalid("expected http://host:port")),
    }
    let authority = uri.authority().ok_or_else(|| invalid("missing host"))?;
    Ok(format!("http://{authority}"))
}

/// The service of a request: `X-Amz-Target` before its last `.`, or `-`.
fn service(parts: &Parts) -> String {
    parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .and_then(|target| target.rsplit_once('.'))
        .map_or_else(|| "-".to_string(), |(service, _)| service.to_string())
}

fn operation(parts: &Parts) -> String {
    match parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        Some(target) => target.rsplit('.').next().unwrap_or(target).to_string(),
        None => parts.uri.path().to_string(),
    }
}

type Upstream = Client<HttpConnector, Full<Bytes>>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: oneshot::Receiver<()>) {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client: Upstream = Client::builder(TokioExecutor::new()).build(connector);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    tokio::spawn(serve_connection(stream, Arc::clone(&shared), client.clone()));
                }
                // e.g. EMFILE: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

/// Per-connection control: lets a request handler kill its connection.
#[derive(Default)]
struct ConnCtl {
    reset: AtomicBool,
    kill: Notify,
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>, client: Upstream) {
    let ctl = Arc::new(ConnCtl::default());
    let io = TokioIo::new(ResettableStream {
        inner: stream,
        ctl: Arc::clone(&ctl),
    });
    let svc_ctl = Arc::clone(&ctl);
    let service = service_fn(move |req| {
        handle(
            Arc::clone(&shared),
            client.clone(),
            Arc::clone(&svc_ctl),
            req,
        )
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::select! {
        _ = conn => {}
        // Dropping `conn` drops the stream, which resets it (see ResettableStream).
        _ = ctl.kill.notified() => {}
    }
}

async fn handle(
    shared: Arc<Shared>,
    client: Upstream,
    ctl: Arc<ConnCtl>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, BoxError> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await?.to_bytes();
    let op = operation(&parts);
    let fault = shared.lock().admit(&op, &body);
    let _in_flight = InFlight::enter(&shared, service(&parts));
    let delay = shared.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    match fault {
        None if shared.json_errors.load(Ordering::SeqCst)
            && parts.headers.contains_key("x-amz-target") =>
        {
            Ok(json_error(forward(&shared, &client, parts, body).await).await)
        }
        None => Ok(forward(&shared, &client, parts, body).await),
        Some(Fault::Reset) => {
            ctl.reset.store(true, Ordering::SeqCst);
            ctl.kill.notify_one();
            std::future::pending().await
        }
        Some(Fault::Stall) => std::future::pending().await,
        Some(Fault::HoldAnswer) => {
            // Subscribed before the answer is read: a release from then on counts.
            let mut release = shared.release.subscribe();
            let answer = forward(&shared, &client, parts, body).await;
            shared.lock().held += 1;
            let _ = release.changed().await;
            shared.lock().held -= 1;
            Ok(answer)
        }
        Some(Fault::RewriteAnswer { field, json }) => {
            let answer = forward(&shared, &client, parts, body).await;
            Ok(rewrite(answer, &field, &json).await)
        }
        Some(Fault::Throttle) => Ok(aws_json(
            StatusCode::BAD_REQUEST,
            r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string(),
        )),
        Some(Fault::Status(code)) => {
            let status = status_or_500(code);
            let kind = if status == StatusCode::SERVICE_UNAVAILABLE {
                "ServiceUnavailable"
            } else {
                "InternalServerError"
            };
            Ok(aws_json(
                status,
                format!(r#"{{"__type":"{kind}","message":"injected"}}"#),
            ))
        }
        Some(Fault::Respond { status, body }) => Ok(aws_json(status_or_500(status), body)),
        Some(Fault::Html500) => Ok(response(
            StatusCode::INTERNAL_SERVER_ERROR,
            "text/html; charset=utf-8",
            Bytes::from_static(HTML_500.as_bytes()),
        )),
    }
}

fn status_or_500(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// An XML error response (`<Code>`, `<Message>`) as the AWS JSON protocol's
/// error. moto labels that XML `text/html`, so the body decides.
async fn json_error(resp: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    if resp.status().as_u16() < 400 {
        return resp;
    }
    let status = resp.status();
    let (parts, body) = resp.into_parts();
    let Ok(collected) = body.collect().await;
    let bytes = collected.to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&close)? + start;
        Some(text[start..end].to_string())
    };
    let Some(code) = tag("Code").filter(|_| text.trim_start().starts_with('<')) else {
        return Response::from_parts(parts, Full::new(bytes));
    };
    let message = tag("Message").unwrap_or_default();
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    aws_json(status, body)
}

/// A successful JSON object answer with `field` set to `json` (see
/// [`Fault::RewriteAnswer`]); anything else unchanged.
async fn rewrite(resp: Response<Full<Bytes>>, field: &str, json: &str) -> Response<Full<Bytes>> {
    if !resp.status().is_success() {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let Ok(collected) = body.collect().await;
    let bytes = collected.to_bytes();
    let answer = serde_json::from_slice::<serde_json::Value>(&bytes);
    let value = serde_json::from_str::<serde_json::Value>(json);
    let (Ok(serde_json::Value::Object(mut object)), Ok(value)) = (answer, value) else {
        return Response::from_parts(parts, Full::new(bytes));
    };
    object.insert(field.to_string(), value);
    let body = serde_json::Value::Object(object).to_string();
    parts.headers.remove(hyper::header::CONTENT_LENGTH);
    parts.headers.remove("x-amz-crc32");
    Response::from_parts(parts, Full::new(Bytes::from(body)))
}

fn aws_json(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    response(status, AWS_JSON, Bytes::from(body))
}

fn response(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp.headers_mut().insert(
        HeaderName::from_static("x-amzn-requestid"),
        HeaderValue::from_static("awsconf-testkit-injected-fault"),
    );
    resp
}

async fn forward(
    shared: &Shared,
    client: &Upstream,
    parts: Parts,
    body: Bytes,
) -> Response<Full<Bytes>> {
    let _at_upstream = AtUpstream::enter(shared);
    match try_forward(&shared.upstream, client, parts, body).await {
        Ok(resp) => resp,
        Err(e) => response(
            StatusCode::BAD_GATEWAY,
            "text/plain; charset=utf-8",
            Bytes::from(format!("awsconf-testkit proxy: upstream error: {e}")),
        ),
    }
}

async fn try_forward(
    upstream: &str,
    client: &Upstream,
    parts: Parts,
    body: Bytes,
) -> Result<Response<Full<Bytes>>, BoxError> {
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|pq| pq.as_str())
        .unwrap_or("/");
    let uri: Uri = format!("{upstream}{path_and_query}").parse()?;
    let mut req = Request::new(Full::new(body));
    *req.method_mut() = parts.method;
    *req.uri_mut() = uri;
    *req.version_mut() = Version::HTTP_11;
    // All headers unchanged, Host included (the client only adds Host when
    // it is missing).
    *req.headers_mut() = parts.headers;

    let resp = client.request(req).await?;
    let (mut parts, body) = resp.into_parts();
    let body = body.collect().await?.to_bytes();
    for name in HOP_BY_HOP {
        parts.headers.remove(*name);
    }
    parts.version = Version::HTTP_11;
    Ok(Response::from_parts(parts, Full::new(body)))
}

/// A TCP stream that is reset (RST, via `SO_LINGER` 0) instead of closed
/// gracefully when dropped after [`ConnCtl::reset`] was set.
struct ResettableStream {
    inner: TcpStream,
    ctl: Arc<ConnCtl>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.ctl.reset.load(Ordering::SeqCst) {
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
