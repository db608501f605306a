//! Hit costs against the peers and the floors, in one run.
//!
//! Targets:
//! - small value hit (`u64 -> u64`) against `cached` 4.1 `#[cached]`: memo copy-on-write
//!   within 1.5×, memo serialized within 2× (`moka` and `quick_cache` alongside, no aim;
//!   `hits/small_value`);
//! - 1M-row frame hit, serialized storage, within 1.3× of a bare bincode decode of the same
//!   frame; copy-on-write hit under 1 µs at any size (`hits/frame_*`);
//! - singleton hit with no arguments no slower than a bare `DashMap` get + `Arc::clone` and
//!   within 1.2× of `cached` `#[once]` (`hits/no_args`);
//! - singleton hit with a `u64` argument within 1.5× of `cached` returning an `Arc`
//!   (`hits/small_value`);
//! - async hit (`u64 -> u64`) of memo and singleton within 1.5× of `cached` `#[cached] async fn`,
//!   faster than `moka::future::Cache::get`, and at most 10 ns over the blocking twin measured in
//!   the same group (`hits/async_small_value`: one `block_on` per batch of calls).
//!
//! `hits/components` times the pieces of a hit (clock read, key hashing, a mutex, a reader
//! count's two atomics against a reader slot's one fence) to explain
//! where per-call overhead goes. Every call's result is dropped inside the timed region, as a
//! caller pays for it.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use cache_harness::bench_support::{self, LARGE_SAMPLES};
use cache_harness::variants::{SCALAR_ARG, Variant, Workload, w3, w3_noargs};
use cache_harness::workloads;
mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use dashmap::DashMap;
use memo::{KeyHash, KeyHasher};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `fn(x: u64) -> u64`, every variant called directly (no indirection in the timed loop).
fn small_value(c: &mut Criterion) {
    let x = SCALAR_ARG;
    let mut group = c.benchmark_group("hits/small_value");
    // One miss first in each, so the timed calls are hits.
    macro_rules! hit {
        ($name:literal, $f:path) => {
            $f(x);
            group.bench_function($name, |b| b.iter(|| $f(black_box(x))));
        };
    }
    hit!("memo_serialized", w3::memo_serialized);
    hit!("memo_cow", w3::memo_cow);
    hit!("singleton", w3::singleton_arc);
    hit!("cached_clone", w3::cached_clone);
    hit!("cached_arc", w3::cached_arc);
    hit!("moka_get", w3::moka_get);
    hit!("quick_get", w3::quick_get);
    hit!("legacy_sampled", w3::legacy_sampled);
    hit!("legacy_mutable", w3::legacy_mutable);
    let map: DashMap<u64, Arc<u64>> = DashMap::new();
    map.insert(x, Arc::new(workloads::scalar(x)));
    group.bench_function("floor_dashmap_arc", |b| {
        b.iter(|| map.get(&black_box(x)).map(|e| Arc::clone(e.value())))
    });
    group.finish();
}

/// `fn() -> u64`: singleton vs `#[once]` vs the floor.
fn no_args(c: &mut Criterion) {
    let mut group = c.benchmark_group("hits/no_args");
    macro_rules! hit {
        ($name:literal, $f:path) => {
            $f();
            group.bench_function($name, |b| b.iter($f));
        };
    }
    hit!("singleton", w3_noargs::singleton_arc);
    hit!("cached_once", w3_noargs::cached_once);
    hit!("memo_serialized", w3_noargs::memo_serialized);
    hit!("legacy_mutable", w3_noargs::legacy_mutable);
    let map: DashMap<(), Arc<u64>> = DashMap::new();
    map.insert((), Arc::new(w3_noargs::VALUE));
    group.bench_function("floor_dashmap_arc", |b| {
        b.iter(|| map.get(&black_box(())).map(|e| Arc::clone(e.value())))
    });
    group.finish();
}

/// Frame hits at every size: memo serialized vs the bare decode, copy-on-write, singleton and
/// the `DashMap` floor. Uses the library's cases (the main job's code path).
fn frames(c: &mut Criterion) {
    for rows in bench_support::frame_rows() {
        let workload = Workload::Frame { str_len: 12 };
        let df = workloads::frame(rows, 12);
        let bytes = memo::codec::encode(&df).expect("frames serialize").len();
        let mut group = c.benchmark_group(format!("hits/frame_{rows}_rows"));
        group
            .sample_size(LARGE_SAMPLES)
            .measurement_time(bench_support::large_measurement())
            .throughput(Throughput::Bytes(bytes as u64));
        common::bench_hits(
            &mut group,
            workload,
            rows,
            [
                Variant::MemoSerialized,
                Variant::FloorDecode,
                Variant::MemoCow,
                Variant::Singleton,
                Variant::FloorDashMap,
                Variant::LegacySampled,
                Variant::LegacyFull,
            ],
        );
        group.finish();
        workloads::release_sources();
    }
}

/// `async fn(x: u64) -> u64` beside the blocking twins, through the main job's cases: each async
/// case awaits a whole batch inside one `block_on` on its own tokio current-thread runtime.
fn async_small_value(c: &mut Criterion) {
    let mut group = c.benchmark_group("hits/async_small_value");
    common::bench_hits(
        &mut group,
        Workload::Scalar,
        1,
        [
            Variant::MemoSerialized,
            Variant::MemoAsync,
            Variant::Singleton,
            Variant::SingletonAsync,
            Variant::CachedAsync,
            Variant::MokaFuture,
        ],
    );
    group.finish();
}

/// The pieces of a hit, to explain per-call overhead.
fn components(c: &mut Criterion) {
    let mut group = c.benchmark_group("hits/components");
    group.bench_function("instant_now", |b| b.iter(std::time::Instant::now));
    group.bench_function("key_u64_xxh3_128", |b| {
        b.iter(|| {
            let mut h = KeyHasher::new();
            h.write_str("x");
            black_box(SCALAR_ARG).key_hash(&mut h);
            h.finish()
        })
    });
    let m = Mutex::new(0u64);
    group.bench_function("mutex_lock_unlock", |b| {
        b.iter(|| *black_box(&m).lock().expect("not poisoned"))
    });
    // What a standard `RwLock` read costs in atomics (count up, count down) against what the
    // store's reader slot costs (plain store, fence, plain store).
    let count = AtomicU64::new(0);
    group.bench_function("atomic_add_sub", |b| {
        b.iter(|| {
            let c = black_box(&count);
            c.fetch_add(1, Ordering::Acquire);
            c.fetch_sub(1, Ordering::Release)
        })
    });
    group.bench_function("store_fence_store", |b| {
        b.iter(|| {
            let c = black_box(&count);
            c.store(1, Ordering::Relaxed);
            std::sync::atomic::fence(Ordering::SeqCst);
            c.store(0, Ordering::Release);
        })
    });
    group.finish();
}

criterion_group!(
    benches,
    small_value,
    no_args,
    async_small_value,
    frames,
    components
);
criterion_main!(benches);
