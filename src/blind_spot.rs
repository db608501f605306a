//! Demonstrates, with real calls, what the legacy sampled mutation check cannot see.
//!
//! For a W1 frame cached by the legacy crate, one `value` cell is changed through
//! `Shared::mutate` (the cached object itself, as a Python caller mutating the returned frame
//! would) and the function is called again: a mutation warning on that hit means the check saw
//! the change. This is done once for a row inside the 10,000-row sample and once for a row
//! outside it, with the sampled (Streamlit) and the full check.
//!
//! Legacy hashes frame *arguments* the same way, so the same sample decides the key: a second
//! call with a frame that differs outside the sample is a hit on the first frame's result. That
//! is demonstrated on W4 frames by counting function executions.

use std::collections::HashSet;

use legacy_cache::Shared;
use polars::prelude::{DataFrame, Float64Chunked, IntoColumn};

use crate::variants::{w1, w4};
use crate::workloads;

/// The string length of the frames the demonstration uses.
const STR_LEN: usize = 12;

/// What the two legacy checks saw on one frame height.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlindSpot {
    /// Frame height.
    pub rows: usize,
    /// Rows the sampled check hashes (`rows` when the frame is below the sampling threshold).
    pub sampled_rows: usize,
    /// Whether the sampled check warned after a change inside its sample.
    pub sampled_inside: bool,
    /// Whether the sampled check warned after a change outside its sample (`None`: no row is
    /// outside, the frame is hashed whole).
    pub sampled_outside: Option<bool>,
    /// Whether the full check warned after the change inside the sample.
    pub full_inside: bool,
    /// Whether the full check warned after the change outside the sample.
    pub full_outside: Option<bool>,
}

/// Adds 1.0 to `value[row]` (a new column buffer; other clones of the frame are unaffected).
fn bump(df: &mut DataFrame, row: usize) {
    let mut values: Vec<f64> = df
        .column("value")
        .and_then(|c| c.f64().cloned())
        .expect("W1 frames have an f64 `value` column")
        .into_no_null_iter()
        .collect();
    values[row] += 1.0;
    df.with_column(Float64Chunked::from_vec("value".into(), values).into_column())
        .expect("same height");
}

/// Caches the frame, mutates `row` of the cached object, and reports whether the next hit
/// warned.
fn detects(f: fn(usize, usize) -> Shared<DataFrame>, rows: usize, row: usize) -> bool {
    legacy_cache::clear_cache();
    let mut cached = f(rows, STR_LEN);
    cached.mutate(|df| bump(df, row));
    drop(cached);
    let (_hit, warnings) = legacy_cache::capture_mutation_warnings(|| f(rows, STR_LEN));
    legacy_cache::clear_cache();
    !warnings.is_empty()
}

/// Runs the demonstration on a `rows`-row frame.
pub fn demonstrate(rows: usize) -> BlindSpot {
    let sample = legacy_cache::frames::sample_rows(rows);
    let (inside, outside) = match &sample {
        Some(s) => {
            let set: HashSet<usize> = s.iter().copied().collect();
            (s[0], (0..rows).find(|r| !set.contains(r)))
        }
        None => (rows / 2, None),
    };
    BlindSpot {
        rows,
        sampled_rows: sample.as_ref().map_or(rows, Vec::len),
        sampled_inside: detects(w1::legacy_sampled, rows, inside),
        sampled_outside: outside.map(|r| detects(w1::legacy_sampled, rows, r)),
        full_inside: detects(w1::legacy_full, rows, inside),
        full_outside: outside.map(|r| detects(w1::legacy_full, rows, r)),
    }
}

/// Whether a changed frame *argument* made each cache recompute (`true`) or return the result
/// cached for the unchanged frame (`false`: a wrong hit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgBlindSpot {
    /// Frame height.
    pub rows: usize,
    /// Whether the changed row is inside the legacy sample (always true below the threshold,
    /// where the whole frame is hashed).
    pub changed_in_sample: bool,
    /// Legacy, sampled hashing (Streamlit's).
    pub legacy_sampled: bool,
    /// Legacy with `sampling = false`.
    pub legacy_full: bool,
    /// memo (its `KeyHash` covers every value).
    pub memo: bool,
}

/// Calls `f(df)` then `f(changed)`; whether the second call ran the function.
fn recomputes(f: &dyn Fn(&DataFrame), df: &DataFrame, changed: &DataFrame) -> bool {
    crate::variants::clear_all();
    f(df);
    let before = workloads::computations();
    f(changed);
    let ran = workloads::computations() != before;
    crate::variants::clear_all();
    ran
}

/// Runs the argument demonstration on a `rows`-row W4 frame, changing one row outside the
/// legacy sample (or in the middle when there is no sample).
pub fn demonstrate_arg(rows: usize) -> ArgBlindSpot {
    let df = workloads::frame(rows, STR_LEN);
    let row = match legacy_cache::frames::sample_rows(rows) {
        Some(s) => {
            let set: HashSet<usize> = s.into_iter().collect();
            (0..rows).find(|r| !set.contains(r))
        }
        None => None,
    };
    let changed_in_sample = row.is_none();
    let mut changed = df.clone();
    bump(&mut changed, row.unwrap_or(rows / 2));
    let tag = w4::TAG;
    ArgBlindSpot {
        rows,
        changed_in_sample,
        legacy_sampled: recomputes(
            &|d| {
                let _ = w4::legacy_sampled(d, tag);
            },
            &df,
            &changed,
        ),
        legacy_full: recomputes(
            &|d| {
                let _ = w4::legacy_full(d, tag);
            },
            &df,
            &changed,
        ),
        memo: recomputes(
            &|d| {
                let _ = w4::memo_serialized(d, tag);
            },
            &df,
            &changed,
        ),
    }
}
