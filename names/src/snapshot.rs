//! Snapshots of an environment (`.awsconf/<env>.json`, written by `prepare`) and the
//! one check of a config struct against them.
//!
//! The check is a `const fn` over borrowed views ([`View`], [`Node`]), so the same code
//! runs in two places: in a `const` item the `awsconf` derive emits for a root struct
//! (a compile error, no AWS credentials), and in `awsconf::verify` at run time (an
//! `Error`, for a `#[test]`). Both print the same messages, written by [`Report`].
//!
//! A snapshot never holds a value: parameter names, whether each exists, its type and
//! version; the names under each map component's prefix; each secret's existence and,
//! for a JSON secret, its top-level key names.

#[cfg(feature = "json")]
mod json;
#[cfg(feature = "json")]
pub use json::{MapRecord, ParamRecord, SecretRecord, Snapshot, FORMAT};

/// A Parameter Store parameter's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ParamType {
    /// `String`.
    String,
    /// `StringList`: comma-separated text.
    StringList,
    /// `SecureString`: encrypted with KMS.
    SecureString,
}

impl ParamType {
    /// AWS's name for the type.
    pub const fn as_str(self) -> &'static str {
        match self {
            ParamType::String => "String",
            ParamType::StringList => "StringList",
            ParamType::SecureString => "SecureString",
        }
    }

    /// The type from AWS's name; `None` for anything else.
    pub fn parse(s: &str) -> Option<ParamType> {
        match s {
            "String" => Some(ParamType::String),
            "StringList" => Some(ParamType::StringList),
            "SecureString" => Some(ParamType::SecureString),
            _ => None,
        }
    }
}

/// One recorded parameter. `ty` is `None` when the parameter does not exist.
#[derive(Clone, Copy, Debug)]
pub struct ParamView<'a> {
    /// The SSM name.
    pub name: &'a str,
    /// Its type, `None` when it does not exist.
    pub ty: Option<ParamType>,
}

/// One recorded secret.
#[derive(Clone, Copy, Debug)]
pub struct SecretView<'a> {
    /// The secret id.
    pub id: &'a str,
    /// Does it exist?
    pub exists: bool,
    /// For a secret whose value is a JSON object, its top-level key names, sorted.
    pub keys: Option<&'a [&'a str]>,
}

/// One map component's prefix and every parameter name under it, sorted.
#[derive(Clone, Copy, Debug)]
pub struct MapView<'a> {
    /// The map's SSM prefix, without a trailing `/`.
    pub prefix: &'a str,
    /// Every name under `prefix/`.
    pub names: &'a [&'a str],
}

/// One environment's snapshot, borrowed. Every slice is sorted by name (byte order).
#[derive(Clone, Copy, Debug)]
pub struct View<'a> {
    /// The environment, e.g. `production`.
    pub env: &'a str,
    /// The app the snapshot was prepared for.
    pub app: &'a str,
    /// The file it was read from, for messages (e.g. `.awsconf/production.json`).
    pub file: &'a str,
    /// Every declared parameter (map entries' included) and every name under a map.
    pub params: &'a [ParamView<'a>],
    /// Every declared secret.
    pub secrets: &'a [SecretView<'a>],
    /// Every map component.
    pub maps: &'a [MapView<'a>],
}

/// A config struct as the check sees it; the derive emits one per struct.
#[derive(Debug)]
pub struct Node {
    /// The Rust type's name.
    pub type_name: &'static str,
    /// `#[aws_config(app = "...")]` of a root.
    pub app: Option<&'static str>,
    /// Every field, in declaration order.
    pub fields: &'static [NodeField],
}

/// One field of a [`Node`].
#[derive(Debug)]
pub struct NodeField {
    /// The Rust field name.
    pub ident: &'static str,
    /// The SSM path segment.
    pub name: &'static str,
    /// The field's type as written, without `Option<..>`.
    pub type_name: &'static str,
    /// `false` for `Option` and defaulted fields.
    pub required: bool,
    /// Where the value comes from.
    pub kind: NodeKind,
}

/// Where a [`NodeField`]'s value comes from.
#[derive(Debug)]
pub enum NodeKind {
    /// A Parameter Store parameter.
    Param {
        /// `#[param(json)]`.
        json: bool,
        /// A secret type (`SecretString`) or `#[param(secret)]`.
        secret: bool,
        /// `#[param(plaintext)]`: a SecureString may be read into a plain type.
        plaintext: bool,
    },
    /// A Secrets Manager secret.
    Secret {
        /// The id template, `None` for the default id.
        id: Option<&'static str>,
        /// The JSON key read, if any.
        key: Option<&'static str>,
    },
    /// A nested struct.
    Component(&'static Node),
    /// A map of structs, one per child segment.
    Map(&'static Node),
}

/// The most pieces a composed name holds (SSM allows 15 levels; a secret id template
/// adds a few).
const PIECES: usize = 40;

/// A name composed of borrowed pieces, compared without allocating.
#[derive(Clone, Copy)]
struct Text<'a> {
    parts: [&'a [u8]; PIECES],
    n: usize,
    overflow: bool,
}

impl<'a> Text<'a> {
    const fn new() -> Text<'a> {
        Text {
            parts: [b""; PIECES],
            n: 0,
            overflow: false,
        }
    }

    const fn push(mut self, part: &'a [u8]) -> Text<'a> {
        if self.n < PIECES {
            self.parts[self.n] = part;
            self.n += 1;
        } else {
            self.overflow = true;
        }
        self
    }

    /// The pieces after the first (a secret's default id is the SSM prefix without
    /// its leading `/`).
    const fn tail(self) -> Text<'a> {
        let mut out = Text::new();
        let mut i = 1;
        while i < self.n {
            out = out.push(self.parts[i]);
            i += 1;
        }
        out.overflow = self.overflow;
        out
    }

    /// `-1`, `0` or `1` as `self` sorts before, equal to or after `other`, and the
    /// length of their common prefix; the first `start` bytes are known to be equal.
    const fn cmp_from(&self, other: &[u8], start: usize) -> (i8, usize) {
        let mut j = 0;
        let mut p = 0;
        // Skip whole pieces inside the known-equal prefix.
        while p < self.n && j + self.parts[p].len() <= start {
            j += self.parts[p].len();
            p += 1;
        }
        let mut first = start - j;
        while p < self.n {
            let part = self.parts[p];
            let mut i = first;
            j += first;
            first = 0;
            while i < part.len() {
                if j >= other.len() {
                    return (1, j);
                }
                if part[i] != other[j] {
                    return (if part[i] < other[j] { -1 } else { 1 }, j);
                }
                i += 1;
                j += 1;
            }
            p += 1;
        }
        (if j < other.len() { -1 } else { 0 }, j)
    }

    /// `-1`, `0` or `1` as `self` sorts before, equal to or after `other`.
    const fn cmp(&self, other: &[u8]) -> i8 {
        self.cmp_from(other, 0).0
    }

    /// The length in bytes.
    const fn len(&self) -> usize {
        let mut total = 0;
        let mut p = 0;
        while p < self.n {
            total += self.parts[p].len();
            p += 1;
        }
        total
    }
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn bytes_cmp(a: &[u8], b: &[u8]) -> i8 {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return if a[i] < b[i] { -1 } else { 1 };
        }
        i += 1;
    }
    if a.len() < b.len() {
        -1
    } else if a.len() > b.len() {
        1
    } else {
        0
    }
}

const fn starts_with(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && bytes_eq(s.split_at(prefix.len()).0, prefix)
}

/// The messages of a check, one a line, in a fixed buffer of `N` bytes (a `const`
/// item cannot allocate). Messages that do not fit are counted, not written.
pub struct Report<const N: usize> {
    buf: [u8; N],
    len: usize,
    count: usize,
    dropped: usize,
}

impl<const N: usize> Default for Report<N> {
    fn default() -> Self {
        Report::new()
    }
}

impl<const N: usize> Report<N> {
    /// An empty report.
    pub const fn new() -> Report<N> {
        Report {
            buf: [0; N],
            len: 0,
            count: 0,
            dropped: 0,
        }
    }

    /// How many problems the check found.
    pub const fn count(&self) -> usize {
        self.count
    }

    /// How many of them did not fit in the buffer.
    pub const fn dropped(&self) -> usize {
        self.dropped
    }

    /// The messages, one a line.
    pub const fn as_str(&self) -> &str {
        let written = self.buf.split_at(self.len).0;
        match core::str::from_utf8(written) {
            Ok(s) => s,
            // Never the whole report lost for one bad byte: what is valid.
            Err(e) => match core::str::from_utf8(written.split_at(e.valid_up_to()).0) {
                Ok(s) => s,
                Err(_) => "",
            },
        }
    }

    /// Writes one message made of `parts`, if it fits whole.
    const fn emit(&mut self, parts: &Text<'_>) {
        self.count += 1;
        let need = parts.len() + 1;
        if self.len + need > N {
            self.dropped += 1;
            return;
        }
        if self.len > 0 {
            self.buf[self.len] = b'\n';
            self.len += 1;
        }
        let mut p = 0;
        while p < parts.n {
            let part = parts.parts[p];
            let mut i = 0;
            while i < part.len() {
                self.buf[self.len] = part[i];
                self.len += 1;
                i += 1;
            }
            p += 1;
        }
    }
}

/// Appends every piece of `t` to `m`.
const fn append<'a>(mut m: Text<'a>, t: &Text<'a>) -> Text<'a> {
    let mut p = 0;
    while p < t.n {
        m = m.push(t.parts[p]);
        p += 1;
    }
    m
}

/// The message's opening: ``env `production` (.awsconf/production.json): field `a.b` ``.
const fn opening<'a>(v: &View<'a>, path: &Text<'a>) -> Text<'a> {
    let m = Text::new()
        .push(b"env `")
        .push(v.env.as_bytes())
        .push(b"` (")
        .push(v.file.as_bytes())
        .push(b"): field `");
    append(m, path).push(b"`")
}

/// Bisection that skips the prefix every name between the bounds shares with the
/// sought one (the smaller of the common prefixes with the two bounds): names under
/// one prefix differ only in their last bytes.
const fn find_param<'a>(v: &View<'a>, name: &Text<'_>) -> Option<ParamView<'a>> {
    let (mut lo, mut hi) = (0, v.params.len());
    let (mut lcp_lo, mut lcp_hi) = (0, 0);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = if lcp_lo < lcp_hi { lcp_lo } else { lcp_hi };
        match name.cmp_from(v.params[mid].name.as_bytes(), start) {
            (0, _) => return Some(v.params[mid]),
            (1, common) => {
                lo = mid + 1;
                lcp_lo = common;
            }
            (_, common) => {
                hi = mid;
                lcp_hi = common;
            }
        }
    }
    None
}

const fn find_secret<'a>(v: &View<'a>, id: &Text<'_>) -> Option<SecretView<'a>> {
    let (mut lo, mut hi) = (0, v.secrets.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        match id.cmp(v.secrets[mid].id.as_bytes()) {
            0 => return Some(v.secrets[mid]),
            1 => lo = mid + 1,
            _ => hi = mid,
        }
    }
    None
}

const fn find_map<'a>(v: &View<'a>, prefix: &Text<'_>) -> Option<MapView<'a>> {
    let mut i = 0;
    while i < v.maps.len() {
        if prefix.cmp(v.maps[i].prefix.as_bytes()) == 0 {
            return Some(v.maps[i]);
        }
        i += 1;
    }
    None
}

/// A secret id template with `{env}`, `{app}` and (in a map entry) `{key}` expanded.
const fn expand_template<'a>(
    template: &'a [u8],
    env: &'a [u8],
    app: &'a [u8],
    key: Option<&'a [u8]>,
) -> Text<'a> {
    let mut out = Text::new();
    let mut rest = template;
    let mut i = 0;
    while i < rest.len() {
        let (head, tail) = rest.split_at(i);
        let sub = if starts_with(tail, b"{env}") {
            Some(env)
        } else if starts_with(tail, b"{app}") {
            Some(app)
        } else if starts_with(tail, b"{key}") {
            key
        } else {
            None
        };
        match sub {
            Some(sub) => {
                out = out.push(head).push(sub);
                rest = tail.split_at(5).1;
                i = 0;
            }
            None => i += 1,
        }
    }
    out.push(rest)
}

const fn is_vec(type_name: &str) -> bool {
    starts_with(type_name.as_bytes(), b"Vec<")
}

/// Checks every field of `node` under `prefix` (`/<env>/<app>/...`) against `v`.
const fn walk<'a, const N: usize>(
    node: &'static Node,
    v: &View<'a>,
    prefix: Text<'a>,
    path: Text<'a>,
    map_key: Option<&'a [u8]>,
    out: &mut Report<N>,
) {
    let mut i = 0;
    while i < node.fields.len() {
        let f = &node.fields[i];
        let mut fpath = path;
        if fpath.n > 0 {
            fpath = fpath.push(b".");
        }
        fpath = fpath.push(f.ident.as_bytes());
        match f.kind {
            NodeKind::Param {
                json,
                secret,
                plaintext,
            } => {
                let name = prefix.push(b"/").push(f.name.as_bytes());
                check_param(v, f, (json, secret, plaintext), &name, &fpath, out);
            }
            NodeKind::Secret { id, key } => {
                let id = match id {
                    Some(t) => {
                        expand_template(t.as_bytes(), v.env.as_bytes(), v.app.as_bytes(), map_key)
                    }
                    None => prefix.tail().push(b"/").push(f.name.as_bytes()),
                };
                check_secret(v, f, key, &id, &fpath, out);
            }
            NodeKind::Component(child) => {
                let p = prefix.push(b"/").push(f.name.as_bytes());
                walk(child, v, p, fpath, map_key, out);
            }
            NodeKind::Map(element) => {
                let p = prefix.push(b"/").push(f.name.as_bytes());
                if let Some(map) = find_map(v, &p) {
                    let skip = p.len() + 1;
                    let mut last: &[u8] = b"";
                    let mut k = 0;
                    while k < map.names.len() {
                        let name = map.names[k].as_bytes();
                        k += 1;
                        if name.len() <= skip {
                            continue;
                        }
                        let rest = name.split_at(skip).1;
                        let mut end = 0;
                        while end < rest.len() && rest[end] != b'/' {
                            end += 1;
                        }
                        let key = rest.split_at(end).0;
                        // An entry has fields under its key; a parameter
                        // right at `<map>/<key>` is none (the loader reads
                        // no entry there).
                        if key.is_empty() || end == rest.len() || bytes_eq(key, last) {
                            continue;
                        }
                        last = key;
                        walk(
                            element,
                            v,
                            p.push(b"/").push(key),
                            fpath.push(b".").push(key),
                            Some(key),
                            out,
                        );
                    }
                }
            }
        }
        i += 1;
    }
}

const fn check_param<'a, const N: usize>(
    v: &View<'a>,
    f: &'static NodeField,
    (json, secret, plaintext): (bool, bool, bool),
    name: &Text<'a>,
    fpath: &Text<'a>,
    out: &mut Report<N>,
) {
    match find_param(v, name) {
        None => {
            if f.required {
                let m = append(opening(v, fpath).push(b" is required, but parameter "), name).push(
                    b" is not in the snapshot; run `prepare` for this env again (the struct gained a field since)",
                );
                out.emit(&m);
            }
        }
        Some(ParamView { ty: None, .. }) => {
            if f.required {
                let m = append(
                    opening(v, fpath).push(b" is required, but parameter "),
                    name,
                )
                .push(b" does not exist");
                out.emit(&m);
            }
        }
        Some(ParamView { ty: Some(ty), .. }) => {
            if secret && !matches!(ty, ParamType::SecureString) {
                let m = append(
                    opening(v, fpath)
                        .push(b" is secret (")
                        .push(f.type_name.as_bytes())
                        .push(b"), but parameter "),
                    name,
                )
                .push(b" is a plain ")
                .push(ty.as_str().as_bytes())
                .push(b", stored unencrypted; re-create it as a SecureString");
                out.emit(&m);
            } else if !secret && !plaintext && matches!(ty, ParamType::SecureString) {
                let m = append(
                    opening(v, fpath).push(b" is not secret (")
                        .push(f.type_name.as_bytes())
                        .push(b"), but parameter "),
                    name,
                )
                .push(b" is a SecureString; its value would show in Debug output and errors: make the field a SecretString (or #[param(secret)]), or say #[param(plaintext)] if the value is not secret");
                out.emit(&m);
            } else if !json
                && !secret
                && is_vec(f.type_name)
                && !matches!(ty, ParamType::StringList)
            {
                let m = append(
                    opening(v, fpath).push(b" is a list (")
                        .push(f.type_name.as_bytes())
                        .push(b"), but parameter "),
                    name,
                )
                .push(b" is a ")
                .push(ty.as_str().as_bytes())
                .push(b", not a StringList; re-create it as a StringList, or mark the field #[param(json)] for a JSON array");
                out.emit(&m);
            }
        }
    }
}

const fn check_secret<'a, const N: usize>(
    v: &View<'a>,
    f: &'static NodeField,
    key: Option<&'static str>,
    id: &Text<'a>,
    fpath: &Text<'a>,
    out: &mut Report<N>,
) {
    match find_secret(v, id) {
        None => {
            if f.required {
                let m = append(opening(v, fpath).push(b" is required, but secret "), id).push(
                    b" is not in the snapshot; run `prepare` for this env again (the struct gained a field since)",
                );
                out.emit(&m);
            }
        }
        Some(SecretView { exists: false, .. }) => {
            if f.required {
                let m = append(opening(v, fpath).push(b" is required, but secret "), id)
                    .push(b" does not exist");
                out.emit(&m);
            }
        }
        Some(SecretView {
            exists: true, keys, ..
        }) => {
            let Some(key) = key else { return };
            match keys {
                None => {
                    let m = append(
                        opening(v, fpath)
                            .push(b" reads key `")
                            .push(key.as_bytes())
                            .push(b"` of secret "),
                        id,
                    )
                    .push(b", whose value is not a JSON object");
                    out.emit(&m);
                }
                Some(keys) => {
                    let mut found = false;
                    let mut k = 0;
                    while k < keys.len() {
                        if bytes_eq(keys[k].as_bytes(), key.as_bytes()) {
                            found = true;
                        }
                        k += 1;
                    }
                    if !found && f.required {
                        let m = append(opening(v, fpath).push(b" is required, but secret "), id)
                            .push(b" has no key `")
                            .push(key.as_bytes())
                            .push(b"`");
                        out.emit(&m);
                    }
                }
            }
        }
    }
}

/// Checks the root struct `node` against every snapshot in `views` whose app is the
/// root's app, writing one line per problem into `out`.
pub const fn check<const N: usize>(node: &'static Node, views: &[View<'_>], out: &mut Report<N>) {
    let Some(app) = node.app else { return };
    let mut i = 0;
    while i < views.len() {
        let v = &views[i];
        if bytes_eq(v.app.as_bytes(), app.as_bytes()) {
            let prefix = Text::new()
                .push(b"/")
                .push(v.env.as_bytes())
                .push(b"/")
                .push(v.app.as_bytes());
            walk(node, v, prefix, Text::new(), None, out);
        }
        i += 1;
    }
}

/// Is every slice of `v` sorted (byte order), as the lookups need?
pub const fn is_sorted(v: &View<'_>) -> bool {
    let mut i = 1;
    while i < v.params.len() {
        if bytes_cmp(v.params[i - 1].name.as_bytes(), v.params[i].name.as_bytes()) >= 0 {
            return false;
        }
        i += 1;
    }
    let mut i = 1;
    while i < v.secrets.len() {
        if bytes_cmp(v.secrets[i - 1].id.as_bytes(), v.secrets[i].id.as_bytes()) >= 0 {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;
    use std::string::String;
    use std::vec::Vec;

    #[test]
    fn bisection_finds_every_name_and_no_other() {
        let names: Vec<String> = (0..2000)
            .map(|i| format!("/e/a/tenants/t{i:05}/plan"))
            .chain((0..50).map(|i| format!("/e/a/c/p{i}")))
            .collect();
        let mut sorted = names.clone();
        sorted.sort();
        let params: Vec<ParamView<'_>> = sorted
            .iter()
            .map(|n| ParamView {
                name: n,
                ty: Some(ParamType::String),
            })
            .collect();
        let v = View {
            env: "e",
            app: "a",
            file: "f",
            params: &params,
            secrets: &[],
            maps: &[],
        };
        assert!(is_sorted(&v));
        for n in &names {
            let (head, tail) = n.split_at(n.len() / 2);
            let t = Text::new().push(head.as_bytes()).push(tail.as_bytes());
            assert!(find_param(&v, &t).is_some(), "{n}");
            let t = Text::new().push(n.as_bytes()).push(b"x");
            assert!(find_param(&v, &t).is_none(), "{n}x");
        }
        let t = Text::new().push(b"/e/a/tenants/t0000/plan");
        assert!(find_param(&v, &t).is_none());
    }

    #[test]
    fn secret_id_templates_expand_env_app_and_key() {
        let t = expand_template(
            b"{env}/x/{app}/{key}-{nope}",
            b"prod",
            b"api",
            Some(b"acme"),
        );
        assert_eq!(t.cmp(b"prod/x/api/acme-{nope}"), 0);
        let t = expand_template(b"{env}/{key}", b"prod", b"api", None);
        assert_eq!(t.cmp(b"prod/{key}"), 0);
    }
}
