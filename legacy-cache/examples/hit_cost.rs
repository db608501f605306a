//! Rough cost of a cache hit: the mutation check dominates. Run with
//! `cargo run --release -p legacy-cache --example hit_cost`. The benchmarks proper live in the
//! workspace's `benches/`; this is a quick sanity check of the orders of magnitude.

use std::hint::black_box;
use std::time::{Duration, Instant};

use legacy_cache::cache;
use polars::prelude::*;

fn frame(n: usize) -> DataFrame {
    df!(
        "i" => (0..n as i64).collect::<Vec<_>>(),
        "f" => (0..n).map(|i| i as f64 * 0.5).collect::<Vec<_>>(),
        "b" => (0..n).map(|i| i % 3 == 0).collect::<Vec<_>>(),
        "s" => (0..n).map(|i| format!("r{i:011}")).collect::<Vec<_>>(),
    )
    .expect("equal lengths")
}

#[derive(Clone, serde::Serialize)]
struct Record {
    id: u64,
    score: f64,
    name: String,
}

fn records(n: usize) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            id: i as u64,
            score: i as f64 / 7.0,
            name: format!("n{i}"),
        })
        .collect()
}

#[cache(show_spinner = false)]
fn sampled(n: usize) -> DataFrame {
    frame(n)
}

#[cache(show_spinner = false, sampling = false)]
fn full(n: usize) -> DataFrame {
    frame(n)
}

#[cache(show_spinner = false, allow_output_mutation = true)]
fn unchecked(n: usize) -> DataFrame {
    frame(n)
}

#[cache(show_spinner = false)]
fn recs(n: usize) -> Vec<Record> {
    records(n)
}

fn median(mut f: impl FnMut(), runs: usize) -> Duration {
    f(); // the miss
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

fn main() {
    for n in [100_000, 1_000_000] {
        println!(
            "{n:>9} rows  unchecked {:>10.3?}  sampled {:>10.3?}  full {:>10.3?}",
            median(|| drop(black_box(unchecked(n))), 21),
            median(|| drop(black_box(sampled(n))), 21),
            median(|| drop(black_box(full(n))), 5),
        );
    }
    println!(
        "1,000,000 records (serde path) check {:>10.3?}",
        median(|| drop(black_box(recs(1_000_000))), 5)
    );
}
