//! Output: unified diffs, rustc-style diagnostics (annotate-snippets), JSON and the summary.

use crate::model::{Applicability, LineIndex};
use crate::run::{FileKind, FileReport, Mode, RunReport};
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde_json::{Value, json};
use std::fmt::Write as _;

/// A unified diff of one file (`--- a/path` / `+++ b/path`), empty when nothing changes.
///
/// ```
/// use migrate::run::{FileKind, FileReport};
/// let f = FileReport { path: "x.rs".into(), kind: FileKind::Rust, original: "#[cache]\n".into(),
///     output: Some("#[memo]\n".into()), edits: vec![], findings: vec![], error: None, written: false };
/// assert!(migrate::render::diff(&f).contains("+#[memo]"));
/// ```
pub fn diff(file: &FileReport) -> String {
    let Some(out) = &file.output else {
        return String::new();
    };
    let path = file.path.display().to_string();
    similar::TextDiff::from_lines(file.original.as_str(), out.as_str())
        .unified_diff()
        .context_radius(3)
        .header(
            &prefixed("a/", &path, &file.path),
            &prefixed("b/", &path, &file.path),
        )
        .to_string()
}

fn prefixed(prefix: &str, shown: &str, path: &std::path::Path) -> String {
    if path.is_absolute() {
        shown.to_string()
    } else {
        format!("{prefix}{shown}")
    }
}

/// rustc-style diagnostics for every finding and error: `file:line:col`, the source line, a
/// caret, and the fix or the reason there is none.
pub fn diagnostics(report: &RunReport, styled: bool) -> String {
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    for f in &report.files {
        let path = f.path.display().to_string();
        let lines = LineIndex::new(&f.original);
        if let Some(e) = &f.error {
            let title = Level::ERROR
                .primary_title(e.message.as_str())
                .id(e.rule.as_str());
            let group = match &e.range {
                Some(r) if !f.original.is_empty() => {
                    let (window, line, span) = excerpt(&f.original, &lines, r.clone());
                    title.element(
                        Snippet::source(window)
                            .line_start(line)
                            .path(path.as_str())
                            .annotation(AnnotationKind::Primary.span(span)),
                    )
                }
                _ => {
                    Group::with_title(title).element(annotate_snippets::Origin::path(path.as_str()))
                }
            };
            let _ = writeln!(out, "{}\n", renderer.render(&[group]));
        }
        for fd in &f.findings {
            let level = match fd.applicability {
                Applicability::Review => Level::WARNING,
                _ => Level::NOTE,
            };
            let (window, line, span) = excerpt(&f.original, &lines, fd.range.clone());
            let mut groups = vec![
                level
                    .primary_title(fd.message.as_str())
                    .id(fd.rule.as_str())
                    .element(
                        Snippet::source(window)
                            .line_start(line)
                            .path(path.as_str())
                            .annotation(
                                AnnotationKind::Primary
                                    .span(span)
                                    .label(label(fd.applicability)),
                            ),
                    ),
            ];
            if let Some(h) = &fd.help {
                groups.push(Group::with_title(Level::HELP.secondary_title(h.as_str())));
            }
            let _ = writeln!(out, "{}\n", renderer.render(&groups));
        }
    }
    if !report.dirty.is_empty() {
        let _ = writeln!(
            out,
            "error: refusing to write: these files have uncommitted changes (commit or stash them, or pass --allow-dirty):"
        );
        for p in &report.dirty {
            let _ = writeln!(out, "  * {}", p.display());
        }
        out.push('\n');
    }
    out
}

fn label(a: Applicability) -> &'static str {
    match a {
        Applicability::Review => "needs review",
        _ => "note",
    }
}

fn clamp(r: std::ops::Range<usize>, text: &str) -> std::ops::Range<usize> {
    let s = r.start.min(text.len());
    s..r.end.clamp(s, text.len())
}

/// The lines a range touches, their first line number, and the range relative to them: a
/// snippet of the whole file would make every diagnostic cost the file's size.
fn excerpt<'t>(
    text: &'t str,
    lines: &LineIndex,
    r: std::ops::Range<usize>,
) -> (&'t str, usize, std::ops::Range<usize>) {
    let r = clamp(r, text);
    let (window, line) = lines.line_span(text, r.clone());
    let start = r.start.max(window.start) - window.start;
    let end = r.end.clamp(window.start, window.end) - window.start;
    (&text[window.clone()], line, start..end.max(start))
}

/// Counts shown in the summary and in JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Files that change.
    pub files_changed: usize,
    /// Edits.
    pub edits: usize,
    /// Edits classified safe.
    pub safe_edits: usize,
    /// Edits classified review.
    pub review_edits: usize,
    /// Findings that need a human.
    pub review_findings: usize,
    /// Informational findings.
    pub info_findings: usize,
    /// File-level errors.
    pub errors: usize,
}

/// Tallies a report.
pub fn counts(report: &RunReport) -> Counts {
    let mut c = Counts {
        files_changed: report.changed().count(),
        errors: report.error_count(),
        ..Counts::default()
    };
    for f in &report.files {
        for e in &f.edits {
            c.edits += 1;
            match e.applicability {
                Applicability::Safe => c.safe_edits += 1,
                _ => c.review_edits += 1,
            }
        }
        for fd in &f.findings {
            match fd.applicability {
                Applicability::Review => c.review_findings += 1,
                _ => c.info_findings += 1,
            }
        }
    }
    c
}

/// One-paragraph summary, like ruff's.
pub fn summary(report: &RunReport, mode: Mode) -> String {
    let c = counts(report);
    let (files, verb) = match mode {
        // Only files actually written count as changed; the others are said so.
        Mode::Write => {
            let written = report.files.iter().filter(|f| f.written).count();
            let unwritten = c.files_changed - written;
            let verb = if unwritten > 0 {
                format!("changed, {unwritten} not written")
            } else {
                "changed".to_string()
            };
            (written, verb)
        }
        _ => (c.files_changed, "would change".to_string()),
    };
    let mb = report.bytes as f64 / 1e6;
    let secs = report.elapsed.as_secs_f64();
    let mut s = format!(
        "{} {} ({} edits: {} safe, {} review); {} findings need review, {} notes; {} errors\n",
        plural(files, "file"),
        verb,
        c.edits,
        c.safe_edits,
        c.review_edits,
        c.review_findings,
        c.info_findings,
        c.errors
    );
    let scanned = if report.python_files == 0 {
        format!("{} .rs files", report.scanned)
    } else {
        format!(
            "{} files ({} .rs, {} Python)",
            report.scanned,
            report.scanned - report.python_files,
            report.python_files
        )
    };
    if report.legacy_sites_left > 0 {
        let _ = writeln!(
            s,
            "{} left on the legacy cache (see the findings)",
            plural(report.legacy_sites_left, "legacy site")
        );
    }
    let _ = writeln!(
        s,
        "scanned {scanned} ({mb:.1} MB, {} parsed) in {secs:.2} s ({:.0} MB/s)",
        report.parsed,
        if secs > 0.0 { mb / secs } else { 0.0 }
    );
    if mode == Mode::Diff && c.files_changed > 0 {
        s.push_str("run with --write to apply\n");
    }
    s
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The machine-readable report for `--format json`.
pub fn json(report: &RunReport, mode: Mode) -> Value {
    let mut edits = Vec::new();
    let mut findings = Vec::new();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for f in &report.files {
        let file = f.path.display().to_string();
        let lines = LineIndex::new(&f.original);
        for e in &f.edits {
            let (line, column) = lines.line_col(&f.original, e.range.start);
            let (end_line, end_column) = lines.line_col(&f.original, e.range.end);
            edits.push(json!({
                "file": file, "line": line, "column": column, "end_line": end_line, "end_column": end_column,
                "rule": e.rule.as_str(), "applicability": e.applicability.as_str(),
                "message": e.message, "replacement": e.replacement,
            }));
        }
        for fd in &f.findings {
            let (line, column) = lines.line_col(&f.original, fd.range.start);
            findings.push(json!({
                "file": file, "line": line, "column": column, "rule": fd.rule.as_str(),
                "applicability": fd.applicability.as_str(), "message": fd.message, "help": fd.help,
            }));
        }
        if let Some(e) = &f.error {
            let pos = e
                .range
                .as_ref()
                .filter(|_| !f.original.is_empty())
                .map(|r| lines.line_col(&f.original, r.start));
            errors.push(json!({
                "file": file, "line": pos.map(|p| p.0), "column": pos.map(|p| p.1),
                "rule": e.rule.as_str(), "applicability": "error", "message": e.message,
            }));
        }
        if f.output.is_some() {
            files.push(json!({
                "file": file, "kind": match f.kind {
                    FileKind::Rust => "rust",
                    FileKind::Manifest => "manifest",
                    FileKind::Python => "python",
                    FileKind::PythonRequirements => "python-requirements",
                },
                "written": f.written, "diff": diff(f),
            }));
        }
    }
    let c = counts(report);
    json!({
        "mode": match mode { Mode::Diff => "diff", Mode::Check => "check", Mode::Write => "write" },
        "exit_code": report.exit_code(mode),
        "summary": {
            "files_scanned": report.scanned, "files_parsed": report.parsed, "bytes": report.bytes,
            "seconds": report.elapsed.as_secs_f64(), "files_changed": c.files_changed, "edits": c.edits,
            "safe_edits": c.safe_edits, "review_edits": c.review_edits, "review_findings": c.review_findings,
            "info_findings": c.info_findings, "errors": c.errors,
            "legacy_sites_left": report.legacy_sites_left,
        },
        "changed_files": files,
        "edits": edits,
        "findings": findings,
        "errors": errors,
        "dirty": report.dirty.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    })
}
