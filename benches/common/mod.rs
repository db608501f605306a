//! Bench-only helpers shared by the criterion benches (criterion is a dev-dependency, so this
//! cannot live in the library's `bench_support`).

use std::time::Instant;

use cache_harness::variants::{self, Variant, Workload};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, BenchmarkId};

/// Benchmarks hits of each variant on one (workload, size): one miss fills the cache outside the
/// timing, then `iters` hits are timed through the same case the main job measures, and the
/// variant's cache is cleared before the next one so big values do not pile up.
pub fn bench_hits(
    group: &mut BenchmarkGroup<'_, WallTime>,
    workload: Workload,
    size: usize,
    which: impl IntoIterator<Item = Variant>,
) {
    for variant in which {
        let Some(mut case) = variants::case_for(workload, size, variant) else {
            continue;
        };
        (case.run)(1); // the miss that fills the cache
        group.bench_function(BenchmarkId::from_parameter(variant.id()), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                (case.run)(iters);
                start.elapsed()
            })
        });
        if let Some(clear) = case.clear.as_mut() {
            clear();
        }
    }
}
