use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "aws-tools")]
struct Config {
    #[param(name = "SSM-agent")]
    agent: String,
}

fn main() {}
