//! The tools (`check`, `explain`, `template`, `push`, `cost`) and the CLI that
//! wraps them, against moto through the real SDK. Each test plants secret values
//! and asserts they appear in no output.

#![allow(dead_code)]

use std::collections::BTreeMap;

use aws_sdk_ssm::types::ParameterType;
use awsconf::figment::providers::{Env, Format, Toml};
use awsconf::tools::{
    self, CostInputs, FindingKind, FleetInputs, PushError, PushOptions, PushStatus, Severity,
};
use awsconf::{AwsConfig, ExposeSecret, Location, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Proxy, Seed};

#[derive(AwsConfig, Debug)]
#[aws_config(app = "tool")]
struct ToolConfig {
    #[component]
    database: Database,
    #[param(default = "info")]
    log_level: String,
    #[param(default = false)]
    debug: bool,
    timeout_ms: Option<u64>,
    #[secret(id = "{env}/tool/stripe")]
    stripe_key: SecretString,
    #[secret(id = "{env}/tool/db", key = "username", plaintext)]
    db_user: String,
    #[secret(id = "{env}/tool/db", key = "password")]
    db_password: SecretString,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Database {
    host: String,
    port: u16,
    replicas: Vec<String>,
    password: SecretString,
    #[param(default = 20)]
    max_connections: u32,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
    #[param(default = 10)]
    seats: u32,
    #[secret(id = "{env}/tool/tenants/{key}")]
    api_key: SecretString,
}

const CANARIES: [&str; 5] = [
    "canary-db-pw-7f3a",
    "canary-stripe-9c1e",
    "canary-dbsecret-2b8d",
    "canary-tenant-4e6f",
    "canary-plaintext-5d0c",
];

fn assert_no_canary(what: &str, text: &str) {
    for c in CANARIES {
        assert!(!text.contains(c), "{what} leaks {c}:\n{text}");
    }
}

/// A complete, valid environment.
async fn seed_complete(env: &str) -> Seed {
    let seed = Seed::new();
    seed.param(&format!("/{env}/tool/database/host"), "db.internal")
        .await;
    seed.param(&format!("/{env}/tool/database/port"), "5432")
        .await;
    seed.list(&format!("/{env}/tool/database/replicas"), "r1,r2")
        .await;
    seed.secure(&format!("/{env}/tool/database/password"), CANARIES[0])
        .await;
    seed.param(&format!("/{env}/tool/tenants/acme/plan"), "gold")
        .await;
    seed.param(&format!("/{env}/tool/tenants/globex/plan"), "free")
        .await;
    seed.secret(&format!("{env}/tool/stripe"), CANARIES[1])
        .await;
    seed.secret(
        &format!("{env}/tool/db"),
        &format!(r#"{{"username":"app","password":"{}"}}"#, CANARIES[2]),
    )
    .await;
    seed.secret(&format!("{env}/tool/tenants/acme"), CANARIES[3])
        .await;
    seed.secret(&format!("{env}/tool/tenants/globex"), CANARIES[3])
        .await;
    seed
}

#[tokio::test]
async fn check_reports_what_would_not_load_and_what_has_drifted() {
    let env = unique_env("check");
    let seed = Seed::new();
    seed.param(&format!("/{env}/tool/database/host"), "db.internal")
        .await;
    seed.param(&format!("/{env}/tool/database/port"), "abc")
        .await;
    seed.list(&format!("/{env}/tool/database/replicas"), "r1")
        .await;
    // A SecretString field stored as a plain String: unencrypted.
    seed.param(&format!("/{env}/tool/database/password"), CANARIES[4])
        .await;
    seed.param(&format!("/{env}/tool/legacy-flag"), "on").await;
    seed.param(&format!("/{env}/tool/tenants/acme/plan"), "gold")
        .await;
    seed.param(&format!("/{env}/tool/tenants/acme/extra"), "x")
        .await;
    seed.secret(&format!("{env}/tool/tenants/acme"), CANARIES[3])
        .await;
    seed.secret(
        &format!("{env}/tool/db"),
        &format!(r#"{{"username":"app","password":"{}"}}"#, CANARIES[2]),
    )
    .await;
    // No {env}/tool/stripe secret.

    let report = tools::check::<ToolConfig>(&env, &sdk_config(moto())).await;
    let table = report.to_table();
    let json = serde_json::to_string(&report).unwrap_or_default();
    assert_no_canary("check table", &table);
    assert_no_canary("check JSON", &json);

    assert!(!report.would_load, "{table}");
    assert_eq!(report.exit_code(false), 1);
    assert_eq!(report.present_parameters, Some(7));
    // 5 database + log-level, debug, timeout-ms + acme's plan and seats.
    assert_eq!(report.declared_parameters, 10);
    assert_eq!(report.declared_secrets, 3);
    let found: Vec<(Severity, FindingKind, Option<&str>, Option<Location>)> = report
        .findings
        .iter()
        .map(|f| (f.severity, f.kind, f.field.as_deref(), f.location.clone()))
        .collect();
    let port = Location::Parameter {
        name: format!("/{env}/tool/database/port"),
    };
    let stripe = Location::Secret {
        id: format!("{env}/tool/stripe"),
    };
    let password = Location::Parameter {
        name: format!("/{env}/tool/database/password"),
    };
    let legacy = Location::Parameter {
        name: format!("/{env}/tool/legacy-flag"),
    };
    let extra = Location::Parameter {
        name: format!("/{env}/tool/tenants/acme/extra"),
    };
    assert_eq!(
        found,
        vec![
            (
                Severity::Error,
                FindingKind::Invalid,
                Some("database.port"),
                Some(port.clone())
            ),
            (
                Severity::Error,
                FindingKind::Missing,
                Some("stripe_key"),
                Some(stripe.clone())
            ),
            (
                Severity::Warning,
                FindingKind::NotSecureString,
                Some("database.password"),
                Some(password.clone())
            ),
            (
                Severity::Warning,
                FindingKind::Undeclared,
                None,
                Some(legacy.clone())
            ),
            (
                Severity::Warning,
                FindingKind::Undeclared,
                None,
                Some(extra.clone())
            ),
        ],
        "{table}"
    );
    assert_eq!(report.findings[0].message, "\"abc\" is not a valid u16");
    assert_eq!(
        report.findings[2].message,
        "declared as SecretString but stored as a String parameter, unencrypted; re-create it as a SecureString"
    );

    // Fixed: it loads; the drift stays, and only --strict fails on it.
    seed.param(&format!("/{env}/tool/database/port"), "5432")
        .await;
    seed.secret(&format!("{env}/tool/stripe"), CANARIES[1])
        .await;
    let report = tools::check::<ToolConfig>(&env, &sdk_config(moto())).await;
    assert!(report.would_load, "{}", report.to_table());
    assert_eq!(report.exit_code(false), 0);
    assert_eq!(report.exit_code(true), 3);
    assert!(report
        .findings
        .iter()
        .all(|f| f.severity == Severity::Warning));
    assert_eq!(report.findings.len(), 3);
}

#[tokio::test]
async fn explain_shows_each_value_and_the_layer_that_supplied_it() {
    let env = unique_env("explain");
    seed_complete(&env).await;
    let file = std::env::temp_dir().join(format!("{env}-local.toml"));
    std::fs::write(&file, "[database]\nhost = \"localhost\"\n").expect("write toml");
    // A prefix no other test uses: the variable is this test's alone.
    let prefix = format!("AWSCONF_EXPLAIN_{}_", env.replace('-', "_").to_uppercase());
    let var = format!("{prefix}DATABASE__MAX_CONNECTIONS");
    std::env::set_var(&var, "7");

    let explanation = tools::explain(
        ToolConfig::loader()
            .env(&env)
            .sdk_config(&sdk_config(moto()))
            .merge(Toml::file(&file))
            .merge(Env::prefixed(&prefix).split("__")),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    std::env::remove_var(&var);
    let _ = std::fs::remove_file(&file);

    let table = explanation.to_table();
    assert_no_canary("explain table", &table);
    assert_no_canary(
        "explain JSON",
        &serde_json::to_string(&explanation).unwrap_or_default(),
    );
    let by_field: BTreeMap<&str, (String, &str, &str)> = explanation
        .fields
        .iter()
        .map(|f| {
            (
                f.field.as_str(),
                (f.shown_value(), f.layer.as_str(), f.location.as_str()),
            )
        })
        .collect();
    let get = |field: &str| {
        by_field
            .get(field)
            .cloned()
            .unwrap_or_else(|| panic!("no {field} in\n{table}"))
    };
    let file_location = format!("{}: database.host", file.display());
    assert_eq!(
        get("database.host"),
        ("localhost".to_string(), "TOML file", file_location.as_str())
    );
    let port = format!("/{env}/tool/database/port (version 1)");
    assert_eq!(
        get("database.port"),
        ("5432".to_string(), "AWS Parameter Store", port.as_str())
    );
    let replicas = format!("/{env}/tool/database/replicas (version 1)");
    assert_eq!(
        get("database.replicas"),
        (
            "r1,r2".to_string(),
            "AWS Parameter Store",
            replicas.as_str()
        )
    );
    let password = format!("/{env}/tool/database/password (version 1)");
    assert_eq!(
        get("database.password"),
        (
            "[REDACTED]".to_string(),
            "AWS Parameter Store",
            password.as_str()
        )
    );
    let layer = format!("`{prefix}` environment variable(s)");
    assert_eq!(
        get("database.max_connections"),
        ("7".to_string(), layer.as_str(), var.as_str())
    );
    assert_eq!(
        get("log_level"),
        ("info".to_string(), "default", "#[param(default)]")
    );
    assert_eq!(get("timeout_ms"), ("(absent)".to_string(), "absent", ""));
    let (value, layer, location) = get("stripe_key");
    assert_eq!(
        (value.as_str(), layer),
        ("[REDACTED]", "AWS Secrets Manager")
    );
    assert!(
        location.starts_with(&format!("secret {env}/tool/stripe (version ")),
        "{location}"
    );
    assert_eq!(get("tenants.acme.plan").0, "gold");
    assert_eq!(get("tenants.globex.seats").1, "default");
    assert_eq!(explanation.fields.len(), 17, "{table}");
}

#[tokio::test]
async fn template_then_push_bootstraps_an_env_that_loads_and_checks_clean() {
    let env = unique_env("tpl");
    let text = tools::template::<ToolConfig>(&env);
    for line in [
        "log_level = \"info\"",
        "debug = false",
        "# timeout_ms = 0",
        "# stripe_key = \"<secret>\"",
        "# db_user = \"<secret>\"",
        "[database]",
        "# host = \"\"",
        "# port = 0",
        "# replicas = []",
        "# password = \"<secret>\"",
        "max_connections = 20",
        "# [tenants.example]",
        "# seats = 10",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "template lacks `{line}`:\n{text}"
        );
    }
    let port_comment = format!("# u16 (required): String /{env}/tool/database/port");
    assert!(text.contains(&port_comment), "{text}");
    let password_comment =
        format!("# SecretString (required): SecureString /{env}/tool/database/password");
    assert!(text.contains(&password_comment), "{text}");
    // As written it is valid TOML that loads offline only once the required
    // values are filled in.
    let err = ToolConfig::loader()
        .env(&env)
        .offline()
        .merge(Toml::string(&text))
        .load()
        .await
        .expect_err("required values are commented out");
    assert!(err
        .problems()
        .iter()
        .all(|p| p.kind() == awsconf::ProblemKind::Missing));

    // Fill it in the way a developer would: uncomment and set.
    let filled = text
        .replace("# host = \"\"", "host = \"db.local\"")
        .replace("# port = 0", "port = 5433")
        .replace("# replicas = []", "replicas = [\"a\", \"b\"]")
        .replace(
            "# password = \"<secret>\"",
            &format!("password = \"{}\"", CANARIES[0]),
        )
        .replace(
            "# stripe_key = \"<secret>\"",
            &format!("stripe_key = \"{}\"", CANARIES[1]),
        )
        .replace("# db_user = \"<secret>\"", "db_user = \"app\"")
        .replace(
            "# db_password = \"<secret>\"",
            &format!("db_password = \"{}\"", CANARIES[2]),
        )
        + &format!(
            "\n[tenants.acme]\nplan = \"gold\"\napi_key = \"{}\"\n",
            CANARIES[3]
        );
    let offline = ToolConfig::loader()
        .env(&env)
        .offline()
        .merge(Toml::string(&filled))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(offline.database.port, 5433);

    let sdk = sdk_config(moto());
    let mut ticks = Vec::new();
    let report = tools::push::<ToolConfig>(
        &env,
        &sdk,
        &filled,
        "local.toml",
        PushOptions {
            apply: true,
            overwrite: false,
            ..Default::default()
        },
        &mut |done, total| ticks.push((done, total)),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_no_canary("push table", &report.to_table());
    assert_eq!(report.exit_code(), 0, "{}", report.to_table());
    // 5 database + log-level + debug + acme's plan (its seats are left to the
    // default: the file does not set them); 3 secrets.
    assert_eq!(
        report.count(&PushStatus::Created),
        11,
        "{}",
        report.to_table()
    );
    assert_eq!(ticks.last(), Some(&(11, 11)));

    let config = ToolConfig::loader()
        .env(&env)
        .sdk_config(&sdk)
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.database.host, "db.local");
    assert_eq!(config.database.replicas, ["a", "b"]);
    assert_eq!(config.database.password.expose_secret(), CANARIES[0]);
    assert_eq!(config.db_user, "app");
    assert_eq!(config.db_password.expose_secret(), CANARIES[2]);
    assert_eq!(config.tenants["acme"].api_key.expose_secret(), CANARIES[3]);
    assert_eq!(config.tenants["acme"].seats, 10);

    let check = tools::check::<ToolConfig>(&env, &sdk).await;
    assert!(check.would_load);
    assert_eq!(check.findings, vec![], "{}", check.to_table());
}

#[tokio::test]
async fn push_refuses_a_mistyped_key_and_names_the_field_it_meant() {
    let env = unique_env("typo");
    let sdk = sdk_config(moto());
    let seed = Seed::new();
    let dir = std::env::temp_dir().join(format!("awsconf-typo-{env}"));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("local.toml");
    std::fs::write(
        &path,
        format!(
            "log_level = \"debug\"\nstripe_key = \"{}\"\ndb_user = \"app\"\n\
             db_password = \"{}\"\n\n[database]\nhots = \"h1\"\nport = 1\n\
             replicas = [\"x\"]\npassword = \"{}\"\n",
            CANARIES[1], CANARIES[2], CANARIES[0]
        ),
    )
    .expect("write the file");
    let file = path.to_str().expect("a UTF-8 path");

    for apply in [&[][..], &["--apply"][..]] {
        let mut args = vec!["--env", &env, "push", file];
        args.extend_from_slice(apply);
        let (code, out, err) = cli(&args, &sdk).await;
        assert_ne!(code, 0, "a mistyped key must fail the push: {out}{err}");
        assert!(
            err.contains("unknown key `database.hots`: did you mean `database.host`?"),
            "{err}"
        );
        assert!(err.contains("nothing was pushed"), "{err}");
    }
    // Nothing was written, not even the keys that were right.
    let port = seed
        .ssm
        .get_parameter()
        .name(format!("/{env}/tool/database/port"))
        .send()
        .await;
    assert!(port.is_err(), "a refused push must write nothing");

    // The flag pushes the rest and lists the key it skipped.
    let (code, out, err) = cli(
        &[
            "--env",
            &env,
            "push",
            file,
            "--apply",
            "--allow-unknown-keys",
        ],
        &sdk,
    )
    .await;
    assert!(out.contains("unknown key `database.hots`"), "{out}{err}");
    // Asked for explicitly: the rest is written and the push succeeds.
    assert_eq!(code, 0, "{out}{err}");
    let port = seed
        .ssm
        .get_parameter()
        .name(format!("/{env}/tool/database/port"))
        .send()
        .await
        .expect("pushed");
    assert_eq!(port.parameter.and_then(|p| p.value).as_deref(), Some("1"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn push_is_a_dry_run_by_default_and_overwrites_only_when_asked() {
    let env = unique_env("push");
    let sdk = sdk_config(moto());
    let seed = Seed::new();
    let file = format!(
        "log_level = \"debug\"\nstripe_key = \"{}\"\ndb_user = \"app\"\n\
         db_password = \"{}\"\ntypo_key = 1\n\n[database]\nhost = \"h1\"\nport = 1\n\
         replicas = [\"x\", \"y\"]\npassword = \"{}\"\n",
        CANARIES[1], CANARIES[2], CANARIES[0]
    );
    let push = |text: String, apply: bool, overwrite: bool| {
        let sdk = sdk.clone();
        let env = env.clone();
        async move {
            tools::push::<ToolConfig>(
                &env,
                &sdk,
                &text,
                "local.toml",
                PushOptions {
                    apply,
                    overwrite,
                    // `typo_key` is skipped and listed (refused by default:
                    // `push_refuses_a_mistyped_key_and_names_the_field_it_meant`).
                    allow_unknown_keys: true,
                },
                &mut |_, _| {},
            )
            .await
        }
    };

    let dry = push(file.clone(), false, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!dry.applied);
    assert_eq!(dry.count(&PushStatus::WouldCreate), 7, "{}", dry.to_table());
    assert_eq!(dry.unknown_keys, ["typo_key"]);
    let absent = seed
        .ssm
        .get_parameter()
        .name(format!("/{env}/tool/database/host"))
        .send()
        .await;
    assert!(absent.is_err(), "a dry run must write nothing");

    let applied = push(file.clone(), true, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let table = applied.to_table();
    assert_no_canary("push table", &table);
    assert_no_canary(
        "push JSON",
        &serde_json::to_string(&applied).unwrap_or_default(),
    );
    assert_eq!(applied.count(&PushStatus::Created), 7, "{table}");
    let kinds: BTreeMap<String, &str> = applied
        .items
        .iter()
        .map(|i| (i.target.to_string(), i.kind.as_str()))
        .collect();
    assert_eq!(
        kinds[&format!("/{env}/tool/database/password")],
        "SecureString"
    );
    assert_eq!(
        kinds[&format!("/{env}/tool/database/replicas")],
        "StringList"
    );
    let param = |name: String| {
        let ssm = seed.ssm.clone();
        async move {
            let p = ssm
                .get_parameter()
                .name(name)
                .with_decryption(true)
                .send()
                .await
                .expect("get parameter");
            let p = p.parameter().cloned().expect("parameter");
            (
                p.r#type().cloned(),
                p.value().unwrap_or_default().to_string(),
                p.version(),
            )
        }
    };
    assert_eq!(
        param(format!("/{env}/tool/database/password")).await,
        (
            Some(ParameterType::SecureString),
            CANARIES[0].to_string(),
            1
        )
    );
    assert_eq!(
        param(format!("/{env}/tool/database/replicas")).await,
        (Some(ParameterType::StringList), "x,y".to_string(), 1)
    );
    // The two keyed fields went into one JSON secret.
    let db = seed
        .secrets
        .get_secret_value()
        .secret_id(format!("{env}/tool/db"))
        .send()
        .await
        .expect("db secret");
    let db: serde_json::Value =
        serde_json::from_str(db.secret_string().unwrap_or_default()).expect("json");
    assert_eq!(
        db,
        serde_json::json!({"username": "app", "password": CANARIES[2]})
    );

    // Again without --overwrite: the changed host exists and is kept; the
    // rest already holds these values.
    let changed = file.replace("host = \"h1\"", "host = \"h2\"");
    let kept = push(changed.clone(), true, false)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(kept.count(&PushStatus::Exists), 1, "{}", kept.to_table());
    assert_eq!(kept.count(&PushStatus::Unchanged), 6, "{}", kept.to_table());
    assert_eq!(param(format!("/{env}/tool/database/host")).await.1, "h1");
    // With --overwrite: the host is replaced, as a new version; nothing else is written.
    let replaced = push(changed.clone(), true, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        replaced.count(&PushStatus::Overwritten),
        1,
        "{}",
        replaced.to_table()
    );
    assert_eq!(replaced.count(&PushStatus::Unchanged), 6);
    assert_eq!(
        param(format!("/{env}/tool/database/host")).await,
        (Some(ParameterType::String), "h2".to_string(), 2)
    );
    // A rerun is a no-op: every value is already there, no new version.
    let rerun = push(changed, true, true)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        rerun.count(&PushStatus::Unchanged),
        7,
        "{}",
        rerun.to_table()
    );
    assert_eq!(param(format!("/{env}/tool/database/host")).await.2, 2);
    assert_eq!(param(format!("/{env}/tool/database/password")).await.2, 1);

    // A value that would not load stops the push before any write.
    let bad = file.replace("port = 1", "port = \"abc\"");
    let err = push(bad, true, true).await.expect_err("invalid port");
    assert!(matches!(err, PushError::WouldNotLoad { .. }), "{err}");
    assert!(err.to_string().contains("database.port"), "{err}");
    assert_no_canary("push error", &err.to_string());
    // A TOML error never quotes the line (it may hold a secret).
    let broken = format!("password = \"{}\n", CANARIES[0]);
    let err = push(broken, true, true).await.expect_err("bad TOML");
    assert!(matches!(err, PushError::Toml { .. }), "{err}");
    assert_no_canary("TOML error", &err.to_string());
}

#[tokio::test]
async fn cost_counts_the_calls_a_real_load_makes() {
    let env = unique_env("cost");
    seed_complete(&env).await;
    let proxy = Proxy::start(moto()).expect("proxy");
    ToolConfig::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ssm_calls = proxy.count("GetParameters") + proxy.count("GetParametersByPath");
    let sm_calls = proxy.count("BatchGetSecretValue") + proxy.count("GetSecretValue");

    let estimate = tools::cost::<ToolConfig>(&CostInputs {
        loads_per_month: 100_000,
        map_entries: 2,
        advanced_parameters: true,
        higher_throughput: true,
    });
    assert_eq!(estimate.parameter_store_calls_per_load, ssm_calls);
    assert_eq!(estimate.secrets_manager_calls_per_load, sm_calls);
    assert_eq!((ssm_calls, sm_calls), (2, 2), "{:?}", proxy.counts());
    // stripe, db, and one per tenant.
    assert_eq!(estimate.secrets, 4);
    // 8 named + (plan, seats) for 2 tenants.
    assert_eq!(estimate.parameters, 12);
    let lines: Vec<(&str, u64, String)> = estimate
        .lines
        .iter()
        .map(|l| (l.item.as_str(), l.quantity, format!("{:.2}", l.monthly)))
        .collect();
    assert_eq!(
        lines,
        vec![
            ("Secrets Manager secrets", 4, "1.60".to_string()),
            ("Secrets Manager API calls", 200_000, "1.00".to_string()),
            ("advanced parameters", 12, "0.60".to_string()),
            (
                "Parameter Store API calls (higher throughput)",
                200_000,
                "1.00".to_string()
            ),
        ]
    );
    assert_eq!(format!("{:.2}", estimate.total_monthly), "4.20");
    // Standard parameters and throughput: only Secrets Manager costs.
    let standard = tools::cost::<ToolConfig>(&CostInputs {
        loads_per_month: 100_000,
        map_entries: 2,
        ..CostInputs::default()
    });
    assert_eq!(format!("{:.2}", standard.total_monthly), "2.60");
}

#[test]
fn cost_for_a_fleet_shows_its_refresh_calls_as_a_share_of_each_quota() {
    // 300 instances refreshing every minute; each refresh: one GetParameters
    // and one by-path page, one DescribeSecret for each of 3 secrets. Each
    // load: the 2 Parameter Store calls and 2 BatchGetSecretValue (the static
    // secrets, then the tenant's).
    let load = tools::fleet_load::<ToolConfig>(&FleetInputs {
        instances: 300,
        refresh_every_minutes: 1,
        map_entries: 1,
    });
    let lines: Vec<(&str, f64, u64, f64, f64, u64, f64)> = load
        .quotas
        .iter()
        .map(|q| {
            (
                q.quota,
                q.quota_tps,
                q.calls_per_refresh,
                q.refresh_tps,
                q.share,
                q.start_calls,
                q.start_seconds,
            )
        })
        .collect();
    assert_eq!(
        lines,
        vec![
            // 600 calls a minute: 10 per second, a quarter of 40; the start's
            // 600 calls need (600 - 40) / 40 = 14 s.
            ("Parameter Store reads", 40.0, 2, 10.0, 0.25, 600, 14.0),
            ("DescribeSecret", 40_000.0, 3, 15.0, 15.0 / 40_000.0, 0, 0.0),
            ("GetSecretValue", 10_000.0, 0, 0.0, 0.0, 0, 0.0),
            ("BatchGetSecretValue", 100.0, 0, 0.0, 0.0, 600, 5.0),
        ]
    );
    // Exactly a quarter is not above it.
    assert!(load.warnings.is_empty(), "{:?}", load.warnings);
    assert_eq!(
        load.to_table(),
        "300 instances of ToolConfig, each with a Live refreshing every 1 min, against AWS's default quotas per account and region\n\
         quota                  TPS    calls/refresh  refresh TPS (fleet)  share  start: calls  start: seconds\n\
         Parameter Store reads  40     2              10.000               25.0%  600           14.0\n\
         DescribeSecret         40000  3              15.000               0.0%   0             0.0\n\
         GetSecretValue         10000  0              0.000                0.0%   0             0.0\n\
         BatchGetSecretValue    100    0              0.000                0.0%   600           5.0\n\
         A start of all 300 at once takes the quotas 14 s however it is paced: .pacing(Pacing::Fleet(300)) paces each instance AWS throttles at its share of the quota (an instance alone still loads in one round trip), and .start_jitter(Duration::from_secs(14)) spreads the starts over that time, so AWS throttles fewer of their calls still\n"
    );
    assert_eq!(load.start_jitter_seconds, 14);

    // One more instance: above a quarter of Parameter Store's quota.
    let load = tools::fleet_load::<ToolConfig>(&FleetInputs {
        instances: 301,
        refresh_every_minutes: 1,
        map_entries: 1,
    });
    assert_eq!(load.warnings.len(), 1, "{:?}", load.warnings);
    assert!(
        load.warnings[0].starts_with(
            "the fleet's refreshes take 25.1% of the Parameter Store reads quota (40 calls per second"
        ),
        "{}",
        load.warnings[0]
    );
    // Absurd inputs: numbers, not a panic.
    let huge = tools::fleet_load::<ToolConfig>(&FleetInputs {
        instances: u64::MAX,
        refresh_every_minutes: u64::MAX,
        map_entries: u64::MAX,
    });
    assert!(huge.quotas.iter().all(|q| q.share.is_finite()), "{huge:?}");
    assert_eq!(
        huge.start_jitter_seconds,
        awsconf::MAX_START_JITTER.as_secs(),
        "clamped to what start_jitter takes"
    );
    assert!(
        huge.to_table()
            .contains(".start_jitter(Duration::from_secs(300)) spreads the starts over its first 300 s (start_jitter's most)"),
        "{}",
        huge.to_table()
    );

    // A start that fits in the burst suggests no spread, and says nothing.
    let one = tools::fleet_load::<ToolConfig>(&FleetInputs::default());
    assert_eq!(one.start_jitter_seconds, 0);
    assert!(
        !one.to_table().contains("start_jitter"),
        "{}",
        one.to_table()
    );
}

#[tokio::test]
async fn cli_cost_for_a_fleet_warns_on_stderr_above_a_quarter_of_a_quota() {
    let sdk = sdk_config(moto());
    let (code, out, err) = cli(&["cost", "--instances", "300", "--poll-every", "1"], &sdk).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("300 instances of ToolConfig"), "{out}");
    assert_eq!(err, "", "no warning at exactly 25%");

    let (code, out, err) = cli(&["cost", "--instances", "301", "--poll-every", "1"], &sdk).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Parameter Store reads  40"), "{out}");
    assert!(!out.contains("warning"), "warnings go to stderr: {out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "warning: the fleet's refreshes take 25.1% of the Parameter Store reads quota"
        ),
        "{err}"
    );

    // The default interval is 5 minutes.
    let (code, out, err) = cli(&["cost", "--instances", "1000", "--format", "json"], &sdk).await;
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("fleet JSON");
    assert_eq!(json["inputs"]["refresh_every_minutes"], 5);
    assert_eq!(json["quotas"][0]["quota"], "Parameter Store reads");
    // 1000 x 2 calls per 300 s.
    let tps = json["quotas"][0]["refresh_tps"].as_f64().expect("a number");
    assert!((tps - 2000.0 / 300.0).abs() < 1e-9, "{tps}");
    assert_eq!(json["quotas"][0]["start_calls"], 2000);
    assert_eq!(json["quotas"][3]["quota"], "BatchGetSecretValue");
    assert_eq!(json["quotas"][3]["start_seconds"], 19.0);
    // Parameter Store's (2000 - 40) / 40 = 49 s is the longest.
    assert_eq!(json["start_jitter_seconds"], 49);
    assert_eq!(json["warnings"], serde_json::json!([]));
    assert!(err.is_empty(), "{err}");
}

/// A map of maps, with a shared secret and a per-entry secret in each entry.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "fleet")]
struct Fleet {
    #[component]
    regions: BTreeMap<String, Region>,
}

#[derive(AwsConfig, Debug)]
struct Region {
    endpoint: String,
    #[component]
    tenants: BTreeMap<String, Tenant>,
    #[secret(id = "{env}/shared/license")]
    license: SecretString,
}

#[test]
fn cost_counts_map_entries_without_making_them_up_and_saturates() {
    let estimate = tools::cost::<Fleet>(&CostInputs {
        loads_per_month: 1,
        map_entries: 3,
        ..CostInputs::default()
    });
    // 3 regions x (endpoint + 3 tenants x (plan, seats)).
    assert_eq!(estimate.parameters, 3 + 3 * 3 * 2);
    // One shared license, one api key per tenant of each region.
    assert_eq!(estimate.secrets, 1 + 9);
    // 21 parameters under one prefix: 3 pages; 10 secrets: one batch.
    assert_eq!(estimate.parameter_store_calls_per_load, 3);
    assert_eq!(estimate.secrets_manager_calls_per_load, 1);

    // Absurd inputs: an answer at once, saturated, not a panic or an OOM.
    let huge = tools::cost::<Fleet>(&CostInputs {
        loads_per_month: u64::MAX,
        map_entries: u64::MAX,
        advanced_parameters: true,
        higher_throughput: true,
    });
    assert_eq!(huge.parameters, u64::MAX);
    assert!(huge.total_monthly.is_finite(), "{huge:?}");
    assert!(huge
        .lines
        .iter()
        .all(|l| l.quantity == u64::MAX || l.quantity > 0));
}

async fn cli(args: &[&str], sdk: &aws_config::SdkConfig) -> (u8, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut argv = vec!["tool"];
    argv.extend_from_slice(args);
    let code =
        awsconf::cli::run_with::<ToolConfig, _, _>(argv, Some(sdk), &mut out, &mut err).await;
    let (out, err) = (
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    );
    assert_no_canary(&format!("`{}` stdout", args.join(" ")), &out);
    assert_no_canary(&format!("`{}` stderr", args.join(" ")), &err);
    (code, out, err)
}

#[tokio::test]
async fn cli_subcommands_print_reports_and_exit_with_the_documented_codes() {
    let env = unique_env("cli");
    let sdk = sdk_config(moto());
    seed_complete(&env).await;
    let seed = Seed::new();

    let (code, out, _) = cli(&["--env", &env, "check"], &sdk).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("would load"), "{out}");
    seed.param(&format!("/{env}/tool/old"), "x").await;
    let (code, out, _) = cli(
        &["--env", &env, "check", "--strict", "--format", "json"],
        &sdk,
    )
    .await;
    assert_eq!(code, 3, "{out}");
    let json: serde_json::Value = serde_json::from_str(&out).expect("check JSON");
    assert_eq!(json["findings"][0]["kind"], "undeclared");
    seed.param(&format!("/{env}/tool/database/port"), "99999")
        .await;
    let (code, out, _) = cli(&["--env", &env, "check"], &sdk).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("99999 is out of range for u16"), "{out}");
    seed.param(&format!("/{env}/tool/database/port"), "5432")
        .await;

    let (code, out, _) = cli(&["--env", &env, "explain"], &sdk).await;
    assert_eq!(code, 0, "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("database.password") && l.contains("[REDACTED]")),
        "{out}"
    );

    let (code, out, _) = cli(
        &[
            "--env",
            &env,
            "iam-policy",
            "--account",
            "123456789012",
            "--region",
            "us-east-1",
        ],
        &sdk,
    )
    .await;
    assert_eq!(code, 0);
    let policy: serde_json::Value = serde_json::from_str(&out).expect("policy JSON");
    assert_eq!(
        policy,
        awsconf::iam::policy::<ToolConfig>(&env, "us-east-1", "123456789012")
    );

    let (code, out, _) = cli(&["--env", &env, "template"], &sdk).await;
    assert_eq!((code, out), (0, tools::template::<ToolConfig>(&env)));

    let file = std::env::temp_dir().join(format!("{env}-push.toml"));
    std::fs::write(&file, format!("stripe_key = \"{}-rotated\"\n", CANARIES[1])).expect("write");
    let path = file.display().to_string();
    let (code, out, _) = cli(&["--env", &env, "push", &path], &sdk).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("dry run"), "{out}");
    assert!(out.contains("exists, kept"), "{out}");
    let (code, out, err) = cli(
        &["--env", &env, "push", &path, "--apply", "--overwrite"],
        &sdk,
    )
    .await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("overwritten"), "{out}");
    assert!(err.contains("pushing 1/1"), "{err}");
    let _ = std::fs::remove_file(&file);

    let (code, out, _) = cli(
        &["cost", "--loads-per-month", "10000", "--format", "json"],
        &sdk,
    )
    .await;
    assert_eq!(code, 0);
    let cost: serde_json::Value = serde_json::from_str(&out).expect("cost JSON");
    assert_eq!(cost["secrets"], 3);
    assert_eq!(cost["secrets_manager_calls_per_load"], 2);

    // Usage errors exit with 2.
    let (code, _, err) = cli(&["--env", &env, "frobnicate"], &sdk).await;
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = cli(&["--env", &env, "iam-policy", "--account", "42"], &sdk).await;
    assert_eq!(code, 2, "{err}");
    let (code, out, _) = cli(&["--help"], &sdk).await;
    assert_eq!(code, 0);
    for command in ["iam-policy", "check", "explain", "template", "push", "cost"] {
        assert!(out.contains(command), "{out}");
    }
}

#[derive(serde::Deserialize, Debug, Default, PartialEq)]
#[serde(default)]
struct Rollout {
    percent: u8,
    regions: Vec<String>,
}

#[derive(serde::Deserialize, Debug, awsconf::Secret)]
struct Login {
    #[secret(plaintext)]
    user: Option<String>,
    pass: Option<SecretString>,
}

type Port = u16;
type Mirrors = std::collections::VecDeque<String>;

/// A field of every kind the template writes a placeholder for.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "wide")]
struct Wide {
    #[param(json)]
    rollout: Rollout,
    #[param(json)]
    steps: Vec<u32>,
    #[param(json)]
    limits: Option<BTreeMap<String, u32>>,
    small: u8,
    big: i64,
    ratio: f64,
    on: bool,
    letter: char,
    name: String,
    hosts: Vec<String>,
    ports: Vec<u16>,
    maybe: Option<u16>,
    // Through aliases and paths: the compiler resolves the shape, so the
    // placeholders do not depend on how a type is spelled.
    port: Port,
    mirrors: Mirrors,
    weight: std::primitive::f32,
    token: SecretString,
    #[secret(id = "{env}/login")]
    login: Login,
    #[secret(id = "{env}/db", key = "port", plaintext)]
    db_port: u16,
    #[secret(id = "{env}/db", key = "password")]
    db_password: Option<SecretString>,
    #[component]
    tenants: BTreeMap<String, WideTenant>,
}

#[derive(AwsConfig, Debug)]
struct WideTenant {
    plan: String,
    #[param(json)]
    quotas: BTreeMap<String, u64>,
}

/// Uncomments every `# key = value` and `# [table]` line, as a developer does.
fn uncomment(template: &str) -> String {
    template
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest.split_once(" = ").is_some_and(|(k, _)| {
                        k.chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    }) =>
            {
                rest
            }
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn template_placeholders_parse_and_load_offline_for_every_field_type() {
    let env = unique_env("wide");
    let text = tools::template::<Wide>(&env);
    for line in [
        "# rollout = {}",
        "# steps = []",
        "# limits = {}",
        "# small = 0",
        "# ratio = 0.0",
        "# on = false",
        "# name = \"\"",
        "# ports = []",
        "# maybe = 0",
        "# port = 0",
        "# mirrors = []",
        "# weight = 0.0",
        "# token = \"<secret>\"",
        "# login = '{}'",
        "# db_port = 0",
        "# [tenants.example]",
        "# quotas = {}",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "template lacks `{line}`:\n{text}"
        );
    }
    assert!(
        text.contains("# JSON: a TOML value ({ key = 1 }, [1, 2]) or a JSON string ('{\"key\": 1}'); both work"),
        "{text}"
    );
    let filled = uncomment(&text);
    // figment's TOML reads it ...
    let parsed: Result<awsconf::figment::value::Value, _> =
        awsconf::figment::Figment::from(Toml::string(&filled)).extract();
    assert!(parsed.is_ok(), "{parsed:?}\n{filled}");
    // ... and the placeholders are a complete config.
    let config = Wide::loader()
        .env(&env)
        .offline()
        .merge(Toml::string(&filled))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}\n{filled}"));
    assert_eq!(config.rollout, Rollout::default());
    assert_eq!(config.db_port, 0);
    assert_eq!(config.maybe, Some(0));
    assert_eq!(
        (config.port, config.mirrors.len(), config.weight),
        (0, 0, 0.0)
    );
    assert_eq!(config.tenants["example"].plan, "");
    assert!(config.login.user.is_none());

    // The JSON comment's two spellings both load.
    for rollout in [
        "rollout = { percent = 5, regions = [\"eu\"] }",
        "rollout = '{\"percent\": 5, \"regions\": [\"eu\"]}'",
    ] {
        let text = filled.replace("rollout = {}", rollout);
        let config = Wide::loader()
            .env(&env)
            .offline()
            .merge(Toml::string(&text))
            .load()
            .await
            .unwrap_or_else(|e| panic!("{rollout}: {e}"));
        assert_eq!(
            config.rollout,
            Rollout {
                percent: 5,
                regions: vec!["eu".into()]
            },
            "{rollout}"
        );
    }
}

/// `run_with`'s future is `Send`: it can run on a multi-threaded runtime's task
/// (`tokio::spawn`), which a future holding stdout's lock or a `dyn Write`
/// without `Send` could not.
#[tokio::test]
async fn the_cli_future_is_send_and_runs_on_a_spawned_task() {
    fn assert_send<F: Send>(_: &F) {}
    let task = async {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = awsconf::cli::run_with::<ToolConfig, _, _>(
            ["tool", "cost", "--loads-per-month", "1000"],
            None,
            &mut out,
            &mut err,
        )
        .await;
        (code, String::from_utf8_lossy(&out).into_owned())
    };
    assert_send(&task);
    let (code, out) = tokio::spawn(task)
        .await
        .unwrap_or_else(|e| panic!("the cli task failed: {e}"));
    assert_eq!(code, awsconf::cli::EXIT_OK);
    assert!(
        out.starts_with("cost of ToolConfig: 1000 loads a month"),
        "{out}"
    );
}

#[tokio::test]
async fn the_clis_env_is_checked_as_the_loader_checks_it() {
    let sdk = sdk_config(moto());
    for env in ["prod*", "prod/eu", "aws-prod", ""] {
        let (code, out, err) = cli(
            &[
                "--env",
                env,
                "iam-policy",
                "--account",
                "123456789012",
                "--region",
                "us-east-1",
            ],
            &sdk,
        )
        .await;
        assert_eq!(code, awsconf::cli::EXIT_USAGE, "{env}: {out}");
        assert!(out.is_empty(), "{env}: no policy printed: {out}");
        assert!(err.starts_with(&format!("error: env `{env}` ")), "{err}");
    }
    let (_, _, err) = cli(
        &["--env", "prod*", "iam-policy", "--account", "123456789012"],
        &sdk,
    )
    .await;
    assert!(err.contains("contains `*`"), "{err}");
    // A name SSM allows passes, dots included.
    let (code, out, _) = cli(
        &[
            "--env",
            "prod.eu",
            "iam-policy",
            "--account",
            "123456789012",
            "--region",
            "us-east-1",
        ],
        &sdk,
    )
    .await;
    assert_eq!(code, 0, "{out}");
}

/// Unknown keys are found at every level the file has: the root, a
/// component's table, and each map entry's table, in the file's order, each
/// with the field it probably meant at its own level.
#[tokio::test]
async fn push_finds_unknown_keys_in_map_entries_and_components() {
    let env = unique_env("unknown");
    let toml = "small = 1\nsmal = 2\n\n[tenants.a]\nplan = \"p\"\nplann = \"x\"\n\n\
                [tenants.a.quotas]\nreads = 5\n\n[tenants.b]\nplam = \"y\"\nextra = 1\n";
    let err = tools::push::<Wide>(
        &env,
        &sdk_config(moto()),
        toml,
        "local.toml",
        PushOptions::default(),
        &mut |_, _| {},
    )
    .await
    .err();
    let Some(PushError::UnknownKeys { keys, .. }) = err else {
        panic!("expected unknown keys, got {err:?}");
    };
    let meant = |k: &str, m: Option<&str>| (k.to_string(), m.map(str::to_string));
    assert_eq!(
        keys,
        vec![
            meant("smal", Some("small")),
            meant("tenants.a.plann", Some("tenants.a.plan")),
            meant("tenants.b.extra", None),
            meant("tenants.b.plam", Some("tenants.b.plan")),
        ]
    );
}
