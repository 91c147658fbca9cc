//! `#[derive(Secret)]`: a struct or enum whose every field is an `awsconf::Secret`
//! or says `#[secret(plaintext)]`; an enum must also say its variant is not
//! secret (`#[secret(plaintext_variant)]`), since its `Debug` prints the
//! variant. The check is the compiler's: each field that is not plaintext
//! becomes an assertion `FieldType: Secret` spanned at its type, so the error
//! points at the type and names it (the trait's `on_unimplemented` says how to
//! fix it).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};

use crate::ast::default_crate;
use crate::ctxt::Ctxt;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let container = container_attrs(&mut cx, &input.attrs);
    let krate = container.krate.unwrap_or_else(default_crate);
    let fields: Vec<&syn::Field> = match &input.data {
        syn::Data::Struct(_) if container.plaintext_variant => {
            cx.error_spanned_by(
                &input.ident,
                "#[secret(plaintext_variant)] is for an enum; a struct has no variant to show",
            );
            Vec::new()
        }
        syn::Data::Struct(data) => data.fields.iter().collect(),
        syn::Data::Enum(data) => {
            // The derived `Debug` prints the variant, and the secret's value picks
            // it: for a unit variant, the variant's name is the value itself.
            if !data.variants.is_empty() && !container.plaintext_variant {
                cx.error_spanned_by(
                    &input.ident,
                    format!(
                        "`{}`'s Debug shows its variant, and the secret's value picks it (a unit variant's \
                         name is the value itself); if which variant it is is not secret, say \
                         #[secret(plaintext_variant)] on the enum, otherwise read the value into a SecretString",
                        input.ident
                    ),
                );
            }
            data.variants.iter().flat_map(|v| v.fields.iter()).collect()
        }
        syn::Data::Union(_) => {
            cx.error_spanned_by(
                &input.ident,
                "awsconf::Secret can be derived for a struct or an enum, not a union",
            );
            Vec::new()
        }
    };
    let mut secret_fields = Vec::new();
    for field in fields {
        if !field_is_plaintext(&mut cx, field) {
            secret_fields.push(&field.ty);
        }
    }
    if let Err(err) = cx.check() {
        return err.into_compile_error();
    }

    let generic_names: Vec<String> = input
        .generics
        .params
        .iter()
        .map(|p| match p {
            syn::GenericParam::Type(t) => t.ident.to_string(),
            syn::GenericParam::Lifetime(l) => l.lifetime.ident.to_string(),
            syn::GenericParam::Const(c) => c.ident.to_string(),
        })
        .collect();
    // A field type that names a generic parameter is a bound of the impl (as
    // serde's derives bound `T: Deserialize`); a concrete one is asserted.
    let (generic, concrete): (Vec<&syn::Type>, Vec<&syn::Type>) = secret_fields
        .into_iter()
        .partition(|ty| mentions_any(ty.to_token_stream(), &generic_names));

    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    let mut predicates: Vec<TokenStream> = where_clause
        .map(|w| w.predicates.iter().map(ToTokens::to_token_stream).collect())
        .unwrap_or_default();
    for ty in &generic {
        let span = syn::spanned::Spanned::span(ty);
        let bound = respan(krate.to_token_stream(), span);
        predicates.push(quote_spanned!(span=> #ty: #bound::Secret));
    }
    let asserts = concrete.iter().map(|ty| {
        let span = syn::spanned::Spanned::span(ty);
        quote_spanned!(span=> let _ = __awsconf_assert_secret::<#ty>;)
    });
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Secret for #ident #ty_generics
        where #(#predicates,)*
        {}
        const _: () = {
            fn __awsconf_assert_secret<T: ?::core::marker::Sized + #krate::Secret>() {}
            #(#asserts)*
        };
    }
}

/// What `#[secret(..)]` on the container says.
#[derive(Default)]
struct Container {
    /// `crate = "..."`: the path of the awsconf crate.
    krate: Option<syn::Path>,
    /// `plaintext_variant`: an enum's variant is not secret (its `Debug` shows it).
    plaintext_variant: bool,
}

fn container_attrs(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Container {
    let mut out = Container::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("secret")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("crate") {
                let lit: syn::LitStr = meta.value()?.parse()?;
                out.krate = Some(lit.parse::<syn::Path>()?);
                Ok(())
            } else if meta.path.is_ident("plaintext_variant") {
                out.plaintext_variant = true;
                Ok(())
            } else {
                Err(meta.error(
                    "on a type deriving awsconf::Secret, #[secret(..)] takes `crate = \"...\"` or, on an \
                     enum, `plaintext_variant`; mark a field that is not secret `#[secret(plaintext)]`",
                ))
            }
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
    out
}

/// `#[secret(plaintext)]` on a field: a value that is not secret (a username,
/// a host, a port), shown by the type's `Debug`.
fn field_is_plaintext(cx: &mut Ctxt, field: &syn::Field) -> bool {
    let mut plaintext = false;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("secret")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("plaintext") {
                plaintext = true;
                Ok(())
            } else {
                Err(meta.error(
                    "on a field of a type deriving awsconf::Secret, #[secret(..)] takes only `plaintext`",
                ))
            }
        });
        if let Err(err) = result {
            cx.syn_error(err);
        }
    }
    plaintext
}

/// Does `tokens` name one of `names` (a generic parameter)?
fn mentions_any(tokens: TokenStream, names: &[String]) -> bool {
    tokens.into_iter().any(|tree| match tree {
        proc_macro2::TokenTree::Ident(ident) => names.iter().any(|n| ident == n),
        proc_macro2::TokenTree::Group(g) => mentions_any(g.stream(), names),
        _ => false,
    })
}

/// `tokens` with every token's span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    crate::expand::respan(tokens, span)
}
