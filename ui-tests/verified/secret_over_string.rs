use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    owners: SecretString,
}

fn main() {}
