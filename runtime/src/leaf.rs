//! The decode call for a parameter or secret field, chosen by its type so that a
//! field whose type derives `AwsConfig` but lacks `#[component]` fails to compile
//! with "mark it #[component]", not serde's missing `Deserialize`.
//!
//! Autoref specialization: the generated code calls
//! `(&&LeafProbe::<T>::NEW).__awsconf_leaf(decoder, index, default)`. Method lookup tries
//! `&&LeafProbe<T>` first ([`DeserializeLeaf`], when `T: DeserializeOwned`), then
//! `&LeafProbe<T>` ([`AwsConfigLeaf`], when `T: AwsConfig`, or
//! [`OptionalAwsConfigLeaf`] for `Option<T>`: their method requires
//! [`MarkItComponent`], which no type implements), then `LeafProbe<T>`
//! ([`AnyLeaf`]: serde's own error names the missing `Deserialize`).

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::decode::Decoder;
use crate::AwsConfig;

/// A zero-sized stand-in for the field type `T`.
pub struct LeafProbe<T>(PhantomData<fn() -> T>);

impl<T> LeafProbe<T> {
    /// The probe.
    pub const NEW: LeafProbe<T> = LeafProbe(PhantomData);
}

/// A value serde can read: the field is decoded as a leaf.
pub trait DeserializeLeaf<T> {
    /// Decodes field `index`.
    fn __awsconf_leaf(
        self,
        decoder: &mut Decoder<'_>,
        index: usize,
        default: Option<fn() -> T>,
    ) -> Option<T>;
}

impl<T: DeserializeOwned> DeserializeLeaf<T> for &&LeafProbe<T> {
    fn __awsconf_leaf(
        self,
        decoder: &mut Decoder<'_>,
        index: usize,
        default: Option<fn() -> T>,
    ) -> Option<T> {
        decoder.leaf::<T>(index, default)
    }
}

/// A struct that derives `AwsConfig` used as a parameter: a compile error.
pub trait AwsConfigLeaf<T> {
    /// Never compiles: `T: MarkItComponent` holds for no type.
    fn __awsconf_leaf(
        self,
        decoder: &mut Decoder<'_>,
        index: usize,
        default: Option<fn() -> T>,
    ) -> Option<T>
    where
        T: MarkItComponent;
}

impl<T: AwsConfig> AwsConfigLeaf<T> for &LeafProbe<T> {
    fn __awsconf_leaf(self, _: &mut Decoder<'_>, _: usize, _: Option<fn() -> T>) -> Option<T>
    where
        T: MarkItComponent,
    {
        None
    }
}

/// The same as an `Option`: a compile error naming the struct, not the `Option`.
pub trait OptionalAwsConfigLeaf<T> {
    /// Never compiles: `T: MarkItComponent` holds for no type.
    fn __awsconf_leaf(
        self,
        decoder: &mut Decoder<'_>,
        index: usize,
        default: Option<fn() -> Option<T>>,
    ) -> Option<Option<T>>
    where
        T: MarkItComponent;
}

impl<T: AwsConfig> OptionalAwsConfigLeaf<T> for &LeafProbe<Option<T>> {
    fn __awsconf_leaf(
        self,
        _: &mut Decoder<'_>,
        _: usize,
        _: Option<fn() -> Option<T>>,
    ) -> Option<Option<T>>
    where
        T: MarkItComponent,
    {
        None
    }
}

/// Anything else: decoded as a leaf, and serde's error says what is missing.
pub trait AnyLeaf<T> {
    /// Decodes field `index`.
    fn __awsconf_leaf(
        self,
        decoder: &mut Decoder<'_>,
        index: usize,
        default: Option<fn() -> T>,
    ) -> Option<T>
    where
        T: DeserializeOwned;
}

impl<T> AnyLeaf<T> for LeafProbe<T> {
    fn __awsconf_leaf(
        self,
        decoder: &mut Decoder<'_>,
        index: usize,
        default: Option<fn() -> T>,
    ) -> Option<T>
    where
        T: DeserializeOwned,
    {
        decoder.leaf::<T>(index, default)
    }
}

/// Implemented by no type: the bound that turns "a struct deriving `AwsConfig`
/// without `#[component]`" into a compile error with a clear message.
#[diagnostic::on_unimplemented(
    message = "`{Self}` derives AwsConfig: mark the field #[component]",
    label = "a struct deriving AwsConfig is a component, not a parameter",
    note = "write `#[component]` on this field: its fields are read from /<env>/<app>/<field-name>/..."
)]
pub trait MarkItComponent {}
