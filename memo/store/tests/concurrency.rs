//! Single flight under contention, panics, re-entrancy and recursion in [`Store::get_or_compute`].
//!
//! Every test that could hang runs under [`bounded`](cache_store::testing::bounded), which fails the test instead of letting
//! it block the suite.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use cache_store::testing::bounded;
use cache_store::{Computed, Eviction, Got, Store, StoreConfig};

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn many_threads_few_keys_compute_each_key_exactly_once() {
    const THREADS: usize = 24;
    const KEYS: u128 = 4;
    bounded(Duration::from_secs(30), || {
        let store: Arc<Store<u64>> = Arc::new(Store::new(StoreConfig::default()));
        let runs: Arc<Vec<AtomicUsize>> =
            Arc::new((0..KEYS).map(|_| AtomicUsize::new(0)).collect());
        let barrier = Arc::new(Barrier::new(THREADS));
        let start = Instant::now();
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (store, runs, barrier) = (store.clone(), runs.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    for round in 0..3 {
                        for i in 0..KEYS {
                            // Threads visit the keys in different orders.
                            let key = (i + t as u128 + round) % KEYS;
                            let got = store
                                .get_or_compute(key, None, || {
                                    runs[key as usize].fetch_add(1, Ordering::SeqCst);
                                    thread::sleep(Duration::from_millis(50));
                                    Ok::<_, ()>(Computed::cache(key as u64 * 10, key as u64 * 10))
                                })
                                .unwrap();
                            let v = match got {
                                Got::Hit(v) | Got::Computed(v) => v,
                            };
                            assert_eq!(v, key as u64 * 10);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        for (key, n) in runs.iter().enumerate() {
            assert_eq!(n.load(Ordering::SeqCst), 1, "key {key} computed once");
        }
        let stats = store.stats();
        assert_eq!(stats.misses, KEYS as u64);
        assert_eq!(stats.hits, (THREADS * 3) as u64 * KEYS as u64 - KEYS as u64);
        // Different keys computed in parallel: far less than 4 sequential 50 ms computations
        // per thread would take.
        assert!(start.elapsed() < Duration::from_secs(10));
    });
}

#[test]
fn panicking_computation_caches_nothing_and_propagates() {
    let store: Store<u32> = Store::new(StoreConfig::default());
    let r = catch_unwind(AssertUnwindSafe(|| {
        store.get_or_compute(1, None, || -> Result<Computed<u32, u32>, ()> {
            panic!("boom")
        })
    }));
    let err = r.expect_err("the panic reaches the caller");
    assert_eq!(panic_message(&*err), "boom");
    assert!(!store.contains(1));
    assert_eq!(store.stats().entries, 0);
    // The key is usable again: the next call computes.
    let got = store.get_or_compute(1, None, || Ok::<_, ()>(Computed::cache(5, 5)));
    assert_eq!(got, Ok(Got::Computed(5)));
}

#[test]
fn an_err_caches_nothing() {
    let store: Store<u32> = Store::new(StoreConfig::default());
    let r = store.get_or_compute(1, None, || Err::<Computed<u32, u32>, _>("nope"));
    assert_eq!(r, Err("nope"));
    assert!(!store.contains(1));
    let got = store.get_or_compute(1, None, || Ok::<_, &str>(Computed::cache(2, 2)));
    assert_eq!(got, Ok(Got::Computed(2)));
}

#[test]
fn waiters_of_a_panicking_computation_do_not_hang_and_one_recomputes() {
    bounded(Duration::from_secs(20), || {
        const WAITERS: usize = 6;
        let store: Arc<Store<u32>> = Arc::new(Store::new(StoreConfig::default()));
        let runs = Arc::new(AtomicUsize::new(0));
        let started = Arc::new(Barrier::new(2));
        let first = {
            let (store, runs, started) = (store.clone(), runs.clone(), started.clone());
            thread::spawn(move || {
                store.get_or_compute(9, None, || -> Result<Computed<u32, u32>, ()> {
                    runs.fetch_add(1, Ordering::SeqCst);
                    started.wait();
                    // Give the waiters time to block on this computation.
                    thread::sleep(Duration::from_millis(300));
                    panic!("first computation fails")
                })
            })
        };
        started.wait();
        let waiters: Vec<_> = (0..WAITERS)
            .map(|_| {
                let (store, runs) = (store.clone(), runs.clone());
                thread::spawn(move || {
                    store
                        .get_or_compute(9, None, || {
                            runs.fetch_add(1, Ordering::SeqCst);
                            thread::sleep(Duration::from_millis(50));
                            Ok::<_, ()>(Computed::cache(42, 42))
                        })
                        .unwrap()
                })
            })
            .collect();
        let first = first.join();
        assert!(
            first.is_err(),
            "the panic propagates to the computing thread"
        );
        let mut computed = 0;
        for w in waiters {
            match w.join().expect("waiters do not panic") {
                Got::Computed(v) => {
                    computed += 1;
                    assert_eq!(v, 42);
                }
                Got::Hit(v) => assert_eq!(v, 42),
            }
        }
        assert_eq!(computed, 1, "exactly one waiter recomputes");
        assert_eq!(runs.load(Ordering::SeqCst), 2);
        assert_eq!(store.get(9), Some(42));
    });
}

#[test]
fn reentering_the_same_key_on_the_same_thread_panics_with_an_explanation() {
    bounded(Duration::from_secs(10), || {
        let store: Store<u32> = Store::new(StoreConfig::default());
        let r = catch_unwind(AssertUnwindSafe(|| {
            store.get_or_compute(3, None, || {
                // The inner call waits for the value the outer call is computing.
                let inner = store.get_or_compute(3, None, || Ok::<_, ()>(Computed::cache(1, 1)));
                Ok::<_, ()>(Computed::cache(inner.is_ok() as u32, 0))
            })
        }));
        let msg = panic_message(&*r.expect_err("re-entry panics instead of deadlocking"));
        assert!(
            msg.contains("called itself with the same arguments"),
            "explanatory message, got: {msg}"
        );
        // Nothing cached, and nothing left pending: the key works again.
        assert!(!store.contains(3));
        let got = store.get_or_compute(3, None, || Ok::<_, ()>(Computed::cache(8, 8)));
        assert_eq!(got, Ok(Got::Computed(8)));
    });
}

fn fib(store: &Store<u128>, n: u128, runs: &AtomicUsize) -> u128 {
    let got = store
        .get_or_compute(n, None, || {
            runs.fetch_add(1, Ordering::SeqCst);
            let v = if n < 2 {
                n
            } else {
                fib(store, n - 1, runs) + fib(store, n - 2, runs)
            };
            Ok::<_, ()>(Computed::cache(v, v))
        })
        .unwrap();
    match got {
        Got::Hit(v) | Got::Computed(v) => v,
    }
}

#[test]
fn recursion_through_other_keys_works() {
    bounded(Duration::from_secs(10), || {
        let store: Store<u128> = Store::new(StoreConfig::default());
        let runs = AtomicUsize::new(0);
        assert_eq!(fib(&store, 90, &runs), 2_880_067_194_370_816_120);
        assert_eq!(runs.load(Ordering::SeqCst), 91, "each n computed once");
    });
}

#[test]
fn another_thread_waiting_on_a_key_is_not_mistaken_for_reentry() {
    // Two threads, two keys, each computation reading the other key: no false "recursion"
    // panic, and no deadlock because neither key's computation needs its own key.
    bounded(Duration::from_secs(10), || {
        let store: Arc<Store<u32>> = Arc::new(Store::new(StoreConfig::default()));
        let a = {
            let store = store.clone();
            thread::spawn(move || {
                store.get_or_compute(1, None, || {
                    thread::sleep(Duration::from_millis(50));
                    let two = match store
                        .get_or_compute(2, None, || Ok::<_, ()>(Computed::cache(2, 2)))
                        .unwrap()
                    {
                        Got::Hit(v) | Got::Computed(v) => v,
                    };
                    Ok::<_, ()>(Computed::cache(two + 1, two + 1))
                })
            })
        };
        let b = store.get_or_compute(2, None, || {
            thread::sleep(Duration::from_millis(100));
            Ok::<_, ()>(Computed::cache(2, 2))
        });
        assert!(b.is_ok());
        let a = a.join().unwrap().unwrap();
        assert!(matches!(a, Got::Computed(3)));
    });
}

#[test]
fn on_release_runs_outside_the_lock_and_may_use_the_store() {
    // A release hook that reads the store would deadlock if it ran under the map's lock.
    let released = Arc::new(AtomicUsize::new(0));
    let store2: Arc<std::sync::OnceLock<Arc<Store<u32>>>> = Arc::new(std::sync::OnceLock::new());
    let hook_store = store2.clone();
    let hook_count = released.clone();
    let with_hook: Arc<Store<u32>> = Arc::new(Store::new(StoreConfig {
        max_entries: Some(1),
        on_release: Some(Box::new(move |_v| {
            if let Some(s) = hook_store.get() {
                let _ = s.stats();
                let _ = s.get(1);
            }
            hook_count.fetch_add(1, Ordering::SeqCst);
        })),
        ..StoreConfig::default()
    }));
    let _ = store2.set(with_hook.clone());
    bounded(Duration::from_secs(10), move || {
        with_hook.insert(1, 1);
        with_hook.insert(2, 2); // evicts 1
        with_hook.clear(); // releases 2
        assert_eq!(released.load(Ordering::SeqCst), 2);
    });
}

/// A value whose clone, the one step of a hit done under the store's lock, waits until another
/// hit is inside its own clone too. Only a lock that lets hits in side by side lets both clones
/// finish; a lock that serializes hits would leave the first clone waiting forever.
struct Rendezvous(Arc<Barrier>);

impl Clone for Rendezvous {
    fn clone(&self) -> Self {
        self.0.wait();
        Rendezvous(Arc::clone(&self.0))
    }
}

/// Two threads hit key 1 of `store` at once, through `get_or_compute` and through `hit`; both
/// clones must be inside the lock together for either to finish.
fn hit_side_by_side(store: Store<Rendezvous>) {
    bounded(Duration::from_secs(10), move || {
        store.insert(1, Rendezvous(Arc::new(Barrier::new(2))));
        thread::scope(|s| {
            s.spawn(|| {
                let got =
                    store.get_or_compute(1, None, || -> Result<Computed<(), Rendezvous>, ()> {
                        panic!("a stored key is a hit")
                    });
                assert!(matches!(got, Ok(Got::Hit(_))));
            });
            s.spawn(|| assert!(store.hit(1).is_some()));
        });
        assert_eq!(store.stats().hits, 2);
    });
}

#[test]
fn concurrent_hits_of_an_unbounded_store_do_not_wait_for_each_other() {
    hit_side_by_side(Store::new(StoreConfig::default()));
}

#[test]
fn concurrent_hits_of_a_bounded_clock_store_do_not_wait_for_each_other() {
    hit_side_by_side(Store::new(StoreConfig {
        max_entries: Some(1000),
        eviction: Eviction::Clock,
        ..StoreConfig::default()
    }));
}

#[test]
fn concurrent_hits_of_a_bounded_clock_store_with_a_ttl_do_not_wait_for_each_other() {
    hit_side_by_side(Store::new(StoreConfig {
        ttl: Some(Duration::from_secs(3600)),
        max_entries: Some(1),
        eviction: Eviction::Clock,
        ..StoreConfig::default()
    }));
}

/// CLOCK hits racing evictions: every hit's referenced bit is set under the shared lock while
/// inserts pass entries over under the exclusive one. The bound holds, every value departs
/// exactly once, and a hit returns the value stored under its key.
#[test]
fn clock_hits_racing_inserts_keep_the_bound_and_release_everything_once() {
    const MAX: usize = 16;
    const THREADS: u64 = 4;
    const CALLS: u64 = 2_000;
    bounded(Duration::from_secs(60), || {
        let released = Arc::new(std::sync::Mutex::new(Vec::<u64>::new()));
        let sink = Arc::clone(&released);
        let store: Store<u64> = Store::new(StoreConfig {
            max_entries: Some(MAX),
            eviction: Eviction::Clock,
            on_release: Some(Box::new(move |v| sink.lock().unwrap().push(v))),
            ..StoreConfig::default()
        });
        thread::scope(|s| {
            for t in 0..THREADS {
                let store = &store;
                s.spawn(move || {
                    for i in 0..CALLS {
                        let key = u128::from((i * 7 + t) % 40);
                        // Values encode their key, unique per (thread, call).
                        let value = (key as u64) << 32 | t << 16 | (i & 0xffff);
                        match store.hit(key) {
                            Some(v) => assert_eq!(v >> 32, key as u64, "a hit of another key"),
                            None => store.insert(key, value),
                        }
                        assert!(store.stats().entries <= MAX);
                    }
                });
            }
        });
        let left = store.stats().entries;
        assert!(left <= MAX);
        store.clear();
        let mut all = released.lock().unwrap().clone();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n, "a value departed twice");
        let stats = store.stats();
        assert_eq!(
            stats.hits + n as u64,
            THREADS * CALLS,
            "every miss stored one value"
        );
    });
}

#[test]
fn hits_from_many_threads_are_all_counted() {
    const THREADS: u64 = 40;
    const CALLS: u64 = 500;
    bounded(Duration::from_secs(30), || {
        let store: Store<u64> = Store::new(StoreConfig::default());
        store.insert(1, 7);
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| {
                    for _ in 0..CALLS {
                        assert_eq!(store.hit(1), Some(7));
                    }
                });
            }
        });
        let stats = store.stats();
        assert_eq!((stats.hits, stats.misses), (THREADS * CALLS, 0));
    });
}

/// More reading threads than the map lock has reader shards (so some share one), and a thread
/// inserting and removing under the exclusive lock meanwhile: every hit sees a value stored for
/// its key, and every hit is counted exactly once.
#[test]
fn readers_on_every_shard_and_a_writer_see_only_stored_values() {
    const READERS: usize = 12;
    const KEYS: u128 = 16;
    const ROUNDS: u64 = 2_000;
    bounded(Duration::from_secs(60), || {
        let store: Store<u64> = Store::new(StoreConfig::default());
        // A value names its key: `key * 1_000_000 + version`.
        let value = |key: u128, version: u64| key as u64 * 1_000_000 + version;
        let found = AtomicUsize::new(0);
        let barrier = Barrier::new(READERS + 1);
        thread::scope(|s| {
            for t in 0..READERS {
                let (store, found, barrier) = (&store, &found, &barrier);
                s.spawn(move || {
                    barrier.wait();
                    let mut mine = 0;
                    for i in 0..ROUNDS * 4 {
                        let key = (i as u128 + t as u128) % KEYS;
                        let seen = if i % 2 == 0 {
                            store.hit_with(key, |v| *v)
                        } else {
                            store.hit(key)
                        };
                        if let Some(v) = seen {
                            assert_eq!(v / 1_000_000, key as u64, "a value of another key");
                            mine += 1;
                        }
                    }
                    found.fetch_add(mine, Ordering::Relaxed);
                });
            }
            barrier.wait();
            for version in 0..ROUNDS {
                let key = u128::from(version as u8) % KEYS;
                store.insert(key, value(key, version));
                if version % 3 == 0 {
                    store.remove((key + 5) % KEYS);
                }
            }
        });
        assert_eq!(
            store.stats().hits,
            found.load(Ordering::Relaxed) as u64,
            "every hit counted once"
        );
    });
}

/// A panic under the exclusive lock (here the `weigh` function, which the store calls while
/// inserting) poisons the map lock; the map is still consistent, so the store keeps serving,
/// from the shared path and the exclusive one, with exact counters.
#[test]
fn a_panic_under_the_exclusive_lock_leaves_a_usable_store() {
    let store: Store<u64> = Store::new(StoreConfig {
        weigh: |v| {
            assert_ne!(*v, 13, "unweighable");
            1
        },
        max_entries: Some(4),
        eviction: Eviction::Clock,
        ..StoreConfig::default()
    });
    store.insert(1, 10);
    let panicked = catch_unwind(AssertUnwindSafe(|| store.insert(2, 13)));
    assert!(panicked.is_err(), "the insert of 13 panicked");
    assert_eq!(
        store.hit_with(1, |v| *v),
        Some(10),
        "shared path after the panic"
    );
    assert_eq!(store.get(2), None, "the panicked insert stored nothing");
    store.insert(3, 30);
    assert_eq!(store.get(3), Some(30), "exclusive path after the panic");
    let stats = store.stats();
    assert_eq!(
        (stats.hits, stats.misses, stats.entries, stats.stored_bytes),
        (2, 1, 2, 2)
    );
}
