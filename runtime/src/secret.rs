//! [`Secret`]: the types a secret value may be read into, proven by the compiler.
//!
//! A value read from Secrets Manager, or from a SecureString parameter, may only
//! land in a type whose `Debug` cannot show it. The derive checks every
//! `#[secret]` field and every `#[param(secret)]` field against this trait, and
//! the schema's [`Field::is_secret`](crate::schema::Field::is_secret) is computed
//! from it, so the tools (explain, template, push, check, the IAM policy) and
//! the compiler never disagree. No runtime guess about key names decides it.

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;

use secrecy::zeroize::Zeroize;
use secrecy::SecretBox;

/// A type whose `Debug` never shows a secret value.
///
/// Implemented for [`SecretString`](crate::SecretString),
/// [`SecretBox<T>`](crate::SecretBox) and [`SecretSlice<T>`](crate::SecretSlice)
/// (their `Debug` prints `[REDACTED]`), and for `Option`, `Vec`, arrays, `Box`,
/// `Rc`, `Arc`, `BTreeMap<K, V>` and `HashMap<K, V>` of a `Secret` (a map's keys
/// are shown; its values are the secrets). For a struct or enum of your own,
/// derive it: `#[derive(awsconf::Secret)]` compiles only if every field is itself
/// a `Secret` or is marked `#[secret(plaintext)]` (a `username`, a `host`, a
/// `port`):
///
/// ```
/// use awsconf::{Secret, SecretString};
/// use awsconf::serde::Deserialize;
///
/// #[derive(Deserialize, Debug, Secret)]
/// #[serde(crate = "awsconf::serde")]
/// pub struct DbCredentials {
///     #[secret(plaintext)]
///     pub username: String,
///     #[secret(plaintext)]
///     pub port: u16,
///     pub password: SecretString,
/// }
///
/// let creds = DbCredentials {
///     username: "app".into(),
///     port: 5432,
///     password: SecretString::from("pa\"ss\\word"),
/// };
/// assert!(!format!("{creds:?}").contains("pa\\\"ss"));
/// ```
///
/// A field that is neither does not compile:
///
/// ```compile_fail
/// #[derive(Debug, awsconf::Secret)]
/// pub struct Leaky {
///     pub password: String, // neither a Secret nor #[secret(plaintext)]
/// }
/// ```
///
/// Implementing it by hand is a promise that the type's `Debug` (and `Display`,
/// if any) shows no secret value; the derive is the way to make that promise
/// checked.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an `awsconf::Secret`: its Debug output could show the secret value",
    label = "`{Self}` can print a secret; a secret may only be read into an `awsconf::Secret`",
    note = "use `awsconf::SecretString` (or a container of it, such as `Option<SecretString>` or `Vec<SecretString>`)",
    note = "for a struct or enum of your own, add `#[derive(awsconf::Secret)]` and mark the fields that are not secret `#[secret(plaintext)]`",
    note = "for one key of a JSON secret that is not secret (a port, a user name), write `#[secret(key = \"...\", plaintext)]`"
)]
pub trait Secret {}

impl<S: Zeroize + ?Sized> Secret for SecretBox<S> {}
impl<T: Secret> Secret for Option<T> {}
impl<T: Secret> Secret for Vec<T> {}
impl<T: Secret, const N: usize> Secret for [T; N] {}
impl<T: Secret + ?Sized> Secret for Box<T> {}
impl<T: Secret + ?Sized> Secret for Rc<T> {}
impl<T: Secret + ?Sized> Secret for Arc<T> {}
impl<K, V: Secret> Secret for BTreeMap<K, V> {}
impl<K, V: Secret, S> Secret for HashMap<K, V, S> {}

/// `IsSecret::<T>::IS`: whether `T` implements [`Secret`], as a constant the
/// derive's static schema can hold. For a concrete `T` the inherent constant
/// (bounded by `T: Secret`) is chosen when it applies, else the trait's
/// `false`. Used by generated code only.
#[doc(hidden)]
pub struct IsSecret<T: ?Sized>(PhantomData<fn() -> *const T>);

/// The fallback of [`IsSecret`]: `false`. Used by generated code only.
#[doc(hidden)]
pub trait NotSecret {
    /// `false`: the type is not a [`Secret`].
    const IS: bool = false;
}

impl<T: ?Sized> NotSecret for IsSecret<T> {}

impl<T: ?Sized + Secret> IsSecret<T> {
    /// `true`: the type is a [`Secret`].
    pub const IS: bool = true;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SecretSlice, SecretString};

    #[test]
    fn the_constant_follows_the_trait() {
        let secret = [
            IsSecret::<SecretString>::IS,
            IsSecret::<SecretSlice<u8>>::IS,
            IsSecret::<Option<Vec<SecretString>>>::IS,
            IsSecret::<HashMap<String, Arc<SecretString>>>::IS,
            IsSecret::<[SecretString; 2]>::IS,
        ];
        assert_eq!(secret, [true; 5]);
        let plain = [
            IsSecret::<String>::IS,
            IsSecret::<Option<String>>::IS,
            IsSecret::<Vec<u8>>::IS,
            IsSecret::<BTreeMap<SecretString, String>>::IS,
        ];
        assert_eq!(plain, [false; 4]);
    }
}
