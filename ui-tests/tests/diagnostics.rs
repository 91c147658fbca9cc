//! Compile-time diagnostics: one case per error the derive reports.

#[test]
fn derive_diagnostics() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
}
