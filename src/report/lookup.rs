//! Lookups over a run's rows that several report parts share: measured sizes and variants, the
//! size closest to one million rows, and log-log slopes.

use crate::suite::Results;
use crate::variants::{Variant, Workload};

/// Workloads measured at two sizes or more, in run order.
pub(super) fn plotted_workloads(results: &Results) -> Vec<Workload> {
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
pub(super) fn sizes(results: &Results, workload: Workload) -> Vec<usize> {
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
pub(super) fn variants_of(results: &Results, workload: Workload) -> Vec<Variant> {
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

/// The W1 size closest to one million rows (the targets' "1M-row frame").
pub(super) fn million(results: &Results, workload: Workload) -> Option<usize> {
    sizes(results, workload)
        .into_iter()
        .min_by_key(|&s| s.abs_diff(1_000_000))
}

/// The largest size measured for a workload.
pub(super) fn largest(results: &Results, workload: Workload) -> Option<usize> {
    sizes(results, workload).into_iter().max()
}

/// The W1 workloads (one per configured string length) that have measured rows.
pub(super) fn w1_workloads(results: &Results) -> Vec<Workload> {
    results
        .config
        .str_lens
        .iter()
        .map(|&str_len| Workload::Frame { str_len })
        .filter(|w| results.rows.iter().any(|r| r.workload == *w))
        .collect()
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
