//! Rebuild when a snapshot is added to `.awsconf/` (cargo tracks the files the
//! derive reads through `include_bytes!`, but a new file only through a directory
//! it is told to watch).
fn main() {
    println!("cargo:rerun-if-changed=.awsconf");
    println!("cargo:rerun-if-env-changed=AWSCONF_SNAPSHOTS");
}
