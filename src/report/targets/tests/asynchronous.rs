//! 10-13. The async targets (W3, same run) and single flight under concurrent misses.

use super::*;
use crate::async_suite::{Contender, Stampede, TASKS};
use crate::report::targets::asynchronous::{
    ASYNC_OVERHEAD_MAX, async_hit_overhead, async_hit_vs_cached_async, async_hit_vs_moka_future,
    stampede_single_flight,
};

const W3: Workload = Workload::Scalar;

#[test]
fn async_hit_vs_cached_async_met_within_the_factor() {
    let cached = 200e-9;
    let t = check(
        async_hit_vs_cached_async,
        &[
            (W3, 1, CachedAsync, cached),
            (W3, 1, MemoAsync, cached * PEER_FACTOR * 0.9),
            (W3, 1, SingletonAsync, cached * 0.5),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert!(t.measured.contains("memo-async / cached-async"), "{t:?}");
    assert!(
        t.measured.contains("singleton-async / cached-async"),
        "{t:?}"
    );
}

#[test]
fn async_hit_vs_cached_async_not_met_beyond_the_factor() {
    let cached = 200e-9;
    let t = check(
        async_hit_vs_cached_async,
        &[
            (W3, 1, CachedAsync, cached),
            (W3, 1, MemoAsync, cached * PEER_FACTOR * 1.1),
            (W3, 1, SingletonAsync, cached * 0.5),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn async_hit_vs_cached_async_needs_the_peer() {
    assert_not_measured(&check(
        async_hit_vs_cached_async,
        &[(W3, 1, MemoAsync, 1e-7), (W3, 1, SingletonAsync, 1e-7)],
    ));
}

#[test]
fn async_hit_vs_moka_future_met_only_when_faster() {
    let moka = 230e-9;
    let met = check(
        async_hit_vs_moka_future,
        &[
            (W3, 1, MokaFuture, moka),
            (W3, 1, MemoAsync, moka * 0.99),
            (W3, 1, SingletonAsync, moka * 0.5),
        ],
    );
    assert_eq!(met.met, Some(true), "{met:?}");
    // As fast is not faster.
    let equal = check(
        async_hit_vs_moka_future,
        &[
            (W3, 1, MokaFuture, moka),
            (W3, 1, MemoAsync, moka),
            (W3, 1, SingletonAsync, moka * 0.5),
        ],
    );
    assert_eq!(equal.met, Some(false), "{equal:?}");
    assert_not_measured(&check(
        async_hit_vs_moka_future,
        &[(W3, 1, MemoAsync, moka)],
    ));
}

#[test]
fn async_hit_overhead_is_the_difference_with_the_blocking_twin() {
    let sync = 100e-9;
    let met = check(
        async_hit_overhead,
        &[
            (W3, 1, MemoSerialized, sync),
            (W3, 1, MemoAsync, sync + ASYNC_OVERHEAD_MAX * 0.9),
            (W3, 1, Singleton, sync),
            // Faster than its twin: a negative overhead, shown with its sign.
            (W3, 1, SingletonAsync, sync - ASYNC_OVERHEAD_MAX),
        ],
    );
    assert_eq!(met.met, Some(true), "{met:?}");
    // Made-up timings have min = median, so the fastest samples differ by as much.
    let below = fmt_time(sync - (sync - ASYNC_OVERHEAD_MAX));
    assert!(
        met.measured
            .contains(&format!("= −{below} (fastest samples: −{below})")),
        "{met:?}"
    );
    let missed = check(
        async_hit_overhead,
        &[
            (W3, 1, MemoSerialized, sync),
            (W3, 1, MemoAsync, sync + ASYNC_OVERHEAD_MAX * 1.5),
        ],
    );
    assert_eq!(missed.met, Some(false), "{missed:?}");
    // The twin on another workload is not the same call.
    assert_not_measured(&check(
        async_hit_overhead,
        &[(W1, SMALL, MemoSerialized, sync), (W3, 1, MemoAsync, sync)],
    ));
}

fn stampede(contender: Contender, body_runs: Vec<u64>, values_correct: bool) -> Stampede {
    Stampede {
        contender,
        tasks: TASKS,
        workers: 2,
        time: timing(2e-3),
        body_runs,
        values_correct,
    }
}

fn with_stampedes(stampedes: Vec<Stampede>) -> Target {
    let mut r = run_with(&[], &[]);
    r.stampedes = stampedes;
    stampede_single_flight(&r)
}

#[test]
fn single_flight_met_when_ours_and_moka_ran_once_whatever_cached_did() {
    let t = with_stampedes(vec![
        stampede(Contender::MemoAsync, vec![1, 1, 1], true),
        stampede(Contender::SingletonAsync, vec![1, 1], true),
        stampede(Contender::CachedSyncWrites, vec![3, 7], true),
        stampede(Contender::MokaGetWith, vec![1], true),
    ]);
    assert_eq!(t.met, Some(true), "{t:?}");
    assert!(
        t.measured
            .contains("cached-async sync_writes: body ran 3–7×"),
        "{t:?}"
    );
    assert!(t.measured.contains("memo-async: body ran 1×"), "{t:?}");
}

#[test]
fn single_flight_not_met_on_a_second_run_or_a_wrong_value() {
    let twice = with_stampedes(vec![stampede(Contender::MemoAsync, vec![1, 2, 1], true)]);
    assert_eq!(twice.met, Some(false), "{twice:?}");
    let moka_twice = with_stampedes(vec![stampede(Contender::MokaGetWith, vec![2], true)]);
    assert_eq!(moka_twice.met, Some(false), "{moka_twice:?}");
    let wrong = with_stampedes(vec![stampede(Contender::SingletonAsync, vec![1], false)]);
    assert_eq!(wrong.met, Some(false), "{wrong:?}");
    assert!(wrong.measured.contains("wrong value"), "{wrong:?}");
    // No round at all is not single flight.
    assert!(!stampede(Contender::MemoAsync, vec![], true).single_flight());
}

#[test]
fn single_flight_not_measured_with_cached_alone() {
    let t = with_stampedes(vec![stampede(Contender::CachedByKey, vec![1], true)]);
    assert_eq!(t.met, None, "{t:?}");
    assert!(
        t.measured.contains("cached-async sync_writes by_key"),
        "{t:?}"
    );
}
