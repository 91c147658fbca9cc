// `#[param(secret)]` on a type that is not a Secret: an alias of String.
use awsconf::AwsConfig;

type Token = String;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[param(secret)]
    token: Token,
    #[param(secret)]
    database_url: String,
}

fn main() {}
