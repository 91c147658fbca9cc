//! The typed model of a `#[derive(AwsConfig)]` struct, borrowing the syn nodes so
//! every later check can point at the right span.

use crate::attr::{self, ContainerAttrs, FieldAttrs, FieldRole};
use crate::case::RenameRule;
use crate::ctxt::Ctxt;

pub struct Container<'a> {
    pub ident: &'a syn::Ident,
    /// The path every generated item goes through: `#[aws_config(crate = "...")]`,
    /// else `::awsconf`.
    pub krate: syn::Path,
    pub app: Option<syn::LitStr>,
    pub fields: Vec<Field<'a>>,
}

pub struct Field<'a> {
    pub original: &'a syn::Field,
    pub ident: &'a syn::Ident,
    /// The SSM path segment (param name or component segment).
    pub name: String,
    /// What to point at when the name is wrong: the `name = ".."` literal or the ident.
    pub name_span: proc_macro2::Span,
    pub kind: Kind<'a>,
    pub option: bool,
    /// `#[secret]` (not plaintext) or `#[param(secret)]`: the type must be an
    /// `awsconf::Secret`, asserted by the compiler at the type.
    pub must_be_secret: bool,
    /// `plaintext`: a field that is not secret by the user's word (one key of
    /// a JSON secret, or a parameter that may be a SecureString).
    pub plaintext: bool,
    pub default: Option<syn::Expr>,
}

pub enum Kind<'a> {
    Param {
        json: bool,
        version: Option<syn::LitInt>,
        label: Option<syn::LitStr>,
    },
    Secret {
        id: Option<syn::LitStr>,
        key: Option<syn::LitStr>,
        stage: Option<syn::LitStr>,
        version_id: Option<syn::LitStr>,
    },
    Component,
    Map {
        value_ty: &'a syn::Type,
    },
}

/// `::awsconf`.
pub fn default_crate() -> syn::Path {
    syn::parse_quote!(::awsconf)
}

impl<'a> Container<'a> {
    /// Parses the input; returns `None` only when the input is not a struct with named
    /// fields (an error is recorded). Attribute errors are recorded and parsing goes on.
    pub fn from_ast(cx: &mut Ctxt, input: &'a syn::DeriveInput) -> Option<Self> {
        let syn::Data::Struct(data) = &input.data else {
            cx.error_spanned_by(
                &input.ident,
                "AwsConfig can only be derived for a struct with named fields",
            );
            return None;
        };
        let syn::Fields::Named(named) = &data.fields else {
            cx.error_spanned_by(
                &input.ident,
                "AwsConfig can only be derived for a struct with named fields",
            );
            return None;
        };
        if !input.generics.params.is_empty() {
            cx.error_spanned_by(
                &input.generics,
                "AwsConfig cannot be derived for a generic struct: every SSM path must be known at compile time",
            );
        }
        let attrs = ContainerAttrs::from_ast(cx, &input.attrs);
        let rename_all = attrs.rename_all.unwrap_or_default();
        let fields = named
            .named
            .iter()
            .filter_map(|f| Field::from_ast(cx, f, rename_all))
            .collect();
        Some(Container {
            ident: &input.ident,
            krate: attrs.krate.unwrap_or_else(default_crate),
            app: attrs.app,
            fields,
        })
    }
}

impl<'a> Field<'a> {
    fn from_ast(cx: &mut Ctxt, original: &'a syn::Field, rename_all: RenameRule) -> Option<Self> {
        let ident = original.ident.as_ref()?;
        let attrs = FieldAttrs::from_ast(cx, &original.attrs);
        let option = attr::is_option(&original.ty);
        let (name, name_span) = match &attrs.name {
            Some(lit) => (lit.value(), lit.span()),
            None => (rename_all.apply(&ident.to_string()), ident.span()),
        };
        let has_key = attrs.key.is_some();
        let kind = match attrs.role {
            FieldRole::Param => Kind::Param {
                json: attrs.json,
                version: attrs.version,
                label: attrs.label,
            },
            FieldRole::Secret => Kind::Secret {
                id: attrs.id,
                key: attrs.key,
                stage: attrs.stage,
                version_id: attrs.version_id,
            },
            FieldRole::Component => match attr::map_value_type(&original.ty) {
                Some(value_ty) => Kind::Map { value_ty },
                None => Kind::Component,
            },
        };
        if attrs.plaintext && attrs.secret {
            cx.error_spanned_by(
                &original.ty,
                "a field is either #[param(secret)] or #[param(plaintext)], not both",
            );
        }
        if attrs.secret && !matches!(kind, Kind::Param { .. }) {
            cx.error_spanned_by(
                &original.ty,
                "`secret` marks a #[param] field; a #[secret] field is always secret",
            );
        }
        if matches!(kind, Kind::Secret { .. }) && attrs.plaintext && !has_key {
            cx.error_spanned_by(
                &original.ty,
                "#[secret(plaintext)] is for one key of a JSON secret that is not secret (`key = \"port\"`); a whole secret is always secret",
            );
        }
        // A name that looks secret on a bare `String` parameter: most likely a
        // secret declared by mistake. Not what the promise rests on (that is the
        // `Secret` bound and the SecureString check at load); a hint at compile
        // time, before the parameter exists.
        if !attrs.plaintext && !attrs.secret && matches!(kind, Kind::Param { .. }) {
            let lower = ident.to_string().to_ascii_lowercase();
            if attr::is_bare_string(&original.ty) {
                if let Some(word) = attr::SECRET_WORDS.iter().find(|w| lower.contains(*w)) {
                    cx.error_spanned_by(
                        &original.ty,
                        format!(
                            "field `{ident}` looks secret (its name contains `{word}`) but is a plain `String`, \
                             which would print in Debug output and errors; use `awsconf::SecretString` \
                             (a SecureString parameter) or `#[secret]`, or mark it `#[param(plaintext)]` if it is not secret"
                        ),
                    );
                }
            }
        }
        // The compiler proves these hold a `Secret`: a whole secret or a secret
        // key, and a parameter the user says is secret.
        let must_be_secret = match kind {
            Kind::Secret { .. } => !attrs.plaintext,
            Kind::Param { .. } => attrs.secret,
            Kind::Component | Kind::Map { .. } => false,
        };
        Some(Field {
            original,
            ident,
            name,
            name_span,
            kind,
            option,
            must_be_secret,
            plaintext: attrs.plaintext,
            default: attrs.default,
        })
    }
}
