//! The Redis section of `report.md` and its targets: memo's Redis hit (memory layer off) against
//! `cached`'s Redis store and against a bare `GET` + decode of the same value, and single flight
//! across replicas.

use std::fmt::Write as _;

use super::format::{fmt_bytes, fmt_ratio};
use super::targets::Target;
use crate::measure::fmt_time;
use crate::redis_suite::{RedisSection, RedisValue, RedisVariant};
use crate::suite::Results;

/// memo's Redis hit against `cached`'s for the same value: at most this many times slower.
pub(super) const CACHED_FACTOR: f64 = 1.2;
/// memo's Redis hit against a bare `GET` + bincode decode: at most this many times slower.
pub(super) const FLOOR_FACTOR: f64 = 1.3;

/// The values measured, in table order.
fn values(section: &RedisSection) -> Vec<RedisValue> {
    let mut out = Vec::new();
    if let RedisSection::Measured { rows, .. } = section {
        for r in rows {
            if !out.contains(&r.value) {
                out.push(r.value);
            }
        }
    }
    out
}

/// memo's hit time over `other`'s for each value measured by both.
fn ratios(section: &RedisSection, other: RedisVariant) -> Vec<(RedisValue, f64)> {
    values(section)
        .into_iter()
        .filter_map(|v| {
            let memo = section.row(v, RedisVariant::Memo)?.hit.median;
            let them = section.row(v, other)?.hit.median;
            (them > 0.0).then(|| (v, memo / them))
        })
        .collect()
}

fn ratio_target(results: &Results, other: RedisVariant, factor: f64, goal: &str) -> Target {
    let goal = goal.to_string();
    let Some(section) = &results.redis else {
        return Target {
            goal,
            measured: "not measured in this run".into(),
            met: None,
        };
    };
    if let RedisSection::Skipped(why) = section {
        return Target {
            goal,
            measured: why.clone(),
            met: None,
        };
    }
    let cases = ratios(section, other);
    Target {
        goal,
        measured: if cases.is_empty() {
            "not measured in this run".into()
        } else {
            cases
                .iter()
                .map(|(v, r)| format!("{}: {}", v.label(), fmt_ratio(*r)))
                .collect::<Vec<_>>()
                .join("; ")
        },
        met: (!cases.is_empty()).then(|| cases.iter().all(|(_, r)| *r <= factor)),
    }
}

fn flight_target(results: &Results) -> Target {
    let goal = "single flight across replicas: one key missed by every replica at once is \
                computed once (memo, `memory = false`)"
        .to_string();
    match &results.redis {
        Some(RedisSection::Measured {
            flight: Some(f), ..
        }) => Target {
            goal,
            measured: format!(
                "{} replicas: memo {} computation(s), all had the value after {}; cached {} \
                 computation(s), {}",
                f.replicas,
                f.memo.computations,
                fmt_time(f.memo.all_have.as_secs_f64()),
                f.cached.computations,
                fmt_time(f.cached.all_have.as_secs_f64())
            ),
            met: Some(f.memo.computations == 1),
        },
        Some(RedisSection::Skipped(why)) => Target {
            goal,
            measured: why.clone(),
            met: None,
        },
        _ => Target {
            goal,
            measured: "not measured in this run".into(),
            met: None,
        },
    }
}

/// The Redis targets, in table order.
pub(super) fn targets(results: &Results) -> Vec<Target> {
    vec![
        ratio_target(
            results,
            RedisVariant::Cached,
            CACHED_FACTOR,
            "memo's Redis hit (`memory = false`) within 1.2× of `cached`'s Redis store, same value",
        ),
        ratio_target(
            results,
            RedisVariant::Floor,
            FLOOR_FACTOR,
            "memo's Redis hit (`memory = false`) within 1.3× of a bare `GET` + bincode decode",
        ),
        flight_target(results),
    ]
}

/// The `## Redis` section of `report.md` (empty when the group was not selected).
pub fn section(results: &Results) -> String {
    let mut s = String::new();
    let Some(section) = &results.redis else {
        return s;
    };
    s.push_str("\n## Redis: memo with `memory = false` vs `cached`'s Redis store\n\n");
    let (rows, failures, flight, server) = match section {
        RedisSection::Skipped(why) => {
            let _ = writeln!(s, "**Skipped.** {why}");
            return s;
        }
        RedisSection::Measured {
            rows,
            failures,
            flight,
            server,
        } => (rows, failures, flight, server),
    };
    let _ = writeln!(
        s,
        "One `redis-server` {server} on loopback, started by the harness. Every timed call reads Redis: memo is `#[memo(persist = \"redis\", memory = false)]` (GET, entry header and checksum checks, bincode decode), `memo-redis-async` the same on an `async fn` awaited by a minimal executor (the GET runs on a persistence worker thread, so this is memo plus a thread hand-off), `cached-redis` is `cached` 4.1's `RedisCache` read as `#[io_cached]` reads it (GET, MessagePack decode), `floor-get-decode` is a bare GET of the value's bincode bytes plus their decode. Bytes per hit: the length of the stored value one GET returns (`STRLEN`). The four reads of one value are timed in alternation, one sample of each per round: a loopback round trip's latency changes mode during a run (tens of µs in one stretch, hundreds in another), and timing them one after the other made their ratios depend on which ran in which stretch.\n"
    );
    s.push_str(
        "| value | variant | median hit | bytes per hit | memo / this |\n|---|---|---|---|---|\n",
    );
    for v in values(section) {
        let memo = section.row(v, RedisVariant::Memo).map(|r| r.hit.median);
        for variant in RedisVariant::ALL {
            let Some(r) = rows.iter().find(|r| r.value == v && r.variant == variant) else {
                continue;
            };
            let ratio = match (variant, memo) {
                (RedisVariant::Memo, _) | (_, None) => "–".to_string(),
                (_, Some(m)) => fmt_ratio(m / r.hit.median),
            };
            let _ = writeln!(
                s,
                "| {} | `{}` | {} | {} | {} |",
                v.label(),
                variant.id(),
                fmt_time(r.hit.median),
                fmt_bytes(r.bytes),
                ratio
            );
        }
    }
    for f in failures {
        let _ = writeln!(s, "\nNot measured: {f}");
    }
    if let Some(f) = flight {
        let _ = writeln!(
            s,
            "\n### Single flight across replicas\n\n{} processes (this binary, re-run) call one function with one key nobody has computed, at the same instant; the body sleeps {}. \"All have it\" runs from that instant to the moment the last replica had the value.\n\n| cache | computations | all have it after |\n|---|---|---|\n| memo (`memory = false`, leases) | {} | {} |\n| `cached` Redis store (no leases) | {} | {} |",
            f.replicas,
            fmt_time(f.body.as_secs_f64()),
            f.memo.computations,
            fmt_time(f.memo.all_have.as_secs_f64()),
            f.cached.computations,
            fmt_time(f.cached.all_have.as_secs_f64()),
        );
    }
    s
}
