//! Used by generated code only; not part of the public API.
//!
//! The derive's expansion stays declarative: it names these helpers and the
//! compiler does the rest (serde's `__private`, confique's `internal`).

pub use crate::decode::Decoder;
pub use crate::leaf::{
    AnyLeaf, AwsConfigLeaf, DeserializeLeaf, LeafProbe, MarkItComponent, OptionalAwsConfigLeaf,
};
/// The limits the derive's compile-time asserts check a root config against.
pub use crate::limits::{SSM_MAX_LEVELS, SSM_NAME_MAX_CHARS};
/// `IsSecret::<T>::IS`: `T: awsconf::Secret` as a constant, for the schema.
pub use crate::secret::{IsSecret, NotSecret};
/// `ShapeOf::<T>::SHAPE`: the shape of a field's type, for the schema.
pub use crate::shape::{HasShape, NoShape, ShapeOf};

/// A default's figment form, for display; see [`crate::schema::DefaultFn`].
pub type DefaultResult = Result<figment::value::Value, Box<figment::Error>>;

/// What a `#[param(default = <expr>)]` expression may be for a field of type `T`.
///
/// The rule, checked by the compiler at the expression:
/// - any expression of type `T` (`100` for a `u16`, `false`, `vec![..]`,
///   `Level::Info`, a `const`);
/// - a string literal for a `String`, `SecretString` or `PathBuf` field;
/// - an array for a `Vec` field: `[1, 2]` for a `Vec<u16>`, `["a", "b"]` for a
///   `Vec<String>`;
/// - for an `Option<T>` field, anything that fits `T` (it becomes `Some`), or an
///   `Option<T>` itself.
///
/// Integer and float literals take the field's type, so `default = 100` fits a
/// `u16`, a `u64` and an `Option<u32>` alike.
#[diagnostic::on_unimplemented(
    message = "a default of type `{Self}` does not fit a field of type `{T}`",
    label = "this default is a `{Self}`, but the field is a `{T}`",
    note = "a default is an expression of the field's type; a string literal also fits a `String`, `SecretString` or `PathBuf` field, an array a `Vec` field, and whatever fits `T` fits an `Option<T>` field"
)]
pub trait IntoDefault<T> {
    /// The field's value.
    fn into_default(self) -> T;
}

impl<T> IntoDefault<T> for T {
    fn into_default(self) -> T {
        self
    }
}

impl<T> IntoDefault<Option<T>> for T {
    fn into_default(self) -> Option<T> {
        Some(self)
    }
}

/// Each conversion, for `T` and for `Option<T>`. Not listed in the error for a
/// wrong default (`do_not_recommend`): the note states the rule.
macro_rules! conversions {
    ($(impl[$($generics:tt)*] $target:ty => $source:ty, |$v:ident| $body:expr;)*) => {$(
        #[diagnostic::do_not_recommend]
        impl<$($generics)*> IntoDefault<$target> for $source {
            fn into_default(self) -> $target {
                let $v = self;
                $body
            }
        }
        #[diagnostic::do_not_recommend]
        impl<$($generics)*> IntoDefault<Option<$target>> for $source {
            fn into_default(self) -> Option<$target> {
                let $v = self;
                Some($body)
            }
        }
    )*};
}

conversions! {
    impl['a] String => &'a str, |s| s.to_string();
    impl['a] crate::SecretString => &'a str, |s| crate::SecretString::from(s);
    impl['a] std::path::PathBuf => &'a str, |s| std::path::PathBuf::from(s);
    impl[T, const N: usize] Vec<T> => [T; N], |items| Vec::from(items);
    impl['a, const N: usize] Vec<String> => [&'a str; N], |items| {
        items.iter().map(|s| s.to_string()).collect()
    };
}

/// A field's default, typed: generated code calls it as `typed_default::<FieldType>(expr)`
/// so that a default of the wrong type is a compile error at the expression.
pub fn typed_default<T>(value: impl IntoDefault<T>) -> T {
    value.into_default()
}

/// A typed default on its way to display (template, explain). Generated code calls
/// `(&Shown(&value)).shown()` with both traits below in scope: a type that
/// implements `Serialize` takes [`ShowSerialized`], any other (a secret type)
/// falls back to [`ShowNothing`] (autoref specialization; the struct is not generic,
/// so the choice is made at compile time).
pub struct Shown<'a, T>(pub &'a T);

/// A default whose type serializes is shown as its figment value.
pub trait ShowSerialized {
    /// The figment value.
    fn shown(&self) -> DefaultResult;
}

impl<T: serde::Serialize> ShowSerialized for Shown<'_, T> {
    fn shown(&self) -> DefaultResult {
        figment::value::Value::serialize(self.0).map_err(Box::new)
    }
}

/// A default whose type does not serialize (a secret type) is not shown.
pub trait ShowNothing {
    /// Always `Err`.
    fn shown(&self) -> DefaultResult;
}

impl<T> ShowNothing for &Shown<'_, T> {
    fn shown(&self) -> DefaultResult {
        Err(Box::new(figment::Error::from(
            "this default's type does not serialize, so it is not shown".to_string(),
        )))
    }
}

/// `max` usable in constants.
pub const fn max(a: usize, b: usize) -> usize {
    if a > b {
        a
    } else {
        b
    }
}

/// Whether awsconf reads `body` as a change event it acts on (an EventBridge
/// or SNS-wrapped Parameter Store or Secrets Manager event), for the tests
/// that check AWS's shapes end to end. Not an API.
#[cfg(feature = "events")]
pub fn is_change_event(body: &str) -> bool {
    crate::events::parse(body).is_ok()
}

/// The snapshot check (`awsconf_names::snapshot`), for the `const` item the derive
/// emits on a root struct when `.awsconf/*.json` exists; [`crate::verify`] runs the
/// same function at run time.
pub use awsconf_names::snapshot::{
    check as snapshot_check, is_sorted as snapshot_is_sorted, MapView, Node, NodeField, NodeKind,
    ParamType, ParamView, Report, SecretView, View,
};

/// A struct's schema as a `const` the snapshot check can walk: the derive
/// implements it for every struct (a component's node is reached from its
/// parent's, which a `fn` pointer in [`crate::Schema`] cannot be in a `const`).
pub trait SnapshotNode {
    /// The struct's node.
    const NODE: &'static Node;
}

/// `T`'s [`UnknownKeysFn`](crate::schema::UnknownKeysFn) for a whole-secret
/// field: with the `tools` feature only, so a loader-only build compiles none.
/// Used by generated code only.
#[cfg(feature = "tools")]
pub const fn unknown_keys_of<T: serde::de::DeserializeOwned>(
) -> Option<crate::schema::UnknownKeysFn> {
    Some(crate::decode::ignored_keys::<T>)
}

/// Without the `tools` feature: none. Used by generated code only.
#[cfg(not(feature = "tools"))]
pub const fn unknown_keys_of<T>() -> Option<crate::schema::UnknownKeysFn> {
    None
}
