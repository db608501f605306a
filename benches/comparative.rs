//! Every variant on every workload, through the same cases as the main job: hits
//! (`comparative/hit/...`), misses with the bare function beside them for the miss overhead
//! (`comparative/miss/...`), throughput in rows or records.
//!
//! Misses use `iter_batched` with `PerIteration`: the clear that makes the next call a miss runs
//! outside the timing. Inputs are generated before each group, outside the timing.
//! `cargo bench --bench comparative` (10M rows with `HARNESS_FULL=1`); under
//! `cargo test --benches` each benchmark runs once on tiny inputs.

use std::time::Instant;

use cache_harness::bench_support::{self, LARGE_SAMPLES};
use cache_harness::variants::{self, Variant, Workload};
use cache_harness::workloads;
mod common;

use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The (workload, size) pairs of this run.
fn tasks() -> Vec<(Workload, usize)> {
    let mut t = Vec::new();
    for str_len in workloads::DEFAULT_STR_LENS {
        for rows in bench_support::frame_rows() {
            t.push((Workload::Frame { str_len }, rows));
        }
    }
    for n in bench_support::record_counts() {
        t.push((Workload::Records, n));
    }
    t.push((Workload::Scalar, 1));
    t.push((Workload::ScalarNoArgs, 1));
    let rows = bench_support::million();
    t.push((Workload::FrameArg { hashed: true }, rows));
    t.push((Workload::FrameArg { hashed: false }, rows));
    t
}

fn group_name(kind: &str, workload: Workload, size: usize) -> String {
    if workload.sized() {
        format!("comparative/{kind}/{}/{size}", workload.id())
    } else {
        format!("comparative/{kind}/{}", workload.id())
    }
}

fn hits(c: &mut Criterion) {
    for (workload, size) in tasks() {
        let mut group = c.benchmark_group(group_name("hit", workload, size));
        if workload.sized() {
            group
                .sample_size(LARGE_SAMPLES)
                .measurement_time(bench_support::large_measurement())
                .throughput(Throughput::Elements(size as u64));
        }
        common::bench_hits(&mut group, workload, size, Variant::ALL);
        group.finish();
        workloads::release_sources();
    }
}

fn misses(c: &mut Criterion) {
    for (workload, size) in tasks() {
        let mut group = c.benchmark_group(group_name("miss", workload, size));
        if workload.sized() {
            group
                .sample_size(LARGE_SAMPLES)
                .measurement_time(bench_support::large_measurement())
                .throughput(Throughput::Elements(size as u64));
        }
        // The uncached function: miss overhead = a variant's miss − this.
        let mut bare = variants::bare_for(workload, size);
        group.bench_function("bare", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                bare(iters);
                start.elapsed()
            })
        });
        for variant in Variant::ALL {
            let Some(case) = variants::case_for(workload, size, variant) else {
                continue;
            };
            let (mut run, Some(mut clear)) = (case.run, case.clear) else {
                continue; // floors have no miss
            };
            group.bench_function(BenchmarkId::from_parameter(variant.id()), |b| {
                b.iter_batched(&mut clear, |()| run(1), BatchSize::PerIteration)
            });
            clear();
        }
        group.finish();
        workloads::release_sources();
    }
}

criterion_group!(benches, hits, misses);
criterion_main!(benches);
