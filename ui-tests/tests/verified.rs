//! Verified builds: a root struct is checked at compile time against the environment
//! snapshots in `ui-tests/snapshots/` (`AWSCONF_SNAPSHOTS`), with no AWS variable set.
//! The matching struct compiles; each wrong one fails, naming the field, the SSM
//! name or secret id, and the environment.

#[test]
fn structs_are_checked_against_every_snapshot_at_compile_time() {
    let snapshots = concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots");
    // trybuild's cargo inherits this process's environment.
    std::env::set_var("AWSCONF_SNAPSHOTS", snapshots);
    for (name, _) in std::env::vars() {
        if name.starts_with("AWS_") {
            std::env::remove_var(name);
        }
    }
    let t = trybuild::TestCases::new();
    t.pass("verified/ok.rs");
    t.pass("verified/ok_plaintext_over_secure.rs");
    t.compile_fail("verified/[!o]*.rs");
}
