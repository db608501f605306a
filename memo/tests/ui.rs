//! Compile-time guarantees and their error messages (the messages are part of the product).
#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
