use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[secret(id = "{env}/db/password")]
    password: String,
    #[secret(id = "{env}/api/keys")]
    keys: Option<Vec<String>>,
    #[secret(id = "{env}/db/postgres", plaintext)]
    whole: String,
    #[param(secret, plaintext)]
    token: String,
}

fn main() {}
