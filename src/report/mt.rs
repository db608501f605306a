//! The multi-threaded workload in the report: calls per second per thread and in total at each
//! thread count, the Zipf hit ratios, and its lines of `report.csv`.

use std::fmt::Write as _;

use super::csv::csv_field;
use super::format::fmt_ratio;
use crate::mt::{Pattern, ZIPF_EXPONENT, ZIPF_KEYS, Zipf, functions::CAPACITY};
use crate::suite::{Results, thousands};
use crate::variants::Variant;

/// Formats calls per second: `123 M/s`, `4.56 M/s`, `789 k/s`.
///
/// ```
/// use cache_harness::report::fmt_rate;
/// assert_eq!(fmt_rate(123.4e6), "123 M/s");
/// assert_eq!(fmt_rate(4.561e6), "4.56 M/s");
/// assert_eq!(fmt_rate(78_900.0), "78.9 k/s");
/// assert_eq!(fmt_rate(12.0), "12 /s");
/// ```
pub fn fmt_rate(r: f64) -> String {
    let (v, unit) = if r >= 1e6 {
        (r / 1e6, "M/s")
    } else if r >= 1e3 {
        (r / 1e3, "k/s")
    } else {
        (r, "/s")
    };
    if v >= 100.0 || unit == "/s" {
        format!("{v:.0} {unit}")
    } else if v >= 10.0 {
        format!("{v:.1} {unit}")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// The variants measured in the multi-threaded rows, in table order.
fn variants(results: &Results) -> Vec<Variant> {
    Variant::ALL
        .into_iter()
        .filter(|&v| results.mt.rows.iter().any(|r| r.variant == v))
        .collect()
}

/// The patterns measured, in table order.
fn patterns(results: &Results) -> Vec<Pattern> {
    Pattern::ALL
        .into_iter()
        .filter(|&p| results.mt.rows.iter().any(|r| r.pattern == p))
        .collect()
}

/// One markdown table per pattern: per thread count, calls/s of one thread and of all, and the
/// scaling of the total from the fewest to each larger thread count. Empty without mt rows.
///
/// ```no_run
/// let mut config = cache_harness::suite::Config::quick();
/// config.groups = vec![cache_harness::suite::Group::Mt];
/// let (results, _) = cache_harness::run(&config).unwrap();
/// print!("{}", cache_harness::report::mt_tables(&results));
/// print!("{}", cache_harness::report::hit_ratio_table(&results));
/// print!("{}", cache_harness::report::mt_console_table(&results));
/// ```
pub fn mt_tables(results: &Results) -> String {
    let mt = &results.mt;
    let threads = mt.thread_counts();
    let Some(&base) = threads.first() else {
        return String::new();
    };
    let mut s = String::new();
    for pattern in patterns(results) {
        let _ = writeln!(s, "**{}**\n", pattern.label());
        s.push_str("| variant |");
        let mut rule = String::from("|---|");
        for &t in &threads {
            let _ = write!(s, " {t} thr: per thread | {t} thr: total |");
            rule.push_str("---:|---:|");
        }
        for &t in threads.iter().skip(1) {
            let _ = write!(s, " total {t} thr / {base} thr |");
            rule.push_str("---:|");
        }
        s.push_str(" misses |\n");
        rule.push_str("---:|\n");
        s.push_str(&rule);
        for v in variants(results) {
            let _ = write!(s, "| {} |", v.id());
            for &t in &threads {
                match mt.row(pattern, t, v) {
                    Some(r) => {
                        let _ = write!(
                            s,
                            " {} | {} |",
                            fmt_rate(r.per_thread()),
                            fmt_rate(r.total())
                        );
                    }
                    None => s.push_str(" – | – |"),
                }
            }
            for &t in threads.iter().skip(1) {
                let cell = match (mt.total(pattern, t, v), mt.total(pattern, base, v)) {
                    (Some(a), Some(b)) if b > 0.0 => fmt_ratio(a / b),
                    _ => "–".into(),
                };
                let _ = write!(s, " {cell} |");
            }
            let misses = threads
                .iter()
                .filter_map(|&t| mt.row(pattern, t, v))
                .map(|r| format!("{:.1}%", r.miss_fraction() * 100.0))
                .collect::<Vec<_>>()
                .join(" / ");
            let _ = writeln!(s, " {misses} |");
        }
        s.push('\n');
    }
    s
}

/// The hit ratio of every policy on the Zipf pattern, with the best any policy can do on
/// average: always holding the most popular keys. Empty without hit ratios (example at
/// [`mt_tables`]).
pub fn hit_ratio_table(results: &Results) -> String {
    let ratios = &results.mt.hit_ratios;
    if ratios.is_empty() {
        return String::new();
    }
    let mut s = String::from(
        "| variant | eviction policy | hit ratio | hits / calls |\n|---|---|---:|---:|\n",
    );
    for r in ratios {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1}% | {} / {} |",
            r.variant.id(),
            policy(r.variant),
            r.ratio() * 100.0,
            thousands(r.hits as usize),
            thousands(r.ops as usize),
        );
    }
    let z = Zipf::new(ZIPF_KEYS, ZIPF_EXPONENT, 0).expect("valid constants");
    let best: f64 = (0..CAPACITY as u64).map(|k| z.probability(k)).sum();
    let _ = writeln!(
        s,
        "| (reference) | the {} most popular keys, always cached | {:.1}% | expected |",
        thousands(CAPACITY),
        best * 100.0
    );
    s
}

fn policy(v: Variant) -> &'static str {
    match v {
        Variant::MemoSerialized | Variant::MemoCow | Variant::Singleton => "CLOCK (`max_entries`)",
        Variant::CachedClone => "LRU (`max_size`, `SizedCache`)",
        Variant::Moka => "TinyLFU admission + LRU eviction",
        Variant::QuickCache => "CLOCK-Pro-like (S3-FIFO family)",
        _ => "–",
    }
}

/// The mt lines of `report.csv`, in the columns of its header: the workload id names the
/// pattern and thread count (`mt-hits-t2`), `size` is the thread count, the `hit_*_ns` columns
/// are nanoseconds per call of one thread (median, fastest and slowest round), `hit_samples`
/// the rounds, `all_hits` whether no body ran, and the last columns the rates.
pub(super) fn csv_lines(results: &Results, columns: usize) -> String {
    let mut s = String::new();
    for r in &results.mt.rows {
        let per_thread_ns = |total: f64| {
            if total > 0.0 {
                format!("{:.1}", 1e9 * r.threads as f64 / total)
            } else {
                String::new()
            }
        };
        let fastest = r.rounds.iter().copied().fold(0.0, f64::max);
        let slowest = r.rounds.iter().copied().fold(f64::INFINITY, f64::min);
        let mut fields = vec![
            results.mt.workload_id(r),
            format!(
                "{} × {} thread{}",
                r.pattern.label(),
                r.threads,
                if r.threads == 1 { "" } else { "s" }
            ),
            r.threads.to_string(),
            r.variant.id().to_string(),
            format!("{:?}", r.variant.role()),
            per_thread_ns(r.total()),
            per_thread_ns(fastest),
            per_thread_ns(slowest),
            r.rounds.len().to_string(),
            String::new(),
            (r.misses == 0).to_string(),
        ];
        // Columns of the single-threaded rows that mean nothing here stay empty.
        fields.resize(columns - 3, String::new());
        fields.push(r.threads.to_string());
        fields.push(format!("{:.0}", r.per_thread()));
        fields.push(format!("{:.0}", r.total()));
        let fields: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        s.push_str(&fields.join(","));
        s.push('\n');
    }
    s
}

/// The plain-text mt table the main job prints: one line per row, then the hit ratios (example
/// at [`mt_tables`]).
pub fn mt_console_table(results: &Results) -> String {
    let mut s = String::new();
    if results.mt.rows.is_empty() {
        return s;
    }
    let _ = writeln!(
        s,
        "{:<14} {:<16} {:>14} {:>14} {:>8}",
        "workload", "variant", "per thread", "total", "misses"
    );
    for r in &results.mt.rows {
        let _ = writeln!(
            s,
            "{:<14} {:<16} {:>14} {:>14} {:>7.1}%",
            results.mt.workload_id(r),
            r.variant.id(),
            fmt_rate(r.per_thread()),
            fmt_rate(r.total()),
            r.miss_fraction() * 100.0
        );
    }
    for h in &results.mt.hit_ratios {
        let _ = writeln!(
            s,
            "mt-zipf hit ratio {:<16} {:>6.1}%",
            h.variant.id(),
            h.ratio() * 100.0
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mt::{HitRatio, MtResults, MtRow};

    fn results(rows: Vec<MtRow>, hit_ratios: Vec<HitRatio>) -> Results {
        Results {
            env: crate::machine::Environment::detect("test"),
            config: crate::suite::Config::tiny("unused".into()),
            rows: Vec::new(),
            inputs: Vec::new(),
            blind_spots: Vec::new(),
            arg_blind_spots: Vec::new(),
            elapsed: std::time::Duration::ZERO,
            load_at_end: None,
            mt: MtResults {
                rows,
                hit_ratios,
                round: std::time::Duration::from_millis(1),
            },
            redis: None,
            stampedes: Vec::new(),
        }
    }

    fn row(threads: usize, variant: Variant, total: f64) -> MtRow {
        MtRow {
            pattern: Pattern::Hits,
            threads,
            variant,
            rounds: vec![total],
            ops: 1_000,
            misses: 0,
        }
    }

    #[test]
    fn tables_show_per_thread_total_and_scaling() {
        let r = results(
            vec![
                row(1, Variant::MemoCow, 10e6),
                row(2, Variant::MemoCow, 15e6),
                row(1, Variant::Moka, 20e6),
            ],
            vec![],
        );
        let t = mt_tables(&r);
        assert!(
            t.contains(
                "| memo-cow | 10.0 M/s | 10.0 M/s | 7.50 M/s | 15.0 M/s | 1.50× | 0.0% / 0.0% |"
            ),
            "{t}"
        );
        assert!(
            t.contains("| moka | 20.0 M/s | 20.0 M/s | – | – | – | 0.0% |"),
            "{t}"
        );
        assert!(hit_ratio_table(&r).is_empty());
        assert!(mt_tables(&results(vec![], vec![])).is_empty());
    }

    #[test]
    fn hit_ratios_come_with_the_static_optimum() {
        let r = results(
            vec![],
            vec![HitRatio {
                variant: Variant::QuickCache,
                hits: 750,
                ops: 1_000,
            }],
        );
        let t = hit_ratio_table(&r);
        assert!(
            t.contains("| quick-cache | CLOCK-Pro-like (S3-FIFO family) | 75.0% | 750 / 1,000 |"),
            "{t}"
        );
        // H(1,000) / H(10,000) for s = 1.
        assert!(t.contains("always cached | 76.5% |"), "{t}");
    }

    #[test]
    fn csv_lines_fill_every_column() {
        let mut zipf = row(4, Variant::Moka, 8e6);
        zipf.pattern = Pattern::Zipf;
        zipf.misses = 250;
        let r = results(vec![row(2, Variant::Singleton, 4e6), zipf], vec![]);
        let csv = crate::report::csv(&r);
        let mut lines = csv.lines();
        let columns = fields(lines.next().unwrap()).len();
        let hits = lines.next().unwrap();
        assert!(
            hits.starts_with("mt-hits-t2,mt hits only (100 warm keys) × 2 threads,2,singleton,Successor,500.0,500.0,500.0,1,,true,"),
            "{hits}"
        );
        assert!(hits.ends_with(",2,2000000,4000000"), "{hits}");
        let zipf = lines.next().unwrap();
        // The Zipf label holds "10,000": quoted, so the columns still line up.
        assert!(zipf.starts_with("mt-zipf-t4,\"mt Zipf"), "{zipf}");
        assert!(
            zipf.contains(",4,moka,Peer,500.0,500.0,500.0,1,,false,"),
            "{zipf}"
        );
        for line in [hits, zipf] {
            assert_eq!(fields(line).len(), columns, "{line}");
        }
        assert!(lines.next().is_none());
    }

    /// The fields of one CSV line (quotes respected).
    fn fields(line: &str) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut quoted = false;
        for c in line.chars() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => out.push(String::new()),
                c => out.last_mut().unwrap().push(c),
            }
        }
        out
    }
}
