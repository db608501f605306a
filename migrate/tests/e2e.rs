//! End to end: a fixture crate on `legacy-cache` builds and runs; `cache-migrate --write` runs
//! on a copy; the copy builds and its non-mutating callers (`read:` lines) print the same.
//!
//! Needs the real `legacy-cache`, `memo` and `singleton` crates of this workspace and builds
//! them with `default-features = false` (no polars) under `CARGO_TARGET_TMPDIR`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn copy_fixture(to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/e2e_app");
    fs::create_dir_all(to.join("src")).unwrap();
    fs::copy(from.join("src/main.rs"), to.join("src/main.rs")).unwrap();
    // Absolute paths so the copy builds anywhere.
    let manifest = fs::read_to_string(from.join("Cargo.toml"))
        .unwrap()
        .replace(
            "../../../../legacy-cache",
            &workspace().join("legacy-cache").display().to_string(),
        );
    fs::write(to.join("Cargo.toml"), manifest).unwrap();
}

fn build_and_run(dir: &Path) -> String {
    build_and_run_bin(dir, "e2e-app")
}

fn build_and_run_bin(dir: &Path, bin: &str) -> String {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-target");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        // Same reason as the workspace's `[profile.dev]`: debug info only costs CI disk here.
        .env("CARGO_PROFILE_DEV_DEBUG", "false")
        .status()
        .expect("cargo runs");
    assert!(
        status.success(),
        "fixture at {} does not build",
        dir.display()
    );
    let out = Command::new(target.join("debug").join(bin))
        .output()
        .expect("fixture runs");
    assert!(
        out.status.success(),
        "fixture failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn read_lines(s: &str) -> Vec<&str> {
    s.lines().filter(|l| l.starts_with("read:")).collect()
}

#[test]
fn migrated_fixture_builds_and_prints_the_same() {
    let tmp = tempfile::tempdir().unwrap();
    let original = tmp.path().join("original");
    let migrated = tmp.path().join("migrated");
    copy_fixture(&original);
    copy_fixture(&migrated);
    let before = build_and_run(&original);
    assert!(before.contains("mut: journal"), "{before}");

    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--write", "--allow-dirty", "."])
        .current_dir(&migrated)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{log}");
    let src = fs::read_to_string(migrated.join("src/main.rs")).unwrap();
    assert!(
        src.contains("#[memo(max_entries = 16)]\nfn squares"),
        "{src}"
    );
    assert!(
        src.contains("#[memo(ttl = 3600, show_spinner = false)]"),
        "{src}"
    );
    assert!(src.contains("#[singleton]\nfn registry"), "{src}");
    assert!(
        src.contains("#[cache(allow_output_mutation = true)]\nfn journal"),
        "{src}"
    );
    assert!(log.contains("shared-mutation"), "{log}");
    let manifest = fs::read_to_string(migrated.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("memo = {")
            && manifest.contains("singleton = {")
            && manifest.contains("legacy-cache = {"),
        "{manifest}"
    );

    let after = build_and_run(&migrated);
    assert_eq!(
        read_lines(&before),
        read_lines(&after),
        "before:\n{before}\nafter:\n{after}"
    );
    assert!(read_lines(&after).len() >= 8);

    // A second run changes nothing.
    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--check", "."])
        .current_dir(&migrated)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn fixture_migration_plan_is_as_expected() {
    // The rewrite itself does not need the cache crates to build.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    copy_fixture(&dir);
    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--write", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let src = fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert!(src.starts_with("//! A small program"), "{src}");
    assert!(
        src.contains("use legacy_cache::cache;\nuse memo::memo;\nuse singleton::singleton;\n"),
        "{src}"
    );
    assert!(src.contains("    memo::clear_all();\n    singleton::clear_all();\n    legacy_cache::clear_cache();\n"), "{src}");
    // The option tables and type matching are the macros' own: `in_impl` carries over, a
    // shorter path matches the parameter, and an entry matching only the return type (which
    // #[memo] would reject) is dropped.
    assert!(
        src.contains("    #[memo(in_impl, ttl = 60)]\n    fn total"),
        "{src}"
    );
    assert!(
        src.contains("#[memo(hash_funcs(db::Conn = conn_key))]\nfn describe"),
        "{src}"
    );
    assert!(src.contains("#[memo]\nfn bytes"), "{src}");
    let manifest = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let ws = workspace();
    assert!(
        manifest.contains(&format!(
            "memo = {{ path = \"{}\", default-features = false }}",
            ws.join("memo").display()
        )),
        "{manifest}"
    );
    assert!(
        manifest.contains(&format!(
            "singleton = {{ path = \"{}\", default-features = false }}",
            ws.join("singleton").display()
        )),
        "{manifest}"
    );
}

/// A crate whose modules use the root's `use legacy_cache::cache;` through `use super::*`, a
/// `crate::` path and a private prelude's re-export: after `--write` none of them names the
/// legacy crate, the dependency is gone, and it builds and prints the same.
#[test]
fn a_crate_using_imports_across_files_builds_after_migration() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("xfile");
    let files = [
        (
            "Cargo.toml",
            format!(
                "[package]\nname = \"xfile-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\npublish = false\n\n[workspace]\n\n[dependencies]\nlegacy-cache = {{ path = \"{}\", default-features = false }}\n",
                workspace().join("legacy-cache").display()
            ),
        ),
        (
            "src/main.rs",
            "use legacy_cache::cache;\nmod db;\nmod prelude;\nmod reports;\nmod users;\n\nfn main() {\n    for _ in 0..2 {\n        println!(\"read: {:?} {} {}\", reports::rows(3), db::rows::total(4), users::name(7));\n    }\n}\n".to_string(),
        ),
        (
            "src/reports.rs",
            "use super::*;\n\n#[cache(ttl = 60)]\npub fn rows(n: u32) -> Vec<u32> {\n    (0..n).collect()\n}\n".to_string(),
        ),
        ("src/db/mod.rs", "pub mod rows;\n".to_string()),
        (
            "src/db/rows.rs",
            "use crate::cache;\n\n#[cache]\npub fn total(n: u64) -> u64 {\n    (0..n).sum()\n}\n".to_string(),
        ),
        ("src/prelude.rs", "pub use legacy_cache::cache;\n".to_string()),
        (
            "src/users.rs",
            "use crate::prelude::*;\n\n#[cache]\npub fn name(id: u32) -> String {\n    format!(\"user{id}\")\n}\n".to_string(),
        ),
    ];
    for (name, text) in &files {
        let path = dir.join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let before = build_and_run_bin(&dir, "xfile-app");
    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--write", "--allow-dirty", "."])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    for (name, _) in &files {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        assert!(
            !text.contains("legacy_cache") && !text.contains("legacy-cache"),
            "{name}:\n{text}"
        );
    }
    let after = build_and_run_bin(&dir, "xfile-app");
    assert_eq!(read_lines(&before), read_lines(&after));
    assert_eq!(read_lines(&after).len(), 2);
}
