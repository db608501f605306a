//! Key hashing: `KeyHash` of polars frames (throughput in bytes of `estimated_size()`), and what
//! a frame argument costs a cached call, hashed vs `_`-skipped (W4), in memo, singleton and the
//! legacy cache.
//!
//! Target: hashing a 1M-row frame argument ≥ 2 GB/s of frame size.
//! `cargo bench --bench key_hash`; under `cargo test --benches` it runs once on 1,000 rows.

use std::hint::black_box;

use cache_harness::bench_support::{self, LARGE_SAMPLES};
use cache_harness::variants::w4;
use cache_harness::workloads;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use memo::{KeyHash, KeyHasher};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `KeyHash` of a whole frame, per string length and height.
fn frame_key_hash(c: &mut Criterion) {
    let mut group = c.benchmark_group("key_hash/frame");
    group
        .sample_size(LARGE_SAMPLES)
        .measurement_time(bench_support::large_measurement());
    for str_len in workloads::DEFAULT_STR_LENS {
        for rows in bench_support::frame_rows() {
            let df = workloads::generate_frame(rows, str_len);
            group.throughput(Throughput::Bytes(df.estimated_size() as u64));
            group.bench_with_input(
                BenchmarkId::new(format!("strings{str_len}B"), rows),
                &df,
                |b, df| {
                    b.iter(|| {
                        let mut h = KeyHasher::new();
                        black_box(df).key_hash(&mut h);
                        h.finish()
                    })
                },
            );
        }
    }
    group.finish();
}

/// A cached call with a frame argument (W4): the hit cost is the key, so hashed vs `_`-skipped
/// shows what hashing the argument costs each design.
fn frame_argument_hits(c: &mut Criterion) {
    let rows = bench_support::million();
    let df = workloads::generate_frame(rows, 12);
    let tag = w4::TAG;
    let mut group = c.benchmark_group(format!("key_hash/w4_argument_{rows}_rows"));
    group
        .sample_size(LARGE_SAMPLES)
        .measurement_time(bench_support::large_measurement())
        .throughput(Throughput::Bytes(df.estimated_size() as u64));
    // Warm every cache with a miss first, so the timed calls are hits.
    cache_harness::variants::clear_all();
    group.bench_function("memo_hashed", |b| {
        w4::memo_serialized(&df, tag);
        b.iter(|| w4::memo_serialized(black_box(&df), black_box(tag)))
    });
    group.bench_function("memo_skipped", |b| {
        w4::memo_serialized_skip(&df, tag);
        b.iter(|| w4::memo_serialized_skip(black_box(&df), black_box(tag)))
    });
    group.bench_function("singleton_hashed", |b| {
        w4::singleton_arc(&df, tag);
        b.iter(|| w4::singleton_arc(black_box(&df), black_box(tag)))
    });
    group.bench_function("singleton_skipped", |b| {
        w4::singleton_arc_skip(&df, tag);
        b.iter(|| w4::singleton_arc_skip(black_box(&df), black_box(tag)))
    });
    group.bench_function("legacy_sampled", |b| {
        w4::legacy_sampled(&df, tag);
        b.iter(|| w4::legacy_sampled(black_box(&df), black_box(tag)))
    });
    group.bench_function("legacy_full", |b| {
        w4::legacy_full(&df, tag);
        b.iter(|| w4::legacy_full(black_box(&df), black_box(tag)))
    });
    group.finish();
    cache_harness::variants::clear_all();
}

criterion_group!(benches, frame_key_hash, frame_argument_hits);
criterion_main!(benches);
