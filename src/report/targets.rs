//! The performance targets, one check function per row of the targets table, each evaluated on
//! a run's results.

use super::format::{at, fmt_bytes, fmt_ratio};
use super::lookup::{largest, million, sizes, w1_workloads};
use crate::measure::fmt_time;
use crate::suite::{Results, Row};
use crate::variants::{Role, Variant, Workload};

/// The speedup over the legacy cache that the claim "memo is over 10× faster than `st.cache`"
/// is about.
pub const CLAIM: f64 = 10.0;

/// Whether `row` is at least [`CLAIM`] times faster than the legacy `baseline` for the same call;
/// `None` for a legacy row (a baseline itself) or without a baseline measurement.
pub(super) fn claim_holds(results: &Results, row: &Row, baseline: Variant) -> Option<bool> {
    if row.variant.role() == Role::Legacy {
        return None;
    }
    results.speedup(row, baseline).map(|r| r >= CLAIM)
}

/// Singleton and memo copy-on-write against the legacy full check on a 1M-row frame: at least
/// this many times faster.
const SHARED_SPEEDUP: f64 = 1000.0;
/// Memo serialized against its decode floor: at most this many times slower.
const DECODE_FACTOR: f64 = 1.3;
/// Singleton against its `DashMap` floor with arguments, memo copy-on-write and singleton
/// small-value hits against `cached`: at most this many times slower.
const PEER_FACTOR: f64 = 1.5;
/// Memo serialized `u64` hit against `cached` `#[cached]`: at most this many times slower (it
/// decodes on every hit).
const SERIALIZED_PEER_FACTOR: f64 = 2.0;
/// Singleton without arguments against `cached` `#[once]`: at most this many times slower.
const ONCE_FACTOR: f64 = 1.2;
/// Singleton without arguments against its `DashMap` floor: no slower.
const NO_ARGS_FLOOR_FACTOR: f64 = 1.0;
/// A copy-on-write frame hit takes less than this, in seconds, at any size.
const COW_HIT_MAX: f64 = 1e-6;
/// Hashing a frame argument reaches at least this throughput, in GB/s of `estimated_size()`.
const KEY_HASH_GBPS: f64 = 2.0;

/// One performance target, evaluated on this run.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What the target asks.
    pub goal: String,
    /// What was measured.
    pub measured: String,
    /// `Some(true)` met, `Some(false)` not met, `None` not measured in this run.
    pub met: Option<bool>,
}

/// Evaluates every target on this run, in table order.
pub fn targets(results: &Results) -> Vec<Target> {
    CHECKS
        .iter()
        .map(|check| check(results))
        .chain(super::redis::targets(results))
        .collect()
}

/// The checks, one per row of the targets table, in table order.
const CHECKS: [fn(&Results) -> Target; 15] = [
    shared_vs_legacy_full,
    memo_serialized_vs_legacy_full,
    memo_serialized_vs_decode,
    singleton_vs_dashmap,
    small_value_memo_vs_peers,
    cow_hit_time,
    frame_key_hash_throughput,
    singleton_no_args_vs_once,
    singleton_small_args_vs_peers,
    mt::two_thread_scaling,
    mt::ahead_of_peers_at_two_threads,
    asynchronous::async_hit_vs_cached_async,
    asynchronous::async_hit_vs_moka_future,
    asynchronous::async_hit_overhead,
    asynchronous::stampede_single_flight,
];

/// What one check found: a text per measured case and, for cases with an aim, whether it was met.
#[derive(Default)]
pub(super) struct Evidence {
    measured: Vec<String>,
    met: Vec<bool>,
}

impl Evidence {
    /// A case with an aim.
    pub(super) fn case(&mut self, text: String, met: bool) {
        self.measured.push(text);
        self.met.push(met);
    }

    /// A figure reported without an aim.
    pub(super) fn note(&mut self, text: String) {
        self.measured.push(text);
    }

    /// The target: met when every case with an aim was met, not measured without such a case.
    pub(super) fn target(self, goal: &str) -> Target {
        Target {
            goal: goal.to_string(),
            measured: if self.measured.is_empty() {
                "not measured in this run".into()
            } else {
                self.measured.join("; ")
            },
            met: (!self.met.is_empty()).then(|| self.met.iter().all(|&m| m)),
        }
    }
}

/// `a` at most `factor` times `b`: the measured ratio a/b and whether it is within.
fn within(
    results: &Results,
    w: Workload,
    size: usize,
    a: Variant,
    b: Variant,
    factor: f64,
) -> Option<(f64, bool)> {
    let (ta, tb) = (results.hit(w, size, a)?, results.hit(w, size, b)?);
    let r = ta / tb;
    Some((r, r <= factor))
}

/// W1 workloads with their size closest to one million rows.
fn w1_at_million(results: &Results) -> Vec<(Workload, usize)> {
    w1_workloads(results)
        .into_iter()
        .filter_map(|w| Some((w, million(results, w)?)))
        .collect()
}

/// Singleton and memo copy-on-write hits on a 1M-row frame against the legacy full check.
fn shared_vs_legacy_full(results: &Results) -> Target {
    let mut e = Evidence::default();
    for (w, size) in w1_at_million(results) {
        for v in [Variant::Singleton, Variant::MemoCow] {
            if let Some(row) = results.row(w, size, v)
                && let Some(r) = results.speedup(row, Variant::LegacyFull)
            {
                e.case(
                    format!("{} {}: {}", at(w, size), v.id(), fmt_ratio(r)),
                    r >= SHARED_SPEEDUP,
                );
            }
        }
    }
    e.target(
        "Singleton and memo copy-on-write hits on a 1M-row frame ≥ 1,000× faster than the legacy full check",
    )
}

/// Memo serialized against the legacy full check: an aim on the largest W2 size, figures only on
/// W1.
fn memo_serialized_vs_legacy_full(results: &Results) -> Target {
    let mut e = Evidence::default();
    if let Some(size) = largest(results, Workload::Records)
        && let Some(row) = results.row(Workload::Records, size, Variant::MemoSerialized)
        && let Some(r) = results.speedup(row, Variant::LegacyFull)
    {
        e.case(
            format!("{}: {}", at(Workload::Records, size), fmt_ratio(r)),
            r >= CLAIM,
        );
    }
    let mut w1_notes = Vec::new();
    for w in w1_workloads(results) {
        for size in sizes(results, w) {
            if let Some(row) = results.row(w, size, Variant::MemoSerialized)
                && let Some(r) = results.speedup(row, Variant::LegacyFull)
            {
                w1_notes.push(format!("{}: {}", at(w, size), fmt_ratio(r)));
            }
        }
    }
    if !w1_notes.is_empty() {
        e.note(format!("W1 (reported, no aim): {}", w1_notes.join(", ")));
    }
    e.target("Memo serialized hit vs legacy full check: ≥ 10× on W2 (aim); ratio reported on W1")
}

/// Memo serialized against the bare decode of the same bytes, on 1M-row frames and the largest
/// W2 size.
fn memo_serialized_vs_decode(results: &Results) -> Target {
    let mut e = Evidence::default();
    let mut cases = w1_at_million(results);
    if let Some(size) = largest(results, Workload::Records) {
        cases.push((Workload::Records, size));
    }
    for (w, size) in cases {
        if let Some((r, good)) = within(
            results,
            w,
            size,
            Variant::MemoSerialized,
            Variant::FloorDecode,
            DECODE_FACTOR,
        ) {
            // Large allocations make these distributions wide (fresh pages or reused ones), so
            // the ratio of the fastest samples is shown beside the ratio of medians.
            let fastest = match (
                results.row(w, size, Variant::MemoSerialized),
                results.row(w, size, Variant::FloorDecode),
            ) {
                (Some(a), Some(b)) => {
                    format!(" (fastest samples: {})", fmt_ratio(a.hit.min / b.hit.min))
                }
                _ => String::new(),
            };
            e.case(format!("{}: {}{fastest}", at(w, size), fmt_ratio(r)), good);
        }
    }
    e.target("Memo serialized hit within 1.3× of the bare bincode decode of the same value")
}

/// Singleton against its floor (`DashMap::get` + `Arc::clone`), on 1M-row frames and W3.
fn singleton_vs_dashmap(results: &Results) -> Target {
    let mut e = Evidence::default();
    let mut cases = w1_at_million(results);
    cases.push((Workload::Scalar, 1));
    cases.push((Workload::ScalarNoArgs, 1));
    for (w, size) in cases {
        let factor = if w == Workload::ScalarNoArgs {
            NO_ARGS_FLOOR_FACTOR
        } else {
            PEER_FACTOR
        };
        if let Some((r, good)) = within(
            results,
            w,
            size,
            Variant::Singleton,
            Variant::FloorDashMap,
            factor,
        ) {
            e.case(format!("{}: {}", at(w, size), fmt_ratio(r)), good);
        }
    }
    e.target(
        "Singleton hit vs the floor (bare DashMap get + Arc::clone): ≤ 1.0× without arguments, ≤ 1.5× with",
    )
}

/// Both memo storages against `cached` on the `u64 -> u64` function (aims), and against the
/// other peers (figures only).
fn small_value_memo_vs_peers(results: &Results) -> Target {
    let mut e = Evidence::default();
    for (memo, factor) in [
        (Variant::MemoCow, PEER_FACTOR),
        (Variant::MemoSerialized, SERIALIZED_PEER_FACTOR),
    ] {
        if let Some((r, good)) = within(
            results,
            Workload::Scalar,
            1,
            memo,
            Variant::CachedClone,
            factor,
        ) {
            e.case(
                format!(
                    "{} / {}: {}",
                    memo.id(),
                    Variant::CachedClone.id(),
                    fmt_ratio(r)
                ),
                good,
            );
        }
    }
    peer_notes(
        &mut e,
        results,
        &[Variant::MemoCow, Variant::MemoSerialized],
    );
    e.target(
        "Small value hit (`u64 -> u64`) vs `cached` `#[cached]`: memo copy-on-write ≤ 1.5×, memo serialized ≤ 2×",
    )
}

/// Figures without an aim: `ours` against `moka` and `quick_cache` on the `u64 -> u64` hit.
fn peer_notes(e: &mut Evidence, results: &Results, ours: &[Variant]) {
    let mut notes = Vec::new();
    for &v in ours {
        for peer in [Variant::Moka, Variant::QuickCache] {
            if let Some((r, _)) = within(results, Workload::Scalar, 1, v, peer, 1.0) {
                notes.push(format!("{} / {}: {}", v.id(), peer.id(), fmt_ratio(r)));
            }
        }
    }
    if !notes.is_empty() {
        e.note(format!("reported, no aim: {}", notes.join(", ")));
    }
}

/// Memo copy-on-write hit time on every measured W1 frame.
fn cow_hit_time(results: &Results) -> Target {
    let mut e = Evidence::default();
    for w in w1_workloads(results) {
        for size in sizes(results, w) {
            if let Some(t) = results.hit(w, size, Variant::MemoCow) {
                e.case(format!("{}: {}", at(w, size), fmt_time(t)), t < COW_HIT_MAX);
            }
        }
    }
    e.target("Memo copy-on-write frame hit under 1 µs at any size")
}

/// `KeyHash` throughput on every measured hashed W4 frame.
fn frame_key_hash_throughput(results: &Results) -> Target {
    let mut e = Evidence::default();
    let hashed = Workload::FrameArg { hashed: true };
    for size in sizes(results, hashed) {
        if let (Some(t), Some(input)) = (
            results.hit(hashed, size, Variant::FloorKeyHash),
            results.input(hashed, size),
        ) && let Some(bytes) = input.estimated_bytes
        {
            let gbps = bytes as f64 / t / 1e9;
            e.case(
                format!(
                    "{}: {} for {} → {gbps:.2} GB/s",
                    at(hashed, size),
                    fmt_time(t),
                    fmt_bytes(bytes)
                ),
                gbps >= KEY_HASH_GBPS,
            );
        }
    }
    e.target("Hashing a 1M-row frame argument (`KeyHash`) ≥ 2 GB/s of `estimated_size()`")
}

/// Singleton without arguments against `cached` `#[once]`: no slower.
fn singleton_no_args_vs_once(results: &Results) -> Target {
    let mut e = Evidence::default();
    if let Some((r, good)) = within(
        results,
        Workload::ScalarNoArgs,
        1,
        Variant::Singleton,
        Variant::CachedOnce,
        ONCE_FACTOR,
    ) {
        e.case(format!("singleton / cached-once: {}", fmt_ratio(r)), good);
    }
    e.target("Singleton hit with no arguments ≤ 1.2× `cached` `#[once]`")
}

/// Singleton with a small hashed argument against `cached` returning an `Arc` (aim), and
/// against the other peers (figures only).
fn singleton_small_args_vs_peers(results: &Results) -> Target {
    let mut e = Evidence::default();
    if let Some((r, good)) = within(
        results,
        Workload::Scalar,
        1,
        Variant::Singleton,
        Variant::CachedArc,
        PEER_FACTOR,
    ) {
        e.case(format!("singleton / cached-arc: {}", fmt_ratio(r)), good);
    }
    peer_notes(&mut e, results, &[Variant::Singleton]);
    e.target("Singleton hit with a `u64` argument ≤ 1.5× `cached` `#[cached]` returning an `Arc`")
}

mod asynchronous;
mod mt;
#[cfg(test)]
mod tests;
