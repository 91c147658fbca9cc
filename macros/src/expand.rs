//! Expansion: the trait impl with a static schema and a field-by-field decoder.
//! All logic lives in `awsconf::__private`; this file only wires names to it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, ToTokens};

use crate::ast::{Container, Field, Kind};
use crate::attr;
use crate::check;
use crate::ctxt::Ctxt;

pub fn derive(input: &syn::DeriveInput) -> TokenStream {
    let mut cx = Ctxt::default();
    let cont = Container::from_ast(&mut cx, input);
    if let Some(cont) = &cont {
        check::check(&mut cx, cont);
    }
    match (cx.check(), cont) {
        (Ok(()), Some(cont)) => expand(&cont),
        (Err(err), _) => {
            let mut out = err.into_compile_error();
            out.extend(fallback(input));
            out
        }
        (Ok(()), None) => fallback(input),
    }
}

/// After an error: a stub impl, so the user sees the real error and not follow-ons.
fn fallback(input: &syn::DeriveInput) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics ::awsconf::AwsConfig for #ident #ty_generics #where_clause {
            fn schema() -> &'static ::awsconf::schema::Schema {
                ::core::unimplemented!()
            }
            #[doc(hidden)]
            const __MAX_DEPTH: usize = 0;
            #[doc(hidden)]
            const __MAX_LEN: usize = 0;
            #[doc(hidden)]
            fn __decode(_: &mut ::awsconf::__private::Decoder<'_>) -> ::core::option::Option<Self> {
                ::core::unimplemented!()
            }
        }
        #[automatically_derived]
        impl #impl_generics ::awsconf::Root for #ident #ty_generics #where_clause {}
    }
}

fn expand(cont: &Container<'_>) -> TokenStream {
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
    let mut depth = quote!(0usize);
    let mut len = quote!(0usize);

    for (index, field) in cont.fields.iter().enumerate() {
        let var = format_ident!("__f{}", index);
        let member = field.ident;
        let ty = &field.original.ty;
        let default = match &field.default {
            Some(expr) => {
                let name = format_ident!("__awsconf_default_{}", index);
                default_fns.push(quote! {
                    fn #name() -> ::awsconf::__private::DefaultResult {
                        ::awsconf::__private::default_value(&(#expr))
                    }
                });
                quote!(::core::option::Option::Some(#name))
            }
            None => quote!(::core::option::Option::None),
        };
        descriptors.push(descriptor(field, &default));
        let name_len = field.name.len();
        let decode = match &field.kind {
            Kind::Param { .. } => {
                depth = quote!(::awsconf::__private::max(#depth, 1));
                len = quote!(::awsconf::__private::max(#len, #name_len + 1));
                leaf(ty, index)
            }
            Kind::Secret { .. } => leaf(ty, index),
            Kind::Component => {
                depth = quote!(::awsconf::__private::max(#depth, 1 + <#ty as ::awsconf::AwsConfig>::__MAX_DEPTH));
                len = quote!(::awsconf::__private::max(#len, #name_len + 1 + <#ty as ::awsconf::AwsConfig>::__MAX_LEN));
                quote!(__d.component::<#ty>(#index))
            }
            Kind::Map { value_ty } => {
                depth = quote!(::awsconf::__private::max(#depth, 2 + <#value_ty as ::awsconf::AwsConfig>::__MAX_DEPTH));
                len = quote!(::awsconf::__private::max(#len, #name_len + 2 + <#value_ty as ::awsconf::AwsConfig>::__MAX_LEN));
                quote!(__d.map::<#value_ty, #ty>(#index))
            }
        };
        decode_lets.push(quote!(let #var = #decode;));
        inits.push(quote!(#member: #var?));
    }

    let root = cont.app.as_ref().map(|app| {
        let app_len = app.value().len();
        quote! {
            #[automatically_derived]
            impl ::awsconf::Root for #ident {}
            const _: () = {
                ::core::assert!(
                    2 + <#ident as ::awsconf::AwsConfig>::__MAX_DEPTH <= 15,
                    "an SSM path of this config would be deeper than the 15 levels SSM allows (/<env>/<app>/<components...>/<param>)"
                );
                ::core::assert!(
                    3 + #app_len + <#ident as ::awsconf::AwsConfig>::__MAX_LEN <= 1011,
                    "an SSM path of this config would be longer than the 1011 characters SSM allows"
                );
            };
        }
    });

    quote! {
        #[automatically_derived]
        impl ::awsconf::AwsConfig for #ident {
            fn schema() -> &'static ::awsconf::schema::Schema {
                #(#default_fns)*
                static SCHEMA: ::awsconf::schema::Schema = ::awsconf::schema::Schema {
                    type_name: #type_name,
                    app: #app,
                    fields: &[#(#descriptors),*],
                };
                &SCHEMA
            }
            #[doc(hidden)]
            const __MAX_DEPTH: usize = #depth;
            #[doc(hidden)]
            const __MAX_LEN: usize = #len;
            #[doc(hidden)]
            fn __decode(__d: &mut ::awsconf::__private::Decoder<'_>) -> ::core::option::Option<Self> {
                #(#decode_lets)*
                ::core::option::Option::Some(Self { #(#inits),* })
            }
        }
        #root
    }
}

fn opt_str(lit: &Option<syn::LitStr>) -> TokenStream {
    match lit {
        Some(lit) => quote!(::core::option::Option::Some(#lit)),
        None => quote!(::core::option::Option::None),
    }
}

fn descriptor(field: &Field<'_>, default: &TokenStream) -> TokenStream {
    let ident = field.ident.to_string();
    let ident = ident.strip_prefix("r#").unwrap_or(&ident);
    let name = &field.name;
    let type_name = attr::strip_option(&field.original.ty)
        .to_token_stream()
        .to_string()
        .replace(' ', "");
    let required = !field.option && field.default.is_none();
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
            let secret = field.secret_typed;
            quote!(::awsconf::schema::Kind::Param(::awsconf::schema::Param {
                json: #json,
                version: #version,
                label: #label,
                secret: #secret,
            }))
        }
        Kind::Secret {
            id,
            key,
            stage,
            version_id,
        } => {
            let (id, key, stage, version_id) = (
                opt_str(id),
                opt_str(key),
                opt_str(stage),
                opt_str(version_id),
            );
            quote!(::awsconf::schema::Kind::Secret(::awsconf::schema::Secret {
                id: #id,
                key: #key,
                stage: #stage,
                version_id: #version_id,
            }))
        }
        Kind::Component => {
            let ty = &field.original.ty;
            quote!(::awsconf::schema::Kind::Component(<#ty as ::awsconf::AwsConfig>::schema))
        }
        Kind::Map { value_ty } => {
            quote!(::awsconf::schema::Kind::Map(<#value_ty as ::awsconf::AwsConfig>::schema))
        }
    };
    quote! {
        ::awsconf::schema::Field {
            ident: #ident,
            name: #name,
            type_name: #type_name,
            required: #required,
            default: #default,
            kind: #kind,
        }
    }
}

/// A parameter or secret field's decode call. Through a probe on the type, so a
/// struct deriving `AwsConfig` without `#[component]` gets "mark it #[component]"
/// (see the runtime's `leaf` module).
/// Spanned on the field's type, so the error points at it.
fn leaf(ty: &syn::Type, index: usize) -> TokenStream {
    let call = quote::quote_spanned!(syn::spanned::Spanned::span(ty)=>
        (&&::awsconf::__private::LeafProbe::<#ty>::NEW).__awsconf_leaf(__d, #index)
    );
    quote!({
        #[allow(unused_imports)]
        use ::awsconf::__private::{
            AnyLeaf as _, AwsConfigLeaf as _, DeserializeLeaf as _, OptionalAwsConfigLeaf as _,
        };
        #call
    })
}
