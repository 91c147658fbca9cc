//! A parameter's text decoded into each supported leaf type: integers, floats,
//! bools, chars, strings, paths, durations, enums, `Vec` from a StringList,
//! `Option`, and JSON (`#[param(json)]`). Every field gets the same fuzzed text
//! through a layer of text values, as Parameter Store hands it over. Never
//! panics; every problem names its field; and a number, bool or list that
//! decodes agrees with Rust's own parse of the text.

#![no_main]
#![allow(dead_code)]

#[path = "../common.rs"]
mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use awsconf::figment::providers::Serialized;
use awsconf::AwsConfig;
use libfuzzer_sys::fuzz_target;

#[derive(awsconf::serde::Deserialize, Debug)]
#[serde(crate = "awsconf::serde", rename_all = "lowercase")]
enum Level {
    Debug,
    Info,
    Warn,
}

#[derive(awsconf::serde::Deserialize, Debug)]
#[serde(crate = "awsconf::serde")]
struct Point {
    x: i32,
    y: i32,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "lf")]
struct Leaves {
    a_u8: u8,
    a_u16: u16,
    a_u32: u32,
    a_u64: u64,
    a_u128: u128,
    a_usize: usize,
    a_i8: i8,
    a_i16: i16,
    a_i32: i32,
    a_i64: i64,
    a_i128: i128,
    a_f32: f32,
    a_f64: f64,
    a_bool: bool,
    a_char: char,
    a_string: String,
    a_path: PathBuf,
    a_duration: Duration,
    a_level: Level,
    a_option: Option<u32>,
    a_list: Vec<String>,
    a_u16_list: Vec<u16>,
    a_bool_list: Vec<bool>,
    #[param(json)]
    a_json_map: BTreeMap<String, u32>,
    #[param(json)]
    a_json_struct: Point,
    #[param(json)]
    a_json_list: Vec<String>,
    #[param(json)]
    a_json_value: Option<Vec<Option<f64>>>,
}

const FIELDS: [&str; 27] = [
    "a_u8",
    "a_u16",
    "a_u32",
    "a_u64",
    "a_u128",
    "a_usize",
    "a_i8",
    "a_i16",
    "a_i32",
    "a_i64",
    "a_i128",
    "a_f32",
    "a_f64",
    "a_bool",
    "a_char",
    "a_string",
    "a_path",
    "a_duration",
    "a_level",
    "a_option",
    "a_list",
    "a_u16_list",
    "a_bool_list",
    "a_json_map",
    "a_json_struct",
    "a_json_list",
    "a_json_value",
];

fuzz_target!(|data: &[u8]| {
    let Some(text) = common::text(data) else {
        return;
    };
    // One layer holding every field (one provider: 27 merges cost 27 times as much).
    let layer: BTreeMap<&str, &str> = FIELDS.iter().map(|f| (*f, text)).collect();
    let loader = Leaves::loader()
        .env("dev")
        .offline()
        .merge(Serialized::defaults(layer));
    match common::block_on(loader.load()) {
        Ok(config) => {
            // Everything decoded: the integers agree with Rust's parse.
            assert_eq!(Ok(config.a_u16), text.parse::<u16>(), "{text:?}");
            assert_eq!(Ok(config.a_i64), text.parse::<i64>(), "{text:?}");
            assert_eq!(config.a_list.join(","), text);
            assert_eq!(config.a_list.is_empty(), text.is_empty());
            let _ = format!("{config:?}");
        }
        Err(err) => {
            let report = format!("{err}\n{err:?}");
            let mut failed = Vec::new();
            for p in err.problems() {
                let field = p
                    .field_path()
                    .unwrap_or_else(|| panic!("a problem names no field: {p:?}\n{report}"));
                assert!(FIELDS.contains(&field), "unknown field {field}: {report}");
                assert!(
                    p.to_string().contains(field),
                    "the problem's text does not name {field}: {p}"
                );
                assert!(
                    matches!(
                        p.kind(),
                        awsconf::ProblemKind::Invalid | awsconf::ProblemKind::Limit
                    ),
                    "a set value gave a {:?} problem: {p}",
                    p.kind()
                );
                failed.push(field);
            }
            assert!(!failed.is_empty(), "an error without problems: {report}");
            // Differential: a field is a problem exactly when Rust's parse fails.
            let bad = |f: &str| failed.contains(&f);
            if text.len() <= 8192 {
                assert_eq!(bad("a_u8"), text.parse::<u8>().is_err(), "u8 {text:?}");
                assert_eq!(bad("a_u16"), text.parse::<u16>().is_err(), "u16 {text:?}");
                assert_eq!(bad("a_i32"), text.parse::<i32>().is_err(), "i32 {text:?}");
                assert_eq!(
                    bad("a_u128"),
                    text.parse::<u128>().is_err(),
                    "u128 {text:?}"
                );
                // true/false as Rust writes them, or capitalized as YAML and
                // Python do (text.rs, `deserialize_bool`).
                let bool_ok =
                    matches!(text, "true" | "True" | "TRUE" | "false" | "False" | "FALSE");
                assert_eq!(bad("a_bool"), !bool_ok, "bool {text:?}");
                assert!(!bad("a_string"), "a String refused {text:?}");
                // A StringList: empty text is the empty list; an item with
                // spaces around it is refused (text.rs, `string_list`).
                let items_ok = text.is_empty() || text.split(',').all(|i| i.trim() == i);
                assert_eq!(bad("a_list"), !items_ok, "Vec<String> {text:?}");
                let list_ok =
                    text.is_empty() || text.split(',').all(|item| item.parse::<u16>().is_ok());
                assert_eq!(bad("a_u16_list"), !list_ok, "Vec<u16> {text:?}");
            }
        }
    }
});
