//! The fuzz targets' checks on the stable toolchain, inside `cargo test`: the committed corpus
//! (inputs the fuzzer kept, and every input that once crashed it) replayed, plus random inputs.

mod fuzz_checks;

use std::path::Path;

use proptest::prelude::*;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "{} fails the check", path.display());
        n += 1;
    }
    n
}

#[test]
fn entry_corpus_replays() {
    assert!(replay("entry", fuzz_checks::entry) >= 10, "corpus present");
}

#[test]
fn payload_corpus_replays() {
    assert!(
        replay("payload", fuzz_checks::payload) >= 10,
        "corpus present"
    );
}

#[test]
fn the_input_that_asked_for_4_gib_is_an_error() {
    // Found by the payload target: a string announcing 0xff00fb60 bytes in a 5-byte input made
    // bincode allocate them before noticing they were missing.
    let input = [0xfc, 0x60, 0xfb, 0x00, 0xff];
    assert!(cache_store::persist::codec::decode::<String>(&input).is_err());
    fuzz_checks::payload(&input);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // `Boxed(Boxed(...))`: variant 4 a hundred thousand times.
    let input = vec![4u8; 100_000];
    assert!(cache_store::persist::codec::decode::<fuzz_checks::Node>(&input).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_entries(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        fuzz_checks::entry(&data);
    }

    #[test]
    fn random_payloads(data in proptest::collection::vec(any::<u8>(), 0..200)) {
        fuzz_checks::payload(&data);
    }
}
