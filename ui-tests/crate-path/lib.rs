//! The derive with `#[aws_config(crate = "...")]`, in a crate that depends on
//! awsconf under another name (`cfg_renamed`), so `::awsconf` does not resolve.
//! The tests are in `tests/`; this crate has no code of its own.
