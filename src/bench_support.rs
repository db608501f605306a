//! Shared settings of the criterion benches (`benches/`).
//!
//! `cargo test --benches` (CI) runs every bench binary without `--bench`; criterion then runs
//! each benchmark once, and the benches switch to tiny inputs so CI stays fast and the benches
//! never rot. `cargo bench` passes `--bench` and gets the real sizes (100k- and 1M-row frames and
//! records); 10M rows only with `HARNESS_FULL=1`, which keeps `cargo bench` bounded.

use std::time::Duration;

/// Whether the binary runs as a real benchmark (`cargo bench`), not as a test.
pub fn bench_mode() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// Whether `HARNESS_FULL=1` asks for 10M-row frames.
pub fn full() -> bool {
    std::env::var("HARNESS_FULL").is_ok_and(|v| v == "1")
}

/// Frame heights (W1): 1,000 in test mode; 100k and 1M (and 10M with `HARNESS_FULL=1`) under
/// `cargo bench`.
pub fn frame_rows() -> Vec<usize> {
    if !bench_mode() {
        return vec![1_000];
    }
    let mut rows = vec![100_000, 1_000_000];
    if full() {
        rows.push(10_000_000);
    }
    rows
}

/// The "1M-row frame" of the targets (1,000 rows in test mode).
pub fn million() -> usize {
    if bench_mode() { 1_000_000 } else { 1_000 }
}

/// W2 record counts: 500 in test mode, 100k and 1M under `cargo bench`.
pub fn record_counts() -> Vec<usize> {
    if bench_mode() {
        vec![100_000, 1_000_000]
    } else {
        vec![500]
    }
}

/// Measurement time for groups whose single iterations take milliseconds or more.
pub fn large_measurement() -> Duration {
    Duration::from_secs(3)
}

/// Samples for such groups (criterion's minimum is 10).
pub const LARGE_SAMPLES: usize = 10;
