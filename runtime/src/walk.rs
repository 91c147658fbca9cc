//! The one walk over a schema: every struct, component, map entry and
//! parameter or secret field, with every name derived through [`Scope`]
//! ([`visit`], with a [`Visit`]or's callbacks). The fetch plan
//! ([`crate::plan::walk`]), the IAM policy and `check` use its leaves
//! ([`leaves`]); `cost`, `template` and `push` are visitors of their own.

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

/// What a walk over a schema does at each struct and field ([`visit`]). Every
/// method has a default: do nothing, walk into every component, walk no map
/// entry.
pub(crate) trait Visit {
    /// A struct's fields are about to be walked: the root, a component, or a
    /// map entry (`scope` is its own).
    fn enter(&mut self, _schema: &'static Schema, _scope: &Scope) {}
    /// A parameter or secret field.
    fn leaf(&mut self, _leaf: Leaf) {}
    /// A component field: walk into it?
    fn component(&mut self, _scope: &Scope, _field: &'static Field) -> bool {
        true
    }
    /// A map component field: the keys of the entries to walk, in order (from
    /// names read in an env, from a TOML file, `*` for a wildcard, none to stop
    /// at the map, ...).
    fn map(&mut self, _scope: &Scope, _field: &'static Field) -> Vec<String> {
        Vec::new()
    }
    /// The struct last entered is done, its components and map entries too.
    fn leave(&mut self) {}
}

/// The one walk over a schema: `enter`, then each field in declaration order
/// (a leaf, or a component or map entry walked the same way, depth first),
/// then `leave`. Every name is derived through [`Scope`], the same code the
/// loader uses.
pub(crate) fn visit(schema: &'static Schema, scope: &Scope, v: &mut dyn Visit) {
    v.enter(schema, scope);
    for field in schema.fields {
        match &field.kind {
            Kind::Param(_) => v.leaf(Leaf {
                field,
                field_path: scope.field_path(field),
                keys: scope.field_keys(field),
                home: Home::Param {
                    name: scope.ssm_name(field),
                },
            }),
            Kind::Secret(s) => v.leaf(Leaf {
                field,
                field_path: scope.field_path(field),
                keys: scope.field_keys(field),
                home: Home::Secret {
                    id: scope.secret_id(field, s),
                },
            }),
            Kind::Component(child) => {
                if v.component(scope, field) {
                    visit(child(), &scope.child(field), v);
                }
            }
            Kind::Map(element) => {
                for key in v.map(scope, field) {
                    visit(element(), &scope.entry(field, &key), v);
                }
            }
        }
    }
    v.leave();
}

/// Every parameter and secret field of `schema`, depth first in declaration order
/// ([`visit`] with a visitor that collects the leaves). `entries` is asked once
/// per map component for the keys of its entries (from names read in an env, from
/// a TOML file, `*` for a wildcard, none to stop at the map, ...).
pub(crate) fn leaves(
    schema: &'static Schema,
    scope: &Scope,
    entries: &mut dyn FnMut(&Scope, &'static Field) -> Vec<String>,
    out: &mut Vec<Leaf>,
) {
    struct Collect<'a, 'b> {
        entries: &'a mut dyn FnMut(&Scope, &'static Field) -> Vec<String>,
        out: &'b mut Vec<Leaf>,
    }
    impl Visit for Collect<'_, '_> {
        fn leaf(&mut self, leaf: Leaf) {
            self.out.push(leaf);
        }
        fn map(&mut self, scope: &Scope, field: &'static Field) -> Vec<String> {
            (self.entries)(scope, field)
        }
    }
    visit(schema, scope, &mut Collect { entries, out });
}
