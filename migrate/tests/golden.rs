//! Golden snapshots: every rule and input form, rendered as the diff plus the rustc-style
//! findings the CLI prints. Inputs live in `tests/golden/*.rs`.

use migrate::render;
use migrate::run::{FileKind, FileReport, RunReport};
use std::path::Path;

fn render_case(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    let src = std::fs::read_to_string(&path).expect("fixture exists");
    let shown = format!("golden/{name}");
    let mut report = RunReport::default();
    let mut file = FileReport {
        path: shown.into(),
        kind: FileKind::Rust,
        original: src.clone(),
        output: None,
        edits: vec![],
        findings: vec![],
        error: None,
        written: false,
    };
    match migrate::migrate_str(&src) {
        Ok(a) => {
            // The rewrite must be a fixed point.
            if a.output != src {
                let again = migrate::migrate_str(&a.output).expect("output parses");
                assert!(
                    again.edits.is_empty(),
                    "second run made edits: {:?}",
                    again.edits
                );
            }
            file.output = (a.output != src).then_some(a.output);
            file.edits = a.edits;
            file.findings = a.findings;
        }
        Err(e) => file.error = Some(e),
    }
    report.files.push(file);
    let mut out = String::new();
    out.push_str("=== diff ===\n");
    out.push_str(&render::diff(&report.files[0]));
    out.push_str("=== edits ===\n");
    for e in &report.files[0].edits {
        let (l, c) = migrate::line_col(&src, e.range.start);
        out.push_str(&format!(
            "{l}:{c} {} [{}] {}\n",
            e.rule.as_str(),
            e.applicability.as_str(),
            e.message
        ));
    }
    out.push_str("=== diagnostics ===\n");
    out.push_str(&render::diagnostics(&report, false));
    out
}

macro_rules! golden {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let text = render_case(concat!(stringify!($name), ".rs"));
            insta::assert_snapshot!(stringify!($name), text);
        }
    )*};
}

golden!(
    basic_memo,
    singleton_mutation_allowed,
    resource_returns,
    unserializable_returns,
    hash_funcs_rename,
    hash_funcs_unsafe,
    underscore_params,
    shared_hazards,
    shared_api_hazards,
    import_forms,
    grouped_imports,
    glob_and_modules,
    cfg_attr_and_methods,
    clear_cache,
    options_misc,
    macro_invocation,
    macro_rules_body,
    syntax_error,
    bom_and_unrelated,
    grammar_drift,
);
