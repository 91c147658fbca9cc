use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    db_password: String,
    api_key: Option<String>,
    // Opted out: allowed.
    #[param(plaintext)]
    token_endpoint: String,
}

fn main() {}
