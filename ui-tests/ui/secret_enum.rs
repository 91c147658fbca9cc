use awsconf::SecretString;

#[derive(Debug, awsconf::Secret)]
#[secret(plaintext_variant)]
enum Auth {
    None,
    Bearer(String),
    Basic {
        #[secret(plaintext)]
        user: String,
        password: SecretString,
    },
    Pem { private_key: Vec<u8> },
}

fn main() {}
