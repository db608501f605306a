//! Manifest planning for a run: the package manifests of migrated files and the workspace
//! roots their inherited `legacy-cache` entries come from.

use crate::manifest::{
    find_package_manifest, find_workspace_root, inherits_legacy, rewrite_member,
    rewrite_workspace_deps, workspace_legacy_entry,
};
use crate::model::{Applicability, Edit, FileError, Finding, Primitives, Rule};
use crate::run::{FileKind, FileReport, discover, is_cargo_target};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Whether any `.rs` file of the package that this run did not process still names `legacy_cache`.
pub(crate) fn package_mentions_legacy(manifest: &Path, processed: &HashSet<PathBuf>) -> bool {
    let Some(root) = manifest.parent() else {
        return true;
    };
    let (files, _) = discover(&[root.to_path_buf()]);
    files.iter().any(|f| {
        let abs = std::fs::canonicalize(f).unwrap_or_else(|_| f.clone());
        if processed.contains(&abs) {
            return false;
        }
        // Files of nested packages belong to those packages.
        if find_package_manifest(&abs).as_deref() != Some(manifest) {
            return false;
        }
        std::fs::read(f).map_or(true, |b| b.windows(12).any(|w| w == b"legacy_cache"))
    })
}

fn plan_manifest(
    manifest: &Path,
    need: Primitives,
    drop_legacy: bool,
    inline: Option<&toml_edit::Item>,
) -> FileReport {
    let original = match std::fs::read_to_string(manifest) {
        Ok(t) => t,
        Err(e) => {
            return FileReport {
                path: manifest.to_path_buf(),
                kind: FileKind::Manifest,
                original: String::new(),
                output: None,
                edits: Vec::new(),
                findings: Vec::new(),
                error: Some(FileError {
                    rule: Rule::IoError,
                    message: format!("cannot read manifest: {e}"),
                    range: None,
                }),
                written: false,
            };
        }
    };
    let anchor = original
        .find("legacy-cache")
        .map_or(0..0, |i| i..i + "legacy-cache".len());
    let mut rep = FileReport {
        path: manifest.to_path_buf(),
        kind: FileKind::Manifest,
        original: original.clone(),
        output: None,
        edits: Vec::new(),
        findings: Vec::new(),
        error: None,
        written: false,
    };
    match rewrite_member(&original, need, drop_legacy, inline) {
        Err(e) => {
            rep.error = Some(FileError {
                rule: Rule::Manifest,
                message: e,
                range: None,
            });
        }
        Ok(ch) => {
            for p in &ch.problems {
                rep.findings.push(Finding::new(
                    anchor.clone(),
                    Rule::Manifest,
                    Applicability::Review,
                    p.clone(),
                ));
            }
            if need.any() && !original.contains("legacy-cache") {
                rep.findings.push(
                    Finding::new(
                        0..0,
                        Rule::Manifest,
                        Applicability::Review,
                        "no `legacy-cache` dependency here to mirror",
                    )
                    .with_help("add the `memo`/`singleton` dependencies by hand"),
                );
            }
            if ch.output != original {
                rep.edits.push(Edit::new(
                    0..original.len(),
                    ch.output.clone(),
                    Rule::Manifest,
                    Applicability::Safe,
                    ch.notes.join("; "),
                ));
                rep.output = Some(ch.output);
            }
        }
    }
    rep
}

fn manifest_finding(rep: &mut FileReport, message: String, help: &str) {
    let anchor = rep
        .original
        .find("legacy-cache")
        .map_or(0..0, |i| i..i + "legacy-cache".len());
    rep.findings
        .push(Finding::new(anchor, Rule::Manifest, Applicability::Review, message).with_help(help));
}

/// Plans a package manifest. When it inherits `legacy-cache` from its workspace, also returns
/// the root manifest whose `[workspace.dependencies]` must get the successors; when that root
/// cannot be found or edited, the successors are written in full in the member instead.
pub(crate) fn plan_member(
    manifest: &Path,
    need: Primitives,
    drop_legacy: bool,
) -> (FileReport, Option<PathBuf>) {
    let text = std::fs::read_to_string(manifest).unwrap_or_default();
    if !need.any() || !inherits_legacy(&text) {
        return (plan_manifest(manifest, need, drop_legacy, None), None);
    }
    let Some(root) = find_workspace_root(manifest) else {
        let mut rep = plan_manifest(manifest, need, drop_legacy, None);
        manifest_finding(
            &mut rep,
            "`legacy-cache` is inherited (`workspace = true`) but no workspace root manifest was found above this one".into(),
            "add `memo`/`singleton` to the root's `[workspace.dependencies]` by hand",
        );
        return (rep, None);
    };
    let root_text = std::fs::read_to_string(&root);
    let read_only = std::fs::metadata(&root).is_ok_and(|m| m.permissions().readonly());
    let problem = match &root_text {
        Err(e) => Some(format!("cannot read it: {e}")),
        Ok(_) if read_only => Some("it is read-only".to_string()),
        Ok(t) => rewrite_workspace_deps(t, need, false).err(),
    };
    let Some(problem) = problem else {
        return (plan_manifest(manifest, need, drop_legacy, None), Some(root));
    };
    let member_dir = manifest
        .parent()
        .and_then(|m| root.parent().and_then(|r| m.strip_prefix(r).ok()))
        .unwrap_or(Path::new(""));
    let entry = root_text
        .as_deref()
        .map_err(|e| e.to_string())
        .and_then(|t| workspace_legacy_entry(t, member_dir));
    match entry {
        Ok(entry) => {
            let mut rep = plan_manifest(manifest, need, drop_legacy, Some(&entry));
            manifest_finding(
                &mut rep,
                format!(
                    "the workspace root {} cannot be edited ({problem}); `memo`/`singleton` are written here in full instead of `workspace = true`",
                    root.display()
                ),
                "move them to the root's `[workspace.dependencies]` once it can be edited",
            );
            (rep, None)
        }
        Err(_) => {
            let mut rep = plan_manifest(manifest, need, drop_legacy, None);
            manifest_finding(
                &mut rep,
                format!(
                    "`legacy-cache` is inherited from the workspace root {}, which cannot be edited ({problem})",
                    root.display()
                ),
                "add `memo`/`singleton` to the root's `[workspace.dependencies]` by hand",
            );
            (rep, None)
        }
    }
}

/// Whether some manifest of the workspace rooted at `root` still inherits `legacy-cache`,
/// reading the planned text of manifests this run rewrites.
fn workspace_still_inherits(root: &Path, planned: &[FileReport]) -> bool {
    let Some(dir) = root.parent() else {
        return true;
    };
    let mut manifests: Vec<PathBuf> = Vec::new();
    let mut wb = ignore::WalkBuilder::new(dir);
    wb.filter_entry(|e| {
        !(e.depth() > 0 && e.file_type().is_some_and(|t| t.is_dir()) && is_cargo_target(e.path()))
    });
    for entry in wb.build().flatten() {
        if entry.file_name() == "Cargo.toml" {
            manifests.push(entry.into_path());
        }
    }
    // Members outside the root's directory (`members = ["../x"]`); globs there are not followed.
    if let Ok(doc) = std::fs::read_to_string(root)
        .unwrap_or_default()
        .parse::<toml_edit::DocumentMut>()
        && let Some(members) = doc
            .get("workspace")
            .and_then(|w| w.get("members"))
            .and_then(|m| m.as_array())
    {
        for m in members.iter().filter_map(|m| m.as_str()) {
            if !m.contains(['*', '?', '[']) {
                manifests.push(dir.join(m).join("Cargo.toml"));
            }
        }
    }
    manifests.iter().any(|m| {
        let abs = std::fs::canonicalize(m).unwrap_or_else(|_| m.clone());
        let text = match planned.iter().find(|r| r.path == abs) {
            Some(r) => r.output.clone().unwrap_or_else(|| r.original.clone()),
            None => std::fs::read_to_string(&abs).unwrap_or_default(),
        };
        inherits_legacy(&text)
    })
}

/// Adds the successors to a workspace root's `[workspace.dependencies]` (on top of the root's
/// own planned package edits, when it is also a migrated package), and drops its `legacy-cache`
/// entry once no member inherits it.
pub(crate) fn plan_workspace_root(root: &Path, need: Primitives, reports: &mut Vec<FileReport>) {
    let drop_legacy = !workspace_still_inherits(root, reports);
    let index = match reports.iter().position(|r| r.path == root) {
        Some(i) => i,
        None => {
            let original = std::fs::read_to_string(root).unwrap_or_default();
            reports.push(FileReport {
                path: root.to_path_buf(),
                kind: FileKind::Manifest,
                original,
                output: None,
                edits: Vec::new(),
                findings: Vec::new(),
                error: None,
                written: false,
            });
            reports.len() - 1
        }
    };
    let rep = &mut reports[index];
    if rep.error.is_some() {
        return;
    }
    let base = rep.output.clone().unwrap_or_else(|| rep.original.clone());
    match rewrite_workspace_deps(&base, need, drop_legacy) {
        Err(e) => manifest_finding(
            rep,
            e,
            "add `memo`/`singleton` to `[workspace.dependencies]` by hand",
        ),
        Ok(ch) => {
            for p in ch.problems {
                manifest_finding(rep, p, "edit `[workspace.dependencies]` by hand");
            }
            if ch.output != base {
                let mut message: Vec<String> = rep.edits.drain(..).map(|e| e.message).collect();
                message.extend(
                    ch.notes
                        .iter()
                        .map(|n| format!("[workspace.dependencies]: {n}")),
                );
                rep.edits.push(Edit::new(
                    0..rep.original.len(),
                    ch.output.clone(),
                    Rule::Manifest,
                    Applicability::Safe,
                    message.join("; "),
                ));
                rep.output = Some(ch.output);
            }
        }
    }
}
