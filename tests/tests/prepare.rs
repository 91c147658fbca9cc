//! Verified builds, against moto through the real SDK: `prepare` writes a snapshot of
//! an env with no value in it, `prepare --check` exits non-zero on drift, and
//! `awsconf::verify` gives the compile-time check's verdicts at run time.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use awsconf::{AwsConfig, SecretString};
use awsconf_tests::{moto, problems, sdk_config, unique_env, Seed};

/// The config `prepare` runs for: every name the wrong structs below use is
/// declared here, so the snapshot records whether it exists.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct Prep {
    #[component]
    database: Database,
    region_name: Option<String>,
    #[param(default = "info")]
    log_level: String,
    tags: Vec<String>,
    #[param(name = "owners")]
    owners: String,
    #[secret(id = "{env}/prep/db", key = "username", plaintext)]
    db_user: String,
    #[secret(id = "{env}/prep/db", key = "password")]
    db_password: SecretString,
    #[secret(id = "{env}/prep/db", key = "token")]
    db_token: Option<SecretString>,
    #[secret(id = "{env}/prep/stripe")]
    stripe: SecretString,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Database {
    host: String,
    password: SecretString,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
    seats: Option<u32>,
}

/// Every value seeded, each distinctive, so a grep of the snapshot finds any.
const VALUES: [&str; 11] = [
    "value-host-q81x",
    "value-dbpw-m27c",
    "value-tags-a,value-tags-b",
    "value-owners-p03k",
    "value-user-v55d",
    "value-secretpw-k09z",
    "value-stripe-w44n",
    "value-plan-acme-j12h",
    "value-plan-globex-r77s",
    "value-extra-t64y",
    "value-tenant-seats-u19e",
];

async fn seed(env: &str) {
    let s = Seed::new();
    s.param(&format!("/{env}/prep/database/host"), VALUES[0])
        .await;
    s.secure(&format!("/{env}/prep/database/password"), VALUES[1])
        .await;
    s.list(&format!("/{env}/prep/tags"), VALUES[2]).await;
    s.param(&format!("/{env}/prep/owners"), VALUES[3]).await;
    s.secret(
        &format!("{env}/prep/db"),
        &format!(
            r#"{{"username":"{}","password":"{}"}}"#,
            VALUES[4], VALUES[5]
        ),
    )
    .await;
    s.secret(&format!("{env}/prep/stripe"), VALUES[6]).await;
    s.param(&format!("/{env}/prep/tenants/acme/plan"), VALUES[7])
        .await;
    s.param(&format!("/{env}/prep/tenants/globex/plan"), VALUES[8])
        .await;
    s.param(&format!("/{env}/prep/tenants/globex/extra"), VALUES[9])
        .await;
    s.param(&format!("/{env}/prep/tenants/globex/seats"), VALUES[10])
        .await;
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("awsconf-prepare-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[tokio::test]
async fn prepare_writes_names_types_versions_and_key_names_but_no_value() {
    let env = unique_env("prep");
    seed(&env).await;
    let dir = temp_dir("values");
    let path = awsconf::tools::prepare::<Prep>(&env, &sdk_config(moto()), &dir)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(path, dir.join(format!("{env}.json")));
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    for value in VALUES.iter().flat_map(|v| v.split(',')) {
        assert!(
            !text.contains(value),
            "the snapshot holds the value {value}:\n{text}"
        );
    }
    let json: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let param = |name: &str| {
        json["parameters"]
            .as_array()
            .and_then(|ps| {
                ps.iter()
                    .find(|p| p["name"] == format!("/{env}/prep/{name}"))
            })
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(param("database/host")["type"], "String", "{text}");
    assert_eq!(param("database/host")["version"], 1, "{text}");
    assert_eq!(param("database/password")["type"], "SecureString", "{text}");
    assert_eq!(param("tags")["type"], "StringList", "{text}");
    assert_eq!(param("region-name")["exists"], false, "{text}");
    assert_eq!(param("log-level")["exists"], false, "{text}");
    assert_eq!(param("tenants/acme/seats")["exists"], false, "{text}");
    assert_eq!(param("tenants/globex/extra")["type"], "String", "{text}");
    let maps = &json["maps"];
    assert_eq!(maps[0]["prefix"], format!("/{env}/prep/tenants"), "{text}");
    assert_eq!(maps[0]["names"].as_array().map(Vec::len), Some(4), "{text}");
    let secrets = json["secrets"].as_array().cloned().unwrap_or_default();
    assert_eq!(secrets.len(), 2, "{text}");
    assert_eq!(secrets[0]["id"], format!("{env}/prep/db"));
    assert_eq!(
        secrets[0]["keys"],
        serde_json::json!(["password", "username"])
    );
    assert_eq!(secrets[1]["id"], format!("{env}/prep/stripe"));
    assert_eq!(secrets[1]["exists"], true);
    assert!(
        secrets[1].get("keys").is_none(),
        "a secret read whole is not read: {text}"
    );
    // Sorted and pretty-printed: a second run writes the same bytes.
    awsconf::tools::prepare::<Prep>(&env, &sdk_config(moto()), &dir)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), text);
    assert!(text.contains("\n  \"parameters\": [\n"), "{text}");
}

#[tokio::test]
async fn prepare_check_exits_3_after_a_parameter_is_deleted_and_0_when_nothing_drifted() {
    let env = unique_env("prepchk");
    seed(&env).await;
    let sdk = sdk_config(moto());
    let dir = temp_dir("check");
    let dir_arg = dir.to_string_lossy().into_owned();
    let cli = |args: Vec<String>| {
        let sdk = sdk.clone();
        async move {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let mut argv = vec!["prep".to_string()];
            argv.extend(args);
            let code =
                awsconf::cli::run_with::<Prep, _, _>(argv, Some(&sdk), &mut out, &mut err).await;
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out),
                String::from_utf8_lossy(&err)
            );
            for value in VALUES.iter().flat_map(|v| v.split(',')) {
                assert!(!text.contains(value), "output holds {value}:\n{text}");
            }
            (code, text)
        }
    };
    let args = |extra: &[&str]| {
        let mut a = vec![
            "--env".to_string(),
            env.clone(),
            "prepare".into(),
            "--dir".into(),
            dir_arg.clone(),
        ];
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let (code, text) = cli(args(&[])).await;
    assert_eq!(code, 0, "{text}");
    let written = std::fs::read_to_string(dir.join(format!("{env}.json"))).unwrap_or_default();

    let (code, text) = cli(args(&["--check"])).await;
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("no drift"), "{text}");

    aws_sdk_ssm::Client::new(&sdk)
        .delete_parameter()
        .name(format!("/{env}/prep/owners"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (code, text) = cli(args(&["--check"])).await;
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains(&format!(
            "parameter /{env}/prep/owners: String version 1 → absent"
        )),
        "{text}"
    );
    // --check writes nothing.
    assert_eq!(
        std::fs::read_to_string(dir.join(format!("{env}.json"))).unwrap_or_default(),
        written
    );

    // A new map entry is drift too.
    Seed::new()
        .param(&format!("/{env}/prep/tenants/initech/plan"), "value-new")
        .await;
    let (code, text) = cli(args(&["--check", "--format", "json"])).await;
    assert_eq!(code, 3, "{text}");
    assert!(
        text.contains(&format!("/{env}/prep/tenants/initech/plan added")),
        "{text}"
    );
}

#[tokio::test]
async fn iam_policy_for_prepare_reads_no_parameter_value() {
    let sdk = sdk_config(moto());
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = awsconf::cli::run_with::<Prep, _, _>(
        [
            "prep",
            "--env",
            "production",
            "iam-policy",
            "--account",
            "123456789012",
            "--region",
            "eu-west-1",
            "--prepare",
        ],
        Some(&sdk),
        &mut out,
        &mut err,
    )
    .await;
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let policy: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
    let statements = policy["Statement"].as_array().cloned().unwrap_or_default();
    let actions: Vec<&str> = statements
        .iter()
        .filter_map(|s| s["Action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "ssm:DescribeParameters",
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "kms:Decrypt"
        ]
    );
    assert_eq!(
        statements[1]["Resource"],
        serde_json::json!([
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:production/prep/db-??????",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:production/prep/stripe-??????"
        ])
    );
    // Only the secret a field reads one key of is read, for its key names.
    assert_eq!(
        statements[2]["Resource"],
        serde_json::json!([
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:production/prep/db-??????"
        ])
    );
    let text = String::from_utf8_lossy(&out);
    assert!(!text.contains("ssm:GetParameter"), "{text}");
}

// The wrong structs: each is checked by `verify` against the snapshot `Prep`'s
// prepare wrote, and each breaks one rule.

/// Matches: Option and defaulted fields absent pass.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct Matching {
    #[component]
    database: Database,
    region_name: Option<String>,
    #[param(default = "info")]
    log_level: String,
    tags: Vec<String>,
    #[secret(id = "{env}/prep/db", key = "token")]
    db_token: Option<SecretString>,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct RequiredAbsent {
    region_name: String,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct PlainOverSecure {
    #[component]
    database: PlainDatabase,
}

#[derive(AwsConfig, Debug)]
struct PlainDatabase {
    #[param(name = "password", plaintext)]
    pw: String,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct SecretOverString {
    owners: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct VecOverString {
    owners: Vec<String>,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct KeyMissing {
    #[secret(id = "{env}/prep/db", key = "token")]
    db_token: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "prep")]
struct EntryLacksField {
    #[component]
    tenants: BTreeMap<String, StrictTenant>,
}

#[derive(AwsConfig, Debug)]
struct StrictTenant {
    seats: u32,
}

#[tokio::test]
async fn verify_gives_the_compile_time_verdicts() {
    let env = unique_env("prepv");
    seed(&env).await;
    let dir = temp_dir("verify");
    awsconf::tools::prepare::<Prep>(&env, &sdk_config(moto()), &dir)
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    awsconf::verify::<Prep>(&dir).unwrap_or_else(|e| panic!("{e}"));
    awsconf::verify::<Matching>(&dir).unwrap_or_else(|e| panic!("{e}"));
    // `#[param(plaintext)]` over a SecureString: the load reads it (the field
    // says the value is not secret), so verify passes it too.
    awsconf::verify::<PlainOverSecure>(&dir).unwrap_or_else(|e| panic!("{e}"));
    let plain = PlainOverSecure::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plain.database.pw, VALUES[1]);

    let file = format!("{}", dir.join(format!("{env}.json")).display());
    let open = |field: &str| format!("env `{env}` ({file}): field `{field}`");
    let cases: Vec<(&str, Result<(), awsconf::Error>, String)> = vec![
        (
            "required absent",
            awsconf::verify::<RequiredAbsent>(&dir),
            format!("{} is required, but parameter /{env}/prep/region-name does not exist", open("region_name")),
        ),
        (
            "secret over a plain String",
            awsconf::verify::<SecretOverString>(&dir),
            format!("{} is secret (SecretString), but parameter /{env}/prep/owners is a plain String, stored unencrypted", open("owners")),
        ),
        (
            "Vec over a String",
            awsconf::verify::<VecOverString>(&dir),
            format!("{} is a list (Vec<String>), but parameter /{env}/prep/owners is a String, not a StringList", open("owners")),
        ),
        (
            "JSON key missing",
            awsconf::verify::<KeyMissing>(&dir),
            format!("{} is required, but secret {env}/prep/db has no key `token`", open("db_token")),
        ),
        (
            "map entry lacks a field",
            awsconf::verify::<EntryLacksField>(&dir),
            format!("{} is required, but parameter /{env}/prep/tenants/acme/seats does not exist", open("tenants.acme.seats")),
        ),
    ];
    for (what, result, expected) in cases {
        let err = match result {
            Ok(()) => panic!("{what}: verify passed"),
            Err(e) => e,
        };
        let lines = problems(&err);
        assert_eq!(lines.len(), 1, "{what}: {lines:#?}");
        assert!(
            lines[0].contains(&expected),
            "{what}:\n{}\nexpected: {expected}",
            lines[0]
        );
        let p = &err.problems()[0];
        assert!(p.field_path().is_some(), "{what}: {p:?}");
    }
    // The globex entry has `seats`: only acme is reported.
    let err = awsconf::verify::<EntryLacksField>(&dir).err();
    let text = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(!text.contains("globex"), "{text}");
}

#[test]
fn verify_refuses_a_directory_without_snapshots() {
    let dir = temp_dir("empty");
    let _ = std::fs::create_dir_all(&dir);
    let err = awsconf::verify::<Prep>(&dir)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("no snapshot (*.json)"), "{err}");
    let err = awsconf::verify::<Prep>(dir.join("nope"))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("cannot read the snapshot directory"), "{err}");
}

/// A map alone, for the stray parameter below.
#[derive(AwsConfig, Debug)]
#[aws_config(app = "prepstray")]
struct Stray {
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

/// A parameter right at a map entry's level (`/ENV/prepstray/tenants/initech`,
/// no field under it) is no entry: the load reads none there, and `prepare`'s
/// snapshot, `verify` (the compile-time check's verdicts) and `check` agree,
/// instead of asking for `tenants.initech.plan` (found by a red-team pass).
#[tokio::test]
async fn a_parameter_at_a_map_entrys_level_is_no_entry_for_load_verify_or_check() {
    let env = unique_env("prepstray");
    let seed = Seed::new();
    seed.param(&format!("/{env}/prepstray/tenants/acme/plan"), "gold")
        .await;
    seed.param(&format!("/{env}/prepstray/tenants/initech"), "stray")
        .await;
    let cfg = Stray::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        cfg.tenants.keys().collect::<Vec<_>>(),
        ["acme"],
        "the load's entries"
    );
    let dir = temp_dir("stray");
    awsconf::tools::prepare::<Stray>(&env, &sdk_config(moto()), &dir)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    awsconf::verify::<Stray>(&dir)
        .unwrap_or_else(|e| panic!("verify asks for an entry the load has not: {e}"));
    let report = awsconf::tools::check::<Stray>(&env, &sdk_config(moto())).await;
    let text = format!("{report:?}");
    assert!(!text.contains("tenants.initech.plan"), "{text}");
}
