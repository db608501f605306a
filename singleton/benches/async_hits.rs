//! Async cached functions against their blocking twins and the async peers, in one run.
//!
//! Targets (`async/hit`, `u64 -> u64`, a hit of a warm key):
//! - memo and singleton async hits within 1.5x of `cached` 4.1 `#[cached] async fn` and faster
//!   than `moka::future::Cache::get`;
//! - an async hit at most ~10 ns over the same attribute's blocking hit.
//!
//! Each async sample runs its whole batch of iterations inside one `futures::executor::block_on`,
//! so the executor's entry cost is not in the per-call figure. `async/miss_1000_tasks`: 1,000
//! tokio tasks (4 workers) call one cold key at once; one computation (a 1 ms sleep) serves all.
//! `async/persisted`: the synchronous disk read an async call makes on a memory miss with
//! `persist = "disk"`. The bench lives in `singleton` because that crate has both attributes (`memo` as a
//! dev-dependency).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

const X: u64 = 12_345;

fn work(x: u64) -> u64 {
    x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17)
}

#[memo::memo(show_spinner = false)]
fn memo_sync(x: u64) -> u64 {
    work(x)
}

#[memo::memo(show_spinner = false)]
async fn memo_async(x: u64) -> u64 {
    work(x)
}

#[singleton::singleton(show_spinner = false)]
fn singleton_sync(x: u64) -> u64 {
    work(x)
}

#[singleton::singleton(show_spinner = false)]
async fn singleton_async(x: u64) -> u64 {
    work(x)
}

#[cached::macros::cached]
async fn cached_async(x: u64) -> u64 {
    work(x)
}

/// Times `iters` awaited calls inside one `block_on`.
macro_rules! async_batch {
    ($b:expr, $call:expr) => {
        $b.iter_custom(|iters| {
            futures::executor::block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    black_box($call.await);
                }
                start.elapsed()
            })
        })
    };
}

fn hits(c: &mut Criterion) {
    let moka: moka::future::Cache<u64, u64> = moka::future::Cache::new(10_000);
    futures::executor::block_on(async {
        memo_async(X).await;
        singleton_async(X).await;
        cached_async(X).await;
        moka.insert(X, work(X)).await;
    });
    memo_sync(X);
    singleton_sync(X);

    let mut group = c.benchmark_group("async/hit");
    group.bench_function("memo_sync", |b| b.iter(|| memo_sync(black_box(X))));
    group.bench_function("memo_async", |b| async_batch!(b, memo_async(black_box(X))));
    group.bench_function("singleton_sync", |b| {
        b.iter(|| singleton_sync(black_box(X)))
    });
    group.bench_function("singleton_async", |b| {
        async_batch!(b, singleton_async(black_box(X)))
    });
    group.bench_function("cached_async", |b| {
        async_batch!(b, cached_async(black_box(X)))
    });
    group.bench_function("moka_future_get", |b| {
        async_batch!(b, moka.get(&black_box(X)))
    });
    group.finish();
}

#[memo::memo(show_spinner = false)]
async fn memo_slow(x: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    work(x)
}

#[singleton::singleton(show_spinner = false)]
async fn singleton_slow(x: u64) -> u64 {
    tokio::time::sleep(Duration::from_millis(1)).await;
    work(x)
}

/// 1,000 tasks on one cold key; `clear` before each round so every round is a miss.
fn misses(c: &mut Criterion) {
    const TASKS: usize = 1_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_time()
        .build()
        .expect("tokio runtime");
    let mut group = c.benchmark_group("async/miss_1000_tasks");
    group.sample_size(20);
    group.bench_function("memo", |b| {
        b.iter(|| {
            memo_slow::clear();
            rt.block_on(async {
                let tasks: Vec<_> = (0..TASKS).map(|_| tokio::spawn(memo_slow(X))).collect();
                for t in tasks {
                    black_box(t.await.expect("no panic"));
                }
            });
        })
    });
    group.bench_function("singleton", |b| {
        b.iter(|| {
            singleton_slow::clear();
            rt.block_on(async {
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| tokio::spawn(singleton_slow(X)))
                    .collect();
                for t in tasks {
                    black_box(t.await.expect("no panic"));
                }
            });
        })
    });
    group.bench_function("moka_get_with", |b| {
        b.iter(|| {
            let cache: Arc<moka::future::Cache<u64, u64>> =
                Arc::new(moka::future::Cache::new(10_000));
            rt.block_on(async {
                let tasks: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let cache = Arc::clone(&cache);
                        tokio::spawn(async move {
                            cache
                                .get_with(X, async {
                                    tokio::time::sleep(Duration::from_millis(1)).await;
                                    work(X)
                                })
                                .await
                        })
                    })
                    .collect();
                for t in tasks {
                    black_box(t.await.expect("no panic"));
                }
            });
        })
    });
    group.finish();
}

#[memo::memo(persist = "disk", max_entries = 1, show_spinner = false)]
async fn memo_persisted(x: u64) -> Vec<u64> {
    vec![work(x); 16]
}

/// What `persist = "disk"` costs an async caller on a memory miss: the entry file is read
/// synchronously on the calling task. Two keys alternate under `max_entries = 1`, so every call
/// misses memory and reads its file (128-byte value) from a temporary directory.
fn persisted(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("async-bench-{}", std::process::id()));
    memo::set_cache_dir(Some(dir.clone()));
    futures::executor::block_on(async {
        memo_persisted(X).await;
        memo_persisted(X + 1).await;
    });
    let mut group = c.benchmark_group("async/persisted");
    group.bench_function("memory_miss_disk_read", |b| {
        let mut k = 0;
        async_batch!(b, {
            k ^= 1;
            memo_persisted(black_box(X + k))
        })
    });
    group.finish();
    memo_persisted::clear();
    let _ = std::fs::remove_dir_all(dir);
}

criterion_group!(benches, hits, misses, persisted);
criterion_main!(benches);
