use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[secret(id = "{env}/stripe key")]
    stripe: SecretString,
    #[secret(id = "{region}/db")]
    db: SecretString,
    #[secret(id = "{env}/db", stage = "AWSPREVIOUS", version_id = "0123456789abcdef0123456789abcdef")]
    pinned: SecretString,
}

fn main() {}
