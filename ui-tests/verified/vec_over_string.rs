use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    owners: Vec<String>,
}

fn main() {}
