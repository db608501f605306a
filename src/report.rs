//! Report writing: `report.md`, `report.csv`, one hand-written SVG per sized workload, and the
//! results block of a README. Every figure in the text is computed from the run's results.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use crate::blind_spot::BlindSpot;
use crate::measure::fmt_time;
use crate::suite::{Results, Row, thousands};
use crate::variants::{Role, Variant, Workload};
use crate::workloads;

/// The marker lines of the README block that `--readme` replaces.
pub const README_START: &str = "<!-- results:start -->";
/// See [`README_START`].
pub const README_END: &str = "<!-- results:end -->";

/// The ratio the issue's claim is about.
pub const CLAIM: f64 = 10.0;

/// Files written by [`write()`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The output directory.
    pub dir: PathBuf,
    /// `report.md`.
    pub markdown: PathBuf,
    /// `report.csv`.
    pub csv: PathBuf,
    /// The SVG plots.
    pub plots: Vec<PathBuf>,
}

/// Writes the report files into `dir` (created if missing).
pub fn write(results: &Results, dir: &Path) -> io::Result<Written> {
    std::fs::create_dir_all(dir)?;
    let mut plots = Vec::new();
    for workload in plotted_workloads(results) {
        if let Some(svg) = svg(results, workload) {
            let path = dir.join(plot_name(workload));
            std::fs::write(&path, svg)?;
            plots.push(path);
        }
    }
    let markdown = dir.join("report.md");
    std::fs::write(&markdown, self::markdown(results))?;
    let csv = dir.join("report.csv");
    std::fs::write(&csv, self::csv(results))?;
    Ok(Written {
        dir: dir.to_path_buf(),
        markdown,
        csv,
        plots,
    })
}

fn plot_name(workload: Workload) -> String {
    format!("hits-{}.svg", workload.id())
}

/// Workloads measured at two sizes or more, in run order.
fn plotted_workloads(results: &Results) -> Vec<Workload> {
    let mut out: Vec<Workload> = Vec::new();
    for r in &results.rows {
        if r.workload.sized() && !out.contains(&r.workload) && sizes(results, r.workload).len() >= 2
        {
            out.push(r.workload);
        }
    }
    out
}

/// Distinct sizes measured for a workload, ascending.
fn sizes(results: &Results, workload: Workload) -> Vec<usize> {
    let mut s: Vec<usize> = results
        .rows
        .iter()
        .filter(|r| r.workload == workload)
        .map(|r| r.size)
        .collect();
    s.sort_unstable();
    s.dedup();
    s
}

/// Distinct variants measured for a workload, in table order.
fn variants_of(results: &Results, workload: Workload) -> Vec<Variant> {
    Variant::ALL
        .into_iter()
        .filter(|&v| {
            results
                .rows
                .iter()
                .any(|r| r.workload == workload && r.variant == v)
        })
        .collect()
}

/// Formats a ratio: `1,234×`, `12.3×`, `0.85×`.
///
/// ```
/// use cache_harness::report::fmt_ratio;
/// assert_eq!(fmt_ratio(1234.4), "1,234×");
/// assert_eq!(fmt_ratio(12.34), "12.3×");
/// assert_eq!(fmt_ratio(0.854), "0.85×");
/// assert_eq!(fmt_ratio(0.00234), "0.0023×");
/// ```
pub fn fmt_ratio(r: f64) -> String {
    if r >= 100.0 {
        format!("{}×", thousands(r.round() as usize))
    } else if r >= 10.0 {
        format!("{r:.1}×")
    } else if r >= 0.1 || r <= 0.0 {
        format!("{r:.2}×")
    } else {
        // Two significant digits for small ratios (a slower row), never a bare "0.00×".
        let decimals = (1.0 - r.log10().floor()) as usize;
        format!("{r:.decimals$}×")
    }
}

fn fmt_opt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".into(), fmt_ratio)
}

fn fmt_size(workload: Workload, size: usize) -> String {
    if workload.sized() {
        thousands(size)
    } else {
        "–".into()
    }
}

fn fmt_bytes(b: usize) -> String {
    let b = b as f64;
    if b >= 1e9 {
        format!("{:.2} GB", b / 1e9)
    } else if b >= 1e6 {
        format!("{:.1} MB", b / 1e6)
    } else if b >= 1e3 {
        format!("{:.1} kB", b / 1e3)
    } else {
        format!("{b:.0} B")
    }
}

/// Least-squares slope of `ln(y)` against `ln(x)`: 0 means flat, 1 linear in size.
///
/// ```
/// let pts = [(1e5, 1e-3), (1e6, 1e-2), (1e7, 1e-1)];
/// let s = cache_harness::report::log_slope(&pts).unwrap();
/// assert!((s - 1.0).abs() < 1e-9);
/// assert_eq!(cache_harness::report::log_slope(&[(1.0, 1.0)]), None);
/// ```
pub fn log_slope(points: &[(f64, f64)]) -> Option<f64> {
    let pts: Vec<(f64, f64)> = points
        .iter()
        .filter(|(x, y)| *x > 0.0 && *y > 0.0)
        .map(|(x, y)| (x.ln(), y.ln()))
        .collect();
    if pts.len() < 2 {
        return None;
    }
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    (sxx > 0.0).then(|| sxy / sxx)
}

/// The slope of a variant's hit time over a workload's measured sizes.
pub fn slope(results: &Results, workload: Workload, variant: Variant) -> Option<f64> {
    let pts: Vec<(f64, f64)> = results
        .rows
        .iter()
        .filter(|r| r.workload == workload && r.variant == variant)
        .map(|r| (r.size as f64, r.hit.median))
        .collect();
    log_slope(&pts)
}

fn describe_slope(s: f64) -> &'static str {
    if s < 0.2 {
        "flat"
    } else if s < 0.8 {
        "sub-linear"
    } else if s < 1.2 {
        "linear"
    } else {
        "super-linear"
    }
}

/// Whether the "≥ 10× faster than the legacy cache" claim holds for a row, against `baseline`.
fn claim_cell(results: &Results, row: &Row, baseline: Variant) -> String {
    if row.variant.role() == Role::Legacy {
        return "(baseline)".into();
    }
    match results.speedup(row, baseline) {
        None => "–".into(),
        Some(r) if r >= CLAIM => "yes".into(),
        Some(_) => "no".into(),
    }
}

/// The header lines (machine, versions, shapes), as a markdown list.
pub fn header(results: &Results) -> String {
    let e = &results.env;
    let mut s = String::new();
    let _ = writeln!(s, "- **Date:** {}", e.date);
    let _ = writeln!(
        s,
        "- **Machine:** {}, {} logical cores{}, {}",
        e.cpu,
        e.cores,
        e.memory
            .as_ref()
            .map(|m| format!(", {m} memory"))
            .unwrap_or_default(),
        e.os
    );
    let _ = writeln!(
        s,
        "- **Allocator:** {} (global allocator of the measuring binary)",
        e.allocator
    );
    let _ = writeln!(
        s,
        "- **Versions:** {}, polars {}, {}; build profile `{}`{}",
        e.rustc,
        e.polars,
        e.peers,
        e.profile,
        e.polars_threads
            .as_ref()
            .map(|t| format!(", POLARS_MAX_THREADS={t}"))
            .unwrap_or_default()
    );
    if let (Some(a), Some(b)) = (e.load_at_start, results.load_at_end) {
        let _ = writeln!(
            s,
            "- **Load average (1 min):** {a:.2} at start, {b:.2} at end (on {} cores; anything above what the harness itself uses means other processes shared the machine)",
            e.cores
        );
    }
    let c = &results.config;
    let _ = writeln!(
        s,
        "- **W1 frames:** {}; `label` strings of {} bytes (≤ 12 bytes are stored inline in the Arrow string view); {} rows",
        workloads::FRAME_DTYPES,
        c.str_lens
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join(" and "),
        c.frame_rows
            .iter()
            .map(|&r| thousands(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **W2 records:** `Vec<Feature>`, {}; {} records",
        workloads::RECORD_SHAPE,
        c.record_counts
            .iter()
            .map(|&r| thousands(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **W3:** `fn(x: u64) -> u64` and `fn() -> u64`. **W4:** `fn(df: &DataFrame, tag: u64) -> u64` vs `fn(_df: &DataFrame, tag: u64) -> u64`, frames as W1 with 12-byte strings, {} rows",
        c.arg_rows
            .iter()
            .map(|&r| thousands(r))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        s,
        "- **Method:** each variant is warmed by misses (each after a clear), then hits are timed in batches sized to ~1/40 of a {} ms budget per measurement (at least {} samples); the table shows the median per call. A hit is the call as a user writes it: arguments hashed into the key, the value returned as the primitive returns it, `black_box`ed and **dropped inside the timed region** (a decoded copy is freed, an `Arc` decremented). Data are generated from a fixed seed ({:#x}). Run time {:.0} s.",
        c.budget.time.as_millis(),
        c.budget.min_samples,
        workloads::SEED,
        results.elapsed.as_secs_f64()
    );
    s
}

/// The main results table (markdown).
pub fn results_table(results: &Results) -> String {
    let mut s = String::new();
    s.push_str("| workload | size | variant | median hit | samples × calls | × vs legacy sampled | × vs legacy full | × vs legacy mutable | ≥ 10× vs legacy (sampled, default) | ≥ 10× vs legacy (full check) |\n");
    s.push_str("|---|---:|---|---:|---:|---:|---:|---:|:-:|:-:|\n");
    for r in &results.rows {
        let warn = if r.all_hits { "" } else { " ⚠ not all hits" };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {}{} | {} × {} | {} | {} | {} | {} | {} |",
            r.workload.label(),
            fmt_size(r.workload, r.size),
            r.variant.id(),
            fmt_time(r.hit.median),
            warn,
            r.hit.samples,
            thousands(r.hit.batch as usize),
            fmt_opt_ratio(results.speedup(r, Variant::LegacySampled)),
            fmt_opt_ratio(results.speedup(r, Variant::LegacyFull)),
            fmt_opt_ratio(results.speedup(r, Variant::LegacyMutable)),
            claim_cell(results, r, Variant::LegacySampled),
            claim_cell(results, r, Variant::LegacyFull),
        );
    }
    s
}

fn miss_table(results: &Results) -> String {
    let mut s = String::new();
    s.push_str("| workload | size | variant | median miss | bare function | miss overhead (miss − bare) |\n");
    s.push_str("|---|---:|---|---:|---:|---:|\n");
    for r in &results.rows {
        let (Some(miss), Some(input)) = (&r.miss, results.input(r.workload, r.size)) else {
            continue;
        };
        let overhead = miss.median - input.bare.median;
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {}{} |",
            r.workload.label(),
            fmt_size(r.workload, r.size),
            r.variant.id(),
            fmt_time(miss.median),
            fmt_time(input.bare.median),
            if overhead < 0.0 { "−" } else { "" },
            fmt_time(overhead.abs()),
        );
    }
    s
}

fn inputs_table(results: &Results) -> String {
    let mut s = String::new();
    s.push_str("| workload | size | `estimated_size()` | bincode bytes | bare function |\n");
    s.push_str("|---|---:|---:|---:|---:|\n");
    for i in &results.inputs {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            i.workload.label(),
            fmt_size(i.workload, i.size),
            i.estimated_bytes.map_or_else(|| "–".into(), fmt_bytes),
            fmt_bytes(i.serialized_bytes),
            fmt_time(i.bare.median)
        );
    }
    s
}

fn scaling_table(results: &Results) -> String {
    let mut s = String::new();
    s.push_str("| workload | variant | sizes | smallest → largest | slope of log(time) vs log(size) | growth |\n");
    s.push_str("|---|---|---|---:|---:|---|\n");
    for w in plotted_workloads(results) {
        let sz = sizes(results, w);
        let (lo, hi) = (sz[0], sz[sz.len() - 1]);
        for v in variants_of(results, w) {
            let (Some(a), Some(b), Some(sl)) = (
                results.hit(w, lo, v),
                results.hit(w, hi, v),
                slope(results, w, v),
            ) else {
                continue;
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} → {} | {} → {} | {:.2} | {} |",
                w.label(),
                v.id(),
                thousands(lo),
                thousands(hi),
                fmt_time(a),
                fmt_time(b),
                sl,
                describe_slope(sl)
            );
        }
    }
    s
}

/// One target of the issue, evaluated on this run.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What the issue asks.
    pub goal: String,
    /// What was measured.
    pub measured: String,
    /// `Some(true)` met, `Some(false)` not met, `None` not measured in this run.
    pub met: Option<bool>,
}

/// The W1 size closest to one million rows (the targets' "1M-row frame").
fn million(results: &Results, workload: Workload) -> Option<usize> {
    sizes(results, workload)
        .into_iter()
        .min_by_key(|&s| s.abs_diff(1_000_000))
}

fn largest(results: &Results, workload: Workload) -> Option<usize> {
    sizes(results, workload).into_iter().max()
}

fn w1_workloads(results: &Results) -> Vec<Workload> {
    results
        .config
        .str_lens
        .iter()
        .map(|&str_len| Workload::Frame { str_len })
        .filter(|w| results.rows.iter().any(|r| r.workload == *w))
        .collect()
}

/// `a` at most `factor` times `b`: the measured ratio a/b and whether it is within.
fn within(
    results: &Results,
    w: Workload,
    size: usize,
    a: Variant,
    b: Variant,
    factor: f64,
) -> Option<(f64, bool)> {
    let (ta, tb) = (results.hit(w, size, a)?, results.hit(w, size, b)?);
    let r = ta / tb;
    Some((r, r <= factor))
}

fn at(w: Workload, size: usize) -> String {
    if w.sized() {
        format!("{} at {} {}", w.label(), thousands(size), w.unit())
    } else {
        w.label()
    }
}

/// Evaluates every target of the issue on this run.
pub fn targets(results: &Results) -> Vec<Target> {
    let mut out = Vec::new();
    let mut push = |goal: &str, measured: Vec<String>, met: Vec<bool>| {
        out.push(Target {
            goal: goal.to_string(),
            measured: if measured.is_empty() {
                "not measured in this run".into()
            } else {
                measured.join("; ")
            },
            met: (!met.is_empty()).then(|| met.iter().all(|&m| m)),
        });
    };

    // 1. Singleton and memo copy-on-write ≥ 1,000× faster than the legacy full check, 1M rows.
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    for w in w1_workloads(results) {
        let Some(size) = million(results, w) else {
            continue;
        };
        for v in [Variant::Singleton, Variant::MemoCow] {
            if let Some(row) = results.row(w, size, v)
                && let Some(r) = results.speedup(row, Variant::LegacyFull)
            {
                m.push(format!("{} {}: {}", at(w, size), v.id(), fmt_ratio(r)));
                ok.push(r >= 1000.0);
            }
        }
    }
    push(
        "Singleton and memo copy-on-write hits on a 1M-row frame ≥ 1,000× faster than the legacy full check",
        m,
        ok,
    );

    // 2. Memo serialized vs legacy full check, W2 (aim ≥ 10×) and W1 (report).
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    if let Some(size) = largest(results, Workload::Records)
        && let Some(row) = results.row(Workload::Records, size, Variant::MemoSerialized)
        && let Some(r) = results.speedup(row, Variant::LegacyFull)
    {
        m.push(format!("{}: {}", at(Workload::Records, size), fmt_ratio(r)));
        ok.push(r >= CLAIM);
    }
    let mut w1_notes = Vec::new();
    for w in w1_workloads(results) {
        for size in sizes(results, w) {
            if let Some(row) = results.row(w, size, Variant::MemoSerialized)
                && let Some(r) = results.speedup(row, Variant::LegacyFull)
            {
                w1_notes.push(format!("{}: {}", at(w, size), fmt_ratio(r)));
            }
        }
    }
    if !w1_notes.is_empty() {
        m.push(format!("W1 (reported, no aim): {}", w1_notes.join(", ")));
    }
    push(
        "Memo serialized hit vs legacy full check: ≥ 10× on W2 (aim); ratio reported on W1",
        m,
        ok,
    );

    // 3. Memo serialized within 1.3× of the decode floor.
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    let mut decode_cases: Vec<(Workload, usize)> = w1_workloads(results)
        .into_iter()
        .filter_map(|w| Some((w, million(results, w)?)))
        .collect();
    if let Some(size) = largest(results, Workload::Records) {
        decode_cases.push((Workload::Records, size));
    }
    for (w, size) in decode_cases {
        if let Some((r, good)) = within(
            results,
            w,
            size,
            Variant::MemoSerialized,
            Variant::FloorDecode,
            1.3,
        ) {
            // Large allocations make these distributions wide (fresh pages or reused ones), so
            // the ratio of the fastest samples is shown beside the ratio of medians.
            let fastest = match (
                results.row(w, size, Variant::MemoSerialized),
                results.row(w, size, Variant::FloorDecode),
            ) {
                (Some(a), Some(b)) => {
                    format!(" (fastest samples: {})", fmt_ratio(a.hit.min / b.hit.min))
                }
                _ => String::new(),
            };
            m.push(format!("{}: {}{fastest}", at(w, size), fmt_ratio(r)));
            ok.push(good);
        }
    }
    push(
        "Memo serialized hit within 1.3× of the bare bincode decode of the same value",
        m,
        ok,
    );

    // 4. Singleton within 1.5× of its floor (DashMap get + Arc::clone).
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    let mut cases: Vec<(Workload, usize)> = w1_workloads(results)
        .into_iter()
        .filter_map(|w| Some((w, million(results, w)?)))
        .collect();
    cases.push((Workload::Scalar, 1));
    cases.push((Workload::ScalarNoArgs, 1));
    for (w, size) in cases {
        if let Some((r, good)) = within(
            results,
            w,
            size,
            Variant::Singleton,
            Variant::FloorDashMap,
            1.5,
        ) {
            m.push(format!("{}: {}", at(w, size), fmt_ratio(r)));
            ok.push(good);
        }
    }
    push(
        "Singleton hit within 1.5× of the floor (bare DashMap get + Arc::clone), with and without arguments",
        m,
        ok,
    );

    // 5. Small value: memo within 1.5× of cached #[cached] and of moka get.
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    for peer in [Variant::CachedClone, Variant::Moka] {
        if let Some((r, good)) = within(
            results,
            Workload::Scalar,
            1,
            Variant::MemoSerialized,
            peer,
            1.5,
        ) {
            m.push(format!("memo-serialized / {}: {}", peer.id(), fmt_ratio(r)));
            ok.push(good);
        }
        if let Some((r, good)) = within(results, Workload::Scalar, 1, Variant::MemoCow, peer, 1.5) {
            m.push(format!("memo-cow / {}: {}", peer.id(), fmt_ratio(r)));
            ok.push(good);
        }
    }
    push(
        "Small value hit (`u64 -> u64`) of memo within 1.5× of `cached` `#[cached]` and of `moka` `get`",
        m,
        ok,
    );

    // 6. Copy-on-write hit under 1 µs at any size.
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    for w in w1_workloads(results) {
        for size in sizes(results, w) {
            if let Some(t) = results.hit(w, size, Variant::MemoCow) {
                m.push(format!("{}: {}", at(w, size), fmt_time(t)));
                ok.push(t < 1e-6);
            }
        }
    }
    push("Memo copy-on-write frame hit under 1 µs at any size", m, ok);

    // 7. Key hashing of a 1M-row frame argument ≥ 2 GB/s of estimated_size().
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    let hashed = Workload::FrameArg { hashed: true };
    for size in sizes(results, hashed) {
        if let (Some(t), Some(input)) = (
            results.hit(hashed, size, Variant::FloorKeyHash),
            results.input(hashed, size),
        ) && let Some(bytes) = input.estimated_bytes
        {
            let gbps = bytes as f64 / t / 1e9;
            m.push(format!(
                "{}: {} for {} → {gbps:.2} GB/s",
                at(hashed, size),
                fmt_time(t),
                fmt_bytes(bytes)
            ));
            ok.push(gbps >= 2.0);
        }
    }
    push(
        "Hashing a 1M-row frame argument (`KeyHash`) ≥ 2 GB/s of `estimated_size()`",
        m,
        ok,
    );

    // 8. Singleton with no arguments no slower than cached #[once].
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    if let Some((r, good)) = within(
        results,
        Workload::ScalarNoArgs,
        1,
        Variant::Singleton,
        Variant::CachedOnce,
        1.0,
    ) {
        m.push(format!("singleton / cached-once: {}", fmt_ratio(r)));
        ok.push(good);
    }
    push(
        "Singleton hit with no arguments no slower than `cached` `#[once]`",
        m,
        ok,
    );

    // 9. Singleton with small hashed args within 1.5× of cached Arc and moka get.
    let (mut m, mut ok) = (Vec::new(), Vec::new());
    for peer in [Variant::CachedArc, Variant::Moka] {
        if let Some((r, good)) = within(results, Workload::Scalar, 1, Variant::Singleton, peer, 1.5)
        {
            m.push(format!("singleton / {}: {}", peer.id(), fmt_ratio(r)));
            ok.push(good);
        }
    }
    push(
        "Singleton hit with small hashed arguments within 1.5× of `cached` `#[cached]` returning an `Arc` and of `moka` `get`",
        m,
        ok,
    );
    out
}

fn targets_table(results: &Results) -> String {
    let mut s = String::new();
    s.push_str("| target | measured | met? |\n|---|---|:-:|\n");
    for t in targets(results) {
        let met = match t.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "–",
        };
        let _ = writeln!(s, "| {} | {} | {} |", t.goal, t.measured, met);
    }
    s
}

fn blind_spot_text(spots: &[BlindSpot]) -> String {
    let mut s = String::new();
    if spots.is_empty() {
        return s;
    }
    s.push_str("| rows | rows hashed by the sampled check | change inside the sample: sampled / full check warned | change outside the sample: sampled / full check warned |\n|---:|---:|:-:|:-:|\n");
    let yn = |b: bool| if b { "yes" } else { "**no**" };
    for b in spots {
        let outside = match (b.sampled_outside, b.full_outside) {
            (Some(so), Some(fo)) => format!("{} / {}", yn(so), yn(fo)),
            _ => "(no row outside: hashed whole)".into(),
        };
        let _ = writeln!(
            s,
            "| {} | {} ({:.1}%) | {} / {} | {} |",
            thousands(b.rows),
            thousands(b.sampled_rows),
            100.0 * b.sampled_rows as f64 / b.rows.max(1) as f64,
            yn(b.sampled_inside),
            yn(b.full_inside),
            outside
        );
    }
    s
}

fn arg_blind_spot_text(spots: &[crate::blind_spot::ArgBlindSpot]) -> String {
    let mut s = String::new();
    if spots.is_empty() {
        return s;
    }
    s.push_str("| rows | changed row | legacy sampled recomputed? | legacy full recomputed? | memo recomputed? |\n|---:|---|:-:|:-:|:-:|\n");
    let yn = |b: bool| if b { "yes" } else { "**no: wrong hit**" };
    for b in spots {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} |",
            thousands(b.rows),
            if b.changed_in_sample {
                "hashed (no sampling below the threshold)"
            } else {
                "outside the legacy sample"
            },
            yn(b.legacy_sampled),
            yn(b.legacy_full),
            yn(b.memo)
        );
    }
    s
}

/// Short explanations of the mechanisms, each with figures computed from this run.
pub fn mechanisms(results: &Results) -> Vec<String> {
    let mut out = Vec::new();
    let w1 = w1_workloads(results);
    let first = w1.first().copied();

    // Sampled legacy check: cheap but blind.
    if let Some(w) = first
        && let Some(size) = largest(results, w)
        && let (Some(ts), Some(tf)) = (
            results.hit(w, size, Variant::LegacySampled),
            results.hit(w, size, Variant::LegacyFull),
        )
    {
        let threshold = legacy_cache::frames::ROWS_LARGE;
        let mut p = format!(
            "**A sampled legacy check is cheap but blind.** Legacy hits re-hash the cached output to detect mutation. For frames of {} rows or more, Streamlit hashed a fixed {}-row sample. ",
            thousands(threshold),
            thousands(legacy_cache::frames::SAMPLE_SIZE),
        );
        if size >= threshold {
            let _ = write!(
                p,
                "On {} the sampled check's hit took {} against {} for the full check ({} the cost), and it barely grows with the frame (slope {}).",
                at(w, size),
                fmt_time(ts),
                fmt_time(tf),
                fmt_ratio(ts / tf),
                slope(results, w, Variant::LegacySampled)
                    .map_or_else(|| "n/a".into(), |s| format!("{s:.2}")),
            );
        } else {
            let _ = write!(
                p,
                "No measured W1 frame reached that size (largest: {} rows), so both checks hashed every row ({} vs {}).",
                thousands(size),
                fmt_time(ts),
                fmt_time(tf)
            );
        }
        if let Some(b) = results
            .blind_spots
            .iter()
            .rev()
            .find(|b| b.sampled_outside.is_some())
        {
            let _ = write!(
                p,
                " It is blind outside its sample: after one cell of a {}-row cached frame was changed outside the {} sampled rows ({:.2}% of the frame), the sampled check {} and the full check {}.",
                thousands(b.rows),
                thousands(b.sampled_rows),
                100.0 * b.sampled_rows as f64 / b.rows as f64,
                if b.sampled_outside == Some(true) {
                    "warned"
                } else {
                    "did not warn"
                },
                if b.full_outside == Some(true) {
                    "warned"
                } else {
                    "did not warn"
                },
            );
        }
        if let Some(a) = results
            .arg_blind_spots
            .iter()
            .rev()
            .find(|a| !a.changed_in_sample)
        {
            let _ = write!(
                p,
                " Legacy hashes frame arguments the same way: called with a {}-row frame that differs outside the sample, the sampled legacy cache {}, the full one {} and memo {}.",
                thousands(a.rows),
                if a.legacy_sampled {
                    "recomputed"
                } else {
                    "returned the other frame's cached result (a wrong hit)"
                },
                if a.legacy_full {
                    "recomputed"
                } else {
                    "returned a wrong hit"
                },
                if a.memo {
                    "recomputed"
                } else {
                    "returned a wrong hit"
                },
            );
        }
        out.push(p);
    }

    // Memo pays a decode proportional to size.
    if let Some(w) = first
        && let Some(size) = million(results, w)
        && let (Some(tm), Some(td)) = (
            results.hit(w, size, Variant::MemoSerialized),
            results.hit(w, size, Variant::FloorDecode),
        )
    {
        let mut p = format!(
            "**Memo (serialized) pays a decode proportional to the value's size.** Every hit decodes the stored bincode bytes into a fresh value, as Streamlit unpickled: on {} a hit took {}, {} the bare decode of the same bytes ({}), so the decode is the cost; its slope over the measured sizes is {}.",
            at(w, size),
            fmt_time(tm),
            fmt_ratio(tm / td),
            fmt_time(td),
            slope(results, w, Variant::MemoSerialized)
                .map_or_else(|| "n/a".into(), |s| format!("{s:.2}")),
        );
        if let (Some(w12), Some(w24)) = (
            w1.iter()
                .find(|w| matches!(w, Workload::Frame { str_len } if *str_len <= 12)),
            w1.iter()
                .find(|w| matches!(w, Workload::Frame { str_len } if *str_len > 12)),
        ) && let (Some(a), Some(b)) = (
            results.hit(*w12, size, Variant::MemoSerialized),
            results.hit(*w24, size, Variant::MemoSerialized),
        ) {
            let _ = write!(
                p,
                " String length matters: the same hit with {} was {} the one with {} (strings of 13+ bytes leave the inline view).",
                w24.label().trim_start_matches("W1 frame, "),
                fmt_ratio(b / a),
                w12.label().trim_start_matches("W1 frame, "),
            );
        }
        out.push(p);
    }

    // Copy-on-write and singleton stay flat.
    if let Some(w) = first {
        let sz = sizes(results, w);
        if sz.len() >= 2 {
            let (lo, hi) = (sz[0], sz[sz.len() - 1]);
            let mut parts = Vec::new();
            for v in [Variant::MemoCow, Variant::Singleton, Variant::LegacyMutable] {
                if let (Some(a), Some(b), Some(s)) = (
                    results.hit(w, lo, v),
                    results.hit(w, hi, v),
                    slope(results, w, v),
                ) {
                    parts.push(format!(
                        "{} {} → {} (slope {s:.2})",
                        v.id(),
                        fmt_time(a),
                        fmt_time(b)
                    ));
                }
            }
            if !parts.is_empty() {
                out.push(format!(
                    "**Copy-on-write and singleton stay flat.** A polars `DataFrame::clone` shares its Arrow buffers (every safe mutation copies first), and a singleton hit is a map lookup plus an `Arc` clone, so neither touches the data: from {} to {} rows, {}.",
                    thousands(lo),
                    thousands(hi),
                    parts.join(", ")
                ));
            }
        }
    }

    // Where the 10× claim holds.
    let mut holds = Vec::new();
    let mut fails = Vec::new();
    for r in results
        .rows
        .iter()
        .filter(|r| r.variant == Variant::MemoSerialized)
    {
        let (Some(xs), Some(xf)) = (
            results.speedup(r, Variant::LegacySampled),
            results.speedup(r, Variant::LegacyFull),
        ) else {
            continue;
        };
        let text = format!(
            "{} ({} / {})",
            at(r.workload, r.size),
            fmt_ratio(xs),
            fmt_ratio(xf)
        );
        if xs >= CLAIM && xf >= CLAIM {
            holds.push(text);
        } else {
            fails.push(text);
        }
    }
    if !holds.is_empty() || !fails.is_empty() {
        out.push(format!(
            "**Where \"memo is over 10× faster than st.cache\" holds.** Memo's serialized hit (the design Streamlit shipped) against the legacy hit, as speedup vs the sampled / the full legacy check. It holds for: {}. It does not for: {}. Whether it holds depends on what the legacy check costs compared with a decode: re-hashing every record of W2 (md5 over each struct) costs more than decoding it; Streamlit's sampled check of a large frame costs less than any full decode; scalar hits are dominated by per-call overhead, not by copying. Memo's copy-on-write storage and singleton beat every legacy variant by orders of magnitude on large values, because they neither decode nor hash.",
            if holds.is_empty() { "no measured row".into() } else { holds.join("; ") },
            if fails.is_empty() { "no measured row".into() } else { fails.join("; ") },
        ));
    }

    // Argument hashing.
    let hashed = Workload::FrameArg { hashed: true };
    let skipped = Workload::FrameArg { hashed: false };
    if let Some(size) = largest(results, hashed)
        && let (Some(th), Some(ts)) = (
            results.hit(hashed, size, Variant::MemoSerialized),
            results.hit(skipped, size, Variant::MemoSerialized),
        )
    {
        let mut p = format!(
            "**Arguments are hashed on every call.** With a {}-row frame argument, a memo hit took {} when the frame is part of the key and {} when it is `_`-skipped ({} faster).",
            thousands(size),
            fmt_time(th),
            fmt_time(ts),
            fmt_ratio(th / ts),
        );
        if let Some(tl) = results.hit(hashed, size, Variant::LegacySampled) {
            let _ = write!(
                p,
                " The legacy cache, which has no `_` rule and hashes frames by seeded row hashes (sampled above {} rows), took {} for the same call.",
                thousands(legacy_cache::frames::ROWS_LARGE),
                fmt_time(tl)
            );
        }
        out.push(p);
    }
    out
}

/// The whole `report.md`.
pub fn markdown(results: &Results) -> String {
    let mut s = String::new();
    s.push_str("# Caching semantics benchmark: legacy `st.cache` vs memo vs singleton\n\n");
    s.push_str(&header(results));
    s.push_str("\nTimes are medians of one run on this machine; treat absolute values as noisy and the ratios between rows as the result. `× vs legacy X` = legacy X's hit time / this row's hit time (higher is faster). For `_`-skipped W4 rows the legacy baseline is the hashed call (legacy has no `_` rule).\n\n");
    s.push_str("## Mechanisms\n\n");
    for p in mechanisms(results) {
        s.push_str(&p);
        s.push_str("\n\n");
    }
    s.push_str("## Targets\n\n");
    s.push_str(&targets_table(results));
    s.push_str("\n## Hits\n\n");
    s.push_str(&results_table(results));
    let plots = plotted_workloads(results);
    if !plots.is_empty() {
        s.push_str("\n## Hit time against size (log-log)\n\n");
        for w in plots {
            let _ = writeln!(s, "![{}]({})\n", w.label(), plot_name(w));
        }
    }
    s.push_str("\n## Scaling\n\nSlope of a least-squares fit of log(hit time) against log(size) over the measured sizes: 0 = flat, 1 = linear.\n\n");
    s.push_str(&scaling_table(results));
    s.push_str("\n## Misses\n\nMiss = clear, then one timed call (the function runs and the value is stored). Overhead = miss − the bare function.\n\n");
    s.push_str(&miss_table(results));
    if !results.blind_spots.is_empty() {
        s.push_str("\n## The sampled check's blind spot (real calls)\n\nOne `value` cell of the cached W1 frame (12-byte strings) is changed through `Shared::mutate`, then the function is called again; \"yes\" = the hit emitted a `CachedObjectMutationWarning`.\n\n");
        s.push_str(&blind_spot_text(&results.blind_spots));
    }
    if !results.arg_blind_spots.is_empty() {
        s.push_str("\n## The same blind spot in argument hashing (real calls)\n\nThe W4 function is called with a frame, then with a copy that differs in one `value` cell; \"yes\" = the second call ran the function (the change reached the key).\n\n");
        s.push_str(&arg_blind_spot_text(&results.arg_blind_spots));
    }
    s.push_str("\n## Inputs\n\n");
    s.push_str(&inputs_table(results));
    s.push_str("\n## Variants\n\n");
    for v in Variant::ALL {
        if results.rows.iter().any(|r| r.variant == v) {
            let _ = writeln!(s, "- `{}`: {}", v.id(), v.label());
        }
    }
    s.push_str("\n`moka` stores `Arc<T>` (its README's advice for values costly to clone); `cached-clone` and `memo-cow` return a clone of `T`, which for a polars frame is the O(1) copy-on-write clone and for W2 records a deep copy. Legacy variants return `Shared<T>` (the cached object itself, two `Arc` clones). Cached function bodies are a \"load\": an O(1) clone of a pre-generated frame (W1), a deep copy of pre-generated records (W2), a 64-bit mix (W3) or the frame's height (W4); each counts its executions, and a row marked \"not all hits\" would mean a body ran during its hit measurement.\n");
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The whole `report.csv`: one line per measured row, times in nanoseconds.
pub fn csv(results: &Results) -> String {
    let mut s = String::from(
        "workload,workload_label,size,variant,role,hit_median_ns,hit_min_ns,hit_max_ns,hit_samples,hit_batch,all_hits,miss_median_ns,bare_median_ns,miss_overhead_ns,speedup_vs_legacy_sampled,speedup_vs_legacy_full,speedup_vs_legacy_mutable,claim_10x_vs_legacy_sampled,claim_10x_vs_legacy_full,estimated_bytes,serialized_bytes\n",
    );
    let ns = |x: f64| format!("{:.1}", x * 1e9);
    let opt = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.4}"));
    for r in &results.rows {
        let input = results.input(r.workload, r.size);
        let bare = input.map(|i| i.bare.median);
        let miss = r.miss.map(|m| m.median);
        let claim = |b: Variant| match (r.variant.role(), results.speedup(r, b)) {
            (Role::Legacy, _) | (_, None) => String::new(),
            (_, Some(x)) => (x >= CLAIM).to_string(),
        };
        let _ = writeln!(
            s,
            "{},{},{},{},{:?},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.workload.id(),
            csv_field(&r.workload.label()),
            r.size,
            r.variant.id(),
            r.variant.role(),
            ns(r.hit.median),
            ns(r.hit.min),
            ns(r.hit.max),
            r.hit.samples,
            r.hit.batch,
            r.all_hits,
            miss.map_or_else(String::new, ns),
            bare.map_or_else(String::new, ns),
            match (miss, bare) {
                (Some(m), Some(b)) => ns(m - b),
                _ => String::new(),
            },
            opt(results.speedup(r, Variant::LegacySampled)),
            opt(results.speedup(r, Variant::LegacyFull)),
            opt(results.speedup(r, Variant::LegacyMutable)),
            claim(Variant::LegacySampled),
            claim(Variant::LegacyFull),
            input
                .and_then(|i| i.estimated_bytes)
                .map_or_else(String::new, |b| b.to_string()),
            input.map_or_else(String::new, |i| i.serialized_bytes.to_string()),
        );
    }
    s
}

fn color(v: Variant) -> &'static str {
    match v {
        Variant::LegacySampled => "#d62728",
        Variant::LegacyFull => "#8c1c13",
        Variant::LegacyMutable => "#ff9896",
        Variant::MemoSerialized => "#1f77b4",
        Variant::MemoCow => "#17becf",
        Variant::Singleton => "#2ca02c",
        Variant::CachedClone => "#9467bd",
        Variant::CachedArc => "#c5b0d5",
        Variant::CachedOnce => "#e377c2",
        Variant::Moka => "#bcbd22",
        Variant::FloorMemcpy => "#7f7f7f",
        Variant::FloorDecode => "#393b79",
        Variant::FloorDashMap => "#000000",
        Variant::FloorKeyHash => "#8c564b",
    }
}

/// `10^d` seconds as a tick label without decimals: `1 ns`, `10 µs`, `100 ms`, `1 s`.
fn fmt_decade(d: i32) -> String {
    let (unit, base) = match d {
        i32::MIN..=-7 => ("ns", -9),
        -6..=-4 => ("µs", -6),
        -3..=-1 => ("ms", -3),
        _ => ("s", 0),
    };
    format!("{} {unit}", 10u64.pow((d - base).max(0) as u32))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "")
}

/// A log-log SVG of hit time against size, one line per variant (floors dashed).
pub fn svg(results: &Results, workload: Workload) -> Option<String> {
    let series: Vec<(Variant, Vec<(f64, f64)>)> = variants_of(results, workload)
        .into_iter()
        .map(|v| {
            let mut pts: Vec<(f64, f64)> = results
                .rows
                .iter()
                .filter(|r| r.workload == workload && r.variant == v && r.hit.median > 0.0)
                .map(|r| (r.size as f64, r.hit.median))
                .collect();
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            (v, pts)
        })
        .filter(|(_, p)| !p.is_empty())
        .collect();
    let all: Vec<(f64, f64)> = series.iter().flat_map(|(_, p)| p.iter().copied()).collect();
    if all.is_empty() {
        return None;
    }
    let lx = |x: f64| x.log10();
    let (mut x0, mut x1) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(lx(p.0)), b.max(lx(p.0)))
    });
    let (mut y0, mut y1) = all.iter().fold((f64::MAX, f64::MIN), |(a, b), p| {
        (a.min(lx(p.1)), b.max(lx(p.1)))
    });
    // Whole decades around the data, at least one decade wide.
    x0 = x0.floor();
    x1 = x1.ceil().max(x0 + 1.0);
    y0 = y0.floor();
    y1 = y1.ceil().max(y0 + 1.0);
    let (w, h) = (920.0, 560.0);
    let (left, right, top, bottom) = (80.0, 330.0, 40.0, 60.0);
    let pw = w - left - right;
    let ph = h - top - bottom;
    let px = |x: f64| left + (lx(x) - x0) / (x1 - x0) * pw;
    let py = |y: f64| top + ph - (lx(y) - y0) / (y1 - y0) * ph;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" font-size="15" text-anchor="middle">Hit time vs {} — {} (log-log)</text>"#,
        left + pw / 2.0,
        workload.unit(),
        escape(&workload.label())
    );
    // Grid and tick labels at every decade.
    for d in (x0 as i32)..=(x1 as i32) {
        let x = left + (f64::from(d) - x0) / (x1 - x0) * pw;
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{}" stroke="#ddd"/><text x="{x:.1}" y="{}" text-anchor="middle">{}</text>"##,
            top + ph,
            top + ph + 18.0,
            thousands(10f64.powi(d) as usize)
        );
    }
    for d in (y0 as i32)..=(y1 as i32) {
        let y = top + ph - (f64::from(d) - y0) / (y1 - y0) * ph;
        let _ = writeln!(
            s,
            r##"<line x1="{left}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="{}" y="{:.1}" text-anchor="end">{}</text>"##,
            left + pw,
            left - 6.0,
            y + 4.0,
            fmt_decade(d)
        );
    }
    let _ = writeln!(
        s,
        r##"<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>"##
    );
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
        left + pw / 2.0,
        h - 16.0,
        workload.unit()
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{}" text-anchor="middle" transform="rotate(-90 18 {})">median hit time</text>"#,
        top + ph / 2.0,
        top + ph / 2.0
    );
    for (i, (v, pts)) in series.iter().enumerate() {
        let c = color(*v);
        let dash = if v.role() == Role::Floor {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let path: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"{dash}/>"#,
            path.join(" ")
        );
        for &(x, y) in pts {
            let _ = writeln!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{c}"><title>{} at {}: {}</title></circle>"#,
                px(x),
                py(y),
                v.id(),
                thousands(x as usize),
                fmt_time(y)
            );
        }
        let ly = top + 10.0 + i as f64 * 20.0;
        let lx0 = left + pw + 20.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx0}" y1="{ly}" x2="{}" y2="{ly}" stroke="{c}" stroke-width="2"{dash}/><text x="{}" y="{}">{}{}</text>"#,
            lx0 + 24.0,
            lx0 + 30.0,
            ly + 4.0,
            v.id(),
            slope(results, workload, *v)
                .map(|s| format!(" (slope {s:.2})"))
                .unwrap_or_default()
        );
    }
    s.push_str("</svg>\n");
    Some(s)
}

/// The block `--readme` writes between the markers: header and results table.
pub fn readme_block(results: &Results) -> String {
    let mut s = String::new();
    s.push_str(
        "_Generated by `cargo run --release -- --readme README.md`; do not edit by hand._\n\n",
    );
    s.push_str(&header(results));
    s.push_str("\n### What the numbers say\n\n");
    for m in mechanisms(results) {
        s.push_str("- ");
        s.push_str(&m);
        s.push('\n');
    }
    s.push_str("\n### Targets\n\n");
    s.push_str(&targets_table(results));
    s.push_str("\n### Hit times\n\n");
    s.push_str(&results_table(results));
    s.push_str("\n### Growth with size\n\n");
    s.push_str(&scaling_table(results));
    s
}

/// Replaces the text between [`README_START`] and [`README_END`] in `text` with `block`.
///
/// ```
/// use cache_harness::report::replace_block;
/// let t = "a\n<!-- results:start -->\nold\n<!-- results:end -->\nb\n";
/// assert_eq!(
///     replace_block(t, "new\n").unwrap(),
///     "a\n<!-- results:start -->\nnew\n<!-- results:end -->\nb\n"
/// );
/// assert!(replace_block("no markers", "x").is_none());
/// ```
pub fn replace_block(text: &str, block: &str) -> Option<String> {
    let start = text.find(README_START)? + README_START.len();
    let end = start + text[start..].find(README_END)?;
    let mut out = String::with_capacity(text.len() + block.len());
    out.push_str(&text[..start]);
    out.push('\n');
    out.push_str(block);
    if !block.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&text[end..]);
    Some(out)
}

/// Rewrites the results block of the README at `path`.
pub fn update_readme(results: &Results, path: &Path) -> io::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let new = replace_block(&text, &readme_block(results)).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{} has no `{README_START}` … `{README_END}` block to replace",
                path.display()
            ),
        )
    })?;
    std::fs::write(path, new)
}

/// The plain-text table the main job prints: workload, size, variant, median hit, ratios against
/// each legacy variant, and whether the 10× claim holds (against the default, sampled legacy
/// cache, then against the full check).
pub fn console_table(results: &Results) -> String {
    let headers = [
        "workload",
        "size",
        "variant",
        "median hit",
        "x legacy-sampled",
        "x legacy-full",
        "x legacy-mutable",
        ">=10x (sampled)",
        ">=10x (full)",
    ];
    let mut rows: Vec<[String; 9]> = Vec::new();
    for r in &results.rows {
        rows.push([
            r.workload.id(),
            fmt_size(r.workload, r.size),
            r.variant.id().to_string(),
            format!(
                "{}{}",
                fmt_time(r.hit.median),
                if r.all_hits { "" } else { " (!)" }
            ),
            fmt_opt_ratio(results.speedup(r, Variant::LegacySampled)),
            fmt_opt_ratio(results.speedup(r, Variant::LegacyFull)),
            fmt_opt_ratio(results.speedup(r, Variant::LegacyMutable)),
            claim_cell(results, r, Variant::LegacySampled),
            claim_cell(results, r, Variant::LegacyFull),
        ]);
    }
    let mut widths = headers.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            let pad = w - cell.chars().count();
            // Text columns left-aligned, numbers right-aligned.
            if i < 3 {
                s.push_str(cell);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str(&" ".repeat(pad));
                s.push_str(cell);
            }
            s.push_str("  ");
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(&headers.map(String::from));
    out.push_str(&line(&widths.map(|w| "-".repeat(w))));
    for row in &rows {
        out.push_str(&line(row));
    }
    out
}
