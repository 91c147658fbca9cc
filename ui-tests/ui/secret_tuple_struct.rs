use awsconf::SecretString;

#[derive(Debug, awsconf::Secret)]
struct Pair(SecretString, String);

fn main() {}
