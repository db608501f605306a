//! Runs the loom model checks of the store's concurrent protocol (`tests/loom_protocol.rs`) and
//! of its map lock (`src/slot_lock.rs`) as part of `cargo test`: they need the crate built with
//! `RUSTFLAGS="--cfg loom"`, which these tests do in their own target directory
//! (`<target>/loom`), so the flag never invalidates the normal build. The nested cargo's output
//! is streamed as it runs; a failing model fails its test.
#![cfg(not(loom))]

use std::path::PathBuf;
use std::process::Command;

/// The workspace's target directory, as the outer `cargo test` uses it.
fn target_dir() -> PathBuf {
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    }
}

/// Runs `cargo test -p cache-store <target args> --release --locked -- <filter> --nocapture`
/// built for loom, and fails if it does.
fn run_loom(what: &str, target: &[&str], filter: &[&str]) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Flags the caller set (e.g. `-D warnings`) still apply; the encoded form would override.
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    rustflags.push_str(" --cfg loom");
    let dir = target_dir().join("loom");
    let mut args = vec!["test", "-p", "cache-store"];
    args.extend(target);
    args.extend(["--release", "--locked", "--"]);
    args.extend(filter);
    args.push("--nocapture");
    let mut cmd = Command::new(cargo);
    cmd.args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("RUSTFLAGS", rustflags.trim())
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env("CARGO_TARGET_DIR", &dir);
    eprintln!(
        "running the loom model check of {what}: RUSTFLAGS=\"--cfg loom\" CARGO_TARGET_DIR={} \
         cargo {}",
        dir.display(),
        args.join(" ")
    );
    // Inherited stdout and stderr: the nested build and the models report as they go.
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not start cargo for the loom model check: {e}"));
    assert!(
        status.success(),
        "the loom model check of {what} failed ({status}); its output is above, and the \
         command to rerun it is printed before it"
    );
}

/// The store's protocol (`tests/loom_protocol.rs`).
#[test]
fn loom_model_check_passes() {
    run_loom("the store's protocol", &["--test", "loom_protocol"], &[]);
}

/// The reader-slot lock's protocol (the `loom_model` unit tests of `src/slot_lock.rs`; the
/// other unit tests are not loom models and are filtered out).
#[test]
fn loom_model_of_the_slot_lock_passes() {
    run_loom("the slot lock", &["--lib"], &["loom_model"]);
}
