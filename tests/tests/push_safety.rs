//! `push` never destroys what no field owns: keys of a JSON secret that the
//! config does not declare are kept, a SecureString is never turned into plain
//! text, and a value already in place is not written again.

#![allow(dead_code)]

use aws_sdk_ssm::types::ParameterType;
use awsconf::tools::{self, PushOptions, PushReport, PushStatus};
use awsconf::{AwsConfig, Location, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

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

/// The README's pattern: a whole-secret struct, over an RDS-managed secret.
#[derive(serde::Deserialize, Debug)]
struct DbCredentials {
    username: String,
    password: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "whole")]
struct Whole {
    #[secret(id = "{env}/db/postgres")]
    credentials: DbCredentials,
    #[secret(id = "{env}/whole/token")]
    token: SecretString,
    #[param(secret)]
    signing_key: SecretString,
    region: String,
}

async fn push_whole(
    env: &str,
    endpoint: &str,
    file: &str,
    apply: bool,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> PushReport {
    let report = tools::push::<Whole>(
        env,
        &sdk_config(endpoint),
        file,
        "local.toml",
        PushOptions {
            apply,
            overwrite: true,
            ..Default::default()
        },
        progress,
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

fn item<'a>(report: &'a PushReport, target: &str) -> &'a tools::PushItem {
    report
        .items
        .iter()
        .find(|i| i.target.to_string() == target)
        .unwrap_or_else(|| panic!("no {target}: {}", report.to_table()))
}

#[tokio::test]
async fn push_of_a_whole_secret_struct_keeps_the_rds_secrets_other_keys() {
    let env = unique_env("wholerds");
    let seed = Seed::new();
    let id = format!("{env}/db/postgres");
    let rds = serde_json::json!({
        "engine": "postgres", "host": "db.internal", "port": 5432, "dbname": "orders",
        "username": "admin", "password": format!("{CANARY}-old"),
    });
    seed.secret(&id, &rds.to_string()).await;
    let file = format!("[credentials]\nusername = \"app\"\npassword = \"{CANARY}-new\"\n");
    let proxy = Proxy::start(moto()).expect("proxy");

    let dry = push_whole(&env, &proxy.endpoint(), &file, false, &mut |_, _| {}).await;
    let secret = item(&dry, &format!("secret {id}"));
    assert_eq!(secret.status, PushStatus::WouldOverwrite);
    assert_eq!(secret.kept_keys, ["dbname", "engine", "host", "port"]);
    assert!(
        dry.to_table()
            .contains("keeps keys dbname, engine, host, port"),
        "{}",
        dry.to_table()
    );
    assert_eq!(proxy.count("PutSecretValue"), 0);

    let applied = push_whole(&env, &proxy.endpoint(), &file, true, &mut |_, _| {}).await;
    assert_eq!(
        item(&applied, &format!("secret {id}")).status,
        PushStatus::Overwritten
    );
    let mut want = rds.clone();
    want["username"] = serde_json::json!("app");
    want["password"] = serde_json::json!(format!("{CANARY}-new"));
    assert_eq!(
        secret_json(&seed, &id).await,
        want,
        "engine, host, port and dbname kept"
    );
}

#[tokio::test]
async fn overwriting_a_securestring_keeps_its_kms_key() {
    let env = unique_env("kmskey");
    let seed = Seed::new();
    let name = format!("/{env}/whole/signing-key");
    let key = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    seed.ssm
        .put_parameter()
        .name(&name)
        .value(format!("{CANARY}-old"))
        .r#type(ParameterType::SecureString)
        .key_id(key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let proxy = Proxy::start(moto()).expect("proxy");
    let file = format!("signing_key = \"{CANARY}-new\"\n");
    let report = push_whole(&env, &proxy.endpoint(), &file, true, &mut |_, _| {}).await;
    assert_eq!(item(&report, &name).status, PushStatus::Overwritten);
    assert_eq!(proxy.count("DescribeParameters"), 1);
    let puts: Vec<serde_json::Value> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.op == "PutParameter")
        .map(|r| serde_json::from_str(&r.body).unwrap_or_default())
        .collect();
    assert_eq!(puts.len(), 1);
    assert_eq!(puts[0]["KeyId"], key, "the key is sent back");
    assert_eq!(puts[0]["Type"], "SecureString");
    assert_eq!(puts[0]["Overwrite"], true);
    let described = seed
        .ssm
        .describe_parameters()
        .parameter_filters(
            aws_sdk_ssm::types::ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .values(&name)
                .build()
                .expect("filter"),
        )
        .send()
        .await
        .expect("describe");
    assert_eq!(described.parameters()[0].key_id(), Some(key));
    assert_eq!(described.parameters()[0].version(), 2);

    // A key that cannot be read: nothing is written.
    proxy.add_rule(Rule::always(
        Some("DescribeParameters"),
        Fault::Respond {
            status: 400,
            body: r#"{"__type":"AccessDeniedException","message":"no"}"#.into(),
        },
    ));
    proxy.reset_stats();
    let file = format!("signing_key = \"{CANARY}-newer\"\n");
    let report = push_whole(&env, &proxy.endpoint(), &file, true, &mut |_, _| {}).await;
    let PushStatus::Failed { message } = &item(&report, &name).status else {
        panic!("{}", report.to_table());
    };
    assert!(message.contains("KMS key could not be read"), "{message}");
    assert_eq!(proxy.count("PutParameter"), 0);
}

#[tokio::test]
async fn a_secret_rotated_between_read_and_write_is_not_reverted() {
    let env = unique_env("moved");
    let seed = Seed::new();
    let token = format!("{env}/whole/token");
    seed.secret(&token, &format!("{CANARY}-v1")).await;
    seed.param(&format!("/{env}/whole/region"), "eu-west-1")
        .await;
    // The parameter is written first; its progress tick rotates the secret
    // (after push read it, before push writes it).
    let file = format!("region = \"us-east-1\"\ntoken = \"{CANARY}-from-file\"\n");
    let rotated = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = rotated.clone();
    let id = token.clone();
    let mut progress = move |done: usize, _total: usize| {
        if done == 1 && !flag.swap(true, std::sync::atomic::Ordering::SeqCst) {
            let id = id.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Runtime::new().expect("runtime");
                rt.block_on(Seed::new().rotate(&id, &format!("{CANARY}-rotated")));
            })
            .join()
            .expect("rotation");
        }
    };
    let proxy = Proxy::start(moto()).expect("proxy");
    let report = push_whole(&env, &proxy.endpoint(), &file, true, &mut progress).await;
    assert!(rotated.load(std::sync::atomic::Ordering::SeqCst));
    let PushStatus::Refused { reason } = &item(&report, &format!("secret {token}")).status else {
        panic!("{}", report.to_table());
    };
    assert!(
        reason.starts_with("the secret changed after push read it"),
        "{reason}"
    );
    assert_eq!(proxy.count("PutSecretValue"), 0);
    let now = seed
        .secrets
        .get_secret_value()
        .secret_id(&token)
        .send()
        .await
        .expect("secret");
    assert_eq!(
        now.secret_string(),
        Some(format!("{CANARY}-rotated").as_str()),
        "the rotated value stays"
    );
    // Unmoved, the same push writes.
    let report = push_whole(&env, &proxy.endpoint(), &file, true, &mut |_, _| {}).await;
    assert_eq!(
        item(&report, &format!("secret {token}")).status,
        PushStatus::Overwritten
    );
}
