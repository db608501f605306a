//! 10 and 11. The multi-threaded hits: scaling from 1 to 2 threads, and ahead of the peers.

use super::*;
// `mt` here names this test module; the checks under test are the targets' own `mt`.
use crate::report::targets::mt as checks;

fn mt_run(totals: &[(usize, Variant, f64)]) -> Results {
    let mut r = run_with(&[], &[]);
    r.mt.rows = totals
        .iter()
        .map(|&(threads, variant, total)| crate::mt::MtRow {
            pattern: crate::mt::Pattern::Hits,
            threads,
            variant,
            rounds: vec![total],
            ops: 1_000,
            misses: 0,
        })
        .collect();
    r
}

#[test]
fn two_thread_scaling_met_at_the_factor() {
    let one = 10e6;
    let t = checks::two_thread_scaling(&mt_run(&[
        (1, MemoCow, one),
        (2, MemoCow, one * checks::SCALING),
        (1, Singleton, one),
        (2, Singleton, one * 2.0),
        // Peers do not count.
        (1, Moka, one),
        (2, Moka, one),
    ]));
    assert_eq!(t.met, Some(true), "{t:?}");
    assert_eq!(
        t.measured,
        format!(
            "memo-cow: {}; singleton: {}",
            fmt_ratio(checks::SCALING),
            fmt_ratio(2.0)
        )
    );
}

#[test]
fn two_thread_scaling_not_met_when_one_of_ours_stalls() {
    let one = 10e6;
    let t = checks::two_thread_scaling(&mt_run(&[
        (1, MemoCow, one),
        (2, MemoCow, one * 2.0),
        (1, MemoSerialized, one),
        (2, MemoSerialized, one * checks::SCALING * 0.9),
    ]));
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn two_thread_scaling_needs_both_thread_counts() {
    assert_not_measured(&checks::two_thread_scaling(&mt_run(&[(2, MemoCow, 1e6)])));
    assert_not_measured(&checks::two_thread_scaling(&run_with(&[], &[])));
}

#[test]
fn ahead_of_peers_met_when_faster_than_the_fastest_peer() {
    let t = checks::ahead_of_peers_at_two_threads(&mt_run(&[
        (2, CachedClone, 5e6),
        (2, QuickCache, 20e6),
        (2, Moka, 10e6),
        (2, Singleton, 21e6),
        // Another thread count does not count.
        (1, MemoCow, 1.0),
    ]));
    assert_eq!(t.met, Some(true), "{t:?}");
    assert_eq!(
        t.measured,
        format!(
            "singleton / quick-cache (fastest peer): {}",
            fmt_ratio(1.05)
        )
    );
}

#[test]
fn ahead_of_peers_not_met_behind_any_peer() {
    let t = checks::ahead_of_peers_at_two_threads(&mt_run(&[
        (2, CachedClone, 5e6),
        (2, Moka, 10e6),
        (2, MemoCow, 11e6),
        (2, MemoSerialized, 9e6),
    ]));
    assert_eq!(t.met, Some(false), "{t:?}");
}

#[test]
fn ahead_of_peers_needs_ours_and_a_peer() {
    assert_not_measured(&checks::ahead_of_peers_at_two_threads(&mt_run(&[(
        2, MemoCow, 1e6,
    )])));
    assert_not_measured(&checks::ahead_of_peers_at_two_threads(&mt_run(&[(
        2, Moka, 1e6,
    )])));
}
