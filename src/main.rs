//! The main job: `cargo run --release [-- OPTIONS]` runs the comparative suite, prints one table
//! and writes `report.md`, `report.csv` and SVG plots to an output directory.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use cache_harness::machine::Environment;
use cache_harness::suite::{Config, Group};
use cache_harness::variants::Variant;
use clap::Parser;

// Large-frame timings depend on the allocator (glibc maps buffers over 32 MiB afresh on every
// allocation: a 321 MB `Vec<u8>` clone took 167 ms with glibc against 23 ms with mimalloc), so
// the harness names and fixes it.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Compare legacy `st.cache`, memo and singleton (and `cached`, `moka`) on frames, records and
/// scalars. Reads nothing from the network.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Also run W1 at 10,000,000 rows (needs a few GB of memory and a few more minutes).
    #[arg(long)]
    full: bool,

    /// Row / record counts for W1, W2 and W4, comma-separated (replaces the defaults:
    /// W1 100k,1M; W2 100k,1M; W4 1M). Underscores allowed: 250_000.
    #[arg(long, value_delimiter = ',', value_parser = parse_count)]
    rows: Option<Vec<usize>>,

    /// W1 string lengths in bytes, comma-separated (default 12,24).
    #[arg(long, value_delimiter = ',')]
    str_lens: Option<Vec<usize>>,

    /// Variants to run, comma-separated ids (default: all). Legacy variants are the baselines
    /// of every ratio. Ids: legacy-sampled, legacy-full, legacy-mutable, memo-serialized,
    /// memo-cow, singleton, cached-clone, cached-arc, cached-once, moka, quick-cache, memo-async,
    /// singleton-async, cached-async, moka-future, floor-memcpy, floor-decode, floor-dashmap,
    /// floor-keyhash. The async ones run only with the `async` workload group.
    #[arg(long, value_delimiter = ',', value_parser = parse_variant)]
    variants: Option<Vec<Variant>>,

    /// Workload groups to run, comma-separated: w1, w2, w3, w4, mt, async, redis (default: all).
    /// `mt`: 1, 2 and 4 threads calling one cached function; `async`: the async variants on W3
    /// and one W1 frame, beside their blocking twins, and 1,000 concurrent misses of one key;
    /// `redis`: starts its own redis-server, skipped with a note when the binary is missing.
    #[arg(long, value_delimiter = ',', value_parser = parse_group)]
    workloads: Option<Vec<Group>>,

    /// Time budget per measurement, in milliseconds.
    #[arg(long, default_value_t = 300)]
    budget_ms: u64,

    /// Minimum samples per measurement, whatever the budget.
    #[arg(long, default_value_t = 5)]
    min_samples: usize,

    /// Output directory for report.md, report.csv and the SVG plots.
    #[arg(long, default_value = "harness-report")]
    out: PathBuf,

    /// Replace the `<!-- results:start -->` … `<!-- results:end -->` block of this file
    /// (e.g. README.md) with the generated header and tables.
    #[arg(long)]
    readme: Option<PathBuf>,

    /// No progress line on stderr.
    #[arg(long)]
    quiet: bool,
}

fn parse_count(s: &str) -> Result<usize, String> {
    let clean: String = s.chars().filter(|c| *c != '_').collect();
    let (digits, mult) = match clean.to_ascii_lowercase() {
        t if t.ends_with('k') => (t[..t.len() - 1].to_string(), 1_000),
        t if t.ends_with('m') => (t[..t.len() - 1].to_string(), 1_000_000),
        t => (t, 1),
    };
    match digits.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n * mult),
        _ => Err(format!(
            "`{s}` is not a positive count (e.g. 100000, 100k, 1m)"
        )),
    }
}

fn parse_variant(s: &str) -> Result<Variant, String> {
    Variant::from_id(s).ok_or_else(|| {
        let ids: Vec<&str> = Variant::ALL.iter().map(|v| v.id()).collect();
        format!("unknown variant `{s}`; expected one of: {}", ids.join(", "))
    })
}

fn parse_group(s: &str) -> Result<Group, String> {
    Group::from_id(s).ok_or_else(|| {
        format!("unknown workload `{s}`; expected w1, w2, w3, w4, mt, async or redis")
    })
}

fn config(args: Args) -> Config {
    let mut c = if args.full {
        Config::full()
    } else {
        Config::quick()
    };
    if let Some(rows) = args.rows {
        c.frame_rows.clone_from(&rows);
        c.record_counts.clone_from(&rows);
        c.arg_rows = rows;
    }
    if let Some(lens) = args.str_lens {
        c.str_lens = lens;
    }
    if let Some(v) = args.variants {
        c.variants = v;
    }
    if let Some(g) = args.workloads {
        c.groups = g;
    }
    c.budget.time = Duration::from_millis(args.budget_ms);
    c.budget.min_samples = args.min_samples.max(1);
    c.out_dir = args.out;
    c.readme = args.readme;
    c.progress = !args.quiet;
    c.allocator = Environment::mimalloc();
    // The single-flight replicas are this binary, re-run.
    c.redis.exe = std::env::current_exe().ok();
    c
}

fn main() -> ExitCode {
    if let Some(code) = cache_harness::redis_suite::replica::replica_main() {
        return code;
    }
    let config = config(Args::parse());
    if cfg!(debug_assertions) {
        eprintln!("warning: debug build; timings are meaningless. Use `cargo run --release`.");
    }
    match cache_harness::run(&config) {
        Ok((results, written)) => {
            if !results.rows.is_empty() {
                println!("{}", cache_harness::report::console_table(&results));
            }
            let mt = cache_harness::report::mt_console_table(&results);
            if !mt.is_empty() {
                println!("{mt}");
            }
            let stampedes = cache_harness::report::stampede_console(&results);
            if !stampedes.is_empty() {
                println!("{stampedes}");
            }
            let t = cache_harness::report::targets(&results);
            let met = t.iter().filter(|t| t.met == Some(true)).count();
            let missed = t.iter().filter(|t| t.met == Some(false)).count();
            println!(
                "targets: {met} met, {missed} not met, {} not measured (details in report.md)",
                t.len() - met - missed
            );
            println!("\nwrote {}", written.markdown.display());
            println!("wrote {}", written.csv.display());
            for p in &written.plots {
                println!("wrote {}", p.display());
            }
            if let Some(readme) = &config.readme {
                println!("updated the results block of {}", readme.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
