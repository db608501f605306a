//! polars `DataFrame` and `Series`: the counterpart of the legacy hasher's special case for pandas
//! frames.
//!
//! Streamlit hashed a pandas frame as `b"%s" % hash_pandas_object(df).sum()`: the wrapping sum
//! of one `u64` per row, a `numpy.uint64`, which `%s` on bytes renders through the buffer
//! protocol as its **8 raw bytes** (native order, little-endian on every platform Streamlit
//! ran on), not as decimal text. Any frame of [`ROWS_LARGE`] rows or more was first replaced by
//! a fixed-seed sample of [`SAMPLE_SIZE`] rows. Our row hashes are polars', not pandas', so
//! frame digests can never equal Streamlit's; what this module reproduces is the sampling rule,
//! its blind spot and the row-order insensitivity. Here:
//!
//! - rows are hashed with polars' `hash_rows`, **explicitly seeded**
//!   (`PlSeedableRandomStateQuality::seed_from_u64(0)`; unseeded it draws a fresh random seed
//!   per call) so the result is the same in every call and every process;
//! - the sample is [`SAMPLE_SIZE`] *distinct* row indices drawn with a splitmix64 generator
//!   seeded with 0 (a partial Fisher-Yates shuffle), so it depends only on the height;
//! - payload = `h=<height>;<name>:<dtype>,...;<sum>`, the sum in decimal. Streamlit's payload
//!   was the sum alone, which ignored column names; mixing in the schema and the full height is
//!   cheap and makes the mutation check see renames, casts and appended rows. (As the digests
//!   differ from Streamlit's anyway, the sum's encoding was left as it is, so persisted legacy
//!   entries keep their keys.)
//!
//! Kept on purpose (faithful): the sum is **row-order-insensitive** (sorting or swapping rows is
//! not a change), and with sampling on, a change in a row outside the sample of a frame with
//! [`ROWS_LARGE`] rows or more is **invisible** (the documented blind spot; see
//! [`sample_rows`]). The harness option `sampling = false` hashes every row instead.
//!
//! A frame `hash_rows` cannot handle (some nested dtypes) is hashed through its serde form
//! instead, as Streamlit fell back to pickling on `TypeError`.

use std::sync::{Arc, Mutex};

use polars::prelude::{
    Column, DataFrame, IdxCa, IdxSize, PlSeedableRandomStateQuality, SeedableFromU64SeedExt, Series,
};

use crate::error::HashError;
use crate::hash::{LegacyHash, LegacyHasher};

/// Frames with at least this many rows are hashed by a sample (`_PANDAS_ROWS_LARGE`).
pub const ROWS_LARGE: usize = 100_000;
/// Rows in the sample (`_PANDAS_SAMPLE_SIZE`).
pub const SAMPLE_SIZE: usize = 10_000;

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The rows a frame of `height` rows is hashed by when sampling is on: `None` below
/// [`ROWS_LARGE`] (every row counts), else [`SAMPLE_SIZE`] distinct indices that depend only on
/// `height`. A mutation confined to rows *not* listed here goes unnoticed by the mutation check.
///
/// ```
/// use legacy_cache::frames::{sample_rows, ROWS_LARGE, SAMPLE_SIZE};
///
/// assert!(sample_rows(ROWS_LARGE - 1).is_none());
/// let rows = sample_rows(ROWS_LARGE).unwrap();
/// assert_eq!(rows.len(), SAMPLE_SIZE);
/// assert_eq!(rows, sample_rows(ROWS_LARGE).unwrap()); // fixed seed
/// ```
pub fn sample_rows(height: usize) -> Option<Vec<usize>> {
    (height >= ROWS_LARGE).then(|| draw(height, SAMPLE_SIZE))
}

/// `k` distinct indices below `n` (`k <= n`): a partial Fisher-Yates shuffle that records only
/// the swapped positions, so it costs O(k) whatever `n` is.
fn draw(n: usize, k: usize) -> Vec<usize> {
    let mut swapped: std::collections::HashMap<usize, usize> =
        std::collections::HashMap::with_capacity(2 * k);
    let mut state = 0u64;
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        let j = i + (splitmix64(&mut state) % (n - i) as u64) as usize;
        let at_j = *swapped.get(&j).unwrap_or(&j);
        let at_i = *swapped.get(&i).unwrap_or(&i);
        swapped.insert(j, at_i);
        out.push(at_j);
    }
    out
}

/// The sample as a polars index, remembered for the last height seen (benchmarks hash the same
/// frame over and over; drawing 10,000 indices costs about as much as hashing them).
fn sample_index(height: usize) -> Result<IdxCa, HashError> {
    static LAST: Mutex<Option<(usize, Arc<IdxCa>)>> = Mutex::new(None);
    if let Some((h, idx)) = &*LAST.lock().unwrap_or_else(|e| e.into_inner())
        && *h == height
    {
        return Ok((**idx).clone());
    }
    let rows = draw(height, SAMPLE_SIZE);
    let rows: Vec<IdxSize> = rows
        .into_iter()
        .map(IdxSize::try_from)
        .collect::<Result<_, _>>()
        .map_err(|_| HashError::internal("DataFrame", "frame too tall for polars' index type"))?;
    let idx = IdxCa::from_vec("sample".into(), rows);
    *LAST.lock().unwrap_or_else(|e| e.into_inner()) = Some((height, Arc::new(idx.clone())));
    Ok(idx)
}

/// The order-insensitive wrapping sum of the seeded row hashes, over the sample when `sampling`.
fn row_hash_sum(df: &DataFrame, sampling: bool) -> Result<u64, String> {
    if df.width() == 0 || df.height() == 0 {
        return Ok(0);
    }
    let mut frame = if sampling && df.height() >= ROWS_LARGE {
        let idx = sample_index(df.height()).map_err(|e| e.to_string())?;
        df.take(&idx).map_err(|e| e.to_string())?
    } else {
        // Copy-on-write: shares the buffers, O(1).
        df.clone()
    };
    let hashes = frame
        .hash_rows(Some(PlSeedableRandomStateQuality::seed_from_u64(0)))
        .map_err(|e| e.to_string())?;
    Ok(hashes
        .downcast_iter()
        .flat_map(|a| a.values().iter())
        .fold(0u64, |acc, &h| acc.wrapping_add(h)))
}

fn frame_payload(df: &DataFrame, h: &mut LegacyHasher) -> Result<Vec<u8>, HashError> {
    let mut payload = format!("h={};", df.height());
    for (name, dtype) in df.schema().iter() {
        payload.push_str(&format!("{name}:{dtype:?},"));
    }
    payload.push(';');
    match row_hash_sum(df, h.sampling()) {
        Ok(sum) => payload.push_str(&sum.to_string()),
        Err(why) => {
            // Streamlit pickled the frame when hash_pandas_object raised; serde is our pickle.
            let mut sub = LegacyHasher::new(h.sampling());
            crate::serde_hash::hash_serialize(df, &mut sub).map_err(|e| {
                HashError::internal(
                    "polars::frame::DataFrame",
                    format!("cannot hash the frame by rows ({why}) nor through serde ({e})"),
                )
            })?;
            payload.push_str(&format!("serde:{}", sub.finish()));
        }
    }
    Ok(payload.into_bytes())
}

/// `DataFrame:` and the payload described in the module docs.
///
/// ```
/// use polars::prelude::*;
///
/// let a = df!("x" => [1i64, 2, 3]).unwrap();
/// let reversed = df!("x" => [3i64, 2, 1]).unwrap();
/// let changed = df!("x" => [1i64, 2, 4]).unwrap();
/// let h = |df: &DataFrame| legacy_cache::hash_value!(df).unwrap();
/// assert_eq!(h(&a), h(&reversed)); // row order is ignored, as in Streamlit
/// assert_ne!(h(&a), h(&changed));
/// ```
impl LegacyHash for DataFrame {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        let payload = frame_payload(self, h)?;
        h.write_framed("DataFrame", &payload);
        Ok(())
    }
}

/// `Series:` and the payload of the one-column frame holding it.
impl LegacyHash for Series {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        let df = self.clone().into_frame();
        let payload = frame_payload(&df, h)?;
        h.write_framed("Series", &payload);
        Ok(())
    }
}

/// As the materialized `Series`.
impl LegacyHash for Column {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        self.as_materialized_series().legacy_hash(h)
    }
}

#[cfg(test)]
mod tests {
    use polars::prelude::*;

    use super::*;

    fn digest(df: &DataFrame, sampling: bool) -> crate::Digest {
        let mut h = LegacyHasher::new(sampling);
        df.legacy_hash(&mut h).unwrap();
        h.finish()
    }

    #[test]
    fn draw_gives_distinct_indices_in_range() {
        let rows = draw(20_000, 10_000);
        let set: std::collections::HashSet<_> = rows.iter().copied().collect();
        assert_eq!(set.len(), 10_000);
        assert!(rows.iter().all(|&r| r < 20_000));
        assert_eq!(draw(5, 5).len(), 5);
    }

    #[test]
    fn chunking_does_not_matter() {
        let a = df!("x" => [1i64, 2], "s" => ["a", "b"]).unwrap();
        let b = df!("x" => [3i64], "s" => ["c"]).unwrap();
        let stacked = a.vstack(&b).unwrap();
        let mut whole = stacked.clone();
        whole.rechunk_mut();
        assert_eq!(digest(&stacked, true), digest(&whole, true));
    }

    #[test]
    fn schema_is_part_of_the_payload() {
        let a = df!("x" => [1i64, 2]).unwrap();
        let renamed = df!("y" => [1i64, 2]).unwrap();
        let cast = df!("x" => [1i32, 2]).unwrap();
        assert_ne!(digest(&a, true), digest(&renamed, true));
        assert_ne!(digest(&a, true), digest(&cast, true));
    }

    #[test]
    fn empty_frames_hash() {
        let empty = DataFrame::empty();
        let no_rows = df!("x" => Vec::<i64>::new()).unwrap();
        assert_ne!(digest(&empty, true), digest(&no_rows, true));
    }

    #[test]
    fn series_hash_by_value() {
        let s = Series::new("a".into(), &[1i64, 2, 3]);
        let t = Series::new("a".into(), &[1i64, 2, 4]);
        let d = |s: &Series| {
            let mut h = LegacyHasher::new(true);
            s.legacy_hash(&mut h).unwrap();
            h.finish()
        };
        assert_eq!(d(&s), d(&s.clone()));
        assert_ne!(d(&s), d(&t));
        let c = s.clone().into_column();
        let mut h = LegacyHasher::new(true);
        c.legacy_hash(&mut h).unwrap();
        assert_eq!(h.finish(), d(&s), "a Column hashes as its Series");
    }
}
