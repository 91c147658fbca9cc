//! Secret strings decoded into a struct with secret fields: a `SecretString`
//! secret, a JSON secret read into a struct of the user's, a `#[secret(key)]`
//! field, a StringList of secrets, a `#[param(secret)]` alias and a JSON map of
//! secrets. The oracle: the error's text, its `Debug` and the decoded value's
//! `Debug` hold no run of 6 or more characters of any secret value (runs that
//! are words of awsconf's own messages, or inside a JSON secret's own keys,
//! which are names shown by design, excepted; and a run counts only if
//! rotating the secret's letters rotates it in the output too, so text another
//! field shows by design is not taken for this secret's).

#![no_main]
#![allow(dead_code)]

#[path = "../common.rs"]
mod common;

use std::collections::HashMap;
use std::sync::OnceLock;

use awsconf::figment::providers::Serialized;
use awsconf::{AwsConfig, SecretString};
use libfuzzer_sys::fuzz_target;

type Token = SecretString;

// Every field that may hold text is secret (a plaintext `username` could show
// any run of the secret's text, which this oracle forbids); a port's digits are
// too short to count.
#[derive(awsconf::serde::Deserialize, Debug, awsconf::Secret)]
#[serde(crate = "awsconf::serde")]
struct DbAdmin {
    username: Option<SecretString>,
    password: SecretString,
    #[secret(plaintext)]
    port: Option<u16>,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "sec")]
struct Secrets {
    #[secret]
    token: SecretString,
    #[secret(id = "{env}/db/admin")]
    admin: DbAdmin,
    #[secret(id = "{env}/db/rds", key = "password")]
    rds_password: SecretString,
    keys: Vec<SecretString>,
    #[param(secret)]
    pin: Token,
    #[param(json)]
    by_region: Option<HashMap<String, SecretString>>,
    host: String,
}

const FIELDS: [&str; 6] = ["token", "admin", "rds_password", "keys", "pin", "by_region"];

/// The texts of a load, joined: the error's Display and Debug, or the value's
/// Debug; and whether it loaded.
fn load(values: &[&str]) -> (String, bool) {
    let mut layer: HashMap<&str, &str> =
        FIELDS.iter().copied().zip(values.iter().copied()).collect();
    layer.insert("host", "h");
    let loader = Secrets::loader()
        .env("dev")
        .offline()
        .merge(Serialized::defaults(layer));
    match common::block_on(loader.load()) {
        Ok(config) => (format!("{config:?}"), true),
        Err(err) => (format!("{err}\n{err:?}"), false),
    }
}

/// The words awsconf's messages use for these fields: every text a load of a
/// value without any 6-character run of its own prints.
fn vocabulary() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut v = String::new();
        for value in [
            "",
            "x",
            "1",
            "{}",
            "[]",
            "null",
            "true",
            "{\"username\":\"u\"}",
            "{\"password\":\"p\",\"username\":\"u\"}",
            "{\"password\":1}",
            "a,b",
            "{\"eu\":1}",
            // serde_json's "control character (\u0000-\u001F) found while
            // parsing a string": its own text, whatever the string held.
            "{\"password\":\"\u{1}\"}",
        ] {
            v.push_str(&load(&[value; 6]).0);
            v.push('\n');
        }
        let ok = [
            "t",
            "{\"username\":\"u\",\"password\":\"p\"}",
            "r",
            "k",
            "p",
            "{\"e\":\"v\"}",
        ];
        v.push_str(&load(&ok).0);
        v
    })
}

fuzz_target!(|data: &[u8]| {
    let Some(parts) = common::parts(data, 6) else {
        return;
    };
    let values: Vec<&str> = (0..6)
        .map(|i| parts.get(i).copied().unwrap_or(""))
        .collect();
    let (out, loaded) = load(&values);
    // A loaded value's Debug may print what is not secret: a JSON secret's
    // struct prints its `username`, a map its keys. The secret parts: whole
    // values, each StringList item, the map's values, the struct's password.
    // Each with the index of the value it comes from.
    let mut secrets: Vec<(usize, &str, String)> = Vec::new();
    if loaded {
        secrets.push((0, "token", values[0].to_string()));
        if let Ok(admin) = serde_json::from_str::<serde_json::Value>(values[1]) {
            if let Some(pw) = admin.get("password").and_then(|p| p.as_str()) {
                secrets.push((1, "admin.password", pw.to_string()));
            }
        }
        secrets.push((2, "rds_password", values[2].to_string()));
        secrets.extend(values[3].split(',').map(|k| (3, "keys", k.to_string())));
        secrets.push((4, "pin", values[4].to_string()));
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(values[5]) {
            for v in map.values() {
                if let Some(v) = v.as_str() {
                    secrets.push((5, "by_region", v.to_string()));
                }
            }
        }
    } else {
        secrets.extend(
            FIELDS
                .iter()
                .zip(&values)
                .enumerate()
                .map(|(i, (f, v))| (i, *f, v.to_string())),
        );
    }
    for (index, field, value) in &secrets {
        // A JSON secret's keys are names, shown by design (as serde's reasons
        // keep field names): a `WouldLeak` problem names the key it refuses.
        // Text inside a key is not counted as a leak of the value.
        let keys = json_keys(value);
        let vocab;
        let vocab = if keys.is_empty() {
            vocabulary()
        } else {
            vocab = format!("{}\n{keys}", vocabulary());
            vocab.as_str()
        };
        if let Some(run) = common::leaked(value, &out, vocab, 6) {
            // On the error path the run may be a parser's own wording that the
            // vocabulary lacks ("expected `:`"): it is a leak only if the same
            // values with other letters (ROT13) leak the rotated run too.
            if !loaded {
                let rotated: Vec<String> = values.iter().map(|v| rot13(v)).collect();
                let rotated: Vec<&str> = rotated.iter().map(String::as_str).collect();
                let rot_run = rot13(run);
                if rot_run != run && !load(&rotated).0.contains(&rot_run) {
                    continue;
                }
            } else {
                // A loaded value's Debug shows what is not secret (a map's
                // keys, a plaintext port), and a secret may spell the same
                // text by chance (a pin of `{"eu":` beside a map with key
                // `eu`). It is this secret's leak only if rotating this
                // secret's letters and digits rotates the run in the output.
                let mut rotated: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                rotated[*index] = rotate_secret(*index, values[*index]);
                let rotated: Vec<&str> = rotated.iter().map(String::as_str).collect();
                let rot_run = rotate(run);
                if rot_run != run && !load(&rotated).0.contains(&rot_run) {
                    continue;
                }
            }
            panic!("{field}'s secret value leaks {run:?}:\n{out}");
        }
    }
});

/// The keys of every JSON object in `value` (when it is JSON), one per line.
fn json_keys(value: &str) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    out.push_str(k);
                    out.push('\n');
                    walk(v, out);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(value) {
        walk(&v, &mut out);
    }
    out
}

/// ROT13 of the ASCII letters and ROT5 of the digits.
fn rotate(s: &str) -> String {
    rot13(s)
        .chars()
        .map(|c| match c {
            '0'..='9' => (((c as u8 - b'0') + 5) % 10 + b'0') as char,
            _ => c,
        })
        .collect()
}

/// Value `index` with only its secret parts rotated: the admin JSON's
/// `password`, the map's string values, or the whole text.
fn rotate_secret(index: usize, value: &str) -> String {
    let json = || serde_json::from_str::<serde_json::Value>(value).ok();
    match (index, json()) {
        (1, Some(serde_json::Value::Object(mut admin))) => {
            if let Some(serde_json::Value::String(pw)) = admin.get_mut("password") {
                *pw = rotate(pw);
            }
            serde_json::Value::Object(admin).to_string()
        }
        (5, Some(serde_json::Value::Object(mut map))) => {
            for v in map.values_mut() {
                if let serde_json::Value::String(s) = v {
                    *s = rotate(s);
                }
            }
            serde_json::Value::Object(map).to_string()
        }
        _ => rotate(value),
    }
}

/// ROT13 of the ASCII letters: the same shape of text, other words.
fn rot13(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}
