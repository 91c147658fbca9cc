//! The `acme` tenant has no `seats`; `globex` has.
use std::collections::BTreeMap;

use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    #[component]
    tenants: BTreeMap<String, Tenant>,
}

#[derive(AwsConfig)]
struct Tenant {
    seats: u32,
}

fn main() {}
