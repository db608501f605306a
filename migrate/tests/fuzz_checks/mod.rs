//! The properties the fuzz targets check (`migrate/fuzz`), shared with the stable-toolchain
//! replay in `tests/fuzz_replay.rs`, so both check exactly the same thing.
//!
//! For any source text the Rust front end either refuses the file with a file-level error that
//! is not an internal one, or returns a rewrite that: parses (syn); is the source with exactly
//! the reported edits spliced in (every byte outside them identical); and is a fixed point (a
//! second run makes no edit). The analysis never panics (a panic would be an internal error
//! here, and aborts under the fuzzer's panic hook).

#![allow(dead_code)]

pub mod program;

use migrate::{Rule, migrate_str};

/// What the tool did with one input, so a replay can show its corpus exercises rewrites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not UTF-8, or not decodable into a program.
    Skipped,
    /// A file-level error (syntax error, macro body, nesting).
    Refused,
    /// Analysed, nothing to change.
    Unchanged,
    /// Rewritten.
    Rewritten,
}

/// `data` as a `.rs` file; bytes that are not UTF-8 are a per-file error in a run, so only
/// UTF-8 reaches the analysis.
pub fn raw(data: &[u8]) -> Outcome {
    match std::str::from_utf8(data) {
        Ok(src) => source(src),
        Err(_) => Outcome::Skipped,
    }
}

/// `data` decoded into a generated program with legacy attributes.
pub fn structured(data: &[u8]) -> Outcome {
    let mut u = arbitrary::Unstructured::new(data);
    match <program::Program as arbitrary::Arbitrary>::arbitrary(&mut u) {
        Ok(p) => source(&p.render()),
        Err(_) => Outcome::Skipped,
    }
}

/// The text after a BOM and a shebang line, as syn sees a file.
fn parsed_part(src: &str) -> &str {
    let s = src.strip_prefix('\u{feff}').unwrap_or(src);
    if s.starts_with("#!") && !s[2..].trim_start().starts_with('[') {
        return &s[s.find('\n').unwrap_or(s.len())..];
    }
    s
}

/// Checks every property on one source text.
pub fn source(src: &str) -> Outcome {
    let a = match migrate_str(src) {
        Ok(a) => a,
        Err(e) => {
            assert_ne!(
                e.rule,
                Rule::InternalError,
                "internal error: {}\n{src}",
                e.message
            );
            return Outcome::Refused;
        }
    };
    // The output is the source with the edits spliced in, nothing else changed.
    let mut rebuilt = String::new();
    let mut at = 0;
    for e in &a.edits {
        assert!(e.range.start >= at, "overlapping edits: {:?}", a.edits);
        assert!(e.range.end <= src.len() && e.range.start <= e.range.end);
        rebuilt.push_str(&src[at..e.range.start]);
        rebuilt.push_str(&e.replacement);
        at = e.range.end;
    }
    rebuilt.push_str(&src[at..]);
    assert_eq!(rebuilt, a.output, "output differs outside the edits\n{src}");
    if a.edits.is_empty() {
        assert_eq!(a.output, src);
        return Outcome::Unchanged;
    }
    if let Err(e) = syn::parse_file(parsed_part(&a.output)) {
        panic!("output does not parse ({e}):\n{}", a.output);
    }
    // A fixed point: running again on the output changes nothing.
    match migrate_str(&a.output) {
        Ok(again) => assert!(
            again.edits.is_empty(),
            "second run edits {:?}\nfirst output:\n{}",
            again.edits,
            a.output
        ),
        Err(e) => panic!("second run fails: {e:?}\n{}", a.output),
    }
    Outcome::Rewritten
}
