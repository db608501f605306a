//! Large files: a size limit that makes an oversized file one error (never read, so it costs
//! no memory) while the rest of the run proceeds, and line lookups that do not rescan the file.

use migrate::LineIndex;
use proptest::prelude::*;
use std::fs;
use std::process::Command;

const SITE: &str = "use legacy_cache::cache;\n\n#[cache]\npub fn load(n: u32) -> u32 {\n    n\n}\n";

#[test]
fn a_file_above_the_limit_is_an_error_and_the_rest_proceeds() {
    let tmp = tempfile::tempdir().unwrap();
    let big = format!("{SITE}{}", "// padding\n".repeat(200));
    fs::write(tmp.path().join("big.rs"), &big).unwrap();
    fs::write(tmp.path().join("small.rs"), SITE).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--no-manifest", "--max-file-size", "1K", "."])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("error[file-too-large]"), "{out}");
    assert!(
        out.contains(&format!(
            "file is {} bytes, more than the 1024-byte limit",
            big.len()
        )),
        "{out}"
    );
    assert!(out.contains("--max-file-size"), "{out}");
    // The small file is still migrated (shown in the diff), the big one is not.
    assert!(
        out.contains("+++ b/./small.rs") || out.contains("+++ b/small.rs"),
        "{out}"
    );
    assert!(
        !out.contains("+++ b/./big.rs") && !out.contains("+++ b/big.rs"),
        "{out}"
    );
}

#[test]
fn the_limit_is_inclusive_and_the_default_reads_ordinary_files() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("lib.rs"), SITE).unwrap();
    let exact = SITE.len().to_string();
    for args in [vec!["--max-file-size", exact.as_str()], vec![]] {
        let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
            .args(["--no-manifest", "--check"])
            .args(&args)
            .arg(".")
            .current_dir(tmp.path())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}: {o:?}");
    }
}

#[test]
fn a_bad_size_names_the_flag_and_the_forms() {
    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--max-file-size", "lots", "."])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--max-file-size"), "{err}");
    assert!(err.contains("512K, 32M, 2G"), "{err}");
}

#[test]
fn sizes_parse_with_binary_units() {
    use migrate::run::parse_size;
    assert_eq!(parse_size("0"), Ok(0));
    assert_eq!(parse_size("2k"), Ok(2048));
    assert_eq!(parse_size("3MiB"), Ok(3 << 20));
    assert_eq!(parse_size("1G"), Ok(1 << 30));
    assert!(parse_size("1T").is_err());
    assert!(parse_size("M").is_err());
    assert!(parse_size("99999999999999999999G").is_err());
}

/// The scan the index replaces: count line breaks before the offset.
fn scanned(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

proptest! {
    #[test]
    fn line_index_agrees_with_a_scan(text in "[a\\né\r]{0,60}", at in 0usize..80) {
        let index = LineIndex::new(&text);
        let mut offset = at.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        prop_assert_eq!(index.line_col(&text, offset), scanned(&text, offset));
        let (window, line) = index.line_span(&text, offset..offset);
        prop_assert_eq!(line, scanned(&text, offset).0);
        prop_assert!(window.start <= offset && offset <= window.end + 2);
        prop_assert!(!text[window].contains('\n'));
    }
}
