//! Arbitrary bytes as a `.rs` file (see `fuzz_checks::source` for the properties).
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_checks::raw(data);
});
