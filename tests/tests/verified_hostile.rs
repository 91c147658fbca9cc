//! Verified builds against hostile and hand-edited snapshots, from a red-team
//! pass: `verify` (the compile-time check's verdicts at run time) never passes
//! silently (a map name not under its prefix, only another app's snapshot, an
//! env that is not its file's name, conflicting records, a second root's
//! `prepare` over the first's file) and says what is wrong.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use awsconf::{AwsConfig, SecretString};
use awsconf_tests::{moto, sdk_config, unique_env, Seed};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rt-verified-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::create_dir_all(&dir);
    dir
}

/// prepare T for env into its own dir, then verify and load; returns (verify, load).
macro_rules! verdicts {
    ($t:ty, $env:expr, $tag:expr) => {{
        let sdk = sdk_config(moto());
        let dir = temp_dir($tag);
        awsconf::tools::prepare::<$t>($env, &sdk, &dir)
            .await
            .unwrap_or_else(|e| panic!("prepare: {e}"));
        let snap = std::fs::read_to_string(dir.join(format!("{}.json", $env))).unwrap_or_default();
        let v = awsconf::verify::<$t>(&dir).map_err(|e| e.to_string());
        let l = <$t>::loader()
            .env($env)
            .sdk_config(&sdk)
            .load()
            .await
            .map(|_| ())
            .map_err(|e| e.to_string());
        eprintln!(
            "== {}\nsnapshot:\n{snap}\nverify: {v:?}\nload:   {l:?}\n",
            $tag
        );
        (v, l)
    }};
}

// ---------------------------------------------------------------- false alarms

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtpt")]
struct PlaintextOverSecure {
    #[param(plaintext)]
    database_url: String,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtvec")]
struct VecOverString {
    hosts: Vec<String>,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtsec")]
struct SecretOverString {
    token: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtoptkey")]
struct OptionalKeyOfPlainSecret {
    #[secret(id = "{env}/rtoptkey/plain", key = "token")]
    token: Option<SecretString>,
}

#[tokio::test]
async fn optional_key_of_a_non_json_secret() {
    let env = unique_env("rtoptkey");
    Seed::new()
        .secret(&format!("{env}/rtoptkey/plain"), "not-json")
        .await;
    let (v, l) = verdicts!(OptionalKeyOfPlainSecret, &env, "optkey");
    assert_eq!(v.is_ok(), l.is_ok(), "verify {v:?} vs load {l:?}");
}

// ---------------------------------------------------------------- misses

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtver")]
struct PinnedVersion {
    #[param(version = 5)]
    port: u16,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtprev")]
struct PreviousKey {
    #[secret(id = "{env}/rtprev/db", key = "password", stage = "AWSPREVIOUS")]
    previous: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtbin")]
struct WholeBinary {
    #[secret(id = "{env}/rtbin/blob")]
    blob: SecretString,
}

// ---------------------------------------------------------------- hostile snapshots

#[derive(AwsConfig, Debug)]
#[aws_config(app = "shop")]
struct Shop {
    port: u16,
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig, Debug)]
struct Tenant {
    plan: String,
}

fn write(dir: &std::path::Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap_or_else(|e| panic!("{e}"));
}

fn verify_shop(tag: &str, files: &[(&str, &str)]) -> Result<(), String> {
    let dir = temp_dir(tag);
    for (f, t) in files {
        write(&dir, f, t);
    }
    let r = awsconf::verify::<Shop>(&dir).map_err(|e| e.to_string());
    eprintln!("== {tag}: {r:?}");
    r
}

/// `port` is required and absent: any honest check fails.
const MISSING_PORT: &str = r#"{"format":1,"env":"production","app":"shop","config":"Shop",
 "parameters":[{"name":"/production/shop/port","exists":false}],"maps":[],"secrets":[]}"#;

#[test]
fn baseline_missing_port_is_reported() {
    assert!(verify_shop("base", &[("production.json", MISSING_PORT)]).is_err());
}

/// A map name not under its prefix, whose split point falls inside a UTF-8
/// character: the key is not UTF-8, the report's buffer is not UTF-8, and every
/// message (the missing `port` too) is lost.
#[test]
fn a_map_name_not_under_its_prefix_is_refused_not_a_silent_pass() {
    let snap = r#"{"format":1,"env":"production","app":"shop","config":"Shop",
 "parameters":[{"name":"/production/shop/port","exists":false}],
 "maps":[{"prefix":"/production/shop/tenants","names":["/production/shop/tenantxé/plan"]}],
 "secrets":[]}"#;
    let r = verify_shop("utf8", &[("production.json", snap)]);
    assert!(r.is_err(), "SILENT PASS: port is missing, verify says Ok");
}

#[test]
fn only_another_apps_snapshot_is_an_error_not_a_silent_pass() {
    let other = MISSING_PORT.replace(r#""app":"shop""#, r#""app":"other""#);
    let r = verify_shop("otherapp", &[("production.json", &other)]);
    assert!(
        r.is_err(),
        "SILENT PASS: no snapshot of app shop was checked"
    );
}

#[test]
fn a_snapshot_whose_env_is_not_its_file_name_is_refused() {
    // staging.json copied from production.json: staging is never checked.
    let ok = r#"{"format":1,"env":"production","app":"shop","config":"Shop",
 "parameters":[{"name":"/production/shop/port","exists":true,"type":"String"}],"maps":[],"secrets":[]}"#;
    let r = verify_shop("envname", &[("production.json", ok), ("staging.json", ok)]);
    assert!(
        r.is_err(),
        "SILENT: staging.json holds env production; no error"
    );
}

#[test]
fn conflicting_records_and_duplicate_keys_are_refused() {
    let snap = r#"{"format":1,"env":"production","app":"shop","config":"Shop",
 "parameters":[{"name":"/production/shop/port","exists":true,"type":"String"},
               {"name":"/production/shop/port","exists":false}],"maps":[],"secrets":[]}"#;
    let r1 = verify_shop("dup", &[("production.json", snap)]);
    let snap = r#"{"format":1,"env":"production","env":"staging","app":"shop","config":"Shop",
 "parameters":[{"name":"/staging/shop/port","exists":true,"type":"String"}],"maps":[],"secrets":[]}"#;
    let r2 = verify_shop("dupkey", &[("production.json", snap)]);
    assert!(
        r1.is_err(),
        "SILENT: two conflicting records for one name accepted"
    );
    assert!(r2.is_err(), "SILENT: duplicate JSON key `env` accepted");
}

#[test]
fn malformed_snapshots_are_clear_errors() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("notjson", b"{".to_vec()),
        ("array", b"[]".to_vec()),
        ("empty", b"".to_vec()),
        ("nonutf8", b"{\"format\":1,\"env\":\"\xff\"}".to_vec()),
        ("nofield", br#"{"format":1}"#.to_vec()),
        ("wrongtype", br#"{"format":1,"env":1,"app":"shop","config":"x","parameters":[],"maps":[],"secrets":[]}"#.to_vec()),
        ("format2", br#"{"format":2,"env":"p","app":"shop","config":"x","parameters":[],"maps":[],"secrets":[]}"#.to_vec()),
        ("badtype", br#"{"format":1,"env":"p","app":"shop","config":"x","parameters":[{"name":"/p/shop/port","exists":true,"type":"Integer"}],"maps":[],"secrets":[]}"#.to_vec()),
    ];
    for (tag, bytes) in cases {
        let dir = temp_dir(tag);
        std::fs::write(dir.join("p.json"), &bytes).unwrap_or_else(|e| panic!("{e}"));
        let r = awsconf::verify::<Shop>(&dir).map_err(|e| e.to_string());
        eprintln!("== {tag}: {r:?}");
        assert!(r.is_err(), "{tag}");
    }
}

#[test]
fn a_mistyped_version_is_refused() {
    let snap = r#"{"format":1,"env":"production","app":"shop","config":"Shop","extra":"x",
 "parameters":[{"name":"/production/shop/port","exists":true,"type":"String","version":"seven","typo":1}],
 "maps":[],"secrets":[]}"#;
    let r = verify_shop("unknown", &[("production.json", snap)]);
    let text = r.err().unwrap_or_default();
    assert!(text.contains("\"version\" is not an integer"), "{text}");
}

#[test]
fn thousands_of_problems_are_all_counted() {
    let mut names = Vec::new();
    for i in 0..3000 {
        names.push(format!("\"/production/shop/tenants/t{i:05}/other\""));
    }
    let snap = format!(
        r#"{{"format":1,"env":"production","app":"shop","config":"Shop",
 "parameters":[{{"name":"/production/shop/port","exists":true,"type":"String"}}],
 "maps":[{{"prefix":"/production/shop/tenants","names":[{}]}}],"secrets":[]}}"#,
        names.join(",")
    );
    let r = verify_shop("many", &[("production.json", &snap)]);
    let text = r.err().unwrap_or_default();
    let lines = text.lines().count();
    let tail = text.lines().last().unwrap_or("");
    assert!(
        lines >= 3000 || (lines > 100 && tail.contains("more problems")),
        "{lines} lines, tail: {tail}"
    );
}

#[test]
fn hundred_thousand_parameters_and_a_50mb_file() {
    let mut params = Vec::new();
    for i in 0..100_000 {
        params.push(format!(
            r#"{{"name":"/production/shop/x/{i:06}/{}","exists":true,"type":"String"}}"#,
            "n".repeat(400)
        ));
    }
    params.push(r#"{"name":"/production/shop/port","exists":true,"type":"String"}"#.into());
    let snap = format!(
        r#"{{"format":1,"env":"production","app":"shop","config":"Shop","parameters":[{}],"maps":[],"secrets":[]}}"#,
        params.join(",")
    );
    eprintln!("size {} MB", snap.len() / 1_000_000);
    let t = std::time::Instant::now();
    let r = verify_shop("huge", &[("production.json", &snap)]);
    eprintln!(
        "huge: {:?} in {:?}",
        r.as_ref().map_err(|e| &e[..e.len().min(200)]),
        t.elapsed()
    );
    assert!(r.is_ok());
}

#[test]
fn hostile_strings_in_names() {
    let snap = r#"{"format":1,"env":"production\n`\"{}{{","app":"shop","config":"Shop",
 "parameters":[],"maps":[],"secrets":[]}"#;
    let r = verify_shop("hostile", &[("production.json", snap)]);
    eprintln!("hostile: {r:?}");
    assert!(r.is_err());
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtroota")]
struct RootA {
    port: u16,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "rtrootb")]
struct RootB {
    #[param(default = 1)]
    workers: u16,
}

/// Two root structs in one crate, both prepared into one directory: the second
/// `prepare` used to overwrite the first's `ENV.json`, and the first root was
/// then checked against nothing. Now it refuses, and the first's check stands.
#[tokio::test]
async fn a_second_roots_prepare_does_not_replace_the_firsts_snapshot() {
    let env = unique_env("rtroots");
    let sdk = sdk_config(moto());
    let dir = temp_dir("roots");
    awsconf::tools::prepare::<RootA>(&env, &sdk, &dir)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        awsconf::verify::<RootA>(&dir).is_err(),
        "RootA's port is absent"
    );
    let file = dir.join(format!("{env}.json"));
    let before = std::fs::read_to_string(&file).unwrap_or_default();
    let err = awsconf::tools::prepare::<RootB>(&env, &sdk, &dir)
        .await
        .expect_err("another app's snapshot is not replaced")
        .to_string();
    assert!(err.contains("is the snapshot of app `rtroota`"), "{err}");
    assert_eq!(std::fs::read_to_string(&file).unwrap_or_default(), before);
    assert!(awsconf::verify::<RootA>(&dir).is_err(), "still checked");
    assert!(
        awsconf::verify::<RootB>(&dir).is_err(),
        "no snapshot of RootB's app: not a silent pass"
    );
}
