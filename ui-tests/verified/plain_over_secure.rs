use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    #[component]
    database: Database,
}

#[derive(AwsConfig)]
struct Database {
    #[param(name = "password", plaintext)]
    pw: String,
}

fn main() {}
