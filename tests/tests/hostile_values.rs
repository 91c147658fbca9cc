//! Hostile and odd values, stored in moto and read through the real SDK: each one
//! either arrives as the documented value or is one clear problem, never a panic,
//! and a secret's value is never quoted.

#![allow(dead_code)]

use awsconf::{AwsConfig, ExposeSecret, ProblemKind, SecretBox, SecretString};
use awsconf_tests::{moto, problems, sdk_config, unique_env, Fault, Proxy, Rule, Seed};
use serde::Deserialize;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "text")]
struct Text {
    name: String,
    motd: String,
    padded: String,
    initial: char,
    password: SecretString,
}

/// Text is taken byte for byte: unicode, newlines, tabs and surrounding spaces
/// are kept (a `String` is never trimmed).
#[tokio::test]
async fn unicode_newlines_and_spaces_in_text_arrive_unchanged() {
    let env = unique_env("text");
    let seed = Seed::new();
    let p = format!("/{env}/text");
    seed.param(&format!("{p}/name"), "Zoë 🚀 日本語 \u{202e}rtl")
        .await;
    seed.param(&format!("{p}/motd"), "line 1\nline 2\r\n\tindented")
        .await;
    seed.param(&format!("{p}/padded"), "  padded  ").await;
    seed.param(&format!("{p}/initial"), "é").await;
    seed.secure(&format!("{p}/password"), "pässwörd\n🔑").await;
    let config = Text::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.name, "Zoë 🚀 日本語 \u{202e}rtl");
    assert_eq!(config.motd, "line 1\nline 2\r\n\tindented");
    assert_eq!(config.padded, "  padded  ");
    assert_eq!(config.initial, 'é');
    assert!(config.password.expose_secret() == "pässwörd\n🔑");
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "lists")]
struct Lists {
    hosts: Vec<String>,
    sparse: Vec<String>,
    words: Vec<String>,
    csv: String,
    #[param(json)]
    with_commas: Vec<String>,
}

/// A `Vec<String>` read from a StringList splits on every comma (SSM has no
/// escape for a comma inside an item); empty items are kept. A list whose items
/// hold commas is stored as JSON with `#[param(json)]`. A plain `String` keeps
/// its commas.
#[tokio::test]
async fn a_stringlist_splits_on_commas_and_a_json_list_carries_them() {
    let env = unique_env("lists");
    let seed = Seed::new();
    let p = format!("/{env}/lists");
    seed.list(&format!("{p}/hosts"), "a.example,b.example")
        .await;
    seed.list(&format!("{p}/sparse"), "a,,b").await;
    seed.list(&format!("{p}/words"), "ä,ö,ü").await;
    seed.param(&format!("{p}/csv"), "a,b,c").await;
    seed.param(&format!("{p}/with-commas"), r#"["a,b","c"]"#)
        .await;
    let config = Lists::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.hosts, vec!["a.example", "b.example"]);
    assert_eq!(config.sparse, vec!["a", "", "b"]);
    assert_eq!(config.words, vec!["ä", "ö", "ü"]);
    assert_eq!(config.csv, "a,b,c");
    assert_eq!(config.with_commas, vec!["a,b", "c"]);
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "signed")]
struct Signed {
    a: i64,
    b: i32,
    c: f64,
    d: i8,
    e: f64,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "spaced")]
struct Spaced {
    port: u16,
    count: u32,
    enabled: bool,
    ratio: f64,
    ports: Vec<u16>,
}

/// Signs are read as Rust reads them (`-42`, `+7`); an explicit `-inf` is taken
/// as written. Spaces around a number or bool are an error that says so, and a
/// negative number for an unsigned field is out of range.
#[tokio::test]
async fn signed_numbers_parse_and_surrounding_spaces_are_named() {
    let env = unique_env("signed");
    let seed = Seed::new();
    let p = format!("/{env}/signed");
    seed.param(&format!("{p}/a"), "-42").await;
    seed.param(&format!("{p}/b"), "+7").await;
    seed.param(&format!("{p}/c"), "-2.5e3").await;
    seed.param(&format!("{p}/d"), "-128").await;
    seed.param(&format!("{p}/e"), "-inf").await;
    let config = Signed::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (config.a, config.b, config.c, config.d),
        (-42, 7, -2500.0, -128)
    );
    assert_eq!(config.e, f64::NEG_INFINITY);

    let p = format!("/{env}/spaced");
    seed.param(&format!("{p}/port"), " 8080").await;
    seed.param(&format!("{p}/count"), "-1").await;
    seed.param(&format!("{p}/enabled"), "true ").await;
    seed.param(&format!("{p}/ratio"), "1.5\n").await;
    seed.list(&format!("{p}/ports"), "80, 443").await;
    let err = Spaced::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("spaces");
    let mut got = problems(&err);
    got.sort();
    assert_eq!(
        got,
        vec![
            format!("count ({p}/count): -1 is out of range for u32"),
            format!("enabled ({p}/enabled): \"true \" is not a valid bool (expected true or false)"),
            format!("port ({p}/port): \" 8080\" is not a valid u16: remove the spaces around it"),
            format!("ports ({p}/ports): StringList item 2 (\" 443\") has spaces around it; write the list as a,b,c (field type Vec<u16>)"),
            format!("ratio ({p}/ratio): \"1.5\\n\" is not a valid f64: remove the spaces around it"),
        ]
    );
    assert!(err
        .problems()
        .iter()
        .all(|p| p.kind() == ProblemKind::Invalid));
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "over")]
struct Overflow {
    a: u16,
    b: i64,
    c: u128,
    d: f32,
    e: f64,
    f: i128,
}

/// Integers beyond their type, and finite floats a float can only hold as
/// infinity, are out of range (never wrapped, saturated or made infinite).
#[tokio::test]
async fn numbers_overflowing_their_field_type_are_out_of_range() {
    let env = unique_env("over");
    let seed = Seed::new();
    let p = format!("/{env}/over");
    seed.param(&format!("{p}/a"), "65536").await;
    seed.param(&format!("{p}/b"), "9223372036854775808").await;
    seed.param(&format!("{p}/c"), "340282366920938463463374607431768211456")
        .await;
    seed.param(&format!("{p}/d"), "1e39").await;
    seed.param(&format!("{p}/e"), "-1e309").await;
    seed.param(
        &format!("{p}/f"),
        "-170141183460469231731687303715884105729",
    )
    .await;
    let err = Overflow::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("overflow");
    let mut got = problems(&err);
    got.sort();
    assert_eq!(
        got,
        vec![
            format!("a ({p}/a): 65536 is out of range for u16"),
            format!("b ({p}/b): 9223372036854775808 is out of range for i64"),
            format!("c ({p}/c): 340282366920938463463374607431768211456 is out of range for u128"),
            format!("d ({p}/d): 1e39 is out of range for f32"),
            format!("e ({p}/e): -1e309 is out of range for f64"),
            format!("f ({p}/f): -170141183460469231731687303715884105729 is out of range for i128"),
        ]
    );
}

#[derive(Deserialize, Debug, awsconf::Secret)]
struct Creds {
    #[secret(plaintext)]
    username: String,
    password: SecretString,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "deep")]
struct Deep {
    #[param(json)]
    tree: serde_json::Value,
    #[param(json)]
    shallow: serde_json::Value,
    #[secret(id = "{env}/deep/creds")]
    creds: Creds,
}

/// JSON nested 200 deep passes serde_json's recursion limit (128): a problem,
/// not a stack overflow, for a parameter and for a secret alike (the secret's
/// message does not quote it). 100 deep is fine.
#[tokio::test]
async fn json_nested_200_deep_is_a_clear_problem_not_a_crash() {
    let env = unique_env("deep");
    let seed = Seed::new();
    let p = format!("/{env}/deep");
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    seed.param(&format!("{p}/tree"), &deep(200)).await;
    seed.param(&format!("{p}/shallow"), &deep(100)).await;
    seed.secret(
        &format!("{env}/deep/creds"),
        &format!(r#"{{"username":{},"password":"x"}}"#, deep(200)),
    )
    .await;
    let err = Deep::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("too deep");
    let mut got = problems(&err);
    got.sort();
    assert_eq!(
        got,
        vec![
            format!("creds (secret {env}/deep/creds): the secret is not a valid Creds: not valid JSON: recursion limit exceeded at line 1 column 139 (the value is not shown)"),
            format!("tree ({p}/tree): not valid JSON: recursion limit exceeded at line 1 column 128 (field type serde_json::Value)"),
        ]
    );
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "big")]
struct BigSecret {
    #[secret(id = "{env}/big/creds")]
    creds: Creds,
}

/// A JSON secret of exactly 65,536 bytes, Secrets Manager's limit, loads into its
/// struct.
#[tokio::test]
async fn a_64_kib_json_secret_loads_into_its_struct() {
    let env = unique_env("big");
    let frame = r#"{"username":"svc","password":""}"#.len();
    let password = "p".repeat(65_536 - frame);
    let json = format!(r#"{{"username":"svc","password":"{password}"}}"#);
    assert_eq!(json.len(), 65_536);
    Seed::new().secret(&format!("{env}/big/creds"), &json).await;
    let config = BigSecret::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(config.creds.username, "svc");
    assert_eq!(config.creds.password.expose_secret().len(), password.len());
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "empty")]
struct EmptySecret {
    #[secret(id = "{env}/empty/key")]
    key: SecretString,
    #[secret(id = "{env}/empty/key", key = "password")]
    password: Option<SecretString>,
}

/// An empty SecretString is a placeholder, not a secret. moto stores `""` as no
/// value at all (reported as such); a service that hands over an empty
/// SecretString gets one problem naming every field that reads it.
#[tokio::test]
async fn an_empty_secret_string_is_a_clear_problem() {
    let env = unique_env("empty");
    let id = format!("{env}/empty/key");
    Seed::new().secret(&id, "").await;
    let err = EmptySecret::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("empty in moto");
    assert_eq!(
        problems(&err),
        vec![format!(
            "key (secret {id}): required: the secret exists but has no value in stage AWSCURRENT, and no local layer sets it"
        )]
    );

    let proxy = Proxy::start(moto()).expect("proxy");
    proxy.add_rule(Rule::always(
        Some("BatchGetSecretValue"),
        Fault::Respond {
            status: 200,
            body: format!(
                r#"{{"SecretValues":[{{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:{id}-AbCdEf","Name":"{id}","SecretString":"","VersionId":"v1","VersionStages":["AWSCURRENT"]}}],"Errors":[]}}"#
            ),
        },
    ));
    let err = EmptySecret::loader()
        .env(&env)
        .sdk_config(&sdk_config(&proxy.endpoint()))
        .load()
        .await
        .expect_err("empty from the service");
    assert_eq!(
        problems(&err),
        vec![format!(
            "{{key,password}} (secret {id}): the secret's SecretString is empty; put a value with PutSecretValue"
        )]
    );
    assert_eq!(err.problems()[0].kind(), ProblemKind::Unavailable);
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "bin")]
struct Binary {
    #[secret(id = "{env}/bin/blob")]
    bytes: SecretBox<Vec<u8>>,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "bin")]
struct BinaryAsText {
    #[secret(id = "{env}/bin/blob")]
    creds: Creds,
}

/// A SecretBinary that is not UTF-8 arrives byte for byte in a
/// `SecretBox<Vec<u8>>`; read as a struct it is a problem that says it is binary,
/// without its bytes. (Into a `SecretString`: `tests/secrets.rs`.)
#[tokio::test]
async fn invalid_utf8_secret_binary_is_bytes_not_text() {
    let env = unique_env("bin");
    let blob = [0xff, 0xfe, 0x00, 0xc3, 0x28];
    Seed::new()
        .secret_binary(&format!("{env}/bin/blob"), &blob)
        .await;
    let config = Binary::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(config.bytes.expose_secret().as_slice() == blob);

    let err = BinaryAsText::loader()
        .env(&env)
        .sdk_config(&sdk_config(moto()))
        .load()
        .await
        .expect_err("binary as struct");
    assert_eq!(
        problems(&err),
        vec![format!(
            "creds (secret {env}/bin/blob): the secret is SecretBinary, not text, so it is not a valid Creds (the value is not shown)"
        )]
    );
}
