//! The entry decoder on untrusted bytes (see `fuzz_checks::entry` for the properties).
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::entry(data));
