use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    db: Db,
    replica: Option<Db>,
}

#[derive(AwsConfig)]
struct Db {
    host: String,
}

fn main() {}
