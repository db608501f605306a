//! Each target check on made-up results: a run where it is met, one where it is not, and one
//! without the data it needs. Times are derived from the checks' own thresholds.

use std::path::PathBuf;
use std::time::Duration;

use super::asynchronous::{
    ASYNC_OVERHEAD_MAX, async_hit_overhead, async_hit_vs_cached_async, async_hit_vs_moka_future,
    stampede_single_flight,
};
use super::*;
use crate::async_suite::{Contender, Stampede, TASKS};
use crate::machine::Environment;
use crate::measure::Timing;
use crate::suite::{Config, Input, Row};
use crate::variants::Variant::*;

const W1: Workload = Workload::Frame { str_len: 12 };
const HASHED: Workload = Workload::FrameArg { hashed: true };
const MILLION: usize = 1_000_000;
const SMALL: usize = 1_000;

fn timing(median: f64) -> Timing {
    Timing {
        median,
        min: median,
        max: median,
        samples: 5,
        batch: 1,
    }
}

/// A run with these median hit times and these inputs (workload, size, `estimated_size()`).
fn run_with(
    hits: &[(Workload, usize, Variant, f64)],
    inputs: &[(Workload, usize, usize)],
) -> Results {
    Results {
        env: Environment::detect("test"),
        config: Config::tiny(PathBuf::from("unused")),
        rows: hits
            .iter()
            .map(|&(workload, size, variant, t)| Row {
                workload,
                size,
                variant,
                hit: timing(t),
                miss: None,
                all_hits: true,
            })
            .collect(),
        inputs: inputs
            .iter()
            .map(|&(workload, size, bytes)| Input {
                workload,
                size,
                estimated_bytes: Some(bytes),
                serialized_bytes: bytes,
                bare: timing(1e-3),
            })
            .collect(),
        blind_spots: Vec::new(),
        arg_blind_spots: Vec::new(),
        stampedes: Vec::new(),
        elapsed: Duration::ZERO,
        load_at_end: None,
    }
}

fn check(f: fn(&Results) -> Target, hits: &[(Workload, usize, Variant, f64)]) -> Target {
    f(&run_with(hits, &[]))
}

fn assert_not_measured(t: &Target) {
    assert_eq!(t.met, None, "{t:?}");
    assert_eq!(t.measured, "not measured in this run");
}

// 1. Singleton and memo copy-on-write vs the legacy full check on the 1M-row frame.

#[test]
fn shared_vs_legacy_full_met_at_the_million_row_frame() {
    let legacy = 1e-3;
    let fast = legacy / (SHARED_SPEEDUP * 2.0);
    let t = check(
        shared_vs_legacy_full,
        &[
            (W1, MILLION, LegacyFull, legacy),
            (W1, MILLION, Singleton, fast),
            (W1, MILLION, MemoCow, fast),
            // A smaller frame is not what the target is about, however slow.
            (W1, SMALL, LegacyFull, legacy),
            (W1, SMALL, Singleton, legacy),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert!(
        t.measured.contains(&format!(
            "1,000,000 rows singleton: {}",
            fmt_ratio(SHARED_SPEEDUP * 2.0)
        )),
        "{t:?}"
    );
    assert!(
        t.measured
            .contains(&format!("memo-cow: {}", fmt_ratio(SHARED_SPEEDUP * 2.0))),
        "{t:?}"
    );
    assert!(!t.measured.contains("1,000 rows"), "{t:?}");
}

#[test]
fn shared_vs_legacy_full_not_met_when_one_falls_short() {
    let legacy = 1e-3;
    let t = check(
        shared_vs_legacy_full,
        &[
            (W1, MILLION, LegacyFull, legacy),
            (W1, MILLION, Singleton, legacy / (SHARED_SPEEDUP * 2.0)),
            (W1, MILLION, MemoCow, legacy / (SHARED_SPEEDUP / 2.0)),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn shared_vs_legacy_full_needs_the_legacy_baseline() {
    let t = check(
        shared_vs_legacy_full,
        &[(W1, MILLION, Singleton, 1e-7), (W1, MILLION, MemoCow, 1e-7)],
    );
    assert_not_measured(&t);
}

// 2. Memo serialized vs the legacy full check: aim on W2, figures only on W1.

#[test]
fn memo_serialized_vs_legacy_full_met_on_the_largest_w2() {
    let legacy = 1e-2;
    let t = check(
        memo_serialized_vs_legacy_full,
        &[
            (Workload::Records, SMALL, LegacyFull, legacy),
            (Workload::Records, SMALL, MemoSerialized, legacy),
            (Workload::Records, MILLION, LegacyFull, legacy),
            (
                Workload::Records,
                MILLION,
                MemoSerialized,
                legacy / (CLAIM * 2.0),
            ),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert!(
        t.measured
            .contains(&format!("1,000,000 records: {}", fmt_ratio(CLAIM * 2.0))),
        "{t:?}"
    );
}

#[test]
fn memo_serialized_vs_legacy_full_not_met_below_the_claim() {
    let legacy = 1e-2;
    let t = check(
        memo_serialized_vs_legacy_full,
        &[
            (Workload::Records, MILLION, LegacyFull, legacy),
            (
                Workload::Records,
                MILLION,
                MemoSerialized,
                legacy / (CLAIM / 2.0),
            ),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn memo_serialized_vs_legacy_full_w1_alone_is_reported_without_a_verdict() {
    let t = check(
        memo_serialized_vs_legacy_full,
        &[
            (W1, MILLION, LegacyFull, 1e-3),
            (W1, MILLION, MemoSerialized, 1e-3),
        ],
    );
    assert_eq!(t.met, None, "{t:?}");
    assert!(t.measured.starts_with("W1 (reported, no aim): "), "{t:?}");
    assert_not_measured(&check(memo_serialized_vs_legacy_full, &[]));
}

// 3. Memo serialized vs the bare decode.

#[test]
fn memo_serialized_vs_decode_met_within_the_factor() {
    let floor = 1e-3;
    let t = check(
        memo_serialized_vs_decode,
        &[
            (W1, MILLION, FloorDecode, floor),
            (W1, MILLION, MemoSerialized, floor * DECODE_FACTOR * 0.9),
            (Workload::Records, MILLION, FloorDecode, floor),
            (Workload::Records, MILLION, MemoSerialized, floor),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert!(
        t.measured.contains(&format!(
            "(fastest samples: {})",
            fmt_ratio(DECODE_FACTOR * 0.9)
        )),
        "{t:?}"
    );
    assert!(
        t.measured
            .contains(&format!("1,000,000 records: {}", fmt_ratio(1.0))),
        "{t:?}"
    );
}

#[test]
fn memo_serialized_vs_decode_not_met_beyond_the_factor() {
    let floor = 1e-3;
    let t = check(
        memo_serialized_vs_decode,
        &[
            (W1, MILLION, FloorDecode, floor),
            (W1, MILLION, MemoSerialized, floor),
            (Workload::Records, MILLION, FloorDecode, floor),
            (
                Workload::Records,
                MILLION,
                MemoSerialized,
                floor * DECODE_FACTOR * 1.1,
            ),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn memo_serialized_vs_decode_needs_the_floor() {
    let t = check(
        memo_serialized_vs_decode,
        &[
            (W1, MILLION, MemoSerialized, 1e-3),
            (Workload::Records, MILLION, MemoSerialized, 1e-3),
        ],
    );
    assert_not_measured(&t);
}

// 4. Singleton vs its DashMap floor.

#[test]
fn singleton_vs_dashmap_met_with_and_without_arguments() {
    let floor = 1e-8;
    let near = floor * PEER_FACTOR * 0.9;
    let t = check(
        singleton_vs_dashmap,
        &[
            (Workload::Scalar, 1, FloorDashMap, floor),
            (Workload::Scalar, 1, Singleton, near),
            (Workload::ScalarNoArgs, 1, FloorDashMap, floor),
            (Workload::ScalarNoArgs, 1, Singleton, near),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert_eq!(
        t.measured.matches(&fmt_ratio(PEER_FACTOR * 0.9)).count(),
        2,
        "{t:?}"
    );
}

#[test]
fn singleton_vs_dashmap_not_met_when_one_case_is_slow() {
    let floor = 1e-8;
    let t = check(
        singleton_vs_dashmap,
        &[
            (W1, MILLION, FloorDashMap, floor),
            (W1, MILLION, Singleton, floor),
            (Workload::ScalarNoArgs, 1, FloorDashMap, floor),
            (
                Workload::ScalarNoArgs,
                1,
                Singleton,
                floor * PEER_FACTOR * 1.1,
            ),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn singleton_vs_dashmap_needs_the_floor() {
    let t = check(
        singleton_vs_dashmap,
        &[(Workload::Scalar, 1, Singleton, 1e-8)],
    );
    assert_not_measured(&t);
}

// 5. Small-value memo hits vs `cached` and `moka`.

#[test]
fn small_value_memo_vs_peers_met_for_both_storages() {
    let peer = 1e-7;
    let t = check(
        small_value_memo_vs_peers,
        &[
            (Workload::Scalar, 1, CachedClone, peer),
            (Workload::Scalar, 1, Moka, peer),
            (
                Workload::Scalar,
                1,
                MemoSerialized,
                peer * PEER_FACTOR * 0.9,
            ),
            (Workload::Scalar, 1, MemoCow, peer),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert_eq!(t.measured.split("; ").count(), 4, "{t:?}");
    assert!(
        t.measured.contains(&format!(
            "memo-serialized / moka: {}",
            fmt_ratio(PEER_FACTOR * 0.9)
        )),
        "{t:?}"
    );
}

#[test]
fn small_value_memo_vs_peers_not_met_when_one_storage_is_slow() {
    let peer = 1e-7;
    let t = check(
        small_value_memo_vs_peers,
        &[
            (Workload::Scalar, 1, CachedClone, peer),
            (Workload::Scalar, 1, MemoSerialized, peer),
            (Workload::Scalar, 1, MemoCow, peer * PEER_FACTOR * 1.1),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn small_value_memo_vs_peers_needs_a_peer() {
    let t = check(
        small_value_memo_vs_peers,
        &[
            (Workload::Scalar, 1, MemoSerialized, 1e-7),
            (Workload::Scalar, 1, MemoCow, 1e-7),
        ],
    );
    assert_not_measured(&t);
}

// 6. Copy-on-write hit time.

#[test]
fn cow_hit_time_met_at_every_size() {
    let t = check(
        cow_hit_time,
        &[
            (W1, SMALL, MemoCow, COW_HIT_MAX / 2.0),
            (W1, MILLION, MemoCow, COW_HIT_MAX / 2.0),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert_eq!(
        t.measured.matches(&fmt_time(COW_HIT_MAX / 2.0)).count(),
        2,
        "{t:?}"
    );
}

#[test]
fn cow_hit_time_not_met_when_one_size_is_slow() {
    let t = check(
        cow_hit_time,
        &[
            (W1, SMALL, MemoCow, COW_HIT_MAX / 2.0),
            (W1, MILLION, MemoCow, COW_HIT_MAX * 2.0),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn cow_hit_time_needs_a_cow_row() {
    let t = check(cow_hit_time, &[(W1, MILLION, Singleton, 1e-7)]);
    assert_not_measured(&t);
}

// 7. Key hashing throughput of a frame argument.

#[test]
fn frame_key_hash_throughput_met_above_the_rate() {
    let bytes = 64_000_000;
    let t = run_with(
        &[(
            HASHED,
            MILLION,
            FloorKeyHash,
            bytes as f64 / (KEY_HASH_GBPS * 2.0 * 1e9),
        )],
        &[(HASHED, MILLION, bytes)],
    );
    let t = frame_key_hash_throughput(&t);
    assert_eq!(t.met, Some(true), "{t:?}");
    assert!(
        t.measured.contains(&format!(
            "for {} → {:.2} GB/s",
            fmt_bytes(bytes),
            KEY_HASH_GBPS * 2.0
        )),
        "{t:?}"
    );
}

#[test]
fn frame_key_hash_throughput_not_met_below_the_rate() {
    let bytes = 64_000_000;
    let t = run_with(
        &[(
            HASHED,
            MILLION,
            FloorKeyHash,
            bytes as f64 / (KEY_HASH_GBPS / 2.0 * 1e9),
        )],
        &[(HASHED, MILLION, bytes)],
    );
    let t = frame_key_hash_throughput(&t);
    assert_eq!(t.met, Some(false), "{t:?}");
    assert!(
        t.measured
            .contains(&format!("→ {:.2} GB/s", KEY_HASH_GBPS / 2.0)),
        "{t:?}"
    );
}

#[test]
fn frame_key_hash_throughput_needs_the_input_size() {
    // The hash was timed but the frame's size is unknown: no rate to compare.
    let t = check(
        frame_key_hash_throughput,
        &[(HASHED, MILLION, FloorKeyHash, 1e-3)],
    );
    assert_not_measured(&t);
}

// 8. Singleton without arguments vs `cached` `#[once]`.

#[test]
fn singleton_no_args_vs_once_met_when_as_fast() {
    let t = check(
        singleton_no_args_vs_once,
        &[
            (Workload::ScalarNoArgs, 1, CachedOnce, 1e-8),
            (Workload::ScalarNoArgs, 1, Singleton, 1e-8),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert_eq!(
        t.measured,
        format!("singleton / cached-once: {}", fmt_ratio(1.0))
    );
}

#[test]
fn singleton_no_args_vs_once_not_met_when_slower() {
    let t = check(
        singleton_no_args_vs_once,
        &[
            (Workload::ScalarNoArgs, 1, CachedOnce, 1e-8),
            (Workload::ScalarNoArgs, 1, Singleton, 1.1e-8),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn singleton_no_args_vs_once_needs_once() {
    let t = check(
        singleton_no_args_vs_once,
        &[(Workload::ScalarNoArgs, 1, Singleton, 1e-8)],
    );
    assert_not_measured(&t);
}

// 9. Singleton with a small hashed argument vs `cached` (Arc) and `moka`.

#[test]
fn singleton_small_args_vs_peers_met_within_the_factor() {
    let peer = 1e-7;
    let t = check(
        singleton_small_args_vs_peers,
        &[
            (Workload::Scalar, 1, CachedArc, peer),
            (Workload::Scalar, 1, Moka, peer),
            (Workload::Scalar, 1, Singleton, peer * PEER_FACTOR * 0.9),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    let r = fmt_ratio(PEER_FACTOR * 0.9);
    assert_eq!(
        t.measured,
        format!("singleton / cached-arc: {r}; singleton / moka: {r}")
    );
}

#[test]
fn singleton_small_args_vs_peers_not_met_beyond_the_factor() {
    let peer = 1e-7;
    let t = check(
        singleton_small_args_vs_peers,
        &[
            (Workload::Scalar, 1, CachedArc, peer),
            (Workload::Scalar, 1, Moka, peer * 2.0 * PEER_FACTOR),
            (Workload::Scalar, 1, Singleton, peer * PEER_FACTOR * 1.1),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn singleton_small_args_vs_peers_needs_a_peer() {
    let t = check(
        singleton_small_args_vs_peers,
        &[(Workload::Scalar, 1, Singleton, 1e-7)],
    );
    assert_not_measured(&t);
}

// The table as a whole.

#[test]
fn every_target_is_listed_once_and_unmeasured_without_data() {
    let all = targets(&run_with(&[], &[]));
    assert_eq!(all.len(), CHECKS.len());
    for (i, t) in all.iter().enumerate() {
        assert_not_measured(t);
        assert!(
            all[..i].iter().all(|u| u.goal != t.goal),
            "duplicate goal {:?}",
            t.goal
        );
    }
}

#[test]
fn the_claim_holds_from_ten_times_faster_and_never_for_legacy_rows() {
    let legacy = 1e-3;
    let r = run_with(
        &[
            (W1, MILLION, LegacySampled, legacy),
            (W1, MILLION, MemoSerialized, legacy / (CLAIM * 1.1)),
            (W1, MILLION, MemoCow, legacy / (CLAIM * 0.9)),
            (Workload::Records, MILLION, MemoSerialized, 1e-9),
        ],
        &[],
    );
    let at = |w, v| r.row(w, MILLION, v).unwrap();
    assert_eq!(
        claim_holds(&r, at(W1, MemoSerialized), LegacySampled),
        Some(true)
    );
    assert_eq!(claim_holds(&r, at(W1, MemoCow), LegacySampled), Some(false));
    assert_eq!(claim_holds(&r, at(W1, LegacySampled), LegacySampled), None);
    // No legacy baseline for this call.
    assert_eq!(claim_holds(&r, at(W1, MemoSerialized), LegacyFull), None);
    let records = at(Workload::Records, MemoSerialized);
    assert_eq!(claim_holds(&r, records, LegacySampled), None);
}

// 10-13. The async targets (W3, same run) and single flight under concurrent misses.

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
