//! Parsing of `#[aws_config]`, `#[param]`, `#[secret]` and `#[component]`, one
//! attribute at a time; cross-field rules live in `check`.

use crate::case::RenameRule;
use crate::ctxt::Ctxt;

/// Words that make a `String` field look secret.
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "private_key",
    "credential",
];

#[derive(Default)]
pub struct ContainerAttrs {
    pub app: Option<syn::LitStr>,
    pub rename_all: Option<RenameRule>,
    /// `crate = "..."`: the path of the awsconf crate, for a user who renamed or
    /// re-exported it (as `#[serde(crate = "...")]`).
    pub krate: Option<syn::Path>,
}

impl ContainerAttrs {
    pub fn from_ast(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = ContainerAttrs::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("aws_config")) {
            let result = attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("app") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    set_once(cx, &mut out.app, lit, "app");
                } else if meta.path.is_ident("rename_all") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    match RenameRule::from_str(&lit.value()) {
                        Some(rule) => out.rename_all = Some(rule),
                        None => cx.error_spanned_by(
                            &lit,
                            format!(
                                "unknown rename_all rule; expected one of {}",
                                RenameRule::NAMES
                            ),
                        ),
                    }
                } else if meta.path.is_ident("crate") {
                    let lit: syn::LitStr = meta.value()?.parse()?;
                    match lit.parse::<syn::Path>() {
                        Ok(path) => set_once(cx, &mut out.krate, path, "crate"),
                        Err(_) => cx.error_spanned_by(
                            &lit,
                            "`crate` is the path of the awsconf crate, e.g. `crate = \"my_reexports::awsconf\"`",
                        ),
                    }
                } else {
                    return Err(meta.error(format!(
                        "unknown aws_config attribute `{}`; expected `app`, `rename_all` or `crate`",
                        path_str(&meta.path)
                    )));
                }
                Ok(())
            });
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        out
    }
}

#[derive(Default, Clone, Copy, PartialEq, Eq)]
pub enum FieldRole {
    #[default]
    Param,
    Secret,
    Component,
}

#[derive(Default)]
pub struct FieldAttrs {
    pub role: FieldRole,
    pub name: Option<syn::LitStr>,
    pub default: Option<syn::Expr>,
    pub version: Option<syn::LitInt>,
    pub label: Option<syn::LitStr>,
    pub json: bool,
    pub plaintext: bool,
    /// `#[param(secret)]`: a secret behind a type alias the macro cannot see through.
    pub secret: bool,
    pub id: Option<syn::LitStr>,
    pub key: Option<syn::LitStr>,
    pub stage: Option<syn::LitStr>,
    pub version_id: Option<syn::LitStr>,
}

impl FieldAttrs {
    pub fn from_ast(cx: &mut Ctxt, attrs: &[syn::Attribute]) -> Self {
        let mut out = FieldAttrs::default();
        let mut role_attr: Option<&syn::Attribute> = None;
        for attr in attrs {
            let role = if attr.path().is_ident("param") {
                FieldRole::Param
            } else if attr.path().is_ident("secret") {
                FieldRole::Secret
            } else if attr.path().is_ident("component") {
                FieldRole::Component
            } else {
                continue;
            };
            if let Some(previous) = role_attr {
                if !previous.path().is_ident(&path_str(attr.path())) {
                    cx.error_spanned_by(
                        attr,
                        "a field is either a #[param], a #[secret] or a #[component], not several",
                    );
                    continue;
                }
            }
            role_attr = Some(attr);
            out.role = role;
            let result = match role {
                FieldRole::Component => match &attr.meta {
                    syn::Meta::Path(_) => Ok(()),
                    _ => Err(syn::Error::new_spanned(
                        attr,
                        "#[component] takes no arguments: the field name (kebab-cased) is the path segment",
                    )),
                },
                FieldRole::Param => match &attr.meta {
                    syn::Meta::Path(_) => Ok(()),
                    _ => attr.parse_nested_meta(|meta| out.param_key(cx, meta)),
                },
                FieldRole::Secret => match &attr.meta {
                    syn::Meta::Path(_) => Ok(()),
                    _ => attr.parse_nested_meta(|meta| out.secret_key(cx, meta)),
                },
            };
            if let Err(err) = result {
                cx.syn_error(err);
            }
        }
        out
    }

    fn param_key(
        &mut self,
        cx: &mut Ctxt,
        meta: syn::meta::ParseNestedMeta<'_>,
    ) -> syn::Result<()> {
        if meta.path.is_ident("name") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            set_once(cx, &mut self.name, lit, "name");
        } else if meta.path.is_ident("default") {
            let expr: syn::Expr = meta.value()?.parse()?;
            set_once(cx, &mut self.default, expr, "default");
        } else if meta.path.is_ident("version") {
            let lit: syn::LitInt = meta.value()?.parse()?;
            if lit.base10_parse::<u64>().map(|v| v == 0).unwrap_or(true) {
                cx.error_spanned_by(
                    &lit,
                    "a parameter version is a positive integer (1, 2, ...)",
                );
            }
            set_once(cx, &mut self.version, lit, "version");
        } else if meta.path.is_ident("label") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            set_once(cx, &mut self.label, lit, "label");
        } else if meta.path.is_ident("json") {
            self.json = true;
        } else if meta.path.is_ident("plaintext") {
            self.plaintext = true;
        } else if meta.path.is_ident("secret") {
            self.secret = true;
        } else {
            return Err(meta.error(format!(
                "unknown param attribute `{}`; expected `name`, `default`, `version`, `label`, `json`, `secret` or `plaintext`",
                path_str(&meta.path)
            )));
        }
        Ok(())
    }

    fn secret_key(
        &mut self,
        cx: &mut Ctxt,
        meta: syn::meta::ParseNestedMeta<'_>,
    ) -> syn::Result<()> {
        if meta.path.is_ident("id") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            set_once(cx, &mut self.id, lit, "id");
        } else if meta.path.is_ident("key") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            set_once(cx, &mut self.key, lit, "key");
        } else if meta.path.is_ident("stage") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            set_once(cx, &mut self.stage, lit, "stage");
        } else if meta.path.is_ident("version_id") {
            let lit: syn::LitStr = meta.value()?.parse()?;
            set_once(cx, &mut self.version_id, lit, "version_id");
        } else if meta.path.is_ident("default") {
            let expr: syn::Expr = meta.value()?.parse()?;
            set_once(cx, &mut self.default, expr, "default");
        } else if meta.path.is_ident("plaintext") {
            self.plaintext = true;
        } else {
            return Err(meta.error(format!(
                "unknown secret attribute `{}`; expected `id`, `key`, `stage`, `version_id`, `default` or `plaintext`",
                path_str(&meta.path)
            )));
        }
        Ok(())
    }
}

fn set_once<T: quote::ToTokens>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, what: &str) {
    if slot.is_some() {
        cx.error_spanned_by(&value, format!("duplicate `{what}` attribute"));
    } else {
        *slot = Some(value);
    }
}

fn path_str(path: &syn::Path) -> String {
    path.segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::")
}

fn last_segment(ty: &syn::Type) -> Option<&syn::PathSegment> {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        syn::Type::Group(g) => last_segment(&g.elem),
        syn::Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

fn generic_args(seg: &syn::PathSegment) -> Vec<&syn::Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(args) => args
            .args
            .iter()
            .filter_map(|a| match a {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// `Option<T>`: the value may be absent.
pub fn is_option(ty: &syn::Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option" && generic_args(s).len() == 1)
}

/// The `T` of `Option<T>`, else the type itself.
pub fn strip_option(ty: &syn::Type) -> &syn::Type {
    match last_segment(ty) {
        Some(s) if s.ident == "Option" => generic_args(s).first().copied().unwrap_or(ty),
        _ => ty,
    }
}

/// The wrappers whose `Debug` prints `[REDACTED]`.
const SECRET_WRAPPERS: &[&str] = &["SecretString", "SecretBox", "SecretSlice"];

/// A type with a secret wrapper anywhere in it: `SecretString`,
/// `Vec<SecretString>`, `Option<HashMap<String, SecretString>>`,
/// `Arc<SecretBox<[u8]>>`, `[SecretString; 2]`. Redacted everywhere.
pub fn is_secret_type(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) => p.path.segments.iter().any(|seg| {
            SECRET_WRAPPERS.iter().any(|w| seg.ident == w)
                || generic_args(seg).into_iter().any(is_secret_type)
        }),
        syn::Type::Group(g) => is_secret_type(&g.elem),
        syn::Type::Paren(p) => is_secret_type(&p.elem),
        syn::Type::Reference(r) => is_secret_type(&r.elem),
        syn::Type::Array(a) => is_secret_type(&a.elem),
        syn::Type::Slice(s) => is_secret_type(&s.elem),
        syn::Type::Tuple(t) => t.elems.iter().any(is_secret_type),
        _ => false,
    }
}

/// Types whose `Debug` prints their content and that hold no user type.
const PLAIN_LEAVES: &[&str] = &[
    "String",
    "str",
    "bool",
    "char",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "PathBuf",
    "Path",
    "OsString",
    "Duration",
    "IpAddr",
    "Ipv4Addr",
    "Ipv6Addr",
    "SocketAddr",
    "Value",
    "Url",
];

/// Containers that print what they hold.
const PLAIN_CONTAINERS: &[&str] = &[
    "Option", "Vec", "VecDeque", "HashMap", "BTreeMap", "HashSet", "BTreeSet", "Box", "Arc", "Rc",
    "Cow",
];

/// A type the macro can see holds nothing but printable values: `String`,
/// `u64`, `Vec<String>`, `HashMap<String, String>`, `serde_json::Value`. A user
/// type (`DbCredentials`) or an alias is not visibly plain: its fields are the
/// user's to choose.
pub fn is_visibly_plain(ty: &syn::Type) -> bool {
    match ty {
        syn::Type::Path(p) if p.qself.is_none() => {
            let Some(seg) = p.path.segments.last() else {
                return false;
            };
            let args = generic_args(seg);
            let known = PLAIN_LEAVES.iter().any(|w| seg.ident == w)
                || (!args.is_empty() && PLAIN_CONTAINERS.iter().any(|w| seg.ident == w));
            known && args.into_iter().all(is_visibly_plain)
        }
        syn::Type::Group(g) => is_visibly_plain(&g.elem),
        syn::Type::Paren(p) => is_visibly_plain(&p.elem),
        syn::Type::Reference(r) => is_visibly_plain(&r.elem),
        syn::Type::Array(a) => is_visibly_plain(&a.elem),
        syn::Type::Slice(s) => is_visibly_plain(&s.elem),
        syn::Type::Tuple(t) => t.elems.iter().all(is_visibly_plain),
        _ => false,
    }
}

/// A bare `String` (or `Option<String>`).
pub fn is_bare_string(ty: &syn::Type) -> bool {
    last_segment(strip_option(ty)).is_some_and(|s| s.ident == "String" && s.arguments.is_none())
}

/// The `T` of `BTreeMap<String, T>` / `HashMap<String, T>`.
pub fn map_value_type(ty: &syn::Type) -> Option<&syn::Type> {
    let seg = last_segment(ty)?;
    if seg.ident != "BTreeMap" && seg.ident != "HashMap" {
        return None;
    }
    let args = generic_args(seg);
    match args.as_slice() {
        [_key, value] | [_key, value, _] => Some(value),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(text: &str) -> syn::Type {
        syn::parse_str(text).expect("a type")
    }

    #[test]
    fn secret_wrappers_are_found_anywhere_in_the_type_tree() {
        for secret in [
            "SecretString",
            "awsconf::SecretString",
            "Option<SecretString>",
            "Vec<SecretString>",
            "HashMap<String, SecretString>",
            "Option<BTreeMap<String, Vec<SecretString>>>",
            "std::sync::Arc<SecretString>",
            "SecretBox<[u8]>",
            "[SecretString; 2]",
            "(String, SecretString)",
        ] {
            assert!(is_secret_type(&ty(secret)), "{secret}");
        }
        for plain in [
            "String",
            "Vec<String>",
            "Option<u16>",
            "Secretive",
            "DbCredentials",
        ] {
            assert!(!is_secret_type(&ty(plain)), "{plain}");
        }
    }

    #[test]
    fn plain_types_are_told_from_user_types() {
        for plain in [
            "String",
            "u64",
            "Vec<String>",
            "HashMap<String, String>",
            "serde_json::Value",
            "std::borrow::Cow<'static, str>",
            "(u16, bool)",
        ] {
            assert!(is_visibly_plain(&ty(plain)), "{plain}");
        }
        for user in [
            "DbCredentials",
            "Vec<DbCredentials>",
            "Token",
            "Vec",
            "SecretString",
        ] {
            assert!(!is_visibly_plain(&ty(user)), "{user}");
        }
    }
}
