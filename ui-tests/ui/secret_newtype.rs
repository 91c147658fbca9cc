// A newtype around a String: its derived Debug prints the value.
use awsconf::AwsConfig;

#[derive(awsconf::serde::Deserialize, Debug)]
#[serde(crate = "awsconf::serde")]
struct ApiToken(String);

#[derive(awsconf::serde::Deserialize, Debug, awsconf::Secret)]
#[serde(crate = "awsconf::serde")]
struct Password(String);

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[secret(id = "{env}/api/token")]
    token: ApiToken,
    #[secret(id = "{env}/db/postgres", key = "password")]
    password: Password,
}

fn main() {}
