//! Throughput of the Python front end against ruff, in the same run on the same trees:
//! `cache-migrate --check --parse-all --lang py` (every file parsed and analysed) versus
//! `ruff check --no-cache --select F` (ruff's parser plus the Pyflakes rules). Two trees: the
//! `.py` files of the test venv's site-packages (real third-party code, almost nothing to
//! migrate) and copies of the fixture apps (every file needs edits). Each side's MB/s uses the
//! bytes that side read; the goal (not slower than ruff per byte) is checked on site-packages.
//! A benchmark, so ignored by default:
//!
//! `cargo test --release -p migrate --test python_throughput -- --ignored --nocapture`

mod python_env;

use python_env::{fixtures, python};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// Copies the `.py` files under `from` to `to`, keeping the layout; returns the bytes copied.
fn copy_py(from: &Path, to: &Path) -> u64 {
    let mut bytes = 0;
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let t = e.file_type().unwrap();
        if t.is_dir() {
            bytes += copy_py(&p, &to.join(e.file_name()));
        } else if t.is_file() && p.extension().is_some_and(|x| x == "py") {
            std::fs::create_dir_all(to).unwrap();
            bytes += std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
    bytes
}

fn site_packages(py: &Path) -> PathBuf {
    let lib = py.parent().unwrap().parent().unwrap().join("lib");
    let ver = std::fs::read_dir(&lib)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("python")
        })
        .expect("lib/pythonX.Y");
    ver.join("site-packages")
}

struct Timing {
    seconds: f64,
    bytes: u64,
    files: u64,
}

fn migrate_check(tree: &Path) -> Timing {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_cache-migrate"))
        .args(["--check", "--parse-all", "--lang", "py", "--format", "json"])
        .arg(tree)
        .output()
        .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    assert_eq!(
        v["summary"]["files_parsed"], v["summary"]["files_scanned"],
        "every file must be parsed"
    );
    Timing {
        seconds,
        bytes: v["summary"]["bytes"].as_u64().unwrap(),
        files: v["summary"]["files_parsed"].as_u64().unwrap(),
    }
}

fn ruff_check(ruff: &Path, tree: &Path) -> Timing {
    let listed = Command::new(ruff)
        .args(["check", "--no-cache", "--select", "F", "--show-files"])
        .arg(tree)
        .output()
        .unwrap();
    let files: Vec<PathBuf> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(PathBuf::from)
        .filter(|p| p.is_file())
        .collect();
    let bytes = files
        .iter()
        .map(|f| std::fs::metadata(f).unwrap().len())
        .sum();
    let start = Instant::now();
    let out = Command::new(ruff)
        .args([
            "check",
            "--no-cache",
            "--select",
            "F",
            "--exit-zero",
            "--quiet",
        ])
        .arg(tree)
        .output()
        .unwrap();
    let seconds = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "ruff failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Timing {
        seconds,
        bytes,
        files: files.len() as u64,
    }
}

fn mbps(t: &Timing) -> f64 {
    t.bytes as f64 / 1e6 / t.seconds
}

#[test]
#[ignore = "benchmark: run with --release -- --ignored --nocapture"]
fn check_is_not_slower_than_ruff_per_byte() {
    let Some(py) = python() else { return };
    let ruff = py.parent().unwrap().join("ruff");
    // Outside the repository: a .gitignore above the venv would hide it from the walk.
    let tmp = tempfile::tempdir().unwrap();
    let site = tmp.path().join("site-packages");
    copy_py(&site_packages(&py), &site);
    let apps = tmp.path().join("apps");
    for i in 0..400 {
        for name in ["apps", "hazard_apps"] {
            for e in std::fs::read_dir(fixtures().join(name)).unwrap() {
                let p = e.unwrap().path();
                let dir = apps.join(format!("app{i:03}"));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let mut worse = Vec::new();
    for (name, tree) in [("site-packages", &site), ("legacy apps", &apps)] {
        // Alternate the two tools, best of three each, so both see the same machine load.
        let mut best: (Option<Timing>, Option<Timing>) = (None, None);
        for _ in 0..3 {
            let m = migrate_check(tree);
            let r = ruff_check(&ruff, tree);
            if best.0.as_ref().is_none_or(|b| m.seconds < b.seconds) {
                best.0 = Some(m);
            }
            if best.1.as_ref().is_none_or(|b| r.seconds < b.seconds) {
                best.1 = Some(r);
            }
        }
        let (m, r) = (best.0.unwrap(), best.1.unwrap());
        println!(
            "{name}: cache-migrate --check {} files, {:.1} MB in {:.3} s = {:.1} MB/s; ruff check --select F {} files, {:.1} MB in {:.3} s = {:.1} MB/s",
            m.files,
            m.bytes as f64 / 1e6,
            m.seconds,
            mbps(&m),
            r.files,
            r.bytes as f64 / 1e6,
            r.seconds,
            mbps(&r)
        );
        assert!(m.bytes > 0 && r.bytes > 0 && m.files > 0);
        // The goal is set for real code (one parse per file). In the all-edits tree every file
        // is parsed twice (the rewrite is re-parsed) and its diagnostics rendered, while ruff
        // has nothing to report: there the numbers are reported, not judged.
        if name == "site-packages" && mbps(&m) < mbps(&r) {
            worse.push(name);
        }
    }
    if cfg!(debug_assertions) {
        println!("debug build: throughput not judged (run with --release)");
    } else {
        assert!(worse.is_empty(), "slower than ruff per byte on {worse:?}");
    }
}
