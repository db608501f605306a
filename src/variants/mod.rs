//! The cached variants, one real cached function per variant × workload, each with its own
//! static cache, plus the floors they are compared with.
//!
//! Every function is called exactly as a user would call it (arguments are hashed into a key on
//! every call, the value is returned as the primitive returns it) and is reached through a
//! [`Case`]: `run(n)` makes `n` calls, passing each argument through
//! [`black_box`](std::hint::black_box) and `black_box`-ing each result, which is then **dropped
//! inside the timed region** (a caller pays for dropping what it got: a decoded copy is freed,
//! an `Arc` is decremented).

pub mod asynchronous;
mod functions;
mod runner;

use crate::workloads;

pub use self::functions::{w1, w2, w3, w3_noargs, w4};
pub use self::runner::{Case, Runner};

use self::runner::{clear_legacy, runner};

/// What role a variant plays in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The legacy unified cache (`#[legacy_cache::cache]`).
    Legacy,
    /// Its successors, `#[memo]` and `#[singleton]`.
    Successor,
    /// Peer crates (`cached`, `moka`, `quick_cache`).
    Peer,
    /// Lower bounds: what the essential operation costs with no cache around it.
    Floor,
}

/// One measured variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// `#[legacy_cache::cache]`: Streamlit's default, with its ≥100,000-row frames checked on a
    /// 10,000-row sample.
    LegacySampled,
    /// `#[legacy_cache::cache(sampling = false)]`: the mutation check hashes the whole output.
    LegacyFull,
    /// `#[legacy_cache::cache(allow_output_mutation = true)]`: no check on hits.
    LegacyMutable,
    /// `#[memo::memo]`: bincode bytes, decoded on every hit.
    MemoSerialized,
    /// `#[memo::memo(storage = "clone")]`: copy-on-write clone on every hit.
    MemoCow,
    /// `#[singleton::singleton]`: a shared `Arc`.
    Singleton,
    /// `cached` 4.1 `#[cached]` returning a clone of the value.
    CachedClone,
    /// `cached` 4.1 `#[cached]` returning an `Arc` of the value.
    CachedArc,
    /// `cached` 4.1 `#[once]` (functions without arguments only).
    CachedOnce,
    /// `moka` 0.12 `sync::Cache::get`.
    Moka,
    /// `quick_cache` 0.7 `sync::Cache::get`.
    QuickCache,
    /// `#[memo::memo] async fn`, serialized storage (awaited on a tokio current-thread runtime).
    MemoAsync,
    /// `#[singleton::singleton] async fn`.
    SingletonAsync,
    /// `cached` 4.1 `#[cached] async fn` returning a clone (feature `async`).
    CachedAsync,
    /// `moka` 0.12 `future::Cache::get` (feature `future`).
    MokaFuture,
    /// Floor: a memcpy (`to_vec`) of the value's serialized bytes.
    FloorMemcpy,
    /// Floor: a bare bincode decode of the value's bytes (memo's codec, no cache around it).
    FloorDecode,
    /// Floor: a bare `DashMap::get` plus `Arc::clone`.
    FloorDashMap,
    /// Floor: `KeyHash` of the frame argument alone (W4).
    FloorKeyHash,
}

impl Variant {
    /// Every variant, in table order.
    pub const ALL: [Variant; 19] = [
        Variant::LegacySampled,
        Variant::LegacyFull,
        Variant::LegacyMutable,
        Variant::MemoSerialized,
        Variant::MemoCow,
        Variant::Singleton,
        Variant::CachedClone,
        Variant::CachedArc,
        Variant::CachedOnce,
        Variant::Moka,
        Variant::QuickCache,
        Variant::MemoAsync,
        Variant::SingletonAsync,
        Variant::CachedAsync,
        Variant::MokaFuture,
        Variant::FloorMemcpy,
        Variant::FloorDecode,
        Variant::FloorDashMap,
        Variant::FloorKeyHash,
    ];

    /// The three legacy variants, the baselines of every ratio.
    pub const LEGACY: [Variant; 3] = [
        Variant::LegacySampled,
        Variant::LegacyFull,
        Variant::LegacyMutable,
    ];

    /// Short id used on the command line and in the CSV.
    pub fn id(self) -> &'static str {
        match self {
            Variant::LegacySampled => "legacy-sampled",
            Variant::LegacyFull => "legacy-full",
            Variant::LegacyMutable => "legacy-mutable",
            Variant::MemoSerialized => "memo-serialized",
            Variant::MemoCow => "memo-cow",
            Variant::Singleton => "singleton",
            Variant::CachedClone => "cached-clone",
            Variant::CachedArc => "cached-arc",
            Variant::CachedOnce => "cached-once",
            Variant::Moka => "moka",
            Variant::QuickCache => "quick-cache",
            Variant::MemoAsync => "memo-async",
            Variant::SingletonAsync => "singleton-async",
            Variant::CachedAsync => "cached-async",
            Variant::MokaFuture => "moka-future",
            Variant::FloorMemcpy => "floor-memcpy",
            Variant::FloorDecode => "floor-decode",
            Variant::FloorDashMap => "floor-dashmap",
            Variant::FloorKeyHash => "floor-keyhash",
        }
    }

    /// Human-readable description for the report.
    pub fn label(self) -> &'static str {
        match self {
            Variant::LegacySampled => "legacy `#[cache]`, sampled check (Streamlit default)",
            Variant::LegacyFull => "legacy `#[cache(sampling = false)]`, full check",
            Variant::LegacyMutable => "legacy `#[cache(allow_output_mutation = true)]`",
            Variant::MemoSerialized => "`#[memo]`, serialized (bincode) storage",
            Variant::MemoCow => "`#[memo(storage = \"clone\")]`, copy-on-write",
            Variant::Singleton => "`#[singleton]`, shared `Arc`",
            Variant::CachedClone => "`cached` 4.1 `#[cached]`, returns a clone",
            Variant::CachedArc => "`cached` 4.1 `#[cached]`, returns an `Arc`",
            Variant::CachedOnce => "`cached` 4.1 `#[once]`",
            Variant::Moka => "`moka` 0.12 `sync::Cache::get`",
            Variant::QuickCache => "`quick_cache` 0.7 `sync::Cache::get`",
            Variant::MemoAsync => "`#[memo] async fn`, serialized storage",
            Variant::SingletonAsync => "`#[singleton] async fn`, shared `Arc`",
            Variant::CachedAsync => "`cached` 4.1 `#[cached] async fn`, returns a clone",
            Variant::MokaFuture => "`moka` 0.12 `future::Cache::get`, returns an `Arc`",
            Variant::FloorMemcpy => "floor: memcpy of the serialized bytes",
            Variant::FloorDecode => "floor: bare bincode decode",
            Variant::FloorDashMap => "floor: bare `DashMap::get` + `Arc::clone`",
            Variant::FloorKeyHash => "floor: `KeyHash` of the frame argument",
        }
    }

    /// The variant's role.
    pub fn role(self) -> Role {
        match self {
            Variant::LegacySampled | Variant::LegacyFull | Variant::LegacyMutable => Role::Legacy,
            Variant::MemoSerialized
            | Variant::MemoCow
            | Variant::Singleton
            | Variant::MemoAsync
            | Variant::SingletonAsync => Role::Successor,
            Variant::CachedClone
            | Variant::CachedArc
            | Variant::CachedOnce
            | Variant::Moka
            | Variant::QuickCache
            | Variant::CachedAsync
            | Variant::MokaFuture => Role::Peer,
            _ => Role::Floor,
        }
    }

    /// The async variants: awaited `n` times per `block_on`, on W3 scalars and W1 frames only.
    pub const ASYNC: [Variant; 4] = [
        Variant::MemoAsync,
        Variant::SingletonAsync,
        Variant::CachedAsync,
        Variant::MokaFuture,
    ];

    /// The blocking variant an async one is compared with (same cache, same storage), or
    /// `None` for a blocking variant.
    ///
    /// ```
    /// use cache_harness::variants::Variant;
    /// assert_eq!(Variant::MemoAsync.blocking_twin(), Some(Variant::MemoSerialized));
    /// assert!(Variant::ASYNC.iter().all(|v| v.is_async() && v.blocking_twin().is_some()));
    /// assert_eq!(Variant::Singleton.blocking_twin(), None);
    /// ```
    pub fn blocking_twin(self) -> Option<Variant> {
        match self {
            Variant::MemoAsync => Some(Variant::MemoSerialized),
            Variant::SingletonAsync => Some(Variant::Singleton),
            Variant::CachedAsync => Some(Variant::CachedClone),
            Variant::MokaFuture => Some(Variant::Moka),
            _ => None,
        }
    }

    /// Whether the variant is an `async fn` (or an async cache) awaited on a runtime.
    pub fn is_async(self) -> bool {
        Variant::ASYNC.contains(&self)
    }

    /// Parses an id (as printed by [`Variant::id`]).
    pub fn from_id(id: &str) -> Option<Variant> {
        Variant::ALL.into_iter().find(|v| v.id() == id)
    }
}

/// The workloads: W1 frames and W2 records returned by value, W3 scalars, W4 frame arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Workload {
    /// W1: a polars frame (`i64`, `f64`, `bool`, `String` of `str_len` bytes) returned by value.
    Frame {
        /// Length of every string in the `label` column.
        str_len: usize,
    },
    /// W2: about a million GeoJSON-like records (`Vec<Feature>`).
    Records,
    /// W3: a scalar `u64 -> u64` function (per-call overhead).
    Scalar,
    /// W3 without arguments: `() -> u64` (the singleton-vs-`#[once]` comparison).
    ScalarNoArgs,
    /// W4: a frame passed as an argument; `hashed` says whether it is part of the key or
    /// `_`-skipped.
    FrameArg {
        /// `true`: `fn f(df: &DataFrame, tag: u64)`; `false`: `fn f(_df: &DataFrame, tag: u64)`.
        hashed: bool,
    },
}

impl Workload {
    /// Short id for the CSV and file names.
    pub fn id(self) -> String {
        match self {
            Workload::Frame { str_len } => format!("w1-frame-s{str_len}"),
            Workload::Records => "w2-records".into(),
            Workload::Scalar => "w3-scalar".into(),
            Workload::ScalarNoArgs => "w3-noargs".into(),
            Workload::FrameArg { hashed: true } => "w4-arg-hashed".into(),
            Workload::FrameArg { hashed: false } => "w4-arg-skipped".into(),
        }
    }

    /// Table label.
    pub fn label(self) -> String {
        match self {
            Workload::Frame { str_len } => format!("W1 frame, {str_len}-byte strings"),
            Workload::Records => "W2 records (GeoJSON-like)".into(),
            Workload::Scalar => "W3 `u64 -> u64`".into(),
            Workload::ScalarNoArgs => "W3 `() -> u64`".into(),
            Workload::FrameArg { hashed: true } => "W4 frame argument, hashed".into(),
            Workload::FrameArg { hashed: false } => "W4 frame argument, `_`-skipped".into(),
        }
    }

    /// What the size column counts.
    pub fn unit(self) -> &'static str {
        match self {
            Workload::Frame { .. } | Workload::FrameArg { .. } => "rows",
            Workload::Records => "records",
            Workload::Scalar | Workload::ScalarNoArgs => "value",
        }
    }

    /// Whether the workload has a size axis (W3 has not).
    pub fn sized(self) -> bool {
        !matches!(self, Workload::Scalar | Workload::ScalarNoArgs)
    }

    /// The workload whose legacy rows serve as baselines: legacy cannot skip an argument, so a
    /// `_`-skipped W4 call is compared with what legacy pays for the same call (hashed).
    pub fn legacy_baseline(self) -> Workload {
        match self {
            Workload::FrameArg { .. } => Workload::FrameArg { hashed: true },
            other => other,
        }
    }

    /// Whether `variant` exists for this workload.
    pub fn supports(self, variant: Variant) -> bool {
        use Variant::*;
        match self {
            Workload::Frame { .. } => !matches!(variant, CachedOnce | FloorKeyHash),
            Workload::Records => {
                !matches!(variant, CachedOnce | FloorKeyHash) && !variant.is_async()
            }
            Workload::Scalar => !matches!(variant, CachedOnce | FloorKeyHash | FloorMemcpy),
            Workload::ScalarNoArgs => matches!(
                variant,
                LegacySampled
                    | LegacyFull
                    | LegacyMutable
                    | MemoSerialized
                    | MemoCow
                    | Singleton
                    | CachedOnce
                    | FloorDashMap
            ),
            Workload::FrameArg { hashed: true } => matches!(
                variant,
                LegacySampled
                    | LegacyFull
                    | LegacyMutable
                    | MemoSerialized
                    | MemoCow
                    | Singleton
                    | FloorKeyHash
            ),
            // Legacy has no `_` rule (Streamlit's st.cache hashed every argument).
            Workload::FrameArg { hashed: false } => {
                matches!(variant, MemoSerialized | MemoCow | Singleton)
            }
        }
    }
}

/// The case of `variant` for `workload` at `size` (rows, records; ignored by W3), or `None` if
/// the variant does not apply. Building it may generate the workload's data (outside timing).
pub fn case_for(workload: Workload, size: usize, variant: Variant) -> Option<Case> {
    if !workload.supports(variant) {
        return None;
    }
    if variant.is_async() {
        return asynchronous::case_for(workload, size, variant);
    }
    match workload {
        Workload::Frame { str_len } => w1::case(variant, size, str_len),
        Workload::Records => w2::case(variant, size),
        Workload::Scalar => w3::case(variant, SCALAR_ARG),
        Workload::ScalarNoArgs => w3_noargs::case(variant),
        Workload::FrameArg { hashed } => w4::case(variant, hashed, workloads::frame(size, 12)),
    }
}

/// The uncached function of `workload` at `size`, for the miss overhead (miss minus bare).
pub fn bare_for(workload: Workload, size: usize) -> Runner {
    match workload {
        Workload::Frame { str_len } => w1::bare_runner(size, str_len),
        Workload::Records => w2::bare_runner(size),
        Workload::Scalar => w3::bare_runner(SCALAR_ARG),
        Workload::ScalarNoArgs => runner(w3_noargs::bare),
        Workload::FrameArg { .. } => w4::bare_runner(workloads::frame(size, 12)),
    }
}

/// The argument every W3 call passes.
pub const SCALAR_ARG: u64 = 42;

/// Empties every cache of every variant (between runs, and in tests).
pub fn clear_all() {
    clear_legacy();
    memo::clear_all();
    singleton::clear_all();
    for v in Variant::ALL {
        for w in [
            Workload::Frame { str_len: 12 },
            Workload::Records,
            Workload::Scalar,
            Workload::ScalarNoArgs,
        ] {
            // Peer caches are cleared through their cases' own clear functions; building a
            // case for a peer is cheap (no data is generated for non-floor variants).
            if v.role() == Role::Peer
                && w.supports(v)
                && let Some(mut c) = case_for(w, 0, v)
                && let Some(clear) = c.clear.as_mut()
            {
                clear();
            }
        }
    }
}
