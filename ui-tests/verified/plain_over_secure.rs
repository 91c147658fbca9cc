use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "shop")]
struct Shop {
    #[component]
    database: Database,
}

#[derive(AwsConfig)]
struct Database {
    dsn: String,
}

fn main() {}
