//! Expansion: the trait impl with a static schema and a field-by-field decoder.
//! All logic lives in `awsconf::__private`; this file only wires names to it.
//! Every path goes through the container's crate path (`::awsconf`, or
//! `#[aws_config(crate = "...")]`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

use crate::ast::{self, Container, Field, Kind};
use crate::attr;
use crate::check;
use crate::ctxt::Ctxt;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let cont = Container::from_ast(&mut cx, input);
    if let Some(cont) = &cont {
        check::check(&mut cx, cont);
    }
    let krate = cont
        .as_ref()
        .map_or_else(ast::default_crate, |c| c.krate.clone());
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => expand(&cont),
        (Err(err), _) => {
            let mut out = err.into_compile_error();
            out.extend(fallback(input, &krate));
            out.extend(crate::snapshot::fallback(input, &krate));
            out
        }
        (Ok(()), None) => {
            let mut out = fallback(input, &krate);
            out.extend(crate::snapshot::fallback(input, &krate));
            out
        }
    }
}

/// After an error: a stub impl, so the user sees the real error and not follow-ons.
fn fallback(input: &syn::DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::AwsConfig for #ident #ty_generics #where_clause {
            fn schema() -> &'static #krate::schema::Schema {
                ::core::unimplemented!()
            }
            #[doc(hidden)]
            const __MAX_DEPTH: usize = 0;
            #[doc(hidden)]
            const __MAX_LEN: usize = 0;
            #[doc(hidden)]
            fn __decode(_: &mut #krate::__private::Decoder<'_>) -> ::core::option::Option<Self> {
                ::core::unimplemented!()
            }
        }
        #[automatically_derived]
        impl #impl_generics #krate::Root for #ident #ty_generics #where_clause {}
    }
}

fn expand(cont: &Container<'_>) -> TokenStream {
    let krate = &cont.krate;
    let private = quote!(#krate::__private);
    let ident = cont.ident;
    let type_name = ident.to_string();
    let app = match &cont.app {
        Some(app) => quote!(::core::option::Option::Some(#app)),
        None => quote!(::core::option::Option::None),
    };

    let mut default_fns = Vec::new();
    let mut descriptors = Vec::new();
    let mut decode_lets = Vec::new();
    let mut inits = Vec::new();
    let mut secret_asserts = Vec::new();
    let mut depth = quote!(0usize);
    let mut len = quote!(0usize);

    for (index, field) in cont.fields.iter().enumerate() {
        let var = format_ident!("__f{}", index);
        let member = field.ident;
        let ty = &field.original.ty;
        // A default is two functions: the typed value, checked by the compiler at
        // the expression (`typed_default`), and its figment form for display.
        let (typed_default, shown_default) = match &field.default {
            Some(expr) => {
                let typed = format_ident!("__awsconf_default_{}", index);
                let shown = format_ident!("__awsconf_shown_default_{}", index);
                default_fns.push(quote! {
                    fn #typed() -> #ty {
                        #private::typed_default::<#ty>(#expr)
                    }
                    fn #shown() -> #private::DefaultResult {
                        #[allow(unused_imports)]
                        use #private::{ShowNothing as _, ShowSerialized as _};
                        (&#private::Shown(&#typed())).shown()
                    }
                });
                (
                    quote!(::core::option::Option::Some(#typed as fn() -> #ty)),
                    quote!(::core::option::Option::Some(#shown as #krate::schema::DefaultFn)),
                )
            }
            None => (
                quote!(::core::option::Option::None),
                quote!(::core::option::Option::None),
            ),
        };
        descriptors.push(descriptor(krate, field, &shown_default));
        secret_asserts.extend(secret_assert(krate, field));
        let name_len = field.name.len();
        let decode = match &field.kind {
            Kind::Param { .. } => {
                depth = quote!(#private::max(#depth, 1));
                len = quote!(#private::max(#len, #name_len + 1));
                leaf(&private, ty, index, &typed_default)
            }
            Kind::Secret { .. } => leaf(&private, ty, index, &typed_default),
            Kind::Component => {
                depth = quote!(#private::max(#depth, 1 + <#ty as #krate::AwsConfig>::__MAX_DEPTH));
                len = quote!(#private::max(#len, #name_len + 1 + <#ty as #krate::AwsConfig>::__MAX_LEN));
                quote!(__d.component::<#ty>(#index))
            }
            Kind::Map { value_ty } => {
                depth = quote!(#private::max(#depth, 2 + <#value_ty as #krate::AwsConfig>::__MAX_DEPTH));
                len = quote!(#private::max(#len, #name_len + 2 + <#value_ty as #krate::AwsConfig>::__MAX_LEN));
                quote!(__d.map::<#value_ty, #ty>(#index))
            }
        };
        decode_lets.push(quote!(let #var = #decode;));
        inits.push(quote!(#member: #var?));
    }

    let root = cont.app.as_ref().map(|app| {
        let app_len = app.value().len();
        // The checks use the runtime's constants; the messages are written at
        // expansion time from the same constants (a const panic takes a literal).
        let too_deep = format!(
            "an SSM path of this config would be deeper than the {} levels SSM allows (/<env>/<app>/<components...>/<param>)",
            awsconf_names::SSM_MAX_LEVELS
        );
        let too_long = format!(
            "an SSM path of this config would be longer than the {} characters SSM allows",
            awsconf_names::SSM_NAME_MAX_CHARS
        );
        quote! {
            #[automatically_derived]
            impl #krate::Root for #ident {}
            const _: () = {
                ::core::assert!(
                    2 + <#ident as #krate::AwsConfig>::__MAX_DEPTH <= #private::SSM_MAX_LEVELS,
                    #too_deep
                );
                ::core::assert!(
                    3 + #app_len + <#ident as #krate::AwsConfig>::__MAX_LEN <= #private::SSM_NAME_MAX_CHARS,
                    #too_long
                );
            };
        }
    });

    let snapshot = crate::snapshot::expand(cont);

    let secret_check = (!secret_asserts.is_empty()).then(|| {
        quote! {
            #[allow(dead_code)]
            fn __awsconf_assert_secret<T: ?::core::marker::Sized + #krate::Secret>() {}
            #(#secret_asserts)*
        }
    });

    quote! {
        const _: () = {
            #(#default_fns)*
            #secret_check

            #[automatically_derived]
            impl #krate::AwsConfig for #ident {
                fn schema() -> &'static #krate::schema::Schema {
                    static SCHEMA: #krate::schema::Schema = #krate::schema::Schema::__new(
                        #type_name,
                        #app,
                        &[#(#descriptors),*],
                    );
                    &SCHEMA
                }
                #[doc(hidden)]
                const __MAX_DEPTH: usize = #depth;
                #[doc(hidden)]
                const __MAX_LEN: usize = #len;
                #[doc(hidden)]
                fn __decode(__d: &mut #private::Decoder<'_>) -> ::core::option::Option<Self> {
                    #(#decode_lets)*
                    ::core::option::Option::Some(Self { #(#inits),* })
                }
            }
        };
        #root
        #snapshot
    }
}

fn opt_str(lit: &Option<syn::LitStr>) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    }
}

fn descriptor(krate: &syn::Path, field: &Field<'_>, default: &TokenStream) -> TokenStream {
    let ident = field.ident.to_string();
    let ident = ident.strip_prefix("r#").unwrap_or(&ident);
    let name = &field.name;
    let type_name = attr::strip_option(&field.original.ty)
        .to_token_stream()
        .to_string()
        .replace(' ', "");
    let required = !field.option && field.default.is_none();
    let schema = quote!(#krate::schema);
    // The type's shape as the compiler resolves it (aliases, paths), for the
    // tools: `ShapeOf::<T>::SHAPE`, `Other` for a type awsconf does not know.
    let shape = {
        let ty = &field.original.ty;
        let private = quote!(#krate::__private);
        quote!({
            #[allow(unused_imports)]
            use #private::NoShape as _;
            #private::ShapeOf::<#ty>::SHAPE
        })
    };
    let kind = match &field.kind {
        Kind::Param {
            json,
            version,
            label,
        } => {
            let version = match version {
                Some(v) => quote!(::core::option::Option::Some(#v)),
                None => quote!(::core::option::Option::None),
            };
            let label = opt_str(label);
            // Secret-ness is the type's: `IsSecret::<T>::IS` is `T: awsconf::Secret`,
            // the same bound the compiler checks, so tools and compiler agree.
            let ty = &field.original.ty;
            let private = quote!(#krate::__private);
            let secret = quote!({
                #[allow(unused_imports)]
                use #private::NotSecret as _;
                #private::IsSecret::<#ty>::IS
            });
            let plaintext = field.plaintext;
            quote!(#schema::Kind::Param(#schema::Param::__new(#json, #version, #label, #secret, #plaintext)))
        }
        Kind::Secret {
            id,
            key,
            stage,
            version_id,
        } => {
            // A field that holds the whole secret: what tells `push` the keys
            // of a table its type does not read.
            let unknown_keys = match key {
                None => {
                    let ty = &field.original.ty;
                    quote!(#krate::__private::unknown_keys_of::<#ty>())
                }
                Some(_) => quote!(::core::option::Option::None),
            };
            let (id, key, stage, version_id) = (
                opt_str(id),
                opt_str(key),
                opt_str(stage),
                opt_str(version_id),
            );
            quote!(#schema::Kind::Secret(#schema::Secret::__new(#id, #key, #stage, #version_id, #unknown_keys)))
        }
        Kind::Component => {
            let ty = &field.original.ty;
            quote!(#schema::Kind::Component(<#ty as #krate::AwsConfig>::schema))
        }
        Kind::Map { value_ty } => {
            quote!(#schema::Kind::Map(<#value_ty as #krate::AwsConfig>::schema))
        }
    };
    quote! {
        #schema::Field::__new(#ident, #name, #type_name, #shape, #required, #default, #kind)
    }
}

/// The compiler's proof that a field may hold a secret: `FieldType: Secret` for a
/// `#[secret]` field (not plaintext) and a `#[param(secret)]` field, and
/// `FieldType: !Secret` for a `#[param(plaintext)]` one (a const assert). Spanned
/// on the field's type, so the error points at it and names it.
fn secret_assert(krate: &syn::Path, field: &Field<'_>) -> Option<TokenStream> {
    let ty = &field.original.ty;
    let span = syn::spanned::Spanned::span(ty);
    if field.must_be_secret {
        return Some(quote::quote_spanned!(span=> let _ = __awsconf_assert_secret::<#ty>;));
    }
    if field.plaintext && matches!(field.kind, Kind::Param { .. }) {
        let private = respan(quote!(#krate::__private), span);
        return Some(quote::quote_spanned!(span=>
            #[allow(unused_imports)]
            use #private::NotSecret as _;
            ::core::assert!(
                !#private::IsSecret::<#ty>::IS,
                "#[param(plaintext)] is for a type that is not secret; this field's type is an awsconf::Secret already: remove `plaintext`"
            );
        ));
    }
    None
}

/// A parameter or secret field's decode call. Through a probe on the type, so a
/// struct deriving `AwsConfig` without `#[component]` gets "mark it #[component]"
/// (see the runtime's `leaf` module).
/// Spanned on the field's type, so the error points at it.
fn leaf(private: &TokenStream, ty: &syn::Type, index: usize, default: &TokenStream) -> TokenStream {
    let span = syn::spanned::Spanned::span(ty);
    // The crate path's own tokens carry the derive's span; the error must point
    // at the field's type, so every token of the call gets that span.
    let probe = respan(private.clone(), span);
    let default = respan(default.clone(), span);
    let call = quote::quote_spanned!(span=>
        (&&#probe::LeafProbe::<#ty>::NEW).__awsconf_leaf(__d, #index, #default)
    );
    quote!({
        #[allow(unused_imports)]
        use #private::{
            AnyLeaf as _, AwsConfigLeaf as _, DeserializeLeaf as _, OptionalAwsConfigLeaf as _,
        };
        #call
    })
}

/// `tokens` with every token's span set to `span`.
pub(crate) fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tree| {
            if let proc_macro2::TokenTree::Group(g) = &tree {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tree = proc_macro2::TokenTree::Group(group);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}
