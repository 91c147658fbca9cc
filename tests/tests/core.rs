//! The core capability: a derived config loads from Parameter Store through the
//! real SDK against moto, with figment layers on top.

use std::collections::{BTreeMap, HashMap};

use awsconf::figment::providers::{Format, Serialized, Toml};
use awsconf::{AwsConfig, ExposeSecret, SecretString, Source};
use awsconf_tests::{moto, problems, sdk_config, unique_env, Proxy, Seed};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop")]
struct Shop {
    #[component]
    database: Database,
    #[param(default = "info")]
    log_level: String,
    timeout_ms: Option<u64>,
    #[param(default = 3)]
    retries: u8,
    hosts: Vec<String>,
}

#[derive(AwsConfig, Debug)]
struct Database {
    host: String,
    port: u16,
    password: SecretString,
    #[param(default = 100)]
    max_connections: u32,
    ratio: f64,
    tls: bool,
}

async fn seed_shop(env: &str) {
    let seed = Seed::new();
    let p = format!("/{env}/shop");
    seed.param(&format!("{p}/database/host"), "db.internal")
        .await;
    seed.param(&format!("{p}/database/port"), "5432").await;
    seed.secure(&format!("{p}/database/password"), "pg-pass-1")
        .await;
    seed.param(&format!("{p}/database/ratio"), "0.75").await;
    seed.param(&format!("{p}/database/tls"), "true").await;
    seed.list(&format!("{p}/hosts"), "a.internal,b.internal,c.internal")
        .await;
}

#[tokio::test]
async fn loads_nested_typed_config_with_securestring_option_and_defaults() {
    let env = unique_env("shop");
    seed_shop(&env).await;
    let config = Shop::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.host, "db.internal");
    assert_eq!(config.database.port, 5432);
    assert_eq!(config.database.password.expose_secret(), "pg-pass-1");
    assert_eq!(
        config.database.max_connections, 100,
        "default applies when absent"
    );
    assert_eq!(config.database.ratio, 0.75);
    assert!(config.database.tls);
    assert_eq!(config.log_level, "info");
    assert_eq!(config.timeout_ms, None, "absent Option is None");
    assert_eq!(config.retries, 3);
    assert_eq!(config.hosts, vec!["a.internal", "b.internal", "c.internal"]);
    let debug = format!("{config:?}");
    assert!(
        !debug.contains("pg-pass-1"),
        "Debug must redact the SecureString: {debug}"
    );
}

#[tokio::test]
async fn aws_values_beat_defaults_and_present_option_is_some() {
    let env = unique_env("over");
    seed_shop(&env).await;
    let seed = Seed::new();
    seed.param(&format!("/{env}/shop/log-level"), "debug").await;
    seed.param(&format!("/{env}/shop/timeout-ms"), "2500").await;
    seed.param(&format!("/{env}/shop/database/max-connections"), "7")
        .await;
    let config = Shop::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.log_level, "debug");
    assert_eq!(config.timeout_ms, Some(2500));
    assert_eq!(config.database.max_connections, 7);
}

#[tokio::test]
async fn toml_and_later_layers_beat_aws_values() {
    let env = unique_env("layers");
    seed_shop(&env).await;
    let toml = r#"
        retries = 9
        [database]
        host = "localhost"
        port = 6543
    "#;
    // A later layer beats the TOML layer (same mechanism as Env::prefixed; the
    // env-var variant runs in tests/env_vars.rs, where the process env is ours).
    let later = Serialized::defaults(serde_json::json!({ "database": { "port": 7777 } }));
    let (config, origins) = Shop::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .merge(Toml::string(toml))
        .merge(later)
        .load_explained()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.host, "localhost", "TOML beats AWS");
    assert_eq!(config.database.port, 7777, "later layer beats TOML and AWS");
    assert_eq!(config.retries, 9, "TOML beats the default");
    assert_eq!(
        config.database.ratio, 0.75,
        "AWS value kept where no layer sets it"
    );
    let source = |f: &str| {
        origins
            .iter()
            .find(|o| o.field == f)
            .map(|o| o.source.clone())
    };
    assert_eq!(
        source("database.host"),
        Some(Source::Layer {
            name: "TOML source string".into(),
            location: Some("database.host".into()),
        })
    );
    assert_eq!(
        source("database.ratio"),
        Some(Source::Parameter {
            name: format!("/{env}/shop/database/ratio"),
            version: Some(1),
        })
    );
    assert_eq!(source("database.max_connections"), Some(Source::Default));
    let ratio = source("database.ratio").map(|s| s.to_string());
    assert_eq!(
        ratio.as_deref(),
        Some(format!("AWS Parameter Store /{env}/shop/database/ratio (version 1)").as_str())
    );
    // The table helper on the result: the values, never a secret.
    let table = awsconf::Origin::table(&origins);
    assert!(table.contains("database.port"), "{table}");
    assert!(table.contains("7777"), "{table}");
}

// Four levels of components: /<env>/deep/one/two/three/four/value.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "deep")]
struct Deep {
    #[component]
    one: One,
}
#[derive(AwsConfig, Debug)]
struct One {
    #[component]
    two: Two,
}
#[derive(AwsConfig, Debug)]
struct Two {
    #[component]
    three: Three,
}
#[derive(AwsConfig, Debug)]
struct Three {
    #[component]
    four: Four,
    #[param(name = "label")]
    three_label: String,
}
#[derive(AwsConfig, Debug)]
struct Four {
    value: String,
}

#[tokio::test]
async fn four_levels_of_components_map_to_nested_paths() {
    let env = unique_env("deep");
    let seed = Seed::new();
    seed.param(&format!("/{env}/deep/one/two/three/four/value"), "bottom")
        .await;
    seed.param(&format!("/{env}/deep/one/two/three/label"), "renamed")
        .await;
    let config = Deep::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.one.two.three.four.value, "bottom");
    assert_eq!(config.one.two.three.three_label, "renamed");
}

// The seed's multi-tenant layout: /<env>/saas/tenants/<tenant-id>/...
#[derive(AwsConfig, Debug)]
#[aws_config(app = "saas")]
struct Saas {
    #[component]
    tenants: BTreeMap<String, Tenant>,
    #[component]
    regions: HashMap<String, RegionCfg>,
    #[param(default = "eu")]
    home: String,
}
#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
    #[param(default = 10)]
    seats: u32,
}
#[derive(AwsConfig, Debug)]
struct RegionCfg {
    bucket: String,
}

#[tokio::test]
async fn map_component_with_50_entries_is_paged_by_path() {
    let env = unique_env("saas");
    let seed = Seed::new();
    let mut items = Vec::new();
    for i in 0..50 {
        items.push((
            format!("/{env}/saas/tenants/tenant-{i:03}/plan"),
            if i % 2 == 0 { "pro" } else { "free" }.to_string(),
        ));
    }
    items.push((
        format!("/{env}/saas/tenants/tenant-007/seats"),
        "70".to_string(),
    ));
    items.push((
        format!("/{env}/saas/regions/eu-west-1/bucket"),
        "b-eu".to_string(),
    ));
    // Present under the app prefix but not declared: ignored.
    items.push((format!("/{env}/saas/undeclared"), "x".to_string()));
    seed.params(&items).await;

    let proxy = Proxy::start(moto()).expect("proxy");
    let config = Saas::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.tenants.len(), 50);
    assert_eq!(config.tenants["tenant-000"].plan, "pro");
    assert_eq!(config.tenants["tenant-001"].plan, "free");
    assert_eq!(config.tenants["tenant-007"].seats, 70);
    assert_eq!(config.tenants["tenant-008"].seats, 10);
    assert_eq!(config.regions["eu-west-1"].bucket, "b-eu");
    assert_eq!(config.home, "eu");
    // 51 parameters under tenants/ at 10 a page: 6 pages, one after another; 1 page
    // for regions/; the named `home` costs one GetParameters.
    assert_eq!(proxy.count("GetParametersByPath"), 6 + 1);
    assert_eq!(
        proxy.max_batch("GetParametersByPath"),
        10,
        "MaxResults is 10"
    );
    assert_eq!(proxy.count("GetParameters"), 1);
}

#[tokio::test]
async fn empty_map_component_is_empty() {
    let env = unique_env("saas-empty");
    let config = Saas::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(config.tenants.is_empty());
    assert!(config.regions.is_empty());
}

#[tokio::test]
async fn offline_mode_makes_no_request_and_uses_local_layers() {
    let env = unique_env("offline");
    let proxy = Proxy::start(moto()).expect("proxy");
    let toml = r#"
        hosts = ["h1", "h2"]
        [database]
        host = "localhost"
        port = 5432
        password = "local-dev"
        ratio = 0.5
        tls = false
    "#;
    let config = Shop::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .offline()
        .merge(Toml::string(toml))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.host, "localhost");
    assert_eq!(config.hosts, vec!["h1", "h2"]);
    assert_eq!(config.retries, 3);
    assert_eq!(
        proxy.total(),
        0,
        "offline must not call AWS: {:?}",
        proxy.counts()
    );
}

#[tokio::test]
async fn offline_mode_reports_what_no_layer_sets() {
    let env = unique_env("offline-missing");
    let err = Shop::loader()
        .env(&env)
        .offline()
        .load()
        .await
        .expect_err("nothing set");
    let p = problems(&err);
    assert!(p.contains(&format!(
        "database.host (/{env}/shop/database/host): required value not set by any local layer (offline: AWS was not asked)"
    )), "{p:#?}");
    assert_eq!(
        err.problems().len(),
        6,
        "host, port, password, ratio, tls, hosts: {p:#?}"
    );
}

/// What `fn main() -> Result<(), Box<dyn Error>>` prints when `?` returns a load
/// error: `Error: ` and the value's `Debug`.
fn main_would_print(err: awsconf::Error) -> String {
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    format!("Error: {boxed:?}")
}

#[tokio::test]
async fn error_debug_is_the_readable_report_so_question_mark_in_main_shows_it() {
    let env = unique_env("debug-report");
    let err = Shop::loader()
        .env(&env)
        .offline()
        .merge(Toml::string(
            "hosts = [\"a\"]\n[database]\nport = \"abc\"\npassword = \"CANARY-debug-pw\"\nratio = 0.5\ntls = true",
        ))
        .load()
        .await
        .expect_err("host missing, port invalid");
    let shown = main_would_print(err);
    assert_eq!(
        shown,
        format!(
            "Error: could not load Shop for env `{env}`: 2 problems\n  \
             - database.host (/{env}/shop/database/host): required value not set by any local layer (offline: AWS was not asked)\n  \
             - database.port (TOML source string: database.port): \"abc\" is not a valid u16"
        )
    );
    assert!(!shown.contains("CANARY-debug-pw"), "{shown}");
}

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
#[allow(dead_code)]
struct Login {
    #[secret(plaintext)]
    user: String,
    pass: SecretString,
    #[secret(plaintext)]
    port: u16,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop")]
#[allow(dead_code)]
struct WithLogin {
    #[secret(id = "{env}/login")]
    login: Login,
    port: u16,
}

#[tokio::test]
async fn error_and_problem_debug_in_both_forms_never_show_a_secret_value() {
    let env = unique_env("debug-secret");
    Seed::new()
        .secret(
            &format!("{env}/login"),
            r#"{"user":"CANARY-user","pass":"CANARY-pass","port":"CANARY-port"}"#,
        )
        .await;
    Seed::new()
        .param(&format!("/{env}/shop/port"), "CANARY-param")
        .await;
    let err = WithLogin::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("the secret is not a Login, the port not a u16");
    assert_eq!(err.problems().len(), 2, "{err}");
    let mut all = format!("{err:?}\n{err:#?}\n{err}");
    for p in err.problems() {
        all.push_str(&format!("\n{p:?}\n{p:#?}"));
    }
    assert!(
        !all.contains("CANARY-user")
            && !all.contains("CANARY-pass")
            && !all.contains("CANARY-port"),
        "a secret value leaked: {all}"
    );
    // The alternate form is the struct, for whoever wants the fields.
    assert!(format!("{err:#?}").starts_with("Error {"), "{err:#?}");
}
