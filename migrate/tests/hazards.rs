//! Uses of a legacy result that only `Shared<T>` supports, and calls of the `try_f` companion:
//! each would be a compile error after the rewrite, so the function keeps the legacy cache and
//! the use gets a finding naming the fix.

use migrate::run::{Config, Mode, run};
use migrate::{Applicability, FileAnalysis, Rule, migrate_str};
use std::fs;

const CACHED: &str = "use legacy_cache::{cache, Shared};\n\n#[cache]\nfn f(n: u32) -> Vec<u32> {\n    vec![n]\n}\n\n";

/// Migrates `CACHED` followed by `caller`; asserts `f` stayed on the legacy cache with an
/// attribute finding of `rule`, and a finding of `rule` at the line of `marker`.
fn kept_with_finding(caller: &str, marker: &str, rule: Rule) -> FileAnalysis {
    let src = format!("{CACHED}{caller}");
    let a = migrate_str(&src).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        a.output.contains("#[cache]\nfn f"),
        "`f` was rewritten:\n{}",
        a.output
    );
    assert_eq!(a.kept_sites, 1, "{:?}", a.findings);
    let attr = src.find("#[cache]").unwrap();
    assert!(
        a.findings.iter().any(|f| f.range.start == attr
            && f.rule == rule
            && f.applicability == Applicability::Review
            && f.message.contains("keeps the legacy cache")),
        "no attribute finding: {:?}",
        a.findings
    );
    let use_line = src.find(marker).expect("marker in the caller");
    let use_line = migrate::line_col(&src, use_line).0;
    assert!(
        a.findings.iter().any(|f| f.rule == rule
            && migrate::line_col(&src, f.range.start).0 == use_line
            && f.help
                .as_deref()
                .is_some_and(|h| h.contains("then run again"))),
        "no finding with a fix at line {use_line}: {:?}",
        a.findings
    );
    a
}

#[test]
fn mutating_through_a_cloned_handle_keeps_the_legacy_cache() {
    kept_with_finding(
        "pub fn g() {\n    let h = f(1);\n    let mut h2 = h.clone();\n    h2.mutate(|v| v.push(1));\n}\n",
        "h2.mutate",
        Rule::SharedMutation,
    );
}

#[test]
fn a_clone_through_the_trait_path_is_tracked_too() {
    kept_with_finding(
        "pub fn g() {\n    let h = f(1);\n    let mut h2 = Shared::clone(&h);\n    h2.mutate(|v| v.push(1));\n}\n",
        "h2.mutate",
        Rule::SharedMutation,
    );
}

#[test]
fn try_mutate_keeps_the_legacy_cache() {
    let a = kept_with_finding(
        "pub fn g() -> Option<()> {\n    let mut h = f(1);\n    h.try_mutate(|v| v.push(1))\n}\n",
        "h.try_mutate",
        Rule::SharedMutation,
    );
    assert!(
        a.findings
            .iter()
            .any(|f| f.message.contains("`Shared::try_mutate`")),
        "{:?}",
        a.findings
    );
}

#[test]
fn a_destructured_mut_binding_is_tracked() {
    kept_with_finding(
        "pub fn g() {\n    let (mut n, _) = (f(1), 1);\n    n.mutate(|v| v.clear());\n}\n",
        "n.mutate",
        Rule::SharedMutation,
    );
}

#[test]
fn a_binding_assigned_after_its_let_is_tracked() {
    kept_with_finding(
        "pub fn g() {\n    let mut a;\n    a = f(2);\n    a.mutate(|v| v.clear());\n}\n",
        "a.mutate",
        Rule::SharedMutation,
    );
}

#[test]
fn ptr_eq_keeps_the_legacy_cache_and_names_arc_ptr_eq() {
    let a = kept_with_finding(
        "pub fn g() -> bool {\n    Shared::ptr_eq(&f(1), &f(1))\n}\n",
        "Shared::ptr_eq",
        Rule::SharedApi,
    );
    assert!(
        a.findings
            .iter()
            .any(|f| f.help.as_deref().is_some_and(|h| h.contains("Arc::ptr_eq"))),
        "{:?}",
        a.findings
    );
}

#[test]
fn the_try_companion_keeps_the_legacy_cache() {
    let a = kept_with_finding(
        "pub fn g() -> usize {\n    try_f(4).map(|v| v.len()).unwrap_or(0)\n}\n",
        "try_f(4)",
        Rule::SharedApi,
    );
    assert!(
        a.findings
            .iter()
            .any(|f| f.help.as_deref().is_some_and(|h| h.contains("no `try_f`"))),
        "{:?}",
        a.findings
    );
}

#[test]
fn the_try_companion_of_a_method_is_found_in_method_form() {
    let src = "use legacy_cache::cache;\n\nstruct S;\n\nimpl S {\n    #[cache]\n    fn total(&self, n: u32) -> u32 {\n        n\n    }\n}\n\npub fn g() -> u32 {\n    S.try_total(1).map(|v| *v).unwrap_or(0)\n}\n";
    let a = migrate_str(src).unwrap();
    assert!(a.output.contains("#[cache]\n    fn total"), "{}", a.output);
    assert_eq!(a.kept_sites, 1);
}

#[test]
fn refresh_and_snapshot_keep_the_legacy_cache() {
    kept_with_finding(
        "pub fn g() -> usize {\n    let mut r = f(1);\n    r.refresh();\n    r.len()\n}\n",
        "r.refresh",
        Rule::SharedApi,
    );
    kept_with_finding(
        "pub fn g() -> std::sync::Arc<Vec<u32>> {\n    std::sync::Arc::clone(f(1).snapshot())\n}\n",
        "snapshot",
        Rule::SharedApi,
    );
}

#[test]
fn plain_reads_and_unrelated_methods_still_migrate() {
    let src = format!(
        "{CACHED}pub fn g() -> usize {{\n    let h = f(1);\n    let c = h.clone();\n    let (a, b) = (f(2), 3);\n    let r = \"x\".try_into().unwrap_or(0u8);\n    c.len() + a.len() + b + r as usize\n}}\n"
    );
    let a = migrate_str(&src).unwrap();
    assert!(a.output.contains("#[memo]\nfn f"), "{}", a.output);
    assert_eq!(a.kept_sites, 0, "{:?}", a.findings);
}

#[test]
fn a_try_companion_call_in_a_file_not_naming_legacy_cache_is_found() {
    // The caller's file names neither `legacy_cache` nor `mutate`, so only the run's second look
    // (once the legacy functions are known) finds the call.
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(
        src.join("lib.rs"),
        "use legacy_cache::cache;\nmod caller;\n\n#[cache]\npub fn load(n: u32) -> Vec<u32> {\n    vec![n]\n}\n",
    )
    .unwrap();
    fs::write(
        src.join("caller.rs"),
        "pub fn g() -> usize {\n    crate::try_load(1).map(|v| v.len()).unwrap_or(0)\n}\n",
    )
    .unwrap();
    let report = run(&Config {
        paths: vec![src.clone()],
        mode: Mode::Check,
        no_manifest: true,
        ..Config::default()
    });
    let lib = report
        .files
        .iter()
        .find(|f| f.path.ends_with("lib.rs"))
        .expect("lib.rs is reported");
    assert!(
        lib.output.is_none(),
        "lib.rs was rewritten: {:?}",
        lib.output
    );
    assert!(
        lib.findings
            .iter()
            .any(|f| f.rule == Rule::SharedApi && f.message.contains("caller.rs:2:")),
        "{:?}",
        lib.findings
    );
    let caller = report
        .files
        .iter()
        .find(|f| f.path.ends_with("caller.rs"))
        .expect("caller.rs is analysed");
    assert!(
        caller.findings.iter().any(|f| f.rule == Rule::SharedApi),
        "{:?}",
        caller.findings
    );
}

#[test]
fn a_method_receiver_is_reported_as_part_of_the_key() {
    // `Repo` is not hashable: #[memo] rejects it at compile time where the legacy cache ran the
    // method uncached.
    let src = "use legacy_cache::cache;\n\npub struct Repo;\n\nimpl Repo {\n    #[cache]\n    pub fn get(&self, id: u32) -> u32 {\n        id\n    }\n}\n";
    let a = migrate_str(src).unwrap();
    assert!(a.output.contains("#[memo]"), "{}", a.output);
    let f = a
        .findings
        .iter()
        .find(|f| f.rule == Rule::SelfHashed)
        .expect("a self-hashed finding");
    assert_eq!(&src[f.range.clone()], "self");
    assert!(f.help.as_deref().unwrap().contains("skip_self"), "{f:?}");
}

#[test]
fn a_memo_return_type_defined_here_without_serde_is_reported() {
    let src = "use legacy_cache::cache;\n\npub struct Config;\n\n#[derive(Clone, serde::Serialize, serde::Deserialize)]\npub struct Rows;\n\n#[cache]\nfn config() -> Option<Config> {\n    None\n}\n\n#[cache]\nfn rows() -> Vec<Rows> {\n    vec![]\n}\n";
    let a = migrate_str(src).unwrap();
    let not_storable: Vec<&str> = a
        .findings
        .iter()
        .filter(|f| f.rule == Rule::NotStorable)
        .map(|f| &src[f.range.clone()])
        .collect();
    assert_eq!(not_storable, ["Option<Config>"], "{:?}", a.findings);
}

#[test]
fn serde_impls_written_by_hand_count_as_storable() {
    let src = "use legacy_cache::cache;\n\npub struct Config;\nimpl serde::Serialize for Config {}\nimpl<'de> serde::Deserialize<'de> for Config {}\n\n#[cache]\nfn config() -> Config {\n    Config\n}\n";
    let a = migrate_str(src).unwrap();
    assert!(
        !a.findings.iter().any(|f| f.rule == Rule::NotStorable),
        "{:?}",
        a.findings
    );
}
