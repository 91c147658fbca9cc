//! `#[secret]` fields from Secrets Manager through the real SDK against moto.

#![allow(dead_code)]

use std::collections::BTreeMap;

use awsconf::figment::providers::{Format, Toml};
use awsconf::{AwsConfig, ExposeSecret, ProblemKind, SecretBox, SecretString};
use awsconf_tests::{moto, problems, sdk_config, unique_env, Fault, Proxy, Rule, Seed};
use serde::Deserialize;

#[derive(Deserialize, Debug, awsconf::Secret)]
struct DbCredentials {
    #[secret(plaintext)]
    username: String,
    password: SecretString,
    #[secret(plaintext)]
    port: u16,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop")]
struct ShopSecrets {
    #[secret(id = "{env}/db/mysql")]
    credentials: DbCredentials,
    #[secret(id = "{env}/stripe/api-key")]
    stripe_key: SecretString,
    #[secret(id = "{env}/db/mysql", key = "password")]
    db_password: SecretString,
    #[secret(id = "{env}/db/mysql", key = "port", plaintext)]
    db_port: u16,
    #[secret(id = "{env}/db/mysql", key = "password", stage = "AWSPREVIOUS")]
    previous_password: Option<SecretString>,
    /// No id: `<env>/shop/signing/key`.
    #[component]
    signing: Signing,
    #[secret(id = "{env}/{app}/blob")]
    blob: SecretBox<Vec<u8>>,
}

#[derive(AwsConfig, Debug)]
struct Signing {
    #[secret]
    key: SecretString,
    #[param(default = "HS256")]
    algorithm: String,
}

async fn seed_shop(env: &str) -> Seed {
    let seed = Seed::new();
    seed.secret(
        &format!("{env}/db/mysql"),
        r#"{"username":"shop","password":"pw-1","port":3306}"#,
    )
    .await;
    seed.secret(&format!("{env}/stripe/api-key"), "sk_live_123")
        .await;
    seed.secret(&format!("{env}/shop/signing/key"), "signing-key")
        .await;
    seed.secret_binary(&format!("{env}/shop/blob"), &[0, 159, 146, 150])
        .await;
    seed
}

#[tokio::test]
async fn seed_secrets_load_into_typed_fields_and_are_fetched_once_per_id() {
    let env = unique_env("sec");
    let seed = seed_shop(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let config = ShopSecrets::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.credentials.username, "shop");
    assert_eq!(config.credentials.password.expose_secret(), "pw-1");
    assert_eq!(config.credentials.port, 3306);
    assert_eq!(config.stripe_key.expose_secret(), "sk_live_123");
    assert_eq!(config.db_password.expose_secret(), "pw-1");
    assert_eq!(
        config.db_port, 3306,
        "a non-string JSON key converts to the field type"
    );
    assert!(
        config.previous_password.is_none(),
        "no AWSPREVIOUS before a rotation"
    );
    assert_eq!(
        config.signing.key.expose_secret(),
        "signing-key",
        "default id <env>/shop/signing/key"
    );
    assert_eq!(config.signing.algorithm, "HS256");
    assert_eq!(
        config.blob.expose_secret().as_slice(),
        &[0, 159, 146, 150],
        "bytes from SecretBinary"
    );
    // Four distinct unpinned ids in one batch; the pinned stage alone.
    assert_eq!(
        proxy.count("BatchGetSecretValue"),
        1,
        "{:?}",
        proxy.counts()
    );
    assert_eq!(proxy.max_batch("BatchGetSecretValue"), 4);
    assert_eq!(proxy.count("GetSecretValue"), 1);
    assert_eq!(
        proxy.count("ListSecrets") + proxy.count("DescribeSecret"),
        0
    );
    let debug = format!("{config:?}");
    for secret in ["pw-1", "sk_live_123", "signing-key"] {
        assert!(!debug.contains(secret), "Debug leaks {secret}: {debug}");
    }

    // After PutSecretValue the old version is AWSPREVIOUS.
    seed.rotate(
        &format!("{env}/db/mysql"),
        r#"{"username":"shop","password":"pw-2","port":3306}"#,
    )
    .await;
    let config = ShopSecrets::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.db_password.expose_secret(), "pw-2");
    assert_eq!(
        config
            .previous_password
            .as_ref()
            .map(|p| p.expose_secret().to_string()),
        Some("pw-1".into())
    );
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "saas")]
struct Saas {
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
    #[secret(id = "{env}/tenants/{key}/rds")]
    rds: DbCredentials,
}

#[tokio::test]
async fn map_of_100_tenants_each_with_its_own_key_secret_costs_5_batches() {
    let env = unique_env("tenants");
    let seed = Seed::new();
    let mut params = Vec::new();
    for i in 0..100 {
        params.push((
            format!("/{env}/saas/tenants/t{i:03}/plan"),
            "pro".to_string(),
        ));
    }
    seed.params(&params).await;
    for wave in (0..100).collect::<Vec<_>>().chunks(20) {
        let futures = wave.iter().map(|i| {
            let seed = &seed;
            let env = &env;
            async move {
                let body = format!(
                    r#"{{"username":"u{i}","password":"p{i}","port":{}}}"#,
                    5000 + i
                );
                seed.secret(&format!("{env}/tenants/t{i:03}/rds"), &body)
                    .await;
            }
        });
        futures_util::future::join_all(futures).await;
    }
    let proxy = Proxy::start(moto()).expect("proxy");
    let config = Saas::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.tenants.len(), 100);
    assert_eq!(config.tenants["t042"].rds.username, "u42");
    assert_eq!(config.tenants["t099"].rds.port, 5099);
    assert_eq!(
        proxy.count("BatchGetSecretValue"),
        5,
        "100 secrets = 5 batches of 20: {:?}",
        proxy.counts()
    );
    assert_eq!(proxy.max_batch("BatchGetSecretValue"), 20);
    assert_eq!(proxy.count("GetSecretValue"), 0);
    // 10 full pages; moto, like AWS, may end a chain with an empty page that still
    // carried a token, and the loader follows it until the token is absent.
    assert!(
        (10..=11).contains(&proxy.count("GetParametersByPath")),
        "{:?}",
        proxy.counts()
    );
    assert_eq!(proxy.max_batch("GetParametersByPath"), 10);
}

#[tokio::test]
async fn local_layer_supplies_secrets_offline() {
    let env = unique_env("sec-offline");
    let toml = r#"
        stripe_key = "sk_test_local"
        db_password = "local"
        db_port = 3307
        blob = [1, 2, 3]
        [credentials]
        username = "dev"
        password = "devpw"
        port = 3306
        [signing]
        key = "dev-signing"
    "#;
    let config = ShopSecrets::loader()
        .env(&env)
        .offline()
        .merge(Toml::string(toml))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.stripe_key.expose_secret(), "sk_test_local");
    assert_eq!(config.credentials.password.expose_secret(), "devpw");
    assert_eq!(config.blob.expose_secret().as_slice(), &[1, 2, 3]);
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "bad")]
struct BadSecrets {
    #[secret(id = "{env}/missing")]
    missing: SecretString,
    #[secret(id = "{env}/rotating", stage = "AWSPREVIOUS")]
    previous: SecretString,
    #[secret(id = "{env}/empty")]
    empty: SecretString,
    #[secret(id = "{env}/garbled")]
    garbled: DbCredentials,
    #[secret(id = "{env}/garbled", key = "password")]
    garbled_key: SecretString,
    #[secret(id = "{env}/nokey", key = "password")]
    no_key: SecretString,
    #[secret(id = "{env}/binary")]
    binary: SecretString,
    #[secret(id = "{env}/wrongtype")]
    wrong_type: DbCredentials,
}

#[tokio::test]
async fn every_bad_secret_is_a_problem_naming_field_and_id_without_its_value() {
    let env = unique_env("badsec");
    let seed = Seed::new();
    seed.secret(&format!("{env}/rotating"), "only-version")
        .await;
    seed.secrets
        .create_secret()
        .name(format!("{env}/empty"))
        .send()
        .await
        .expect("create empty");
    seed.secret(&format!("{env}/garbled"), "{not json GARBLED-VALUE")
        .await;
    seed.secret(&format!("{env}/nokey"), r#"{"user":"x"}"#)
        .await;
    seed.secret_binary(&format!("{env}/binary"), &[0xff, 0xfe, 0x00])
        .await;
    seed.secret(
        &format!("{env}/wrongtype"),
        r#"{"username":"u","password":"WRONGTYPE-PW","port":"WRONGTYPE-PORT"}"#,
    )
    .await;

    let err = BadSecrets::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("bad");
    let mut got = problems(&err);
    got.sort();
    let mut want = vec![
        format!("missing (secret {env}/missing): required: secret not found in Secrets Manager, and no local layer sets it"),
        format!("previous (secret {env}/rotating): required: the secret has no version in stage AWSPREVIOUS, or does not exist (AWSPREVIOUS exists only after a rotation or PutSecretValue), and no local layer sets it"),
        format!("empty (secret {env}/empty): required: the secret exists but has no value in stage AWSCURRENT, and no local layer sets it"),
        format!("garbled (secret {env}/garbled): the secret is not a valid DbCredentials: not valid JSON: key must be a string at line 1 column 2 (the value is not shown)"),
        format!("garbled_key (secret {env}/garbled): the secret is not valid JSON, so key `password` cannot be read; the value is not shown"),
        format!("no_key (secret {env}/nokey): required: the JSON of secret {env}/nokey has no key `password`, and no local layer sets it"),
        format!("binary (secret {env}/binary): the secret is SecretBinary, not text, so it is not a valid SecretString (the value is not shown)"),
        format!("wrong_type (secret {env}/wrongtype): the secret is not a valid DbCredentials: invalid type: a string, expected u16 (the value is not shown)"),
    ];
    want.sort();
    assert_eq!(got, want);
    let all = format!("{err}\n{err:?}");
    for value in [
        "GARBLED-VALUE",
        "WRONGTYPE-PW",
        "WRONGTYPE-PORT",
        "only-version",
    ] {
        assert!(
            !all.contains(value),
            "a secret value leaked into the error: {all}"
        );
    }
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "del")]
struct Deleted {
    #[secret(id = "{env}/gone")]
    gone: SecretString,
}

#[tokio::test]
async fn secret_marked_for_deletion_is_reported() {
    let env = unique_env("del");
    let seed = Seed::new();
    seed.secret(&format!("{env}/gone"), "bye").await;
    seed.secrets
        .delete_secret()
        .secret_id(format!("{env}/gone"))
        .recovery_window_in_days(7)
        .send()
        .await
        .expect("delete");
    let err = Deleted::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("deleted");
    assert_eq!(
        problems(&err),
        vec![format!(
            "secret {env}/gone: the secret is marked for deletion; restore it with RestoreSecret or point the field at another secret"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Unavailable);
}

fn batch_error_body(id: &str, code: &str, message: &str) -> String {
    serde_json::json!({
        "SecretValues": [],
        "Errors": [{ "SecretId": id, "ErrorCode": code, "Message": message }]
    })
    .to_string()
}

#[tokio::test]
async fn access_denied_names_the_action_and_secret_arn() {
    let env = unique_env("deny");
    let proxy = Proxy::start(moto()).expect("proxy");
    let id = format!("{env}/gone");
    proxy.add_rule(Rule::always(
        Some("BatchGetSecretValue"),
        Fault::Respond {
            status: 200,
            body: batch_error_body(
                &id,
                "AccessDeniedException",
                "User: arn:aws:sts::123456789012:assumed-role/app/i-1 is not authorized to perform: secretsmanager:GetSecretValue",
            ),
        },
    ));
    let err = Deleted::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("denied");
    assert_eq!(
        problems(&err),
        vec![format!(
            "secret {id}: access denied: needs secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:123456789012:secret:{id}-??????"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::AccessDenied);

    // The whole call denied: BatchGetSecretValue itself needs Resource "*".
    proxy.clear_rules();
    proxy.add_rule(Rule::always(
        Some("BatchGetSecretValue"),
        Fault::Respond {
            status: 400,
            body: r#"{"__type":"AccessDeniedException","message":"User: arn:aws:sts::123456789012:assumed-role/app/i-1 is not authorized to perform: secretsmanager:BatchGetSecretValue"}"#.into(),
        },
    ));
    let err = Deleted::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("denied");
    assert_eq!(
        problems(&err),
        vec![format!(
            "secrets {id}: access denied: needs secretsmanager:BatchGetSecretValue on * (BatchGetSecretValue needs Resource \"*\"), and secretsmanager:GetSecretValue on each secret"
        )]
    );
}

#[tokio::test]
async fn kms_decryption_failure_is_reported_as_kms() {
    let env = unique_env("kms");
    let proxy = Proxy::start(moto()).expect("proxy");
    let id = format!("{env}/gone");
    proxy.add_rule(Rule::always(
        Some("BatchGetSecretValue"),
        Fault::Respond {
            status: 200,
            body: batch_error_body(&id, "DecryptionFailure", "Secrets Manager can't decrypt the protected secret text using the provided KMS key."),
        },
    ));
    let err = Deleted::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("kms");
    assert_eq!(err.problems().len(), 1);
    assert_eq!(err.problems()[0].kind(), ProblemKind::Kms);
    assert_eq!(
        problems(&err)[0],
        format!("secret {id}: KMS could not decrypt (DecryptionFailure: Secrets Manager can't decrypt the protected secret text using the provided KMS key.); check that the KMS key exists and is enabled, and that the role has kms:Decrypt on it")
    );
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "ver")]
struct Versioned {
    #[secret(
        id = "{env}/versioned",
        version_id = "11111111-2222-3333-4444-555555555555"
    )]
    first: SecretString,
    #[secret(id = "{env}/versioned")]
    current: SecretString,
}

#[tokio::test]
async fn version_id_pins_one_version() {
    let env = unique_env("ver");
    let seed = Seed::new();
    let id = format!("{env}/versioned");
    seed.secrets
        .create_secret()
        .name(&id)
        .secret_string("v1")
        .client_request_token("11111111-2222-3333-4444-555555555555")
        .send()
        .await
        .expect("create");
    seed.rotate(&id, "v2").await;
    let proxy = Proxy::start(moto()).expect("proxy");
    let config = Versioned::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.first.expose_secret(), "v1");
    assert_eq!(config.current.expose_secret(), "v2");
    assert_eq!(proxy.count("GetSecretValue"), 1);
    assert_eq!(proxy.count("BatchGetSecretValue"), 1);
}
