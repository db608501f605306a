//! The Python front end: migrates Streamlit apps from `st.cache`, `st.experimental_memo`,
//! `st.experimental_singleton` and `st.legacy_caching.clear_cache()` to `st.cache_data` /
//! `st.cache_resource`, with ruff's parser for exact byte ranges.
//!
//! ```
//! let src = "import streamlit as st\n\n@st.cache(allow_output_mutation=True)\ndef model():\n    return 1\n";
//! let out = migrate::python::analyze_python(src).unwrap();
//! assert!(out.output.contains("@st.cache_resource\ndef model():"));
//! ```

mod args;
mod collect;
mod drive;
mod hazards;
mod pins;
mod scope;

pub use drive::{PyRun, process};
pub use pins::pin_findings;

use crate::edit::apply_edits;
use crate::model::FileError;
use crate::model::{Applicability, Edit, Finding, Rule};
use collect::{ClearForm, Collector};
use ruff_python_ast::visitor::Visitor;
use scope::{Api, Scope, Target};
use std::collections::{BTreeSet, HashMap};

/// The result of analysing one Python file.
#[derive(Debug, Clone)]
pub struct PyAnalysis {
    /// The rewritten text (equal to the input when there are no edits); it parses.
    pub output: String,
    /// Edits on the original text.
    pub edits: Vec<Edit>,
    /// Findings, sorted by position.
    pub findings: Vec<Finding>,
}

/// Whether a file can need edits at all: only files that mention Streamlit.
pub fn relevant(text: &str) -> bool {
    text.contains("streamlit")
}

fn parse_error(e: &ruff_python_parser::ParseError) -> FileError {
    let r = e.location;
    FileError {
        rule: Rule::ParseError,
        message: format!("syntax error: {}; the file is left unchanged", e.error),
        range: Some(r.start().to_usize()..r.end().to_usize()),
    }
}

/// Parses `text` and plans the migration. A file that does not parse is an error (and is never
/// rewritten); so is a rewrite that would not parse (a bug in the tool, reported, not written).
pub fn analyze_python(text: &str) -> Result<PyAnalysis, FileError> {
    let parsed = ruff_python_parser::parse_module(text).map_err(|e| parse_error(&e))?;
    let module = parsed.syntax();
    let scope = Scope::build(&module.body);
    if !scope.uses_streamlit() {
        return Ok(PyAnalysis {
            output: text.to_string(),
            edits: Vec::new(),
            findings: Vec::new(),
        });
    }
    let mut c = Collector::new(text, &scope);
    c.visit_body(&module.body);
    let mut edits = std::mem::take(&mut c.edits);
    let mut findings = std::mem::take(&mut c.findings);
    findings.extend(hazards::mutations(&module.body, &c.resource_fns));
    plan_renames(&c, &scope, &mut edits);
    plan_clears(&c, &scope, &mut edits, &mut findings);
    for range in &scope.module_fixes {
        edits.push(Edit::new(
            range.clone(),
            "streamlit",
            Rule::ClearCache,
            Applicability::Safe,
            "the legacy caching module is gone: import streamlit itself",
        ));
    }
    for (range, what) in &scope.unsupported_imports {
        findings.push(
            Finding::new(
                range.clone(),
                Rule::Unsupported,
                Applicability::Review,
                format!("{what}: the module no longer exists"),
            )
            .with_help("call st.cache_data.clear() / st.cache_resource.clear() instead"),
        );
    }
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    findings.sort_by_key(|f| (f.range.start, f.range.end));
    let output = apply_edits(text, &edits).map_err(|e| FileError {
        rule: Rule::InternalError,
        message: format!("{e} (a bug in cache-migrate); nothing written"),
        range: Some(e.second.0..e.second.1),
    })?;
    if output != text
        && let Err(e) = ruff_python_parser::parse_module(&output)
    {
        return Err(FileError {
            rule: Rule::InternalError,
            message: format!(
                "the rewritten file would not parse ({}) (a bug in cache-migrate); nothing written",
                e.error
            ),
            range: None,
        });
    }
    Ok(PyAnalysis {
        output,
        edits,
        findings,
    })
}

/// Renames every reference; a `from streamlit import cache` import is rewritten to the names
/// its uses now need.
fn plan_renames(c: &Collector<'_, '_>, scope: &Scope<'_>, edits: &mut Vec<Edit>) {
    let mut by_import: HashMap<usize, BTreeSet<Target>> = HashMap::new();
    // An import edit is as trustworthy as the least trustworthy use it serves.
    let mut review: HashMap<usize, Applicability> = HashMap::new();
    for r in &c.renames {
        if let Some(i) = r.import {
            by_import.entry(i).or_default().insert(r.target);
            let a = review.entry(i).or_insert(Applicability::Safe);
            *a = (*a).max(r.applicability);
        }
    }
    // How each from-import is rewritten: keep the local name (rename the imported one) or
    // import the new names and rename every use.
    let mut rename_uses: HashMap<usize, bool> = HashMap::new();
    for (i, fi) in scope.from_imports.iter().enumerate() {
        let targets = by_import.remove(&i).unwrap_or_default();
        let fixed = match fi.api {
            Api::Memo => Target::Data,
            Api::Singleton => Target::Resource,
            Api::Cache => *targets.iter().next().unwrap_or(&Target::Data),
            _ => continue,
        };
        let keep_local = fi.has_asname && targets.len() <= 1;
        rename_uses.insert(i, !keep_local);
        let (range, text) = if keep_local || fi.api != Api::Cache {
            (fi.name_range.clone(), fixed.name().to_string())
        } else if targets.is_empty() {
            (fi.alias_range.clone(), fixed.name().to_string())
        } else {
            let names: Vec<&str> = targets.iter().map(|t| t.name()).collect();
            (fi.alias_range.clone(), names.join(", "))
        };
        edits.push(Edit::new(
            range,
            text.clone(),
            Rule::Import,
            review.get(&i).copied().unwrap_or(Applicability::Safe),
            format!("import {text} from streamlit"),
        ));
    }
    for r in &c.renames {
        if let Some(i) = r.import
            && !rename_uses.get(&i).copied().unwrap_or(true)
        {
            continue;
        }
        edits.push(Edit::new(
            r.range.clone(),
            r.target.name(),
            r.rule,
            r.applicability,
            r.message.clone(),
        ));
    }
}

/// `clear_cache()` becomes the `.clear()` of the decorators the file uses (both if none).
fn plan_clears(
    c: &Collector<'_, '_>,
    scope: &Scope<'_>,
    edits: &mut Vec<Edit>,
    findings: &mut Vec<Finding>,
) {
    if c.clears.is_empty() && scope.clear_imports.is_empty() {
        return;
    }
    let mut needed: Vec<Target> = c.uses.iter().copied().collect();
    needed.sort();
    let unsure = needed.is_empty();
    if unsure {
        needed = vec![Target::Data, Target::Resource];
    }
    let names: Vec<&str> = needed.iter().map(|t| t.name()).collect();
    let why = if unsure {
        "this file uses neither decorator, so both caches are cleared".to_string()
    } else {
        format!("this file uses {}", names.join(" and "))
    };
    for imp in &scope.clear_imports {
        let text = format!("from streamlit import {}", names.join(", "));
        edits.push(Edit::new(
            imp.stmt_range.clone(),
            text,
            Rule::ClearCache,
            Applicability::Safe,
            "the legacy caching module is gone: import the new decorators",
        ));
    }
    for s in &c.clears {
        let calls: Vec<String> = names
            .iter()
            .map(|n| format!("{}{n}.clear()", s.prefix))
            .collect();
        let replacement = match (s.form, calls.len()) {
            (ClearForm::Statement, _) => calls.join("; "),
            (ClearForm::Call, 1) => calls[0].clone(),
            (ClearForm::Bare, 1) => format!("{}{}.clear", s.prefix, names[0]),
            (ClearForm::Bare, _) => format!("lambda: ({})", calls.join(", ")),
            (ClearForm::Call, _) => {
                findings.push(
                    Finding::new(
                        s.range.clone(),
                        Rule::ClearCache,
                        Applicability::Review,
                        "clear_cache() inside an expression, and both caches need clearing: not rewritten",
                    )
                    .with_help(format!("call {} as statements", calls.join(" and "))),
                );
                continue;
            }
        };
        edits.push(Edit::new(
            s.range.clone(),
            replacement,
            Rule::ClearCache,
            if unsure {
                Applicability::Review
            } else {
                Applicability::Safe
            },
            format!("clear_cache() is gone: {why}"),
        ));
    }
}
