//! Comparative harness for function-result caching: Streamlit's legacy unified `@st.cache`
//! (`legacy-cache`), its successors `#[memo]` (by value) and `#[singleton]` (shared `Arc`), and
//! the peers `cached` 4.1 and `moka`, measured side by side on the same data.
//!
//! The library holds everything the main job (`cargo run --release`) and the criterion benches
//! share:
//! - [`workloads`]: deterministic inputs (W1 frames, W2 records, W3 scalars, W4 frame arguments);
//! - [`variants`]: one real cached function per variant × workload, each with its own static
//!   cache, and the floors;
//! - [`measure`]: the adaptive measurement loop (median per call, time budget, minimum samples);
//! - [`suite`]: what to run and the run itself;
//! - [`mt`]: threads calling one cached function at once, and eviction hit ratios;
//! - [`report`]: `report.md`, `report.csv`, SVG plots and the README block;
//! - [`blind_spot`]: a real demonstration of what the legacy sampled check cannot see;
//! - [`redis_suite`]: memo's Redis path against `cached`'s Redis store and a bare `GET`, and
//!   single flight across processes, on a `redis-server` it starts.
//!
//! ```no_run
//! let mut config = cache_harness::suite::Config::quick();
//! config.out_dir = "harness-report".into();
//! let (results, written) = cache_harness::run(&config).unwrap();
//! println!("{} rows, report at {}", results.rows.len(), written.markdown.display());
//! ```

pub mod async_suite;
pub mod bench_support;
pub mod blind_spot;
pub mod machine;
pub mod measure;
pub mod mt;
mod progress;
pub mod redis_suite;
pub mod report;
pub mod suite;
pub mod variants;
pub mod workloads;

use std::io;

/// The main job: runs the suite described by `config`, writes the report files into
/// `config.out_dir` and, with `config.readme`, replaces that file's results block.
pub fn run(config: &suite::Config) -> io::Result<(suite::Results, report::Written)> {
    let env = machine::Environment::detect(&config.allocator);
    let results = suite::run(config, env);
    let written = report::write(&results, &config.out_dir)?;
    if let Some(readme) = &config.readme {
        report::update_readme(&results, readme)?;
    }
    Ok((results, written))
}
