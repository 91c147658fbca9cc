//! Where a value lives, as data: the SSM name or secret id (from a schema walk's
//! `Home`), the names a call read, or a local layer. Problems, `push` items and
//! `check` findings carry one, so nothing parses a string to learn where.

use std::fmt;

use crate::walk::Home;

/// Where a problem, a pushed item or a drift finding is.
///
/// `Display` gives the short form messages show: the SSM name
/// (`/production/api/database/port`), `secret production/db/postgres`, or the
/// layer's own description.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Location {
    /// One Parameter Store parameter, by its SSM name.
    Parameter {
        /// The SSM name, e.g. `/production/api/database/port`.
        name: String,
    },
    /// The parameters one call read (shown under their common prefix,
    /// `/production/api/database/{host,port}`).
    Parameters {
        /// The SSM names.
        names: Vec<String>,
    },
    /// Every parameter under a path, read by `GetParametersByPath` (a map
    /// component's prefix, e.g. `/production/saas/tenants/`).
    Path {
        /// The path, with its trailing `/`.
        path: String,
    },
    /// One Secrets Manager secret (shown `secret <id>`).
    Secret {
        /// The secret's id: its name or ARN.
        id: String,
    },
    /// The secrets one call read (shown `secrets <id>, <id>`).
    Secrets {
        /// The secrets' ids.
        ids: Vec<String>,
    },
    /// The SQS queue a `Live` receives change events from (shown
    /// `change-events queue <url>`).
    Queue {
        /// The queue's URL; empty while `change_topic` creates it.
        url: String,
    },
    /// The SNS topic a `Live` with `change_topic` subscribes its queue to
    /// (shown `change topic <arn>`).
    Topic {
        /// The topic's ARN.
        arn: String,
    },
    /// A local layer given to `Loader::merge`.
    Layer {
        /// figment's description of the layer and the key in it, e.g. `TOML
        /// file config/local.toml: database.port`, or the environment variable.
        description: String,
    },
}

impl Location {
    /// A parameter.
    pub(crate) fn parameter(name: impl Into<String>) -> Location {
        Location::Parameter { name: name.into() }
    }

    /// A secret.
    pub(crate) fn secret(id: impl Into<String>) -> Location {
        Location::Secret { id: id.into() }
    }

    /// A local layer.
    pub(crate) fn layer(description: impl Into<String>) -> Location {
        Location::Layer {
            description: description.into(),
        }
    }

    /// The parameters of one call: one name is a [`Location::Parameter`].
    pub(crate) fn parameters(mut names: Vec<String>) -> Location {
        match names.len() {
            1 => Location::Parameter {
                name: names.remove(0),
            },
            _ => Location::Parameters { names },
        }
    }

    /// The secrets of one batch call (even of one id: the call, not the
    /// secret, is what failed).
    pub(crate) fn secrets(ids: Vec<String>) -> Location {
        Location::Secrets { ids }
    }

    /// Whether this is in Secrets Manager.
    pub fn is_secret(&self) -> bool {
        matches!(self, Location::Secret { .. } | Location::Secrets { .. })
    }
}

impl From<Home> for Location {
    fn from(home: Home) -> Location {
        match home {
            Home::Param { name } => Location::Parameter { name },
            Home::Secret { id } => Location::Secret { id },
        }
    }
}

impl From<&Home> for Location {
    fn from(home: &Home) -> Location {
        home.clone().into()
    }
}

/// A location serializes as its text (`/p/api/port`, `secret p/db`), as the
/// tools' JSON output always showed it.
impl serde::Serialize for Location {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Parameter { name } => f.write_str(name),
            Location::Parameters { names } => f.write_str(&crate::summary::summarize(names)),
            Location::Path { path } => f.write_str(path),
            Location::Secret { id } => write!(f, "secret {id}"),
            Location::Secrets { ids } => write!(f, "secrets {}", ids.join(", ")),
            Location::Queue { url } if url.is_empty() => {
                f.write_str("change-events queue (being created)")
            }
            Location::Queue { url } => write!(f, "change-events queue {url}"),
            Location::Topic { arn } => write!(f, "change topic {arn}"),
            Location::Layer { description } => f.write_str(description),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_display_as_messages_always_showed_them() {
        let names = vec!["/p/api/db/host".to_string(), "/p/api/db/port".to_string()];
        assert_eq!(
            Location::parameters(names).to_string(),
            "/p/api/db/{host,port}"
        );
        assert_eq!(
            Location::parameters(vec!["/p/a".into()]),
            Location::parameter("/p/a")
        );
        assert_eq!(Location::secret("p/db").to_string(), "secret p/db");
        assert_eq!(
            Location::secrets(vec!["a".into(), "b".into()]).to_string(),
            "secrets a, b"
        );
        assert_eq!(Location::secrets(vec!["a".into()]).to_string(), "secrets a");
        let path = Location::Path {
            path: "/p/saas/tenants/".into(),
        };
        assert_eq!(path.to_string(), "/p/saas/tenants/");
        assert!(Location::secret("x").is_secret() && !path.is_secret());
    }
}
