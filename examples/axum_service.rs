//! # An axum web service on a live config
//!
//! What it shows:
//!
//! - The config is loaded once at startup with `watch(..)`, and the [`Live`]
//!   handle sits in the router state. Each handler calls `live.get()` per request:
//!   a lock-free `Arc` load, so every request sees the latest complete config.
//! - The database password lives in Secrets Manager and rotates. When the
//!   database rejects the cached credentials, the client calls
//!   `live.refresh_now()` once and retries ([`with_fresh_credentials`]): the
//!   service recovers from a rotation without a restart and without waiting for
//!   the next scheduled refresh.
//! - Secrets never reach a response or a log line: handlers use the username
//!   and host, and the password only to authenticate.
//!
//! Run it against the emulator:
//!
//! ```sh
//! scripts/example.sh axum-service --demo   # seeds, serves, rotates the secret, shows the recovery, exits
//! scripts/example.sh axum-service --seed   # seeds, then serves on 127.0.0.1:3000 until Ctrl-C
//! ```
//!
//! Options: `--addr HOST:PORT` (default `127.0.0.1:3000`), `--requests N` (stop
//! after N requests, as the test does), `--seed` (write the example's
//! parameters and secret first; emulator only), `--demo`.
//!
//! Routes: `GET /` (greeting, page size, config age), `GET /orders` (a query
//! through the simulated database).

use std::future::{Future, IntoFuture};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use awsconf::{AwsConfig, ExposeSecret, Live, SecretString};
use awsconf_examples::{
    env_name, flag_value, has_flag, http_get, init_logging, report, BoxError, Emulator, Param,
};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// The service's configuration: `/<env>/shop-api/...` and one rotated secret.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop-api")]
pub struct AppConfig {
    /// `/<env>/shop-api/database/...` and the database credentials.
    #[component]
    pub database: DatabaseConfig,
    /// `/<env>/shop-api/greeting`, shown by `GET /`.
    #[param(default = "Welcome to the shop")]
    pub greeting: String,
    /// `/<env>/shop-api/page-size`: orders per page.
    #[param(default = 20)]
    pub page_size: u32,
}

/// `/<env>/shop-api/database/...`
#[derive(AwsConfig, Debug)]
pub struct DatabaseConfig {
    /// `/<env>/shop-api/database/host`
    pub host: String,
    /// `/<env>/shop-api/database/name`
    pub name: String,
    /// Secrets Manager `<env>/shop-api/db`, a JSON secret that Secrets Manager
    /// rotates: `{"username": "...", "password": "..."}`.
    #[secret(id = "{env}/shop-api/db")]
    pub credentials: DbCredentials,
}

/// The database credentials: the JSON secret, parsed. `Debug` redacts the password; `awsconf::Secret` makes
/// the compiler check that every field is a secret type or says `plaintext`.
#[derive(Deserialize, Debug, awsconf::Secret)]
pub struct DbCredentials {
    /// The database user: not secret, shown by `Debug`.
    #[secret(plaintext)]
    pub username: String,
    /// The database password.
    pub password: SecretString,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The live config: `get()` per request.
    pub live: Live<AppConfig>,
    /// The database client.
    pub db: Database,
}

// ---------------------------------------------------------------------------
// The database: a simulation. Swap in sqlx/tokio-postgres/diesel; the pattern in
// `with_fresh_credentials` stays the same.
// ---------------------------------------------------------------------------

/// Stands in for a Postgres server and its client library. Like a real server
/// after a rotation function ran, it accepts exactly the credentials Secrets
/// Manager holds as `AWSCURRENT`, and rejects every other password.
#[derive(Clone, Debug)]
pub struct Database {
    emulator: Emulator,
    secret_id: String,
}

/// Why a query failed.
#[derive(Debug)]
pub enum DbError {
    /// The server rejected the username or password.
    AuthenticationFailed,
    /// The server could not be reached.
    Unavailable(String),
}

/// One row of the `orders` table.
#[derive(Serialize, Debug)]
pub struct Order {
    /// The order id.
    pub id: u32,
    /// The total, in cents.
    pub total_cents: u64,
}

impl Database {
    /// Authenticates with `db`'s credentials, then returns up to `limit` orders.
    pub async fn orders(&self, db: &DatabaseConfig, limit: u32) -> Result<Vec<Order>, DbError> {
        self.authenticate(&db.credentials).await?;
        Ok((1..=limit.min(3))
            .map(|id| Order {
                id,
                total_cents: 1999 * u64::from(id),
            })
            .collect())
    }

    async fn authenticate(&self, credentials: &DbCredentials) -> Result<(), DbError> {
        // The server's own view of the password: what Secrets Manager holds now.
        let current = self
            .emulator
            .current_secret(&self.secret_id)
            .await
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        let current: DbCredentials = serde_json::from_str(&current)
            .map_err(|_| DbError::Unavailable("the server's credentials are not JSON".into()))?;
        let accepted = current.username == credentials.username
            && current.password.expose_secret() == credentials.password.expose_secret();
        if accepted {
            Ok(())
        } else {
            Err(DbError::AuthenticationFailed)
        }
    }
}

// ---------------------------------------------------------------------------
// The pattern: refresh once on an authentication failure, then retry once.
// ---------------------------------------------------------------------------

/// Why a request failed. Its messages hold no secret: awsconf's errors never do.
#[derive(Debug)]
pub enum ApiError {
    /// The database rejected the credentials even after a refresh.
    Unauthorized,
    /// The database could not be reached.
    Database(String),
    /// The refresh failed; the last good config stays in place.
    Config(Arc<awsconf::Error>),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let message = match &self {
            ApiError::Unauthorized => {
                "the database rejected the credentials, even after a refresh".to_string()
            }
            ApiError::Database(m) => format!("database unavailable: {m}"),
            ApiError::Config(e) => format!("could not refresh the config: {e}"),
        };
        tracing::error!(%message, "request failed");
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "error": message })),
        )
            .into_response()
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::AuthenticationFailed => ApiError::Unauthorized,
            DbError::Unavailable(m) => ApiError::Database(m),
        }
    }
}

/// Runs `query` with the current config. When the database rejects the
/// credentials (the password was rotated since the last refresh), refreshes the
/// config once and retries once. Returns the result and whether a refresh was
/// needed. Concurrent requests that fail together share one refresh:
/// `refresh_now()` coalesces them.
pub async fn with_fresh_credentials<T, F, Fut>(
    live: &Live<AppConfig>,
    query: F,
) -> Result<(T, bool), ApiError>
where
    F: Fn(Arc<AppConfig>) -> Fut,
    Fut: Future<Output = Result<T, DbError>>,
{
    match query(live.get()).await {
        Err(DbError::AuthenticationFailed) => {
            tracing::warn!(
                "database rejected the credentials; refreshing the config once and retrying"
            );
            live.refresh_now().await.map_err(ApiError::Config)?;
            let rows = query(live.get()).await?;
            tracing::info!("database accepted the refreshed credentials");
            Ok((rows, true))
        }
        other => Ok((other?, false)),
    }
}

/// `GET /`: values from the config of this request.
async fn index(State(state): State<AppState>) -> Json<serde_json::Value> {
    let config = state.live.get();
    Json(json!({
        "greeting": config.greeting,
        "page_size": config.page_size,
        "config_age_secs": state.live.age().as_secs(),
    }))
}

/// `GET /orders`: a database query, recovering from a rotated password.
async fn orders(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let db = &state.db;
    let (orders, refreshed) = with_fresh_credentials(&state.live, |config| async move {
        db.orders(&config.database, config.page_size).await
    })
    .await?;
    let config = state.live.get();
    Ok(Json(json!({
        "orders": orders,
        "database": format!("{}/{}", config.database.host, config.database.name),
        "db_user": config.database.credentials.username,
        "refreshed_config": refreshed,
    })))
}

/// The router: every route shares the state.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/orders", get(orders))
        .with_state(state)
}

// ---------------------------------------------------------------------------
// Serving, stopping, and the example's set-up.
// ---------------------------------------------------------------------------

/// Stops the server after a number of requests (`--requests N`), or on demand.
struct Stop {
    served: AtomicUsize,
    limit: Option<usize>,
    notify: tokio::sync::Notify,
}

impl Stop {
    fn request_done(&self) {
        let served = self.served.fetch_add(1, Ordering::AcqRel) + 1;
        if self.limit.is_some_and(|limit| served >= limit) {
            self.notify.notify_one();
        }
    }
}

async fn count_requests(State(stop): State<Arc<Stop>>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    stop.request_done();
    response
}

/// Resolves on `--requests N` reached, Ctrl-C or SIGTERM.
async fn shutdown_signal(stop: Arc<Stop>) {
    let sigterm = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = stop.notify.notified() => println!("served {} requests; stopping", stop.served.load(Ordering::Acquire)),
        _ = tokio::signal::ctrl_c() => println!("Ctrl-C; stopping"),
        _ = sigterm => println!("SIGTERM; stopping"),
    }
}

/// The example's parameters and secret, as an operator would have written them.
async fn seed(emulator: &Emulator, env: &str) -> Result<(), BoxError> {
    emulator
        .put_params(vec![
            Param::string(
                format!("/{env}/shop-api/database/host"),
                "orders-db.internal",
            ),
            Param::string(format!("/{env}/shop-api/database/name"), "orders"),
            Param::string(format!("/{env}/shop-api/greeting"), "Hello from awsconf"),
            Param::string(format!("/{env}/shop-api/page-size"), "3"),
        ])
        .await?;
    emulator
        .put_secret(
            &format!("{env}/shop-api/db"),
            r#"{"username":"shop","password":"initial-db-password"}"#,
        )
        .await?;
    println!("seeded /{env}/shop-api/... and secret {env}/shop-api/db");
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    report(run().await)
}

async fn run() -> Result<(), BoxError> {
    let demo = has_flag("--demo");
    let env = env_name()?;
    let emulator = Emulator::from_env().await;
    if demo || has_flag("--seed") {
        seed(&emulator, &env).await?;
    }

    // The one line that matters: load once, keep it current (every 5 minutes,
    // and on demand with refresh_now()). The env comes from AWSCONF_ENV.
    let live = AppConfig::loader().watch(Duration::from_secs(300)).await?;

    let state = AppState {
        live,
        db: Database {
            emulator: emulator.clone(),
            secret_id: format!("{env}/shop-api/db"),
        },
    };
    let limit = match flag_value("--requests") {
        Some(n) => Some(
            n.parse::<usize>()
                .map_err(|_| format!("--requests takes a number, not `{n}`"))?,
        ),
        None => None,
    };
    let stop = Arc::new(Stop {
        served: AtomicUsize::new(0),
        limit,
        notify: tokio::sync::Notify::new(),
    });
    let app = router(state).layer(middleware::from_fn_with_state(
        Arc::clone(&stop),
        count_requests,
    ));

    let default_addr = if demo {
        "127.0.0.1:0"
    } else {
        "127.0.0.1:3000"
    };
    let addr = flag_value("--addr").unwrap_or_else(|| default_addr.to_string());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("binding {addr}: {e}"))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");

    let server = tokio::spawn(
        axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal(Arc::clone(&stop)))
            .into_future(),
    );
    if demo {
        let tour = tour(addr, &emulator, &env).await;
        stop.notify.notify_one();
        tour?;
    }
    server.await??;
    Ok(())
}

/// `--demo`: requests, a rotation in between, and the recovery.
async fn tour(addr: SocketAddr, emulator: &Emulator, env: &str) -> Result<(), BoxError> {
    let get = |path: &'static str| async move {
        let response = http_get(addr, path).await?;
        println!("GET {path} -> {} {}", response.status, response.body);
        Ok::<_, BoxError>(response)
    };
    get("/").await?;
    get("/orders").await?;
    println!("-- Secrets Manager rotates the password (and the database takes the new one) --");
    emulator
        .put_secret(
            &format!("{env}/shop-api/db"),
            r#"{"username":"shop","password":"rotated-db-password"}"#,
        )
        .await?;
    let after = get("/orders").await?;
    get("/orders").await?;
    if after.status != 200 {
        return Err("the service did not recover from the rotation".into());
    }
    println!("recovered from the rotation without a restart");
    Ok(())
}
