//! One error for a failed load, listing every problem at once.

use std::fmt;

use crate::location::Location;

/// A source error kept behind a problem (an SDK error, a figment error).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What went wrong with one field, fetch or setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A required value is absent from every source.
    Missing,
    /// A value is present but does not convert to the field's type.
    Invalid,
    /// AWS refused the call: the message names the IAM action and resource needed.
    AccessDenied,
    /// KMS could not decrypt a SecureString parameter or a secret.
    Kms,
    /// AWS still throttled the call when the load's deadline came near (awsconf
    /// re-issues throttled calls, paced, until then).
    Throttled,
    /// The load, or one call, ran past its deadline.
    Timeout,
    /// The endpoint could not be reached (connection refused, DNS, TLS, reset).
    Unreachable,
    /// No AWS region is configured.
    NoRegion,
    /// No AWS credentials could be found.
    NoCredentials,
    /// No environment was given (`.env(..)` or `AWSCONF_ENV`).
    NoEnv,
    /// A name, id or value breaks an AWS limit.
    Limit,
    /// The secret exists but cannot be used (marked for deletion, no value, stage absent).
    Unavailable,
    /// Another AWS error, described in the message.
    Aws,
    /// A local layer (TOML file, env vars) could not be read.
    Layer,
    /// The field needs a service whose cargo feature (`ssm`, `secretsmanager`) is off.
    Disabled,
    /// A SecureString parameter is read into a field whose type is not an
    /// [`awsconf::Secret`](crate::Secret) (a `database_url: String`), so its
    /// `Debug` could print the value: make the field a `SecretString`, or mark it
    /// `#[param(plaintext)]` if the value is not secret.
    WouldLeak,
    /// The load was not run on a Tokio runtime (the AWS SDK's HTTP client and
    /// awsconf's timers need one): run it from `#[tokio::main]`, or from a
    /// runtime built with `enable_all()`.
    NoRuntime,
    /// A refresh of a [`Live`](crate::Live) config panicked (in a `Deserialize`
    /// impl, say); the last good config stays and refreshing goes on.
    Panic,
}

/// One problem: the field it concerns, where its value lives, and what is wrong.
#[derive(Debug)]
pub struct Problem {
    kind: ProblemKind,
    field: Option<String>,
    location: Option<Location>,
    message: String,
    source: Option<BoxError>,
}

impl Problem {
    pub(crate) fn new(kind: ProblemKind, message: impl Into<String>) -> Problem {
        Problem {
            kind,
            field: None,
            location: None,
            message: message.into(),
            source: None,
        }
    }

    pub(crate) fn field(mut self, field: impl Into<String>) -> Problem {
        self.field = Some(field.into());
        self
    }

    pub(crate) fn at(mut self, location: impl Into<Location>) -> Problem {
        self.location = Some(location.into());
        self
    }

    pub(crate) fn source(mut self, source: impl Into<BoxError>) -> Problem {
        self.source = Some(source.into());
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ProblemKind {
        self.kind
    }

    /// The dotted Rust path of the field, e.g. `database.port`; `None` for problems
    /// that concern the whole load (no region, no credentials).
    pub fn field_path(&self) -> Option<&str> {
        self.field.as_deref()
    }

    /// Where the value lives: a parameter (`/production/api/database/port`), a
    /// secret (`secret production/db/postgres`), the names a call read, or a
    /// local layer; `None` for problems that concern the whole load.
    pub fn location(&self) -> Option<&Location> {
        self.location.as_ref()
    }

    /// The plain-words description, without field and location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.field, &self.location) {
            (Some(field), Some(loc)) => write!(f, "{field} ({loc}): {}", self.message),
            (Some(field), None) => write!(f, "{field}: {}", self.message),
            (None, Some(loc)) => write!(f, "{loc}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Problem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// A load failed. [`Error::problems`] lists every problem found, never just the first.
///
/// `Debug` prints the same report as `Display` (as `anyhow::Error` does), so
/// `fn main() -> Result<(), Box<dyn std::error::Error>>` with `?` shows every
/// problem, one per line. `{:#?}` prints the struct's fields instead.
///
/// No message, `Display` or `Debug` output of this type contains a secret's value.
pub struct Error {
    type_name: &'static str,
    env: Option<String>,
    problems: Vec<Problem>,
}

impl Error {
    pub(crate) fn new(
        type_name: &'static str,
        env: Option<String>,
        problems: Vec<Problem>,
    ) -> Error {
        Error {
            type_name,
            env,
            problems,
        }
    }

    /// Every problem, in a stable order: setup problems first, then fetch problems,
    /// then one per field.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// Consumes the error, returning its problems.
    pub fn into_problems(self) -> Vec<Problem> {
        self.problems
    }

    /// The environment the load was for, if one was known.
    pub fn env(&self) -> Option<&str> {
        self.env.as_deref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(f, "could not load {}", self.type_name)?;
        if let Some(env) = &self.env {
            write!(f, " for env `{env}`")?;
        }
        write!(f, ": {n} problem{}", if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

/// The report, as `Display` writes it: `main` returning this error prints it
/// readably. The alternate form (`{:#?}`) is the usual struct dump.
impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("Error")
                .field("type_name", &self.type_name)
                .field("env", &self.env)
                .field("problems", &self.problems)
                .finish()
        } else {
            fmt::Display::fmt(self, f)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.problems
            .first()
            .map(|p| p as &(dyn std::error::Error + 'static))
    }
}
