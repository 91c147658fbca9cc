// A JSON secret read into a struct of the user's: the struct must be an
// awsconf::Secret, and every field of it a Secret or #[secret(plaintext)].
use awsconf::{AwsConfig, SecretString};

#[derive(awsconf::serde::Deserialize, Debug)]
#[serde(crate = "awsconf::serde")]
struct DbCredentials {
    username: String,
    password: String,
}

// Derives Secret, but `password` is a plain String.
#[derive(awsconf::serde::Deserialize, Debug, awsconf::Secret)]
#[serde(crate = "awsconf::serde")]
struct PemKey {
    #[secret(plaintext)]
    name: String,
    private_key: String,
}

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[secret(id = "{env}/db/postgres")]
    credentials: DbCredentials,
    #[secret(id = "{env}/tls")]
    tls: PemKey,
    #[secret(id = "{env}/ok")]
    fine: SecretString,
}

fn main() {}
