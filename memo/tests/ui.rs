//! Compile-time guarantees and their error messages (the messages are part of the product).

/// Cases whose expected output depends on the `polars` feature. rustc follows an unmet
/// `Deserialize` bound with a list of types that do implement it, and its format changes when
/// polars' impls are in scope, so the snapshot (taken with polars, as `cargo test --workspace`
/// builds) only matches with the feature on.
const NEEDS_POLARS: &[&str] = &["not_serializable.rs"];

/// Cases about building without memo's `redis` feature (skipped when a build turns it on).
const WITHOUT_REDIS: &[&str] = &["redis_without_feature.rs"];

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    let mut cases: Vec<_> = std::fs::read_dir("tests/ui")
        .expect("tests/ui is readable")
        .map(|entry| entry.expect("tests/ui entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .filter(|path| {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            (cfg!(feature = "polars") || !NEEDS_POLARS.contains(&name))
                && (!cfg!(feature = "redis") || !WITHOUT_REDIS.contains(&name))
        })
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no UI cases found in tests/ui");
    for case in cases {
        t.compile_fail(case);
    }
}
