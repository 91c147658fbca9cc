use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    max_connections: u32,
    #[param(name = "max-connections")]
    connections: u32,
}

fn main() {}
