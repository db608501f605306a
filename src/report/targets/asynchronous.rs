//! The async targets: hits against the async peers and against our own blocking hit (W3, the
//! same run), and single flight under 1,000 concurrent misses.

use super::{Evidence, PEER_FACTOR, Target, within};
use crate::measure::fmt_time;
use crate::suite::{Results, thousands};
use crate::variants::{Variant, Workload};

/// Most an async hit may add to the same attribute's blocking hit, in seconds.
pub(super) const ASYNC_OVERHEAD_MAX: f64 = 10e-9;

/// Our async variants.
const OURS: [Variant; 2] = [Variant::MemoAsync, Variant::SingletonAsync];

/// Memo and singleton async hits against `cached`'s `#[cached] async fn` on W3.
pub(super) fn async_hit_vs_cached_async(results: &Results) -> Target {
    let mut e = Evidence::default();
    for ours in OURS {
        if let Some((r, good)) = within(
            results,
            Workload::Scalar,
            1,
            ours,
            Variant::CachedAsync,
            PEER_FACTOR,
        ) {
            e.case(
                format!("{} / cached-async: {}", ours.id(), super::fmt_ratio(r)),
                good,
            );
        }
    }
    e.target("Async hit (`u64 -> u64`) of memo and singleton within 1.5× of `cached` `#[cached] async fn`")
}

/// Memo and singleton async hits against `moka::future::Cache::get` on W3: faster.
pub(super) fn async_hit_vs_moka_future(results: &Results) -> Target {
    let mut e = Evidence::default();
    for ours in OURS {
        if let (Some(a), Some(m)) = (
            results.hit(Workload::Scalar, 1, ours),
            results.hit(Workload::Scalar, 1, Variant::MokaFuture),
        ) {
            e.case(
                format!("{} / moka-future: {}", ours.id(), super::fmt_ratio(a / m)),
                a < m,
            );
        }
    }
    e.target(
        "Async hit (`u64 -> u64`) of memo and singleton faster than `moka` `future::Cache::get`",
    )
}

/// What an async hit adds to the same attribute's blocking hit, W3, same run.
pub(super) fn async_hit_overhead(results: &Results) -> Target {
    let signed = |d: f64| format!("{}{}", if d < 0.0 { "−" } else { "" }, fmt_time(d.abs()));
    let mut e = Evidence::default();
    for ours in OURS {
        let Some(twin) = ours.blocking_twin() else {
            continue;
        };
        if let (Some(a), Some(s)) = (
            results.row(Workload::Scalar, 1, ours),
            results.row(Workload::Scalar, 1, twin),
        ) {
            let added = a.hit.median - s.hit.median;
            // A difference of a few nanoseconds between two medians moves with the machine's
            // load, so the difference of the fastest samples is shown beside it.
            e.case(
                format!(
                    "{} {} − {} {} = {} (fastest samples: {})",
                    ours.id(),
                    fmt_time(a.hit.median),
                    twin.id(),
                    fmt_time(s.hit.median),
                    signed(added),
                    signed(a.hit.min - s.hit.min),
                ),
                added <= ASYNC_OVERHEAD_MAX,
            );
        }
    }
    e.target("Async hit (`u64 -> u64`) adds ≤ 10 ns over the same attribute's blocking hit")
}

/// Single flight: under 1,000 concurrent misses of one key, our async functions and moka's
/// `get_with` run the body once per round and every caller gets its value; `cached`'s counts are
/// reported.
pub(super) fn stampede_single_flight(results: &Results) -> Target {
    let mut e = Evidence::default();
    for s in &results.stampedes {
        let (lo, hi) = (
            thousands(s.min_runs() as usize),
            thousands(s.max_runs() as usize),
        );
        let runs = if lo == hi { hi } else { format!("{lo}–{hi}") };
        let text = format!(
            "{}: body ran {runs}× per round, all have the value after {}{}",
            s.contender.id(),
            fmt_time(s.time.median),
            if s.values_correct {
                ""
            } else {
                ", some callers got a wrong value"
            }
        );
        if s.contender.promises_single_flight() {
            e.case(text, s.single_flight() && s.values_correct);
        } else {
            e.note(text);
        }
    }
    e.target("1,000 concurrent async misses of one key run the body once (memo, singleton, moka `get_with`; `cached` reported)")
}
