//! The shortest end-to-end use of `#[memo]`: a repeated call is a hit, and an argument whose
//! name starts with `_` is left out of the key.

use memo::memo;

#[memo]
fn double(x: u64, _ignored: &str) -> u64 {
    x * 2
}

#[test]
fn smoke() {
    assert_eq!(double(2, "a"), 4);
    assert_eq!(double(2, "b"), 4);
    assert_eq!(double::stats().hits, 1);
}
