//! Derive macro for [`awsconf`](https://docs.rs/awsconf).
//!
//! Use it through the `awsconf` crate, which re-exports it: `#[derive(awsconf::AwsConfig)]`.
//! The macro parses the struct into a typed model (`ast`), checks it as a whole
//! (`check`) and expands to a small, declarative impl (`expand`) whose logic lives
//! in `awsconf::__private`.

mod ast;
mod attr;
mod case;
mod check;
mod ctxt;
mod expand;
mod secret;
mod snapshot;

use proc_macro::TokenStream;

/// Derives `awsconf::AwsConfig`: a static schema of every field and the code that
/// builds the struct from Parameter Store, Secrets Manager and local layers.
///
/// See the `awsconf` crate documentation for the attributes.
#[proc_macro_derive(AwsConfig, attributes(aws_config, param, secret, component))]
pub fn derive_aws_config(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    expand::derive(&input).into()
}

/// Derives `awsconf::Secret` ("this type's `Debug` never shows a secret value")
/// for a struct or enum. It compiles only if every field is itself an
/// `awsconf::Secret` (`SecretString`, a container of it, another type deriving
/// `Secret`) or is marked `#[secret(plaintext)]`; the error points at the
/// field's type. An enum compiles only with `#[secret(plaintext_variant)]`: its
/// `Debug` shows which variant the secret picked (for a unit variant, the
/// value itself), so the enum says that is not secret.
///
/// Use it through the `awsconf` crate: `#[derive(awsconf::Secret)]`.
#[proc_macro_derive(Secret, attributes(secret))]
pub fn derive_secret(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    secret::derive(&input).into()
}
