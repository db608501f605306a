//! The cached functions, one module per workload: each variant's function with its own static
//! cache, the uncached function, and the dispatcher from a [`Variant`] to a [`Case`].

use std::hint::black_box;
use std::sync::{Arc, LazyLock};

use memo::{KeyHash, KeyHasher};
use polars::prelude::DataFrame;

use super::runner::{
    Case, Runner, case, clear_legacy, floor, floor_dashmap, floor_decode, floor_memcpy, runner,
};
use super::{Variant, Workload};
use crate::workloads::{self, Feature};

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

        static QUICK: LazyLock<::quick_cache::sync::Cache<($($t,)*), Arc<$ret>>> =
            LazyLock::new(|| ::quick_cache::sync::Cache::new(1_000));

        /// `quick_cache` 0.7: `get`, and `insert` on a miss (values behind `Arc`, as for moka).
        pub fn quick_get($($a: $t),*) -> Arc<$ret> {
            let key = ($($a,)*);
            if let Some(hit) = QUICK.get(&key) {
                return hit;
            }
            let value = Arc::new(body($($a),*));
            QUICK.insert(key, Arc::clone(&value));
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
                Variant::QuickCache => super::case(
                    move || quick_get($(black_box($a)),*),
                    || QUICK.clear(),
                ),
                Variant::FloorMemcpy => floor_memcpy(&bare($($a),*)),
                Variant::FloorDecode => floor_decode(&bare($($a),*)),
                Variant::FloorDashMap => floor_dashmap(($($a,)*), bare($($a),*)),
                // The async variants' cases are in `asynchronous`.
                Variant::CachedOnce
                | Variant::FloorKeyHash
                | Variant::MemoAsync
                | Variant::SingletonAsync
                | Variant::CachedAsync
                | Variant::MokaFuture => return None,
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
