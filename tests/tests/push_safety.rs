//! `push` never destroys what no field owns: keys of a JSON secret that the
//! config does not declare are kept, a SecureString is never turned into plain
//! text, and a value already in place is not written again.

#![allow(dead_code)]

use aws_sdk_ssm::types::ParameterType;
use awsconf::tools::{self, PushOptions, PushReport, PushStatus};
use awsconf::{AwsConfig, Location, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Proxy, Seed};

/// Two keys of an RDS-managed secret, which also holds engine, host, port, dbname.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "rds")]
struct Rds {
    #[secret(id = "{env}/rds/admin", key = "password")]
    password: SecretString,
    #[secret(id = "{env}/rds/admin", key = "username", plaintext)]
    username: String,
    host: String,
}

const CANARY: &str = "CANARY-push-safety-7c2e";

async fn push(env: &str, endpoint: &str, file: &str, apply: bool) -> PushReport {
    let report = tools::push::<Rds>(
        env,
        &sdk_config(endpoint),
        file,
        "local.toml",
        PushOptions {
            apply,
            overwrite: true,
            ..Default::default()
        },
        &mut |_, _| {},
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let shown = format!(
        "{}\n{report:?}\n{}",
        report.to_table(),
        serde_json::to_string(&report).unwrap_or_default()
    );
    assert!(!shown.contains(CANARY), "{shown}");
    report
}

fn secret_item(report: &PushReport) -> &tools::PushItem {
    report
        .items
        .iter()
        .find(|i| matches!(i.target, Location::Secret { .. }))
        .unwrap_or_else(|| panic!("no secret item: {}", report.to_table()))
}

async fn secret_json(seed: &Seed, id: &str) -> serde_json::Value {
    let got = seed
        .secrets
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    serde_json::from_str(got.secret_string().unwrap_or_default()).unwrap_or_default()
}

#[tokio::test]
async fn push_merges_declared_keys_into_a_json_secret_and_keeps_every_other_key() {
    let env = unique_env("merge");
    let seed = Seed::new();
    let id = format!("{env}/rds/admin");
    let rds = serde_json::json!({
        "engine": "postgres", "host": "db.internal", "port": 5432, "dbname": "orders",
        "username": "admin", "password": format!("{CANARY}-old"),
    });
    seed.secret(&id, &rds.to_string()).await;
    seed.param(&format!("/{env}/rds/host"), "db.internal").await;
    let file =
        format!("password = \"{CANARY}-new\"\nusername = \"admin\"\nhost = \"db.internal\"\n");
    let proxy = Proxy::start(moto()).expect("proxy");

    // The dry run says which keys it keeps.
    let dry = push(&env, &proxy.endpoint(), &file, false).await;
    let item = secret_item(&dry);
    assert_eq!(item.status, PushStatus::WouldOverwrite);
    assert_eq!(item.kept_keys, ["dbname", "engine", "host", "port"]);
    assert!(
        dry.to_table()
            .contains("keeps keys dbname, engine, host, port"),
        "{}",
        dry.to_table()
    );

    let applied = push(&env, &proxy.endpoint(), &file, true).await;
    assert_eq!(secret_item(&applied).status, PushStatus::Overwritten);
    assert_eq!(proxy.count("PutSecretValue"), 1);
    let mut want = rds.clone();
    want["password"] = serde_json::json!(format!("{CANARY}-new"));
    assert_eq!(secret_json(&seed, &id).await, want, "every other key kept");

    // A rerun writes nothing.
    proxy.reset_stats();
    let rerun = push(&env, &proxy.endpoint(), &file, true).await;
    assert_eq!(
        rerun.count(&PushStatus::Unchanged),
        2,
        "{}",
        rerun.to_table()
    );
    assert_eq!(
        proxy.count("PutSecretValue") + proxy.count("PutParameter"),
        0
    );
}

#[tokio::test]
async fn push_refuses_to_set_keys_of_a_secret_that_is_not_a_json_object() {
    let env = unique_env("notjson");
    let seed = Seed::new();
    let id = format!("{env}/rds/admin");
    seed.secret(&id, &format!("{CANARY}-plain-text")).await;
    let file = format!("password = \"{CANARY}-new\"\nusername = \"admin\"\n");
    let report = push(&env, moto(), &file, true).await;
    let PushStatus::Refused { reason } = &secret_item(&report).status else {
        panic!("{}", report.to_table());
    };
    assert!(reason.contains("not a JSON object"), "{reason}");
    assert_eq!(report.exit_code(), 1);
    let still = seed
        .secrets
        .get_secret_value()
        .secret_id(&id)
        .send()
        .await
        .expect("secret");
    assert_eq!(
        still.secret_string(),
        Some(format!("{CANARY}-plain-text").as_str())
    );
}

#[tokio::test]
async fn push_never_turns_a_securestring_into_a_plain_string() {
    let env = unique_env("downgrade");
    let seed = Seed::new();
    let name = format!("/{env}/rds/host");
    seed.secure(&name, &format!("{CANARY}-host")).await;
    let report = push(&env, moto(), "host = \"db.internal\"\n", true).await;
    let item = report
        .items
        .iter()
        .find(|i| i.target == Location::Parameter { name: name.clone() })
        .unwrap_or_else(|| panic!("{}", report.to_table()));
    let PushStatus::Refused { reason } = &item.status else {
        panic!("{}", report.to_table());
    };
    assert!(
        reason.starts_with(
            "it is a SecureString, and field host would store it as a plain String, unencrypted"
        ),
        "{reason}"
    );
    assert_eq!(report.exit_code(), 1);
    let got = seed
        .ssm
        .get_parameter()
        .name(&name)
        .with_decryption(true)
        .send()
        .await
        .expect("parameter");
    let p = got.parameter().cloned().expect("parameter");
    assert_eq!(p.r#type(), Some(&ParameterType::SecureString));
    assert_eq!(p.value(), Some(format!("{CANARY}-host").as_str()));
    assert_eq!(p.version(), 1);
}
