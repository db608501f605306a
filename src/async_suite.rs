//! The async part of the suite beyond the hit rows: a stampede of concurrent misses on one key.
//!
//! [`TASKS`] tokio tasks, spawned on one multi-thread runtime (one worker per core), all call the
//! same cached async function with the same cold key; a round's time runs from the first spawn
//! until every task has its value. The body counts its executions and then awaits a
//! [`BODY_SLEEP`] `tokio::time::sleep` (standing in for I/O), so a cache that lets callers through
//! to the body shows it in the count. Every round uses a fresh key, so no clear is needed between
//! rounds and every round is a real miss.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::runtime::{Builder, Runtime};

use crate::measure::{self, Budget, Timing};
use crate::progress::Progress;
use crate::suite::thousands;
use crate::workloads;

/// How many tasks call the cold key at once.
pub const TASKS: usize = 1_000;

/// What the stampede body awaits (after counting itself).
pub const BODY_SLEEP: Duration = Duration::from_millis(1);

/// The caches a stampede is run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Contender {
    /// `#[memo] async fn` (single flight across tasks).
    MemoAsync,
    /// `#[singleton] async fn` (single flight across tasks).
    SingletonAsync,
    /// `cached` 4.1 `#[cached] async fn` with its default, no write synchronization: the
    /// control that shows what the count looks like without single flight.
    CachedUnsynced,
    /// `cached` 4.1 `#[cached(sync_writes = true)] async fn`: the whole-cache lock is held
    /// across a miss.
    CachedSyncWrites,
    /// `cached` 4.1 `#[cached(sync_writes = "by_key")] async fn`: per-key bucket locks.
    CachedByKey,
    /// `moka` 0.12 `future::Cache::get_with` (coalesces concurrent inits of one key).
    MokaGetWith,
}

impl Contender {
    /// Every contender, in table order.
    pub const ALL: [Contender; 6] = [
        Contender::MemoAsync,
        Contender::SingletonAsync,
        Contender::CachedUnsynced,
        Contender::CachedSyncWrites,
        Contender::CachedByKey,
        Contender::MokaGetWith,
    ];

    /// Short id for the report.
    pub fn id(self) -> &'static str {
        match self {
            Contender::MemoAsync => "memo-async",
            Contender::SingletonAsync => "singleton-async",
            Contender::CachedUnsynced => "cached-async (no sync_writes)",
            Contender::CachedSyncWrites => "cached-async sync_writes",
            Contender::CachedByKey => "cached-async sync_writes by_key",
            Contender::MokaGetWith => "moka-future get_with",
        }
    }

    /// Whether this contender promises one body run per key however many callers wait (ours
    /// and moka's `get_with` do; `cached`'s locks are reported, not held to it).
    pub fn promises_single_flight(self) -> bool {
        matches!(
            self,
            Contender::MemoAsync | Contender::SingletonAsync | Contender::MokaGetWith
        )
    }
}

/// One contender's stampede: round times and body runs per round.
#[derive(Debug, Clone, PartialEq)]
pub struct Stampede {
    /// Which cache.
    pub contender: Contender,
    /// Tasks per round.
    pub tasks: usize,
    /// Worker threads of the runtime.
    pub workers: usize,
    /// Time per round, from the first spawn until all tasks have the value (`batch` = 1).
    pub time: Timing,
    /// How many times the body ran, per round (warm-up excluded).
    pub body_runs: Vec<u64>,
    /// Whether every caller of every round got the body's value for its key.
    pub values_correct: bool,
}

impl Stampede {
    /// The most body runs of any round.
    pub fn max_runs(&self) -> u64 {
        self.body_runs.iter().copied().max().unwrap_or(0)
    }

    /// The fewest body runs of any round.
    pub fn min_runs(&self) -> u64 {
        self.body_runs.iter().copied().min().unwrap_or(0)
    }

    /// Whether every round ran the body exactly once.
    pub fn single_flight(&self) -> bool {
        !self.body_runs.is_empty() && self.body_runs.iter().all(|&n| n == 1)
    }
}

// One counter per contender: the rounds of one contender run one after another, so the counter's
// difference across a round is that round's body runs.
static RUNS: [AtomicU64; Contender::ALL.len()] =
    [const { AtomicU64::new(0) }; Contender::ALL.len()];

fn runs(c: Contender) -> &'static AtomicU64 {
    &RUNS[c as usize]
}

/// The stampede body: count the run, await the sleep, return the W3 mix of the key.
async fn body(c: Contender, key: u64) -> u64 {
    runs(c).fetch_add(1, Ordering::Relaxed);
    tokio::time::sleep(BODY_SLEEP).await;
    workloads::scalar(key)
}

#[memo::memo]
async fn memo_slow(key: u64) -> u64 {
    body(Contender::MemoAsync, key).await
}

#[singleton::singleton]
async fn singleton_slow(key: u64) -> u64 {
    body(Contender::SingletonAsync, key).await
}

#[cached::macros::cached]
async fn cached_unsynced(key: u64) -> u64 {
    body(Contender::CachedUnsynced, key).await
}

#[cached::macros::cached(sync_writes = true)]
async fn cached_sync_writes(key: u64) -> u64 {
    body(Contender::CachedSyncWrites, key).await
}

#[cached::macros::cached(sync_writes = "by_key")]
async fn cached_by_key(key: u64) -> u64 {
    body(Contender::CachedByKey, key).await
}

static MOKA: LazyLock<moka::future::Cache<u64, u64>> =
    LazyLock::new(|| moka::future::Cache::new(10_000));

/// One caller of `contender` for `key` (spawned once per task).
async fn call(contender: Contender, key: u64) -> u64 {
    match contender {
        Contender::MemoAsync => memo_slow(key).await,
        Contender::SingletonAsync => *singleton_slow(key).await,
        Contender::CachedUnsynced => cached_unsynced(key).await,
        Contender::CachedSyncWrites => cached_sync_writes(key).await,
        Contender::CachedByKey => cached_by_key(key).await,
        Contender::MokaGetWith => MOKA.get_with(key, body(Contender::MokaGetWith, key)).await,
    }
}

/// The multi-thread runtime the stampedes run on: one worker per available core.
pub fn runtime() -> Runtime {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_time()
        .build()
        .expect("a tokio runtime needs threads and a timer, which this process can create")
}

/// Keys never used before in this process, so every round (and every test) misses.
fn fresh_key() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1 << 40);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// One round: `tasks` tasks on one cold key; (time until all have the value, body runs, whether
/// every value was right).
fn round(rt: &Runtime, contender: Contender, tasks: usize) -> (Duration, u64, bool) {
    let key = fresh_key();
    let before = runs(contender).load(Ordering::Relaxed);
    let (elapsed, correct) = rt.block_on(async {
        let start = Instant::now();
        let handles: Vec<_> = (0..tasks)
            .map(|_| tokio::spawn(call(contender, key)))
            .collect();
        let mut correct = true;
        for h in handles {
            // A join error means the task panicked: that caller did not get the value.
            correct &= h.await.is_ok_and(|v| v == workloads::scalar(key));
        }
        (start.elapsed(), correct)
    });
    (
        elapsed,
        runs(contender).load(Ordering::Relaxed) - before,
        correct,
    )
}

/// Runs `contender`'s stampede of `tasks` tasks: one warm-up round (thread and timer start-up,
/// not counted), then rounds until `budget` is spent and at least its minimum were taken.
///
/// ```
/// use cache_harness::async_suite::{Contender, runtime, stampede};
/// use cache_harness::measure::Budget;
///
/// let budget = Budget { time: std::time::Duration::ZERO, min_samples: 3, max_samples: 3 };
/// let s = stampede(&runtime(), Contender::MemoAsync, 100, &budget);
/// assert_eq!(s.body_runs, vec![1, 1, 1]);
/// assert!(s.single_flight() && s.values_correct);
/// ```
pub fn stampede(rt: &Runtime, contender: Contender, tasks: usize, budget: &Budget) -> Stampede {
    round(rt, contender, tasks);
    let start = Instant::now();
    let mut times = Vec::new();
    let mut body_runs = Vec::new();
    let mut values_correct = true;
    while times.len() < budget.max_samples
        && (times.len() < budget.min_samples.max(1) || start.elapsed() < budget.time)
    {
        let (t, n, ok) = round(rt, contender, tasks);
        times.push(t.as_secs_f64());
        body_runs.push(n);
        values_correct &= ok;
    }
    let median = measure::median(&mut times);
    Stampede {
        contender,
        tasks,
        workers: rt.metrics().num_workers(),
        time: Timing {
            median,
            min: times[0],
            max: times[times.len() - 1],
            samples: times.len(),
            batch: 1,
        },
        body_runs,
        values_correct,
    }
}

/// Every contender's stampede of [`TASKS`] tasks, on one runtime, in table order, with a
/// progress step each; empties the stampede caches afterwards.
pub(crate) fn run(budget: &Budget, progress: &mut Progress) -> Vec<Stampede> {
    let rt = runtime();
    let mut out = Vec::with_capacity(Contender::ALL.len());
    for contender in Contender::ALL {
        let what = format!(
            "async · {} concurrent misses · {}",
            thousands(TASKS),
            contender.id()
        );
        progress.show(&what);
        out.push(stampede(&rt, contender, TASKS, budget));
        progress.step(&what, true);
    }
    clear();
    out
}

/// Empties the stampede caches, so the per-round keys' entries do not outlive the stampedes.
fn clear() {
    memo_slow::clear();
    singleton_slow::clear();
    // The `cached` statics are async locks; nobody holds them between rounds, so a blocking
    // acquire returns at once.
    use cached::Cached as _;
    CACHED_UNSYNCED.write_blocking().cache_clear();
    CACHED_SYNC_WRITES.write_blocking().cache_clear();
    CACHED_BY_KEY.write_blocking().cache_clear();
    MOKA.invalidate_all();
}
