use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[secret(id = "{env}/db/password")]
    password: String,
    #[secret(id = "{env}/api/keys")]
    keys: Option<Vec<String>>,
    // One key that is not secret: allowed.
    #[secret(id = "{env}/db/postgres", key = "port", plaintext)]
    port: u16,
}

fn main() {}
