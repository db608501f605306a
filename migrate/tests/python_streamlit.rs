//! Proof against the real thing: every fixture app under `tests/fixtures/python/apps` fails
//! under Streamlit 1.67 before `cache-migrate --write` (the removed `st.cache` /
//! `experimental_*` names) and runs without an exception after it, and every `st.cache_data` /
//! `st.cache_resource` call in the migrated apps binds to the real signature. The apps under
//! `hazard_apps` check that a hazard finding is not a false alarm: the real Streamlit fails
//! exactly where the tool said a human must look.
//!
//! The environment is built once by `python_env` (a venv under the target directory from the
//! pinned `tests/fixtures/python/requirements.txt`). Without `python3` the test prints a loud
//! skip line, except under `CI=true`, where a missing environment is a failure.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

mod python_env;

use python_env::{STREAMLIT, fixtures, python};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// Migrates a copy of `dir` with the real binary and runs the checker; returns its JSON and
/// the tool's JSON report.
fn check(py: &Path, dir: &str) -> (Value, Value) {
    let tmp = tempfile::tempdir().unwrap();
    let before = tmp.path().join("before");
    let after = tmp.path().join("after");
    copy_dir(&fixtures().join(dir), &before);
    copy_dir(&fixtures().join(dir), &after);
    let out = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--write", "--format", "json", "--lang", "py"])
        .arg(&after)
        .output()
        .unwrap();
    let tool: Value = serde_json::from_slice(&out.stdout).expect("tool JSON");
    assert_eq!(
        out.status.code(),
        Some(0),
        "cache-migrate --write: {tool:#}"
    );
    let run = Command::new(py)
        .arg(fixtures().join("check_apps.py"))
        .arg(&before)
        .arg(&after)
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "check_apps.py failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&run.stdout).expect("checker JSON");
    assert_eq!(report["streamlit"], STREAMLIT);
    (report, tool)
}

fn apps_in(dir: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fixtures().join(dir))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".py"))
        .collect();
    v.sort();
    v
}

#[test]
fn real_streamlit_runs_migrated_apps() {
    let Some(py) = python() else { return };
    let (report, _) = check(&py, "apps");
    let apps = apps_in("apps");
    assert!(apps.len() >= 5, "fixture apps missing: {apps:?}");
    for app in &apps {
        let r = &report["apps"][app.as_str()];
        let before: Vec<&str> = r["before"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(
            before.iter().any(|m| m.contains("has no attribute 'cache'")
                || m.contains("cannot import name 'cache'")
                || m.contains("experimental_memo")
                || m.contains("experimental_singleton")),
            "{app}: expected the removed-API error before migration, got {before:?}"
        );
        assert_eq!(
            r["after"].as_array().unwrap().len(),
            0,
            "{app}: exception after migration: {:#}",
            r["after"]
        );
        assert!(
            r["checked_calls"].as_u64().unwrap() > 0,
            "{app}: no decorator checked"
        );
        assert_eq!(
            r["bind_problems"].as_array().unwrap().len(),
            0,
            "{app}: arguments that do not bind: {:#}",
            r["bind_problems"]
        );
    }
}

#[test]
fn hazard_findings_match_real_failures() {
    let Some(py) = python() else { return };
    let (report, tool) = check(&py, "hazard_apps");
    let rules: Vec<&str> = tool["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"self-hashed"), "{rules:?}");
    let after = &report["apps"]["method_self.py"]["after"];
    assert!(
        after
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("Cannot hash argument 'self'")),
        "the self-hashed finding should match Streamlit's failure, got {after:#}"
    );
}
