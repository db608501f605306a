//! The Rust front end: locate legacy cache sites with syn, decide the successor primitive, and
//! produce byte-range edits plus findings. The original text is never re-printed.
//!
//! The passes, in order:
//! - [`prescan`] (every file first): which functions are legacy-cached, whose results are
//!   mutated;
//! - `collect`: one syn walk recording scopes, `use` trees (`uses`), attribute candidates,
//!   `clear_cache()` calls, `Shared` types and macro bodies;
//! - `decide`: per attribute site, read the options (`options`), choose the target from the
//!   options and the return type (`classify`), plan `_` renames for constant `hash_funcs`
//!   entries (`rename`, `hash_funcs`) and build the attribute's new text;
//! - `imports`: rewrite `use` items and `clear_cache()` calls to match.

mod classify;
mod collect;
mod crate_pass;
mod decide;
mod hash_funcs;
mod hazards;
mod imports;
mod options;
mod prescan;
mod rename;
mod uses;

pub(crate) use crate_pass::{CrateContext, PackageView};
pub use prescan::{Blocker, Prescan, prescan};

use crate::edit::apply_edits;
use crate::model::{AnalyzeOptions, FileAnalysis, FileError, GlobalFacts, Rule};
use crate::tokens;
use collect::Collector;
use decide::Decider;

/// Strips a BOM and a shebang the way `syn::parse_file` does, returning the byte offset of the
/// remaining text so spans can be mapped back to the original.
fn strip_prefix(src: &str) -> usize {
    let mut base = 0;
    let mut content = src;
    if let Some(rest) = content.strip_prefix('\u{feff}') {
        base += 3;
        content = rest;
    }
    if content.starts_with("#!") && !content[2..].trim_start().starts_with('[') {
        let idx = content.find('\n').unwrap_or(content.len());
        base += idx;
    }
    base
}

/// The deepest bracket nesting a file may have. syn and the analysis recurse once or more per
/// level (up to ~40 KiB of stack per nested `mod` in an unoptimised build), so a file nested
/// deeper is an error for that file rather than a stack overflow that aborts the whole run.
/// Hand-written code stays far below it.
pub const MAX_NESTING: usize = 512;

/// The stack each file's analysis runs on: room for [`MAX_NESTING`] levels with a margin of
/// three. Untouched stack pages cost no memory.
const ANALYSIS_STACK: usize = 64 << 20;

/// Runs one file's parse and analysis on a thread of its own with [`ANALYSIS_STACK`], whatever
/// thread the caller is on (a rayon worker has 2 MiB). The spans' source map is that thread's
/// and goes with it. A panic becomes an internal error for the file.
fn on_analysis_stack<T: Send>(
    work: impl FnOnce() -> Result<T, FileError> + Send,
) -> Result<T, FileError> {
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("cache-migrate-file".into())
            .stack_size(ANALYSIS_STACK)
            .spawn_scoped(scope, work);
        match spawned {
            Ok(handle) => handle.join().unwrap_or_else(|_| {
                Err(FileError {
                    rule: Rule::InternalError,
                    message:
                        "internal error: the analysis of this file panicked; file left untouched"
                            .into(),
                    range: None,
                })
            }),
            Err(e) => Err(FileError {
                rule: Rule::InternalError,
                message: format!("cannot start the analysis thread ({e}); file left untouched"),
                range: None,
            }),
        }
    })
}

/// Parses a file, returning the syntax tree and the offset its spans are relative to.
fn parse(src: &str) -> Result<(syn::File, usize), FileError> {
    let base = strip_prefix(src);
    let depth = tokens::max_nesting(&src[base..]);
    if depth > MAX_NESTING {
        return Err(FileError {
            rule: Rule::ParseError,
            message: format!(
                "brackets nest {depth} levels deep, more than the {MAX_NESTING} this tool \
                 analyses; the file is left untouched (migrate it by hand)"
            ),
            range: None,
        });
    }
    match syn::parse_str::<syn::File>(&src[base..]) {
        Ok(f) => Ok((f, base)),
        Err(e) => {
            let r = e.span().byte_range();
            Err(FileError {
                rule: Rule::ParseError,
                message: if e.to_string() == "cannot parse string into token stream" {
                    "syntax error: the file does not tokenize (unbalanced delimiter or invalid token)".to_string()
                } else {
                    format!("syntax error: {e}")
                },
                range: Some(r.start + base..r.end + base),
            })
        }
    }
}

/// Analyses one file and computes its rewrite. The output has been re-parsed.
///
/// ```
/// use migrate::{analyze, AnalyzeOptions, GlobalFacts};
/// let src = "use legacy_cache::cache;\n\n#[cache(ttl = 60)]\nfn f(x: u32) -> u32 { x }\n";
/// let a = analyze(src, &GlobalFacts::default(), AnalyzeOptions::default()).unwrap();
/// assert_eq!(a.output, "use memo::memo;\n\n#[memo(ttl = 60)]\nfn f(x: u32) -> u32 { x }\n");
/// ```
pub fn analyze(
    src: &str,
    facts: &GlobalFacts,
    opts: AnalyzeOptions,
) -> Result<FileAnalysis, FileError> {
    analyze_in(src, facts, opts, &CrateContext::default())
}

/// [`analyze`] with what the crate-level pass learned about the file's crate.
pub(crate) fn analyze_in(
    src: &str,
    facts: &GlobalFacts,
    opts: AnalyzeOptions,
    ctx: &CrateContext,
) -> Result<FileAnalysis, FileError> {
    on_analysis_stack(|| analyze_here(src, facts, opts, ctx))
}

fn analyze_here(
    src: &str,
    facts: &GlobalFacts,
    opts: AnalyzeOptions,
    ctx: &CrateContext,
) -> Result<FileAnalysis, FileError> {
    let (file, base) = parse(src)?;
    let mut collected = Collector::collect(src, base, &file);
    collected.inject(ctx);
    let mut decider = Decider::new(&collected, facts, ctx);
    decider.check_macros()?;
    decider.sites();
    decider.shared_and_mutations();
    decider.clears(opts.fallback_clear, opts.keep_legacy_clear);
    decider.imports();
    let Decider {
        edits,
        mut findings,
        uses,
        unresolved_clear,
        clear_sites,
        unconverted_sites,
        ..
    } = decider;
    // Free the syntax tree and its spans before the output is parsed: holding both would
    // double the peak memory of a large file.
    drop(collected);
    drop(file);
    proc_macro2::extra::invalidate_current_thread_spans();

    let output = apply_edits(src, &edits).map_err(|e| FileError {
        rule: Rule::InternalError,
        message: format!("internal error: {e}; file left untouched"),
        range: None,
    })?;
    if !edits.is_empty()
        && let Err(e) = syn::parse_str::<syn::File>(&output[strip_prefix(&output)..])
    {
        return Err(FileError {
            rule: Rule::InternalError,
            message: format!(
                "internal error: the rewritten file does not parse ({e}); file left untouched"
            ),
            range: None,
        });
    }
    let legacy_remaining =
        tokens::text_mentions_ident(&output[strip_prefix(&output)..], "legacy_cache");
    findings.sort_by_key(|f| (f.range.start, f.rule));
    let mut edits = edits;
    edits.sort_by_key(|e| (e.range.start, e.range.end));
    Ok(FileAnalysis {
        output,
        edits,
        findings,
        uses,
        unresolved_clear,
        clear_sites,
        kept_sites: unconverted_sites,
        legacy_remaining,
    })
}

/// Migrates a single self-contained source text: [`prescan`] then [`analyze`], with the
/// global facts taken from this text alone. Handy for tests, editors and snippets.
///
/// ```
/// let a = migrate::migrate_str("#[legacy_cache::cache(persist = true)]\nfn f() -> u8 { 1 }\n").unwrap();
/// assert_eq!(a.output, "#[memo::memo(persist = \"disk\")]\nfn f() -> u8 { 1 }\n");
/// ```
pub fn migrate_str(src: &str) -> Result<FileAnalysis, FileError> {
    let mut facts = GlobalFacts::default();
    if let Ok(p) = prescan(src) {
        facts.legacy_fns.extend(p.legacy_fns);
        facts.reexported_attrs.extend(p.reexported_attrs);
        facts.reexported_crates.extend(p.reexported_crates);
        for b in p.blockers {
            facts
                .blocked
                .entry(b.callee)
                .or_default()
                .push(format!("{} at {}:{}", b.why, b.line, b.column));
        }
        let legacy = facts.legacy_fns.clone();
        facts.blocked.retain(|k, _| legacy.contains(k));
    }
    let r = analyze(src, &facts, AnalyzeOptions::default());
    proc_macro2::extra::invalidate_current_thread_spans();
    r
}
