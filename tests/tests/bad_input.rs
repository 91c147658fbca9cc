//! Every bad input gets a clear problem naming the field and its SSM name, all
//! at once, and never a partial config.

#![allow(dead_code)]

use std::time::Duration;

use awsconf::figment::providers::{Format, Toml};
use awsconf::{AwsConfig, Location, ProblemKind};
use awsconf_tests::{moto, problems, sdk_config, unique_env, Seed};
use serde::Deserialize;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "bad")]
struct Bad {
    port: u16,
    enabled: bool,
    small: u8,
    hosts: Vec<String>,
    #[param(json)]
    limits: Limits,
    name: String,
    #[component]
    db: Db,
}

#[derive(AwsConfig, Debug)]
struct Db {
    host: String,
    #[param(default = 5432)]
    port: u16,
}

#[derive(Deserialize, Debug)]
struct Limits {
    #[allow(dead_code)]
    rps: u32,
}

#[tokio::test]
async fn every_bad_value_and_missing_parameter_is_reported_at_once() {
    let env = unique_env("bad");
    let seed = Seed::new();
    let p = format!("/{env}/bad");
    seed.param(&format!("{p}/port"), "abc").await;
    seed.param(&format!("{p}/enabled"), "yes").await;
    seed.param(&format!("{p}/small"), "300").await;
    seed.list(&format!("{p}/hosts"), "a, b").await;
    seed.param(&format!("{p}/limits"), "{rps: 5").await;
    // name and db/host are missing; an undeclared parameter is ignored.
    seed.param(&format!("{p}/not-declared"), "whatever").await;

    let err = Bad::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("bad values");
    let mut got = problems(&err);
    got.sort();
    let mut want = vec![
        format!("port ({p}/port): \"abc\" is not a valid u16"),
        format!("enabled ({p}/enabled): \"yes\" is not a valid bool (expected true or false)"),
        format!("small ({p}/small): 300 is out of range for u8"),
        format!("hosts ({p}/hosts): StringList item 2 (\" b\") has spaces around it; write the list as a,b,c (field type Vec<String>)"),
        format!("limits ({p}/limits): not valid JSON: key must be a string at line 1 column 2 (field type Limits)"),
        format!("name ({p}/name): required parameter not found in Parameter Store, and no local layer sets it"),
        format!("db.host ({p}/db/host): required parameter not found in Parameter Store, and no local layer sets it"),
    ];
    want.sort();
    assert_eq!(got, want);
    assert!(err
        .problems()
        .iter()
        .all(|p| p.field_path().is_some() && p.location().is_some()));
    let kinds: Vec<ProblemKind> = err.problems().iter().map(|p| p.kind()).collect();
    assert_eq!(
        kinds.iter().filter(|k| **k == ProblemKind::Missing).count(),
        2
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == ProblemKind::Invalid).count(),
        5
    );
    let display = err.to_string();
    assert!(
        display.starts_with(&format!(
            "could not load Bad for env `{env}`: 7 problems\n  - "
        )),
        "{display}"
    );
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "nums")]
struct Nums {
    a: i32,
    b: u64,
    c: Option<i8>,
    d: f32,
}

#[tokio::test]
async fn integers_overflowing_their_type_and_empty_values_are_named() {
    let env = unique_env("nums");
    let seed = Seed::new();
    let p = format!("/{env}/nums");
    seed.param(&format!("{p}/a"), "2147483648").await;
    seed.param(&format!("{p}/b"), "-1").await;
    seed.param(&format!("{p}/c"), "-129").await;
    // An empty value cannot be stored in SSM; a local layer can hand one over.
    let err = Nums::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .merge(Toml::string("d = \"\""))
        .load()
        .await
        .expect_err("overflow");
    let mut got = problems(&err);
    got.sort();
    assert_eq!(
        got,
        vec![
            format!("a ({p}/a): 2147483648 is out of range for i32"),
            format!("b ({p}/b): -1 is out of range for u64"),
            format!("c ({p}/c): -129 is out of range for i8"),
            "d (TOML source string: d): empty value is not a valid f32".to_string(),
        ]
    );
}

#[tokio::test]
async fn endpoint_not_running_is_a_clear_connection_problem_not_a_hang() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let env = unique_env("down");
    let err = Nums::loader()
        .env(&env)
        .sdk_config(&sdk_config(&format!("http://127.0.0.1:{port}")))
        .timeout(Duration::from_secs(20))
        .load()
        .await
        .expect_err("nothing listens");
    let p = &err.problems()[0];
    assert_eq!(p.kind(), ProblemKind::Unreachable, "{err}");
    assert!(
        p.message()
            .starts_with("could not reach the AWS endpoint for ssm:GetParameters: "),
        "{err}"
    );
    assert!(p.message().contains("Connection refused"), "{err}");
    // The call's four names, typed, shown under their common prefix.
    let Some(Location::Parameters { names }) = p.location() else {
        panic!("{err}");
    };
    assert_eq!(names.len(), 4, "{names:?}");
    assert_eq!(
        p.location().map(ToString::to_string),
        Some(format!("/{env}/nums/{{a,b,c,d}}"))
    );
    assert!(
        std::error::Error::source(p).is_some(),
        "the SDK error is kept as source"
    );
    assert_eq!(
        err.problems().len(),
        1,
        "no follow-on 'missing' problems: {err}"
    );
}
