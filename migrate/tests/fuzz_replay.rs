//! The fuzz targets' checks on the stable toolchain, inside `cargo test`: the committed corpus
//! (inputs the fuzzer kept, and every input that once failed a check) replayed, plus random
//! inputs. The targets themselves live in `migrate/fuzz` (`cargo +nightly fuzz run raw`).

mod fuzz_checks;

use proptest::prelude::*;
use std::path::Path;

use fuzz_checks::Outcome;

/// Replays a target's corpus; how many inputs had each outcome.
fn replay(target: &str, check: fn(&[u8]) -> Outcome) -> Vec<(Outcome, usize)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus")
        .join(target);
    let mut counts: Vec<(Outcome, usize)> = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data))
            .unwrap_or_else(|_| panic!("{} fails the check", path.display()));
        match counts.iter_mut().find(|(o, _)| *o == outcome) {
            Some((_, n)) => *n += 1,
            None => counts.push((outcome, 1)),
        }
    }
    counts
}

fn count(counts: &[(Outcome, usize)], o: Outcome) -> usize {
    counts.iter().find(|(k, _)| *k == o).map_or(0, |(_, n)| *n)
}

#[test]
fn raw_corpus_replays() {
    let counts = replay("raw", fuzz_checks::raw);
    // The corpus exercises rewrites and refusals, not only files the tool leaves alone.
    assert!(count(&counts, Outcome::Rewritten) >= 10, "{counts:?}");
    assert!(count(&counts, Outcome::Refused) >= 10, "{counts:?}");
}

#[test]
fn structured_corpus_replays() {
    let counts = replay("structured", fuzz_checks::structured);
    assert!(count(&counts, Outcome::Rewritten) >= 10, "{counts:?}");
}

#[test]
fn every_golden_input_passes_the_checks() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        fuzz_checks::source(&std::fs::read_to_string(&path).unwrap());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_structured_programs(data in proptest::collection::vec(any::<u8>(), 0..2000)) {
        fuzz_checks::structured(&data);
    }

    #[test]
    fn random_text(src in "[#\\[\\]()a-z_:,={} \n]{0,300}") {
        fuzz_checks::source(&src);
    }
}
