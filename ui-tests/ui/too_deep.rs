use awsconf::AwsConfig;

// /<env>/<app>/l1/.../l13/value is 16 levels; SSM allows 15.
#[derive(AwsConfig)]
#[aws_config(app = "deep")]
struct Config {
    #[component]
    l1: L1,
}
#[derive(AwsConfig)] struct L1 { #[component] l2: L2 }
#[derive(AwsConfig)] struct L2 { #[component] l3: L3 }
#[derive(AwsConfig)] struct L3 { #[component] l4: L4 }
#[derive(AwsConfig)] struct L4 { #[component] l5: L5 }
#[derive(AwsConfig)] struct L5 { #[component] l6: L6 }
#[derive(AwsConfig)] struct L6 { #[component] l7: L7 }
#[derive(AwsConfig)] struct L7 { #[component] l8: L8 }
#[derive(AwsConfig)] struct L8 { #[component] l9: L9 }
#[derive(AwsConfig)] struct L9 { #[component] l10: L10 }
#[derive(AwsConfig)] struct L10 { #[component] l11: L11 }
#[derive(AwsConfig)] struct L11 { #[component] l12: L12 }
#[derive(AwsConfig)] struct L12 { #[component] l13: L13 }
#[derive(AwsConfig)] struct L13 { value: String }

fn main() {}
