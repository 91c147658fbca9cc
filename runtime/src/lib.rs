//! # awsconf
//!
//! Typed application configuration from AWS Systems Manager Parameter Store and
//! AWS Secrets Manager, with local overrides through [figment] layers.
//!
//! ```no_run
//! use awsconf::{AwsConfig, SecretString};
//! use awsconf::figment::providers::{Env, Format, Toml};
//!
//! #[derive(AwsConfig, Debug)]
//! #[aws_config(app = "api")]
//! pub struct ApiConfig {
//!     #[component]
//!     pub database: Database,                  // /<env>/api/database/...
//!     #[param(default = "info")]
//!     pub log_level: String,                   // /<env>/api/log-level
//! }
//!
//! #[derive(AwsConfig, Debug)]
//! pub struct Database {
//!     pub host: String,                        // /<env>/api/database/host
//!     pub port: u16,                           // /<env>/api/database/port
//!     pub password: SecretString,              // a SecureString, decrypted, redacted
//! }
//!
//! # async fn run() -> Result<(), awsconf::Error> {
//! let config = ApiConfig::loader()
//!     .env("production")
//!     .merge(Toml::file("config/local.toml"))
//!     .merge(Env::prefixed("API_").split("__"))
//!     .load()
//!     .await?;
//! println!("{config:?}"); // the password prints as [REDACTED]
//! # Ok(()) }
//! ```
//!
//! Every parameter is at `/<env>/<app>/<component...>/<param>`: the env is chosen at
//! run time, the app comes from `#[aws_config(app = "...")]`, each `#[component]`
//! field adds its kebab-cased name, and each other field is a parameter named by its
//! kebab-cased field name (or `#[param(name = "...")]`).
//!
//! Precedence, lowest first: `#[param(default)]` < Parameter Store and Secrets
//! Manager < every `.merge(...)` layer in order.
//!
//! A load returns the complete config or one [`Error`] whose
//! [`problems()`](Error::problems) lists every problem at once, each naming the
//! field and its SSM name or secret id. Secret values never appear in any message.
//!
//! ## Attributes
//!
//! - `#[aws_config(app = "...", rename_all = "...")]` on the root struct;
//!   `#[aws_config(crate = "...")]` on any struct whose crate renamed or
//!   re-exports awsconf (like `#[serde(crate = "...")]`; default `::awsconf`).
//! - `#[component]`: a nested struct deriving `AwsConfig`, or a
//!   `BTreeMap<String, T>` / `HashMap<String, T>` with one entry per child segment.
//! - `#[param(name = "...", default = <expr>, version = N, label = "...", json, secret, plaintext)]`; `#[secret(plaintext)]` on a field of a type deriving [`Secret`](trait@Secret).
//! - `#[secret(id = "...", key = "...", stage = "...", version_id = "...")]`: a
//!   Secrets Manager secret; `{env}`, `{app}` and (inside a map entry) `{key}`
//!   expand in the id. Without `id`, the id is `<env>/<app>/<component path>/<field-name>`.
//!
//! A `default = <expr>` is checked by the compiler against the field's type, at the
//! expression: it is any expression of the field's type (`100` for a `u16`,
//! `false`, `vec![..]`, a `const`, an enum variant), a string literal for a
//! `String`, `SecretString` or `PathBuf` field, an array for a `Vec` field
//! (`["a", "b"]`, `[1, 2]`), and, for an `Option<T>` field, anything that fits `T`
//! (it becomes `Some`). `#[param(default = "eighty")] port: u16` does not
//! compile.
//!
//! `Option<T>` fields may be absent. Values convert through serde: numbers and
//! bools from text, `Vec<T>` from a StringList (`a,b,c`), structs and maps from
//! JSON text, [`SecretString`] from a SecureString or a secret.
//!
//! ## Which fields are secret
//!
//! The compiler decides, through one trait, [`Secret`](trait@Secret): "this type's
//! `Debug` never shows a secret value". `SecretString`, `SecretBox<_>`,
//! `SecretSlice<_>` and `Option`/`Vec`/arrays/`Box`/`Arc`/maps of them are
//! `Secret`; a struct or enum of yours is one with `#[derive(awsconf::Secret)]`,
//! which compiles only if every field is a `Secret` or is marked
//! `#[secret(plaintext)]`, and, on an enum, only with
//! `#[secret(plaintext_variant)]`: an enum's `Debug` shows which variant the
//! secret picked (a unit variant's name is the value itself).
//!
//! - A `#[secret]` field's type must be a `Secret` (except one key that is not
//!   secret: `#[secret(key = "port", plaintext)]`); so must a `#[param(secret)]`
//!   field's. Anything else does not compile, with an error at the type.
//! - A parameter is secret when its type is a `Secret`. A SecureString read into a
//!   field whose type is not is refused at load ([`ProblemKind::WouldLeak`]), unless
//!   the field says `#[param(plaintext)]`.
//! - [`schema::Field::is_secret`], which explain, template, push, check and the
//!   IAM policy read, comes from the same trait.
//!
//! ```
//! use awsconf::serde::Deserialize;
//! use awsconf::{AwsConfig, Secret, SecretString};
//!
//! #[derive(Deserialize, Debug, Secret)]
//! #[serde(crate = "awsconf::serde")]
//! struct DbCredentials {
//!     #[secret(plaintext)]
//!     username: String,
//!     password: SecretString,
//! }
//!
//! #[derive(AwsConfig, Debug)]
//! #[aws_config(app = "api")]
//! struct Api {
//!     #[secret(id = "{env}/db/postgres")]
//!     credentials: DbCredentials,
//!     #[secret(id = "{env}/db/postgres", key = "port", plaintext)]
//!     port: u16,
//!     #[param(plaintext)]
//!     database_host: String, // may be a SecureString; the value is not secret
//! }
//! # let fields = <Api as AwsConfig>::schema().fields;
//! # assert!(fields[0].is_secret() && !fields[2].is_secret());
//! ```
//!
//! ## Guide
//!
//! ### Local development without AWS
//!
//! `.offline()` (or `AWSCONF_OFFLINE=1`) makes no AWS call: defaults and local
//! layers only. Layers use the Rust field names, nested by component.
//!
//! ```
//! use awsconf::figment::providers::{Format, Toml};
//! use awsconf::{AwsConfig, ExposeSecret, SecretString};
//!
//! #[derive(AwsConfig, Debug)]
//! #[aws_config(app = "api")]
//! struct Api {
//!     #[component]
//!     database: Database,
//!     #[param(default = "info")]
//!     log_level: String,
//!     replicas: Vec<String>,
//! }
//!
//! #[derive(AwsConfig, Debug)]
//! struct Database {
//!     host: String,
//!     port: u16,
//!     password: SecretString,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), awsconf::Error> {
//! let local = r#"
//!     replicas = ["r1", "r2"]
//!     [database]
//!     host = "localhost"
//!     port = 5432
//!     password = "dev-only"
//! "#;
//! let config = Api::loader().env("dev").offline().merge(Toml::string(local)).load().await?;
//! assert_eq!(config.database.port, 5432);
//! assert_eq!(config.log_level, "info"); // the default
//! assert_eq!(config.database.password.expose_secret(), "dev-only");
//! assert!(!format!("{config:?}").contains("dev-only")); // Debug redacts it
//! # Ok(()) }
//! ```
//!
//! ### Every problem at once
//!
//! ```
//! # use awsconf::figment::providers::{Format, Toml};
//! # use awsconf::{AwsConfig, ProblemKind};
//! #[derive(AwsConfig, Debug)]
//! #[aws_config(app = "api")]
//! struct Api {
//!     port: u16,
//!     enabled: bool,
//!     host: String,
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let err = Api::loader()
//!     .env("dev")
//!     .offline()
//!     .merge(Toml::string(r#"port = "abc"
//! enabled = "yes""#))
//!     .load()
//!     .await
//!     .unwrap_err();
//! let problems: Vec<String> = err.problems().iter().map(|p| p.to_string()).collect();
//! assert_eq!(problems, [
//!     "port (TOML source string: port): \"abc\" is not a valid u16",
//!     "enabled (TOML source string: enabled): \"yes\" is not a valid bool (expected true or false)",
//!     "host (/dev/api/host): required value not set by any local layer (offline: AWS was not asked)",
//! ]);
//! assert_eq!(err.problems()[2].kind(), ProblemKind::Missing);
//! # }
//! ```
//!
//! `Error`'s `Debug` is the same report as its `Display`, so
//! `fn main() -> Result<(), Box<dyn std::error::Error>>` with `?` prints every
//! problem, one per line.
//!
//! ### Your own crate, against an emulator
//!
//! Dependencies: `awsconf` (with the `cli` feature for the tools in your binary)
//! and `tokio`. awsconf re-exports [`figment`], [`serde`] (for a JSON secret's
//! struct: `#[derive(awsconf::serde::Deserialize)] #[serde(crate = "awsconf::serde")]`)
//! and [`aws_config`] (for an `SdkConfig`). To point your service and the tools at
//! a local emulator such as moto, set `AWS_ENDPOINT_URL=http://127.0.0.1:5000`,
//! `AWS_REGION=us-east-1`, dummy credentials `AWS_ACCESS_KEY_ID=testing
//! AWS_SECRET_ACCESS_KEY=testing`, `AWS_EC2_METADATA_DISABLED=true`, and
//! `AWSCONF_ENV`. Then `template`, fill it in, `push --apply`, and load: the
//! README's "Your own crate" walks through it.
//!
//! ### The fetch plan, before any call
//!
//! ```
//! # use awsconf::{AwsConfig, SecretString};
//! #[derive(AwsConfig, Debug)]
//! #[aws_config(app = "api")]
//! struct Api {
//!     #[component]
//!     database: Database,
//!     #[secret(id = "{env}/stripe/api-key")]
//!     stripe_key: SecretString,
//! }
//! #[derive(AwsConfig, Debug)]
//! struct Database {
//!     host: String,
//!     port: u16,
//! }
//!
//! let plan = Api::loader().env("production").plan().unwrap();
//! assert_eq!(plan.count("GetParameters"), 1); // both names in one call
//! assert_eq!(plan.count("BatchGetSecretValue"), 1);
//! let schema = <Api as AwsConfig>::schema();
//! assert_eq!(schema.app, Some("api"));
//! ```
//!
//! ### Staying current
//!
//! [`Loader::watch`] returns a [`Live`] config that refreshes in the background and
//! picks up rotated secrets without a restart; see [`Live`] for the
//! rotation window. Tools built on the schema, with the `tools` feature: `iam::policy`
//! (least-privilege IAM policy) and `tools` (check, explain, template, push,
//! cost); the `cli` feature wraps them in subcommands.

#![warn(missing_docs)]
// With a service's feature off, code that only serves that service is unused; the
// default build (both features) is linted strictly.
#![cfg_attr(
    not(all(feature = "ssm", feature = "secretsmanager")),
    allow(dead_code, unused_imports)
)]

mod arn;
mod aws_error;
#[cfg(feature = "cli")]
pub mod cli;
mod decode;
mod error;
#[cfg(feature = "events")]
mod events;
mod fetch;
#[cfg(feature = "tools")]
pub mod iam;
mod identity;
mod leaf;
mod limits;
mod live;
mod loader;
mod location;
mod origin;
mod plan;
#[cfg(test)]
mod proptests;
mod provider;
mod quota;
mod redact;
pub mod schema;
mod secret;
mod session;
mod shape;
mod summary;
mod table;
mod timeouts;
#[cfg(feature = "tools")]
pub mod tools;
#[cfg(any(feature = "events", feature = "tools"))]
mod topic_queue;
mod verify;
mod walk;

/// The AWS SDK's configuration crate, so your crate needs no `aws-config`
/// dependency of its own to build the `SdkConfig` that [`Loader::sdk_config`]
/// (and, with the `tools` feature, `tools::push` and `tools::check`) take:
/// `awsconf::aws_config::load_defaults(awsconf::aws_config::BehaviorVersion::latest())`.
pub use aws_config;
pub use awsconf_macros::AwsConfig;
/// Derives [`Secret`](trait@Secret) for a struct or enum whose every field is a
/// `Secret` or is marked `#[secret(plaintext)]`. An enum also says
/// `#[secret(plaintext_variant)]`: its `Debug` shows which variant the secret
/// picked (for a unit variant, the value itself), so that must not be secret.
pub use awsconf_macros::Secret;
pub use error::{Error, Problem, ProblemKind};
pub use fetch::pace::{Pacing, SecretReads};
pub use figment;
pub use live::Live;
pub use loader::{
    Loader, DEFAULT_CONCURRENCY, DEFAULT_MAX_PAGES, ENV_VAR, MAX_CONCURRENCY, OFFLINE_VAR,
};
pub use location::Location;
pub use origin::{Origin, Source};
pub use plan::{Plan, PlannedCall};
pub use schema::Schema;
pub use secrecy::{ExposeSecret, SecretBox, SecretSlice, SecretString};
pub use secret::Secret;
pub use serde;
pub use timeouts::{DEFAULT_TIMEOUT, MAX_START_JITTER, MAX_TIMEOUT};
pub use verify::verify;

/// A config struct: derive it with `#[derive(AwsConfig)]`.
pub trait AwsConfig: Sized {
    /// The static description of every field: SSM name, kind, type, required or not.
    fn schema() -> &'static schema::Schema;

    #[doc(hidden)]
    const __MAX_DEPTH: usize;
    #[doc(hidden)]
    const __MAX_LEN: usize;
    #[doc(hidden)]
    fn __decode(decoder: &mut __private::Decoder<'_>) -> Option<Self>;

    /// Starts a load of this config.
    fn loader() -> Loader<Self>
    where
        Self: Root,
    {
        Loader::default()
    }
}

/// A config struct that can be loaded on its own: it has `#[aws_config(app = "...")]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no `#[aws_config(app = \"...\")]`, so it cannot be loaded on its own",
    label = "this struct is a component, not a root config",
    note = "add `#[aws_config(app = \"my-app\")]` to the struct you load; its path is /<env>/<app>/..."
)]
pub trait Root: AwsConfig {}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

#[cfg(any(test, fuzzing))]
#[doc(hidden)]
#[path = "fuzz_entry.rs"]
pub mod __fuzz;
