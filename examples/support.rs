//! Plumbing shared by the example binaries, kept out of them so each example
//! shows only its awsconf pattern:
//!
//! - [`Emulator`]: writes an example's parameters and secrets, as an operator
//!   (or Terraform) would. Examples call it only when asked to (`--seed`,
//!   `--demo`, `--local`) or when seeding is the point of the scenario.
//! - [`init_logging`]: `tracing` output on stderr, `RUST_LOG` to change it.
//! - [`AwsCallCounter`]: counts the AWS calls awsconf makes, from its `tracing`
//!   events (one per call, naming the API, never a value).
//! - [`http_get`]: a minimal HTTP/1.1 client for the axum example's self-driven
//!   demo and its test.
//! - [`report`]: turns a `main` result into an exit code and a readable error.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_sdk_ssm::error::DisplayErrorContext;
use aws_sdk_ssm::types::ParameterType;
use awsconf_testkit::sdk::{in_waves, Seed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// The error type of the examples' `main` functions.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Prints `error: …` (with its chain of causes) and returns a failing exit code,
/// or returns success.
pub fn report(result: Result<(), BoxError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            let mut source = err.source();
            while let Some(cause) = source {
                eprintln!("  caused by: {cause}");
                source = cause.source();
            }
            ExitCode::FAILURE
        }
    }
}

/// The env every example uses: `AWSCONF_ENV`, the variable the loader reads
/// itself when `.env(..)` is not called. Examples that only load leave it to the
/// loader; this is for the set-up code, which needs the name too.
pub fn env_name() -> Result<String, BoxError> {
    match std::env::var(awsconf::ENV_VAR) {
        Ok(env) if !env.trim().is_empty() => Ok(env),
        _ => Err(format!(
            "set {} to the environment to use (scripts/example.sh sets it to `production`)",
            awsconf::ENV_VAR
        )
        .into()),
    }
}

/// `true` when the command line holds `flag` (e.g. `--seed`).
pub fn has_flag(flag: &str) -> bool {
    std::env::args().skip(1).any(|a| a == flag)
}

/// The value after `flag` on the command line (`--addr 127.0.0.1:0`), if any.
pub fn flag_value(flag: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    args.iter()
        .position(|a| a == flag)
        .and_then(|i| args.get(i + 1).cloned())
}

/// Logs to stderr through `tracing`: `info` by default, `RUST_LOG` to change it
/// (`RUST_LOG=awsconf=debug` shows every AWS call awsconf makes).
pub fn init_logging() {
    init_logging_with(None);
}

/// Like [`init_logging`], and also feeds `counter` every awsconf event.
pub fn init_logging_with(counter: Option<AwsCallCounter>) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .with_filter(filter);
    // The counter sees awsconf's DEBUG call events whatever RUST_LOG says, and
    // nothing else.
    let counter = counter.map(|c| {
        c.with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("awsconf", tracing::Level::DEBUG),
        )
    });
    // A second initialisation (none happens in the examples) is not an error
    // worth stopping for: the first subscriber stays.
    let _ = tracing_subscriber::registry()
        .with(fmt)
        .with(counter)
        .try_init();
}

/// Counts the AWS calls awsconf makes, by API (`GetParameters`,
/// `GetParametersByPath` pages, `BatchGetSecretValue`, ...), from the DEBUG
/// event awsconf logs after each call. Install it with [`init_logging_with`].
#[derive(Clone, Debug, Default)]
pub struct AwsCallCounter {
    counts: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl AwsCallCounter {
    /// A counter at zero.
    pub fn new() -> AwsCallCounter {
        AwsCallCounter::default()
    }

    /// The calls counted so far, by API.
    pub fn counts(&self) -> BTreeMap<String, u64> {
        self.lock().clone()
    }

    /// The calls of one API counted so far.
    pub fn count(&self, api: &str) -> u64 {
        self.lock().get(api).copied().unwrap_or(0)
    }

    /// Every call counted so far.
    pub fn total(&self) -> u64 {
        self.lock().values().sum()
    }

    /// Starts again from zero.
    pub fn reset(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, u64>> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl<S: tracing::Subscriber> Layer<S> for AwsCallCounter {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if !event.metadata().target().starts_with("awsconf") {
            return;
        }
        struct Api(Option<String>, bool);
        impl tracing::field::Visit for Api {
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "api" {
                    self.0 = Some(value.to_string());
                }
            }
            fn record_f64(&mut self, field: &tracing::field::Field, _value: f64) {
                if field.name() == "duration_ms" {
                    self.1 = true;
                }
            }
            fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
        }
        let mut api = Api(None, false);
        event.record(&mut api);
        // The per-call event carries the API and the call's duration.
        if let (Some(name), true) = (api.0, api.1) {
            *self.lock().entry(name).or_default() += 1;
        }
    }
}

/// Writes an example's parameters and secrets, the way an operator or Terraform
/// would, through the AWS SDK's default configuration (`AWS_ENDPOINT_URL` points
/// it at the emulator). The writes are the test kit's [`Seed`]'s, which the tests
/// and the benchmark use too. Each error names what it was writing, never the value.
#[derive(Clone, Debug)]
pub struct Emulator {
    /// The SDK clients, and the writes they make.
    pub seed: Seed,
    /// The SDK configuration the clients were built from.
    pub sdk_config: aws_config::SdkConfig,
}

/// One parameter to write: name, value and type.
#[derive(Clone, Debug)]
pub struct Param {
    /// The full SSM name, `/<env>/<app>/...`.
    pub name: String,
    /// The value.
    pub value: String,
    /// `String`, `StringList` or `SecureString`.
    pub kind: ParameterType,
}

impl Param {
    /// A `String` parameter.
    pub fn string(name: impl Into<String>, value: impl Into<String>) -> Param {
        Param {
            name: name.into(),
            value: value.into(),
            kind: ParameterType::String,
        }
    }

    /// A `StringList` parameter (`a,b,c`).
    pub fn list(name: impl Into<String>, value: impl Into<String>) -> Param {
        Param {
            name: name.into(),
            value: value.into(),
            kind: ParameterType::StringList,
        }
    }

    /// A `SecureString` parameter.
    pub fn secure(name: impl Into<String>, value: impl Into<String>) -> Param {
        Param {
            name: name.into(),
            value: value.into(),
            kind: ParameterType::SecureString,
        }
    }
}

/// How many writes [`Emulator::put_params`] and [`Emulator::put_secrets`] keep
/// in flight at once.
pub const WAVE: usize = 32;

impl Emulator {
    /// Clients from the SDK's default configuration (environment variables).
    pub async fn from_env() -> Emulator {
        let sdk_config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Emulator {
            seed: Seed::with_config(&sdk_config),
            sdk_config,
        }
    }

    /// Writes (or overwrites) one parameter.
    pub async fn put_param(&self, param: &Param) -> Result<(), BoxError> {
        self.seed
            .try_put(&param.name, &param.value, param.kind.clone())
            .await?;
        Ok(())
    }

    /// Writes parameters concurrently, [`WAVE`] at a time.
    pub async fn put_params(&self, params: Vec<Param>) -> Result<(), BoxError> {
        in_waves(params.iter().map(|p| self.put_param(p)), WAVE).await
    }

    /// Creates a secret, or stores a new version of it (the old one moves to
    /// `AWSPREVIOUS`) when it exists.
    pub async fn put_secret(&self, id: &str, value: &str) -> Result<(), BoxError> {
        self.seed.try_put_secret(id, value).await?;
        Ok(())
    }

    /// Writes secrets concurrently, [`WAVE`] at a time: `(id, value)` pairs.
    pub async fn put_secrets(&self, secrets: Vec<(String, String)>) -> Result<(), BoxError> {
        in_waves(
            secrets.iter().map(|(id, value)| self.put_secret(id, value)),
            WAVE,
        )
        .await
    }

    /// The value of a secret's `AWSCURRENT` version, as the database side of the
    /// axum example sees it.
    pub async fn current_secret(&self, id: &str) -> Result<String, BoxError> {
        let out = self
            .seed
            .secrets
            .get_secret_value()
            .secret_id(id)
            .send()
            .await
            .map_err(|e| failed("reading secret", id, DisplayErrorContext(e)))?;
        out.secret_string()
            .map(str::to_string)
            .ok_or_else(|| format!("secret {id} holds no string").into())
    }

    /// Deletes a parameter.
    pub async fn delete_param(&self, name: &str) -> Result<(), BoxError> {
        self.seed
            .ssm
            .delete_parameter()
            .name(name)
            .send()
            .await
            .map_err(|e| failed("deleting parameter", name, DisplayErrorContext(e)))?;
        Ok(())
    }
}

fn failed(what: &str, name: &str, err: impl Display) -> BoxError {
    format!("{what} {name}: {err}").into()
}

/// A response read by [`http_get`].
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

/// `GET path` on `addr` over HTTP/1.1 with `Connection: close`, within 10 s.
/// Enough for the examples' loopback requests; use a real client elsewhere.
pub async fn http_get(addr: SocketAddr, path: &str) -> Result<HttpResponse, BoxError> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).await?;
        Ok::<_, std::io::Error>(raw)
    };
    let raw = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| format!("GET {path} on {addr}: no answer within 10 s"))??;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("GET {path} on {addr}: not an HTTP response"))?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("GET {path} on {addr}: no status line"))?;
    let chunked = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case("transfer-encoding: chunked"));
    let body = if chunked {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok(HttpResponse { status, body })
}

/// Joins the chunks of a `Transfer-Encoding: chunked` body.
fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        let (Some(chunk), Some(next)) = (rest.get(..size), rest.get(size..)) else {
            break;
        };
        if size == 0 {
            break;
        }
        out.push_str(chunk);
        body = next.trim_start_matches("\r\n");
    }
    out
}
