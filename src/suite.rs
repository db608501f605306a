//! The comparative suite: which workloads, sizes and variants to run, the run itself (with a
//! progress line on stderr) and its results.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::async_suite::{self, Contender, Stampede};
use crate::blind_spot::{self, ArgBlindSpot, BlindSpot};
use crate::machine::Environment;
use crate::measure::{self, Budget, Timing};
use crate::progress::Progress;
use crate::redis_suite::{RedisPlan, RedisSection};
use crate::variants::{self, Variant, Workload};
use crate::workloads;

/// The workload groups (W1 frames, W2 records, W3 scalars, W4 frame arguments, the
/// multi-threaded workload, the async part and the Redis section), for `--workloads`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    /// Frames returned by value.
    W1,
    /// Records returned by value.
    W2,
    /// Scalar function (with and without arguments).
    W3,
    /// Frame as an argument, hashed vs `_`-skipped.
    W4,
    /// Threads calling one cached `u64 -> u64` function at once ([`crate::mt`]).
    Mt,
    /// The Redis section ([`crate::redis_suite`]).
    Redis,
    /// The async variants (on W3 and one W1 frame, beside their blocking twins) and the
    /// stampede of concurrent misses ([`crate::async_suite`]).
    Async,
}

impl Group {
    /// All groups.
    pub const ALL: [Group; 7] = [
        Group::W1,
        Group::W2,
        Group::W3,
        Group::W4,
        Group::Mt,
        Group::Async,
        Group::Redis,
    ];

    /// Parses `w1`..`w4`, `mt`, `async` and `redis` (case-insensitive).
    pub fn from_id(id: &str) -> Option<Group> {
        match id.to_ascii_lowercase().as_str() {
            "w1" => Some(Group::W1),
            "w2" => Some(Group::W2),
            "w3" => Some(Group::W3),
            "w4" => Some(Group::W4),
            "mt" => Some(Group::Mt),
            "redis" => Some(Group::Redis),
            "async" => Some(Group::Async),
            _ => None,
        }
    }
}

/// What to run.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    /// W1 frame heights.
    pub frame_rows: Vec<usize>,
    /// W1 string lengths (bytes per `label`).
    pub str_lens: Vec<usize>,
    /// W2 record counts.
    pub record_counts: Vec<usize>,
    /// W4 frame-argument heights.
    pub arg_rows: Vec<usize>,
    /// Workload groups to run.
    pub groups: Vec<Group>,
    /// Variants to run (legacy variants are always useful as baselines).
    pub variants: Vec<Variant>,
    /// Per-measurement budget.
    pub budget: Budget,
    /// Where the report goes.
    pub out_dir: PathBuf,
    /// A README whose results block is replaced.
    pub readme: Option<PathBuf>,
    /// Name of the global allocator of the running binary.
    pub allocator: String,
    /// Show a progress line on stderr.
    pub progress: bool,
    /// The Redis section's sizes and replicas.
    pub redis: RedisPlan,
}

impl Config {
    /// The default run: W1 at 100k and 1M rows with 12- and 24-byte strings, W2 at 100k and 1M
    /// records, W3, and W4 with a 1M-row argument.
    pub fn quick() -> Self {
        Self {
            frame_rows: vec![100_000, 1_000_000],
            str_lens: workloads::DEFAULT_STR_LENS.to_vec(),
            record_counts: vec![100_000, 1_000_000],
            arg_rows: vec![1_000_000],
            groups: Group::ALL.to_vec(),
            variants: Variant::ALL.to_vec(),
            budget: Budget::default(),
            out_dir: PathBuf::from("harness-report"),
            readme: None,
            allocator: "system".into(),
            progress: true,
            redis: RedisPlan::quick(),
        }
    }

    /// `--full`: adds 10M-row frames to W1.
    pub fn full() -> Self {
        let mut c = Self::quick();
        c.frame_rows.push(10_000_000);
        c
    }

    /// Tiny sizes and a small budget, for tests and CI smoke runs.
    pub fn tiny(out_dir: PathBuf) -> Self {
        Self {
            frame_rows: vec![1_000, 2_000],
            str_lens: workloads::DEFAULT_STR_LENS.to_vec(),
            record_counts: vec![500],
            arg_rows: vec![1_000],
            budget: Budget {
                time: Duration::from_millis(2),
                min_samples: 1,
                max_samples: 5,
            },
            out_dir,
            progress: false,
            redis: RedisPlan::tiny(),
            ..Self::quick()
        }
    }

    /// The (workload, size) tasks of this configuration, in run order.
    pub fn tasks(&self) -> Vec<(Workload, usize)> {
        let mut tasks = Vec::new();
        for group in &self.groups {
            match group {
                Group::W1 => {
                    for &str_len in &self.str_lens {
                        for &rows in &self.frame_rows {
                            tasks.push((Workload::Frame { str_len }, rows));
                        }
                    }
                }
                Group::W2 => {
                    for &n in &self.record_counts {
                        tasks.push((Workload::Records, n));
                    }
                }
                Group::W3 => {
                    tasks.push((Workload::Scalar, 1));
                    tasks.push((Workload::ScalarNoArgs, 1));
                }
                Group::W4 => {
                    for &rows in &self.arg_rows {
                        tasks.push((Workload::FrameArg { hashed: true }, rows));
                        tasks.push((Workload::FrameArg { hashed: false }, rows));
                    }
                }
                // Not a (workload, size) task: run by `crate::mt` after them.
                Group::Mt => {}
                // Not a workload × variant grid: run on its own server by `run`.
                Group::Redis => {}
                Group::Async => tasks.extend(self.async_tasks()),
            }
        }
        // The async group shares its tasks with W1 and W3: each is measured once.
        let mut seen = Vec::new();
        tasks.retain(|t| {
            let new = !seen.contains(t);
            seen.push(*t);
            new
        });
        tasks
    }

    /// The (workload, size) tasks the async variants run on, beside their blocking twins: W3
    /// `u64 -> u64` and the W1 frame of the first string length at the smallest height. Empty
    /// unless the async group is selected.
    pub fn async_tasks(&self) -> Vec<(Workload, usize)> {
        if !self.groups.contains(&Group::Async) {
            return Vec::new();
        }
        let mut tasks = vec![(Workload::Scalar, 1)];
        if let (Some(&str_len), Some(&rows)) = (self.str_lens.first(), self.frame_rows.iter().min())
        {
            tasks.push((Workload::Frame { str_len }, rows));
        }
        tasks
    }

    /// The W1 heights to demonstrate the legacy blind spot on: every W1 height, when W1 and
    /// both legacy check variants are in the run.
    pub fn blind_spot_sizes(&self) -> Vec<usize> {
        let wanted = self.groups.contains(&Group::W1)
            && self.variants.contains(&Variant::LegacySampled)
            && self.variants.contains(&Variant::LegacyFull);
        if wanted {
            self.frame_rows.clone()
        } else {
            Vec::new()
        }
    }

    /// The W4 heights to demonstrate the argument blind spot on: every W4 height, when W4, both
    /// legacy check variants and memo serialized are in the run.
    pub fn arg_blind_spot_sizes(&self) -> Vec<usize> {
        let wanted = self.groups.contains(&Group::W4)
            && self.variants.contains(&Variant::LegacySampled)
            && self.variants.contains(&Variant::LegacyFull)
            && self.variants.contains(&Variant::MemoSerialized);
        if wanted {
            self.arg_rows.clone()
        } else {
            Vec::new()
        }
    }

    /// Whether the run includes the stampede of concurrent misses: with the async group and at
    /// least one async variant (a run restricted to blocking variants measures no async part).
    pub fn runs_stampedes(&self) -> bool {
        self.groups.contains(&Group::Async) && self.variants.iter().any(|v| v.is_async())
    }

    /// The variants measured on one task: async variants only on the async tasks.
    fn variants_of(&self, workload: Workload, size: usize) -> Vec<Variant> {
        let async_task = self.async_tasks().contains(&(workload, size));
        self.variants
            .iter()
            .copied()
            .filter(|&v| workload.supports(v) && (async_task || !v.is_async()))
            .collect()
    }
}

/// One measured (workload, size, variant).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// Workload.
    pub workload: Workload,
    /// Rows or records (1 for W3).
    pub size: usize,
    /// Variant.
    pub variant: Variant,
    /// Hit time (for floors: the floor operation).
    pub hit: Timing,
    /// Miss time (`None` for floors).
    pub miss: Option<Timing>,
    /// Whether no function body ran during the hit measurement (every timed call was a hit).
    pub all_hits: bool,
}

/// Sizes of one (workload, size) input.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// Workload.
    pub workload: Workload,
    /// Rows or records.
    pub size: usize,
    /// `estimated_size()` of the frame (W1, W4), if a frame.
    pub estimated_bytes: Option<usize>,
    /// Length of the bincode encoding of the returned value (or of the W4 argument).
    pub serialized_bytes: usize,
    /// The uncached function's time (the "bare function" of the miss overhead).
    pub bare: Timing,
}

/// Everything one run produced.
#[derive(Debug, Clone)]
pub struct Results {
    /// Where and with what it ran.
    pub env: Environment,
    /// What it ran.
    pub config: Config,
    /// Measured rows, in run order.
    pub rows: Vec<Row>,
    /// Inputs, in run order.
    pub inputs: Vec<Input>,
    /// The legacy sampled check's blind spot, demonstrated on W1 frames.
    pub blind_spots: Vec<BlindSpot>,
    /// The same blind spot in argument hashing, demonstrated on W4 frames.
    pub arg_blind_spots: Vec<ArgBlindSpot>,
    /// Concurrent misses of one key on the async caches (with the async group).
    pub stampedes: Vec<Stampede>,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// 1-minute load average when the run ended.
    pub load_at_end: Option<f64>,
    /// The multi-threaded workload (empty unless its group ran).
    pub mt: crate::mt::MtResults,
    /// The Redis section (`None`: not selected).
    pub redis: Option<RedisSection>,
}

impl Results {
    /// The row of `(workload, size, variant)`, if measured.
    pub fn row(&self, workload: Workload, size: usize, variant: Variant) -> Option<&Row> {
        self.rows
            .iter()
            .find(|r| r.workload == workload && r.size == size && r.variant == variant)
    }

    /// The input of `(workload, size)`, if measured.
    pub fn input(&self, workload: Workload, size: usize) -> Option<&Input> {
        self.inputs
            .iter()
            .find(|i| i.workload == workload && i.size == size)
    }

    /// Median hit time of a row, in seconds.
    pub fn hit(&self, workload: Workload, size: usize, variant: Variant) -> Option<f64> {
        self.row(workload, size, variant).map(|r| r.hit.median)
    }

    /// How many times faster `row` is than `baseline` for the same call (legacy baselines of a
    /// `_`-skipped W4 row come from the hashed W4 call, which is all legacy can do).
    pub fn speedup(&self, row: &Row, baseline: Variant) -> Option<f64> {
        let base = self.hit(row.workload.legacy_baseline(), row.size, baseline)?;
        (row.hit.median > 0.0).then(|| base / row.hit.median)
    }
}

/// Formats a count with thousands separators (`1,000,000`).
///
/// ```
/// assert_eq!(cache_harness::suite::thousands(1_000_000), "1,000,000");
/// assert_eq!(cache_harness::suite::thousands(12), "12");
/// ```
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn describe(workload: Workload, size: usize) -> String {
    if workload.sized() {
        format!(
            "{} · {} {}",
            workload.label(),
            thousands(size),
            workload.unit()
        )
    } else {
        workload.label()
    }
}

/// Measures one input's sizes and its uncached function.
fn measure_input(workload: Workload, size: usize, budget: &Budget) -> Input {
    let (estimated_bytes, serialized_bytes) = match workload {
        Workload::Frame { str_len } => {
            let df = workloads::frame(size, str_len);
            (Some(df.estimated_size()), encoded_len(&df))
        }
        Workload::FrameArg { .. } => {
            let df = workloads::frame(size, 12);
            (Some(df.estimated_size()), encoded_len(&df))
        }
        Workload::Records => (None, encoded_len(&*workloads::records_source(size))),
        Workload::Scalar | Workload::ScalarNoArgs => (None, encoded_len(&0u64)),
    };
    let mut bare = variants::bare_for(workload, size);
    let bare = measure::measure(&mut bare, budget);
    Input {
        workload,
        size,
        estimated_bytes,
        serialized_bytes,
        bare,
    }
}

fn encoded_len<T: serde::Serialize + ?Sized>(value: &T) -> usize {
    memo::codec::encode(value).map_or(0, |b| b.len())
}

/// Measures one variant: misses first (each after a clear), which leaves the entry cached, then
/// hits; the cache is emptied afterwards so memory stays bounded.
fn measure_variant(
    workload: Workload,
    size: usize,
    variant: Variant,
    budget: &Budget,
) -> Option<Row> {
    let mut case = variants::case_for(workload, size, variant)?;
    let miss = case
        .clear
        .as_mut()
        .map(|clear| measure::measure_miss(&mut case.run, clear, budget));
    let before = workloads::computations();
    let hit = measure::measure(&mut case.run, budget);
    let all_hits = case.clear.is_none() || workloads::computations() == before;
    if let Some(clear) = case.clear.as_mut() {
        clear();
    }
    Some(Row {
        workload,
        size,
        variant,
        hit,
        miss,
        all_hits,
    })
}

/// The order in which a task's variants are measured: each floor right before the variant it
/// bounds (decode before memo serialized, `DashMap` before singleton), and each async variant
/// right after its blocking twin, so the pair sees the same allocator, thread-pool and machine
/// state. Measured in the configured order, a large-frame floor ran after every other variant
/// and its median drifted from memo's by ±30% with equal minima.
fn measurement_order(variants: Vec<Variant>) -> Vec<Variant> {
    let partner = |v: Variant| match v {
        Variant::FloorDecode | Variant::FloorMemcpy => Some(Variant::MemoSerialized),
        Variant::FloorDashMap => Some(Variant::Singleton),
        Variant::FloorKeyHash => Some(Variant::MemoSerialized),
        _ => None,
    };
    let twin_present = |v: Variant| v.blocking_twin().is_some_and(|t| variants.contains(&t));
    let mut out = Vec::with_capacity(variants.len());
    for &v in &variants {
        if partner(v).is_some_and(|p| variants.contains(&p)) || twin_present(v) {
            continue; // placed next to its partner or twin below
        }
        for &f in &variants {
            if partner(f) == Some(v) {
                out.push(f);
            }
        }
        out.push(v);
        for &a in &variants {
            if a.blocking_twin() == Some(v) {
                out.push(a);
            }
        }
    }
    out
}

/// Runs the suite (no files written; see [`crate::run`] for the whole main job).
pub fn run(config: &Config, env: Environment) -> Results {
    let started = Instant::now();
    let tasks = config.tasks();
    let demo_sizes = config.blind_spot_sizes();
    let arg_demo_sizes = config.arg_blind_spot_sizes();
    let mt_config = config
        .groups
        .contains(&Group::Mt)
        .then(|| crate::mt::MtConfig::from_suite(config));
    let run_stampedes = config.runs_stampedes();
    let total = mt_config.as_ref().map_or(0, crate::mt::MtConfig::steps)
        + tasks
            .iter()
            .map(|&(w, size)| config.variants_of(w, size).len() + 1)
            .sum::<usize>()
        + demo_sizes.len()
        + arg_demo_sizes.len()
        + usize::from(config.groups.contains(&Group::Redis))
        + if run_stampedes {
            Contender::ALL.len()
        } else {
            0
        };
    let mut progress = Progress::new(config.progress, total);
    variants::clear_all();
    let mut rows = Vec::new();
    let mut inputs = Vec::new();
    for &(workload, size) in &tasks {
        let what = describe(workload, size);
        progress.show(&format!("{what} · generating input"));
        inputs.push(measure_input(workload, size, &config.budget));
        progress.step(&format!("{what} · bare function"), false);
        let first = rows.len();
        for variant in measurement_order(config.variants_of(workload, size)) {
            progress.show(&format!("{what} · {}", variant.id()));
            rows.extend(measure_variant(workload, size, variant, &config.budget));
            progress.step(&format!("{what} · {}", variant.id()), false);
        }
        // Tables list variants in the configured order, whatever order they were measured in.
        let order = config.variants_of(workload, size);
        rows[first..].sort_by_key(|r| order.iter().position(|&v| v == r.variant));
        progress.log(&format!("{what} · done"));
        workloads::release_sources();
    }
    let mut blind_spots = Vec::new();
    for rows in demo_sizes {
        progress.show(&format!(
            "legacy blind-spot demo · {} rows",
            thousands(rows)
        ));
        blind_spots.push(blind_spot::demonstrate(rows));
        progress.step("legacy blind-spot demo", true);
        workloads::release_sources();
    }
    let mut arg_blind_spots = Vec::new();
    for rows in arg_demo_sizes {
        progress.show(&format!(
            "legacy argument blind-spot demo · {} rows",
            thousands(rows)
        ));
        arg_blind_spots.push(blind_spot::demonstrate_arg(rows));
        progress.step("legacy argument blind-spot demo", true);
        workloads::release_sources();
    }
    let mt = mt_config.map_or_else(Default::default, |c| {
        crate::mt::run(&c, |what| progress.step(what, false))
    });
    let redis = config.groups.contains(&Group::Redis).then(|| {
        progress.show("Redis section");
        let section = crate::redis_suite::run(&config.redis, &config.budget);
        progress.step("Redis section", true);
        section
    });
    let stampedes = if run_stampedes {
        async_suite::run(&config.budget, &mut progress)
    } else {
        Vec::new()
    };
    progress.finish();
    variants::clear_all();
    Results {
        env,
        config: config.clone(),
        rows,
        inputs,
        blind_spots,
        arg_blind_spots,
        stampedes,
        elapsed: started.elapsed(),
        load_at_end: crate::machine::load_average(),
        mt,
        redis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_are_measured_right_before_their_partner() {
        let order = measurement_order(Variant::ALL.to_vec());
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(sorted, Variant::ALL.to_vec(), "every variant exactly once");
        let pos = |v: Variant| order.iter().position(|&x| x == v).unwrap();
        assert!(pos(Variant::FloorDecode) < pos(Variant::MemoSerialized));
        assert_eq!(pos(Variant::FloorDashMap) + 1, pos(Variant::Singleton));
        // Each async variant right after its blocking twin.
        for v in Variant::ASYNC {
            assert_eq!(pos(v.blocking_twin().unwrap()) + 1, pos(v), "{}", v.id());
        }
        assert_eq!(
            measurement_order(vec![Variant::MemoAsync, Variant::Moka]),
            vec![Variant::MemoAsync, Variant::Moka],
            "without its twin an async variant keeps its place"
        );
        // Without the partner, a floor keeps its place.
        assert_eq!(
            measurement_order(vec![Variant::FloorDecode, Variant::Moka]),
            vec![Variant::FloorDecode, Variant::Moka]
        );
    }

    #[test]
    fn blind_spot_demonstrations_need_their_groups_and_variants() {
        let c = Config::tiny(PathBuf::from("unused"));
        assert_eq!(c.blind_spot_sizes(), c.frame_rows);
        assert_eq!(c.arg_blind_spot_sizes(), c.arg_rows);
        let mut no_full = c.clone();
        no_full.variants.retain(|&v| v != Variant::LegacyFull);
        assert!(no_full.blind_spot_sizes().is_empty());
        assert!(no_full.arg_blind_spot_sizes().is_empty());
        let mut no_memo = c.clone();
        no_memo.variants.retain(|&v| v != Variant::MemoSerialized);
        assert_eq!(no_memo.blind_spot_sizes(), c.frame_rows);
        assert!(no_memo.arg_blind_spot_sizes().is_empty());
        let mut w3_only = c;
        w3_only.groups = vec![Group::W3];
        assert!(w3_only.blind_spot_sizes().is_empty());
        assert!(w3_only.arg_blind_spot_sizes().is_empty());
    }

    #[test]
    fn the_async_group_adds_w3_and_one_frame_once() {
        let mut c = Config::tiny(PathBuf::from("unused"));
        c.groups = vec![Group::Async];
        let frame = (Workload::Frame { str_len: 12 }, 1_000);
        assert_eq!(c.tasks(), vec![(Workload::Scalar, 1), frame]);
        // With W1 and W3 the async tasks are theirs, measured once.
        c.groups = vec![Group::W1, Group::W3, Group::Async];
        let tasks = c.tasks();
        assert_eq!(tasks.iter().filter(|&&t| t == frame).count(), 1);
        assert_eq!(tasks.iter().filter(|t| t.0 == Workload::Scalar).count(), 1);
        // Async variants run on the async tasks only, and not at all without the group.
        assert!(
            c.variants_of(frame.0, frame.1)
                .contains(&Variant::MemoAsync)
        );
        assert!(!c.variants_of(frame.0, 2_000).contains(&Variant::MemoAsync));
        c.groups = vec![Group::W1, Group::W3];
        assert!(c.async_tasks().is_empty());
        assert!(
            !c.variants_of(Workload::Scalar, 1)
                .iter()
                .any(|v| v.is_async())
        );
        // The stampedes come with the group and an async variant.
        c.groups = vec![Group::Async];
        assert!(c.runs_stampedes());
        c.variants = vec![Variant::MemoSerialized];
        assert!(!c.runs_stampedes());
        c.variants = vec![Variant::MokaFuture];
        assert!(c.runs_stampedes());
        c.groups = vec![Group::W3];
        assert!(!c.runs_stampedes());
        // No frame configured: the async part keeps its scalar task.
        c.groups = vec![Group::Async];
        c.frame_rows.clear();
        assert_eq!(c.tasks(), vec![(Workload::Scalar, 1)]);
        assert_eq!(Group::from_id("ASYNC"), Some(Group::Async));
    }

    #[test]
    fn tasks_follow_the_groups() {
        let mut c = Config::tiny(PathBuf::from("unused"));
        c.groups = vec![Group::W3, Group::W4];
        let t = c.tasks();
        assert_eq!(t.len(), 4);
        assert_eq!(t[0], (Workload::Scalar, 1));
        assert_eq!(t[3], (Workload::FrameArg { hashed: false }, 1_000));
    }
}
