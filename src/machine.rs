//! What the report header says about the run: machine, cores, allocator, versions, date.

use std::time::{SystemTime, UNIX_EPOCH};

/// The environment of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Environment {
    /// UTC date and time of the run (`YYYY-MM-DD HH:MM UTC`).
    pub date: String,
    /// CPU model (from `/proc/cpuinfo` where available).
    pub cpu: String,
    /// OS and architecture.
    pub os: String,
    /// Logical cores available to this process.
    pub cores: usize,
    /// Total memory, if known.
    pub memory: Option<String>,
    /// The global allocator of the measuring binary (named by that binary).
    pub allocator: String,
    /// rustc that built the harness.
    pub rustc: String,
    /// polars version.
    pub polars: String,
    /// Versions of the peers and codec: `cached`, `moka`, `quick_cache`, `dashmap`, `bincode`.
    pub peers: String,
    /// `POLARS_MAX_THREADS`, if set.
    pub polars_threads: Option<String>,
    /// `release` or `debug` (debug numbers are meaningless, and the report says so).
    pub profile: &'static str,
    /// 1-minute load average when the run started (other processes on a 2-core machine, such
    /// as a concurrent build, show up in the timings).
    pub load_at_start: Option<f64>,
}

/// The 1-minute load average, where `/proc/loadavg` exists.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

impl Environment {
    /// Collects the environment; `allocator` is what the calling binary installed.
    pub fn detect(allocator: &str) -> Self {
        Self {
            date: utc_now(),
            cpu: cpu_model().unwrap_or_else(|| "unknown CPU".into()),
            os: format!("{} {}", std::env::consts::OS, std::env::consts::ARCH),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory: total_memory(),
            allocator: allocator.to_string(),
            rustc: env!("HARNESS_RUSTC_VERSION").to_string(),
            polars: polars::VERSION.to_string(),
            peers: format!(
                "cached {}, moka {}, quick_cache {}, dashmap {}, bincode {}",
                env!("HARNESS_CACHED_VERSION"),
                env!("HARNESS_MOKA_VERSION"),
                env!("HARNESS_QUICK_CACHE_VERSION"),
                env!("HARNESS_DASHMAP_VERSION"),
                env!("HARNESS_BINCODE_VERSION"),
            ),
            polars_threads: std::env::var("POLARS_MAX_THREADS").ok(),
            profile: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            load_at_start: load_average(),
        }
    }

    /// The mimalloc crate version this harness was built with (for binaries that install it).
    pub fn mimalloc() -> String {
        format!("mimalloc {}", env!("HARNESS_MIMALLOC_VERSION"))
    }
}

fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
}

fn total_memory() -> Option<String> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kb: u64 = info
        .lines()
        .find(|l| l.starts_with("MemTotal:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(format!("{:.1} GiB", kb as f64 / (1024.0 * 1024.0)))
}

/// The current UTC time as `YYYY-MM-DD HH:MM UTC`, without a date crate.
fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format_utc(secs)
}

/// Formats seconds since the epoch (Howard Hinnant's days-to-civil algorithm).
///
/// ```
/// assert_eq!(cache_harness::machine::format_utc(0), "1970-01-01 00:00 UTC");
/// assert_eq!(cache_harness::machine::format_utc(1_795_000_000), "2026-11-18 11:06 UTC");
/// ```
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        (rem % 3600) / 60
    )
}
