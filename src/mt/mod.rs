//! The multi-threaded hit workload: 1, 2 and 4 threads call ONE cached `u64 -> u64` function at
//! once, for ours (memo, singleton) and the peers (`cached`, `moka`, `quick_cache`), on three key
//! patterns, plus the hit ratio of every eviction policy on the Zipf pattern.
//!
//! - [`Pattern::Hits`]: every call is a hit on a warm set of [`HOT_KEYS`] keys.
//! - [`Pattern::Mixed`]: 9 calls in 10 hit the warm set, 1 in 10 passes a key never seen before
//!   (a miss that runs the body and inserts, evicting once the cache holds [`functions::CAPACITY`]).
//! - [`Pattern::Zipf`]: keys drawn from a Zipf distribution (exponent [`ZIPF_EXPONENT`]) over
//!   [`ZIPF_KEYS`] keys, with every cache bounded to [`functions::CAPACITY`] entries.
//!
//! A round starts every thread at a [`Barrier`], lets them call for a fixed duration, and reads
//! each thread's own call count and clock; the row keeps the median total of several rounds.
//!
//! ```
//! use cache_harness::mt::{self, MtConfig, Pattern};
//! use cache_harness::variants::Variant;
//! let config = MtConfig {
//!     threads: vec![1, 2],
//!     patterns: vec![Pattern::Hits],
//!     variants: vec![Variant::QuickCache],
//!     round: std::time::Duration::from_millis(2),
//!     rounds: 3,
//!     ratio_ops: 5_000,
//! };
//! let results = mt::run(&config, |_| {});
//! let row = results.row(Pattern::Hits, 2, Variant::QuickCache).unwrap();
//! assert!(row.total() > 0.0 && row.misses == 0);
//! assert_eq!(results.workload_id(row), "mt-hits-t2");
//! ```

pub mod functions;
mod zipf;

use std::hint::black_box;
use std::sync::Barrier;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub use self::zipf::Zipf;

use crate::measure::median;
use crate::suite::Config;
use crate::variants::Variant;
use crate::workloads::{SEED, SplitMix};

/// Thread counts of the default run.
pub const THREADS: [usize; 3] = [1, 2, 4];
/// Warm keys of the hits-only and 90/10 patterns.
pub const HOT_KEYS: u64 = 100;
/// One call in this many is a miss in the 90/10 pattern.
pub const MISS_ONE_IN: u64 = 10;
/// Distinct keys of the Zipf pattern.
pub const ZIPF_KEYS: usize = 10_000;
/// Exponent of the Zipf pattern (`P(rank k) ∝ 1 / k^s`): with 1.0 over 10k keys the most
/// popular key takes about 10% of calls and the 1,000 most popular about 76%.
pub const ZIPF_EXPONENT: f64 = 1.0;
/// Measured rounds per row in the default run (half a round more, unmeasured, warms up).
pub const ROUNDS: usize = 5;
/// A round lasts the suite's per-measurement budget divided by this: 30 ms at the default
/// 300 ms, so the 54 rows of the default run add about 10 s to the quick suite.
const ROUND_DIVISOR: u32 = 10;

/// Keys each thread cycles through: precomputed so that drawing a key costs an array read, the
/// same for every variant (a Zipf draw is a binary search, which would dwarf a 20 ns hit).
const STREAM_LEN: usize = 1 << 16;
/// Calls between two looks at the stop flag.
const CHUNK: u64 = 256;
/// Marks a stream slot that takes a fresh (never seen) key.
const FRESH: u64 = u64::MAX;

/// The key pattern of a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pattern {
    /// Hits only, on [`HOT_KEYS`] warm keys.
    Hits,
    /// 90% hits on the warm keys, 10% misses on fresh keys.
    Mixed,
    /// Zipf over [`ZIPF_KEYS`] keys with [`functions::CAPACITY`] entries.
    Zipf,
}

impl Pattern {
    /// Every pattern, in table order.
    pub const ALL: [Pattern; 3] = [Pattern::Hits, Pattern::Mixed, Pattern::Zipf];

    /// Short id, part of the workload id in the CSV (`mt-hits-t2`).
    pub fn id(self) -> &'static str {
        match self {
            Pattern::Hits => "hits",
            Pattern::Mixed => "mixed",
            Pattern::Zipf => "zipf",
        }
    }

    /// Description for the report.
    pub fn label(self) -> String {
        match self {
            Pattern::Hits => format!("mt hits only ({HOT_KEYS} warm keys)"),
            Pattern::Mixed => format!(
                "mt 90/10 hits/misses ({HOT_KEYS} warm keys, 1 call in {MISS_ONE_IN} a fresh key)"
            ),
            Pattern::Zipf => format!(
                "mt Zipf (s = {ZIPF_EXPONENT}) over {} keys, capacity {}",
                crate::suite::thousands(ZIPF_KEYS),
                crate::suite::thousands(functions::CAPACITY)
            ),
        }
    }
}

/// What the multi-threaded workload runs.
#[derive(Debug, Clone, PartialEq)]
pub struct MtConfig {
    /// Thread counts.
    pub threads: Vec<usize>,
    /// Key patterns.
    pub patterns: Vec<Pattern>,
    /// Variants (those outside [`functions::VARIANTS`] are skipped).
    pub variants: Vec<Variant>,
    /// Duration of one round.
    pub round: Duration,
    /// Measured rounds per row.
    pub rounds: usize,
    /// Calls of the single-threaded hit-ratio run on the Zipf pattern (a quarter more warm the
    /// cache first, uncounted).
    pub ratio_ops: usize,
}

impl MtConfig {
    /// The workload as the suite configures it: its variants, and rounds that take a tenth of
    /// the suite's per-measurement time budget each (at least 1 ms).
    pub fn from_suite(config: &Config) -> Self {
        let round = (config.budget.time / ROUND_DIVISOR).max(Duration::from_millis(1));
        Self {
            threads: THREADS.to_vec(),
            patterns: Pattern::ALL.to_vec(),
            variants: config.variants.clone(),
            round,
            rounds: ROUNDS,
            // 2,000 calls per millisecond of budget, at most 400k: 400k calls sample the
            // popular Zipf keys thousands of times, and tiny runs stay tiny.
            ratio_ops: (config.budget.time.as_millis() as usize * 2_000).clamp(4_000, 400_000),
        }
    }

    /// The variants of this run that the workload has, in table order.
    pub fn variants(&self) -> Vec<Variant> {
        functions::VARIANTS
            .into_iter()
            .filter(|v| self.variants.contains(v))
            .collect()
    }

    /// Progress steps [`run`] reports: one per row and one per hit ratio.
    pub fn steps(&self) -> usize {
        let v = self.variants().len();
        let ratio = if self.patterns.contains(&Pattern::Zipf) {
            v
        } else {
            0
        };
        let threads = self.threads.iter().filter(|&&t| t > 0).count();
        self.patterns.len() * threads * v + ratio
    }
}

/// One measured (pattern, thread count, variant).
#[derive(Debug, Clone, PartialEq)]
pub struct MtRow {
    /// Key pattern.
    pub pattern: Pattern,
    /// Threads calling at once.
    pub threads: usize,
    /// Variant.
    pub variant: Variant,
    /// Total calls per second of every measured round (all threads together).
    pub rounds: Vec<f64>,
    /// Calls made in the measured rounds.
    pub ops: u64,
    /// Function bodies run in the measured rounds (misses; 0 for a hits-only row that hit).
    pub misses: u64,
}

impl MtRow {
    /// Median total calls per second over the rounds.
    pub fn total(&self) -> f64 {
        if self.rounds.is_empty() {
            return 0.0;
        }
        median(&mut self.rounds.clone())
    }

    /// Median calls per second of one thread (total / threads).
    pub fn per_thread(&self) -> f64 {
        self.total() / self.threads.max(1) as f64
    }

    /// Fraction of calls that ran the body.
    pub fn miss_fraction(&self) -> f64 {
        if self.ops == 0 {
            0.0
        } else {
            self.misses as f64 / self.ops as f64
        }
    }
}

/// One policy's hit ratio on the Zipf pattern, single-threaded, same capacity for all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HitRatio {
    /// Variant.
    pub variant: Variant,
    /// Counted calls that were hits.
    pub hits: u64,
    /// Counted calls.
    pub ops: u64,
}

impl HitRatio {
    /// Hits / calls.
    pub fn ratio(&self) -> f64 {
        if self.ops == 0 {
            0.0
        } else {
            self.hits as f64 / self.ops as f64
        }
    }
}

/// What the multi-threaded workload measured.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MtResults {
    /// Rows, in run order.
    pub rows: Vec<MtRow>,
    /// Hit ratios on the Zipf pattern, in table order.
    pub hit_ratios: Vec<HitRatio>,
    /// Duration of one round.
    pub round: Duration,
}

impl MtResults {
    /// The row of `(pattern, threads, variant)`, if measured.
    pub fn row(&self, pattern: Pattern, threads: usize, variant: Variant) -> Option<&MtRow> {
        self.rows
            .iter()
            .find(|r| r.pattern == pattern && r.threads == threads && r.variant == variant)
    }

    /// Median total calls per second of a row, if measured.
    pub fn total(&self, pattern: Pattern, threads: usize, variant: Variant) -> Option<f64> {
        self.row(pattern, threads, variant).map(MtRow::total)
    }

    /// The CSV workload id of a row: pattern and thread count (`mt-zipf-t4`).
    pub fn workload_id(&self, row: &MtRow) -> String {
        format!("mt-{}-t{}", row.pattern.id(), row.threads)
    }

    /// Distinct thread counts measured, ascending.
    pub fn thread_counts(&self) -> Vec<usize> {
        let mut t: Vec<usize> = self.rows.iter().map(|r| r.threads).collect();
        t.sort_unstable();
        t.dedup();
        t
    }
}

/// The keys thread `thread` cycles through for `pattern` ([`FRESH`] marks a fresh key).
fn stream(pattern: Pattern, thread: usize) -> Vec<u64> {
    let seed = SEED ^ 0x4D54 ^ ((thread as u64) << 32);
    match pattern {
        // Threads start at different offsets of the hot set so they do not walk in step.
        Pattern::Hits => (0..STREAM_LEN as u64)
            .map(|i| (i + thread as u64 * 37) % HOT_KEYS)
            .collect(),
        Pattern::Mixed => {
            let mut rng = SplitMix::new(seed);
            (0..STREAM_LEN)
                .map(|_| {
                    let r = rng.next_u64();
                    if r.is_multiple_of(MISS_ONE_IN) {
                        FRESH
                    } else {
                        (r >> 32) % HOT_KEYS
                    }
                })
                .collect()
        }
        Pattern::Zipf => {
            let mut z = Zipf::new(ZIPF_KEYS, ZIPF_EXPONENT, seed).expect("valid constants");
            (0..STREAM_LEN).map(|_| z.sample()).collect()
        }
    }
}

/// Hands out key ranges no call has used: the top bit keeps them apart from the hot and Zipf
/// keys, and each thread of each round takes its own block of 2^32.
static FRESH_BLOCKS: AtomicU64 = AtomicU64::new(0);

fn fresh_block() -> u64 {
    (1 << 63) | (FRESH_BLOCKS.fetch_add(1, Ordering::Relaxed) << 32)
}

/// One thread's share of a round: call until `stop`, return (calls, seconds).
fn hammer(f: fn(u64) -> u64, keys: &[u64], start: &Barrier, stop: &AtomicBool) -> (u64, f64) {
    let mask = keys.len() - 1;
    let fresh_base = fresh_block();
    let mut fresh = 0u64;
    let mut i = 0usize;
    let mut ops = 0u64;
    start.wait();
    let began = Instant::now();
    loop {
        for _ in 0..CHUNK {
            let mut k = keys[i & mask];
            i += 1;
            if k == FRESH {
                k = fresh_base | fresh;
                fresh += 1;
            }
            black_box(f(black_box(k)));
        }
        ops += CHUNK;
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    (ops, began.elapsed().as_secs_f64())
}

/// One round: `streams.len()` threads at once for `duration`; total calls/s and calls.
fn round(f: fn(u64) -> u64, streams: &[Vec<u64>], duration: Duration) -> (f64, u64) {
    let start = Barrier::new(streams.len() + 1);
    let stop = AtomicBool::new(false);
    let per_thread: Vec<(u64, f64)> = std::thread::scope(|s| {
        let handles: Vec<_> = streams
            .iter()
            .map(|keys| {
                let (start, stop) = (&start, &stop);
                s.spawn(move || hammer(f, keys, start, stop))
            })
            .collect();
        start.wait();
        std::thread::sleep(duration);
        stop.store(true, Ordering::Relaxed);
        handles
            .into_iter()
            .map(|h| h.join().expect("a cached u64 function does not panic"))
            .collect()
    });
    // Each thread's rate over its own clock, summed: a thread that started late is not charged
    // for the time it was not running.
    let total = per_thread
        .iter()
        .map(|&(ops, secs)| if secs > 0.0 { ops as f64 / secs } else { 0.0 })
        .sum();
    (total, per_thread.iter().map(|p| p.0).sum())
}

/// Clears the cache of `variant` and fills it as the pattern's steady state expects: the hot
/// keys, or one pass over a Zipf stream.
fn warm(f: fn(u64) -> u64, variant: Variant, pattern: Pattern) {
    functions::clear(variant);
    match pattern {
        Pattern::Hits | Pattern::Mixed => (0..HOT_KEYS).for_each(|k| {
            f(k);
        }),
        Pattern::Zipf => stream(Pattern::Zipf, usize::MAX).iter().for_each(|&k| {
            f(k);
        }),
    }
}

/// Measures one row.
fn measure_row(
    variant: Variant,
    pattern: Pattern,
    threads: usize,
    config: &MtConfig,
) -> Option<MtRow> {
    let f = functions::function(variant)?;
    let streams: Vec<Vec<u64>> = (0..threads).map(|t| stream(pattern, t)).collect();
    warm(f, variant, pattern);
    round(f, &streams, config.round / 2);
    let before = functions::bodies();
    let mut totals = Vec::with_capacity(config.rounds);
    let mut ops = 0;
    for _ in 0..config.rounds.max(1) {
        let (total, n) = round(f, &streams, config.round);
        totals.push(total);
        ops += n;
    }
    let misses = functions::bodies() - before;
    functions::clear(variant);
    Some(MtRow {
        pattern,
        threads,
        variant,
        rounds: totals,
        ops,
        misses,
    })
}

/// One variant warmed for one pattern and thread count, to time fixed call counts (the
/// criterion bench); its cache is emptied when dropped.
///
/// ```
/// use cache_harness::mt::{Pattern, Prepared};
/// use cache_harness::variants::Variant;
/// let p = Prepared::new(Variant::Moka, Pattern::Zipf, 2).unwrap();
/// assert!(p.time(1_000) > std::time::Duration::ZERO);
/// assert!(Prepared::new(Variant::LegacyFull, Pattern::Hits, 1).is_none());
/// ```
#[derive(Debug)]
pub struct Prepared {
    f: fn(u64) -> u64,
    variant: Variant,
    streams: Vec<Vec<u64>>,
}

impl Prepared {
    /// Warms `variant`'s cache for `pattern`, with one key stream per thread; `None` if the
    /// variant is not part of this workload or `threads` is 0.
    pub fn new(variant: Variant, pattern: Pattern, threads: usize) -> Option<Self> {
        let f = functions::function(variant)?;
        if threads == 0 {
            return None;
        }
        warm(f, variant, pattern);
        Some(Self {
            f,
            variant,
            streams: (0..threads).map(|t| stream(pattern, t)).collect(),
        })
    }

    /// Wall time for every thread to make `calls` calls, from the barrier that starts them all
    /// to the last one finishing.
    pub fn time(&self, calls: u64) -> Duration {
        let start = Barrier::new(self.streams.len() + 1);
        std::thread::scope(|s| {
            for keys in &self.streams {
                let (start, f) = (&start, self.f);
                s.spawn(move || {
                    let mask = keys.len() - 1;
                    let fresh_base = fresh_block();
                    start.wait();
                    for i in 0..calls {
                        let k = keys[i as usize & mask];
                        let k = if k == FRESH { fresh_base | i } else { k };
                        black_box(f(black_box(k)));
                    }
                });
            }
            start.wait();
            let began = Instant::now();
            // Leaving the scope joins every thread.
            began
        })
        .elapsed()
    }
}

impl Drop for Prepared {
    fn drop(&mut self) {
        functions::clear(self.variant);
    }
}

/// The hit ratio of `variant` on the Zipf pattern: one thread, an empty cache, a quarter of
/// `ops` uncounted to fill it, then `ops` counted calls.
///
/// ```
/// use cache_harness::mt::hit_ratio;
/// use cache_harness::variants::Variant;
/// let r = hit_ratio(Variant::QuickCache, 10_000).unwrap();
/// assert_eq!(r.ops, 10_000);
/// assert!(r.ratio() > 0.5 && r.ratio() < 0.9);
/// ```
pub fn hit_ratio(variant: Variant, ops: usize) -> Option<HitRatio> {
    let f = functions::function(variant)?;
    functions::clear(variant);
    let mut z = Zipf::new(ZIPF_KEYS, ZIPF_EXPONENT, SEED ^ 0x2171).expect("valid constants");
    for _ in 0..ops / 4 {
        f(z.sample());
    }
    let before = functions::bodies();
    for _ in 0..ops {
        f(z.sample());
    }
    let misses = functions::bodies() - before;
    functions::clear(variant);
    Some(HitRatio {
        variant,
        hits: ops as u64 - misses.min(ops as u64),
        ops: ops as u64,
    })
}

/// Runs the workload; `step` is called with a description after every row and hit ratio.
pub fn run(config: &MtConfig, mut step: impl FnMut(&str)) -> MtResults {
    let variants = config.variants();
    let mut rows = Vec::new();
    for &pattern in &config.patterns {
        // No thread, no row: a round needs at least one caller.
        for &threads in config.threads.iter().filter(|&&t| t > 0) {
            // Variants side by side within one thread count, so they see the same machine load.
            for &v in &variants {
                rows.extend(measure_row(v, pattern, threads, config));
                step(&format!("mt-{}-t{threads} · {}", pattern.id(), v.id()));
            }
        }
    }
    let mut hit_ratios = Vec::new();
    if config.patterns.contains(&Pattern::Zipf) {
        for &v in &variants {
            hit_ratios.extend(hit_ratio(v, config.ratio_ops));
            step(&format!("mt-zipf hit ratio · {}", v.id()));
        }
    }
    MtResults {
        rows,
        hit_ratios,
        round: config.round,
    }
}

#[cfg(test)]
mod tests;
