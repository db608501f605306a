//! Deterministic inputs: polars frames (W1, W4) and GeoJSON-like records (W2).
//!
//! Everything is generated from a fixed seed with a splitmix64 stream, so two runs (and the
//! benches and the main job) measure identical data. Generated sources are kept in a process-wide
//! registry so that the cached functions' bodies (a "load") cost an O(1) frame clone, or one deep
//! copy of the records, instead of regenerating on every miss; [`release_sources`] frees them
//! between workloads so memory stays bounded at 10M rows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use polars::prelude::{
    BooleanChunked, Column, DataFrame, Float64Chunked, Int64Chunked, IntoColumn, NewChunkedArray,
    StringChunked,
};
use serde::{Deserialize, Serialize};

/// The fixed seed of every generator.
pub const SEED: u64 = 0x5EED_CAC4_E000_2366;

/// Column names and dtypes of the W1/W4 frames, for report headers.
pub const FRAME_DTYPES: &str = "id: i64, value: f64, flag: bool, label: String";

/// String lengths of the W1 `label` column by default: 12 bytes (inline in the Arrow string
/// view) and 24 bytes (out of line: strings of 13 bytes or more cost 3–6× more to encode).
pub const DEFAULT_STR_LENS: [usize; 2] = [12, 24];

/// A small, fast, seedable generator (splitmix64): enough for benchmark data, no `rand` needed.
#[derive(Debug, Clone)]
pub struct SplitMix(u64);

impl SplitMix {
    /// A generator whose stream depends only on `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A float in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Generates a W1 frame: `rows` rows of `id: i64`, `value: f64`, `flag: bool` and
/// `label: String` where every label is exactly `str_len` ASCII bytes.
///
/// ```
/// let df = cache_harness::workloads::generate_frame(10, 12);
/// assert_eq!(df.shape(), (10, 4));
/// assert_eq!(df, cache_harness::workloads::generate_frame(10, 12));
/// ```
pub fn generate_frame(rows: usize, str_len: usize) -> DataFrame {
    let mut rng = SplitMix::new(SEED ^ rows as u64 ^ ((str_len as u64) << 40));
    let ids: Vec<i64> = (0..rows).map(|_| (rng.next_u64() >> 1) as i64).collect();
    let values: Vec<f64> = (0..rows).map(|_| rng.next_f64() * 1e6).collect();
    let flags: Vec<bool> = (0..rows).map(|_| rng.next_u64() & 1 == 1).collect();
    // One buffer for all labels: building 10M `String`s would dominate generation time.
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut buf = Vec::with_capacity(rows * str_len);
    for _ in 0..rows * str_len {
        buf.push(ALPHABET[(rng.next_u64() & 63) as usize]);
    }
    let buf = String::from_utf8(buf).expect("ASCII");
    let labels = (0..rows).map(|i| &buf[i * str_len..(i + 1) * str_len]);
    let columns: Vec<Column> = vec![
        Int64Chunked::from_vec("id".into(), ids).into_column(),
        Float64Chunked::from_vec("value".into(), values).into_column(),
        BooleanChunked::from_slice("flag".into(), &flags).into_column(),
        StringChunked::from_iter_values("label".into(), labels).into_column(),
    ];
    DataFrame::new(rows, columns).expect("columns of equal length")
}

/// One W2 record: a GeoJSON-like feature (Streamlit issue #2366 cached large GeoJSON), with
/// strings and nested vectors, so copying or hashing it touches many small heap objects.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// Feature id.
    pub id: u64,
    /// A 16-byte name.
    pub name: String,
    /// Geometry kind (`"Point"`, `"LineString"` or `"Polygon"`).
    pub kind: String,
    /// 4 to 8 coordinate pairs.
    pub coordinates: Vec<[f64; 2]>,
    /// Two or three 8-byte tags.
    pub tags: Vec<String>,
    /// Two numeric properties.
    pub properties: Vec<(String, f64)>,
}

// A `Feature` owns only `String`s, `Vec`s and numbers, so its clone shares nothing mutable: it
// may use memo's copy-on-write storage (which, for it, means a deep copy per hit).
impl memo::storage::CloneIsolated for Feature {
    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + self.name.len()
            + self.kind.len()
            + self.coordinates.len() * 16
            + self.tags.iter().map(|t| t.len() + 24).sum::<usize>()
            + self
                .properties
                .iter()
                .map(|(k, _)| k.len() + 32)
                .sum::<usize>()
    }
}

/// Describes the W2 record shape, for report headers.
pub const RECORD_SHAPE: &str = "struct Feature { id: u64, name: String (16 B), kind: String (5-10 B), \
coordinates: Vec<[f64; 2]> (4-8 pairs), tags: Vec<String> (2-3 × 8 B), properties: Vec<(String, f64)> (2) }";

fn random_ascii(rng: &mut SplitMix, len: usize) -> String {
    (0..len)
        .map(|_| (b'a' + (rng.next_u64() % 26) as u8) as char)
        .collect()
}

/// Generates `n` W2 records.
///
/// ```
/// let r = cache_harness::workloads::generate_records(3);
/// assert_eq!(r.len(), 3);
/// assert_eq!(r, cache_harness::workloads::generate_records(3));
/// ```
pub fn generate_records(n: usize) -> Vec<Feature> {
    const KINDS: [&str; 3] = ["Point", "LineString", "Polygon"];
    let mut rng = SplitMix::new(SEED ^ 0x2366 ^ n as u64);
    (0..n)
        .map(|i| {
            let points = 4 + (rng.next_u64() % 5) as usize;
            let ntags = 2 + (rng.next_u64() % 2) as usize;
            Feature {
                id: i as u64,
                name: random_ascii(&mut rng, 16),
                kind: KINDS[(rng.next_u64() % 3) as usize].to_string(),
                coordinates: (0..points)
                    .map(|_| {
                        [
                            rng.next_f64() * 360.0 - 180.0,
                            rng.next_f64() * 180.0 - 90.0,
                        ]
                    })
                    .collect(),
                tags: (0..ntags).map(|_| random_ascii(&mut rng, 8)).collect(),
                properties: vec![
                    ("population".to_string(), rng.next_f64() * 1e6),
                    ("area".to_string(), rng.next_f64() * 1e3),
                ],
            }
        })
        .collect()
}

type FrameKey = (usize, usize);

static FRAMES: Mutex<Option<HashMap<FrameKey, DataFrame>>> = Mutex::new(None);
static RECORDS: Mutex<Option<HashMap<usize, Arc<Vec<Feature>>>>> = Mutex::new(None);

/// The W1/W4 frame of this shape, generated once and then shared: a `DataFrame` clone shares
/// its Arrow buffers, so this is O(1) after the first call. This is the "load" that every cached
/// W1 function body performs.
pub fn frame(rows: usize, str_len: usize) -> DataFrame {
    let mut map = FRAMES.lock().unwrap_or_else(PoisonError::into_inner);
    map.get_or_insert_with(HashMap::new)
        .entry((rows, str_len))
        .or_insert_with(|| generate_frame(rows, str_len))
        .clone()
}

/// The shared W2 source of `n` records (generated once).
pub fn records_source(n: usize) -> Arc<Vec<Feature>> {
    let mut map = RECORDS.lock().unwrap_or_else(PoisonError::into_inner);
    Arc::clone(
        map.get_or_insert_with(HashMap::new)
            .entry(n)
            .or_insert_with(|| Arc::new(generate_records(n))),
    )
}

/// An owned copy of the W2 records: the body of every cached W2 function. A deep copy, as a
/// function that builds or loads records would produce a fresh `Vec`.
pub fn records(n: usize) -> Vec<Feature> {
    records_source(n).as_ref().clone()
}

/// The W3 function: a cheap, non-trivial `u64 -> u64` mix, so only per-call overhead shows.
#[inline]
pub fn scalar(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z ^ (z >> 31)
}

/// The W4 function body: a small summary of a frame argument (its height and the tag), so the
/// hit cost is dominated by what the cache does with the argument. Counts as a computation.
#[inline]
pub fn summarize(df: &DataFrame, tag: u64) -> u64 {
    count_computation();
    df.height() as u64 ^ tag
}

static COMPUTATIONS: AtomicU64 = AtomicU64::new(0);

/// Records one execution of a cached function's body. The harness reads the counter around
/// every hit measurement: if it moved, the timed calls were not all hits and the row is flagged.
#[inline]
pub fn count_computation() {
    COMPUTATIONS.fetch_add(1, Ordering::Relaxed);
}

/// How many function bodies have run so far in this process.
pub fn computations() -> u64 {
    COMPUTATIONS.load(Ordering::Relaxed)
}

/// Frees every generated source (call between workloads so 10M-row runs stay bounded).
pub fn release_sources() {
    *FRAMES.lock().unwrap_or_else(PoisonError::into_inner) = None;
    *RECORDS.lock().unwrap_or_else(PoisonError::into_inner) = None;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_have_the_stated_string_length() {
        let df = generate_frame(100, 24);
        let labels = df.column("label").unwrap().str().unwrap();
        assert!(labels.iter().all(|s| s.unwrap().len() == 24));
    }

    #[test]
    fn sources_are_shared_and_released() {
        let a = frame(50, 12);
        let b = frame(50, 12);
        assert!(a.equals_missing(&b));
        release_sources();
        assert!(
            frame(50, 12).equals_missing(&a),
            "regeneration is deterministic"
        );
        assert_eq!(records(5), generate_records(5));
        release_sources();
    }
}
