use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    #[secret(id = "{env}/shop/db", key = "token")]
    db_token: SecretString,
}

fn main() {}
