//! The driver: walk, pre-scan, analyse in parallel, plan manifest changes, and write safely.

use crate::lang::{Language, Languages};
use crate::manifest::find_package_manifest;
use crate::manifest_plan::{package_mentions_legacy, plan_member, plan_workspace_root};
use crate::model::{AnalyzeOptions, Edit, FileError, Finding, GlobalFacts, Primitives, Rule};
use crate::rust::{CrateContext, Prescan, analyze_in, prescan};
use crate::write::write_all;
pub use crate::write::{dirty_files, write_atomic};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// What to do with the planned edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Print a diff, write nothing.
    #[default]
    Diff,
    /// Write nothing; the exit code says whether anything would change.
    Check,
    /// Apply the edits.
    Write,
}

/// Settings for [`run`].
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Files and directories to process.
    pub paths: Vec<PathBuf>,
    /// Dry run, check, or write.
    pub mode: Mode,
    /// Write even when files have uncommitted changes.
    pub allow_dirty: bool,
    /// Parse every file, even those that cannot contain legacy code (for robustness runs).
    pub parse_all: bool,
    /// Leave `Cargo.toml` files alone.
    pub no_manifest: bool,
    /// Which front ends run (`--lang`); both by default.
    pub languages: Languages,
    /// Files larger than this many bytes are a per-file error rather than read
    /// (`--max-file-size`); `None` is [`DEFAULT_MAX_FILE_SIZE`].
    pub max_file_size: Option<u64>,
}

/// The largest file read by default: 16 MiB. Analysing a file peaks at about 110 times its size
/// in memory (syn's syntax tree and token spans; 2.2 GB for a 20 MB file), so the limit bounds
/// a run's memory; hand-written sources stay far below it, generated ones may not.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 16 << 20;

impl Config {
    /// The file size limit in force.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }
}

/// Parses a size such as `1048576`, `512K`, `32M`, `2G` or `32MiB` (binary units).
///
/// ```
/// assert_eq!(migrate::run::parse_size("32M"), Ok(32 << 20));
/// assert_eq!(migrate::run::parse_size("1500"), Ok(1500));
/// assert!(migrate::run::parse_size("lots").is_err());
/// ```
pub fn parse_size(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits);
    let not_a_size = || format!("`{text}` is not a size (examples: 1048576, 512K, 32M, 2G)");
    let n: u64 = number.parse().map_err(|_| not_a_size())?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(not_a_size()),
    };
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))
}

/// Whether a report is about Rust source or a manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A `.rs` file.
    Rust,
    /// A `Cargo.toml`.
    Manifest,
    /// A `.py` file.
    Python,
    /// A `requirements*.txt` or `pyproject.toml` (findings only).
    PythonRequirements,
}

/// Everything known about one file after a run.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// Path as given or found by the walk.
    pub path: PathBuf,
    /// Rust or manifest.
    pub kind: FileKind,
    /// The original text (empty for unreadable files).
    pub original: String,
    /// The rewritten text when it differs from the original.
    pub output: Option<String>,
    /// Edits (byte ranges on `original`).
    pub edits: Vec<Edit>,
    /// Findings.
    pub findings: Vec<Finding>,
    /// A file-level error: the file is untouched.
    pub error: Option<FileError>,
    /// The file was written.
    pub written: bool,
}

/// The result of [`run`].
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Files with edits, findings or errors, sorted by path.
    pub files: Vec<FileReport>,
    /// Number of source files looked at (`.rs`, `.py` and Python requirement files).
    pub scanned: usize,
    /// How many of them belong to the Python front end.
    pub python_files: usize,
    /// Bytes read (all languages).
    pub bytes: u64,
    /// Number of files that were parsed.
    pub parsed: usize,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Files that `--write` refused to touch because they have uncommitted changes.
    pub dirty: Vec<PathBuf>,
    /// Legacy attribute sites left on the legacy cache (each has a finding saying why).
    pub legacy_sites_left: usize,
}

impl RunReport {
    /// Files that would change (or did).
    pub fn changed(&self) -> impl Iterator<Item = &FileReport> {
        self.files.iter().filter(|f| f.output.is_some())
    }
    /// Number of file-level errors, plus a refused write.
    pub fn error_count(&self) -> usize {
        self.files.iter().filter(|f| f.error.is_some()).count()
            + usize::from(!self.dirty.is_empty())
    }
    /// Process exit code: 2 on errors, 1 when `--check` finds changes, else 0.
    pub fn exit_code(&self, mode: Mode) -> i32 {
        if self.error_count() > 0 {
            2
        } else if mode == Mode::Check && self.changed().next().is_some() {
            1
        } else {
            0
        }
    }
}

pub(crate) fn is_cargo_target(dir: &Path) -> bool {
    dir.join("CACHEDIR.TAG").is_file()
        || (dir.file_name().is_some_and(|n| n == "target")
            && dir.parent().is_some_and(|p| p.join("Cargo.toml").is_file()))
}

/// Lists `.rs` files under `paths` in parallel, honouring `.gitignore` and skipping cargo
/// target directories. Explicit file arguments are always included. Missing paths come back
/// as errors.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    discover_for(
        paths,
        Languages {
            rust: true,
            python: false,
        },
    )
}

/// [`discover`] for the files of the given front ends (see [`Language::of`]). Explicit file
/// arguments of an excluded language are skipped; other explicit files are always included.
pub fn discover_for(
    paths: &[PathBuf],
    languages: Languages,
) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let mut roots = Vec::new();
    for p in paths {
        if p.is_file() {
            if Language::of(p).is_some_and(|l| !languages.wants(l)) {
                continue;
            }
            found
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(p.clone());
        } else if p.is_dir() {
            roots.push(p.clone());
        } else {
            // The OS's reason: a symlink loop is not "no such file".
            let why = match std::fs::metadata(p) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => e.to_string(),
                Err(_) => "no such file or directory".to_string(),
                Ok(_) => "not a file or directory".to_string(),
            };
            errors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((p.clone(), why));
        }
    }
    if let Some((first, rest)) = roots.split_first() {
        let mut wb = ignore::WalkBuilder::new(first);
        for r in rest {
            wb.add(r);
        }
        wb.filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && is_cargo_target(e.path()))
        });
        wb.build_parallel().run(|| {
            Box::new(|entry| {
                match entry {
                    Ok(e) => {
                        if e.file_type().is_some_and(|t| t.is_file())
                            && Language::of(e.path()).is_some_and(|l| languages.wants(l))
                        {
                            found
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push(e.into_path());
                        }
                    }
                    Err(err) => {
                        let path = error_path(&err).unwrap_or_default();
                        errors
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((path, err.to_string()));
                    }
                }
                ignore::WalkState::Continue
            })
        });
    }
    let mut files = found.into_inner().unwrap_or_else(|e| e.into_inner());
    files.sort();
    files.dedup();
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    errors.sort();
    (files, errors)
}

/// The path a walk error is about; `ignore` wraps it in depth and line-number layers.
fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Partial(errs) => errs.iter().find_map(error_path),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

pub(crate) enum Loaded {
    Skip(u64),
    Text(String),
    Error(FileError, u64),
}

pub(crate) fn load(path: &Path, max_size: u64) -> Loaded {
    // Checked before reading, so an oversized file never costs its size in memory.
    if let Ok(meta) = std::fs::metadata(path)
        && meta.len() > max_size
    {
        return Loaded::Error(
            FileError {
                rule: Rule::FileTooLarge,
                message: format!(
                    "file is {} bytes, more than the {max_size}-byte limit; left untouched \
                     (raise the limit with --max-file-size, e.g. --max-file-size {}M)",
                    meta.len(),
                    meta.len().div_ceil(1 << 20)
                ),
                range: None,
            },
            meta.len(),
        );
    }
    match std::fs::read(path) {
        Err(e) => Loaded::Error(
            FileError {
                rule: Rule::IoError,
                message: format!("cannot read file: {e}"),
                range: None,
            },
            0,
        ),
        Ok(bytes) => {
            let n = bytes.len() as u64;
            match String::from_utf8(bytes) {
                Ok(s) => Loaded::Text(s),
                Err(e) => Loaded::Error(
                    FileError {
                        rule: Rule::NonUtf8,
                        message: format!(
                            "file is not valid UTF-8 (invalid byte at offset {}); source files must be UTF-8",
                            e.utf8_error().valid_up_to()
                        ),
                        range: None,
                    },
                    n,
                ),
            }
        }
    }
}

/// A file can only need edits or findings if it names the legacy crate or calls a method only
/// `Shared<T>` has (`mutate`, `try_mutate`, `ptr_eq`, `refresh`, `snapshot`). Calls of `try_f`
/// companions are found once the legacy functions are known ([`mentions_try_companion`]).
fn relevant(text: &str) -> bool {
    ["legacy_cache", "mutate", "ptr_eq", "refresh", "snapshot"]
        .iter()
        .any(|w| text.contains(w))
}

/// Whether `text` names `try_<f>` for a legacy function `f` (one pass over the `try_`s).
fn mentions_try_companion(text: &str, legacy_fns: &HashSet<String>) -> bool {
    text.match_indices("try_").any(|(i, _)| {
        let rest = &text[i + 4..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let starts_ident = !text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        starts_ident && legacy_fns.contains(&rest[..end])
    })
}

/// Adds one file's pre-scan to the run's facts.
fn merge_scan(facts: &mut GlobalFacts, path: &Path, scan: &crate::Prescan) {
    facts.legacy_fns.extend(scan.legacy_fns.iter().cloned());
    facts
        .reexported_attrs
        .extend(scan.reexported_attrs.iter().cloned());
    facts
        .reexported_crates
        .extend(scan.reexported_crates.iter().cloned());
    for b in &scan.blockers {
        facts
            .blocked
            .entry(b.callee.clone())
            .or_default()
            .push(format!(
                "{} at {}:{}:{}",
                b.why,
                path.display(),
                b.line,
                b.column
            ));
    }
}

fn error_report(path: &Path, original: String, error: FileError) -> FileReport {
    FileReport {
        path: path.to_path_buf(),
        kind: FileKind::Rust,
        original,
        output: None,
        edits: Vec::new(),
        findings: Vec::new(),
        error: Some(error),
        written: false,
    }
}

/// Runs the whole migration over `config.paths`.
///
/// ```no_run
/// use migrate::run::{run, Config, Mode};
/// let report = run(&Config { paths: vec![".".into()], mode: Mode::Check, ..Config::default() });
/// std::process::exit(report.exit_code(Mode::Check));
/// ```
pub fn run(config: &Config) -> RunReport {
    let start = Instant::now();
    let paths = if config.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        config.paths.clone()
    };
    let (files, walk_errors) = discover_for(&paths, config.languages);
    // The Python front end shares the walk, the report and the write path, nothing else.
    let (py_files, files): (Vec<PathBuf>, Vec<PathBuf>) = files.into_iter().partition(|p| {
        matches!(
            Language::of(p),
            Some(Language::Python | Language::PythonRequirements)
        )
    });
    let mut report = RunReport {
        scanned: files.len() + py_files.len(),
        python_files: py_files.len(),
        ..RunReport::default()
    };
    let max_size = config.max_file_size();
    let py = crate::python::process(&py_files, config.parse_all, max_size);
    report.bytes += py.bytes;
    report.parsed += py.parsed;
    report.files.extend(py.reports);
    for (p, e) in walk_errors {
        report.files.push(error_report(
            &p,
            String::new(),
            FileError {
                rule: Rule::IoError,
                message: e,
                range: None,
            },
        ));
    }

    // Phase 1: read, keep only files that can matter.
    let loaded: Vec<(PathBuf, Loaded)> = files
        .par_iter()
        .map(|p| {
            let l = match load(p, max_size) {
                Loaded::Text(t) if !config.parse_all && !relevant(&t) => {
                    Loaded::Skip(t.len() as u64)
                }
                other => other,
            };
            (p.clone(), l)
        })
        .collect();
    let mut texts: Vec<(PathBuf, String)> = Vec::new();
    let mut skipped: Vec<PathBuf> = Vec::new();
    for (p, l) in loaded {
        match l {
            Loaded::Skip(n) => {
                report.bytes += n;
                skipped.push(p);
            }
            Loaded::Text(t) => {
                report.bytes += t.len() as u64;
                texts.push((p, t));
            }
            Loaded::Error(e, n) => {
                report.bytes += n;
                report.files.push(error_report(&p, String::new(), e));
            }
        }
    }

    // Phase 1b: the crate-level pass, for packages that name `legacy_cache` at all. A file of
    // such a package that names no legacy item itself but imports one made in another file
    // (`use super::*`, `use crate::cache`, an in-crate re-export) is analysed too.
    let abs_of = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    let packages = {
        let abs: Vec<(PathBuf, &str)> =
            texts.iter().map(|(p, t)| (abs_of(p), t.as_str())).collect();
        crate::crate_scan::packages(&abs)
    };
    let mut contexts: HashMap<PathBuf, CrateContext> = HashMap::new();
    let mut forced: HashSet<PathBuf> = HashSet::new();
    if !packages.is_empty() {
        let in_run: HashMap<PathBuf, PathBuf> = texts
            .iter()
            .map(|(p, _)| p)
            .chain(&skipped)
            .map(|p| (abs_of(p), p.clone()))
            .collect();
        let analysed: HashSet<PathBuf> = texts.iter().map(|(p, _)| p.clone()).collect();
        for pkg in &packages {
            for (abs, text) in &pkg.files {
                let (Some(run_path), Some(ctx)) = (in_run.get(abs), pkg.context(abs)) else {
                    continue;
                };
                contexts.insert(run_path.clone(), ctx.clone());
                if (!ctx.imported.is_empty() || !ctx.extern_aliases.is_empty())
                    && !analysed.contains(run_path)
                {
                    texts.push((run_path.clone(), text.clone()));
                    forced.insert(run_path.clone());
                }
            }
        }
        skipped.retain(|p| !forced.contains(p));
    }

    // Phase 2: global facts (which functions are legacy, which results are mutated).
    let done: HashMap<PathBuf, &Prescan> = if packages.is_empty() {
        HashMap::new()
    } else {
        texts
            .iter()
            .filter_map(|(p, _)| {
                let abs = abs_of(p);
                packages
                    .iter()
                    .find_map(|pkg| pkg.view.prescans.get(&abs))
                    .map(|s| (p.clone(), s))
            })
            .collect()
    };
    let scans: Vec<_> = texts
        .par_iter()
        .filter(|(p, t)| relevant(t) || forced.contains(p))
        .map(|(p, t)| {
            if let Some(s) = done.get(p) {
                return (p, Ok((*s).clone()));
            }
            let r = prescan(t);
            proc_macro2::extra::invalidate_current_thread_spans();
            (p, r)
        })
        .collect();
    let mut facts = GlobalFacts::default();
    for (p, r) in &scans {
        if let Ok(s) = r {
            merge_scan(&mut facts, p, s);
        }
    }
    drop(scans);
    // A file that names neither `legacy_cache` nor `mutate` can still use the legacy attribute
    // through a re-export made in another file, or call a legacy function's generated `try_f`
    // companion (which keeps it on the legacy cache); those files are scanned and analysed too.
    let reexported: Vec<&String> = facts
        .reexported_attrs
        .iter()
        .chain(&facts.reexported_crates)
        .collect();
    let look_again = !reexported.is_empty() || !facts.legacy_fns.is_empty();
    let extra: Vec<(PathBuf, String)> = skipped
        .par_iter()
        .filter(|_| look_again)
        .filter_map(|p| match load(p, max_size) {
            Loaded::Text(t)
                if reexported.iter().any(|n| t.contains(n.as_str()))
                    || mentions_try_companion(&t, &facts.legacy_fns) =>
            {
                Some((p.clone(), t))
            }
            _ => None,
        })
        .collect();
    let extra_scans: Vec<_> = extra
        .par_iter()
        .map(|(p, t)| {
            let r = prescan(t);
            proc_macro2::extra::invalidate_current_thread_spans();
            (p, r)
        })
        .collect();
    for (p, r) in &extra_scans {
        if let Ok(s) = r {
            merge_scan(&mut facts, p, s);
        }
    }
    drop(extra_scans);
    texts.extend(extra);
    // Only functions that are actually legacy-cached can be blocked.
    let legacy = facts.legacy_fns.clone();
    facts.blocked.retain(|k, _| legacy.contains(k));
    report.parsed += texts.len();

    // Phase 3: analyse.
    let no_context = CrateContext::default();
    let analyse = |p: &PathBuf,
                   t: &str,
                   contexts: &HashMap<PathBuf, CrateContext>,
                   fallback: Primitives,
                   keep_legacy_clear: bool| {
        let r = analyze_in(
            t,
            &facts,
            AnalyzeOptions {
                fallback_clear: fallback,
                keep_legacy_clear,
            },
            contexts.get(p).unwrap_or(&no_context),
        );
        proc_macro2::extra::invalidate_current_thread_spans();
        r
    };
    let mut results: Vec<_> = texts
        .par_iter()
        .map(|(p, t)| {
            (
                p.clone(),
                analyse(p, t, &contexts, Primitives::default(), false),
            )
        })
        .collect();
    // Imports other files of the crate still name stay; keeping one can make its file name
    // more, so this runs to a fixed point (each round only adds kept names).
    if !packages.is_empty() {
        let run_path: HashMap<PathBuf, PathBuf> =
            texts.iter().map(|(p, _)| (abs_of(p), p.clone())).collect();
        let index: HashMap<PathBuf, usize> = results
            .iter()
            .enumerate()
            .map(|(i, (p, _))| (p.clone(), i))
            .collect();
        let text_of: HashMap<&PathBuf, &String> = texts.iter().map(|(p, t)| (p, t)).collect();
        for _ in 0..=texts.len() {
            let current: HashMap<PathBuf, String> = results
                .iter()
                .filter_map(|(p, r)| r.as_ref().ok().map(|a| (abs_of(p), a.output.clone())))
                .collect();
            let mut redo = Vec::new();
            for pkg in &packages {
                for (abs, keep) in pkg.keep(&current) {
                    let Some(p) = run_path.get(&abs) else {
                        continue;
                    };
                    let ctx = contexts.entry(p.clone()).or_default();
                    if ctx.keep != keep {
                        ctx.keep = keep;
                        redo.push(p.clone());
                    }
                }
            }
            if redo.is_empty() {
                break;
            }
            let redone: Vec<_> = redo
                .par_iter()
                .map(|p| {
                    (
                        p.clone(),
                        analyse(p, text_of[p], &contexts, Primitives::default(), false),
                    )
                })
                .collect();
            for (p, r) in redone {
                results[index[&p]].1 = r;
            }
        }
    }

    // Package-level view: primitives in use, for `clear_cache()` in files that use none.
    let manifest_of: HashMap<PathBuf, Option<PathBuf>> = texts
        .par_iter()
        .map(|(p, _)| {
            let abs = std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
            (p.clone(), find_package_manifest(&abs))
        })
        .collect();
    let mut pkg_prims: HashMap<PathBuf, Primitives> = HashMap::new();
    let mut pkg_legacy: HashSet<PathBuf> = HashSet::new();
    for (p, r) in &results {
        if let (Ok(a), Some(Some(m))) = (r, manifest_of.get(p)) {
            let e = pkg_prims.entry(m.clone()).or_default();
            *e = e.union(a.uses);
            // An unresolved `clear_cache()` alone does not keep the package on the legacy cache.
            if a.kept_sites > 0 || (a.legacy_remaining && !a.unresolved_clear) {
                pkg_legacy.insert(m.clone());
            }
        }
    }
    let text_of: HashMap<&PathBuf, &String> = texts.iter().map(|(p, t)| (p, t)).collect();
    for (p, r) in results.iter_mut() {
        let Some(Some(m)) = manifest_of.get(p) else {
            continue;
        };
        let keep = pkg_legacy.contains(m);
        let retry = matches!(r, Ok(a) if a.unresolved_clear || (keep && a.clear_sites > 0));
        let prims = pkg_prims.get(m).copied().unwrap_or_default();
        if retry && (prims.any() || keep) {
            *r = analyse(p, text_of[p], &contexts, prims, keep);
        }
    }

    // Phase 4: manifests.
    let mut manifest_reports = Vec::new();
    if !config.no_manifest {
        let mut by_pkg: BTreeMap<PathBuf, Vec<usize>> = BTreeMap::new();
        // Workspace roots whose `[workspace.dependencies]` members inherit `legacy-cache` from.
        let mut roots: BTreeMap<PathBuf, Primitives> = BTreeMap::new();
        for (i, (p, _)) in results.iter().enumerate() {
            if let Some(Some(m)) = manifest_of.get(p) {
                by_pkg.entry(m.clone()).or_default().push(i);
            }
        }
        for (manifest, idxs) in by_pkg {
            let changed = idxs
                .iter()
                .any(|&i| matches!(&results[i].1, Ok(a) if !a.edits.is_empty()));
            if !changed {
                continue;
            }
            let need = pkg_prims.get(&manifest).copied().unwrap_or_default();
            let processed: HashSet<PathBuf> = idxs
                .iter()
                .filter_map(|&i| std::fs::canonicalize(&results[i].0).ok())
                .collect();
            let still_legacy = idxs.iter().any(|&i| match &results[i].1 {
                Ok(a) => a.legacy_remaining,
                Err(_) => true,
            }) || package_mentions_legacy(&manifest, &processed);
            let (member, root) = plan_member(&manifest, need, !still_legacy);
            if let Some(root) = root {
                let e = roots.entry(root).or_default();
                *e = e.union(need);
            }
            manifest_reports.push(member);
        }
        for (root, need) in roots {
            plan_workspace_root(&root, need, &mut manifest_reports);
        }
    }

    for (p, r) in results {
        let original = text_of[&p].clone();
        match r {
            Err(e) => report.files.push(error_report(&p, original, e)),
            Ok(a) => {
                report.legacy_sites_left += a.kept_sites;
                if a.edits.is_empty() && a.findings.is_empty() {
                    continue;
                }
                let output = (a.output != original).then_some(a.output);
                report.files.push(FileReport {
                    path: p,
                    kind: FileKind::Rust,
                    original,
                    output,
                    edits: a.edits,
                    findings: a.findings,
                    error: None,
                    written: false,
                });
            }
        }
    }
    // Show manifests relative to the working directory, like the walked files.
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| std::fs::canonicalize(d).ok());
    for mut m in manifest_reports
        .into_iter()
        .filter(|m| m.output.is_some() || !m.findings.is_empty() || m.error.is_some())
    {
        if let Some(rel) = cwd.as_ref().and_then(|c| m.path.strip_prefix(c).ok()) {
            m.path = Path::new(".").join(rel);
        }
        report.files.push(m);
    }
    report.files.sort_by(|a, b| a.path.cmp(&b.path));

    if config.mode == Mode::Write {
        write_all(&mut report, config.allow_dirty);
    }
    report.elapsed = start.elapsed();
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_error_names_its_path_through_the_wrappers() {
        // The shape the walker reports an unreadable directory in (a permission error cannot be
        // produced when the tests run as root).
        let io = ignore::Error::Io(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        let err = ignore::Error::WithDepth {
            depth: 1,
            err: Box::new(ignore::Error::WithPath {
                path: PathBuf::from("src/locked"),
                err: Box::new(io),
            }),
        };
        assert_eq!(error_path(&err), Some(PathBuf::from("src/locked")));
    }
}
