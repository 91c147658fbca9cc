//! Property tests (fuzzing with a fixed budget) over the code every load runs:
//! turning text into typed values, and mapping field paths to SSM names and back.
//! No input may panic; where Rust or serde_json defines the right answer, the
//! decoder must give it.
//!
//! The budget is [`DEFAULT_CASES`] inputs per property in the normal test run;
//! `PROPTEST_CASES=100000 cargo test -p awsconf --lib proptests` runs longer.

use std::collections::BTreeSet;

use figment::value::Value;
use proptest::prelude::*;
use serde::de::DeserializeOwned;

use crate::decode::decode_value;
use crate::schema::{Field, Kind, Param, Scope};

/// Inputs per property in the normal test run.
const DEFAULT_CASES: u32 = 1000;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    ProptestConfig {
        cases,
        // Failures are kept as regression tests below, not in files.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

static JSON: Field = Field {
    ident: "f",
    name: "f",
    type_name: "T",
    shape: crate::schema::Shape::Other,
    required: true,
    default: None,
    kind: Kind::Param(Param {
        json: true,
        version: None,
        label: None,
        secret: false,
        plaintext: false,
    }),
};

use crate::decode::tests::{text, TEXT};

fn json<T: DeserializeOwned>(s: &str) -> Result<T, String> {
    decode_value::<T>(&Value::from(s.to_string()), &JSON).map_err(|e| e.message)
}

#[derive(serde::Deserialize, Debug, PartialEq)]
struct Creds {
    user: String,
    port: u16,
    tags: Option<Vec<String>>,
}

/// Any text, and text shaped like what a parameter holds: numbers with signs,
/// exponents and spaces, lists, JSON.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ +-]?[0-9]{0,45}(\\.[0-9]{0,5})?([eE][+-]?[0-9]{1,4})?[ \n]?",
        "(inf|-inf|NaN|infinity|\\+inf|1e39|-0|00|0x10|1_000)",
        "(true|false|True|FALSE|yes|1| true|tru)",
        "([0-9 ]{0,6},){0,5}[0-9 ]{0,6}",
        "[\\[\\]{}\",:a-z0-9 \\\\]{0,40}",
        json_text(),
    ]
}

/// JSON text, mostly valid: objects shaped like [`Creds`], and arbitrary values.
fn json_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u32>().prop_map(serde_json::Value::from),
        ".{0,8}".prop_map(serde_json::Value::from),
    ];
    let value = leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map("(user|port|tags|[a-z]{1,4})", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    });
    prop_oneof![
        value.prop_map(|v| v.to_string()),
        (
            ".{0,12}",
            any::<u32>(),
            prop::option::of(prop::collection::vec(".{0,6}", 0..3))
        )
            .prop_map(|(user, port, tags)| {
                serde_json::json!({"user": user, "port": port, "tags": tags}).to_string()
            }),
    ]
}

/// What a float field must give for `s`: Rust's parse, except that a finite
/// number too large for the type is out of range rather than infinity.
fn expected_float<F: std::str::FromStr + Into<f64> + Copy>(s: &str) -> Option<f64> {
    let f: f64 = s.parse::<F>().ok()?.into();
    if f.is_infinite() && !s.to_ascii_lowercase().contains("inf") {
        return None;
    }
    Some(f)
}

fn same_float(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn integers_decode_exactly_as_rust_parses_them(s in any_text()) {
        prop_assert_eq!(text::<u8>(&s).ok(), s.parse::<u8>().ok());
        prop_assert_eq!(text::<i64>(&s).ok(), s.parse::<i64>().ok());
        prop_assert_eq!(text::<u128>(&s).ok(), s.parse::<u128>().ok());
        prop_assert_eq!(text::<i16>(&s).ok(), s.parse::<i16>().ok());
    }

    #[test]
    fn floats_decode_as_rust_parses_them_but_never_overflow_to_infinity(s in any_text()) {
        match (text::<f64>(&s), expected_float::<f64>(&s)) {
            (Ok(got), Some(want)) => prop_assert!(same_float(got, want), "{s:?}: {got} != {want}"),
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "{s:?}: got {got:?}, want {want:?}"),
        }
        match (text::<f32>(&s), expected_float::<f32>(&s)) {
            (Ok(got), Some(want)) => prop_assert!(same_float(got.into(), want)),
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "{s:?}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn bools_accept_only_true_and_false_in_three_spellings(s in any_text()) {
        let want = match s.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        };
        prop_assert_eq!(text::<bool>(&s).ok(), want);
    }

    #[test]
    fn strings_arrive_byte_for_byte(s in any_text()) {
        prop_assert_eq!(text::<String>(&s), Ok(s.clone()));
        prop_assert_eq!(text::<Option<String>>(&s), Ok(Some(s.clone())));
    }

    #[test]
    fn stringlists_split_on_every_comma_and_refuse_padded_items(s in any_text()) {
        let want: Option<Vec<u16>> = if s.is_empty() {
            Some(Vec::new())
        } else {
            s.split(',')
                .map(|item| if item.trim() == item { item.parse::<u16>().ok() } else { None })
                .collect()
        };
        prop_assert_eq!(text::<Vec<u16>>(&s).ok(), want);
        let strings: Option<Vec<String>> = if s.is_empty() {
            Some(Vec::new())
        } else {
            s.split(',')
                .map(|item| (item.trim() == item).then(|| item.to_string()))
                .collect()
        };
        prop_assert_eq!(text::<Vec<String>>(&s).ok(), strings);
    }

    #[test]
    fn json_structs_decode_as_serde_json_decodes_them(s in any_text()) {
        let want = serde_json::from_str::<Creds>(&s).ok();
        prop_assert_eq!(json::<Creds>(&s).ok(), want);
        // Without #[param(json)], struct text is read as JSON too: whatever
        // serde_json accepts, the decoder accepts with the same value.
        if let Ok(want) = serde_json::from_str::<Creds>(&s) {
            prop_assert_eq!(text::<Creds>(&s), Ok(want));
        }
        let _ = text::<std::collections::BTreeMap<String, u32>>(&s);
        let _ = json::<serde_json::Value>(&s);
    }

    #[test]
    fn no_text_panics_any_field_type(s in any_text()) {
        let _ = text::<char>(&s);
        let _ = text::<(u8, u8)>(&s);
        let _ = text::<[u16; 3]>(&s);
        let _ = text::<Option<Vec<i32>>>(&s);
        let _ = text::<Vec<Option<u8>>>(&s);
        let _ = text::<std::collections::HashMap<String, Vec<u16>>>(&s);
        let _ = text::<secrecy::SecretString>(&s);
        let _ = text::<serde_json::Value>(&s);
        let _ = text::<Vec<Creds>>(&s);
        let _ = text::<std::time::Duration>(&s);
    }
}

/// A valid SSM name segment: what the macro allows for a field name.
fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.-]{1,24}".prop_filter("aws/ssm prefixes are reserved", |s| {
        let l = s.to_ascii_lowercase();
        !l.starts_with("aws") && !l.starts_with("ssm")
    })
}

/// A Rust field identifier.
fn ident() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9_]{0,15}"
}

fn leak_field(ident: String, name: String) -> &'static Field {
    Box::leak(Box::new(Field {
        ident: Box::leak(ident.into_boxed_str()),
        name: Box::leak(name.into_boxed_str()),
        type_name: "String",
        shape: crate::schema::Shape::Text,
        required: true,
        default: None,
        kind: Kind::Param(Param {
            json: false,
            version: None,
            label: None,
            secret: false,
            plaintext: false,
        }),
    }))
}

proptest! {
    #![proptest_config(config())]

    /// Field path -> SSM name -> field path: components add their segment, map
    /// entries their key, and reading the segments back against the schema's
    /// names gives the field path again.
    #[test]
    fn field_paths_and_ssm_names_map_both_ways(
        env in segment(),
        app in segment(),
        components in prop::collection::vec((ident(), segment()), 0..6),
        map in prop::option::of((ident(), segment(), segment())),
        leaf in (ident(), segment()),
    ) {
        let mut scope = Scope::root(&env, &app);
        let mut want_path: Vec<String> = Vec::new();
        // segment -> ident, one table per level, as a reader of the name would use.
        let mut levels: Vec<(String, String)> = Vec::new();
        for (id, name) in &components {
            let field = leak_field(id.clone(), name.clone());
            scope = scope.child(field);
            want_path.push(id.clone());
            levels.push((name.clone(), id.clone()));
        }
        let mut map_prefix = None;
        if let Some((id, name, key)) = &map {
            let field = leak_field(id.clone(), name.clone());
            map_prefix = Some(scope.map_prefix(field));
            scope = scope.entry(field, key);
            want_path.push(id.clone());
            want_path.push(key.clone());
            levels.push((name.clone(), id.clone()));
            levels.push((key.clone(), key.clone()));
        }
        let field = leak_field(leaf.0.clone(), leaf.1.clone());
        levels.push((leaf.1.clone(), leaf.0.clone()));
        want_path.push(leaf.0.clone());

        let name = scope.ssm_name(field);
        let path = scope.field_path(field);
        prop_assert_eq!(&path, &want_path.join("."));
        prop_assert_eq!(scope.field_keys(field), want_path.clone());

        // SSM name -> field path.
        let prefix = format!("/{env}/{app}/");
        prop_assert!(name.starts_with(&prefix), "{name}");
        let segments: Vec<&str> = name[prefix.len()..].split('/').collect();
        prop_assert_eq!(segments.len(), levels.len());
        let back: Vec<String> = segments
            .iter()
            .zip(&levels)
            .map(|(seg, (name, ident))| {
                prop_assert_eq!(*seg, name.as_str());
                Ok(ident.clone())
            })
            .collect::<Result<_, TestCaseError>>()?;
        prop_assert_eq!(back.join("."), path);

        // A map's key is recovered from the names read under its prefix.
        if let (Some(prefix), Some((_, _, key))) = (&map_prefix, &map) {
            let names: BTreeSet<String> = [name.clone(), format!("{prefix}/zz-other/x")].into();
            let keys = crate::plan::map_keys(prefix, &names);
            prop_assert!(keys.contains(key), "{keys:?} lacks {key}");
        }

        // Valid segments make a valid name, within SSM's length and depth.
        let within = name.len() <= crate::limits::SSM_NAME_MAX_CHARS
            && name.split('/').count() - 1 <= crate::limits::SSM_MAX_LEVELS;
        prop_assert_eq!(crate::limits::ssm_name(&name).is_ok(), within, "{}", name);
    }

    /// The env check accepts exactly SSM's segment rules.
    #[test]
    fn env_segments_are_accepted_exactly_by_ssms_rules(env in any_text()) {
        let valid = !env.is_empty()
            && env.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
            && !env.to_ascii_lowercase().starts_with("aws")
            && !env.to_ascii_lowercase().starts_with("ssm")
            && env.chars().count() <= crate::limits::SSM_NAME_MAX_CHARS;
        prop_assert_eq!(crate::loader::check_segment(&env).is_ok(), valid);
    }

    /// Message helpers take any names (even ones SSM would refuse) without panicking.
    #[test]
    fn name_summaries_never_panic(names in prop::collection::vec(any_text(), 0..5)) {
        let _ = crate::fetch::summarize(&names);
        let _ = crate::fetch::summarize_fields(&names);
        let _ = crate::fetch::common_prefix(&names);
        for n in &names {
            let _ = crate::fetch::strip_selector(n);
            prop_assert!(crate::limits::shorten(n).chars().count() <= 80);
            let _ = crate::limits::ssm_name(n);
            let _ = crate::limits::secret_id(n);
        }
    }
}

/// Inputs the fuzzing found, kept as regression tests.
mod regressions {
    use super::*;

    #[test]
    fn a_fixed_size_tuple_refuses_a_longer_list() {
        assert_eq!(
            text::<(u16, u16)>("1,2,3"),
            Err("the list has 3 items, 1 more than the field takes".into())
        );
        assert_eq!(text::<(u16, u16)>("1,2"), Ok((1, 2)));
    }

    #[test]
    fn a_struct_is_never_filled_from_a_list() {
        let bytes = Value::from(vec![Value::from(255u8), Value::from(254u8)]);
        let r = decode_value::<Creds>(&bytes, &TEXT).map_err(|e| e.message);
        assert_eq!(
            r,
            Err("invalid type: sequence, expected struct Creds".into())
        );
    }

    #[test]
    fn common_prefix_of_names_with_multibyte_characters_does_not_split_one() {
        let names = vec!["{\"user\":\"¡\"}".to_string(), String::new()];
        assert_eq!(crate::fetch::common_prefix(&names), "*");
        let names = vec!["/p/é1".to_string(), "/p/é2".to_string(), "/p/è".to_string()];
        assert_eq!(crate::fetch::common_prefix(&names), "/p/*");
    }

    #[test]
    fn a_finite_float_too_large_is_out_of_range_but_inf_is_taken() {
        assert_eq!(
            text::<f32>("1e39"),
            Err("1e39 is out of range for f32".into())
        );
        assert_eq!(text::<f64>("-inf"), Ok(f64::NEG_INFINITY));
    }
}
