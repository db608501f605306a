//! Runs the loom model check of the store's concurrent protocol (`tests/loom_protocol.rs`) as
//! part of `cargo test`: it needs the crate built with `RUSTFLAGS="--cfg loom"`, which this test
//! does in its own target directory (`<target>/loom`), so the flag never invalidates the normal
//! build. The nested cargo's output is streamed as it runs; a failing model fails this test.
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

#[test]
fn loom_model_check_passes() {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    // Flags the caller set (e.g. `-D warnings`) still apply; the encoded form would override.
    let mut rustflags = std::env::var("RUSTFLAGS").unwrap_or_default();
    rustflags.push_str(" --cfg loom");
    let dir = target_dir().join("loom");
    let mut cmd = Command::new(cargo);
    cmd.args([
        "test",
        "-p",
        "cache-store",
        "--test",
        "loom_protocol",
        "--release",
        "--locked",
        "--",
        "--nocapture",
    ])
    .current_dir(env!("CARGO_MANIFEST_DIR"))
    .env("RUSTFLAGS", rustflags.trim())
    .env_remove("CARGO_ENCODED_RUSTFLAGS")
    .env("CARGO_TARGET_DIR", &dir);
    eprintln!(
        "running the loom model check: RUSTFLAGS=\"--cfg loom\" CARGO_TARGET_DIR={} cargo test \
         -p cache-store --test loom_protocol --release --locked",
        dir.display()
    );
    // Inherited stdout and stderr: the nested build and the models report as they go.
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not start cargo for the loom model check: {e}"));
    assert!(
        status.success(),
        "the loom model check failed ({status}); its output is above, and the command to \
         rerun it is printed before it"
    );
}
