//! Reading one value into a field's type: a serde `Deserializer` over figment's
//! value.
//!
//! Values from Parameter Store and Secrets Manager are text; values from local
//! layers are typed (TOML numbers, tables). [`LeafDe`] reads either: text is parsed
//! into what the field asks for (`"8080"` -> `u16`, `"a,b"` -> `Vec<String>`, JSON
//! text -> a struct), typed values pass through. Its errors may quote the value,
//! so the caller redacts secrets.

use std::fmt;

use figment::value::{Num, Value};
use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, Visitor};

use crate::schema::{Field, Kind};

/// Decodes one value into a field's type.
pub(crate) fn decode_value<T: DeserializeOwned>(
    value: &Value,
    field: &Field,
) -> Result<T, DeError> {
    let json = matches!(&field.kind, Kind::Param(p) if p.json);
    match value {
        Value::String(_, text) if json => serde_json::from_str(text).map_err(DeError::json),
        _ => T::deserialize(LeafDe(value)),
    }
}

/// The keys of `value` (a table, or JSON text) that decoding it as `T` does not
/// read, each as its path of keys (`["replica", "zone"]`; a list's item is its
/// index). Never a value: only key names, which the file's author wrote.
#[cfg(feature = "tools")]
pub(crate) fn ignored_keys<T: DeserializeOwned>(value: &Value) -> Vec<Vec<String>> {
    fn segments(path: &serde_ignored::Path<'_>, out: &mut Vec<String>) {
        use serde_ignored::Path;
        match path {
            Path::Root => {}
            Path::Seq { parent, index } => {
                segments(parent, out);
                out.push(index.to_string());
            }
            Path::Map { parent, key } => {
                segments(parent, out);
                out.push(key.clone());
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => segments(parent, out),
        }
    }
    let mut found = Vec::new();
    // A value that does not decode is the loader's problem, not this one's:
    // the keys seen before the error are still reported.
    let _ = serde_ignored::deserialize::<_, _, T>(LeafDe(value), |path| {
        let mut keys = Vec::new();
        segments(&path, &mut keys);
        found.push(keys);
    });
    found
}

/// A decoding error; its text may quote the value, so callers redact secrets.
#[derive(Debug)]
pub(crate) struct DeError {
    /// The whole message, which may quote the value.
    pub(crate) message: String,
    /// Set only for serde_json's syntax and end-of-input errors (`expected
    /// value at line 1 column 1`): serde_json writes their text itself, a fixed
    /// description and a position, never the input, so a secret's may be shown.
    /// Any other error (serde's, or a message from the field type's own
    /// `Deserialize`) is shown for a secret only if `redact::serde_reason`
    /// recognises it.
    pub(crate) json_syntax: bool,
}

impl DeError {
    pub(crate) fn new(message: impl Into<String>) -> DeError {
        DeError {
            message: message.into(),
            json_syntax: false,
        }
    }

    fn json(err: serde_json::Error) -> DeError {
        use serde_json::error::Category;
        match err.classify() {
            Category::Syntax | Category::Eof => DeError {
                message: format!("not valid JSON: {err}"),
                json_syntax: true,
            },
            Category::Data | Category::Io => {
                DeError::new(format!("not valid JSON for this type: {err}"))
            }
        }
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::new(msg.to_string())
    }
}

/// The deserializer for an absent value: `Option` fields become `None`.
pub(crate) struct Absent;

impl<'de> Deserializer<'de> for Absent {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, DeError> {
        Err(DeError::new("missing"))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// Reads a figment value as the type asks, parsing text where needed.
struct LeafDe<'v>(&'v Value);

macro_rules! parse_text {
    ($($method:ident => $visit:ident : $ty:ty),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
            match self.0 {
                Value::String(_, s) => match s.parse::<$ty>() {
                    Ok(n) if float_overflow(&n, s) => Err(DeError::new(format!(
                        "{} is out of range for {}",
                        s.escape_debug(),
                        stringify!($ty)
                    ))),
                    Ok(n) => visitor.$visit(n),
                    Err(_) => Err(number_error(s, stringify!($ty))),
                },
                _ => self.deserialize_any(visitor),
            }
        }
    )*};
}

/// A finite number too large for a float, which Rust parses as infinity
/// (`1e39` as f32): out of range, like an integer that overflows. An explicit
/// `inf` or `infinity` is taken as written.
fn float_overflow(n: &dyn std::any::Any, text: &str) -> bool {
    let infinite = match (n.downcast_ref::<f32>(), n.downcast_ref::<f64>()) {
        (Some(f), _) => f.is_infinite(),
        (_, Some(f)) => f.is_infinite(),
        _ => false,
    };
    infinite && !text.to_ascii_lowercase().contains("inf")
}

fn number_error(text: &str, ty: &str) -> DeError {
    let looks_integer = {
        let t = text.strip_prefix(['-', '+']).unwrap_or(text);
        !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit())
    };
    if text.is_empty() {
        DeError::new(format!("empty value is not a valid {ty}"))
    } else if text.trim() != text {
        DeError::new(format!(
            "\"{}\" is not a valid {ty}: remove the spaces around it",
            text.escape_debug()
        ))
    } else if looks_integer && !ty.starts_with('f') {
        DeError::new(format!("{text} is out of range for {ty}"))
    } else {
        DeError::new(format!("\"{}\" is not a valid {ty}", text.escape_debug()))
    }
}

fn visit_num<'de, V: Visitor<'de>>(n: Num, visitor: V) -> Result<V::Value, DeError> {
    match n {
        Num::U8(v) => visitor.visit_u8(v),
        Num::U16(v) => visitor.visit_u16(v),
        Num::U32(v) => visitor.visit_u32(v),
        Num::U64(v) => visitor.visit_u64(v),
        Num::U128(v) => visitor.visit_u128(v),
        Num::USize(v) => visitor.visit_u64(v as u64),
        Num::I8(v) => visitor.visit_i8(v),
        Num::I16(v) => visitor.visit_i16(v),
        Num::I32(v) => visitor.visit_i32(v),
        Num::I64(v) => visitor.visit_i64(v),
        Num::I128(v) => visitor.visit_i128(v),
        Num::ISize(v) => visitor.visit_i64(v as i64),
        Num::F32(v) => visitor.visit_f32(v),
        Num::F64(v) => visitor.visit_f64(v),
    }
}

pub(crate) fn num_text(n: Num) -> String {
    match (n.to_u128(), n.to_i128(), n.to_f64()) {
        (Some(u), _, _) => u.to_string(),
        (None, Some(i), _) => i.to_string(),
        (None, None, Some(f)) => f.to_string(),
        _ => String::new(),
    }
}

/// Splits a StringList. Items keep what AWS stores; spaces around a comma are an
/// error rather than a silent leading space in a host name.
fn string_list(text: &str) -> Result<Vec<Value>, DeError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut items = Vec::new();
    for (i, item) in text.split(',').enumerate() {
        if item.trim() != item {
            return Err(DeError::new(format!(
                "StringList item {} (\"{}\") has spaces around it; write the list as a,b,c",
                i + 1,
                item.escape_debug()
            )));
        }
        items.push(Value::from(item.to_string()));
    }
    Ok(items)
}

impl<'de> Deserializer<'de> for LeafDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(_, s) => visitor.visit_str(s),
            Value::Char(_, c) => visitor.visit_char(*c),
            Value::Bool(_, b) => visitor.visit_bool(*b),
            Value::Num(_, n) => visit_num(*n, visitor),
            Value::Empty(..) => visitor.visit_unit(),
            Value::Dict(_, d) => visitor.visit_map(MapDe {
                iter: d.iter(),
                value: None,
            }),
            Value::Array(_, a) => visit_all(a, visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(_, s) => match s.as_str() {
                "true" | "True" | "TRUE" => visitor.visit_bool(true),
                "false" | "False" | "FALSE" => visitor.visit_bool(false),
                _ => Err(DeError::new(format!(
                    "\"{}\" is not a valid bool (expected true or false)",
                    s.escape_debug()
                ))),
            },
            _ => self.deserialize_any(visitor),
        }
    }

    parse_text! {
        deserialize_i8 => visit_i8: i8, deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32, deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128, deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16, deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64, deserialize_u128 => visit_u128: u128,
        deserialize_f32 => visit_f32: f32, deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(_, s) => {
                let mut chars = s.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => visitor.visit_char(c),
                    _ => Err(DeError::new(format!(
                        "\"{}\" is not a single character",
                        s.escape_debug()
                    ))),
                }
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Num(_, n) => visitor.visit_string(num_text(*n)),
            Value::Bool(_, b) => visitor.visit_string(b.to_string()),
            Value::Char(_, c) => visitor.visit_string(c.to_string()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(_, s) => visitor.visit_bytes(s.as_bytes()),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::Empty(..) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(_, s) => {
                let items = string_list(s)?;
                visit_all(&items, visitor)
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        match self.0 {
            Value::String(_, s) => {
                let json: serde_json::Value = serde_json::from_str(s).map_err(DeError::json)?;
                json.deserialize_map(visitor)
                    .map_err(|e| DeError::new(e.to_string()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            // serde would fill a struct's fields from a list in order: a
            // SecretBinary's bytes would become its fields. A struct is a table
            // or JSON text, never a list.
            Value::Array(..) => Err(de::Error::invalid_type(de::Unexpected::Seq, &visitor)),
            _ => self.deserialize_map(visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DeError> {
        match self.0 {
            // A JSON secret or value holding a variant with data:
            // `{"Token": {"issuer": "i", "token": "..."}}`.
            Value::String(_, s) if s.trim_start().starts_with('{') => {
                let json: serde_json::Value = serde_json::from_str(s).map_err(DeError::json)?;
                json.deserialize_enum(name, variants, visitor)
                    .map_err(|e| DeError::new(e.to_string()))
            }
            Value::String(_, s) => {
                let de: de::value::StrDeserializer<'_, DeError> = s.as_str().into_deserializer();
                visitor.visit_enum(de)
            }
            Value::Dict(..) => {
                let json = serde_json::to_value(self.0).map_err(|e| DeError::new(e.to_string()))?;
                json.deserialize_enum(name, variants, visitor)
                    .map_err(|e| DeError::new(e.to_string()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, DeError> {
        visitor.visit_unit()
    }
}

/// Visits every item of a list; items the visitor leaves (a fixed-size tuple or
/// array given a longer list) are an error, not silently dropped.
fn visit_all<'de, V: Visitor<'de>>(items: &[Value], visitor: V) -> Result<V::Value, DeError> {
    let mut seq = SeqDe(items.iter());
    let value = visitor.visit_seq(&mut seq)?;
    match seq.0.len() {
        0 => Ok(value),
        rest => Err(DeError::new(format!(
            "the list has {} items, {rest} more than the field takes",
            items.len()
        ))),
    }
}

struct SeqDe<'v>(std::slice::Iter<'v, Value>);

impl<'de> de::SeqAccess<'de> for SeqDe<'_> {
    type Error = DeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        match self.0.next() {
            Some(v) => seed.deserialize(LeafDe(v)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct MapDe<'v> {
    iter: std::collections::btree_map::Iter<'v, String, Value>,
    value: Option<&'v Value>,
}

impl<'de> de::MapAccess<'de> for MapDe<'_> {
    type Error = DeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                let de: de::value::StrDeserializer<'_, DeError> = k.as_str().into_deserializer();
                seed.deserialize(de).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<T::Value, DeError> {
        match self.value.take() {
            Some(v) => seed.deserialize(LeafDe(v)),
            None => Err(DeError::new("a map value was asked for before its key")),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::schema::Param;

    /// A plain text parameter field, shared with the property tests.
    pub(crate) static TEXT: Field = Field {
        ident: "f",
        name: "f",
        type_name: "T",
        shape: crate::schema::Shape::Other,
        required: true,
        default: None,
        kind: Kind::Param(Param {
            json: false,
            version: None,
            label: None,
            secret: false,
            plaintext: false,
        }),
    };

    /// Decodes text as the loader does for a parameter value.
    pub(crate) fn text<T: DeserializeOwned>(s: &str) -> Result<T, String> {
        decode_value::<T>(&Value::from(s.to_string()), &TEXT).map_err(|e| e.message)
    }

    #[test]
    fn text_converts_to_numbers_bools_and_lists() {
        assert_eq!(text::<u16>("8080"), Ok(8080));
        assert_eq!(text::<i64>("-5"), Ok(-5));
        assert_eq!(text::<f64>("0.25"), Ok(0.25));
        assert_eq!(text::<bool>("true"), Ok(true));
        assert_eq!(text::<Vec<u16>>("1,2,3"), Ok(vec![1, 2, 3]));
        assert_eq!(text::<Vec<String>>(""), Ok(vec![]));
        assert_eq!(text::<Option<String>>("x"), Ok(Some("x".into())));
        assert_eq!(text::<char>("x"), Ok('x'));
    }

    #[test]
    fn bad_text_gets_a_message_that_names_the_type() {
        assert_eq!(text::<u16>("abc"), Err("\"abc\" is not a valid u16".into()));
        assert_eq!(text::<u8>("256"), Err("256 is out of range for u8".into()));
        assert_eq!(
            text::<u8>(" 5"),
            Err("\" 5\" is not a valid u8: remove the spaces around it".into())
        );
        assert_eq!(text::<u8>(""), Err("empty value is not a valid u8".into()));
        assert_eq!(
            text::<bool>("yes"),
            Err("\"yes\" is not a valid bool (expected true or false)".into())
        );
        assert_eq!(
            text::<Vec<String>>("a ,b"),
            Err("StringList item 1 (\"a \") has spaces around it; write the list as a,b,c".into())
        );
    }

    #[test]
    fn json_text_becomes_a_struct_or_map() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Creds {
            user: String,
            port: u16,
        }
        assert_eq!(
            text::<Creds>(r#"{"user":"u","port":5}"#),
            Ok(Creds {
                user: "u".into(),
                port: 5
            })
        );
        let map: std::collections::BTreeMap<String, u32> = text(r#"{"a":1}"#).unwrap_or_default();
        assert_eq!(map.get("a"), Some(&1));
        assert!(text::<Creds>("{nope").is_err());
    }

    #[test]
    fn json_text_becomes_an_enum_variant_with_data_and_a_name_a_unit_variant() {
        #[derive(serde::Deserialize, Debug, PartialEq)]
        enum Cred {
            Password(String),
            Token { issuer: String },
            Off,
        }
        assert_eq!(
            text::<Cred>(r#"{"Token": {"issuer": "i"}}"#),
            Ok(Cred::Token { issuer: "i".into() })
        );
        assert_eq!(
            text::<Cred>(r#" {"Password": "p"}"#),
            Ok(Cred::Password("p".into()))
        );
        assert_eq!(text::<Cred>("Off"), Ok(Cred::Off));
        assert!(text::<Cred>(r#"{"Token": 5}"#).is_err());
        assert!(text::<Cred>("{nope").is_err());
    }

    #[test]
    fn deeply_nested_json_is_an_error_not_a_crash() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let r = text::<std::collections::BTreeMap<String, String>>(&deep);
        assert!(r.is_err());
    }

    #[test]
    fn typed_local_values_pass_through_and_numbers_read_as_strings() {
        let n = Value::from(5u32);
        assert_eq!(decode_value::<u64>(&n, &TEXT).map_err(|e| e.message), Ok(5));
        assert_eq!(
            decode_value::<String>(&n, &TEXT).map_err(|e| e.message),
            Ok("5".into())
        );
        let b = Value::from(true);
        assert_eq!(
            decode_value::<String>(&b, &TEXT).map_err(|e| e.message),
            Ok("true".into())
        );
    }
}
