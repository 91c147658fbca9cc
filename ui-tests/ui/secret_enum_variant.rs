// An enum's Debug prints the variant the secret picked: for a unit variant,
// the secret's value itself. Without #[secret(plaintext_variant)] the derive
// refuses it; a struct may not say it.
use awsconf::SecretString;

#[derive(Debug, awsconf::Secret)]
enum Tier {
    Free,
    Gold,
}

#[derive(Debug, awsconf::Secret)]
enum Auth {
    Bearer(SecretString),
}

#[derive(Debug, awsconf::Secret)]
#[secret(plaintext_variant)]
struct Creds {
    password: SecretString,
}

fn main() {}
