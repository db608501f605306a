//! Measures `KeyHash for DataFrame` throughput in bytes of `estimated_size()` per second.
//!
//! Run with `cargo run -p cache-key --release --example frame_throughput [rows]`. The frame has
//! `i64`, `f64`, `bool` and 12-byte `String` columns (strings of up to 12 bytes stay inline in
//! the 16-byte Arrow view; longer ones cost 3-6x more to encode), plus a variant with 10% nulls in
//! every column.

use std::hint::black_box;
use std::time::Instant;

use cache_key::{KeyHash, KeyHasher};
use polars::prelude::*;

fn frame(rows: usize, with_nulls: bool) -> DataFrame {
    let valid = |i: usize| !with_nulls || i % 10 != 3;
    let ints: Vec<Option<i64>> = (0..rows)
        .map(|i| valid(i).then_some(i as i64 * 7))
        .collect();
    let floats: Vec<Option<f64>> = (0..rows)
        .map(|i| valid(i).then_some(i as f64 * 0.5))
        .collect();
    let bools: Vec<Option<bool>> = (0..rows).map(|i| valid(i).then_some(i % 3 == 0)).collect();
    let strs: Vec<Option<String>> = (0..rows)
        .map(|i| valid(i).then(|| format!("s{i:011}")))
        .collect();
    df!("i" => ints, "f" => floats, "b" => bools, "s" => strs).unwrap()
}

fn measure(df: &DataFrame, label: &str) {
    let bytes = df.estimated_size();
    let mut times = Vec::new();
    for _ in 0..21 {
        let t = Instant::now();
        let mut h = KeyHasher::new();
        black_box(df).key_hash(&mut h);
        black_box(h.finish());
        times.push(t.elapsed());
    }
    times.sort();
    let median = times[times.len() / 2];
    let gbps = bytes as f64 / median.as_secs_f64() / 1e9;
    println!(
        "{label}: {} rows, estimated_size {:.1} MB, median {:.2} ms, {gbps:.2} GB/s",
        df.height(),
        bytes as f64 / 1e6,
        median.as_secs_f64() * 1e3,
    );
}

fn main() {
    let rows = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    measure(&frame(rows, false), "no nulls");
    measure(&frame(rows, true), "10% nulls");
    let df = frame(rows, false);
    let half = rows / 2;
    let stacked = df
        .slice(0, half)
        .vstack(&df.slice(half as i64, rows - half))
        .unwrap();
    measure(&stacked, "no nulls, 2 chunks");
}
