use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[param(plaintext)]
    password: SecretString,
}

fn main() {}
