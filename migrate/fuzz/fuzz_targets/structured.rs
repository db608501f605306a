//! Generated programs with legacy attributes (see `fuzz_checks::program`), checked like any
//! source (see `fuzz_checks::source`).
#![no_main]

#[path = "../../tests/fuzz_checks/mod.rs"]
mod fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    fuzz_checks::structured(data);
});
