//! The canary test (`canary.rs`) over arbitrary secret values, as a property
//! test: quotes, backslashes, newlines, tabs, control characters, non-ASCII,
//! PEM-like multi-line text, from 1 to about 3,900 bytes. For each value, no form
//! of it (raw, `Debug`-escaped, JSON-escaped) appears in any output channel:
//! the config's `{:?}` and `{:#?}`, an error's `Display` and `Debug` and every
//! problem's, tracing at TRACE (the SDK's included), `explain`, `template`, the
//! push report, every CLI subcommand's stdout and stderr, and a panic message.
//!
//! The value reaches the config in each of the shapes a careful new user
//! writes (issue #21's "Why"): a JSON secret with a quoting password and a
//! multi-line PEM in a struct of theirs (`#[derive(awsconf::Secret)]`), one key
//! into a newtype, a whole secret into a newtype, a value nested under a neutral
//! key, an alias of `SecretString`, and a SecureString parameter read into a
//! plain `String` (refused at load). The shapes that would print it no longer
//! compile (see `ui-tests/ui/secret_*.rs`).
//!
//! Every value is wrapped in two tags (`Qz7t…` and `…Jw4k`), so even a one-byte
//! value is findable: a tag in any output means part of a secret got out.
//! One test in its own binary, because it installs the global tracing subscriber.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};

use aws_sdk_ssm::types::ParameterType;
use awsconf::figment::providers::{Format, Toml};
use awsconf::tools::{self, PushOptions};
use awsconf::{AwsConfig, ExposeSecret, ProblemKind, Secret, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Capture, Seed};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestCaseError, TestRunner};
use serde::Deserialize;

/// How many arbitrary values the property runs over.
const CASES: u32 = 48;

const HEAD: &str = "Qz7t";
const TAIL: &str = "Jw4k";

/// A JSON secret's struct: the username is not secret, the rest is.
#[derive(Deserialize, Debug, Secret)]
struct DbCredentials {
    #[secret(plaintext)]
    username: String,
    password: SecretString,
    private_key: SecretString,
    #[secret(plaintext)]
    port: u16,
}

/// One key of a secret into a newtype.
#[derive(Deserialize, Debug, Secret)]
struct Password(SecretString);

/// A whole secret that is a plain token, into a newtype.
#[derive(Deserialize, Debug, Secret)]
struct ApiToken(SecretString);

/// `{"credentials": {"value": ...}}`: a value one level down under a neutral key.
#[derive(Deserialize, Debug, Secret)]
struct Wrapped {
    credentials: Inner,
}

#[derive(Deserialize, Debug, Secret)]
struct Inner {
    value: SecretString,
}

/// An alias of `SecretString`: a `Secret` through the alias.
type Token = SecretString;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "forms")]
struct Good {
    #[secret(id = "{env}/forms/db")]
    db: DbCredentials,
    #[secret(id = "{env}/forms/db", key = "password")]
    password: Password,
    #[secret(id = "{env}/forms/db", key = "port", plaintext)]
    port: u16,
    #[secret(id = "{env}/forms/token")]
    token: ApiToken,
    #[secret(id = "{env}/forms/nested")]
    nested: Wrapped,
    api_token: Token,
    #[param(json)]
    by_region: Option<std::collections::HashMap<String, SecretString>>,
    host: String,
}

/// A SecureString read into a plain `String`: refused at load. And values that
/// do not convert, which an error might quote.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "forms")]
struct Refused {
    database_url: String,
    /// A SecureString holding the value, read as a number.
    pin: Option<u16>,
    /// The secret's password key, read as a number.
    #[secret(id = "{env}/forms/db", key = "password", plaintext)]
    password_as_port: u16,
    /// The token secret (not JSON) read as a struct.
    #[secret(id = "{env}/forms/token")]
    token_as_struct: DbCredentials,
}

/// The characters a secret is drawn from: the ones escaping changes, control
/// characters, non-ASCII, and any char at all.
fn secret_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => prop::sample::select(vec!['"', '\\', '\n', '\t', '\r', '\'', '`', '{', '}', '$', ' ', 'é', '日', '🔑', '\u{7f}', '\u{200b}']),
        2 => (0x01u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('x')),
        3 => prop::char::range('a', 'z'),
        2 => any::<char>().prop_filter("no NUL", |c| *c != '\0'),
    ]
}

/// A secret value between the tags: very short, ordinary, PEM-like, very long.
fn secret_value() -> impl Strategy<Value = String> {
    let core = prop_oneof![
        2 => prop::collection::vec(secret_char(), 0..=3),
        4 => prop::collection::vec(secret_char(), 4..=64),
        1 => prop::collection::vec(secret_char(), 800..=1000),
    ]
    .prop_map(|chars| chars.into_iter().collect::<String>());
    prop_oneof![
        5 => core.clone().prop_map(|c| format!("{HEAD}{c}{TAIL}")),
        1 => core.prop_map(|c| format!(
            "{HEAD}-----BEGIN PRIVATE KEY-----\nMIIEv{c}\nQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n{TAIL}"
        )),
    ]
    // Parameter Store's standard tier holds 4,096 bytes.
    .prop_filter("fits a SecureString", |s| s.len() <= 3_900)
}

/// Every form the value could take in text.
fn forms(secret: &str) -> Vec<String> {
    let debug = format!("{secret:?}");
    let json = serde_json::to_string(secret).unwrap_or_default();
    vec![
        secret.to_string(),
        debug.trim_matches('"').to_string(),
        json.trim_matches('"').to_string(),
        HEAD.to_string(),
        TAIL.to_string(),
    ]
}

/// A TOML basic string holding `s`.
fn toml_string(s: &str) -> String {
    let json = serde_json::to_string(s).unwrap_or_default();
    // JSON's escapes are TOML's, but TOML also wants DEL escaped.
    json.replace('\u{7f}', "\\u007F")
}

#[test]
fn no_form_of_an_arbitrary_secret_appears_in_any_output() {
    let capture = Capture::default();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .with_ansi(false)
        .init();
    // Panic messages go here, not to stderr, so they are searched too.
    let panics = Arc::new(Mutex::new(String::new()));
    let sink = panics.clone();
    std::panic::set_hook(Box::new(move |info| {
        if let Ok(mut s) = sink.lock() {
            s.push_str(&format!("{info}\n"));
        }
    }));

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let mut runner = TestRunner::new(ProptestConfig {
        cases: CASES,
        failure_persistence: None,
        // Each case is a few loads against the emulator; shrinking a failure
        // reruns them, so keep it short.
        max_shrink_iters: 32,
        ..ProptestConfig::default()
    });
    let ran = Arc::new(Mutex::new(0u32));
    let result = runner.run(&secret_value(), |secret| {
        if let Ok(mut n) = ran.lock() {
            *n += 1;
        }
        let before_logs = capture.0.lock().map(|l| l.len()).unwrap_or(0);
        let before_panics = panics.lock().map(|p| p.len()).unwrap_or(0);
        let printed = rt.block_on(one_case(&secret))?;
        let panicked = panics
            .lock()
            .map(|p| p[before_panics..].to_string())
            .unwrap_or_default();
        let logs = capture
            .0
            .lock()
            .map(|l| String::from_utf8_lossy(&l[before_logs..]).to_string())
            .unwrap_or_default();
        prop_assert!(panicked.contains("[REDACTED]"), "the panic hook ran");
        for form in forms(&secret) {
            for (channel, text) in [
                ("printed", &printed),
                ("panic", &panicked),
                ("TRACE logs", &logs),
            ] {
                if let Some(at) = text.find(&form) {
                    let from = at.saturating_sub(200);
                    let mut from = from;
                    while !text.is_char_boundary(from) {
                        from -= 1;
                    }
                    return Err(TestCaseError::fail(format!(
                        "a form of the secret in {channel}, after: {:?}",
                        &text[from..at]
                    )));
                }
            }
        }
        Ok(())
    });
    let _ = std::panic::take_hook();
    let ran = ran.lock().map(|n| *n).unwrap_or(0);
    eprintln!("no_form_of_an_arbitrary_secret_appears_in_any_output: {ran} cases run");
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(ran >= CASES, "{ran} cases run");
}

/// Plants `secret` in a fresh env in every shape, provokes every channel, and
/// returns all the text printed (panic messages go to the hook).
async fn one_case(secret: &str) -> Result<String, TestCaseError> {
    let env = unique_env("forms");
    let seed = Seed::new();
    let p = format!("/{env}/forms");
    let db = serde_json::json!({
        "username": "app",
        "password": secret,
        "private_key": secret,
        "port": 5432,
    })
    .to_string();
    let nested = serde_json::json!({"credentials": {"value": secret}}).to_string();
    let by_region = serde_json::json!({"eu": secret}).to_string();
    let puts = [
        seed.try_put(
            &format!("{p}/api-token"),
            secret,
            ParameterType::SecureString,
        )
        .await,
        seed.try_put(
            &format!("{p}/by-region"),
            &by_region,
            ParameterType::SecureString,
        )
        .await,
        seed.try_put(&format!("{p}/host"), "db.internal", ParameterType::String)
            .await,
        seed.try_put(
            &format!("{p}/database-url"),
            secret,
            ParameterType::SecureString,
        )
        .await,
        seed.try_put(&format!("{p}/pin"), secret, ParameterType::SecureString)
            .await,
        seed.try_create_secret(&format!("{env}/forms/db"), &db)
            .await,
        seed.try_create_secret(&format!("{env}/forms/token"), secret)
            .await,
        seed.try_create_secret(&format!("{env}/forms/nested"), &nested)
            .await,
    ];
    // A seeding error may echo the value: say which, never what.
    for (i, put) in puts.iter().enumerate() {
        prop_assert!(put.is_ok(), "seeding step {i} failed");
    }

    let config = sdk_config(moto());
    let mut printed = String::new();

    // A good load: every shape lands redacted.
    let good = Good::loader()
        .env(&env)
        .sdk_config(&config)
        .load()
        .await
        .map_err(|e| TestCaseError::fail(format!("good load: {} problems", e.problems().len())))?;
    prop_assert_eq!(good.db.password.expose_secret(), secret);
    prop_assert_eq!(good.nested.credentials.value.expose_secret(), secret);
    prop_assert_eq!(good.token.0.expose_secret(), secret);
    prop_assert_eq!(good.port, 5432);
    printed.push_str(&format!("{good:?}\n{good:#?}\n"));

    // The refused load: a SecureString in a plain String, values that do not convert.
    let err = Refused::loader()
        .env(&env)
        .sdk_config(&config)
        .load()
        .await
        .err()
        .ok_or_else(|| TestCaseError::fail("Refused loaded"))?;
    let refused = err
        .problems()
        .iter()
        .find(|p| p.field_path() == Some("database_url"))
        .ok_or_else(|| TestCaseError::fail("database_url not refused"))?;
    prop_assert_eq!(refused.kind(), ProblemKind::WouldLeak);
    let name = format!("{p}/database-url");
    prop_assert!(refused.to_string().contains(&name));
    prop_assert_eq!(err.problems().len(), 4);
    print_error(&mut printed, &err);

    // explain, over AWS and over a local layer that holds the value.
    let explained = tools::explain(Good::loader().env(&env).sdk_config(&config))
        .await
        .map_err(|e| TestCaseError::fail(format!("explain: {} problems", e.problems().len())))?;
    printed.push_str(&format!("{}\n{explained:?}\n", explained.to_table()));
    let local = format!("api_token = {}\nhost = \"h\"\n", toml_string(secret));
    let explained = tools::explain(
        Good::loader()
            .env(&env)
            .sdk_config(&config)
            .merge(Toml::string(&local)),
    )
    .await
    .map_err(|e| TestCaseError::fail(format!("explain local: {} problems", e.problems().len())))?;
    printed.push_str(&format!("{}\n{explained:?}\n", explained.to_table()));

    // template, and a push of the value from a local file (dry run and applied).
    printed.push_str(&tools::template::<Good>(&env));
    let push_env = unique_env("forms-push");
    let push_file = format!(
        "api_token = {}\nhost = \"h\"\ndb = {}\ntoken = {}\n",
        toml_string(secret),
        toml_string(&db),
        toml_string(secret),
    );
    for apply in [false, true] {
        let mut progress = |_: usize, _: usize| {};
        let report = tools::push::<Good>(
            &push_env,
            &config,
            &push_file,
            "local.toml",
            PushOptions {
                apply,
                overwrite: true,
                allow_unknown_keys: false,
            },
            &mut progress,
        )
        .await;
        match report {
            Ok(report) => printed.push_str(&format!("{}\n{report:?}\n", report.to_table())),
            Err(err) => printed.push_str(&format!("{err}\n{err:?}\n")),
        }
    }

    // Every CLI subcommand that reads values, stdout and stderr.
    let file = std::env::temp_dir().join(format!("{env}-forms.toml"));
    std::fs::write(&file, &push_file).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let path = file.display().to_string();
    let runs: [&[&str]; 7] = [
        &["check"],
        &["check", "--format", "json"],
        &["explain"],
        &["explain", "--config", &path],
        &["explain", "--format", "json"],
        &["template"],
        &["push", &path],
    ];
    for args in runs {
        let mut argv = vec!["forms", "--env", env.as_str()];
        argv.extend_from_slice(args);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code =
            awsconf::cli::run_with::<Good, _, _>(argv, Some(&config), &mut out, &mut err).await;
        printed.push_str(&format!(
            "$ {args:?} -> {code}\n{}\n{}\n",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        ));
    }
    let _ = std::fs::remove_file(&file);
    for args in [&["check"][..], &["explain"][..]] {
        let mut argv = vec!["forms", "--env", env.as_str()];
        argv.extend_from_slice(args);
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code =
            awsconf::cli::run_with::<Refused, _, _>(argv, Some(&config), &mut out, &mut err).await;
        printed.push_str(&format!(
            "$ Refused {args:?} -> {code}\n{}\n{}\n",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        ));
    }

    // Panic messages: a config printed in a panic, an error unwrapped.
    let shown = format!("{good:?}");
    let _ = std::panic::catch_unwind(|| panic!("config: {shown}"));
    // As a user's `load().await.expect(..)` would: through a function, not a literal.
    let failed: Result<(), awsconf::Error> = std::hint::black_box(Err(err));
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        failed.expect("the load failed");
    }));
    Ok(printed)
}

fn print_error(out: &mut String, err: &awsconf::Error) {
    out.push_str(&format!("{err}\n{err:?}\n"));
    for p in err.problems() {
        out.push_str(&format!("{p}\n{p:?}\n"));
        let mut source = std::error::Error::source(p);
        while let Some(s) = source {
            out.push_str(&format!("{s}\n{s:?}\n"));
            source = s.source();
        }
    }
}
