//! `region-name` exists in staging, not in production.
use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    region_name: String,
}

fn main() {}
