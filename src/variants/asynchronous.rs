//! The async variants: `#[memo]` and `#[singleton]` on `async fn`, `cached`'s `#[cached] async
//! fn` and `moka::future::Cache::get`, on the same workloads and bodies as their blocking twins.
//!
//! Each case owns a tokio current-thread runtime, built when the case is (outside timing), and
//! `run(n)` makes its `n` awaited calls inside ONE `block_on`: the runtime's entry cost is paid
//! once per batch, not per call, so a row's per-call time is the async call chain itself.

use std::future::Future;
use std::hint::black_box;
use std::sync::{Arc, LazyLock};

use polars::prelude::DataFrame;
use tokio::runtime::{Builder, Runtime};

use super::runner::Case;
use super::{Variant, Workload};

/// A tokio current-thread runtime with the timer on (the stampede bodies sleep; hits never do).
///
/// ```
/// let rt = cache_harness::variants::asynchronous::current_thread();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub fn current_thread() -> Runtime {
    Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a current-thread tokio runtime needs no OS resource that can be missing")
}

/// A case whose `run(n)` awaits `f()` `n` times inside one `block_on` on its own runtime, each
/// result dropped inside the timed region (as the blocking cases drop theirs).
fn case<F, Fut>(f: F, clear: impl Fn(&Runtime) + 'static) -> Case
where
    F: Fn() -> Fut + 'static,
    Fut: Future,
{
    let rt = Arc::new(current_thread());
    let clear_rt = Arc::clone(&rt);
    Case {
        run: Box::new(move |n| {
            rt.block_on(async {
                for _ in 0..n {
                    black_box(f().await);
                }
            })
        }),
        clear: Some(Box::new(move || clear(&clear_rt))),
    }
}

/// Generates the four async functions of one workload around the blocking module's uncached
/// `bare(args)` (the same body, counting its executions), and the `case` dispatcher.
macro_rules! async_functions {
    ($bare:path, ($($a:ident : $t:ty),*) -> $ret:ty) => {
        /// `#[memo]` on an `async fn` (serialized storage, as `memo-serialized`).
        #[::memo::memo]
        pub async fn memo_async($($a: $t),*) -> $ret {
            $bare($($a),*)
        }

        /// `#[singleton]` on an `async fn` (resolves to an `Arc`).
        #[::singleton::singleton]
        pub async fn singleton_async($($a: $t),*) -> $ret {
            $bare($($a),*)
        }

        /// `cached` 4.1 `#[cached] async fn` (an async `RwLock` around its store), returning a
        /// clone as `cached-clone` does.
        #[::cached::macros::cached]
        pub async fn cached_async($($a: $t),*) -> $ret {
            $bare($($a),*)
        }

        static MOKA_FUTURE: LazyLock<::moka::future::Cache<($($t,)*), Arc<$ret>>> =
            LazyLock::new(|| ::moka::future::Cache::new(1_000));

        /// `moka` 0.12 `future::Cache`: `get`, and `insert` on a miss (values behind `Arc`, as
        /// the blocking `moka` variant).
        pub async fn moka_future_get($($a: $t),*) -> Arc<$ret> {
            let key = ($($a,)*);
            if let Some(hit) = MOKA_FUTURE.get(&key).await {
                return hit;
            }
            let value = Arc::new($bare($($a),*));
            MOKA_FUTURE.insert(key, Arc::clone(&value)).await;
            value
        }

        /// The async variant `v` of this workload, or `None` if `v` is not async.
        pub fn case(v: Variant, $($a: $t),*) -> Option<Case> {
            use ::cached::Cached as _;
            Some(match v {
                Variant::MemoAsync => super::case(
                    move || memo_async($(black_box($a)),*),
                    |_| memo_async::clear(),
                ),
                Variant::SingletonAsync => super::case(
                    move || singleton_async($(black_box($a)),*),
                    |_| singleton_async::clear(),
                ),
                Variant::CachedAsync => super::case(
                    move || cached_async($(black_box($a)),*),
                    |rt| rt.block_on(async { CACHED_ASYNC.write().await.cache_clear() }),
                ),
                Variant::MokaFuture => super::case(
                    move || moka_future_get($(black_box($a)),*),
                    |_| MOKA_FUTURE.invalidate_all(),
                ),
                _ => return None,
            })
        }
    };
}

/// W1 frames, async: `async fn(rows, str_len) -> DataFrame`.
pub mod w1 {
    use super::*;

    async_functions!(super::super::w1::bare, (rows: usize, str_len: usize) -> DataFrame);
}

/// W3 scalar, async: `async fn(x: u64) -> u64`.
pub mod w3 {
    use super::*;

    async_functions!(super::super::w3::bare, (x: u64) -> u64);
}

/// The async case of `variant` for `workload` at `size`, or `None` if the pair has none.
pub(super) fn case_for(workload: Workload, size: usize, variant: Variant) -> Option<Case> {
    match workload {
        Workload::Frame { str_len } => w1::case(variant, size, str_len),
        Workload::Scalar => w3::case(variant, super::SCALAR_ARG),
        _ => None,
    }
}
