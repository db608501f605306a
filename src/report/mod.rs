//! Report writing: `report.md`, `report.csv`, one hand-written SVG per sized workload, and the
//! results block of a README. Every figure in the text is computed from the run's results.
//!
//! One module per job: formatting of figures, lookups over the rows, the tables, the targets
//! (one check per target), the prose, the CSV, the SVG plots and the README block; this module
//! assembles `report.md` and writes the files.

mod asynchronous;
mod csv;
mod format;
mod lookup;
mod mt;
mod prose;
mod readme;
mod redis;
mod svg;
mod tables;
mod targets;

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

pub use self::asynchronous::stampede_console;
pub use self::csv::csv;
pub use self::format::fmt_ratio;
pub use self::lookup::{log_slope, slope};
pub use self::mt::{fmt_rate, hit_ratio_table, mt_console_table, mt_tables};
pub use self::prose::{header, mechanisms};
pub use self::readme::{README_END, README_START, readme_block, replace_block, update_readme};
pub use self::redis::section as redis_section;
pub use self::svg::svg;
pub use self::tables::{console_table, results_table};
pub use self::targets::{CLAIM, Target, targets};

use self::lookup::plotted_workloads;
use self::svg::plot_name;
use self::tables::{
    arg_blind_spot_text, blind_spot_text, inputs_table, miss_table, scaling_table, targets_table,
};
use crate::suite::{Results, thousands};
use crate::variants::Variant;

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

/// The multi-threaded section of `report.md`.
fn mt_section(results: &Results) -> String {
    let round_ms = results.mt.round.as_secs_f64() * 1e3;
    let mut s = format!(
        "\n## Threads\n\n1, 2 and 4 threads call one cached `u64 -> u64` function at once (every cache bounded to {} entries). Threads start together at a barrier and call for {round_ms:.0} ms; a row is the median of its rounds. \"per thread\" = total / threads: flat per-thread rates mean the cache scales; a total that does not grow with threads means they wait on each other. More threads than cores ({}) share the cores, so totals cannot grow past that. Misses = function bodies run / calls.\n\n",
        thousands(crate::mt::functions::CAPACITY),
        results.env.cores
    );
    s.push_str(&mt_tables(results));
    if !results.mt.hit_ratios.is_empty() {
        s.push_str("### Hit ratio on the Zipf keys (one thread, same capacity)\n\n");
        s.push_str(&hit_ratio_table(results));
    }
    s
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
    if !results.mt.rows.is_empty() {
        s.push_str(&mt_section(results));
    }
    s.push_str("\n## Misses\n\nMiss = clear, then one timed call (the function runs and the value is stored). Overhead = miss − the bare function.\n\n");
    s.push_str(&miss_table(results));
    s.push_str(&redis_section(results));
    let async_method = asynchronous::method_text(results);
    let stampedes = asynchronous::stampede_text(results);
    if !async_method.is_empty() || !stampedes.is_empty() {
        s.push_str("\n## Async\n\n");
        s.push_str(&async_method);
        if !stampedes.is_empty() {
            let _ = writeln!(
                s,
                "\n### {} concurrent misses of one key\n",
                crate::suite::thousands(crate::async_suite::TASKS)
            );
            s.push_str(&stampedes);
        }
    }
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
