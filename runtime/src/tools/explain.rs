//! Provenance: every field's value and the layer that supplied it.
//!
//! [`explain`] runs the load the loader describes (with its local layers) through
//! [`Loader::load_explained`] and reports, per field: the value (never for
//! secrets, SecureStrings, JSON values or tables), the layer (default, Parameter
//! Store, Secrets Manager, a TOML file, environment variables) and where in it (the
//! SSM name and version, the secret id and version id, the file and key, the
//! variable's name).

use serde::Serialize;

use super::table;
use crate::{AwsConfig, Error, Loader, Origin, Root};

/// What [`explain`] shows for a secret's value.
pub use crate::origin::REDACTED;

/// One field's provenance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExplainedField {
    /// The dotted Rust path, e.g. `database.port`.
    pub field: String,
    /// The value as supplied; `None` for secrets, SecureStrings, JSON values,
    /// tables and absent optional fields.
    pub value: Option<String>,
    /// The value is a secret or a SecureString.
    pub secret: bool,
    /// The layer: `default`, `AWS Parameter Store`, `AWS Secrets Manager`,
    /// `TOML file`, `` `API_` environment variable(s)``, or `absent`.
    pub layer: String,
    /// Where in the layer: `/production/api/database/port (version 3)`,
    /// `secret production/stripe/api-key (version …)`, `config/local.toml: database.host`,
    /// `API_REDIS__PORT`, `#[param(default)]`.
    pub location: String,
}

impl ExplainedField {
    fn from_origin(o: Origin) -> ExplainedField {
        ExplainedField {
            layer: o.source.layer().to_string(),
            location: o.source.location(),
            field: o.field,
            value: o.value,
            secret: o.secret,
        }
    }

    /// The value column of the table: the value, `[REDACTED]`, `(absent)` or `(not shown)`.
    pub fn shown_value(&self) -> String {
        match (&self.value, self.secret) {
            (_, true) => REDACTED.to_string(),
            (Some(v), false) => v.clone(),
            (None, false) if self.layer == "absent" => "(absent)".to_string(),
            (None, false) => "(not shown)".to_string(),
        }
    }
}

/// The result of [`explain`].
#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    /// The config type, e.g. `ApiConfig`.
    pub config: &'static str,
    /// Every field, in declaration order.
    pub fields: Vec<ExplainedField>,
}

impl Explanation {
    /// The explanation as a plain-text table.
    pub fn to_table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .fields
            .iter()
            .map(|f| {
                vec![
                    f.field.clone(),
                    f.shown_value(),
                    f.layer.clone(),
                    f.location.clone(),
                ]
            })
            .collect();
        table(&["field", "value", "layer", "where"], &rows)
    }
}

/// Loads `T` as `loader` says and explains where each field came from. Fails with
/// the load's [`Error`] when it would not load.
pub async fn explain<T: AwsConfig + Root>(loader: Loader<T>) -> Result<Explanation, Error> {
    let (_config, origins) = loader.load_explained().await?;
    Ok(Explanation {
        config: T::schema().type_name,
        fields: origins
            .into_iter()
            .map(ExplainedField::from_origin)
            .collect(),
    })
}
