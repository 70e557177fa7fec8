//! Compile-time diagnostics of `network!`: every rejected input has a case in
//! `tests/ui/fail/` with the exact compiler output in its `.stderr`, and every
//! accepted syntax form has a case in `tests/ui/pass/` that also runs.
//!
//! After changing a message: `TRYBUILD=overwrite cargo test --test ui`, then
//! read the diff of the `.stderr` files.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
