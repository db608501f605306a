//! Records, at build time, what the report header needs and the binary cannot find out later:
//! the rustc that compiled it and the locked versions of the compared crates.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=HARNESS_RUSTC_VERSION={version}");

    // Cargo.lock sits next to this package's manifest (the workspace root).
    let lock = std::fs::read_to_string("Cargo.lock").unwrap_or_default();
    for (krate, var) in [
        ("mimalloc", "HARNESS_MIMALLOC_VERSION"),
        ("cached", "HARNESS_CACHED_VERSION"),
        ("moka", "HARNESS_MOKA_VERSION"),
        ("quick_cache", "HARNESS_QUICK_CACHE_VERSION"),
        ("dashmap", "HARNESS_DASHMAP_VERSION"),
        ("bincode", "HARNESS_BINCODE_VERSION"),
    ] {
        println!(
            "cargo:rustc-env={var}={}",
            locked_version(&lock, krate).unwrap_or("unknown")
        );
    }
}

/// The version of `name` in a Cargo.lock (the first match if several are locked).
fn locked_version<'a>(lock: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("name = \"{name}\"\nversion = \"");
    let start = lock.find(&needle)? + needle.len();
    let len = lock[start..].find('"')?;
    Some(&lock[start..start + len])
}
