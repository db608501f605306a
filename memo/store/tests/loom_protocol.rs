//! Model check of the store's concurrent protocol with loom: every interleaving (up to a
//! preemption bound) of a few threads hitting, missing, evicting and clearing one store.
//!
//! Built only with `RUSTFLAGS="--cfg loom"`, which swaps the store's locks, atomics, condition
//! variables and thread locals for loom's instrumented ones (`src/sync.rs`); `tests/loom.rs`
//! builds and runs it that way under `cargo test`. Loom also reports a deadlock (every thread
//! blocked, e.g. a waiter nobody wakes) and a leaked `Arc` as failures of the model.
#![cfg(loom)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};

use cache_store::{Computed, Eviction, Got, Store, StoreConfig};
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use loom::sync::{Arc, Mutex};
use loom::thread;

/// The payload of the deliberate panics of the models, which the panic hook keeps quiet.
const DELIBERATE: &str = "deliberate panic in compute";

/// Preemptions per explored execution: the protocol's races need one or two to show, and five
/// keeps every model to seconds.
const PREEMPTIONS: usize = 5;

/// Runs `f` under every interleaving with at most [`PREEMPTIONS`] preemptions. Prints how many
/// interleavings were explored, and fails if there was only one (a model whose threads never
/// overlap checks nothing concurrent).
fn check(name: &str, f: impl Fn() + Sync + Send + 'static) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&DELIBERATE) {
            previous(info);
        }
    }));
    let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = std::sync::Arc::clone(&runs);
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(PREEMPTIONS);
    builder.check(move || {
        counted.fetch_add(1, SeqCst);
        f();
    });
    let runs = runs.load(SeqCst);
    eprintln!("loom model {name}: {runs} interleavings explored ({PREEMPTIONS} preemptions)");
    assert!(runs > 1, "model {name} explored a single interleaving");
}

fn store(max_entries: Option<usize>, released: Option<Arc<Mutex<Vec<u32>>>>) -> Arc<Store<u32>> {
    store_evicting(max_entries, released, Eviction::default())
}

fn store_evicting(
    max_entries: Option<usize>,
    released: Option<Arc<Mutex<Vec<u32>>>>,
    eviction: Eviction,
) -> Arc<Store<u32>> {
    Arc::new(Store::new(StoreConfig {
        max_entries,
        eviction,
        weigh: |_| 1,
        on_release: released.map(|log| {
            Box::new(move |v: u32| log.lock().unwrap().push(v)) as Box<dyn Fn(u32) + Send + Sync>
        }),
        ..StoreConfig::default()
    }))
}

/// A blocking `get_or_compute` whose computation returns `value` and counts itself.
fn compute(store: &Store<u32>, key: u128, value: u32, runs: &AtomicUsize) -> Got<u32, u32> {
    store
        .get_or_compute(key, None, || {
            runs.fetch_add(1, SeqCst);
            Ok::<_, ()>(Computed::cache(value, value))
        })
        .unwrap()
}

/// Wakes a model thread parked in [`block_on`].
struct Unpark(thread::Thread);

impl Wake for Unpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Polls `fut` on this model thread until it is ready, parking in between (loom 0.7.3 has no
/// executor of its own). A waiter whose waker is never called parks forever, which loom reports
/// as a deadlock.
fn block_on<F: Future>(fut: F) -> F::Output {
    let waker = Waker::from(std::sync::Arc::new(Unpark(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        thread::park();
    }
}

/// The async `get_or_compute_async`, driven by [`block_on`].
fn compute_async(store: &Store<u32>, key: u128, value: u32, runs: &AtomicUsize) -> Got<u32, u32> {
    block_on(store.get_or_compute_async(key, None, || async move {
        runs.fetch_add(1, SeqCst);
        Ok::<_, ()>(Computed::cache(value, value))
    }))
    .unwrap()
}

/// (1) Two callers miss one key: exactly one computation, both get its value, one miss and one
/// hit counted. Blocking against blocking, and blocking against async.
#[test]
fn concurrent_misses_compute_once() {
    for use_async in [false, true] {
        check(&format!("misses (async: {use_async})"), move || {
            let s = store(None, None);
            let runs = Arc::new(AtomicUsize::new(0));
            let other = {
                let (s, runs) = (Arc::clone(&s), Arc::clone(&runs));
                thread::spawn(move || {
                    if use_async {
                        compute_async(&s, 1, 42, &runs)
                    } else {
                        compute(&s, 1, 42, &runs)
                    }
                })
            };
            let mine = compute(&s, 1, 42, &runs);
            let theirs = other.join().unwrap();
            assert_eq!(
                runs.load(SeqCst),
                1,
                "single flight ran the computation twice"
            );
            let mut outcomes = [mine, theirs];
            outcomes.sort_by_key(|g| matches!(g, Got::Hit(_)));
            assert_eq!(outcomes, [Got::Computed(42), Got::Hit(42)]);
            let stats = s.stats();
            assert_eq!((stats.hits, stats.misses, stats.entries), (1, 1, 1));
        });
    }
}

/// (2) The computing caller panics, returns `Err`, or (async) is dropped mid-computation: the
/// other caller computes its own value (it is never left waiting: loom reports a deadlock), the
/// store holds exactly that value, and nothing of the departed computation is cached.
#[test]
fn departed_computer_hands_over() {
    for departure in ["panic", "err", "cancel"] {
        check(&format!("hand-over ({departure})"), move || {
            let s = store(None, None);
            let runs = Arc::new(AtomicUsize::new(0));
            let leaver = {
                let s = Arc::clone(&s);
                thread::spawn(move || leave(&s, departure))
            };
            let got = if departure == "cancel" {
                compute_async(&s, 1, 7, &runs)
            } else {
                compute(&s, 1, 7, &runs)
            };
            let leaver_hit = leaver.join().unwrap();
            assert_eq!(
                got,
                Got::Computed(7),
                "the survivor must compute ({departure})"
            );
            assert_eq!(runs.load(SeqCst), 1);
            assert_eq!(
                s.get(1),
                Some(7),
                "the departed computation left something cached"
            );
            // Misses: the survivor's, and the leaver's if it started computing; hits: the `get`
            // above, and the leaver's if it came second.
            let stats = s.stats();
            assert_eq!(stats.entries, 1);
            if leaver_hit {
                assert_eq!((stats.hits, stats.misses), (2, 1));
            } else {
                assert_eq!(stats.hits, 1);
                assert!((1..=2).contains(&stats.misses), "{stats:?}");
            }
        });
    }
}

/// The leaving caller of model (2); `true` if it hit the survivor's value instead of leaving.
fn leave(s: &Store<u32>, departure: &str) -> bool {
    match departure {
        "panic" => {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                s.get_or_compute(1, None, || -> Result<Computed<u32, u32>, ()> {
                    std::panic::panic_any(DELIBERATE)
                })
            }));
            matches!(r, Ok(Ok(Got::Hit(7))))
        }
        "err" => matches!(
            s.get_or_compute(1, None, || Err::<Computed<u32, u32>, ()>(())),
            Ok(Got::Hit(7))
        ),
        _ => {
            // Polled once, then dropped: registered as the computer (its body never finishes),
            // waiting on the survivor, or a hit.
            let mut fut = pin!(s.get_or_compute_async(1, None, || async {
                std::future::pending::<Result<Computed<u32, u32>, ()>>().await
            }));
            let mut cx = Context::from_waker(std::task::Waker::noop());
            matches!(fut.as_mut().poll(&mut cx), Poll::Ready(Ok(Got::Hit(7))))
        }
    }
}

/// (3) A hit racing `clear()` or `remove(key)`, on an unbounded store (read-locked hit) and a
/// bounded one (exclusive-locked hit). The invariant, in real-time order: a lookup that starts
/// after the clear returned never returns the cleared value; a lookup overlapping it returns the
/// old value (and the clear then removed it: nothing is stored at the end) or computes anew (and
/// its value is what is stored at the end). The cleared value is released exactly once.
#[test]
fn hit_racing_clear_never_returns_cleared_value() {
    for max_entries in [None, Some(4)] {
        for remove_only in [false, true] {
            let name = format!("clear (max_entries {max_entries:?}, remove: {remove_only})");
            check(&name, move || {
                let released = Arc::new(Mutex::new(Vec::new()));
                let s = store(max_entries, Some(Arc::clone(&released)));
                s.insert(1, 1);
                let cleared = Arc::new(AtomicBool::new(false));
                let clearer = {
                    let (s, cleared) = (Arc::clone(&s), Arc::clone(&cleared));
                    thread::spawn(move || {
                        if remove_only {
                            s.remove(1);
                        } else {
                            s.clear();
                        }
                        cleared.store(true, SeqCst);
                    })
                };
                let runs = AtomicUsize::new(0);
                let after_clear = cleared.load(SeqCst);
                let got = compute(&s, 1, 2, &runs);
                clearer.join().unwrap();
                match got {
                    Got::Hit(1) => {
                        assert!(
                            !after_clear,
                            "a lookup after the clear hit the cleared value"
                        );
                        assert!(!s.contains(1), "the clear left the old entry");
                    }
                    Got::Computed(2) => assert_eq!(s.get(1), Some(2)),
                    other => panic!("unexpected outcome {other:?}"),
                }
                // The old value departed exactly once (the recomputed one is still stored).
                let released = released.lock().unwrap().clone();
                assert_eq!(
                    released.iter().filter(|&&v| v == 1).count(),
                    1,
                    "{released:?}"
                );
                assert_eq!(s.stats().stored_bytes, s.stats().entries);
            });
        }
    }
}

/// (3b) `clear()` racing two callers of one key, one computing while the other waits or hits:
/// nobody is left waiting (loom reports a deadlock), a caller either computes its own value or
/// hits the other's, a second computation happens only if the clear removed the first value,
/// and every stored value is released exactly once (by the clear or the final one).
#[test]
fn clear_racing_a_computation_in_flight() {
    check("clear during computation", || {
        let released = Arc::new(Mutex::new(Vec::new()));
        let s = store(None, Some(Arc::clone(&released)));
        let runs = Arc::new(AtomicUsize::new(0));
        let clearer = {
            let s = Arc::clone(&s);
            thread::spawn(move || s.clear())
        };
        let other = {
            let (s, runs) = (Arc::clone(&s), Arc::clone(&runs));
            thread::spawn(move || compute(&s, 1, 3, &runs))
        };
        let mine = compute(&s, 1, 2, &runs);
        let theirs = other.join().unwrap();
        clearer.join().unwrap();
        let computed: Vec<u32> = [&mine, &theirs]
            .into_iter()
            .filter_map(|g| match g {
                Got::Computed(v) => Some(*v),
                Got::Hit(_) => None,
            })
            .collect();
        assert_eq!(computed.len(), runs.load(SeqCst));
        match (&mine, &theirs) {
            (Got::Computed(2), Got::Hit(2)) | (Got::Hit(3), Got::Computed(3)) => {}
            (Got::Computed(2), Got::Computed(3)) => {
                // Only a clear between the first value's insertion and the second lookup makes
                // the second caller compute: the first value was released.
                assert!(
                    released.lock().unwrap().len() == 1,
                    "two computations, no clear"
                );
            }
            other => panic!("unexpected outcomes {other:?}"),
        }
        s.clear();
        let mut released = released.lock().unwrap().clone();
        released.sort_unstable();
        let mut stored = computed;
        stored.sort_unstable();
        assert_eq!(
            released, stored,
            "each stored value must be released exactly once"
        );
    });
}

/// (4) Inserts and a computation beyond `max_entries` racing hits: the bound holds whenever a
/// thread looks, the byte count matches the entries, and every value that ever entered the
/// store is released exactly once (evicted, replaced or finally cleared): none twice, none lost.
#[test]
fn eviction_keeps_bound_and_releases_each_value_once() {
    // Both policies: LRU reorders under the exclusive lock, CLOCK sets its bit under the shared
    // one while an insert may be passing the entry over.
    for eviction in [Eviction::Lru, Eviction::Clock] {
        check(&format!("eviction {eviction:?}"), move || {
            const MAX: usize = 1;
            let released = Arc::new(Mutex::new(Vec::new()));
            let s = store_evicting(Some(MAX), Some(Arc::clone(&released)), eviction);
            let stored = Arc::new(Mutex::new(vec![10]));
            s.insert(1, 10);
            let inserter = {
                let (s, stored) = (Arc::clone(&s), Arc::clone(&stored));
                thread::spawn(move || {
                    stored.lock().unwrap().push(20);
                    s.insert(2, 20);
                    assert!(s.stats().entries <= MAX);
                })
            };
            let computer = {
                let (s, stored) = (Arc::clone(&s), Arc::clone(&stored));
                thread::spawn(move || {
                    let got = s
                        .get_or_compute(1, None, || {
                            stored.lock().unwrap().push(11);
                            Ok::<_, ()>(Computed::cache(11, 11))
                        })
                        .unwrap();
                    assert!(matches!(got, Got::Hit(10) | Got::Computed(11)), "{got:?}");
                    assert!(s.stats().entries <= MAX);
                })
            };
            let hit = s.hit(2);
            assert!(matches!(hit, None | Some(20)), "{hit:?}");
            inserter.join().unwrap();
            computer.join().unwrap();
            let stats = s.stats();
            assert!(stats.entries <= MAX);
            assert_eq!(stats.stored_bytes, stats.entries);
            s.clear();
            let mut released = released.lock().unwrap().clone();
            let mut stored = stored.lock().unwrap().clone();
            released.sort_unstable();
            stored.sort_unstable();
            assert_eq!(
                released, stored,
                "each stored value must be released exactly once"
            );
        });
    }
}

/// (5) The statistics are exact once the threads are joined: the per-thread hit stripes of three
/// threads, two of them concurrent, plus the shared miss counter. (A stripe's hand-back on thread
/// exit is not modelled: see `src/counter.rs`; the unit test of the counter reuses stripes.)
#[test]
fn stats_exact_after_joins() {
    check("stats", || {
        let s = store(None, None);
        s.insert(1, 1);
        let spawn_hitter = |hits: usize, miss_key: u128| {
            let s = Arc::clone(&s);
            thread::spawn(move || {
                for _ in 0..hits {
                    assert_eq!(s.hit(1), Some(1));
                }
                assert_eq!(s.get(miss_key), None);
            })
        };
        let first = spawn_hitter(2, 10);
        let second = spawn_hitter(1, 11);
        first.join().unwrap();
        let third = spawn_hitter(2, 12);
        second.join().unwrap();
        third.join().unwrap();
        let stats = s.stats();
        assert_eq!((stats.hits, stats.misses), (5, 3));
    });
}
