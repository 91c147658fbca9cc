//! `#[param(plaintext)]` over a SecureString: the field says the value is not
//! secret, the load reads it, and so the check passes it.
use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    #[component]
    database: Database,
}

#[derive(AwsConfig)]
struct Database {
    #[param(name = "password", plaintext)]
    pw: String,
}

fn main() {}
