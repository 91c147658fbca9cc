//! Verified builds: every struct's schema as a `const` node
//! (`awsconf::__private::SnapshotNode`), and, on a root struct, when environment
//! snapshots exist (`.awsconf/*.json` beside the crate's `Cargo.toml`, or the
//! directory `AWSCONF_SNAPSHOTS` names; `AWSCONF_SNAPSHOTS=off` turns it off), a
//! `const` item that runs the snapshot check at compile time.
//!
//! The check itself is `awsconf_names::snapshot::check`, a `const fn` that
//! `awsconf::verify` also runs: this file only embeds each snapshot as `const` data
//! (parsed here by the same parser) and panics, in the `const` item, with the
//! check's messages. Why a `const` item and not a check here: a derive sees only its
//! own struct's fields, and a component's fields are known only through its own
//! derive's output, which the compiler joins in the `const` evaluation.

use std::path::{Path, PathBuf};

use awsconf_names::snapshot::{ParamType, Snapshot};
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};

use crate::ast::{Container, Kind};
use crate::attr;

/// The environment variable naming the snapshot directory, or `off`.
const DIR_VAR: &str = "AWSCONF_SNAPSHOTS";
/// The bytes of messages the compile-time check prints at most.
const REPORT_BYTES: usize = 8 * 1024;

/// The `SnapshotNode` impl of any struct, and the check of a root.
pub fn expand(cont: &Container<'_>) -> TokenStream {
    let krate = &cont.krate;
    let private = quote!(#krate::__private);
    let ident = cont.ident;
    let type_name = ident.to_string();
    let app = match &cont.app {
        Some(app) => quote!(::core::option::Option::Some(#app)),
        None => quote!(::core::option::Option::None),
    };
    let fields = cont.fields.iter().map(|field| {
        let name_ident = field.ident.to_string();
        let name_ident = name_ident.strip_prefix("r#").unwrap_or(&name_ident);
        let name = &field.name;
        let ty_name = attr::strip_option(&field.original.ty)
            .to_token_stream()
            .to_string()
            .replace(' ', "");
        let required = !field.option && field.default.is_none();
        let opt = |lit: &Option<syn::LitStr>| match lit {
            Some(lit) => quote!(::core::option::Option::Some(#lit)),
            None => quote!(::core::option::Option::None),
        };
        let kind = match &field.kind {
            Kind::Param { json, .. } => {
                // The schema's own rule (`expand.rs`): `T: awsconf::Secret`.
                let ty = &field.original.ty;
                let secret = quote!({
                    #[allow(unused_imports)]
                    use #private::NotSecret as _;
                    #private::IsSecret::<#ty>::IS
                });
                let plaintext = field.plaintext;
                quote!(#private::NodeKind::Param { json: #json, secret: #secret, plaintext: #plaintext })
            }
            Kind::Secret { id, key, .. } => {
                let (id, key) = (opt(id), opt(key));
                quote!(#private::NodeKind::Secret { id: #id, key: #key })
            }
            Kind::Component => {
                let ty = &field.original.ty;
                quote!(#private::NodeKind::Component(<#ty as #private::SnapshotNode>::NODE))
            }
            Kind::Map { value_ty } => {
                quote!(#private::NodeKind::Map(<#value_ty as #private::SnapshotNode>::NODE))
            }
        };
        quote! {
            #private::NodeField {
                ident: #name_ident,
                name: #name,
                type_name: #ty_name,
                required: #required,
                kind: #kind,
            }
        }
    });
    let check = cont
        .app
        .as_ref()
        .map(|app| root_check(&private, ident, &app.value()));
    quote! {
        #[automatically_derived]
        impl #private::SnapshotNode for #ident {
            const NODE: &'static #private::Node = &#private::Node {
                type_name: #type_name,
                app: #app,
                fields: &[#(#fields),*],
            };
        }
        #check
    }
}

/// After an error in the struct: an empty node, so no follow-on error.
pub fn fallback(input: &syn::DeriveInput, krate: &syn::Path) -> TokenStream {
    let ident = &input.ident;
    let type_name = ident.to_string();
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    quote! {
        #[automatically_derived]
        impl #impl_generics #krate::__private::SnapshotNode for #ident #ty_generics #where_clause {
            const NODE: &'static #krate::__private::Node = &#krate::__private::Node {
                type_name: #type_name,
                app: ::core::option::Option::None,
                fields: &[],
            };
        }
    }
}

/// Where the snapshots are: `None` when the check is off or there is no directory.
fn snapshot_dir() -> Option<PathBuf> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    match std::env::var(DIR_VAR) {
        Ok(v) if v.trim().eq_ignore_ascii_case("off") => None,
        Ok(v) if !v.is_empty() => Some(manifest.join(v)),
        _ => Some(manifest.join(".awsconf")),
    }
}

/// Every `*.json` file of `dir`, sorted.
fn snapshot_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .collect();
    files.sort();
    files
}

/// The `const` item that checks a root struct against every snapshot of its app.
/// Nothing when no snapshot exists (and `AWSCONF_SNAPSHOTS` is unset).
fn root_check(private: &TokenStream, ident: &syn::Ident, app: &str) -> TokenStream {
    // `option_env!` makes cargo rebuild the crate when the variable changes,
    // set or not (an unset variable is tracked too).
    let track_var = quote!(
        const _: ::core::option::Option<&str> = ::core::option_env!(#DIR_VAR);
    );
    let Some(dir) = snapshot_dir() else {
        return quote!(const _: () = { #track_var };);
    };
    let files = snapshot_files(&dir);
    // A directory the variable names must hold snapshots: a typo would turn
    // the check off without a word.
    let named = std::env::var(DIR_VAR).ok().filter(|v| !v.is_empty());
    if let Some(named) = named.filter(|_| files.is_empty()) {
        let msg = format!(
            "awsconf: {DIR_VAR}={named:?} names {}, which is no directory holding snapshots (*.json); `off` turns the check off",
            dir.display()
        );
        return syn::Error::new(ident.span(), msg).into_compile_error();
    }
    if files.is_empty() {
        return quote!(const _: () = { #track_var };);
    }
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    let mut tracked = Vec::new();
    let mut views = Vec::new();
    for path in &files {
        let abs = path.to_string_lossy().into_owned();
        // `include_bytes!` makes cargo rebuild the crate when the file changes.
        tracked.push(quote!(
            const _: &[u8] = ::core::include_bytes!(#abs);
        ));
        let shown = manifest
            .as_deref()
            .and_then(|m| path.strip_prefix(m).ok())
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let snap = match std::fs::read_to_string(path)
            .map_err(|e| e.to_string())
            .and_then(|text| Snapshot::parse(&text))
            .and_then(|snap| {
                snap.check_file_name(&stem)?;
                Ok(snap)
            }) {
            Ok(snap) => snap,
            Err(e) => {
                let msg = format!("awsconf: cannot read the environment snapshot {shown}: {e}");
                return syn::Error::new(ident.span(), msg).into_compile_error();
            }
        };
        if snap.app == app {
            views.push(view(private, &snap, &shown));
        }
    }
    let check = quote_spanned! {ident.span()=>
        const __AWSCONF_REPORT: #private::Report<#REPORT_BYTES> = {
            let mut report = #private::Report::new();
            #private::snapshot_check(
                <#ident as #private::SnapshotNode>::NODE,
                __AWSCONF_SNAPSHOTS,
                &mut report,
            );
            report
        };
        if __AWSCONF_REPORT.count() > 0 {
            ::core::panic!("{}", __AWSCONF_REPORT.as_str());
        }
    };
    // A snapshot of thousands of names is a long evaluation, not a loop.
    quote! {
        #[allow(long_running_const_eval)]
        const _: () = {
            #track_var
            #(#tracked)*
            const __AWSCONF_SNAPSHOTS: &[#private::View<'static>] = &[#(#views),*];
            #check
        };
    }
}

fn param_type(private: &TokenStream, ty: Option<ParamType>) -> TokenStream {
    match ty {
        Some(ParamType::String) => {
            quote!(::core::option::Option::Some(#private::ParamType::String))
        }
        Some(ParamType::StringList) => {
            quote!(::core::option::Option::Some(#private::ParamType::StringList))
        }
        Some(ParamType::SecureString) => {
            quote!(::core::option::Option::Some(#private::ParamType::SecureString))
        }
        None => quote!(::core::option::Option::None),
    }
}

/// One snapshot as a `const` `View`.
fn view(private: &TokenStream, snap: &Snapshot, shown: &str) -> TokenStream {
    let (env, app) = (&snap.env, &snap.app);
    let params = snap.parameters.iter().map(|p| {
        let name = &p.name;
        let ty = param_type(private, p.ty);
        quote!(#private::ParamView { name: #name, ty: #ty })
    });
    let secrets = snap.secrets.iter().map(|s| {
        let (id, exists) = (&s.id, s.exists);
        let keys = match &s.keys {
            Some(keys) => quote!(::core::option::Option::Some(&[#(#keys),*])),
            None => quote!(::core::option::Option::None),
        };
        quote!(#private::SecretView { id: #id, exists: #exists, keys: #keys })
    });
    let maps = snap.maps.iter().map(|m| {
        let (prefix, names) = (&m.prefix, &m.names);
        quote!(#private::MapView { prefix: #prefix, names: &[#(#names),*] })
    });
    quote! {
        #private::View {
            env: #env,
            app: #app,
            file: #shown,
            params: &[#(#params),*],
            secrets: &[#(#secrets),*],
            maps: &[#(#maps),*],
        }
    }
}
