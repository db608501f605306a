//! Writing rewritten files safely: the uncommitted-changes guard, and atomic writes that keep
//! the file's permissions, owner and symlinks. Language-independent.

use crate::model::{FileError, Rule};
use crate::run::RunReport;
use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why git could not say whether a file is dirty.
fn git_failed(path: &Path, what: &str, stderr: &[u8]) -> (PathBuf, String) {
    let said = String::from_utf8_lossy(stderr).trim().to_string();
    (
        path.to_path_buf(),
        format!(
            "cannot tell whether the file has uncommitted changes ({what}: {said}); not written \
             (fix the repository, e.g. `git config --global --add safe.directory <repo>` for \
             \"dubious ownership\", or pass --allow-dirty)"
        ),
    )
}

/// Files with uncommitted changes (modified, staged or untracked) among `paths`, per git.
/// Files outside any git work tree are never dirty. When git is there but cannot answer (a
/// broken configuration, a repository with "dubious ownership"), the answer is an error naming
/// the file, so a caller never writes on a guess.
pub fn dirty_files(paths: &[&Path]) -> Result<Vec<PathBuf>, (PathBuf, String)> {
    let mut by_top: HashMap<PathBuf, HashSet<PathBuf>> = HashMap::new();
    let mut dirty = Vec::new();
    for p in paths {
        let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        let Some(dir) = abs.parent() else { continue };
        let top = match Command::new("git")
            .args(["rev-parse", "--show-toplevel"])
            .current_dir(dir)
            .output()
        {
            Ok(out) => out,
            // No git at all: only a problem when the file sits in a repository.
            Err(e) => {
                if dir.ancestors().any(|d| d.join(".git").exists()) {
                    return Err(git_failed(p, "running git", e.to_string().as_bytes()));
                }
                continue;
            }
        };
        if !top.status.success() {
            if String::from_utf8_lossy(&top.stderr).contains("not a git repository") {
                continue;
            }
            return Err(git_failed(p, "git rev-parse", &top.stderr));
        }
        let top = PathBuf::from(String::from_utf8_lossy(&top.stdout).trim().to_string());
        if !by_top.contains_key(&top) {
            let out = Command::new("git")
                .args(["status", "--porcelain=v1", "-z", "--untracked-files=all"])
                .current_dir(&top)
                .output()
                .map_err(|e| git_failed(p, "running git status", e.to_string().as_bytes()))?;
            if !out.status.success() {
                return Err(git_failed(p, "git status", &out.stderr));
            }
            let mut set = HashSet::new();
            for rec in out.stdout.split(|&b| b == 0) {
                if rec.len() > 3 {
                    let rel = String::from_utf8_lossy(&rec[3..]).to_string();
                    set.insert(
                        std::fs::canonicalize(top.join(&rel)).unwrap_or_else(|_| top.join(rel)),
                    );
                }
            }
            by_top.insert(top.clone(), set);
        }
        if by_top[&top].contains(&abs) {
            dirty.push(p.to_path_buf());
        }
    }
    Ok(dirty)
}

/// Writes every changed file of `report`, unless the dirty-tree guard refuses.
pub(crate) fn write_all(report: &mut RunReport, allow_dirty: bool) {
    if !allow_dirty {
        let targets: Vec<&Path> = report.changed().map(|f| f.path.as_path()).collect();
        match dirty_files(&targets) {
            Ok(dirty) => report.dirty = dirty,
            Err((path, message)) => {
                if let Some(f) = report.files.iter_mut().find(|f| f.path == path) {
                    f.error = Some(FileError {
                        rule: Rule::IoError,
                        message,
                        range: None,
                    });
                }
                return;
            }
        }
        if !report.dirty.is_empty() {
            return;
        }
    }
    for f in report.files.iter_mut() {
        let Some(out) = &f.output else { continue };
        // Re-check that the file did not change since it was read.
        match std::fs::read_to_string(&f.path) {
            Ok(now) if now == f.original => {}
            _ => {
                f.error = Some(FileError {
                    rule: Rule::IoError,
                    message: "file changed while the tool was running; not written".into(),
                    range: None,
                });
                continue;
            }
        }
        match write_atomic(&f.path, out) {
            Ok(()) => f.written = true,
            Err(e) => {
                f.error = Some(FileError {
                    rule: Rule::IoError,
                    message: format!("cannot write file: {e}"),
                    range: None,
                })
            }
        }
    }
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename, so a
/// reader never sees half a file. The original permissions and owner are kept; a symlink is
/// written through (its target is replaced, the link stays); a read-only file is refused, as
/// rustfmt refuses it.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let p = dir.path().join("a.rs");
/// std::fs::write(&p, "old").unwrap();
/// migrate::run::write_atomic(&p, "new").unwrap();
/// assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
/// ```
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    // The rename must replace the link's target, not the link.
    let target = std::fs::canonicalize(path)?;
    let meta = std::fs::metadata(&target)?;
    if meta.permissions().readonly() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            "the file is read-only; make it writable (e.g. `chmod u+w`) to migrate it",
        ));
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    std::fs::set_permissions(tmp.path(), meta.permissions())?;
    keep_owner(tmp.path(), &meta)?;
    tmp.persist(&target).map_err(|e| e.error)?;
    Ok(())
}

/// Gives the new file the old one's owner and group; if that is not allowed, the write is
/// refused rather than silently changing who owns the file.
#[cfg(unix)]
fn keep_owner(new: &Path, old: &std::fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let now = std::fs::metadata(new)?;
    if now.uid() == old.uid() && now.gid() == old.gid() {
        return Ok(());
    }
    std::os::unix::fs::chown(new, Some(old.uid()), Some(old.gid())).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!(
                "cannot keep the file's owner {}:{} ({e}); run as that user",
                old.uid(),
                old.gid()
            ),
        )
    })
}

#[cfg(not(unix))]
fn keep_owner(_new: &Path, _old: &std::fs::Metadata) -> std::io::Result<()> {
    Ok(())
}
