//! Workspace-inherited dependencies: members with `legacy-cache.workspace = true` are migrated
//! and the root's `[workspace.dependencies]` follows, so `cargo metadata` (offline) still loads
//! the workspace afterwards.
//!
//! The temp workspaces point at this repository's `legacy-cache`, `memo` and `singleton` crates
//! by absolute path and start from its `Cargo.lock`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

const CACHED: &str = "use legacy_cache::cache;\n\n#[cache(ttl = 60)]\npub fn rows(n: u32) -> Vec<u32> {\n    (0..n).collect()\n}\n";

/// A function whose result is mutated stays on the legacy cache, so its member keeps inheriting.
const MUTATED: &str = "use legacy_cache::cache;\n\n#[cache(allow_output_mutation = true)]\npub fn log() -> Vec<u8> {\n    Vec::new()\n}\n\npub fn push() {\n    let mut s = log();\n    s.mutate(|v| v.push(1));\n}\n";

fn member(dir: &Path, name: &str, dep: &str, lib: &str) {
    fs::create_dir_all(dir.join(name).join("src")).unwrap();
    fs::write(
        dir.join(name).join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n{dep}\n"
        ),
    )
    .unwrap();
    fs::write(dir.join(name).join("src/lib.rs"), lib).unwrap();
}

/// This repository's lock file, so an offline resolution finds the versions it has.
fn lockfile(dir: &Path) {
    fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

fn workspace(dir: &Path, members: &[&str]) {
    lockfile(dir);
    let list: Vec<String> = members.iter().map(|m| format!("\"{m}\"")).collect();
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [{}]\nresolver = \"3\"\n\n[workspace.dependencies]\n# caching\nlegacy-cache = {{ path = \"{}\", default-features = false }}\nserde = \"1\"\n",
            list.join(", "),
            repo().join("legacy-cache").display()
        ),
    )
    .unwrap();
}

fn migrate(dir: &Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--write", "--allow-dirty"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{log}");
    log
}

/// The host target triple, from `rustc -vV`.
fn host() -> String {
    let o = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc -vV names the host")
        .to_string()
}

/// `cargo metadata --offline` on the workspace; the error text when it fails. Filtered to the
/// host, since packages only other targets need (polars' wasm dependencies) are not downloaded.
fn metadata(dir: &Path) -> Result<(), String> {
    let o = Command::new(env!("CARGO"))
        .args(["metadata", "--offline", "--format-version", "1"])
        .args(["--filter-platform", &host(), "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .output()
        .expect("cargo runs");
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).into_owned())
    }
}

#[test]
fn inherited_dependency_is_added_to_the_root_and_dropped_when_no_member_inherits_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    workspace(dir, &["a", "b"]);
    member(
        dir,
        "a",
        "legacy-cache = { workspace = true, features = [\"polars\"] }",
        CACHED,
    );
    member(dir, "b", "legacy-cache.workspace = true", MUTATED);
    metadata(dir).expect("the fixture workspace loads before the migration");

    migrate(dir, &["."]);
    let a = fs::read_to_string(dir.join("a/Cargo.toml")).unwrap();
    assert!(
        a.contains("memo = { workspace = true, features = [\"polars\"] }")
            && !a.contains("legacy-cache"),
        "{a}"
    );
    let root = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    let memo = format!(
        "memo = {{ path = \"{}\", default-features = false }}",
        repo().join("memo").display()
    );
    // `b` still inherits `legacy-cache` (its function stays), so the root keeps it too.
    assert!(root.contains(&memo), "{root}");
    assert!(root.contains("legacy-cache = {"), "{root}");
    assert!(
        root.contains("# caching\nlegacy-cache"),
        "comments kept: {root}"
    );
    metadata(dir).expect("the workspace loads after migrating `a`");

    // Once `b` no longer needs the legacy cache, the root's entry goes.
    fs::write(dir.join("b/src/lib.rs"), CACHED).unwrap();
    migrate(dir, &["b"]);
    let root = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(!root.contains("legacy-cache"), "{root}");
    assert!(root.contains(&format!("# caching\n{memo}")), "{root}");
    let b = fs::read_to_string(dir.join("b/Cargo.toml")).unwrap();
    assert!(b.contains("memo.workspace = true"), "{b}");
    metadata(dir).expect("the workspace loads after migrating `b`");
}

#[test]
fn a_root_that_is_also_the_migrated_package_gets_both_edits() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\nlegacy-cache.workspace = true\n\n[workspace]\n\n[workspace.dependencies]\nlegacy-cache = {{ path = \"{}\" }}\n",
            repo().join("legacy-cache").display()
        ),
    )
    .unwrap();
    lockfile(dir);
    fs::write(dir.join("src/lib.rs"), CACHED).unwrap();
    migrate(dir, &["."]);
    let root = fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        root.contains("[dependencies]\nmemo.workspace = true\n"),
        "{root}"
    );
    assert!(
        root.contains(&format!(
            "[workspace.dependencies]\nmemo = {{ path = \"{}\" }}\n",
            repo().join("memo").display()
        )),
        "{root}"
    );
    assert!(!root.contains("legacy-cache"), "{root}");
    metadata(dir).expect("the package loads after the migration");
}

#[test]
fn a_read_only_root_gets_the_member_entry_written_in_full() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [\"apps/a\"]\nresolver = \"3\"\n\n[workspace.dependencies]\nlegacy-cache = {{ path = \"{}\" }}\n",
            repo().join("legacy-cache").display()
        ),
    )
    .unwrap();
    lockfile(dir);
    fs::create_dir_all(dir.join("apps")).unwrap();
    member(
        &dir.join("apps"),
        "a",
        "legacy-cache = { workspace = true, optional = true }",
        CACHED,
    );
    metadata(dir).expect("the fixture workspace loads before the migration");
    let root = dir.join("Cargo.toml");
    let before = fs::read_to_string(&root).unwrap();
    let mut perms = fs::metadata(&root).unwrap().permissions();
    perms.set_readonly(true);
    fs::set_permissions(&root, perms).unwrap();

    let log = migrate(dir, &["."]);
    assert!(log.contains("cannot be edited (it is read-only)"), "{log}");
    assert_eq!(fs::read_to_string(&root).unwrap(), before);
    let a = fs::read_to_string(dir.join("apps/a/Cargo.toml")).unwrap();
    assert!(
        a.contains(&format!(
            "memo = {{ path = \"{}\", optional = true }}",
            repo().join("memo").display()
        )),
        "{a}"
    );
    metadata(dir).expect("the workspace loads after the migration");
}
