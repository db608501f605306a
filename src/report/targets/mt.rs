//! The multi-threaded targets, on the hits-only pattern (the hit path under contention): our
//! 2-thread total against our 1-thread total, and against every peer's at 2 threads.

use super::Evidence;
use super::Target;
use crate::mt::{Pattern, functions::VARIANTS};
use crate::report::fmt_ratio;
use crate::suite::Results;
use crate::variants::{Role, Variant};

/// Our 2-thread total over our 1-thread total: at least this.
pub(super) const SCALING: f64 = 1.8;

fn ours() -> impl Iterator<Item = Variant> {
    VARIANTS.into_iter().filter(|v| v.role() == Role::Successor)
}

fn peers() -> impl Iterator<Item = Variant> {
    VARIANTS.into_iter().filter(|v| v.role() == Role::Peer)
}

/// Each of our variants: 2-thread total ≥ [`SCALING`] × its 1-thread total.
pub(super) fn two_thread_scaling(results: &Results) -> Target {
    let mut e = Evidence::default();
    for v in ours() {
        if let (Some(t2), Some(t1)) = (
            results.mt.total(Pattern::Hits, 2, v),
            results.mt.total(Pattern::Hits, 1, v),
        ) && t1 > 0.0
        {
            let r = t2 / t1;
            e.case(format!("{}: {}", v.id(), fmt_ratio(r)), r >= SCALING);
        }
    }
    e.target("mt hits: our 2-thread throughput ≥ 1.8× our 1-thread throughput")
}

/// Each of our variants at 2 threads: a higher total than every measured peer's.
pub(super) fn ahead_of_peers_at_two_threads(results: &Results) -> Target {
    let mut e = Evidence::default();
    let best_peer = peers()
        .filter_map(|p| Some((p, results.mt.total(Pattern::Hits, 2, p)?)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((peer, best)) = best_peer
        && best > 0.0
    {
        for v in ours() {
            if let Some(t) = results.mt.total(Pattern::Hits, 2, v) {
                e.case(
                    format!(
                        "{} / {} (fastest peer): {}",
                        v.id(),
                        peer.id(),
                        fmt_ratio(t / best)
                    ),
                    t > best,
                );
            }
        }
    }
    e.target("mt hits at 2 threads: ours ahead of every peer (`cached`, `moka`, `quick_cache`)")
}
