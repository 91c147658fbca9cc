use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Api {
    #[param(default = "eighty")]
    port: u16,
    #[param(default = 5)]
    host: Option<String>,
}

fn main() {}
