//! The store's hit path alone (no key building, no decoding), in one run:
//! - `store/hit_1_thread`: [`Store::get_or_compute`] and [`Store::hit`] on a warm key, unbounded
//!   and bounded (`max_entries = 1000`, exact LRU and CLOCK eviction), against a bare
//!   `Mutex<HashMap>` get + `Arc::clone` floor;
//! - `store/hit_2_threads`: two threads hitting the same key of one store at once; the figure is
//!   the wall time per call of each thread, so a hit path that serializes threads doubles it.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use cache_store::{Computed, Eviction, Got, Store, StoreConfig};
use criterion::{Criterion, criterion_group, criterion_main};

const KEY: u128 = 0x1234_5678_9abc_def0_0fed_cba9_8765_4321;

/// A store of 1,000 entries at most, evicting by `eviction`.
fn bounded(eviction: Eviction) -> StoreConfig<Arc<u64>> {
    StoreConfig {
        max_entries: Some(1000),
        eviction,
        ..StoreConfig::default()
    }
}

fn warm(config: StoreConfig<Arc<u64>>) -> Store<Arc<u64>> {
    let store = Store::new(config);
    store.insert(KEY, Arc::new(7));
    store
}

fn get(store: &Store<Arc<u64>>) -> Arc<u64> {
    match store.get_or_compute(black_box(KEY), None, || {
        Ok::<_, ()>(Computed::cache(Arc::new(0), Arc::new(0)))
    }) {
        Ok(Got::Hit(v) | Got::Computed(v)) => v,
        Err(()) => unreachable!("the computation never fails"),
    }
}

fn one_thread(c: &mut Criterion) {
    let mut group = c.benchmark_group("store/hit_1_thread");
    let unbounded = warm(StoreConfig::default());
    let lru = warm(bounded(Eviction::Lru));
    let clock = warm(bounded(Eviction::Clock));
    let ttl = warm(StoreConfig {
        ttl: Some(Duration::from_secs(3600)),
        ..StoreConfig::default()
    });
    group.bench_function("get_or_compute", |b| b.iter(|| get(&unbounded)));
    group.bench_function("get_or_compute_bounded_lru", |b| b.iter(|| get(&lru)));
    group.bench_function("get_or_compute_bounded_clock", |b| b.iter(|| get(&clock)));
    group.bench_function("get_or_compute_ttl", |b| b.iter(|| get(&ttl)));
    group.bench_function("hit", |b| b.iter(|| unbounded.hit(black_box(KEY))));
    let floor: Mutex<HashMap<u128, Arc<u64>>> = Mutex::new(HashMap::from([(KEY, Arc::new(7))]));
    group.bench_function("floor_mutex_hashmap_arc", |b| {
        b.iter(|| {
            let map = floor.lock().expect("not poisoned");
            map.get(&black_box(KEY)).cloned()
        })
    });
    group.finish();
}

/// Per-call wall time of each of two threads calling `f` `iters` times at once.
fn two_threads(iters: u64, f: &(dyn Fn() + Sync)) -> Duration {
    let barrier = Barrier::new(2);
    let mut elapsed = Duration::ZERO;
    std::thread::scope(|s| {
        let other = s.spawn(|| {
            barrier.wait();
            for _ in 0..iters {
                f();
            }
        });
        barrier.wait();
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        other.join().expect("the other thread finished");
        elapsed = start.elapsed();
    });
    elapsed
}

fn contended(c: &mut Criterion) {
    let mut group = c.benchmark_group("store/hit_2_threads");
    let unbounded = warm(StoreConfig::default());
    let lru = warm(bounded(Eviction::Lru));
    let clock = warm(bounded(Eviction::Clock));
    group.bench_function("get_or_compute", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| {
                black_box(get(&unbounded));
            })
        })
    });
    for (name, store) in [
        ("get_or_compute_bounded_lru", &lru),
        ("get_or_compute_bounded_clock", &clock),
    ] {
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                two_threads(iters, &|| {
                    black_box(get(store));
                })
            })
        });
    }
    let floor: Mutex<HashMap<u128, Arc<u64>>> = Mutex::new(HashMap::from([(KEY, Arc::new(7))]));
    group.bench_function("floor_mutex_hashmap_arc", |b| {
        b.iter_custom(|iters| {
            two_threads(iters, &|| {
                let map = floor.lock().expect("not poisoned");
                black_box(map.get(&black_box(KEY)).cloned());
            })
        })
    });
    group.finish();
}

criterion_group!(benches, one_thread, contended);
criterion_main!(benches);
