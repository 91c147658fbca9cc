use awsconf::AwsConfig;

#[derive(AwsConfig)]
enum Config {
    A,
}

fn main() {}
