// A value nested one level down: the inner struct must be a Secret too.
use awsconf::SecretString;

#[derive(Debug)]
struct Inner {
    value: String,
}

#[derive(Debug, awsconf::Secret)]
struct Outer {
    credentials: Inner,
    #[secret(plaintext)]
    region: String,
    key: SecretString,
}

fn main() {}
