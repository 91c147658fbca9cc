//! The one walk over a schema: every parameter and secret field, with every name
//! derived through [`Scope`]. The fetch plan ([`crate::plan::walk`]), the IAM
//! policy and the tools are all built on [`leaves`].

use crate::schema::{Field, Kind, Schema, Scope};

/// Where a leaf field's value lives in AWS: the key of what the fetch learnt
/// about it (failed, its version), and, displayed, the location a problem names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Home {
    /// A Parameter Store parameter.
    Param {
        /// The SSM name, without selector.
        name: String,
    },
    /// A Secrets Manager secret.
    Secret {
        /// The expanded secret id.
        id: String,
    },
}

impl std::fmt::Display for Home {
    /// The SSM name, or `secret <id>`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Home::Param { name } => f.write_str(name),
            Home::Secret { id } => write!(f, "secret {id}"),
        }
    }
}

/// One parameter or secret field, with every name derived through [`Scope`], the
/// same code the loader uses.
#[derive(Clone, Debug)]
pub(crate) struct Leaf {
    pub field: &'static Field,
    pub field_path: String,
    /// The Rust key path, as local layers use it.
    pub keys: Vec<String>,
    pub home: Home,
}

/// Every parameter and secret field of `schema`, depth first in declaration order.
/// `entries` is asked once per map component for the keys of its entries (from
/// names read in an env, from a TOML file, `*` for a wildcard, none to stop at the
/// map, ...).
pub(crate) fn leaves(
    schema: &'static Schema,
    scope: &Scope,
    entries: &mut dyn FnMut(&Scope, &'static Field) -> Vec<String>,
    out: &mut Vec<Leaf>,
) {
    for field in schema.fields {
        match &field.kind {
            Kind::Param(_) => out.push(Leaf {
                field,
                field_path: scope.field_path(field),
                keys: scope.field_keys(field),
                home: Home::Param {
                    name: scope.ssm_name(field),
                },
            }),
            Kind::Secret(s) => out.push(Leaf {
                field,
                field_path: scope.field_path(field),
                keys: scope.field_keys(field),
                home: Home::Secret {
                    id: scope.secret_id(field, s),
                },
            }),
            Kind::Component(child) => leaves(child(), &scope.child(field), entries, out),
            Kind::Map(element) => {
                for key in entries(scope, field) {
                    leaves(element(), &scope.entry(field, &key), entries, out);
                }
            }
        }
    }
}
