use awsconf::AwsConfig;

#[derive(AwsConfig)]
#[aws_config(app = "api", colour = "blue")]
struct Config {
    #[param(nme = "host")]
    host: String,
    #[secret(id = "x", stag = "AWSPREVIOUS")]
    key: awsconf::SecretString,
}

fn main() {}
