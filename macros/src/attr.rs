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
    /// `#[param(secret)]`: the user says the field is secret; the compiler
    /// checks that its type is an `awsconf::Secret`.
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
