//! The Redis targets (report/redis.rs), on made-up Redis sections.

use std::time::Duration;

use super::{run_with, timing};
use crate::redis_suite::replica::{Flight, FlightRun};
use crate::redis_suite::{RedisRow, RedisSection, RedisValue, RedisVariant};
use crate::report::redis::{CACHED_FACTOR, FLOOR_FACTOR};
use crate::report::{Target, targets};

const RECORDS: RedisValue = RedisValue::Records(100_000);

fn section(
    hits: &[(RedisValue, RedisVariant, f64)],
    flight_computations: Option<u64>,
) -> RedisSection {
    RedisSection::Measured {
        rows: hits
            .iter()
            .map(|&(value, variant, t)| RedisRow {
                value,
                variant,
                hit: timing(t),
                bytes: 1,
            })
            .collect(),
        failures: Vec::new(),
        flight: flight_computations.map(|n| Flight {
            replicas: 8,
            body: Duration::from_millis(200),
            memo: FlightRun {
                computations: n,
                all_have: Duration::from_millis(210),
            },
            cached: FlightRun {
                computations: 8,
                all_have: Duration::from_millis(205),
            },
        }),
        server: "v=test".into(),
    }
}

/// The three Redis targets of a run with this section.
fn redis_targets(section: Option<RedisSection>) -> Vec<Target> {
    let mut r = run_with(&[], &[]);
    r.redis = section;
    let all = targets(&r);
    all[all.len() - 3..].to_vec()
}

#[test]
fn memo_within_its_factors_meets_both_ratio_targets() {
    let base = 1e-3;
    let t = redis_targets(Some(section(
        &[
            (RECORDS, RedisVariant::Cached, base),
            (RECORDS, RedisVariant::Floor, base),
            (
                RECORDS,
                RedisVariant::Memo,
                base * CACHED_FACTOR.min(FLOOR_FACTOR) * 0.99,
            ),
        ],
        None,
    )));
    assert_eq!(t[0].met, Some(true), "{t:?}");
    assert_eq!(t[1].met, Some(true), "{t:?}");
    assert_eq!(t[2].met, None, "no flight measured: {t:?}");
}

#[test]
fn memo_past_a_factor_misses_that_target_only() {
    let base = 1e-3;
    // Between the two factors: too slow against `cached`, fine against the floor.
    let memo = base * (CACHED_FACTOR + FLOOR_FACTOR) / 2.0;
    let t = redis_targets(Some(section(
        &[
            (RedisValue::Scalar, RedisVariant::Cached, base),
            (RedisValue::Scalar, RedisVariant::Floor, base),
            (RedisValue::Scalar, RedisVariant::Memo, memo),
        ],
        None,
    )));
    assert_eq!(t[0].met, Some(false), "{t:?}");
    assert_eq!(t[1].met, Some(true), "{t:?}");
}

#[test]
fn one_slow_value_fails_the_target() {
    let base = 1e-3;
    let t = redis_targets(Some(section(
        &[
            (RedisValue::Scalar, RedisVariant::Cached, base),
            (RedisValue::Scalar, RedisVariant::Memo, base),
            (RECORDS, RedisVariant::Cached, base),
            (RECORDS, RedisVariant::Memo, base * CACHED_FACTOR * 1.01),
        ],
        None,
    )));
    assert_eq!(t[0].met, Some(false), "{t:?}");
    assert_eq!(t[1].met, None, "no floor rows: {t:?}");
}

#[test]
fn single_flight_is_met_by_exactly_one_computation() {
    let one = redis_targets(Some(section(&[], Some(1))));
    assert_eq!(one[2].met, Some(true), "{one:?}");
    assert!(one[2].measured.contains("memo 1 computation"), "{one:?}");
    let two = redis_targets(Some(section(&[], Some(2))));
    assert_eq!(two[2].met, Some(false), "{two:?}");
}

#[test]
fn a_skipped_or_unselected_section_measures_nothing_and_says_why() {
    let why = "Redis section skipped: redis-server not found";
    for t in redis_targets(Some(RedisSection::Skipped(why.into()))) {
        assert_eq!(t.met, None, "{t:?}");
        assert_eq!(t.measured, why);
    }
    for t in redis_targets(None) {
        assert_eq!(t.met, None, "{t:?}");
        assert!(t.measured.contains("not measured"), "{t:?}");
    }
}
