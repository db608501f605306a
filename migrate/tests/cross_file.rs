//! Cross-file imports: a file that never names `legacy_cache` but uses an import made in another
//! file of its crate (`use super::*`, `use crate::cache`, an in-crate re-export) is migrated with
//! it, and an import something may still use is kept, with its dependency.

use migrate::Rule;
use migrate::run::{Config, Mode, RunReport, run};
use std::fs;
use std::path::Path;

const MANIFEST: &str = "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nlegacy-cache = { path = \"../legacy-cache\" }\n";

/// Writes a package (`Cargo.toml` plus `files` under it) and runs `--write` on its directory.
fn migrate(dir: &Path, files: &[(&str, &str)]) -> RunReport {
    fs::write(dir.join("Cargo.toml"), MANIFEST).unwrap();
    for (name, text) in files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    run(&Config {
        paths: vec![dir.to_path_buf()],
        mode: Mode::Write,
        allow_dirty: true,
        ..Config::default()
    })
}

fn read(dir: &Path, name: &str) -> String {
    fs::read_to_string(dir.join(name)).unwrap()
}

const ROWS: &str =
    "#[cache(ttl = 60)]\npub fn rows(n: u32) -> Vec<u32> {\n    (0..n).collect()\n}\n";

#[test]
fn a_glob_import_of_the_parent_is_followed_into_the_child_file() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let report = migrate(
        dir,
        &[
            ("src/lib.rs", "use legacy_cache::cache;\nmod reports;\n"),
            ("src/reports.rs", &format!("use super::*;\n\n{ROWS}")),
        ],
    );
    assert_eq!(report.error_count(), 0);
    assert_eq!(read(dir, "src/lib.rs"), "mod reports;\n");
    assert_eq!(
        read(dir, "src/reports.rs"),
        format!(
            "use super::*;\nuse memo::memo;\n\n{}",
            ROWS.replace("cache", "memo")
        )
    );
    let manifest = read(dir, "Cargo.toml");
    assert!(
        manifest.contains("memo = { path = \"../memo\" }") && !manifest.contains("legacy-cache"),
        "{manifest}"
    );
}

#[test]
fn a_crate_path_import_in_a_child_module_is_rewritten() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    migrate(
        dir,
        &[
            (
                "src/main.rs",
                "use legacy_cache::cache;\nmod db;\n\nfn main() {}\n",
            ),
            ("src/db/mod.rs", "mod rows;\n"),
            ("src/db/rows.rs", &format!("use crate::cache;\n\n{ROWS}")),
        ],
    );
    assert_eq!(read(dir, "src/main.rs"), "mod db;\n\nfn main() {}\n");
    assert_eq!(
        read(dir, "src/db/rows.rs"),
        format!("use memo::memo;\n\n{}", ROWS.replace("cache", "memo"))
    );
    assert!(!read(dir, "Cargo.toml").contains("legacy-cache"));
}

#[test]
fn an_in_crate_reexport_is_followed_and_removed_once_unused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    migrate(
        dir,
        &[
            ("src/lib.rs", "mod prelude;\nmod users;\n"),
            (
                "src/prelude.rs",
                "pub use legacy_cache::cache;\npub use std::fmt;\n",
            ),
            ("src/users.rs", &format!("use crate::prelude::*;\n\n{ROWS}")),
        ],
    );
    // `prelude` is private, so its `pub use` is not part of the crate's API.
    assert_eq!(read(dir, "src/prelude.rs"), "pub use std::fmt;\n");
    assert_eq!(
        read(dir, "src/users.rs"),
        format!(
            "use crate::prelude::*;\nuse memo::memo;\n\n{}",
            ROWS.replace("cache", "memo")
        )
    );
    assert!(!read(dir, "Cargo.toml").contains("legacy-cache"));
}

#[test]
fn a_public_reexport_stays_with_its_dependency() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    migrate(
        dir,
        &[
            ("src/lib.rs", "pub mod prelude;\nmod users;\n"),
            ("src/prelude.rs", "pub use legacy_cache::cache;\n"),
            ("src/users.rs", &format!("use crate::prelude::*;\n\n{ROWS}")),
        ],
    );
    assert_eq!(
        read(dir, "src/prelude.rs"),
        "pub use legacy_cache::cache;\n"
    );
    assert!(read(dir, "src/users.rs").contains("#[memo(ttl = 60)]"));
    let manifest = read(dir, "Cargo.toml");
    assert!(
        manifest.contains("legacy-cache") && manifest.contains("memo"),
        "{manifest}"
    );
}

#[test]
fn an_import_a_child_still_needs_is_kept_with_a_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // The child's function is mutated by a caller, so it stays on the legacy cache.
    let child = "use super::*;\n\n#[cache(allow_output_mutation = true)]\npub fn log() -> Vec<u8> {\n    Vec::new()\n}\n\npub fn push() {\n    let mut s = log();\n    s.mutate(|v| v.push(1));\n}\n";
    let report = migrate(
        dir,
        &[
            (
                "src/lib.rs",
                "use legacy_cache::cache;\nmod journal;\nmod reports;\n",
            ),
            ("src/journal.rs", child),
            ("src/reports.rs", &format!("use super::*;\n\n{ROWS}")),
        ],
    );
    assert_eq!(read(dir, "src/journal.rs"), child);
    assert!(read(dir, "src/reports.rs").contains("#[memo(ttl = 60)]"));
    assert_eq!(
        read(dir, "src/lib.rs"),
        "use legacy_cache::cache;\nmod journal;\nmod reports;\n"
    );
    let lib = report
        .files
        .iter()
        .find(|f| f.path.ends_with("lib.rs"))
        .expect("lib.rs is reported");
    assert!(
        lib.findings
            .iter()
            .any(|f| f.rule == Rule::Import && f.message.contains("journal.rs still names `cache`")),
        "{:?}",
        lib.findings
    );
    assert!(read(dir, "Cargo.toml").contains("legacy-cache"));
}

#[test]
fn a_module_that_cannot_be_followed_keeps_the_import_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let report = migrate(
        dir,
        &[
            (
                "src/lib.rs",
                "use legacy_cache::cache;\n#[path = \"generated/rows.rs\"]\nmod rows;\n\n#[cache]\nfn here() -> u8 {\n    1\n}\n",
            ),
            ("src/generated/rows.rs", &format!("use super::*;\n\n{ROWS}")),
        ],
    );
    let lib = read(dir, "src/lib.rs");
    assert!(
        lib.starts_with("use legacy_cache::cache;\nuse memo::memo;\n"),
        "{lib}"
    );
    let finding = report
        .files
        .iter()
        .flat_map(|f| &f.findings)
        .find(|f| f.rule == Rule::Import && f.message.contains("#[path]"));
    assert!(finding.is_some(), "{:?}", report.files);
    assert!(read(dir, "Cargo.toml").contains("legacy-cache"));
}

#[test]
fn an_import_used_by_a_file_outside_the_run_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(dir.join("Cargo.toml"), MANIFEST).unwrap();
    fs::create_dir_all(dir.join("src")).unwrap();
    let lib = "use legacy_cache::cache;\nmod reports;\n\n#[cache]\nfn here() -> u8 {\n    1\n}\n";
    fs::write(dir.join("src/lib.rs"), lib).unwrap();
    let child = format!("use super::*;\n\n{ROWS}");
    fs::write(dir.join("src/reports.rs"), &child).unwrap();
    // Only lib.rs is given: reports.rs is not rewritten, so it still needs the import.
    run(&Config {
        paths: vec![dir.join("src/lib.rs")],
        mode: Mode::Write,
        allow_dirty: true,
        ..Config::default()
    });
    let out = read(dir, "src/lib.rs");
    assert!(
        out.starts_with("use legacy_cache::cache;\nuse memo::memo;\nmod reports;\n\n#[memo]\n"),
        "{out}"
    );
    assert_eq!(read(dir, "src/reports.rs"), child);
    assert!(read(dir, "Cargo.toml").contains("legacy-cache"));
}

#[test]
fn a_pub_use_in_a_file_no_module_reaches_is_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // `extra.rs` may be included some way this tool cannot see (`include!`, a build script):
    // its `pub use` is treated as public.
    let extra = "pub use legacy_cache::cache;\n";
    migrate(
        dir,
        &[
            ("src/lib.rs", &format!("use legacy_cache::cache;\n\n{ROWS}")),
            ("src/extra.rs", extra),
        ],
    );
    assert_eq!(read(dir, "src/extra.rs"), extra);
    // It names `cache` and cannot be placed in the module tree, so lib.rs keeps its import too.
    let lib = read(dir, "src/lib.rs");
    assert!(
        lib.starts_with("use legacy_cache::cache;\nuse memo::memo;\n"),
        "{lib}"
    );
    assert!(read(dir, "Cargo.toml").contains("legacy-cache"));
}
