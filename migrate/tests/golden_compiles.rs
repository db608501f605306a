//! Every golden input (on `legacy-cache`) and its migrated output (on `memo` and `singleton`,
//! with `legacy-cache` still there for the sites kept on it) compiles. One generated crate holds
//! each as a module and is checked once with `cargo check --offline`; errors are attributed to
//! modules through the JSON diagnostics, and the set of failing modules must be exactly the one
//! listed below, each with its reason.
//!
//! Builds this workspace's `legacy-cache`, `memo` and `singleton` with `default-features = false`
//! (no polars) under `CARGO_TARGET_TMPDIR`, so later runs only re-check the generated crate.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Golden inputs the tool refuses as a whole (a file-level error: nothing is written), so they
/// have no migrated output, with the reason.
const REFUSED: &[(&str, &str)] = &[
    (
        "syntax_error",
        "the input does not parse; the tool reports it and leaves it alone",
    ),
    (
        "macro_rules_body",
        "legacy code inside a `macro_rules!` body, which syn cannot see into",
    ),
];

/// Modules expected not to compile: `input_<name>` is the golden input, `output_<name>` its
/// migration; every error in the module must contain one of the patterns. The reason says why.
const BAD_OPTIONS: &[&str] = &[
    "`allow_output_mutation` takes `true` or `false`",
    "unknown option `frobnicate`",
    "is given twice",
    "goes on a function or method",
];

const EXPECTED_ERRORS: &[(&str, &[&str], &str)] = &[
    (
        "input_bom_and_unrelated",
        &["`cached`"],
        "names another caching crate's attribute to show it is left alone; not a dependency here",
    ),
    (
        "output_bom_and_unrelated",
        &["`cached`"],
        "the same, untouched",
    ),
    (
        "input_glob_and_modules",
        &["cannot find attribute `cache`"],
        "`#[cache]` in `mod other` deliberately resolves to nothing (nothing imports it there)",
    ),
    (
        "output_glob_and_modules",
        &["cannot find attribute `cache`"],
        "the same, left alone",
    ),
    (
        "input_hash_funcs_unsafe",
        &["`external`"],
        "a hash function from a crate the tool cannot inspect; not a dependency here",
    ),
    (
        "output_hash_funcs_unsafe",
        &["`external`"],
        "the same entry, kept",
    ),
    (
        "input_macro_invocation",
        &["`some_macro`"],
        "stands for a user macro, which syn cannot see into",
    ),
    (
        "output_macro_invocation",
        &["`some_macro`"],
        "the same; the site inside it is reported, not rewritten",
    ),
    (
        "input_options_misc",
        BAD_OPTIONS,
        "a catalogue of options the legacy macro rejects (non-literal, unknown, repeated, not on a function)",
    ),
    (
        "output_options_misc",
        BAD_OPTIONS,
        "the same sites, kept on the legacy cache with a finding each",
    ),
    (
        "input_resource_returns",
        &["Receiver<u8>", "HttpClient"],
        "a channel's `Receiver` is not `Sync`, which the legacy cache requires; `persist = true` needs a serializable `HttpClient`",
    ),
    (
        "output_resource_returns",
        &["Receiver<u8>", "ModelConfig"],
        "`#[singleton]` requires `Sync` too (a `resource-to-singleton` finding); `ModelConfig` is not serializable (a `not-storable` finding)",
    ),
    (
        "input_unserializable_returns",
        &["not `impl Trait`"],
        "the legacy cache rejects an `impl Trait` return",
    ),
    (
        "output_unserializable_returns",
        &["not `impl Trait`"],
        "`#[singleton]` rejects it too (an `unserializable-return` review finding)",
    ),
    (
        "output_cfg_attr_and_methods",
        &["cannot be hashed into a cache key"],
        "`Repo` is not hashable: the receiver joins the key (a `self-hashed` review finding names `#[derive(CacheKey)]` and `skip_self`)",
    ),
];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn golden_names() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Writes the crate: `src/input_<name>.rs` and `src/output_<name>.rs` per golden file.
fn generate(dir: &Path) -> BTreeSet<String> {
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    let ws = workspace();
    let dep = |name: &str, folder: &str| {
        format!(
            "{name} = {{ path = {:?}, default-features = false }}\n",
            ws.join(folder).display().to_string()
        )
    };
    let manifest = format!(
        "[package]\nname = \"golden-outputs\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n# Standalone: not a member of the surrounding workspace.\n[workspace]\n\n[dependencies]\n{}{}{}",
        dep("legacy-cache", "legacy-cache"),
        dep("memo", "memo"),
        dep("singleton", "singleton"),
    );
    fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file pins the same versions it was tested with.
    fs::copy(ws.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

    let refused: BTreeMap<&str, &str> = REFUSED.iter().copied().collect();
    let mut lib = String::from("#![allow(warnings)]\n");
    let mut modules = BTreeSet::new();
    for name in golden_names() {
        let text = fs::read_to_string(golden.join(format!("{name}.rs"))).unwrap();
        let migrated = migrate::migrate_str(&text);
        match (&migrated, refused.get(name.as_str())) {
            (Ok(a), None) => {
                fs::write(src.join(format!("input_{name}.rs")), &text).unwrap();
                fs::write(src.join(format!("output_{name}.rs")), &a.output).unwrap();
                for m in [format!("input_{name}"), format!("output_{name}")] {
                    lib.push_str(&format!("mod {m};\n"));
                    modules.insert(m);
                }
            }
            (Err(_), Some(_)) => {}
            (Ok(_), Some(why)) => panic!("`{name}` is listed as refused ({why}) but migrates"),
            (Err(e), None) => panic!("`{name}` is refused unexpectedly: {e:?}"),
        }
    }
    fs::write(src.join("lib.rs"), lib).unwrap();
    modules
}

/// `cargo check` of the crate; the modules with errors, each with its rendered errors.
fn check(dir: &Path) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("golden-compiles-target");
    let out = Command::new(env!("CARGO"))
        .args([
            "check",
            "--offline",
            "--quiet",
            "--message-format=json",
            "--manifest-path",
        ])
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .output()
        .expect("cargo runs");
    let mut failing = BTreeMap::new();
    let mut unattributed = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-message" || msg["message"]["level"] != "error" {
            continue;
        }
        let rendered = msg["message"]["rendered"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let module = msg["message"]["spans"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["is_primary"] == true)
            .find_map(|s| {
                let file = s["file_name"].as_str()?;
                let stem = Path::new(file).file_stem()?.to_str()?;
                (file.starts_with("src/") && stem != "lib").then(|| stem.to_string())
            });
        match module {
            Some(m) => failing.entry(m).or_insert_with(Vec::new).push(rendered),
            // "aborting due to N previous errors" and the like have no span.
            None if msg["message"]["spans"]
                .as_array()
                .is_some_and(|s| s.is_empty()) => {}
            None => unattributed.push(rendered),
        }
    }
    if !out.status.success() && failing.is_empty() && unattributed.is_empty() {
        unattributed.push(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    (failing, unattributed)
}

#[test]
fn every_golden_input_and_output_compiles() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("golden-outputs");
    let modules = generate(&dir);
    for (m, _, why) in EXPECTED_ERRORS {
        assert!(modules.contains(*m), "`{m}` ({why}) is not a module");
    }
    let (failing, unattributed) = check(&dir);
    assert!(
        unattributed.is_empty(),
        "errors outside the golden modules:\n{}",
        unattributed.join("\n")
    );
    let expected: BTreeMap<&str, &[&str]> =
        EXPECTED_ERRORS.iter().map(|(m, p, _)| (*m, *p)).collect();
    let mut problems = Vec::new();
    for (m, errors) in &failing {
        for e in errors {
            match expected.get(m.as_str()) {
                Some(p) if p.iter().any(|p| e.contains(p)) => {}
                Some(p) => problems.push(format!("`{m}`: an error other than {p:?}:\n{e}")),
                None => problems.push(format!("`{m}` does not compile:\n{e}")),
            }
        }
    }
    for m in expected.keys() {
        if !failing.contains_key(*m) {
            problems.push(format!(
                "`{m}` is listed as failing but compiles (remove it from EXPECTED_ERRORS)"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
