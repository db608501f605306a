//! The harness's Redis section on a real `redis-server` (started by the section itself): every
//! variant measured on every value, memo's timed calls all Redis hits, and single flight across
//! replicas of the harness binary (memo computes once, `cached` once per replica). Without
//! `redis-server` the section reports itself skipped; that is checked in the skip test, and
//! under `CI=true` a missing binary fails.

use std::time::Duration;

use cache_harness::measure::Budget;
use cache_harness::redis_suite::{self, RedisPlan, RedisSection, RedisValue, RedisVariant};

fn redis_server_present() -> bool {
    if cache_store::persist::redis_server::available() {
        return true;
    }
    let what =
        "SKIP redis_section: redis-server not found; install it (apt-get install redis-server)";
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "{what} (CI=true: a missing component is a failure)"
    );
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "\n!!!!! {what} !!!!!\n");
    false
}

fn budget() -> Budget {
    Budget {
        time: Duration::from_millis(5),
        min_samples: 2,
        max_samples: 5,
    }
}

#[test]
fn every_variant_reads_every_value_and_replicas_compute_once() {
    if !redis_server_present() {
        return;
    }
    let plan = RedisPlan {
        replicas: 3,
        body: Duration::from_millis(100),
        exe: Some(env!("CARGO_BIN_EXE_cache-harness").into()),
        ..RedisPlan::tiny()
    };
    let section = redis_suite::run(&plan, &budget());
    let RedisSection::Measured {
        rows,
        failures,
        flight,
        ..
    } = &section
    else {
        panic!("measured: {section:?}");
    };
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(rows.len(), 12, "3 values × 4 variants: {rows:?}");
    for value in [
        RedisValue::Scalar,
        RedisValue::Records(plan.records),
        RedisValue::Frame(plan.frame_rows),
    ] {
        let memo = section.row(value, RedisVariant::Memo).expect("memo row");
        let floor = section.row(value, RedisVariant::Floor).expect("floor row");
        assert!(memo.hit.median > 0.0);
        // memo stores the floor's bincode bytes behind its entry header.
        assert!(memo.bytes > floor.bytes, "{memo:?} vs {floor:?}");
        assert!(section.row(value, RedisVariant::Cached).is_some());
        let sync_bytes = memo.bytes;
        let async_row = section
            .row(value, RedisVariant::MemoAsync)
            .expect("async row");
        assert_eq!(async_row.bytes, sync_bytes, "the same entry: {async_row:?}");
    }
    let flight = flight.expect("single flight measured");
    assert_eq!(flight.memo.computations, 1, "{flight:?}");
    assert_eq!(
        flight.cached.computations, 3,
        "no leases in cached: {flight:?}"
    );
    assert!(flight.memo.all_have >= plan.body, "{flight:?}");
}

#[test]
fn a_missing_server_skips_the_section_and_says_how_to_install_it() {
    // A child process, so `REDIS_SERVER` does not leak into the other test.
    let dir = std::env::temp_dir().join(format!("harness-redis-skip-{}", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cache-harness"))
        .args([
            "--workloads",
            "redis",
            "--quiet",
            "--budget-ms",
            "1",
            "--out",
        ])
        .arg(&dir)
        .env("REDIS_SERVER", "/nonexistent/redis-server")
        .output()
        .expect("run the harness");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("SKIP Redis section skipped"), "{stderr}");
    assert!(stderr.contains("apt-get install redis-server"), "{stderr}");
    assert!(report.contains("**Skipped.**"), "{report}");
}
