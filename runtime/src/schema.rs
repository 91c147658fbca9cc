//! The static description of a config struct that `#[derive(AwsConfig)]` emits.
//!
//! Every tool (the loader's fetch plan, error messages, the IAM policy) reads the
//! schema, so what it says is exactly what the struct declares.
//!
//! The types are `#[non_exhaustive]`: read them, match on them, but only the derive
//! builds them (through hidden `const` constructors), so a new attribute can add a
//! field without breaking a user's code.

use figment::value::Value;

/// A field's `#[param(default = ...)]` value in figment's form, for the tools that
/// show it (template, explain). The loader itself uses the typed value. `Err` when
/// the field's type does not serialize (a secret type): such a default is never shown.
pub type DefaultFn = fn() -> Result<Value, Box<figment::Error>>;

/// The schema of one struct deriving `AwsConfig`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Schema {
    /// The Rust type's name, e.g. `"ApiConfig"`.
    pub type_name: &'static str,
    /// `#[aws_config(app = "...")]`, set on a root struct.
    pub app: Option<&'static str>,
    /// Every field, in declaration order.
    pub fields: &'static [Field],
}

/// One field of a config struct.
#[derive(Debug)]
#[non_exhaustive]
pub struct Field {
    /// The Rust field name, used as the key by local layers (TOML, env vars).
    pub ident: &'static str,
    /// The SSM path segment (kebab-cased field name, or `#[param(name = "...")]`).
    pub name: &'static str,
    /// The field's type as written, without `Option<..>`, e.g. `"u16"`.
    pub type_name: &'static str,
    /// The shape of the field's type (without `Option<..>`), as the compiler
    /// resolved it: a type alias of `u16` is an [`Shape::Integer`].
    pub shape: Shape,
    /// `false` for `Option<T>` fields and fields with a default.
    pub required: bool,
    /// The `#[param(default = ...)]` value, if any.
    pub default: Option<DefaultFn>,
    /// Where the value comes from.
    pub kind: Kind,
}

/// The shape of a field's type, for tools that write or describe a value of
/// it (`template`'s placeholders, the parameter type a field expects). The
/// derive asks the compiler (through a trait implemented for the standard
/// types), so it follows type aliases and paths; any type it does not know is
/// [`Shape::Other`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Shape {
    /// `bool`.
    Bool,
    /// An integer type (`u8` to `u128`, `i8` to `i128`, `usize`, `isize`, and
    /// their `NonZero` forms).
    Integer,
    /// `f32` or `f64`.
    Float,
    /// `char`.
    Char,
    /// Text: `String`, `PathBuf`, `SecretString`, and `SecretSlice` (a
    /// secret's text as bytes).
    Text,
    /// A sequence: `Vec`, `VecDeque`, `BTreeSet`, `HashSet` (from a
    /// StringList, or a JSON or TOML array).
    List,
    /// `BTreeMap` or `HashMap` (a JSON object or a TOML table).
    Map,
    /// Any other type: a struct or enum of the user's (JSON, or a unit
    /// variant's name), a `Duration` (text such as `30s`), ...
    Other,
}

/// Where a field's value comes from.
#[derive(Debug)]
#[non_exhaustive]
pub enum Kind {
    /// A Parameter Store parameter at `<prefix>/<name>`.
    Param(Param),
    /// A Secrets Manager secret.
    Secret(Secret),
    /// A nested struct under `<prefix>/<name>/`.
    Component(fn() -> &'static Schema),
    /// `BTreeMap<String, T>` / `HashMap<String, T>`: one `T` per child segment of
    /// `<prefix>/<name>/`.
    Map(fn() -> &'static Schema),
}

/// A Parameter Store field.
#[derive(Debug)]
#[non_exhaustive]
pub struct Param {
    /// `#[param(json)]`: the value is JSON text.
    pub json: bool,
    /// `#[param(version = N)]`: a pinned version.
    pub version: Option<u64>,
    /// `#[param(label = "...")]`: a pinned label.
    pub label: Option<&'static str>,
    /// The field's type is an [`awsconf::Secret`](crate::Secret) (`SecretString`,
    /// a container of it, a type deriving `Secret`), as the compiler decides: its
    /// value is redacted everywhere and it is expected to be a SecureString.
    pub secret: bool,
    /// `#[param(plaintext)]`: the value is not secret by the user's word, so a
    /// SecureString may be read into this field, whose type is not a `Secret`.
    /// Any other field that is not a `Secret` refuses a SecureString at load.
    pub plaintext: bool,
}

/// A Secrets Manager field.
#[derive(Debug)]
#[non_exhaustive]
pub struct Secret {
    /// The secret id template (`{env}`, `{app}`, `{key}` expand); `None` means the
    /// default id `<env>/<app>/<component path>/<field name>`.
    pub id: Option<&'static str>,
    /// One key of a JSON secret.
    pub key: Option<&'static str>,
    /// A pinned version stage, e.g. `AWSPREVIOUS`.
    pub stage: Option<&'static str>,
    /// A pinned version id.
    pub version_id: Option<&'static str>,
    /// For a field that holds the whole secret: the keys of a table its type
    /// does not read (`push` refuses them rather than write them). `None`
    /// without the `tools` feature.
    #[cfg_attr(not(feature = "tools"), allow(dead_code))]
    pub(crate) unknown_keys: Option<UnknownKeysFn>,
}

/// The keys of a value that a field's type does not read, each as a path of
/// keys. Used by generated code only.
#[doc(hidden)]
pub type UnknownKeysFn = fn(&figment::value::Value) -> Vec<Vec<String>>;

impl Schema {
    #[doc(hidden)]
    /// Used by generated code only.
    pub const fn __new(
        type_name: &'static str,
        app: Option<&'static str>,
        fields: &'static [Field],
    ) -> Schema {
        Schema {
            type_name,
            app,
            fields,
        }
    }
}

impl Param {
    #[doc(hidden)]
    /// Used by generated code only.
    pub const fn __new(
        json: bool,
        version: Option<u64>,
        label: Option<&'static str>,
        secret: bool,
        plaintext: bool,
    ) -> Param {
        Param {
            json,
            version,
            label,
            secret,
            plaintext,
        }
    }
}

impl Secret {
    #[doc(hidden)]
    /// Used by generated code only.
    pub const fn __new(
        id: Option<&'static str>,
        key: Option<&'static str>,
        stage: Option<&'static str>,
        version_id: Option<&'static str>,
        unknown_keys: Option<UnknownKeysFn>,
    ) -> Secret {
        Secret {
            id,
            key,
            stage,
            version_id,
            unknown_keys,
        }
    }

    /// The keys of `value` this field's type does not read (see
    /// [`UnknownKeysFn`]); none when that is not known.
    #[cfg(feature = "tools")]
    pub(crate) fn unknown_keys(&self, value: &figment::value::Value) -> Vec<Vec<String>> {
        self.unknown_keys.map(|f| f(value)).unwrap_or_default()
    }
}

impl Field {
    #[doc(hidden)]
    /// Used by generated code only.
    pub const fn __new(
        ident: &'static str,
        name: &'static str,
        type_name: &'static str,
        shape: Shape,
        required: bool,
        default: Option<DefaultFn>,
        kind: Kind,
    ) -> Field {
        Field {
            ident,
            name,
            type_name,
            shape,
            required,
            default,
            kind,
        }
    }

    /// Is this field's value a secret (redacted in every message)? A
    /// `#[secret]` field always is; a parameter is when its type is an
    /// [`awsconf::Secret`](crate::Secret), which the derive asks the compiler.
    pub fn is_secret(&self) -> bool {
        match &self.kind {
            Kind::Secret(_) => true,
            Kind::Param(p) => p.secret,
            Kind::Component(_) | Kind::Map(_) => false,
        }
    }

    /// May a SecureString parameter be read into this field? Only into a
    /// [`Secret`](crate::Secret) type, or a field marked `#[param(plaintext)]`.
    pub fn takes_secure_string(&self) -> bool {
        match &self.kind {
            Kind::Param(p) => p.secret || p.plaintext,
            Kind::Secret(_) | Kind::Component(_) | Kind::Map(_) => true,
        }
    }

    /// The SSM selector suffix (`:3` or `:label`) of a pinned parameter.
    pub fn selector(&self) -> Option<String> {
        match &self.kind {
            Kind::Param(Param {
                version: Some(v), ..
            }) => Some(format!(":{v}")),
            Kind::Param(Param { label: Some(l), .. }) => Some(format!(":{l}")),
            _ => None,
        }
    }
}

/// Where in the tree a walk is: the pieces every name is derived from. One place
/// computes SSM names, secret ids and field paths, for the planner, the decoder and
/// the tools alike.
#[derive(Clone, Debug)]
pub(crate) struct Scope {
    pub env: String,
    pub app: String,
    /// SSM path of this struct, e.g. `/production/api/database`.
    pub ssm_prefix: String,
    /// Rust key path of this struct, e.g. `["database"]`.
    pub keys: Vec<String>,
    /// The key of the innermost map entry, for `{key}` in secret ids.
    pub map_key: Option<String>,
}

impl Scope {
    pub fn root(env: &str, app: &str) -> Scope {
        Scope {
            env: env.to_string(),
            app: app.to_string(),
            ssm_prefix: format!("/{env}/{app}"),
            keys: Vec::new(),
            map_key: None,
        }
    }

    /// The scope of a component field.
    pub fn child(&self, field: &Field) -> Scope {
        let mut keys = self.keys.clone();
        keys.push(field.ident.to_string());
        Scope {
            ssm_prefix: format!("{}/{}", self.ssm_prefix, field.name),
            keys,
            ..self.clone()
        }
    }

    /// The SSM path under which a map field's entries live, e.g. `/production/saas/tenants`.
    pub fn map_prefix(&self, field: &Field) -> String {
        format!("{}/{}", self.ssm_prefix, field.name)
    }

    /// The scope of one entry of a map field.
    pub fn entry(&self, field: &Field, key: &str) -> Scope {
        let mut keys = self.keys.clone();
        keys.push(field.ident.to_string());
        keys.push(key.to_string());
        Scope {
            ssm_prefix: format!("{}/{}/{}", self.ssm_prefix, field.name, key),
            keys,
            map_key: Some(key.to_string()),
            ..self.clone()
        }
    }

    /// The SSM name of a parameter field, without selector.
    pub fn ssm_name(&self, field: &Field) -> String {
        format!("{}/{}", self.ssm_prefix, field.name)
    }

    /// The dotted Rust path of a field, e.g. `database.max_connections`.
    pub fn field_path(&self, field: &Field) -> String {
        let mut path = self.keys.join(".");
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(field.ident);
        path
    }

    /// The key path of a field (for figment dictionaries).
    pub fn field_keys(&self, field: &Field) -> Vec<String> {
        let mut keys = self.keys.clone();
        keys.push(field.ident.to_string());
        keys
    }

    /// The expanded secret id of a secret field.
    pub fn secret_id(&self, field: &Field, secret: &Secret) -> String {
        match secret.id {
            Some(template) => {
                let mut id = template
                    .replace("{env}", &self.env)
                    .replace("{app}", &self.app);
                if let Some(key) = &self.map_key {
                    id = id.replace("{key}", key);
                }
                id
            }
            None => format!("{}/{}", self.ssm_prefix.trim_start_matches('/'), field.name),
        }
    }
}
