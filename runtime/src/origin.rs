//! Provenance: which source supplied each field's value, as data.
//!
//! [`Loader::load_explained`](crate::Loader::load_explained) returns one
//! [`Origin`] per field. Its [`Source`] is typed: a default, a parameter and its
//! version, a secret and its version id, a local layer (figment's metadata name,
//! and the file and key or the environment variable's name), or absent.

use std::fmt;

/// Which source supplied a field's value, and the value for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The dotted Rust path of the field, e.g. `database.port`.
    pub field: String,
    /// Where the value came from.
    pub source: Source,
    /// The value is a secret (a secret type, a `#[secret]`, a SecureString):
    /// never shown.
    pub secret: bool,
    /// The value as supplied, for display: `None` for secrets and SecureStrings,
    /// JSON values and tables (which may hold a secret inside a type that does
    /// not say so), and absent fields.
    pub value: Option<String>,
}

/// Where a field's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Source {
    /// The field's `#[param(default)]`.
    Default,
    /// A Parameter Store parameter.
    Parameter {
        /// Its SSM name, e.g. `/production/api/database/port`.
        name: String,
        /// The version read.
        version: Option<i64>,
    },
    /// A Secrets Manager secret.
    Secret {
        /// Its id (a name or an ARN), e.g. `production/db/postgres`.
        id: String,
        /// The version read.
        version_id: Option<String>,
    },
    /// A local layer given to [`Loader::merge`](crate::Loader::merge).
    Layer {
        /// The layer's figment metadata name: `TOML file`, ``
        /// `API_` environment variable(s)``, ...
        name: String,
        /// Where in it: `config/local.toml: database.host`, or the environment
        /// variable's name, `API_DATABASE__HOST`.
        location: Option<String>,
    },
    /// An `Option` field that no source set.
    Absent,
}

impl Source {
    /// The source's kind in a word or two: `default`, `AWS Parameter Store`,
    /// `AWS Secrets Manager`, the layer's name, or `absent`.
    pub fn layer(&self) -> &str {
        match self {
            Source::Default => "default",
            Source::Parameter { .. } => crate::provider::PARAMETER_STORE,
            Source::Secret { .. } => crate::provider::SECRETS_MANAGER,
            Source::Layer { name, .. } => name,
            Source::Absent => "absent",
        }
    }

    /// Where in the source: `/production/api/port (version 3)`, `secret
    /// production/db (version …)`, `config/local.toml: database.host`,
    /// `API_DATABASE__HOST`, `#[param(default)]`; empty when there is nothing to
    /// say.
    pub fn location(&self) -> String {
        match self {
            Source::Default => "#[param(default)]".to_string(),
            Source::Parameter { name, version } => match version {
                Some(v) => format!("{name} (version {v})"),
                None => name.clone(),
            },
            Source::Secret { id, version_id } => match version_id {
                Some(v) => format!("secret {id} (version {v})"),
                None => format!("secret {id}"),
            },
            Source::Layer { location, .. } => location.clone().unwrap_or_default(),
            Source::Absent => String::new(),
        }
    }
}

impl fmt::Display for Source {
    /// The short form the CLI prints: `AWS Parameter Store /production/api/port
    /// (version 3)`, `` `API_` environment variable(s) API_PORT ``, `default`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default | Source::Absent => f.write_str(self.layer()),
            Source::Layer { location: None, .. } => f.write_str(self.layer()),
            _ => write!(f, "{} {}", self.layer(), self.location()),
        }
    }
}

/// What [`Origin::shown_value`] shows for a secret.
pub const REDACTED: &str = "[REDACTED]";

impl Origin {
    /// The value column of a provenance table: the value, `[REDACTED]` for a
    /// secret, `(absent)`, or `(not shown)` for JSON and tables.
    pub fn shown_value(&self) -> String {
        match (&self.value, self.secret) {
            (_, true) => REDACTED.to_string(),
            (Some(v), false) => v.clone(),
            (None, false) if self.source == Source::Absent => "(absent)".to_string(),
            (None, false) => "(not shown)".to_string(),
        }
    }

    /// The origins as a plain-text table (field, value, layer, where), as
    /// `awsconf-cli explain` prints it. It holds no secret.
    ///
    /// ```
    /// # use awsconf::AwsConfig;
    /// # use awsconf::figment::providers::{Format, Toml};
    /// #[derive(AwsConfig, Debug)]
    /// #[aws_config(app = "api")]
    /// struct Api {
    ///     #[param(default = 8080)]
    ///     port: u16,
    ///     host: String,
    /// }
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), awsconf::Error> {
    /// let (_config, origins) = Api::loader()
    ///     .env("dev")
    ///     .offline()
    ///     .merge(Toml::string("host = \"localhost\""))
    ///     .load_explained()
    ///     .await?;
    /// let table = awsconf::Origin::table(&origins);
    /// assert!(table.contains("port   8080"));
    /// assert!(table.contains("host   localhost  TOML source string  host"));
    /// # Ok(()) }
    /// ```
    pub fn table(origins: &[Origin]) -> String {
        let rows: Vec<Vec<String>> = origins
            .iter()
            .map(|o| {
                vec![
                    o.field.clone(),
                    o.shown_value(),
                    o.source.layer().to_string(),
                    o.source.location(),
                ]
            })
            .collect();
        crate::table::table(&["field", "value", "layer", "where"], &rows)
    }
}

/// figment names an environment variable by its key path (`REDIS.PORT`); the
/// variable the user set is `<prefix><keys joined by the split>`. Finds the one
/// variable of the environment that maps to the key, trying the `__` and `.`
/// splits; `None` when none or several match.
pub(crate) fn env_var_name(layer: &str, key: &str) -> Option<String> {
    let rest = layer.strip_suffix("environment variable(s)")?;
    let prefix = rest.trim().trim_matches('`');
    let key = key.to_ascii_lowercase();
    let matches: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| {
            let Some(tail) = name
                .get(..prefix.len())
                .filter(|p| p.eq_ignore_ascii_case(prefix))
                .and_then(|_| name.get(prefix.len()..))
            else {
                return false;
            };
            let tail = tail.to_ascii_lowercase();
            ["__", "."]
                .iter()
                .any(|split| tail.replace(split, ".") == key)
        })
        .collect();
    match matches.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_display_their_short_form() {
        let p = Source::Parameter {
            name: "/p/api/port".into(),
            version: Some(3),
        };
        assert_eq!(p.to_string(), "AWS Parameter Store /p/api/port (version 3)");
        let s = Source::Secret {
            id: "p/db".into(),
            version_id: None,
        };
        assert_eq!(s.to_string(), "AWS Secrets Manager secret p/db");
        let l = Source::Layer {
            name: "`API_` environment variable(s)".into(),
            location: Some("API_PORT".into()),
        };
        assert_eq!(l.to_string(), "`API_` environment variable(s) API_PORT");
        assert_eq!(Source::Default.to_string(), "default");
        assert_eq!(Source::Absent.location(), "");
    }
}
