//! TTL and CLOCK eviction of a `#[memo]` function against a reference model, under the
//! per-thread `MockClock` (so every cached call happens on the test thread), plus Streamlit's
//! `CommonCacheTTLTest`.

#![allow(clippy::disallowed_names)] // Streamlit's test names: foo, bar

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use cache_store::Eviction;
use cache_store::clock::MockClock;
use cache_store::testing::Model;
use memo::memo;
use proptest::prelude::*;

const TTL: u64 = 10;
const MAX: usize = 3;

static RUNS: AtomicUsize = AtomicUsize::new(0);

/// Returns the run number, so a hit is recognisable by an old run number.
#[memo(ttl = 10, max_entries = 3)]
fn bounded(k: u8) -> (u8, usize) {
    (k, RUNS.fetch_add(1, Ordering::SeqCst))
}

#[derive(Debug, Clone)]
enum Op {
    Call(u8),
    Advance(u64),
    ClearEntry(u8),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => (0u8..6).prop_map(Op::Call),
        4 => (0u64..7).prop_map(Op::Advance),
        1 => (0u8..6).prop_map(Op::ClearEntry),
        1 => Just(Op::Clear),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn ttl_and_clock_eviction_match_the_reference_model(ops in proptest::collection::vec(op(), 1..50)) {
        let clock = MockClock::install();
        bounded::clear();
        // The reference: key -> the run number cached for it.
        let mut model: Model<usize, u8> = Model::with_eviction(Some(TTL), Some(MAX), Eviction::Clock);
        for (step, op) in ops.iter().enumerate() {
            match *op {
                Op::Call(k) => {
                    // A read flags the entry referenced, not its TTL; an expired entry is dropped.
                    let live = model.lookup(&k).copied();
                    let before = RUNS.load(Ordering::SeqCst);
                    let (got_k, run) = bounded(k);
                    prop_assert_eq!(got_k, k);
                    match live {
                        Some(cached) => {
                            prop_assert_eq!(run, cached, "step {}: a live entry is a hit", step);
                        }
                        None => {
                            prop_assert_eq!(run, before, "step {}: a miss runs the function", step);
                            model.insert(k, run);
                        }
                    }
                }
                Op::Advance(s) => {
                    model.advance(s);
                    clock.advance(Duration::from_secs(s));
                }
                Op::ClearEntry(k) => {
                    let expected = model.remove(&k);
                    prop_assert_eq!(bounded::clear_entry(k), expected);
                }
                Op::Clear => {
                    model.clear();
                    bounded::clear();
                }
            }
            // memo has no on_release: what departed is not observable beyond the entry count.
            model.take_departed();
            prop_assert_eq!(bounded::stats().entries, model.len(), "step {}", step);
        }
        MockClock::uninstall();
    }
}

/// Streamlit's `CommonCacheTTLTest.test_ttl`: TTL is measured from the last write.
#[test]
fn test_ttl() {
    static FOO: AtomicUsize = AtomicUsize::new(0);
    static BAR: AtomicUsize = AtomicUsize::new(0);
    #[memo(ttl = "1d")]
    fn foo() -> usize {
        FOO.fetch_add(1, Ordering::SeqCst)
    }
    #[memo(ttl = "2 days")]
    fn bar() -> usize {
        BAR.fetch_add(1, Ordering::SeqCst)
    }
    check_ttl_schedule(foo, bar, &FOO, &BAR);
}

/// The same with `Duration` expressions (`test_ttl_timedelta`).
#[test]
fn test_ttl_timedelta() {
    static FOO: AtomicUsize = AtomicUsize::new(0);
    static BAR: AtomicUsize = AtomicUsize::new(0);
    #[memo(ttl = Duration::from_secs(86_400))]
    fn foo() -> usize {
        FOO.fetch_add(1, Ordering::SeqCst)
    }
    #[memo(ttl = Duration::from_secs(2 * 86_400))]
    fn bar() -> usize {
        BAR.fetch_add(1, Ordering::SeqCst)
    }
    check_ttl_schedule(foo, bar, &FOO, &BAR);
}

fn check_ttl_schedule(
    foo: fn() -> usize,
    bar: fn() -> usize,
    foo_runs: &AtomicUsize,
    bar_runs: &AtomicUsize,
) {
    const DAY: u64 = 86_400;
    let clock = MockClock::install();
    let runs = || {
        (
            foo_runs.load(Ordering::SeqCst),
            bar_runs.load(Ordering::SeqCst),
        )
    };
    foo();
    bar();
    assert_eq!(runs(), (1, 1));
    clock.advance(Duration::from_secs(DAY / 2));
    foo();
    bar();
    assert_eq!(runs(), (1, 1), "0.5 days: both cached");
    clock.advance(Duration::from_secs(DAY));
    foo();
    bar();
    assert_eq!(runs(), (2, 1), "1.5 days: foo expired");
    clock.advance(Duration::from_secs(DAY / 2 + 1));
    foo();
    bar();
    assert_eq!(
        runs(),
        (2, 2),
        "2 days + 1 s: bar expired, foo written at 1.5 days"
    );
    clock.advance(Duration::from_secs(DAY / 2));
    foo();
    bar();
    assert_eq!(runs(), (3, 2), "2.5 days + 1 s: foo expired again");
    MockClock::uninstall();
}

#[test]
fn clock_gives_a_read_entry_a_second_chance() {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    #[memo(max_entries = 2)]
    fn f(x: u8) -> u8 {
        RUNS.fetch_add(1, Ordering::SeqCst);
        x
    }
    let runs = || RUNS.load(Ordering::SeqCst);
    f(1);
    f(2);
    f(1); // 1 is referenced
    f(3); // passes over 1 (unflagging it), evicts 2, never read
    assert_eq!(runs(), 3);
    f(3);
    f(1); // 1 is now the most recently read
    assert_eq!(runs(), 3, "1 and 3 survived");
    f(2); // both read: one pass unflags both, then 1, the first in line, goes
    assert_eq!(runs(), 4, "2 was evicted");
    f(3);
    assert_eq!(
        runs(),
        4,
        "3 survived, though read before 1: exact LRU would have evicted it"
    );
    f(1);
    assert_eq!(runs(), 5, "1 was evicted");
}
