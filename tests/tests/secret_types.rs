//! Secret-ness is the `awsconf::Secret` trait: `Vec<SecretString>`,
//! `Option<HashMap<String, SecretString>>` and an alias of `SecretString` are
//! secrets to every part of awsconf — errors, explain, push, check and the IAM
//! policy — not only a bare `SecretString`. A SecureString read into a type that
//! is not a `Secret` is refused at load unless the field says `#[param(plaintext)]`.

#![allow(dead_code)]

use std::collections::HashMap;

use aws_sdk_ssm::types::ParameterType;
use awsconf::figment::providers::{Format, Serialized, Toml};
use awsconf::tools::{self, FindingKind, PushOptions};
use awsconf::{AwsConfig, ExposeSecret, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Seed};

/// An alias of `SecretString`: a `Secret` through the alias
/// (`#[param(secret)]` on it still compiles, and checks just that).
type Token = SecretString;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "st")]
struct Nested {
    keys: Vec<SecretString>,
    #[param(json)]
    by_region: Option<HashMap<String, SecretString>>,
    #[param(secret)]
    token: Token,
    host: String,
}

const CANARY: &str = "CANARY-typetree-4f1d";

fn leaks(text: &str) -> bool {
    text.contains(CANARY)
}

#[tokio::test]
async fn a_stringlist_of_secrets_is_never_quoted_in_an_error() {
    let env = unique_env("st-err");
    let seed = Seed::new();
    // Stored unencrypted, by mistake: the field's type still says secret.
    seed.param(&format!("/{env}/st/keys"), &format!("k1, {CANARY}"))
        .await;
    seed.secure(&format!("/{env}/st/token"), CANARY).await;
    seed.param(&format!("/{env}/st/host"), "h").await;
    seed.param(
        &format!("/{env}/st/by-region"),
        &format!("{{\"eu\": {CANARY}}}"),
    )
    .await;
    let err = Nested::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("spaces in the list, bad JSON");
    let report = format!("{err}\n{err:?}");
    assert!(!leaks(&report), "{report}");
    let fields: Vec<_> = err.problems().iter().map(|p| p.field_path()).collect();
    assert_eq!(fields, [Some("keys"), Some("by_region")], "{report}");
    assert!(report.contains(&format!("/{env}/st/keys")), "{report}");
}

/// The `secret_decoding` fuzz target's false alarm (SECURITY.md, "What fuzzing
/// found"): a token that spells the Debug of the map beside it. The map shows
/// its keys by design; the token's text shows nowhere: the config's Debug is
/// the same whatever the token and the map's values are.
#[tokio::test]
async fn a_secret_that_spells_a_shown_map_key_is_not_shown() {
    async fn debug_of(token: &str, value: &str) -> String {
        let local =
            format!("keys = []\ntoken = '{token}'\nhost = \"h\"\n[by_region]\neu = \"{value}\"\n");
        let config = Nested::loader()
            .env("dev")
            .offline()
            .merge(Toml::string(&local))
            .load()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(config.token.expose_secret(), token);
        format!("{config:?}\n{config:#?}")
    }
    let spelled = debug_of(&format!("{{\"eu\":\"{CANARY}\"}}"), CANARY).await;
    assert!(
        spelled.contains("\"eu\""),
        "the map's key is shown: {spelled}"
    );
    assert!(!leaks(&spelled), "{spelled}");
    assert_eq!(spelled, debug_of("other", "other-value").await);
}

/// The `secret_decoding` fuzz target's second false alarm: serde_json's own
/// "control character (\u0000-\u001F)" beside a secret that holds `0000-`.
/// The message is serde's wording; the secret's text is not quoted.
#[tokio::test]
async fn a_control_character_in_a_json_secret_is_named_but_not_quoted() {
    let by_region = format!("{{\"eu\":\"{CANARY}-0000-\u{1}\"}}");
    let layer: HashMap<&str, &str> = [
        ("keys", "k"),
        ("token", "t"),
        ("host", "h"),
        ("by_region", by_region.as_str()),
    ]
    .into();
    let err = Nested::loader()
        .env("dev")
        .offline()
        .merge(Serialized::defaults(layer))
        .load()
        .await
        .expect_err("a raw control character in a JSON string");
    let report = format!("{err}\n{err:?}");
    assert!(report.contains("control character"), "{report}");
    assert!(!leaks(&report), "{report}");
}

#[tokio::test]
async fn explain_redacts_secrets_inside_containers_and_aliases() {
    let env = unique_env("st-explain");
    let local = format!(
        "keys = [\"{CANARY}-1\", \"{CANARY}-2\"]\ntoken = \"{CANARY}\"\nhost = \"h\"\n[by_region]\neu = \"{CANARY}\"\n"
    );
    let explained = tools::explain(
        Nested::loader()
            .env(&env)
            .offline()
            .merge(Toml::string(&local)),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    for field in ["keys", "by_region", "token"] {
        let f = explained
            .fields
            .iter()
            .find(|f| f.field == field)
            .unwrap_or_else(|| panic!("{field} explained"));
        assert!(f.secret, "{field} is secret");
        assert_eq!(f.value, None, "{field}");
    }
    let host = explained.fields.iter().find(|f| f.field == "host");
    assert_eq!(host.and_then(|f| f.value.as_deref()), Some("h"));
    let table = explained.to_table();
    assert!(!leaks(&table), "{table}");
    assert!(!leaks(&format!("{explained:?}")));

    let config = Nested::loader()
        .env(&env)
        .offline()
        .merge(Toml::string(&local))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.keys[1].expose_secret(), format!("{CANARY}-2"));
    assert!(!leaks(&format!("{config:?}")));
}

#[tokio::test]
async fn push_stores_secret_containers_as_securestrings_and_check_flags_plain_ones() {
    let env = unique_env("st-push");
    let local =
        format!("keys = [\"{CANARY}-1\", \"{CANARY}-2\"]\ntoken = \"{CANARY}\"\nhost = \"h\"\n");
    let config = sdk_config(moto());
    let mut progress = |_: usize, _: usize| {};
    let report = tools::push::<Nested>(
        &env,
        &config,
        &local,
        "local.toml",
        PushOptions {
            apply: true,
            overwrite: false,
            ..Default::default()
        },
        &mut progress,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!leaks(&format!("{report:?}\n{}", report.to_table())));
    let seed = Seed::new();
    for (name, expected) in [
        ("keys", ParameterType::SecureString),
        ("token", ParameterType::SecureString),
        ("host", ParameterType::String),
    ] {
        let got = seed
            .ssm
            .get_parameter()
            .name(format!("/{env}/st/{name}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let kind = got.parameter().and_then(|p| p.r#type()).cloned();
        assert_eq!(kind, Some(expected), "{name}");
    }

    // The same values stored unencrypted: check flags both secret fields.
    let plain_env = unique_env("st-check");
    seed.list(&format!("/{plain_env}/st/keys"), &format!("{CANARY}-1"))
        .await;
    seed.param(&format!("/{plain_env}/st/token"), CANARY).await;
    seed.param(&format!("/{plain_env}/st/host"), "h").await;
    let check = tools::check::<Nested>(&plain_env, &config).await;
    let flagged: Vec<_> = check
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::NotSecureString)
        .filter_map(|f| f.field.clone())
        .collect();
    assert_eq!(flagged, ["keys", "token"], "{check:?}");
    assert!(!leaks(&format!("{check:?}")));
}

#[test]
fn the_policy_decrypts_for_secret_containers() {
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "st")]
    struct OnlyContainers {
        keys: Vec<SecretString>,
    }
    let policy = awsconf::iam::policy::<OnlyContainers>("prod", "us-east-1", "123456789012");
    let text = policy.to_string();
    assert!(text.contains("kms:Decrypt"), "{text}");
    assert!(text.contains("ssm.us-east-1.amazonaws.com"), "{text}");
}

/// A SecureString read into a plain `String`: the type could print it.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "st-url")]
struct PlainUrl {
    database_url: String,
    host: String,
}

/// The same field, marked as not secret by the user's word.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "st-url")]
struct PlaintextUrl {
    #[param(plaintext)]
    database_url: String,
    host: String,
}

/// The same field as a `SecretString`.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "st-url")]
struct SecretUrl {
    database_url: SecretString,
    host: String,
}

async fn seed_url(env: &str) {
    let seed = Seed::new();
    seed.secure(&format!("/{env}/st-url/database-url"), CANARY)
        .await;
    seed.param(&format!("/{env}/st-url/host"), "db").await;
}

#[tokio::test]
async fn a_securestring_in_a_plain_field_is_refused_unless_it_says_plaintext() {
    let env = unique_env("st-url");
    seed_url(&env).await;
    let err = PlainUrl::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("a SecureString into a String");
    let report = format!("{err}\n{err:?}");
    assert!(!leaks(&report), "{report}");
    assert_eq!(err.problems().len(), 1, "{report}");
    let p = &err.problems()[0];
    assert_eq!(p.kind(), awsconf::ProblemKind::WouldLeak);
    assert_eq!(p.field_path(), Some("database_url"));
    assert_eq!(
        p.to_string(),
        format!(
            "database_url (/{env}/st-url/database-url): this parameter is a SecureString, but the field's type `String` \
             is not an awsconf::Secret, so its Debug could print the value (the value is not shown); make the field a \
             `SecretString`, or mark it `#[param(plaintext)]` if the value is not secret"
        )
    );

    // `#[param(plaintext)]`: the user's word that the value is not secret.
    let plain = PlaintextUrl::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plain.database_url, CANARY);
    // As a SecretString it loads redacted.
    let secret = SecretUrl::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(secret.database_url.expose_secret(), CANARY);
    let shown = format!("{secret:?}");
    assert!(!leaks(&shown) && shown.contains("[REDACTED]"), "{shown}");

    // Explained, the plaintext field's value is still not shown: it came from a
    // SecureString.
    let explained = tools::explain(
        PlaintextUrl::loader()
            .env(&env)
            .sdk_config(&sdk_config(moto())),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(!leaks(&explained.to_table()), "{}", explained.to_table());
}

#[tokio::test]
async fn check_reports_a_securestring_behind_a_field_that_is_not_secret() {
    let env = unique_env("st-url-check");
    seed_url(&env).await;
    let config = sdk_config(moto());
    let check = tools::check::<PlainUrl>(&env, &config).await;
    assert!(!check.would_load);
    let flagged: Vec<_> = check
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::SecureStringInPlainField)
        .map(|f| {
            let location = f.location.as_ref().map(|l| l.to_string());
            (f.field.clone(), location, f.severity)
        })
        .collect();
    let name = format!("/{env}/st-url/database-url");
    assert_eq!(
        flagged,
        [(
            Some("database_url".to_string()),
            Some(name),
            tools::Severity::Error
        )],
        "{check:?}"
    );
    assert!(!leaks(&format!("{check:?}\n{}", check.to_table())));

    let check = tools::check::<PlaintextUrl>(&env, &config).await;
    assert!(check.would_load, "{check:?}");
    assert!(
        check
            .findings
            .iter()
            .all(|f| f.kind != FindingKind::SecureStringInPlainField),
        "{check:?}"
    );
}

#[test]
fn a_plaintext_field_that_may_be_a_securestring_gets_kms_decrypt() {
    let policy = awsconf::iam::policy::<PlaintextUrl>("prod", "us-east-1", "123456789012");
    let text = policy.to_string();
    assert!(text.contains("kms:Decrypt"), "{text}");
    let policy = awsconf::iam::policy::<PlainUrl>("prod", "us-east-1", "123456789012");
    assert!(!policy.to_string().contains("kms:Decrypt"));
}

/// A newtype of `SecretString` that validates itself, as teams do: its
/// `TryFrom` error names the value it refused, bare (no quotes, no long word).
#[derive(serde::Deserialize, Debug, awsconf::Secret)]
#[serde(try_from = "String")]
struct ApiKey(SecretString);

impl TryFrom<String> for ApiKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        match s.starts_with("sk_") {
            true => Ok(ApiKey(SecretString::from(s))),
            false => Err(format!("API key {s} does not start with sk_")),
        }
    }
}

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
struct Stripe {
    #[secret(plaintext)]
    account: String,
    key: ApiKey,
}

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
#[secret(plaintext_variant)]
enum Zone {
    #[serde(rename = "eu")]
    Eu,
    #[serde(rename = "us")]
    Us,
}

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
struct Routed {
    zone: Zone,
    token: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "stjson")]
struct JsonSecrets {
    #[param(json)]
    stripe: Stripe,
    #[secret(id = "{env}/stjson/stripe")]
    stripe_secret: Stripe,
    #[param(json)]
    bare: ApiKey,
    #[param(json)]
    routed: Routed,
}

/// Found by a red-team pass: a JSON value read with `#[param(json)]` kept any
/// serde_json error with a position and no long quote, which let through the
/// field type's own error (a `TryFrom` message that names the value) and
/// serde's `unknown variant` with backticks in the value cutting its quote into
/// short pieces. Now only serde_json's own syntax errors keep their text; the
/// same type read from Secrets Manager was already redacted. Both routes, and a
/// local layer, say which field and where, and never the value.
#[tokio::test]
async fn a_json_value_whose_own_deserialize_quotes_it_is_never_shown() {
    let env = unique_env("st-json");
    let seed = Seed::new();
    let p = format!("/{env}/stjson");
    let stripe = format!(r#"{{"account":"acct_1","key":"Tr0ub4dor&3{CANARY}"}}"#);
    seed.secure(&format!("{p}/stripe"), &stripe).await;
    seed.secret(&format!("{env}/stjson/stripe"), &stripe).await;
    seed.secure(&format!("{p}/bare"), &format!(r#""Tr0ub4dor&3{CANARY}""#))
        .await;
    let zone = format!("a` correct horse {CANARY} `b");
    seed.secure(
        &format!("{p}/routed"),
        &serde_json::json!({"zone": zone, "token": "t"}).to_string(),
    )
    .await;
    let err = JsonSecrets::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("no key starts with sk_, no such zone");
    let mut report = format!("{err}\n{err:?}\n{err:#?}\n");
    for problem in err.problems() {
        report.push_str(&format!("{problem}\n{problem:?}\n{}\n", problem.message()));
    }
    assert!(!leaks(&report), "{report}");
    assert!(!report.contains("correct horse"), "{report}");
    let fields: Vec<_> = err.problems().iter().map(|p| p.field_path()).collect();
    assert_eq!(
        fields,
        [
            Some("stripe"),
            Some("stripe_secret"),
            Some("bare"),
            Some("routed")
        ],
        "{report}"
    );
    assert!(report.contains(&format!("{p}/stripe")), "{report}");
    assert!(
        report.contains(&format!("secret {env}/stjson/stripe")),
        "{report}"
    );

    // A local layer holding the same JSON: also refused without the value.
    let err = JsonSecrets::loader()
        .env("dev")
        .offline()
        .merge(Serialized::defaults(serde_json::json!({
            "stripe": stripe,
            "bare": format!(r#""Tr0ub4dor&3{CANARY}""#),
        })))
        .load()
        .await
        .expect_err("bad keys");
    let report = format!("{err}\n{err:?}");
    assert!(!leaks(&report), "{report}");
    assert!(report.contains("stripe"), "{report}");

    // serde_json's own syntax error still says where the JSON broke.
    let err = JsonSecrets::loader()
        .env("dev")
        .offline()
        .merge(Serialized::defaults(serde_json::json!({
            "stripe": format!(r#"{{"account": {CANARY}"#),
        })))
        .load()
        .await
        .expect_err("not JSON");
    let report = format!("{err}");
    assert!(!leaks(&report), "{report}");
    assert!(
        report.contains("not valid JSON: expected value at line 1 column 13"),
        "{report}"
    );
}

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
#[secret(plaintext_variant)]
enum Cred {
    Password(SecretString),
    Token {
        #[secret(plaintext)]
        issuer: String,
        token: SecretString,
    },
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "stenum")]
struct EnumSecret {
    #[secret(id = "{env}/stenum/cred")]
    cred: Cred,
    #[secret(id = "{env}/stenum/password")]
    password: Option<SecretString>,
}

/// Also from the red-team pass: an enum with data read from a JSON secret took
/// the whole JSON text for a variant's name (and failed), and a list from a
/// local layer for a `#[secret]` field was called a SecretBinary.
#[tokio::test]
async fn an_enum_with_data_reads_from_a_json_secret_and_a_local_list_is_only_a_list() {
    let env = unique_env("st-enum");
    let seed = Seed::new();
    seed.secret(
        &format!("{env}/stenum/cred"),
        &format!(r#"{{"Token": {{"issuer": "idp", "token": "{CANARY}"}}}}"#),
    )
    .await;
    let cfg = EnumSecret::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match &cfg.cred {
        Cred::Token { issuer, token } => {
            assert_eq!(issuer, "idp");
            assert_eq!(token.expose_secret(), CANARY);
        }
        other => panic!("{other:?}"),
    }
    let shown = format!("{cfg:?}");
    assert!(!leaks(&shown), "{shown}");

    let err = EnumSecret::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .merge(Serialized::defaults(serde_json::json!({
            "password": [CANARY, 1],
        })))
        .load()
        .await
        .expect_err("a list is not a SecretString");
    let report = format!("{err}\n{err:?}");
    assert!(!leaks(&report), "{report}");
    assert!(!report.contains("SecretBinary"), "{report}");
    assert!(report.contains("password"), "{report}");
}
