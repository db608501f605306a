//! The cached variants, one real cached function per variant × workload, each with its own
//! static cache, plus the floors they are compared with.
//!
//! Every function is called exactly as a user would call it (arguments are hashed into a key on
//! every call, the value is returned as the primitive returns it) and is reached through a
//! [`Case`]: `run(n)` makes `n` calls, passing each argument through [`black_box`] and
//! `black_box`-ing each result, which is then **dropped inside the timed region** (a caller
//! pays for dropping what it got: a decoded copy is freed, an `Arc` is decremented).

use std::hint::black_box;
use std::sync::{Arc, LazyLock};

use dashmap::DashMap;
use memo::{KeyHash, KeyHasher};
use polars::prelude::DataFrame;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::workloads::{self, Feature};

/// What role a variant plays in the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The legacy unified cache (`#[legacy_cache::cache]`).
    Legacy,
    /// Its successors, `#[memo]` and `#[singleton]`.
    Successor,
    /// Peer crates (`cached`, `moka`).
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
    pub const ALL: [Variant; 14] = [
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
            Variant::MemoSerialized | Variant::MemoCow | Variant::Singleton => Role::Successor,
            Variant::CachedClone | Variant::CachedArc | Variant::CachedOnce | Variant::Moka => {
                Role::Peer
            }
            _ => Role::Floor,
        }
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
            Workload::Frame { .. } | Workload::Records => {
                !matches!(variant, CachedOnce | FloorKeyHash)
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

/// `n` calls of something; what the measurement loop times.
pub type Runner = Box<dyn FnMut(u64)>;

/// A variant prepared for one workload and size.
pub struct Case {
    /// Makes `n` calls (hits once warm).
    pub run: Runner,
    /// Empties this variant's cache (`None` for floors, which have no cache).
    pub clear: Option<Box<dyn FnMut()>>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("has_cache", &self.clear.is_some())
            .finish()
    }
}

fn runner<R>(f: impl Fn() -> R + 'static) -> Runner {
    Box::new(move |n| {
        for _ in 0..n {
            // The result is dropped at the end of the statement, inside the timed region.
            black_box(f());
        }
    })
}

fn case<R>(f: impl Fn() -> R + 'static, clear: impl FnMut() + 'static) -> Case {
    Case {
        run: runner(f),
        clear: Some(Box::new(clear)),
    }
}

fn floor<R>(f: impl Fn() -> R + 'static) -> Case {
    Case {
        run: runner(f),
        clear: None,
    }
}

/// Floor: copying the serialized bytes (allocation + memcpy + free), the least any by-value
/// cache that stores bytes could do.
fn floor_memcpy<T: Serialize>(value: &T) -> Case {
    let bytes = memo::codec::encode(value).expect("workload values serialize");
    floor(move || black_box(&bytes).to_vec())
}

/// Floor: decoding the bytes memo would store, with memo's own codec and nothing around it.
fn floor_decode<T: Serialize + DeserializeOwned + 'static>(value: &T) -> Case {
    let bytes = memo::codec::encode(value).expect("workload values serialize");
    floor(move || memo::codec::decode::<T>(black_box(&bytes)).expect("decodes"))
}

/// Floor: the least a shared-object cache does on a hit: a concurrent map lookup and an `Arc`
/// clone (std `SipHash` on the key, as `DashMap` defaults to).
fn floor_dashmap<K, T>(key: K, value: T) -> Case
where
    K: std::hash::Hash + Eq + Copy + 'static,
    T: Send + Sync + 'static,
{
    let map: DashMap<K, Arc<T>> = DashMap::new();
    map.insert(key, Arc::new(value));
    floor(move || {
        map.get(&black_box(key))
            .map(|entry| Arc::clone(entry.value()))
            .expect("present")
    })
}

/// Clears every legacy cache (the legacy crate has only a global clear, like Streamlit's
/// `legacy_caching.clear_cache()`).
fn clear_legacy() {
    legacy_cache::clear_cache();
}

/// Generates the cached functions of one `fn(args) -> T` workload module, the peers' glue and
/// the `case` dispatcher, around the module's own `body(args) -> T`.
///
/// The eight attributed functions (three legacy, two memo, singleton, two `cached`) are
/// generated rather than written out per module: the attribute macros expand correctly inside
/// `macro_rules!` with parameters passed as metavariables (`tests/macro_rules_hygiene.rs`).
macro_rules! cached_functions {
    (($($a:ident : $t:ty),*) -> $ret:ty) => {
        /// Legacy, Streamlit's default: sampled mutation check on hits.
        #[::legacy_cache::cache]
        pub fn legacy_sampled($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// Legacy with a full mutation check on hits.
        #[::legacy_cache::cache(sampling = false)]
        pub fn legacy_full($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// Legacy without a mutation check.
        #[::legacy_cache::cache(allow_output_mutation = true)]
        pub fn legacy_mutable($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// memo, serialized storage.
        #[::memo::memo]
        pub fn memo_serialized($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// memo, copy-on-write storage.
        #[::memo::memo(storage = "clone")]
        pub fn memo_cow($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// singleton (returns `Arc`).
        #[::singleton::singleton]
        pub fn singleton_arc($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// `cached` returning a clone.
        #[::cached::macros::cached]
        pub fn cached_clone($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// `cached` returning an `Arc`.
        #[::cached::macros::cached]
        pub fn cached_arc($($a: $t),*) -> Arc<$ret> {
            Arc::new(body($($a),*))
        }

        static MOKA: LazyLock<::moka::sync::Cache<($($t,)*), Arc<$ret>>> =
            LazyLock::new(|| ::moka::sync::Cache::new(1_000));

        /// `moka` 0.12: `get`, and `insert` on a miss (values behind `Arc`, as its README
        /// advises for anything costly to clone).
        pub fn moka_get($($a: $t),*) -> Arc<$ret> {
            let key = ($($a,)*);
            if let Some(hit) = MOKA.get(&key) {
                return hit;
            }
            let value = Arc::new(body($($a),*));
            MOKA.insert(key, Arc::clone(&value));
            value
        }

        /// The uncached function.
        pub fn bare($($a: $t),*) -> $ret {
            body($($a),*)
        }

        /// A runner of the uncached function.
        pub fn bare_runner($($a: $t),*) -> Runner {
            runner(move || bare($(black_box($a)),*))
        }

        /// The variant `v` of this workload, or `None` if it does not apply.
        pub fn case(v: Variant, $($a: $t),*) -> Option<Case> {
            use ::cached::Cached as _;
            Some(match v {
                Variant::LegacySampled => {
                    super::case(move || legacy_sampled($(black_box($a)),*), clear_legacy)
                }
                Variant::LegacyFull => {
                    super::case(move || legacy_full($(black_box($a)),*), clear_legacy)
                }
                Variant::LegacyMutable => {
                    super::case(move || legacy_mutable($(black_box($a)),*), clear_legacy)
                }
                Variant::MemoSerialized => super::case(
                    move || memo_serialized($(black_box($a)),*),
                    memo_serialized::clear,
                ),
                Variant::MemoCow => {
                    super::case(move || memo_cow($(black_box($a)),*), memo_cow::clear)
                }
                Variant::Singleton => super::case(
                    move || singleton_arc($(black_box($a)),*),
                    singleton_arc::clear,
                ),
                Variant::CachedClone => super::case(
                    move || cached_clone($(black_box($a)),*),
                    || CACHED_CLONE.write().cache_clear(),
                ),
                Variant::CachedArc => super::case(
                    move || cached_arc($(black_box($a)),*),
                    || CACHED_ARC.write().cache_clear(),
                ),
                Variant::Moka => super::case(
                    move || moka_get($(black_box($a)),*),
                    || MOKA.invalidate_all(),
                ),
                Variant::FloorMemcpy => floor_memcpy(&bare($($a),*)),
                Variant::FloorDecode => floor_decode(&bare($($a),*)),
                Variant::FloorDashMap => floor_dashmap(($($a,)*), bare($($a),*)),
                Variant::CachedOnce | Variant::FloorKeyHash => return None,
            })
        }
    };
}

/// W1: `fn(rows, str_len) -> DataFrame` (a frame "load"; the body clones the generated
/// source, O(1)).
pub mod w1 {
    use super::*;

    /// The function body shared by every variant (counts its executions so the harness can
    /// prove that timed calls were hits).
    #[inline]
    fn body(rows: usize, str_len: usize) -> DataFrame {
        workloads::count_computation();
        workloads::frame(rows, str_len)
    }

    cached_functions!((rows: usize, str_len: usize) -> DataFrame);
}

/// W2: `fn(n) -> Vec<Feature>` (the body deep-copies the generated records).
pub mod w2 {
    use super::*;

    /// The function body shared by every variant (counts its executions so the harness can
    /// prove that timed calls were hits).
    #[inline]
    fn body(n: usize) -> Vec<Feature> {
        workloads::count_computation();
        workloads::records(n)
    }

    cached_functions!((n: usize) -> Vec<Feature>);
}

/// W3: `fn(x: u64) -> u64`.
pub mod w3 {
    use super::*;

    /// The function body shared by every variant (counts its executions so the harness can
    /// prove that timed calls were hits).
    #[inline]
    fn body(x: u64) -> u64 {
        workloads::count_computation();
        workloads::scalar(x)
    }

    cached_functions!((x: u64) -> u64);
}

/// W3 without arguments: `fn() -> u64`, for singleton vs `#[once]` vs the floor.
pub mod w3_noargs {
    use super::*;

    /// The value every variant returns.
    pub const VALUE: u64 = 0x2366;

    #[inline]
    fn body() -> u64 {
        workloads::count_computation();
        black_box(VALUE)
    }

    /// Legacy, sampled check.
    #[::legacy_cache::cache]
    pub fn legacy_sampled() -> u64 {
        body()
    }

    /// Legacy, full check.
    #[::legacy_cache::cache(sampling = false)]
    pub fn legacy_full() -> u64 {
        body()
    }

    /// Legacy without a check.
    #[::legacy_cache::cache(allow_output_mutation = true)]
    pub fn legacy_mutable() -> u64 {
        body()
    }

    /// memo, serialized.
    #[::memo::memo]
    pub fn memo_serialized() -> u64 {
        body()
    }

    /// memo, copy-on-write.
    #[::memo::memo(storage = "clone")]
    pub fn memo_cow() -> u64 {
        body()
    }

    /// singleton.
    #[::singleton::singleton]
    pub fn singleton_arc() -> u64 {
        body()
    }

    /// `cached` `#[once]`.
    #[::cached::macros::once]
    pub fn cached_once() -> u64 {
        body()
    }

    /// The uncached function.
    pub fn bare() -> u64 {
        body()
    }

    /// The variant `v`, or `None` if it does not apply.
    pub fn case(v: Variant) -> Option<Case> {
        Some(match v {
            Variant::LegacySampled => super::case(legacy_sampled, clear_legacy),
            Variant::LegacyFull => super::case(legacy_full, clear_legacy),
            Variant::LegacyMutable => super::case(legacy_mutable, clear_legacy),
            Variant::MemoSerialized => super::case(memo_serialized, memo_serialized::clear),
            Variant::MemoCow => super::case(memo_cow, memo_cow::clear),
            Variant::Singleton => super::case(singleton_arc, singleton_arc::clear),
            Variant::CachedOnce => super::case(cached_once, || *CACHED_ONCE.write() = None),
            // The floor for a no-argument singleton: a map with a unit key.
            Variant::FloorDashMap => floor_dashmap((), VALUE),
            _ => return None,
        })
    }
}

/// W4: a frame passed as an argument, hashed into the key or `_`-skipped.
pub mod w4 {
    use super::*;

    /// Legacy, sampled (hashes the argument; st.cache had no `_` rule).
    #[::legacy_cache::cache]
    pub fn legacy_sampled(df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(df, tag)
    }

    /// Legacy, full check.
    #[::legacy_cache::cache(sampling = false)]
    pub fn legacy_full(df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(df, tag)
    }

    /// Legacy without an output check.
    #[::legacy_cache::cache(allow_output_mutation = true)]
    pub fn legacy_mutable(df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(df, tag)
    }

    /// memo, frame hashed.
    #[::memo::memo]
    pub fn memo_serialized(df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(df, tag)
    }

    /// memo copy-on-write, frame hashed.
    #[::memo::memo(storage = "clone")]
    pub fn memo_cow(df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(df, tag)
    }

    /// singleton, frame hashed.
    #[::singleton::singleton]
    pub fn singleton_arc(df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(df, tag)
    }

    /// memo, frame `_`-skipped.
    #[::memo::memo]
    pub fn memo_serialized_skip(_df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(_df, tag)
    }

    /// memo copy-on-write, frame `_`-skipped.
    #[::memo::memo(storage = "clone")]
    pub fn memo_cow_skip(_df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(_df, tag)
    }

    /// singleton, frame `_`-skipped.
    #[::singleton::singleton]
    pub fn singleton_arc_skip(_df: &DataFrame, tag: u64) -> u64 {
        workloads::summarize(_df, tag)
    }

    /// The tag every call passes.
    pub const TAG: u64 = 7;

    /// A runner of the uncached function.
    pub fn bare_runner(df: DataFrame) -> Runner {
        runner(move || workloads::summarize(black_box(&df), black_box(TAG)))
    }

    /// The variant `v` for a frame argument `df`, or `None` if it does not apply.
    pub fn case(v: Variant, hashed: bool, df: DataFrame) -> Option<Case> {
        if !(Workload::FrameArg { hashed }).supports(v) {
            return None;
        }
        let tag = TAG;
        Some(match (v, hashed) {
            (Variant::LegacySampled, _) => super::case(
                move || legacy_sampled(black_box(&df), black_box(tag)),
                clear_legacy,
            ),
            (Variant::LegacyFull, _) => super::case(
                move || legacy_full(black_box(&df), black_box(tag)),
                clear_legacy,
            ),
            (Variant::LegacyMutable, _) => super::case(
                move || legacy_mutable(black_box(&df), black_box(tag)),
                clear_legacy,
            ),
            (Variant::MemoSerialized, true) => super::case(
                move || memo_serialized(black_box(&df), black_box(tag)),
                memo_serialized::clear,
            ),
            (Variant::MemoSerialized, false) => super::case(
                move || memo_serialized_skip(black_box(&df), black_box(tag)),
                memo_serialized_skip::clear,
            ),
            (Variant::MemoCow, true) => super::case(
                move || memo_cow(black_box(&df), black_box(tag)),
                memo_cow::clear,
            ),
            (Variant::MemoCow, false) => super::case(
                move || memo_cow_skip(black_box(&df), black_box(tag)),
                memo_cow_skip::clear,
            ),
            (Variant::Singleton, true) => super::case(
                move || singleton_arc(black_box(&df), black_box(tag)),
                singleton_arc::clear,
            ),
            (Variant::Singleton, false) => super::case(
                move || singleton_arc_skip(black_box(&df), black_box(tag)),
                singleton_arc_skip::clear,
            ),
            (Variant::FloorKeyHash, _) => floor(move || {
                let mut h = KeyHasher::new();
                black_box(&df).key_hash(&mut h);
                h.finish()
            }),
            _ => return None,
        })
    }
}

/// The case of `variant` for `workload` at `size` (rows, records; ignored by W3), or `None` if
/// the variant does not apply. Building it may generate the workload's data (outside timing).
pub fn case_for(workload: Workload, size: usize, variant: Variant) -> Option<Case> {
    if !workload.supports(variant) {
        return None;
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
