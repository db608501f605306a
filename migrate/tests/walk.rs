//! Which files a directory walk visits: the documented rules of ripgrep's walker (hidden entries
//! skipped, `.gitignore` honoured only inside a git repository), and named files always visited.

use std::fs;
use std::path::Path;
use std::process::Command;

const SITE: &str = "use legacy_cache::cache;\n\n#[cache]\npub fn one() -> u64 {\n    1\n}\n";

/// The files a `--check --format json` run would change, as the report names them.
fn changed(dir: &Path, args: &[&str]) -> Vec<String> {
    let o = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--check", "--no-manifest", "--format", "json"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    let mut files: Vec<String> = v["changed_files"]
        .as_array()
        .expect("changed_files")
        .iter()
        .map(|f| f["file"].as_str().expect("file").to_string())
        .collect();
    files.sort();
    files
}

fn tree() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join(".hidden")).unwrap();
    fs::create_dir_all(t.path().join("vendored")).unwrap();
    for f in ["lib.rs", ".dot.rs", ".hidden/inner.rs", "vendored/v.rs"] {
        fs::write(t.path().join(f), SITE).unwrap();
    }
    fs::write(t.path().join(".gitignore"), "vendored/\n").unwrap();
    t
}

#[test]
fn hidden_entries_are_skipped_by_the_walk_but_migrated_when_named() {
    let t = tree();
    let walked = changed(t.path(), &[]);
    assert!(
        !walked
            .iter()
            .any(|f| f.contains(".dot") || f.contains(".hidden")),
        "{walked:?}"
    );
    assert!(walked.contains(&"./lib.rs".to_string()), "{walked:?}");
    let named = changed(t.path(), &[".dot.rs", ".hidden"]);
    assert_eq!(named, vec![".dot.rs", ".hidden/inner.rs"]);
}

#[test]
fn gitignore_counts_only_inside_a_git_repository() {
    let t = tree();
    assert_eq!(changed(t.path(), &[]), vec!["./lib.rs", "./vendored/v.rs"]);
    let ok = Command::new("git")
        .args(["init", "-q"])
        .current_dir(t.path())
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git init");
    assert_eq!(changed(t.path(), &[]), vec!["./lib.rs"]);
}
