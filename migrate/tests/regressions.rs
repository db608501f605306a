//! Regressions: legacy code that used to be skipped silently, rewrites that did not build, and
//! rewrites that changed the file's conventions.

use migrate::run::{Config, Mode, run};
use migrate::{Rule, migrate_str};
use std::fs;

fn output(src: &str) -> String {
    match migrate_str(src) {
        Ok(a) => a.output,
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn extern_crate_alias_sites_are_migrated() {
    let src =
        "extern crate legacy_cache as lc;\n\n#[lc::cache(ttl = 5)]\nfn f() -> u8 {\n    1\n}\n";
    assert_eq!(
        output(src),
        "\n#[memo::memo(ttl = 5)]\nfn f() -> u8 {\n    1\n}\n"
    );
}

#[test]
fn extern_crate_alias_reaches_into_modules_and_stays_while_used() {
    let src = "extern crate legacy_cache as lc;\n\nmod m {\n    #[lc::cache]\n    fn f() -> u8 {\n        1\n    }\n    fn g() {\n        lc::clear_cache();\n    }\n}\n";
    let out = output(src);
    assert!(out.contains("    #[memo::memo]\n    fn f()"), "{out}");
    assert!(out.contains("memo::clear_all();"), "{out}");
    assert!(!out.contains("extern crate"), "{out}");
}

#[test]
fn sites_reached_through_a_reexport_are_reported_and_counted() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(
        src.join("lib.rs"),
        "pub use legacy_cache::cache as cached;\npub use legacy_cache as lc;\nmod a;\n",
    )
    .unwrap();
    let a = "use crate::cached;\n\n#[cached]\npub fn f() -> u8 {\n    1\n}\n\n#[crate::lc::cache(ttl = 1)]\npub fn g() -> u8 {\n    2\n}\n";
    fs::write(src.join("a.rs"), a).unwrap();
    let report = run(&Config {
        paths: vec![src.join("a.rs"), src.join("lib.rs")],
        mode: Mode::Check,
        no_manifest: true,
        ..Config::default()
    });
    let file = report
        .files
        .iter()
        .find(|f| f.path.ends_with("a.rs"))
        .expect("a.rs is reported");
    let lines: Vec<usize> = file
        .findings
        .iter()
        .filter(|f| f.rule == Rule::Unsupported && f.message.contains("re-export"))
        .map(|f| migrate::line_col(a, f.range.start).0)
        .collect();
    assert_eq!(lines, vec![3, 8], "{:?}", file.findings);
    assert_eq!(report.legacy_sites_left, 2);
    let summary = migrate::render::summary(&report, Mode::Check);
    assert!(
        summary.contains("2 legacy sites left on the legacy cache"),
        "{summary}"
    );
}

#[test]
fn nested_cfg_attr_is_migrated_with_its_import() {
    let src = "use legacy_cache::cache;\n\n#[cfg_attr(all(), cfg_attr(all(), cache(ttl = 5)))]\nfn f() -> u8 {\n    1\n}\n";
    assert_eq!(
        output(src),
        "use memo::memo;\n\n#[cfg_attr(all(), cfg_attr(all(), memo(ttl = 5)))]\nfn f() -> u8 {\n    1\n}\n"
    );
}

#[test]
fn a_raw_identifier_renamed_for_a_constant_hash_func_parses() {
    let src = "fn k(_t: &Tag) -> u8 {\n    0\n}\n#[legacy_cache::cache(hash_funcs(Tag = k))]\nfn f(r#type: Tag, n: u32) -> u32 {\n    let _ = r#type;\n    n\n}\n";
    let out = output(src);
    assert!(
        out.contains("#[memo::memo]\nfn f(_type: Tag, n: u32) -> u32 {\n    let _ = _type;"),
        "{out}"
    );
}

#[test]
fn two_entries_for_one_parameter_rename_it_once() {
    let src = "fn k(_c: &db::Conn) -> u8 {\n    0\n}\n#[legacy_cache::cache(hash_funcs(Conn = k, db::Conn = k))]\nfn f(c: &db::Conn) -> u32 {\n    let _ = c;\n    1\n}\n";
    let out = output(src);
    assert!(
        out.contains("#[memo::memo]\nfn f(_c: &db::Conn) -> u32 {\n    let _ = _c;"),
        "{out}"
    );
}

const TWO_TARGETS: &str = "use legacy_cache::{cache, clear_cache};\n\n#[cache(allow_output_mutation = true)]\nfn p() -> Vec<u8> {\n    vec![]\n}\n\n#[cache]\nfn d() -> u8 {\n    1\n}\n\nfn reset() {\n    clear_cache();\n}\n";

#[test]
fn crlf_files_keep_crlf_in_inserted_lines() {
    let src = TWO_TARGETS.replace('\n', "\r\n");
    let out = output(&src);
    assert!(out.contains("singleton::clear_all()"), "{out}");
    assert!(out.contains("use singleton::singleton;"), "{out}");
    let lone = out
        .match_indices('\n')
        .filter(|(i, _)| !out[..*i].ends_with('\r'))
        .count();
    assert_eq!(lone, 0, "{out:?}");
}

#[test]
fn a_clear_call_sharing_its_line_stays_on_it() {
    let src = TWO_TARGETS.replace(
        "fn reset() {\n    clear_cache();\n}\n",
        "fn reset() { clear_cache(); }\n",
    );
    let out = output(&src);
    assert!(
        out.contains("fn reset() { memo::clear_all(); singleton::clear_all(); }\n"),
        "{out}"
    );
}

#[test]
fn comments_inside_removed_options_are_kept() {
    let src = "use legacy_cache::cache;\n\n#[cache(\n    suppress_st_warning = true, // TODO: drop once the UI is gone\n    ttl = 5,\n)]\nfn f() -> u8 {\n    1\n}\n";
    assert_eq!(
        output(src),
        "use memo::memo;\n\n#[memo(\n    // TODO: drop once the UI is gone\n    ttl = 5,\n)]\nfn f() -> u8 {\n    1\n}\n"
    );
}

#[test]
fn a_comment_in_a_wholly_removed_argument_list_is_kept() {
    let src = "#[legacy_cache::cache(suppress_st_warning = true /* see the UI */)]\nfn f() -> u8 {\n    1\n}\n";
    assert_eq!(
        output(src),
        "#[memo::memo(/* see the UI */)]\nfn f() -> u8 {\n    1\n}\n"
    );
}

#[test]
fn a_comment_marker_inside_a_string_is_not_a_comment() {
    let src = "#[legacy_cache::cache(sampling = false, show_spinner = \"a // b\")]\nfn f() -> u8 {\n    1\n}\n";
    assert_eq!(
        output(src),
        "#[memo::memo(show_spinner = \"a // b\")]\nfn f() -> u8 {\n    1\n}\n"
    );
}

/// Runs `f` on a thread with rayon's default worker stack (2 MiB), where files are analysed.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

fn nested(depth: usize) -> Vec<String> {
    let site = "use legacy_cache::cache;\n#[cache]\nfn g() -> u8 {\n    1\n}\n";
    vec![
        format!(
            "{site}{}fn f() {{}}{}\n",
            "mod m { ".repeat(depth - 1),
            " }".repeat(depth - 1)
        ),
        format!(
            "{site}fn f() -> u32 {{ {}1{} }}\n",
            "(".repeat(depth - 1),
            ")".repeat(depth - 1)
        ),
        format!(
            "{site}fn f() {{ {}{} }}\n",
            "{ ".repeat(depth - 1),
            " }".repeat(depth - 1)
        ),
        format!(
            "{site}fn f() -> u32 {{ {}1{} }}\n",
            "[".repeat(depth - 1),
            "][0]".repeat(depth - 1)
        ),
    ]
}

#[test]
fn the_deepest_nesting_allowed_fits_a_worker_stack() {
    on_small_stack(|| {
        for src in nested(migrate::MAX_NESTING) {
            let a = migrate_str(&src).unwrap_or_else(|e| panic!("{e:?}"));
            assert!(a.output.contains("#[memo]"));
        }
    });
}

#[test]
fn deeper_nesting_is_an_error_for_that_file_not_an_abort() {
    let deep = [1500, 4000];
    on_small_stack(move || {
        for depth in deep {
            for src in nested(depth) {
                let e = migrate_str(&src).unwrap_err();
                assert_eq!(e.rule, Rule::ParseError);
                assert!(e.message.contains("nest"), "{}", e.message);
            }
        }
    });
}
