//! A Redis hit with the memory layer out of the way, on one real `redis-server` started here:
//! memo's read path (`Persisted::load` over `RedisBackend`: GET, header and checksum checks,
//! bincode decode), `cached` 4.1's `RedisCache::cache_get` (GET, MessagePack decode), and the
//! floor, a bare GET of the same bincode bytes plus their decode.
//!
//! Targets: memo within 1.2× of `cached` and within 1.3× of the floor, for a `u64` (W3, scalar)
//! and for GeoJSON-like records (W2; 1,000 and 10,000 here, as Redis values of that size are what
//! the backend is for; the 4 MiB default limit keeps larger ones in memory).
//!
//! Without `redis-server` it prints a SKIP line and measures nothing (CI=true: it fails).

use std::hint::black_box;
use std::time::Duration;

use cache_store::persist::redis::{RedisBackend, RedisConfig};
use cache_store::persist::{Backend, Persisted, PersistedConfig, codec};
use cached::ConcurrentCached;
use criterion::{BenchmarkId, Criterion};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[path = "../tests/support/redis_server.rs"]
mod redis_server;

/// A GeoJSON-like feature, as the harness's W2 records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Feature {
    id: u64,
    kind: String,
    name: String,
    coordinates: (f64, f64),
    properties: Vec<(String, f64)>,
}

fn features(n: usize) -> Vec<Feature> {
    (0..n as u64)
        .map(|i| Feature {
            id: i,
            kind: "Feature".into(),
            name: format!("station-{i:06}"),
            coordinates: (i as f64 * 0.001 - 180.0, (i % 180) as f64 - 90.0),
            properties: vec![
                ("elevation".into(), i as f64 * 0.5),
                ("rank".into(), (i % 7) as f64),
            ],
        })
        .collect()
}

/// Benches the three reads of `value` under the name `name`.
fn compare<T>(c: &mut Criterion, url: &str, group: &str, id: &str, value: T)
where
    T: Serialize + DeserializeOwned + Clone + PartialEq + std::fmt::Debug + 'static,
{
    let mut g = c.benchmark_group(group);
    g.measurement_time(Duration::from_secs(3));

    // memo: the persisted entry of one function, read the way a memory miss reads it.
    let backend: &'static RedisBackend = Box::leak(Box::new(RedisBackend::at(url, "memo")));
    // The read path is measured, not the timeout: a loaded machine can stall a 740 KB read
    // past the 50 ms default, which would turn the bench into a failure-path measurement.
    backend.set_config(RedisConfig {
        command_timeout: Duration::from_secs(2),
        ..RedisConfig::DEFAULT
    });
    let persisted = Persisted::new(
        backend,
        codec::Codec::<T>::bincode(),
        PersistedConfig {
            function: 0xbe4c,
            name: "bench",
            ttl: None,
            warn: |_, m| panic!("unexpected warning: {m}"),
            error: |_, m| panic!("unexpected error: {m}"),
            round_trip_fix: "",
        },
    );
    persisted.save(1, &value, None);
    assert_eq!(persisted.load(1).expect("stored").value, value);
    g.bench_function(BenchmarkId::new("memo_redis", id), |b| {
        b.iter(|| persisted.load(black_box(1)).map(|l| l.value))
    });

    // cached: its Redis store, on the same server.
    let theirs = cached::RedisCache::<u64, T>::builder("cached-bench")
        .connection_string(url)
        .build()
        .expect("cached RedisCache");
    theirs.cache_set(1, value.clone()).expect("cached set");
    assert_eq!(
        theirs.cache_get(&1).expect("cached get"),
        Some(value.clone())
    );
    g.bench_function(BenchmarkId::new("cached_redis", id), |b| {
        b.iter(|| theirs.cache_get(black_box(&1)).expect("cached get"))
    });

    // The floor: GET of plain bincode bytes and their decode.
    let mut conn = redis::Client::open(url)
        .and_then(|c| c.get_connection())
        .expect("connect");
    let bytes = codec::encode(&value).expect("encode");
    eprintln!("{group}/{id}: {} bytes of bincode per value", bytes.len());
    redis::cmd("SET")
        .arg("floor")
        .arg(&bytes[..])
        .query::<()>(&mut conn)
        .expect("set");
    g.bench_function(BenchmarkId::new("floor_get_decode", id), |b| {
        b.iter(|| {
            let got: Vec<u8> = redis::cmd("GET")
                .arg(black_box("floor"))
                .query(&mut conn)
                .expect("get");
            codec::decode::<T>(&got).expect("decode")
        })
    });
    g.finish();
    let _ = backend.clear_all();
}

fn main() {
    let Some(server) = redis_server::RedisServer::start("redis_hits bench") else {
        return;
    };
    let url = server.url();
    let mut c = Criterion::default().configure_from_args();
    compare(&mut c, &url, "redis_hits/w3_scalar", "u64", 42u64 * 7);
    for n in [1_000, 10_000] {
        compare(
            &mut c,
            &url,
            "redis_hits/w2_records",
            &n.to_string(),
            features(n),
        );
    }
    c.final_summary();
}
