use std::collections::{BTreeMap, HashMap};

use awsconf::{AwsConfig, SecretString};

#[derive(AwsConfig)]
#[aws_config(app = "api")]
struct Config {
    #[secret(id = "{env}/a")]
    list: Vec<String>,
    #[secret(id = "{env}/b")]
    maybe: Option<String>,
    #[secret(id = "{env}/c")]
    map: HashMap<String, String>,
    #[secret(id = "{env}/d")]
    tree: BTreeMap<String, u64>,
    // A map of secrets is fine: its keys are shown, its values are not.
    #[secret(id = "{env}/e")]
    fine: BTreeMap<String, SecretString>,
}

fn main() {}
