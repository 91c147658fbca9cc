// #[derive(awsconf::Secret)] on structs, tuple structs, newtypes, enums and a
// generic struct, with #[secret(plaintext)] on the fields that are not secret.
use std::collections::BTreeMap;

use awsconf::{AwsConfig, ExposeSecret, Secret, SecretBox, SecretString};

#[derive(awsconf::serde::Deserialize, Debug, Secret)]
#[serde(crate = "awsconf::serde")]
pub struct DbCredentials {
    #[secret(plaintext)]
    pub username: String,
    #[secret(plaintext)]
    pub port: u16,
    pub password: SecretString,
}

#[derive(awsconf::serde::Deserialize, Debug, Secret)]
#[serde(crate = "awsconf::serde")]
pub struct Password(SecretString);

#[derive(awsconf::serde::Deserialize, Debug, Secret)]
#[serde(crate = "awsconf::serde")]
pub struct Pair(#[secret(plaintext)] String, SecretString);

#[derive(awsconf::serde::Deserialize, Debug, Secret)]
#[serde(crate = "awsconf::serde")]
pub struct Nested {
    pub credentials: DbCredentials,
    pub extra: Option<Vec<Password>>,
    pub by_name: BTreeMap<String, Box<SecretString>>,
}

#[derive(awsconf::serde::Deserialize, Debug, Secret)]
#[serde(crate = "awsconf::serde")]
#[secret(plaintext_variant)]
pub enum Auth {
    None,
    Bearer(SecretString),
    Basic {
        #[secret(plaintext)]
        user: String,
        password: SecretString,
    },
}

#[derive(Debug, Secret)]
pub struct Labeled<T> {
    #[secret(plaintext)]
    pub label: &'static str,
    pub value: T,
}

#[derive(AwsConfig, Debug)]
#[aws_config(app = "api")]
pub struct Config {
    #[secret(id = "{env}/db/postgres")]
    pub credentials: DbCredentials,
    #[secret(id = "{env}/db/postgres", key = "password")]
    pub password: Password,
    #[secret(id = "{env}/db/postgres", key = "port", plaintext)]
    pub port: u16,
    #[secret(id = "{env}/auth")]
    pub auth: Option<Auth>,
    #[secret(id = "{env}/nested")]
    pub nested: Nested,
    #[param(json)]
    pub pair: Pair,
    #[param(plaintext)]
    pub database_url: String,
}

fn assert_secret<T: Secret>() {}

fn main() {
    assert_secret::<Labeled<SecretString>>();
    assert_secret::<SecretBox<[u8]>>();
    assert_secret::<awsconf::SecretSlice<u8>>();
    assert_secret::<Option<Vec<Password>>>();
    let fields = <Config as AwsConfig>::schema().fields;
    let secret = |name: &str| fields.iter().any(|f| f.ident == name && f.is_secret());
    assert!(secret("credentials") && secret("password") && secret("pair"));
    assert!(!secret("database_url"));
    let creds = DbCredentials {
        username: "app".into(),
        port: 5432,
        password: SecretString::from("hunter2-\"quoted\"\n"),
    };
    let shown = format!("{creds:?}");
    assert!(shown.contains("app") && !shown.contains("hunter2"));
    assert_eq!(creds.password.expose_secret(), "hunter2-\"quoted\"\n");
}
