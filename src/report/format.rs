//! How figures are written in the report: ratios, sizes, bytes, slopes and "workload at size".

use crate::suite::thousands;
use crate::variants::Workload;

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

pub(super) fn fmt_opt_ratio(r: Option<f64>) -> String {
    r.map_or_else(|| "–".into(), fmt_ratio)
}

pub(super) fn fmt_size(workload: Workload, size: usize) -> String {
    if workload.sized() {
        thousands(size)
    } else {
        "–".into()
    }
}

pub(super) fn fmt_bytes(b: usize) -> String {
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

pub(super) fn describe_slope(s: f64) -> &'static str {
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

pub(super) fn at(w: Workload, size: usize) -> String {
    if w.sized() {
        format!("{} at {} {}", w.label(), thousands(size), w.unit())
    } else {
        w.label()
    }
}
