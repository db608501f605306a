//! The pinned Python environment of the Python front end's tests: a venv under the target
//! directory with `tests/fixtures/python/requirements.txt` (streamlit 1.67.0, ruff), created
//! once and reused while the requirements are unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const STREAMLIT: &str = "1.67.0";

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/python")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Skips (outside CI) or fails (in CI) with one loud line.
fn unavailable(why: &str) -> Option<PathBuf> {
    let msg = format!(
        "Python tests of cache-migrate: {why}. Install python3 with venv (e.g. `apt-get install -y python3 python3-venv`) to run them"
    );
    if in_ci() {
        panic!("{msg} (CI=true: a missing environment is a failure)");
    }
    eprintln!("\n!!!!! SKIPPED: {msg} !!!!!\n");
    None
}

/// The venv's python, created once per test run (both tests share it) and reused across runs
/// while the requirements are unchanged.
pub fn python() -> Option<PathBuf> {
    static PY: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    PY.get_or_init(bootstrap).clone()
}

fn bootstrap() -> Option<PathBuf> {
    let requirements = fixtures().join("requirements.txt");
    let wanted = std::fs::read_to_string(&requirements).expect("requirements.txt is committed");
    let venv =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("py-venv-streamlit-{STREAMLIT}"));
    let py = venv.join("bin/python");
    let marker = venv.join("requirements.done");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) && py.is_file() {
        return Some(py);
    }
    if Command::new("python3").arg("--version").output().is_err() {
        return unavailable("python3 is not on PATH");
    }
    let _ = std::fs::remove_dir_all(&venv);
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .output()
        .expect("run python3");
    if !made.status.success() {
        return unavailable(&format!(
            "`python3 -m venv` failed: {}",
            String::from_utf8_lossy(&made.stderr).trim()
        ));
    }
    let pip = Command::new(&py)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "-r",
        ])
        .arg(&requirements)
        .output()
        .expect("run pip");
    assert!(
        pip.status.success(),
        "pip install -r {} failed:\n{}",
        requirements.display(),
        String::from_utf8_lossy(&pip.stderr)
    );
    std::fs::write(&marker, wanted).expect("write marker");
    Some(py)
}
