//! The Python side of a run: read, analyse in parallel, and hand back file reports for the
//! shared report and write path.

use super::{analyze_python, pin_findings, relevant};
use crate::lang::Language;
use crate::run::{FileKind, FileReport, Loaded, load};
use rayon::prelude::*;
use std::path::PathBuf;

/// What the Python front end contributes to a run.
#[derive(Debug, Default)]
pub struct PyRun {
    /// Files with edits, findings or errors.
    pub reports: Vec<FileReport>,
    /// Bytes read.
    pub bytes: u64,
    /// Files parsed.
    pub parsed: usize,
}

fn report(path: PathBuf, kind: FileKind, original: String) -> FileReport {
    FileReport {
        path,
        kind,
        original,
        output: None,
        edits: Vec::new(),
        findings: Vec::new(),
        error: None,
        written: false,
    }
}

/// Processes `.py` files and Python requirement files. Files that do not mention Streamlit are
/// only read, unless `parse_all`.
pub fn process(files: &[PathBuf], parse_all: bool, max_size: u64) -> PyRun {
    let results: Vec<(Option<FileReport>, u64, bool)> = files
        .par_iter()
        .map(|p| {
            let is_req = Language::of(p) == Some(Language::PythonRequirements);
            let kind = if is_req {
                FileKind::PythonRequirements
            } else {
                FileKind::Python
            };
            match load(p, max_size) {
                Loaded::Skip(n) => (None, n, false),
                Loaded::Error(e, n) => {
                    let mut r = report(p.clone(), kind, String::new());
                    r.error = Some(e);
                    (Some(r), n, false)
                }
                Loaded::Text(t) => {
                    let n = t.len() as u64;
                    if is_req {
                        let findings = pin_findings(&t, p.ends_with("pyproject.toml"));
                        if findings.is_empty() {
                            return (None, n, false);
                        }
                        let mut r = report(p.clone(), kind, t);
                        r.findings = findings;
                        return (Some(r), n, false);
                    }
                    if !parse_all && !relevant(&t) {
                        return (None, n, false);
                    }
                    let mut r = match analyze_python(&t) {
                        Ok(a) => {
                            if a.edits.is_empty() && a.findings.is_empty() {
                                return (None, n, true);
                            }
                            let mut r = report(p.clone(), kind, String::new());
                            r.output = (a.output != t).then_some(a.output);
                            r.edits = a.edits;
                            r.findings = a.findings;
                            r
                        }
                        Err(e) => {
                            let mut r = report(p.clone(), kind, String::new());
                            r.error = Some(e);
                            r
                        }
                    };
                    r.original = t;
                    (Some(r), n, true)
                }
            }
        })
        .collect();
    let mut run = PyRun::default();
    for (r, n, parsed) in results {
        run.bytes += n;
        run.parsed += usize::from(parsed);
        run.reports.extend(r);
    }
    run
}
