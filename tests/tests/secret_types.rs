//! Secret-ness is a property of the type tree: `Vec<SecretString>`,
//! `Option<HashMap<String, SecretString>>` and a `#[param(secret)]` alias are
//! secrets to every part of awsconf — errors, explain, push, check and the IAM
//! policy — not only a bare `SecretString`.

#![allow(dead_code)]

use std::collections::HashMap;

use aws_sdk_ssm::types::ParameterType;
use awsconf::figment::providers::{Format, Toml};
use awsconf::tools::{self, FindingKind, PushOptions};
use awsconf::{AwsConfig, ExposeSecret, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Seed};

/// An alias the macro cannot see through: `#[param(secret)]` says what it is.
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

/// A JSON secret's struct with a plain `String` password: its `Debug` would
/// print the secret.
#[derive(serde::Deserialize, Debug)]
struct LeakyCreds {
    username: String,
    password: String,
}

/// The same with the password as a `SecretString`.
#[derive(serde::Deserialize, Debug)]
struct SafeCreds {
    username: String,
    password: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "st")]
struct Creds {
    #[secret(id = "{env}/st/leaky")]
    leaky: LeakyCreds,
    #[secret(id = "{env}/st/safe")]
    safe: SafeCreds,
}

#[tokio::test]
async fn a_secret_struct_whose_debug_would_print_a_secret_key_is_refused() {
    let env = unique_env("st-debug");
    let seed = Seed::new();
    let json = format!("{{\"username\":\"app\",\"password\":\"{CANARY}\",\"host\":\"db\"}}");
    seed.secret(&format!("{env}/st/leaky"), &json).await;
    seed.secret(&format!("{env}/st/safe"), &json).await;
    let err = Creds::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("LeakyCreds would print the password");
    let report = format!("{err}\n{err:?}");
    assert!(!leaks(&report), "{report}");
    assert_eq!(err.problems().len(), 1, "{report}");
    let p = &err.problems()[0];
    assert_eq!(p.kind(), awsconf::ProblemKind::WouldLeak);
    assert_eq!(p.field_path(), Some("leaky"));
    assert_eq!(
        p.to_string(),
        format!(
            "leaky (secret {env}/st/leaky): `LeakyCreds`'s Debug would print the secret's key `password` (the value is not shown): \
             make that field a `SecretString` in `LeakyCreds`, or give `LeakyCreds` a Debug that redacts it"
        )
    );

    // The safe struct alone loads, and its Debug shows the user name only.
    #[derive(AwsConfig, Debug)]
    #[aws_config(app = "st")]
    struct OnlySafe {
        #[secret(id = "{env}/st/safe")]
        safe: SafeCreds,
    }
    let ok = OnlySafe::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.safe.password.expose_secret(), CANARY);
    let shown = format!("{ok:?}");
    assert!(!leaks(&shown) && shown.contains("app"), "{shown}");
}
