//! Text that may quote a secret, made safe to show.
//!
//! Parsers quote what they could not read: the toml crate prints the broken
//! line, serde prints `invalid type: string "hunter2"`. A local layer or a value
//! may hold a secret, so every message built from such an error goes through
//! here, and keeps only positions and fixed descriptions.

/// What a local layer that failed to parse becomes in a problem: the layer's
/// name and file, the line and column, and what kind of mistake it is — never
/// the text of the line.
pub(crate) fn layer_error(err: &figment::Error) -> String {
    let what = match &err.kind {
        figment::error::Kind::Message(message) => parse_message(message),
        // Other kinds come from deserializing, which extracting a whole tree
        // never does; name the kind, never the value it carries.
        other => format!("{} (the value is not shown)", kind_name(other)),
    };
    match &err.metadata {
        Some(md) => match &md.source {
            Some(source) => format!("{} {source}: {what}", md.name),
            None => format!("{}: {what}", md.name),
        },
        None => what,
    }
}

fn kind_name(kind: &figment::error::Kind) -> &'static str {
    use figment::error::Kind;
    match kind {
        Kind::Message(_) => "a parse error",
        Kind::InvalidType(..) => "a value of the wrong type",
        Kind::InvalidValue(..) => "an invalid value",
        Kind::InvalidLength(..) => "a list of the wrong length",
        Kind::UnknownVariant(..) => "an unknown variant",
        Kind::UnknownField(..) => "an unknown field",
        Kind::MissingField(..) => "a missing field",
        Kind::DuplicateField(..) => "a duplicate field",
        Kind::ISizeOutOfRange(..) | Kind::USizeOutOfRange(..) => "a number out of range",
        Kind::Unsupported(..) | Kind::UnsupportedKey(..) => "an unsupported value",
    }
}

/// A parser's message without the text it quotes.
///
/// The toml crate's message is `TOML parse error at line 3, column 12`, then
/// the line itself with a caret, then what is wrong (`invalid basic string`).
/// serde_json's is one line: `EOF while parsing a string at line 1 column 20`.
/// Keep the position and a description that quotes nothing longer than a token.
pub(crate) fn parse_message(message: &str) -> String {
    const NOT_SHOWN: &str = "the line is not shown, as it may hold a secret";
    let lines: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let position = lines
        .iter()
        .find(|l| l.starts_with("TOML parse error"))
        .copied();
    let what = match position {
        // The description is the text after the quoted line and its caret.
        Some(_) => lines
            .iter()
            .rev()
            .take_while(|l| !l.starts_with('|') && !l.starts_with(|c: char| c.is_ascii_digit()))
            .copied()
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .filter(|l| quotes_nothing(l))
            .collect::<Vec<_>>()
            .join("; "),
        // serde's `invalid type: string "...", expected a map` quotes the
        // value: keep its kind only (`a string`).
        None => lines
            .first()
            .filter(|_| lines.len() == 1)
            .map(
                |l| match l.starts_with("invalid type: ") || l.starts_with("invalid value: ") {
                    true => serde_reason(l, false).unwrap_or_default(),
                    false => l.to_string(),
                },
            )
            .filter(|l| quotes_nothing(l))
            .unwrap_or_default(),
    };
    match (position, what.is_empty()) {
        (Some(p), false) if p != what => format!("{p}: {what} ({NOT_SHOWN})"),
        (Some(p), _) => format!("{p} ({NOT_SHOWN})"),
        (None, false) => format!("{what} ({NOT_SHOWN})"),
        (None, true) => format!("the text could not be parsed ({NOT_SHOWN})"),
    }
}

/// True when a description quotes at most short tokens: `` expected `.`, `=` ``
/// passes, `` invalid type: string "hunter2" `` does not.
fn quotes_nothing(line: &str) -> bool {
    let mut rest = line;
    while let Some(start) = rest.find(['`', '"', '\'']) {
        let quote = rest[start..].chars().next().unwrap_or('`');
        let after = &rest[start + quote.len_utf8()..];
        // An escaped quote (`\"`) does not close the quotation.
        let end = after
            .match_indices(quote)
            .map(|(i, _)| i)
            .find(|&i| !after[..i].ends_with('\\'));
        match end {
            Some(end) if end <= 3 => rest = &after[end + quote.len_utf8()..],
            _ => return false,
        }
    }
    // A long run of non-space characters (a token the parser tripped on) is
    // text from the input, not a description.
    line.split_whitespace().all(|w| w.len() <= 24)
}

/// serde's reason why a secret did not convert, when it names keys and types
/// only: `missing field `username``, `invalid type: a string, expected u16`.
/// `json_syntax` says `message` is serde_json's own syntax error (a fixed
/// description and a position, see `DeError::json_syntax`), shown as it is.
/// `None` for anything else: serde's `unknown variant` quotes the value, and a
/// message from the field type's own `Deserialize` (a `TryFrom` error) may
/// quote it in any form, so no reading of the text can say it is safe.
pub(crate) fn serde_reason(message: &str, json_syntax: bool) -> Option<String> {
    if json_syntax {
        return Some(message.to_string());
    }
    let message = message
        .strip_prefix("not valid JSON for this type: ")
        .unwrap_or(message);
    let keeps_keys = [
        "missing field `",
        "unknown field `",
        "duplicate field `",
        "invalid length ",
    ];
    if keeps_keys.iter().any(|k| message.starts_with(k)) {
        // Field names come from the type or the JSON's keys, never its values.
        return Some(message.to_string());
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            // The last `, expected `: a quoted value may hold the words too.
            let (unexpected, expected) = rest.rsplit_once(", expected ")?;
            let what = match unexpected.split_whitespace().next()? {
                "string" => "a string",
                "integer" => "an integer",
                "floating" => "a number",
                "boolean" => "a boolean",
                "map" => "a map",
                "sequence" => "a list",
                "null" | "unit" => "null",
                "character" | "char" => "a character",
                _ => "a value",
            };
            return Some(format!("{prefix}{what}, expected {expected}"));
        }
    }
    None
}

/// `message` with every occurrence of `value` replaced, for messages from a
/// party (AWS, the emulator) that may echo a value we sent.
#[cfg(any(test, feature = "tools"))]
pub(crate) fn scrub(message: &str, value: &str) -> String {
    if value.len() < 4 {
        message.to_string()
    } else {
        message.replace(value, "[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use figment::providers::{Format, Toml};
    use figment::value::Value;
    use figment::Figment;

    const CANARY: &str = "hunter2-CANARY";

    fn toml_error(text: &str) -> String {
        let err = Figment::from(Toml::string(text))
            .extract::<Value>()
            .expect_err("malformed");
        layer_error(&err)
    }

    #[test]
    fn malformed_toml_names_the_position_never_the_line() {
        for text in [
            format!("password = \"{CANARY}"),
            format!("password = {CANARY}"),
            format!("[db]\nport = 5\npassword = '{CANARY}\n"),
            format!("password = \"\"\"{CANARY}"),
            format!("{CANARY} = 1 2"),
            format!("a = [\"{CANARY}\",\n"),
            format!("a = {{ b = \"{CANARY}\" c = 1 }}"),
            format!("password = \"{CANARY}\"\npassword = \"{CANARY}\""),
            format!("x = \"\\q{CANARY}\""),
        ] {
            let message = toml_error(&text);
            assert!(!message.contains("CANARY"), "{text:?} -> {message}");
            assert!(!message.contains("hunter2"), "{text:?} -> {message}");
            assert!(message.contains("line "), "{text:?} -> {message}");
        }
        let message = toml_error(&format!("password = \"{CANARY}"));
        assert!(
            message.starts_with("TOML source string: TOML parse error at line 1, column"),
            "{message}"
        );
    }

    #[test]
    fn malformed_json_names_the_position_never_the_text() {
        for text in [
            format!("{{\"password\": \"{CANARY}"),
            format!("{{\"password\": {CANARY}}}"),
            format!("[\"{CANARY}\" 1]"),
        ] {
            let err = serde_json::from_str::<serde_json::Value>(&text).expect_err("malformed");
            let message = parse_message(&err.to_string());
            assert!(!message.contains("CANARY"), "{text:?} -> {message}");
            assert!(message.contains("line "), "{text:?} -> {message}");
        }
    }

    #[test]
    fn descriptions_that_quote_text_are_dropped() {
        assert!(quotes_nothing("expected `.`, `=`"));
        assert!(quotes_nothing("invalid basic string"));
        assert!(!quotes_nothing("invalid type: string \"hunter2\""));
        assert!(!quotes_nothing("unexpected `hunter2`"));
        assert_eq!(
            parse_message("invalid type: string \"hunter2\", expected u16"),
            "invalid type: a string, expected u16 (the line is not shown, as it may hold a secret)"
        );
        assert!(!quotes_nothing(
            r##"invalid type: string "#\"\"+", expected a map"##
        ));
    }

    /// Found by the `layer_errors` fuzz target: a JSON layer that is a string,
    /// not an object, was quoted by serde_json's `invalid type: string "...",
    /// expected a map`, and escaped quotes inside it (`\"`) split the quote into
    /// pieces short enough to pass as tokens.
    #[test]
    fn a_json_layer_that_is_a_string_is_not_quoted() {
        for text in [
            r##""#\"\"+""##.to_string(),
            format!("\"{CANARY}\""),
            format!("\"a\\\"b\\\"{CANARY}\\\"c\""),
            format!("\"{CANARY}, expected {CANARY}\""),
            format!("[\"{CANARY}\"]"),
        ] {
            let err = serde_json::from_str::<std::collections::BTreeMap<String, u8>>(&text)
                .expect_err("not a map");
            let message = parse_message(&err.to_string());
            assert!(!message.contains(CANARY), "{text:?} -> {message}");
            assert!(!message.contains("\"+"), "{text:?} -> {message}");
            assert!(message.contains("line 1"), "{text:?} -> {message}");
        }
    }

    #[test]
    fn serde_reasons_keep_keys_and_types_never_values() {
        let cases = [
            ("missing field `username` at line 1 column 20", Some("missing field `username` at line 1 column 20")),
            (
                "not valid JSON for this type: invalid type: string \"hunter2\", expected u16 at line 1 column 9",
                Some("invalid type: a string, expected u16 at line 1 column 9"),
            ),
            ("invalid value: integer `-1`, expected u8", Some("invalid value: an integer, expected u8")),
            ("unknown variant `hunter2`, expected `a` or `b`", None),
            // Backticks in the value cut it into short quotes: still not shown.
            (
                "not valid JSON for this type: unknown variant `a` correct horse battery staple `b`, expected `eu` or `us` at line 1 column 60",
                None,
            ),
            // A field type's own error (a `TryFrom`) that quotes the value bare.
            ("not valid JSON for this type: API key Tr0ub4dor&3 does not start with sk_ at line 1 column 44", None),
            ("\"hunter2\" is not a valid u16", None),
            ("not valid JSON for this type: unexpected hunter2-long-token-here-1234 at line 1", None),
        ];
        for (message, want) in cases {
            assert_eq!(serde_reason(message, false).as_deref(), want, "{message}");
        }
        // serde_json's own syntax error is shown as it is.
        assert_eq!(
            serde_reason("not valid JSON: expected value at line 1 column 1", true).as_deref(),
            Some("not valid JSON: expected value at line 1 column 1")
        );
    }

    #[test]
    fn scrub_replaces_values_of_four_bytes_or_more() {
        assert_eq!(
            scrub("bad value hunter2", "hunter2"),
            "bad value [REDACTED]"
        );
        assert_eq!(scrub("a b c", "b"), "a b c");
    }
}
