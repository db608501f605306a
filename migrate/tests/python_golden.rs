//! Golden snapshots of the Python front end: every rule and input form, rendered as the diff,
//! the edits and the diagnostics the CLI prints. Inputs live in
//! `tests/fixtures/python/golden/`.

use migrate::python::{analyze_python, pin_findings};
use migrate::render;
use migrate::run::{FileKind, FileReport, RunReport};
use std::path::Path;

fn render_report(file: FileReport) -> String {
    let src = file.original.clone();
    let mut report = RunReport::default();
    report.files.push(file);
    let f = &report.files[0];
    let mut out = String::from("=== diff ===\n");
    out.push_str(&render::diff(f));
    out.push_str("=== edits ===\n");
    for e in &f.edits {
        let (l, c) = migrate::line_col(&src, e.range.start);
        out.push_str(&format!(
            "{l}:{c} {} [{}] {} => {:?}\n",
            e.rule.as_str(),
            e.applicability.as_str(),
            e.message,
            e.replacement
        ));
    }
    out.push_str("=== diagnostics ===\n");
    out.push_str(&render::diagnostics(&report, false));
    out
}

fn read(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/python/golden")
        .join(name);
    std::fs::read_to_string(path).expect("fixture exists")
}

fn render_case(name: &str) -> String {
    let src = read(name);
    let mut file = FileReport {
        path: format!("golden/{name}").into(),
        kind: FileKind::Python,
        original: src.clone(),
        output: None,
        edits: vec![],
        findings: vec![],
        error: None,
        written: false,
    };
    match analyze_python(&src) {
        Ok(a) => {
            if a.output != src {
                // The rewrite must be a fixed point.
                let again = analyze_python(&a.output).expect("output parses");
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
    render_report(file)
}

macro_rules! golden {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            let text = render_case(concat!(stringify!($name), ".py"));
            insta::assert_snapshot!(concat!("py_", stringify!($name)), text);
        }
    )*};
}

golden!(
    decorator_forms,
    resource_detection,
    import_forms,
    experimental_and_clear,
    hazards,
    call_forms,
    untouched,
    syntax_error,
);

#[test]
fn requirement_pins() {
    let mut text = String::new();
    for (name, pyproject) in [("requirements.txt", false), ("pyproject.toml", true)] {
        let src = read(name);
        let findings = pin_findings(&src, pyproject);
        text.push_str(&render_report(FileReport {
            path: format!("golden/{name}").into(),
            kind: FileKind::PythonRequirements,
            original: src,
            output: None,
            edits: vec![],
            findings,
            error: None,
            written: false,
        }));
    }
    insta::assert_snapshot!("py_requirement_pins", text);
}
