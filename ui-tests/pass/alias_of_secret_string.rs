// An alias of SecretString is a Secret through the alias: no attribute needed,
// and `#[param(secret)]` on it still compiles.
use awsconf::{AwsConfig, SecretString};

type DbPassword = SecretString;
type Tokens = Vec<DbPassword>;

#[derive(AwsConfig, Debug)]
#[aws_config(app = "api")]
struct Config {
    password: DbPassword,
    #[param(secret)]
    legacy: DbPassword,
    #[secret(id = "{env}/api/tokens")]
    tokens: Tokens,
}

fn main() {
    let fields = <Config as AwsConfig>::schema().fields;
    assert!(fields.iter().all(|f| f.is_secret()));
}
