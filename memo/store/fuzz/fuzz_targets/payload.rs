//! The typed payload decoder on untrusted bytes (see `fuzz_checks::payload`).
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::payload(data));
