use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[secret(id = "{env}/db/postgres", plaintext)]
    whole: String,
    #[param(secret, plaintext)]
    token: String,
}

fn main() {}
