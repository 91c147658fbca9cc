//! `push` against hostile files and a changing AWS, from a red-team pass: no
//! value destroyed (numbers and nested keys of a JSON secret kept byte for
//! byte, no key a type does not read written over the secret's own), no
//! SecureString downgraded by a race, no name AWS would refuse sent, nothing
//! written on a dry run or after a refusal.

#![allow(dead_code)]

use std::collections::BTreeMap;

use aws_sdk_ssm::types::ParameterType;
use awsconf::tools::{self, PushError, PushOptions, PushReport, PushStatus};
use awsconf::{AwsConfig, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Fault, Proxy, Rule, Seed};

const APPLY: PushOptions = PushOptions {
    apply: true,
    overwrite: true,
    allow_unknown_keys: false,
};

async fn push<T: AwsConfig + awsconf::Root>(
    env: &str,
    endpoint: &str,
    file: &str,
    options: PushOptions,
) -> Result<PushReport, PushError> {
    tools::push::<T>(
        env,
        &sdk_config(endpoint),
        file,
        "local.toml",
        options,
        &mut |_, _| {},
    )
    .await
}

async fn raw_secret(seed: &Seed, id: &str) -> String {
    seed.secrets
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{id}: {e:?}"))
        .secret_string()
        .unwrap_or_default()
        .to_string()
}

async fn param(seed: &Seed, name: &str) -> Option<(ParameterType, String)> {
    let got = seed
        .ssm
        .get_parameters()
        .names(name)
        .with_decryption(true)
        .send()
        .await
        .ok()?;
    let p = got.parameters().first()?;
    Some((p.r#type()?.clone(), p.value()?.to_string()))
}

// ---------------------------------------------------------------------------
// 1. A JSON secret's keys that no field declares are re-serialized through
//    serde_json's f64: big integers and some decimals change.

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtnum")]
struct Keyed {
    #[secret(id = "{env}/rtnum/admin", key = "password")]
    password: SecretString,
}

#[tokio::test]
async fn unowned_numbers_in_a_json_secret_are_kept_exactly() {
    let env = unique_env("rtnum");
    let seed = Seed::new();
    let id = format!("{env}/rtnum/admin");
    let old = r#"{"password":"old","account_id":123456789012345678901234567890,"limit":18446744073709551616,"exp":1e2,"neg_zero":-0,"precise":0.1000000000000000055511151231257827}"#;
    seed.secret(&id, old).await;
    let report = push::<Keyed>(&env, moto(), "password = \"new\"\n", APPLY)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{}", report.to_table());
    let now = raw_secret(&seed, &id).await;
    eprintln!("before: {old}\nafter:  {now}");
    for kept in ["123456789012345678901234567890", "18446744073709551616"] {
        assert!(
            now.contains(kept),
            "an undeclared key's number {kept} was rewritten by push: {now}"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. A whole-secret struct: keys of its TOML table that are no field of the
//    struct are neither refused as unknown keys nor kept out of the secret; they
//    overwrite the existing secret's undeclared keys (an RDS secret's `host`).

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
struct Creds {
    #[secret(plaintext)]
    username: String,
    password: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtwhole")]
struct WholeCfg {
    #[secret(id = "{env}/rtwhole/db")]
    credentials: Creds,
}

#[tokio::test]
async fn an_unknown_key_inside_a_whole_secret_table_is_refused_not_written() {
    let env = unique_env("rtwhole");
    let seed = Seed::new();
    let id = format!("{env}/rtwhole/db");
    let rds = serde_json::json!({
        "engine": "postgres", "host": "db.internal", "port": 5432,
        "username": "admin", "password": "old",
    });
    seed.secret(&id, &rds.to_string()).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    // `host` and `port` are no field of `Creds`; the file mistakenly sets them.
    let file = "[credentials]\nusername = \"app\"\npassword = \"new\"\nhost = \"evil.example\"\nport = \"oops\"\n";
    let dry = push::<WholeCfg>(&env, &proxy.endpoint(), file, PushOptions::default()).await;
    match &dry {
        Ok(r) => eprintln!("dry run accepted the file:\n{}", r.to_table()),
        Err(e) => eprintln!("dry run refused: {e}"),
    }
    match &dry {
        Err(PushError::UnknownKeys { keys, .. }) => {
            let keys: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(keys, ["credentials.host", "credentials.port"]);
        }
        other => panic!(
            "the dry run must refuse the unknown keys: {:?}",
            other.as_ref().map(|r| r.to_table())
        ),
    }
    let applied = push::<WholeCfg>(&env, &proxy.endpoint(), file, APPLY).await;
    assert!(matches!(applied, Err(PushError::UnknownKeys { .. })));
    assert_eq!(
        proxy.count("PutSecretValue") + proxy.count("UpdateSecret"),
        0
    );
    // Allowed, the unknown keys are left out: the declared ones are merged,
    // and the secret's own `host` and `port` stay.
    let allowed = PushOptions {
        allow_unknown_keys: true,
        ..APPLY
    };
    let report = push::<WholeCfg>(&env, &proxy.endpoint(), file, allowed)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report.unknown_keys,
        ["credentials.host", "credentials.port"]
    );
    let now: serde_json::Value =
        serde_json::from_str(&raw_secret(&seed, &id).await).unwrap_or_default();
    assert_eq!(now["password"], "new", "{now}");
    assert_eq!(now["username"], "app", "{now}");
    let now: serde_json::Value =
        serde_json::from_str(&raw_secret(&seed, &id).await).unwrap_or_default();
    eprintln!("secret now: {now}");
    assert_eq!(
        now["host"], "db.internal",
        "an undeclared key of the RDS secret was overwritten by a key that is no field of Creds"
    );
    assert_eq!(now["port"], 5432, "port overwritten with a string");
}

/// A mistyped key inside the whole-secret table (`pasword`), next to the
/// real one: README says a typo stops push before it writes anything.
#[tokio::test]
async fn a_typo_inside_a_whole_secret_table_stops_the_push() {
    let env = unique_env("rttypo");
    let seed = Seed::new();
    let id = format!("{env}/rtwhole/db");
    seed.secret(&id, r#"{"username":"admin","password":"old"}"#)
        .await;
    let file = "[credentials]\nusername = \"app\"\npassword = \"new\"\npasword = \"typo\"\n";
    let result = push::<WholeCfg>(&env, moto(), file, APPLY).await;
    let now = raw_secret(&seed, &id).await;
    eprintln!(
        "result: {:?}\nsecret now has keys: {:?}",
        result.as_ref().map(|r| r.to_table()),
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&now)
            .map(|m| m.keys().cloned().collect::<Vec<_>>())
    );
    assert!(
        matches!(result, Err(PushError::UnknownKeys { .. })),
        "a typo inside the table was not refused"
    );
    assert!(!now.contains("pasword"), "the typo key was written");
}

// ---------------------------------------------------------------------------
// 3. Nested objects: a whole-secret struct with a nested struct replaces the
//    existing nested object whole, dropping its undeclared keys.

#[derive(serde::Deserialize, Debug)]
struct Replica {
    host: String,
    port: u16,
}

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
struct NestedCreds {
    password: SecretString,
    #[secret(plaintext)]
    replica: Replica,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtnest")]
struct NestedCfg {
    #[secret(id = "{env}/rtnest/db")]
    credentials: NestedCreds,
}

#[tokio::test]
async fn undeclared_keys_of_a_nested_object_are_kept() {
    let env = unique_env("rtnest");
    let seed = Seed::new();
    let id = format!("{env}/rtnest/db");
    seed.secret(
        &id,
        r#"{"password":"old","replica":{"host":"r1","port":5432,"zone":"eu-west-1a","ssl_ca":"-----BEGIN"}}"#,
    )
    .await;
    let file =
        "[credentials]\npassword = \"new\"\n[credentials.replica]\nhost = \"r2\"\nport = 5432\n";
    let dry = push::<NestedCfg>(&env, moto(), file, PushOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("dry:\n{}", dry.to_table());
    let applied = push::<NestedCfg>(&env, moto(), file, APPLY)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("apply:\n{}", applied.to_table());
    let now: serde_json::Value =
        serde_json::from_str(&raw_secret(&seed, &id).await).unwrap_or_default();
    eprintln!("secret now: {now}");
    assert_eq!(
        now["replica"]["zone"], "eu-west-1a",
        "an undeclared nested key was dropped, and the report listed no kept key for it"
    );
    assert_eq!(now["replica"]["ssl_ca"], "-----BEGIN");
    assert_eq!(now["replica"]["host"], "r2");
    for report in [&dry, &applied] {
        assert_eq!(
            report.items[0].kept_keys,
            ["replica.ssl_ca", "replica.zone"],
            "{}",
            report.to_table()
        );
    }
}

// ---------------------------------------------------------------------------
// 4. Time of check to time of use: a parameter that becomes a SecureString
//    after push read it (and before push writes it) is downgraded to String.

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtrace")]
struct Two {
    a: String,
    b: String,
}

#[tokio::test]
async fn a_parameter_made_secure_after_the_read_is_not_downgraded() {
    let env = unique_env("rtrace");
    let seed = Seed::new();
    let a = format!("/{env}/rtrace/a");
    let b = format!("/{env}/rtrace/b");
    seed.param(&a, "a-old").await;
    seed.param(&b, "b-old").await;
    let name = b.clone();
    let mut progress = move |done: usize, _total: usize| {
        if done == 1 {
            // Another operator stores `b` as a SecureString meanwhile.
            let name = name.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Runtime::new().expect("runtime");
                rt.block_on(async {
                    Seed::new()
                        .ssm
                        .put_parameter()
                        .name(&name)
                        .value("b-now-secret")
                        .r#type(ParameterType::SecureString)
                        .overwrite(true)
                        .send()
                        .await
                        .expect("put");
                })
            })
            .join()
            .expect("thread");
        }
    };
    let report = tools::push::<Two>(
        &env,
        &sdk_config(moto()),
        "a = \"a-new\"\nb = \"b-new\"\n",
        "local.toml",
        APPLY,
        &mut progress,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{}", report.to_table());
    let now = param(&seed, &b).await;
    eprintln!("b now: {:?}", now.as_ref().map(|(t, _)| t));
    assert_eq!(
        now.map(|(t, _)| t),
        Some(ParameterType::SecureString),
        "a SecureString was turned into a plain String by push"
    );
}

// ---------------------------------------------------------------------------
// 5. Map keys from the file: odd keys, and a key with `/` that makes the same
//    SSM name as another entry's nested field.

#[derive(AwsConfig, Debug)]
struct Db {
    host: String,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    host: String,
    #[component]
    db: Db,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtmap")]
struct Maps {
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[tokio::test]
async fn map_keys_that_are_no_ssm_segment_are_refused_before_any_call() {
    let env = unique_env("rtmap");
    let proxy = Proxy::start(moto()).expect("proxy");
    let keys = [
        "",
        " ",
        "a b",
        "a/b",
        "/",
        "é",
        "a\nb",
        "{key}",
        "*",
        &"k".repeat(1100),
    ];
    let mut accepted = Vec::new();
    for key in keys {
        let file = format!(
            "[tenants.{k}]\nhost = \"h\"\n[tenants.{k}.db]\nhost = \"d\"\n",
            k = serde_json::to_string(key).unwrap_or_default()
        );
        proxy.reset_stats();
        let result = push::<Maps>(&env, &proxy.endpoint(), &file, APPLY).await;
        let puts = proxy.count("PutParameter");
        match result {
            Ok(r) => {
                eprintln!("key {key:?}: accepted, {puts} puts\n{}", r.to_table());
                accepted.push((key.to_string(), puts, r.exit_code()));
            }
            Err(e) => eprintln!(
                "key {key:?}: refused: {}",
                e.to_string().lines().next().unwrap_or("")
            ),
        }
    }
    let written: Vec<_> = accepted.iter().filter(|(_, puts, _)| *puts > 0).collect();
    assert!(
        written.is_empty(),
        "map keys that are no valid SSM segment were written: {written:?}"
    );
    assert!(
        accepted.is_empty(),
        "refused, not pushed in part: {accepted:?}"
    );
    // Only a name's first segment is reserved: an entry `aws` is a valid key.
    let file = "[tenants.aws]\nhost = \"h\"\n[tenants.\"a.b-c_1\".db]\nhost = \"d\"\n";
    let report = push::<Maps>(&env, &proxy.endpoint(), file, APPLY)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report.count(&PushStatus::Created),
        2,
        "{}",
        report.to_table()
    );
}

#[tokio::test]
async fn two_entries_that_make_one_ssm_name_are_refused() {
    let env = unique_env("rtcollide");
    let seed = Seed::new();
    let proxy = Proxy::start(moto()).expect("proxy");
    let file = "[tenants.t1]\nhost = \"h\"\n[tenants.t1.db]\nhost = \"from-t1\"\n[tenants.\"t1/db\"]\nhost = \"from-slash\"\n[tenants.\"t1/db\".db]\nhost = \"x\"\n";
    let result = push::<Maps>(&env, &proxy.endpoint(), file, APPLY).await;
    match &result {
        Ok(r) => eprintln!("accepted:\n{}", r.to_table()),
        Err(e) => eprintln!("refused: {e}"),
    }
    let now = param(&seed, &format!("/{env}/rtmap/tenants/t1/db/host")).await;
    eprintln!(
        "t1/db/host now: {now:?}, puts {}",
        proxy.count("PutParameter")
    );
    assert!(
        result.is_err(),
        "two entries writing one parameter were accepted"
    );
}

// ---------------------------------------------------------------------------
// 6. Secrets that exist in odd states, for keyed fields.

#[tokio::test]
async fn keyed_push_into_odd_secrets_never_replaces_them() {
    let seed = Seed::new();
    for (i, old) in [
        "[]",
        "null",
        "\"text\"",
        "5",
        "{\"a\":1",
        "",
        "  {\"password\":\"x\"}  ",
        "{\"password\":\"x\",\"password\":\"y\",\"other\":1}",
    ]
    .iter()
    .enumerate()
    {
        let env = unique_env(&format!("rtodd{i}"));
        let id = format!("{env}/rtnum/admin");
        if old.is_empty() {
            // A secret with no value at all.
            seed.secrets
                .create_secret()
                .name(&id)
                .send()
                .await
                .expect("create");
        } else {
            seed.secret(&id, old).await;
        }
        let result = push::<Keyed>(&env, moto(), "password = \"new\"\n", APPLY).await;
        let status = result
            .as_ref()
            .map(|r| r.items[0].status.clone())
            .map_err(|e| e.to_string());
        let now = seed
            .secrets
            .get_secret_value()
            .secret_id(&id)
            .send()
            .await
            .ok()
            .and_then(|s| s.secret_string().map(str::to_string));
        eprintln!("old {old:?}: {status:?}; now {now:?}");
        if !old.is_empty() && !old.trim().starts_with('{') || *old == "{\"a\":1" {
            assert_eq!(
                now.as_deref(),
                Some(*old),
                "replaced a secret that is not a JSON object"
            );
        }
    }
}

#[tokio::test]
async fn a_secret_marked_for_deletion_is_neither_restored_nor_reported_written() {
    let env = unique_env("rtdel");
    let seed = Seed::new();
    let id = format!("{env}/rtnum/admin");
    seed.secret(&id, r#"{"password":"old","k":1}"#).await;
    seed.secrets
        .delete_secret()
        .secret_id(&id)
        .recovery_window_in_days(7)
        .send()
        .await
        .expect("delete");
    for options in [PushOptions::default(), APPLY] {
        let result = push::<Keyed>(&env, moto(), "password = \"new\"\n", options).await;
        let report = result.unwrap_or_else(|e| panic!("{e}"));
        eprintln!("{}", report.to_table());
        assert!(
            !matches!(
                report.items[0].status,
                PushStatus::Created
                    | PushStatus::Overwritten
                    | PushStatus::WouldCreate
                    | PushStatus::Unchanged
            ),
            "{:?}",
            report.items[0].status
        );
    }
}

// ---------------------------------------------------------------------------
// 7. A write that fails midway: what was written is reported as written, what
//    failed as failed, and the exit code says so.

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtmid")]
struct Three {
    a: String,
    b: String,
    c: String,
}

#[tokio::test]
async fn a_failure_midway_is_reported_item_by_item() {
    let env = unique_env("rtmid");
    let seed = Seed::new();
    let proxy = Proxy::start(moto()).expect("proxy");
    let p = &proxy;
    let mut progress = move |done: usize, _total: usize| {
        if done == 1 {
            p.add_rule(
                Rule::always(
                    Some("PutParameter"),
                    Fault::Respond {
                        status: 400,
                        body: r#"{"__type":"ValidationException","message":"Parameter value can't nest another parameter. Do not use \"{{}}\" in the value."}"#.into(),
                    },
                )
                .times(1),
            );
        }
    };
    let report = tools::push::<Three>(
        &env,
        &sdk_config(&proxy.endpoint()),
        "a = \"1\"\nb = \"2\"\nc = \"3\"\n",
        "local.toml",
        APPLY,
        &mut progress,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{}", report.to_table());
    let mut truth = Vec::new();
    for f in ["a", "b", "c"] {
        truth.push(param(&seed, &format!("/{env}/rtmid/{f}")).await.is_some());
    }
    eprintln!("present in AWS: {truth:?}");
    let said: Vec<bool> = report
        .items
        .iter()
        .map(|i| matches!(i.status, PushStatus::Created | PushStatus::Overwritten))
        .collect();
    assert_eq!(said, truth, "the report does not match what was written");
    assert_eq!(report.exit_code(), 1);
}

/// A value Parameter Store refuses in any tier (`{{...}}`, a reference to
/// another parameter) stops the push before any call, without showing it; a
/// value over the Standard tier's 4 KB is written with Intelligent-Tiering, so
/// AWS makes it an Advanced parameter instead of refusing it.
#[tokio::test]
async fn values_aws_refuses_are_refused_first_and_a_large_one_gets_a_tier() {
    let env = unique_env("rtdry");
    let proxy = Proxy::start(moto()).expect("proxy");
    let err = push::<Three>(
        &env,
        &proxy.endpoint(),
        "a = \"{{ssm:/other/param-CANARY}}\"\nb = \"x\"\nc = \"y\"\n",
        APPLY,
    )
    .await
    .expect_err("a parameter reference in a value");
    let text = err.to_string();
    assert!(text.contains("a ("), "names the field: {text}");
    assert!(!text.contains("CANARY"), "the value is not shown: {text}");
    assert_eq!(proxy.count("PutParameter"), 0);

    let large = "v".repeat(5000);
    let report = push::<Three>(
        &env,
        &proxy.endpoint(),
        &format!("a = \"{large}\"\nb = \"x\"\nc = \"y\"\n"),
        APPLY,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        report.count(&PushStatus::Created),
        3,
        "{}",
        report.to_table()
    );
    let tiers: Vec<String> = proxy
        .requests()
        .iter()
        .filter(|r| r.op == "PutParameter")
        .filter_map(|r| {
            let body: serde_json::Value = serde_json::from_str(&r.body).ok()?;
            Some(format!("{}:{}", body["Name"], body["Tier"]))
        })
        .collect();
    assert!(
        tiers.contains(&format!("\"/{env}/rtmid/a\":\"Intelligent-Tiering\"")),
        "{tiers:?}"
    );
    assert!(
        tiers.contains(&format!("\"/{env}/rtmid/b\":null")),
        "a small value keeps the account's default tier: {tiers:?}"
    );
}

// ---------------------------------------------------------------------------
// 8. Odd TOML values.

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtval")]
struct Values {
    s: Option<String>,
    f: Option<f64>,
    list: Option<Vec<String>>,
    n: Option<i64>,
    #[param(json)]
    j: Option<BTreeMap<String, serde_json::Value>>,
    #[param(secret)]
    sec: Option<SecretString>,
}

#[tokio::test]
async fn odd_values_never_panic_and_refusals_write_nothing() {
    let env = unique_env("rtval");
    let proxy = Proxy::start(moto()).expect("proxy");
    let deep = format!("j = {{ a = {}1{} }}\n", "[".repeat(5000), "]".repeat(5000));
    let deep_tables = format!("j = {}\n", "{ a = ".repeat(3000) + "1" + &" }".repeat(3000));
    let files = [
        "s = \"\"\n".to_string(),
        "s = \" \"\n".to_string(),
        "f = nan\n".to_string(),
        "f = -inf\n".to_string(),
        "f = 1e308\n".to_string(),
        "f = -0.0\n".to_string(),
        "n = -9223372036854775808\n".to_string(),
        "list = []\n".to_string(),
        "list = [\"\"]\n".to_string(),
        "list = [\"\", \"\"]\n".to_string(),
        format!("list = [{}]\n", vec!["\"\""; 8000].join(",")),
        "list = [[\"a\"]]\n".to_string(),
        "list = [{ a = 1 }]\n".to_string(),
        "s = 1979-05-27T07:32:00Z\n".to_string(),
        "j = { a = 1979-05-27T07:32:00Z }\n".to_string(),
        "j = { }\n".to_string(),
        "sec = \"\"\n".to_string(),
        "s = \"\\u0000\"\n".to_string(),
        deep,
        deep_tables,
        "[s]\n".to_string(),
        "s = [\"x\"]\n".to_string(),
    ];
    for file in &files {
        proxy.reset_stats();
        let shown: String = file.chars().take(60).collect();
        let task = {
            let env = env.clone();
            let endpoint = proxy.endpoint();
            let file = file.clone();
            tokio::spawn(async move {
                push::<Values>(&env, &endpoint, &file, PushOptions::default())
                    .await
                    .map(|r| r.to_table())
                    .map_err(|e| e.to_string())
            })
        };
        let outcome = task.await;
        assert!(outcome.is_ok(), "panic on {shown:?}");
        eprintln!("{shown:?} -> {:?}", outcome.ok());
        assert_eq!(proxy.count("PutParameter") + proxy.count("CreateSecret"), 0);
    }
}

// ---------------------------------------------------------------------------
// AWS's error messages may echo part of what was sent.

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtecho")]
struct Echoed {
    password: SecretString,
    list: Vec<SecretString>,
    #[secret(id = "{env}/rtecho/keyed", key = "token")]
    token: SecretString,
    #[secret(id = "{env}/rtecho/keyed", key = "user", plaintext)]
    user: String,
}

/// A write refused with a message that repeats a piece of the value (a prefix
/// of a long one, one item of a list, one key of a JSON secret): push names
/// AWS's error code, never its message, for a SecureString or a secret. (Found
/// by a red-team pass: only the exact whole value was scrubbed.)
#[tokio::test]
async fn a_refused_secret_write_never_repeats_awss_message() {
    let env = unique_env("rtecho");
    let proxy = Proxy::start(moto()).expect("proxy");
    let long = format!("QZDBPW01{}", "y".repeat(200));
    let echo = |message: String| Fault::Respond {
        status: 400,
        body: serde_json::json!({"__type": "ValidationException", "message": message}).to_string(),
    };
    proxy.add_rule(Rule::always(
        Some("PutParameter"),
        echo(format!(
            "Value '{}...' at 'value' failed to satisfy constraint; items: QZLIST08-item",
            &long[..40]
        )),
    ));
    proxy.add_rule(Rule::always(
        Some("CreateSecret"),
        echo("Value for key 'token' is invalid: QZKTOK04-tok".into()),
    ));
    let file = format!(
        "password = \"{long}\"\nlist = [\"QZLIST08-item\", \"other\"]\ntoken = \"QZKTOK04-tok\"\nuser = \"svc\"\n"
    );
    let report = push::<Echoed>(&env, &proxy.endpoint(), &file, APPLY)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let shown = format!(
        "{}\n{}\n{report:?}",
        report.to_table(),
        serde_json::to_string(&report).unwrap_or_default()
    );
    for piece in ["QZDBPW01", "QZLIST08", "QZKTOK04"] {
        assert!(!shown.contains(piece), "{piece}: {shown}");
    }
    assert_eq!(report.items.len(), 3, "{shown}");
    for item in &report.items {
        match &item.status {
            PushStatus::Failed { message } => assert!(
                message.contains("ValidationException") && message.contains("not shown"),
                "{message}"
            ),
            other => panic!("{other:?}: {shown}"),
        }
    }
    assert_eq!(report.exit_code(), 1);
}

/// A parameter absent when push read it, created by another writer before
/// push writes it: push does not report "exists, kept (--overwrite replaces
/// it)" with exit 0 under `--overwrite`; it refuses (the newer value stays),
/// and the exit code says to run it again.
#[tokio::test]
async fn a_parameter_created_by_another_writer_meanwhile_is_refused_not_kept_silently() {
    let env = unique_env("rtmeanwhile");
    let seed = Seed::new();
    let b = format!("/{env}/rtrace/b");
    let name = b.clone();
    let mut progress = move |done: usize, _total: usize| {
        if done == 1 {
            let name = name.clone();
            std::thread::spawn(move || {
                let rt = tokio::runtime::Runtime::new().expect("runtime");
                rt.block_on(async {
                    Seed::new().param(&name, "theirs").await;
                })
            })
            .join()
            .expect("thread");
        }
    };
    let report = tools::push::<Two>(
        &env,
        &sdk_config(moto()),
        "a = \"a-new\"\nb = \"b-new\"\n",
        "local.toml",
        APPLY,
        &mut progress,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let statuses: Vec<_> = report.items.iter().map(|i| i.status.clone()).collect();
    assert_eq!(statuses[0], PushStatus::Created, "{}", report.to_table());
    assert!(
        matches!(&statuses[1], PushStatus::Refused { reason } if reason.contains("another writer")),
        "{}",
        report.to_table()
    );
    assert_eq!(report.exit_code(), 1);
    assert_eq!(
        param(&seed, &b).await.map(|(_, v)| v),
        Some("theirs".to_string())
    );
}
