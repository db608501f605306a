//! `report.csv`: one line per measured row, times in nanoseconds (the multi-threaded rows' lines
//! come from [`super::mt`]).

use std::fmt::Write as _;

use super::targets::claim_holds;
use crate::suite::Results;
use crate::variants::Variant;

pub(super) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The whole `report.csv`: one line per measured row, times in nanoseconds.
pub fn csv(results: &Results) -> String {
    let mut s = String::from(
        "workload,workload_label,size,variant,role,hit_median_ns,hit_min_ns,hit_max_ns,hit_samples,hit_batch,all_hits,miss_median_ns,bare_median_ns,miss_overhead_ns,speedup_vs_legacy_sampled,speedup_vs_legacy_full,speedup_vs_legacy_mutable,claim_10x_vs_legacy_sampled,claim_10x_vs_legacy_full,estimated_bytes,serialized_bytes,threads,ops_per_s_per_thread,ops_per_s_total\n",
    );
    // The multi-threaded rows (after the others) fill the last three columns, the others not.
    let columns = s.matches(',').count() + 1;
    let ns = |x: f64| format!("{:.1}", x * 1e9);
    let opt = |x: Option<f64>| x.map_or_else(String::new, |v| format!("{v:.4}"));
    for r in &results.rows {
        let input = results.input(r.workload, r.size);
        let bare = input.map(|i| i.bare.median);
        let miss = r.miss.map(|m| m.median);
        let claim =
            |b: Variant| claim_holds(results, r, b).map_or_else(String::new, |h| h.to_string());
        let _ = writeln!(
            s,
            "{},{},{},{},{:?},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},,,",
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
    s.push_str(&super::mt::csv_lines(results, columns));
    s
}
