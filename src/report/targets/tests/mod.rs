//! Each target check on made-up results: a run where it is met, one where it is not, and one
//! without the data it needs. Times are derived from the checks' own thresholds.

use std::path::PathBuf;
use std::time::Duration;

use super::*;
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
        mt: Default::default(),
        redis: None,
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
    let t = check(
        singleton_vs_dashmap,
        &[
            (Workload::Scalar, 1, FloorDashMap, floor),
            (Workload::Scalar, 1, Singleton, floor * PEER_FACTOR * 0.9),
            (Workload::ScalarNoArgs, 1, FloorDashMap, floor),
            (
                Workload::ScalarNoArgs,
                1,
                Singleton,
                floor * NO_ARGS_FLOOR_FACTOR * 0.9,
            ),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    assert!(t.measured.contains(&fmt_ratio(PEER_FACTOR * 0.9)), "{t:?}");
    assert!(
        t.measured.contains(&fmt_ratio(NO_ARGS_FLOOR_FACTOR * 0.9)),
        "{t:?}"
    );
}

#[test]
fn singleton_vs_dashmap_without_arguments_is_held_to_the_floor_itself() {
    // Within the factor allowed with arguments, but slower than the no-argument floor.
    let floor = 1e-8;
    let between = floor * (NO_ARGS_FLOOR_FACTOR + PEER_FACTOR) / 2.0;
    let t = check(
        singleton_vs_dashmap,
        &[
            (Workload::ScalarNoArgs, 1, FloorDashMap, floor),
            (Workload::ScalarNoArgs, 1, Singleton, between),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
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
    // Serialized beyond the copy-on-write factor but within its own.
    let serialized = peer * SERIALIZED_PEER_FACTOR * 0.9;
    assert!(serialized > peer * PEER_FACTOR);
    let t = check(
        small_value_memo_vs_peers,
        &[
            (Workload::Scalar, 1, CachedClone, peer),
            (Workload::Scalar, 1, Moka, peer * 10.0),
            (Workload::Scalar, 1, QuickCache, peer / 10.0),
            (Workload::Scalar, 1, MemoSerialized, serialized),
            (Workload::Scalar, 1, MemoCow, peer * PEER_FACTOR * 0.9),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
    let r = |x: f64| fmt_ratio(x);
    assert_eq!(
        t.measured,
        format!(
            "memo-cow / cached-clone: {}; memo-serialized / cached-clone: {}; reported, no aim: \
             memo-cow / moka: {}, memo-cow / quick-cache: {}, memo-serialized / moka: {}, \
             memo-serialized / quick-cache: {}",
            r(PEER_FACTOR * 0.9),
            r(SERIALIZED_PEER_FACTOR * 0.9),
            r(PEER_FACTOR * 0.09),
            r(PEER_FACTOR * 9.0),
            r(SERIALIZED_PEER_FACTOR * 0.09),
            r(SERIALIZED_PEER_FACTOR * 9.0),
        )
    );
}

#[test]
fn small_value_memo_vs_peers_not_met_when_serialized_exceeds_its_factor() {
    let peer = 1e-7;
    let t = check(
        small_value_memo_vs_peers,
        &[
            (Workload::Scalar, 1, CachedClone, peer),
            (
                Workload::Scalar,
                1,
                MemoSerialized,
                peer * SERIALIZED_PEER_FACTOR * 1.1,
            ),
            (Workload::Scalar, 1, MemoCow, peer),
        ],
    );
    assert_eq!(t.met, Some(false), "{t:?}");
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
    // The other peers are figures without an aim: no verdict without `cached`.
    let t = check(
        small_value_memo_vs_peers,
        &[
            (Workload::Scalar, 1, MemoCow, 1e-7),
            (Workload::Scalar, 1, Moka, 1e-7),
        ],
    );
    assert_eq!(t.met, None, "{t:?}");
    assert!(t.measured.starts_with("reported, no aim: memo-cow / moka"));
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
fn singleton_no_args_vs_once_met_when_slower_within_the_factor() {
    let t = check(
        singleton_no_args_vs_once,
        &[
            (Workload::ScalarNoArgs, 1, CachedOnce, 1e-8),
            (
                Workload::ScalarNoArgs,
                1,
                Singleton,
                1e-8 * ONCE_FACTOR * 0.9,
            ),
        ],
    );
    assert_eq!(t.met, Some(true), "{t:?}");
}

#[test]
fn singleton_no_args_vs_once_not_met_beyond_the_factor() {
    let t = check(
        singleton_no_args_vs_once,
        &[
            (Workload::ScalarNoArgs, 1, CachedOnce, 1e-8),
            (
                Workload::ScalarNoArgs,
                1,
                Singleton,
                1e-8 * ONCE_FACTOR * 1.1,
            ),
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
        format!("singleton / cached-arc: {r}; reported, no aim: singleton / moka: {r}")
    );
}

#[test]
fn singleton_small_args_vs_peers_not_met_beyond_the_factor() {
    let peer = 1e-7;
    let t = check(
        singleton_small_args_vs_peers,
        &[
            (Workload::Scalar, 1, CachedArc, peer),
            // Far ahead of a slow peer does not make up for the aim against `cached`.
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
    let empty = run_with(&[], &[]);
    let all = targets(&empty);
    assert_eq!(
        all.len(),
        CHECKS.len() + super::super::redis::targets(&empty).len()
    );
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

mod asynchronous;
mod mt;
mod redis;
