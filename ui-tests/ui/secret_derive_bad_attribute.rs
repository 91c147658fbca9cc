use awsconf::SecretString;

#[derive(Debug, awsconf::Secret)]
struct Creds {
    #[secret(id = "x")]
    password: SecretString,
}

fn main() {}
