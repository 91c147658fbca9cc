use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[param]
    #[secret(id = "x")]
    key: SecretString,
}

fn main() {}
