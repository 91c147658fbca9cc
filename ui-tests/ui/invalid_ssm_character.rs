use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "my app")]
struct Config {
    #[param(name = "db/host")]
    host: String,
    #[param(name = "port!")]
    port: u16,
}

fn main() {}
