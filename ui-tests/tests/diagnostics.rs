//! Compile-time diagnostics: one case per error the derive reports (`ui/`), and
//! the secret shapes that must compile and run (`pass/`: an alias of
//! `SecretString`, `#[derive(awsconf::Secret)]` structs with plaintext fields,
//! the README's own code).

#[test]
fn derive_diagnostics() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("pass/*.rs");
}
