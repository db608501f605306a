//! The report's tables: hits, misses, inputs, scaling, targets and the blind-spot
//! demonstrations (markdown), and the plain-text table the main job prints.

use std::fmt::Write as _;

use super::format::{describe_slope, fmt_bytes, fmt_opt_ratio, fmt_size};
use super::lookup::{plotted_workloads, sizes, slope, variants_of};
use super::targets::{claim_holds, targets};
use crate::blind_spot::{ArgBlindSpot, BlindSpot};
use crate::measure::fmt_time;
use crate::suite::{Results, Row, thousands};
use crate::variants::{Role, Variant};

/// Whether the "≥ 10× faster than the legacy cache" claim holds for a row, against `baseline`.
fn claim_cell(results: &Results, row: &Row, baseline: Variant) -> String {
    if row.variant.role() == Role::Legacy {
        return "(baseline)".into();
    }
    match claim_holds(results, row, baseline) {
        None => "–".into(),
        Some(true) => "yes".into(),
        Some(false) => "no".into(),
    }
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

pub(super) fn miss_table(results: &Results) -> String {
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

pub(super) fn inputs_table(results: &Results) -> String {
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

pub(super) fn scaling_table(results: &Results) -> String {
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

pub(super) fn targets_table(results: &Results) -> String {
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

pub(super) fn blind_spot_text(spots: &[BlindSpot]) -> String {
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

pub(super) fn arg_blind_spot_text(spots: &[ArgBlindSpot]) -> String {
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
