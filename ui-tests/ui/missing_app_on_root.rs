use awsconf::AwsConfig;

#[derive(AwsConfig)]
struct Database {
    host: String,
}

async fn load() {
    let _ = Database::loader().env("production").load().await;
}

fn main() {
    let _ = load();
}
