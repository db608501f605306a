//! Threads calling ONE cached `u64 -> u64` function at once: 1, 2 and 4 threads, hits only,
//! 90/10 hits/misses and Zipf keys over 10k keys with 1,000 entries, for memo, singleton,
//! `cached`, `moka` and `quick_cache` (the main job's `--workloads mt`, at fixed call counts).
//!
//! Each iteration is one call on every thread (they start together at a barrier), so the time
//! criterion reports is per call of one thread, and its throughput (elements = threads) is the
//! total calls per second.
//!
//! Targets: our 2-thread total ≥ 1.8× our 1-thread total, and ahead of every peer at 2 threads
//! (`mt/hits/t2`).

use cache_harness::mt::{Pattern, Prepared, THREADS, functions::VARIANTS};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn mt(c: &mut Criterion) {
    for pattern in Pattern::ALL {
        for threads in THREADS {
            let mut group = c.benchmark_group(format!("mt/{}/t{threads}", pattern.id()));
            group.throughput(Throughput::Elements(threads as u64));
            for variant in VARIANTS {
                let Some(prepared) = Prepared::new(variant, pattern, threads) else {
                    continue;
                };
                group.bench_function(BenchmarkId::from_parameter(variant.id()), |b| {
                    b.iter_custom(|iters| prepared.time(iters))
                });
            }
            group.finish();
        }
    }
}

criterion_group!(benches, mt);
criterion_main!(benches);
