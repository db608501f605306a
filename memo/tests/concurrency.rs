//! Concurrency: many threads and one key run the function once
//! (and each gets its own copy); recursion neither deadlocks nor recomputes; a panic reaches the
//! caller, caches nothing, and does not strand a concurrent waiter.

#![allow(clippy::disallowed_names)] // Streamlit's test names: foo, bar

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use cache_store::testing::bounded;
use memo::memo;
use proptest::prelude::*;

static ONE_KEY_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memo]
fn slow_vec(key: u32) -> Vec<u32> {
    ONE_KEY_RUNS.fetch_add(1, Ordering::SeqCst);
    thread::sleep(Duration::from_millis(20));
    vec![key; 4]
}

proptest! {
    // Each case spawns threads; keep the count moderate.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn many_threads_one_key_one_computation(threads in 2usize..12, key in any::<u32>()) {
        slow_vec::clear();
        let before = ONE_KEY_RUNS.load(Ordering::SeqCst);
        let calls = |s: memo::Stats| s.hits + s.misses;
        let calls_before = calls(slow_vec::stats());
        let results = bounded(Duration::from_secs(20), move || {
            let barrier = Arc::new(Barrier::new(threads));
            let hs: Vec<_> = (0..threads)
                .map(|_| {
                    let barrier = barrier.clone();
                    thread::spawn(move || {
                        barrier.wait();
                        let mut v = slow_vec(key);
                        let got = v.clone();
                        v.push(0); // each thread owns its copy
                        got
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect::<Vec<_>>()
        });
        prop_assert_eq!(ONE_KEY_RUNS.load(Ordering::SeqCst) - before, 1);
        prop_assert!(results.iter().all(|r| *r == vec![key; 4]));
        // Counters are cumulative (clear drops entries, not counters).
        prop_assert_eq!(calls(slow_vec::stats()) - calls_before, threads as u64);
    }
}

#[test]
fn test_compute_value_only_once() {
    // Streamlit: 50 threads, a 0.25 s function, one computation, bounded time.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo]
    fn foo() -> String {
        RUNS.fetch_add(1, Ordering::SeqCst);
        thread::sleep(Duration::from_millis(250));
        "computed".into()
    }
    let elapsed = bounded(Duration::from_secs(20), || {
        let start = Instant::now();
        let hs: Vec<_> = (0..50).map(|_| thread::spawn(foo)).collect();
        for h in hs {
            assert_eq!(h.join().unwrap(), "computed");
        }
        start.elapsed()
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 1);
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

static FIB_RUNS: AtomicUsize = AtomicUsize::new(0);

#[memo]
fn fib(n: u64) -> u64 {
    FIB_RUNS.fetch_add(1, Ordering::SeqCst);
    if n < 2 { n } else { fib(n - 1) + fib(n - 2) }
}

#[test]
fn recursive_fib_neither_deadlocks_nor_recomputes() {
    let v = bounded(Duration::from_secs(20), || fib(90));
    assert_eq!(v, 2_880_067_194_370_816_120);
    assert_eq!(FIB_RUNS.load(Ordering::SeqCst), 91, "each n computed once");
    assert_eq!(fib(90), v);
    assert_eq!(FIB_RUNS.load(Ordering::SeqCst), 91);
}

#[test]
fn self_recursion_with_the_same_arguments_panics_instead_of_deadlocking() {
    #[memo]
    fn forever(n: u8) -> u8 {
        forever(n) // a bug in the user's code: this can never finish
    }
    let r = bounded(Duration::from_secs(10), || catch_unwind(|| forever(1)));
    let p = r.expect_err("a panic, not a hang");
    let msg = p
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default();
    assert!(
        msg.contains("called itself with the same arguments"),
        "{msg}"
    );
}

#[test]
fn panic_reaches_the_caller_and_caches_nothing() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo]
    fn fragile(x: u8) -> u8 {
        if RUNS.fetch_add(1, Ordering::SeqCst) == 0 {
            panic!("first call fails");
        }
        x
    }
    let r = catch_unwind(|| fragile(1));
    assert!(r.is_err());
    assert_eq!(fragile::stats().entries, 0, "nothing cached");
    assert_eq!(fragile(1), 1, "the next call computes");
    assert_eq!(fragile(1), 1);
    assert_eq!(RUNS.load(Ordering::SeqCst), 2);
}

#[test]
fn panic_does_not_strand_a_concurrent_waiter() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    static PANIC_NEXT: AtomicBool = AtomicBool::new(true);
    #[memo]
    fn shaky(x: u8) -> u8 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        if PANIC_NEXT.swap(false, Ordering::SeqCst) {
            thread::sleep(Duration::from_millis(300)); // the waiter arrives meanwhile
            panic!("computation failed");
        }
        x * 2
    }
    bounded(Duration::from_secs(20), || {
        let first = thread::spawn(|| catch_unwind(AssertUnwindSafe(|| shaky(4))));
        thread::sleep(Duration::from_millis(100));
        let waiter = thread::spawn(|| shaky(4));
        assert!(
            first.join().unwrap().is_err(),
            "the panic reaches its caller"
        );
        assert_eq!(waiter.join().unwrap(), 8, "the waiter recomputes");
    });
    assert_eq!(RUNS.load(Ordering::SeqCst), 2);
    assert_eq!(shaky(4), 8);
    assert_eq!(
        RUNS.load(Ordering::SeqCst),
        2,
        "the waiter's value is cached"
    );
}

#[test]
fn concurrent_clears_are_safe() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo]
    fn val(x: u8) -> Vec<u8> {
        RUNS.fetch_add(1, Ordering::SeqCst);
        vec![x]
    }
    bounded(Duration::from_secs(20), || {
        thread::scope(|s| {
            for t in 0..8u8 {
                s.spawn(move || {
                    for i in 0..200u8 {
                        let k = (i + t) % 4;
                        assert_eq!(val(k), vec![k]);
                        if i % 17 == 0 {
                            val::clear();
                        }
                        if i % 13 == 0 {
                            val::clear_entry(k);
                        }
                    }
                });
            }
        });
    });
    assert!(RUNS.load(Ordering::SeqCst) >= 4);
}
