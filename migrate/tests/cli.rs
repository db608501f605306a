//! End-to-end tests of the `cache-migrate` binary on temporary trees.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("binary runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const LIB: &str = "use legacy_cache::cache;\n\n// comment\n#[cache(persist = true, suppress_st_warning = true)]\npub fn load(n: u32) -> Vec<u32> {\n    (0..n).collect()\n}\n";

const MANIFEST: &str = "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[dependencies]\n# caching\nlegacy-cache = { path = \"../legacy-cache\", default-features = false }\n";

fn crate_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("demo");
    fs::create_dir_all(root.join("src")).unwrap();
    fs::write(root.join("Cargo.toml"), MANIFEST).unwrap();
    fs::write(root.join("src/lib.rs"), LIB).unwrap();
    (tmp, root)
}

#[test]
fn dry_run_prints_a_diff_and_writes_nothing() {
    let (_t, root) = crate_dir();
    let o = run(&root, &[]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("-#[cache(persist = true, suppress_st_warning = true)]"),
        "{out}"
    );
    assert!(out.contains("+#[memo(persist = \"disk\")]"), "{out}");
    assert!(
        out.contains("+memo = { path = \"../memo\", default-features = false }"),
        "{out}"
    );
    assert!(out.contains("run with --write to apply"), "{out}");
    assert_eq!(fs::read_to_string(root.join("src/lib.rs")).unwrap(), LIB);
    assert_eq!(
        fs::read_to_string(root.join("Cargo.toml")).unwrap(),
        MANIFEST
    );
}

#[test]
fn check_exits_one_on_changes_and_zero_when_clean() {
    let (_t, root) = crate_dir();
    let o = run(&root, &["--check"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("would rewrite: ./src/lib.rs"),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read_to_string(root.join("src/lib.rs")).unwrap(), LIB);
    fs::write(root.join("src/lib.rs"), "pub fn plain() {}\n").unwrap();
    let o = run(&root, &["--check"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn write_applies_keeps_permissions_and_converges() {
    use std::os::unix::fs::PermissionsExt;
    let (_t, root) = crate_dir();
    let lib = root.join("src/lib.rs");
    fs::set_permissions(&lib, fs::Permissions::from_mode(0o640)).unwrap();
    let o = run(&root, &["--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let new = fs::read_to_string(&lib).unwrap();
    assert_eq!(
        new,
        "use memo::memo;\n\n// comment\n#[memo(persist = \"disk\")]\npub fn load(n: u32) -> Vec<u32> {\n    (0..n).collect()\n}\n"
    );
    assert_eq!(
        fs::metadata(&lib).unwrap().permissions().mode() & 0o777,
        0o640
    );
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.ends_with(
            "[dependencies]\n# caching\nmemo = { path = \"../memo\", default-features = false }\n"
        ),
        "{manifest}"
    );
    // No temporary files left behind.
    let names: Vec<_> = fs::read_dir(root.join("src"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
    let o = run(&root, &["--check"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "second run must be clean: {}",
        text(&o)
    );
}

#[test]
fn json_report_lists_edits_and_findings_with_positions() {
    let (_t, root) = crate_dir();
    fs::write(
        root.join("src/more.rs"),
        "use legacy_cache::cache;\n#[cache]\nfn f(_k: u32) -> u32 { 1 }\n",
    )
    .unwrap();
    let o = run(&root, &["--format", "json", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let edits = v["edits"].as_array().unwrap();
    let attr = edits
        .iter()
        .find(|e| e["rule"] == "cache-to-memo" && e["file"].as_str().unwrap().ends_with("lib.rs"))
        .unwrap();
    assert_eq!(
        (attr["line"].as_u64(), attr["column"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(attr["applicability"], "safe");
    let finding = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "underscore-param")
        .unwrap();
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(3), Some(6))
    );
    assert_eq!(finding["applicability"], "review");
    assert!(finding["file"].as_str().unwrap().ends_with("more.rs"));
    assert_eq!(v["summary"]["errors"], 0);
    assert_eq!(v["exit_code"], 1);
}

#[test]
fn bad_files_get_a_diagnostic_and_the_rest_is_still_written() {
    let (_t, root) = crate_dir();
    let src = root.join("src");
    fs::write(
        src.join("latin1.rs"),
        b"// caf\xe9\nuse legacy_cache::cache;\n#[cache] fn f() -> u8 { 1 }\n",
    )
    .unwrap();
    let broken = "use legacy_cache::cache;\n#[cache]\nfn broken( -> u8 { 1 }\n";
    fs::write(src.join("broken.rs"), broken).unwrap();
    let rules = "use legacy_cache::cache;\nmacro_rules! m { () => { #[cache] fn g() {} } }\n#[cache] fn f() -> u8 { 1 }\n";
    fs::write(src.join("rules.rs"), rules).unwrap();
    let o = run(&root, &["--write", "src", "missing.rs"]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}");
    assert!(out.contains("error[non-utf8]"), "{out}");
    assert!(out.contains("src/latin1.rs"), "{out}");
    assert!(out.contains("error[parse-error]"), "{out}");
    assert!(out.contains("src/broken.rs:3:10"), "{out}");
    assert!(out.contains("error[macro-body]"), "{out}");
    assert!(out.contains("missing.rs"), "{out}");
    assert_eq!(
        fs::read(src.join("latin1.rs")).unwrap(),
        b"// caf\xe9\nuse legacy_cache::cache;\n#[cache] fn f() -> u8 { 1 }\n"
    );
    assert_eq!(fs::read_to_string(src.join("broken.rs")).unwrap(), broken);
    assert_eq!(fs::read_to_string(src.join("rules.rs")).unwrap(), rules);
    // The good file was still migrated; the manifest keeps legacy-cache (other files use it).
    assert!(
        fs::read_to_string(src.join("lib.rs"))
            .unwrap()
            .contains("#[memo(persist = \"disk\")]")
    );
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("legacy-cache = {") && manifest.contains("memo = {"),
        "{manifest}"
    );
}

#[test]
fn gitignore_and_target_directories_are_skipped() {
    let (_t, root) = crate_dir();
    fs::create_dir_all(root.join("target/debug")).unwrap();
    fs::write(root.join("target/debug/gen.rs"), LIB).unwrap();
    fs::create_dir_all(root.join("vendored")).unwrap();
    fs::write(root.join("vendored/v.rs"), LIB).unwrap();
    fs::write(root.join(".gitignore"), "vendored/\n").unwrap();
    Command::new("git")
        .args(["init", "-q"])
        .current_dir(&root)
        .status()
        .unwrap();
    let o = run(&root, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files: Vec<&str> = v["changed_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap())
        .collect();
    assert_eq!(files, vec!["./Cargo.toml", "./src/lib.rs"]);
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .status()
        .unwrap()
        .success();
    assert!(ok, "git {args:?}");
}

#[test]
fn write_refuses_dirty_files_unless_allowed() {
    let (_t, root) = crate_dir();
    git(&root, &["init", "-q"]);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "init"]);
    let dirty = format!("{LIB}// local edit\n");
    fs::write(root.join("src/lib.rs"), &dirty).unwrap();
    let o = run(&root, &["--write"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("uncommitted changes"), "{}", text(&o));
    assert_eq!(fs::read_to_string(root.join("src/lib.rs")).unwrap(), dirty);
    assert_eq!(
        fs::read_to_string(root.join("Cargo.toml")).unwrap(),
        MANIFEST
    );
    let o = run(&root, &["--write", "--allow-dirty"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        fs::read_to_string(root.join("src/lib.rs"))
            .unwrap()
            .contains("#[memo(")
    );
}

#[test]
fn clear_cache_in_a_file_without_sites_uses_the_package_primitives() {
    let (_t, root) = crate_dir();
    fs::write(
        root.join("src/main.rs"),
        "fn main() {\n    legacy_cache::clear_cache();\n}\n",
    )
    .unwrap();
    let o = run(&root, &["--write"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(
        fs::read_to_string(root.join("src/main.rs")).unwrap(),
        "fn main() {\n    memo::clear_all();\n}\n"
    );
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    assert!(!manifest.contains("legacy-cache"), "{manifest}");
}

#[test]
fn color_is_auto_always_or_never_and_a_typo_is_an_error() {
    let (_t, root) = crate_dir();
    // A typo used to fall back to `auto` silently.
    let o = run(&root, &["--color", "allways"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("invalid value 'allways'"), "{err}");
    assert!(err.contains("always"), "{err}");
    for ok in ["auto", "always", "never"] {
        let o = run(&root, &["--check", "--color", ok]);
        assert_eq!(o.status.code(), Some(1), "--color {ok}: {}", text(&o));
    }
    // A file with a finding, so there is a diagnostic to style.
    fs::write(
        root.join("src/other.rs"),
        "use legacy_cache::cache;\n#[cache(sampling = false)]\nfn f() -> u8 { 1 }\n",
    )
    .unwrap();
    let o = run(&root, &["--check", "--color", "never"]);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains('\u{1b}'),
        "--color never: {}",
        text(&o)
    );
    let o = run(&root, &["--check", "--color", "always"]);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains('\u{1b}'),
        "--color always styles the diagnostics: {}",
        text(&o)
    );
}

#[test]
fn a_read_only_file_is_refused_not_replaced() {
    use std::os::unix::fs::PermissionsExt;
    let (_t, root) = crate_dir();
    let lib = root.join("src/lib.rs");
    fs::set_permissions(&lib, fs::Permissions::from_mode(0o444)).unwrap();
    let o = run(&root, &["--write", "--no-manifest"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("read-only"), "{}", text(&o));
    assert_eq!(fs::read_to_string(&lib).unwrap(), LIB);
    assert_eq!(
        fs::metadata(&lib).unwrap().permissions().mode() & 0o777,
        0o444
    );
}

#[test]
fn a_symlinked_file_is_written_through_the_link() {
    let (_t, root) = crate_dir();
    let real = root.join("real.rs");
    fs::rename(root.join("src/lib.rs"), &real).unwrap();
    std::os::unix::fs::symlink("../real.rs", root.join("src/lib.rs")).unwrap();
    let o = run(&root, &["--write", "--no-manifest", "src/lib.rs"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let link = fs::symlink_metadata(root.join("src/lib.rs")).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    assert!(
        fs::read_to_string(&real)
            .unwrap()
            .contains("#[memo(persist = \"disk\")]")
    );
}

#[test]
fn a_rewritten_file_keeps_its_owner() {
    use std::os::unix::fs::MetadataExt;
    let (_t, root) = crate_dir();
    let lib = root.join("src/lib.rs");
    // Only a privileged user can hand a file to someone else; elsewhere there is nothing to test.
    if std::os::unix::fs::chown(&lib, Some(4321), Some(4321)).is_err() {
        return;
    }
    let o = run(&root, &["--write", "--no-manifest"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let meta = fs::metadata(&lib).unwrap();
    assert!(fs::read_to_string(&lib).unwrap().contains("#[memo("));
    assert_eq!((meta.uid(), meta.gid()), (4321, 4321));
}

#[test]
fn write_refuses_when_git_cannot_say_whether_files_are_dirty() {
    let (_t, root) = crate_dir();
    git(&root, &["init", "-q"]);
    git(&root, &["add", "."]);
    git(&root, &["commit", "-q", "-m", "init"]);
    // A broken configuration makes every git command fail, as "dubious ownership" does.
    let bad = root.join("bad-gitconfig");
    fs::write(&bad, "[core\nbroken").unwrap();
    let o = bin()
        .args(["--write", "--no-manifest"])
        .current_dir(&root)
        .env("GIT_CONFIG_GLOBAL", &bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("cannot tell whether the file has uncommitted changes"),
        "{}",
        text(&o)
    );
    assert_eq!(fs::read_to_string(root.join("src/lib.rs")).unwrap(), LIB);
}

#[test]
fn a_symlink_loop_is_reported_as_such() {
    let (_t, root) = crate_dir();
    std::os::unix::fs::symlink("loop.rs", root.join("loop.rs")).unwrap();
    let o = run(&root, &["loop.rs"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        !text(&o).contains("no such file or directory"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).to_lowercase().contains("symbolic links"),
        "{}",
        text(&o)
    );
}

#[test]
fn a_deeply_nested_file_is_one_error_and_the_rest_is_processed() {
    let (_t, root) = crate_dir();
    let mods = format!(
        "use legacy_cache::cache;\n{}fn f() {{}}{}\n",
        "mod m { ".repeat(1500),
        " }".repeat(1500)
    );
    let parens = format!(
        "use legacy_cache::cache;\nfn f() -> u32 {{ {}1{} }}\n",
        "(".repeat(4000),
        ")".repeat(4000)
    );
    fs::write(root.join("src/mods.rs"), &mods).unwrap();
    fs::write(root.join("src/parens.rs"), &parens).unwrap();
    let o = run(&root, &["--write", "--no-manifest"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert_eq!(text(&o).matches("levels deep").count(), 2, "{}", text(&o));
    assert!(
        fs::read_to_string(root.join("src/lib.rs"))
            .unwrap()
            .contains("#[memo(persist = \"disk\")]")
    );
    assert_eq!(fs::read_to_string(root.join("src/mods.rs")).unwrap(), mods);
}

#[test]
fn the_write_summary_counts_only_files_written() {
    use std::os::unix::fs::PermissionsExt;
    let (_t, root) = crate_dir();
    fs::write(root.join("src/other.rs"), LIB).unwrap();
    fs::set_permissions(root.join("src/other.rs"), fs::Permissions::from_mode(0o444)).unwrap();
    let o = run(&root, &["--write", "--no-manifest"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("1 file changed, 1 not written ("),
        "{}",
        text(&o)
    );
}
