use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api", rename_all = "kebab")]
struct Config {
    host: String,
}

fn main() {}
