//! [`KeyHash`] for polars `DataFrame`, `Series`, `Column`, `Schema` and `DataType`.
//!
//! A frame's key covers its *content and schema*: height, column count, and per column its
//! name, dtype, length, null count, null positions and the values in the valid slots. It is
//! built straight from the Arrow buffers (no serde, no IPC), and it is:
//!
//! * **independent of chunking and slicing**: chunks are streamed one after another into a
//!   split-invariant hasher, and every per-chunk encoding is position-free (bit-packed streams are
//!   re-packed across chunk boundaries), so a `vstack`ed frame, its rechunked copy and a
//!   slice-and-reassembled copy share a key;
//! * **blind to values under null slots**: those are written as zero (or skipped, for strings),
//!   and null positions are hashed separately as a packed validity bitmap;
//! * **fast**: primitive columns without nulls feed their value buffers to xxh3 directly.
//!
//! Per-column stream: tag, name, dtype, length, null count, then (only when there are nulls) the
//! 128-bit digest of the packed validity bits, then the values:
//!
//! | dtype | values |
//! |---|---|
//! | `Int8`..`Int64`, `UInt8`..`UInt64` | element tag, then little-endian values, nulls as 0 |
//! | `Float32`, `Float64` | same, by bit pattern like the scalar impls (`-0.0` differs from `0.0`; one canonical NaN) |
//! | `Boolean` | values bit-packed into little-endian `u64` words (nulls as `false`) |
//! | `String`, `Binary` | for each valid slot, `u32` length then bytes |
//! | `Date`, `Datetime`, `Duration`, `Time` | the physical integer column, as above |
//! | `Null` | nothing (length and null count say it all) |
//! | anything else (`List`, `Int128`, `Float16`, ...) | slow fallback: [`crate::hash_serialize`] of the rechunked `Series` (an Arrow IPC stream) |
//!
//! The fallback is correct across chunking but may see bytes under null slots, so two frames
//! that differ only there can get different keys (a spurious cache miss, never a wrong hit). If
//! even serde fails, each row's `AnyValue` debug text is hashed.
//!
//! **dtype encoding:** the `Debug` text of the `DataType` (`Int64`, `Datetime('μs', 'UTC')`,
//! `List(String)`, ...). It distinguishes every dtype this crate can see with the enabled polars
//! features and is stable within a polars version; a polars upgrade that changes these strings
//! changes keys, which only costs a recompute.

use polars::prelude::{
    BinaryChunked, BooleanChunked, Column, DataFrame, DataType, PolarsNumericType, Schema, Series,
    StaticArray, StringChunked,
};

use crate::std_impls::{Prim, canon_f32, canon_f64, tag, write_encoded};
use crate::{KeyHash, KeyHasher, hash_serialize};

/// The dtype's `Debug` text, tagged; see the module docs.
///
/// ```
/// use cache_key::{KeyHash, KeyHasher};
/// use polars::prelude::DataType;
///
/// let key = |d: &DataType| {
///     let mut h = KeyHasher::new();
///     d.key_hash(&mut h);
///     h.finish()
/// };
/// assert_ne!(key(&DataType::Int32), key(&DataType::Int64));
/// ```
impl KeyHash for DataType {
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::DTYPE);
        h.write_str(&format!("{self:?}"));
    }
}

/// Column names and dtypes, in order.
///
/// ```
/// use cache_key::{KeyHash, KeyHasher};
/// use polars::prelude::*;
///
/// let df = df!("a" => [1i64], "b" => ["x"]).unwrap();
/// let mut h = KeyHasher::new();
/// df.schema().as_ref().key_hash(&mut h);
/// let _key = h.finish();
/// ```
impl KeyHash for Schema {
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::SCHEMA);
        h.write_len(self.len());
        for (name, dtype) in self.iter() {
            h.write_str(name.as_str());
            dtype.key_hash(h);
        }
    }
}

/// Height, width, then every column (name, dtype, nulls, values); see the module docs.
///
/// ```
/// use cache_key::{KeyHash, KeyHasher};
/// use polars::prelude::*;
///
/// let key = |df: &DataFrame| {
///     let mut h = KeyHasher::new();
///     df.key_hash(&mut h);
///     h.finish()
/// };
/// let a = df!("x" => [1i64, 2], "y" => [Some("a"), None]).unwrap();
/// let b = df!("x" => [3i64], "y" => [Some("b")]).unwrap();
/// let stacked = a.vstack(&b).unwrap(); // two chunks per column
/// let mut whole = stacked.clone();
/// whole.rechunk_mut();
/// assert_eq!(key(&stacked), key(&whole));
/// assert_ne!(key(&a), key(&b));
/// ```
impl KeyHash for DataFrame {
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::DATAFRAME);
        h.write_len(self.height());
        h.write_len(self.width());
        for c in self.columns() {
            c.key_hash(h);
        }
    }
}

/// Same as the materialized `Series` (a scalar column is expanded first).
impl KeyHash for Column {
    fn key_hash(&self, h: &mut KeyHasher) {
        self.as_materialized_series().key_hash(h);
    }
}

/// Name, dtype, length, nulls and values; see the module docs.
///
/// ```
/// use cache_key::{KeyHash, KeyHasher};
/// use polars::prelude::*;
///
/// let key = |s: &Series| {
///     let mut h = KeyHasher::new();
///     s.key_hash(&mut h);
///     h.finish()
/// };
/// let s = Series::new("a".into(), &[Some(1i32), None, Some(3)]);
/// assert_eq!(key(&s), key(&s.clone()));
/// assert_ne!(key(&s), key(&s.cast(&DataType::Int64).unwrap())); // dtype counts
/// assert_ne!(key(&s), key(&Series::new("a".into(), &[Some(1i32), Some(0), Some(3)])));
/// ```
impl KeyHash for Series {
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::SERIES);
        h.write_str(self.name().as_str());
        self.dtype().key_hash(h);
        h.write_len(self.len());
        let nulls = self.null_count();
        h.write_len(nulls);
        hash_values(self, nulls > 0, h);
    }
}

/// Writes validity (if `has_nulls`) and values of `s` by its dtype.
fn hash_values(s: &Series, has_nulls: bool, h: &mut KeyHasher) {
    macro_rules! prim {
        ($ca:expr, $t:ty, $enc:expr) => {{
            let ca = $ca.expect("dtype checked");
            hash_primitive::<_, _>(ca, has_nulls, h, |x: $t| $enc(x))
        }};
    }
    match s.dtype() {
        DataType::Int8 => prim!(s.i8(), i8, i8::to_le_bytes),
        DataType::Int16 => prim!(s.i16(), i16, i16::to_le_bytes),
        DataType::Int32 => prim!(s.i32(), i32, i32::to_le_bytes),
        DataType::Int64 => prim!(s.i64(), i64, i64::to_le_bytes),
        DataType::UInt8 => prim!(s.u8(), u8, u8::to_le_bytes),
        DataType::UInt16 => prim!(s.u16(), u16, u16::to_le_bytes),
        DataType::UInt32 => prim!(s.u32(), u32, u32::to_le_bytes),
        DataType::UInt64 => prim!(s.u64(), u64, u64::to_le_bytes),
        DataType::Float32 => prim!(s.f32(), f32, |x| canon_f32(x).to_le_bytes()),
        DataType::Float64 => prim!(s.f64(), f64, |x| canon_f64(x).to_le_bytes()),
        DataType::Boolean => hash_bool(s.bool().expect("dtype checked"), has_nulls, h),
        DataType::String => hash_str(s.str().expect("dtype checked"), has_nulls, h),
        DataType::Binary => hash_binary(s.binary().expect("dtype checked"), has_nulls, h),
        DataType::Date | DataType::Datetime(..) | DataType::Duration(_) | DataType::Time => {
            // The logical dtype is already in the header; the physical integers carry the rest.
            let phys = s.to_physical_repr();
            hash_values(&phys, has_nulls, h);
        }
        DataType::Null => {}
        _ => hash_fallback(s, h),
    }
}

/// Slow path for dtypes without a buffer-level encoding; see the module docs.
fn hash_fallback(s: &Series, h: &mut KeyHasher) {
    // Serialize into a scratch hasher so a failure half-way leaves no partial stream behind.
    let mut sub = KeyHasher::new();
    if hash_serialize(&s.rechunk(), &mut sub).is_ok() {
        h.write_tag(0);
        h.write(&sub.finish().0.to_le_bytes());
        return;
    }
    h.write_tag(1);
    for i in 0..s.len() {
        let text = match s.get(i) {
            Ok(v) => format!("{v:?}"),
            Err(e) => format!("<error: {e}>"),
        };
        h.write_str(&text);
    }
}

/// Packs a stream of bits, arriving in runs of any length, into little-endian `u64` words, so
/// the output depends only on the concatenated bits and not on where runs (chunks) start.
struct BitPacker<'h> {
    h: &'h mut KeyHasher,
    acc: u64,
    fill: u32,
    buf: Vec<u8>,
}

impl<'h> BitPacker<'h> {
    const FLUSH: usize = 4096;

    fn new(h: &'h mut KeyHasher) -> Self {
        Self {
            h,
            acc: 0,
            fill: 0,
            buf: Vec::with_capacity(Self::FLUSH),
        }
    }

    #[inline]
    fn emit(&mut self, w: u64) {
        self.buf.extend_from_slice(&w.to_le_bytes());
        if self.buf.len() >= Self::FLUSH {
            self.h.write(&self.buf);
            self.buf.clear();
        }
    }

    /// Appends the low `n` bits of `w` (higher bits must be zero), `n <= 64`.
    #[inline]
    fn push(&mut self, w: u64, n: u32) {
        if n == 0 {
            return;
        }
        if self.fill == 0 {
            if n == 64 {
                self.emit(w);
            } else {
                self.acc = w;
                self.fill = n;
            }
            return;
        }
        self.acc |= w << self.fill;
        let total = self.fill + n;
        if total >= 64 {
            let full = self.acc;
            self.emit(full);
            // Bits of `w` that did not fit; zero when `w` fit exactly.
            self.acc = w >> (64 - self.fill);
            self.fill = total - 64;
        } else {
            self.fill = total;
        }
    }

    fn push_ones(&mut self, mut n: usize) {
        while n >= 64 {
            self.push(u64::MAX, 64);
            n -= 64;
        }
        if n > 0 {
            self.push((1u64 << n) - 1, n as u32);
        }
    }

    fn finish(mut self) {
        if self.fill > 0 {
            let last = self.acc;
            self.emit(last);
        }
        self.h.write(&self.buf);
    }
}

/// Whether a chunk has any null slot (a validity bitmap may exist with no unset bits).
fn has_null_slots<A: StaticArray>(arr: &A) -> bool {
    arr.validity().is_some_and(|v| v.unset_bits() > 0)
}

/// Pushes a chunk's validity bits (all ones when it has no bitmap).
fn push_validity<A: StaticArray>(arr: &A, p: &mut BitPacker<'_>) {
    match arr.validity() {
        None => p.push_ones(arr.len()),
        Some(bm) => {
            let mut it = bm.chunks::<u64>();
            for w in it.by_ref() {
                p.push(w, 64);
            }
            p.push(it.remainder(), it.remainder_len() as u32);
        }
    }
}

/// Writes the digest of the column's packed validity bitmap, from all chunks in order.
fn write_validity<'a, A: StaticArray + 'a>(chunks: impl Iterator<Item = &'a A>, h: &mut KeyHasher) {
    let mut sub = KeyHasher::new();
    let mut p = BitPacker::new(&mut sub);
    for arr in chunks {
        push_validity(arr, &mut p);
    }
    p.finish();
    h.write(&sub.finish().0.to_le_bytes());
}

fn hash_primitive<T, const W: usize>(
    ca: &polars::prelude::ChunkedArray<T>,
    has_nulls: bool,
    h: &mut KeyHasher,
    enc: impl Fn(T::Native) -> [u8; W],
) where
    T: PolarsNumericType,
    T::Native: Prim,
{
    if has_nulls {
        write_validity(ca.downcast_iter(), h);
    }
    h.write_tag(<T::Native as Prim>::TAG);
    for arr in ca.downcast_iter() {
        let values: &[T::Native] = arr.values().as_slice();
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            // Fast path: the raw buffer (NaNs are made canonical on the way).
            None => <T::Native as Prim>::write_le(values, h),
            Some(valid) => {
                let zero = enc(T::Native::default());
                write_encoded(
                    values
                        .iter()
                        .zip(valid.iter())
                        .map(|(&v, ok)| if ok { enc(v) } else { zero }),
                    h,
                );
            }
        }
    }
}

fn hash_bool(ca: &BooleanChunked, has_nulls: bool, h: &mut KeyHasher) {
    if has_nulls {
        write_validity(ca.downcast_iter(), h);
    }
    h.write_tag(tag::BOOL);
    let mut p = BitPacker::new(h);
    for arr in ca.downcast_iter() {
        let values = arr.values();
        let mut vit = values.chunks::<u64>();
        match arr.validity().filter(|v| v.unset_bits() > 0) {
            None => {
                for w in vit.by_ref() {
                    p.push(w, 64);
                }
                p.push(vit.remainder(), vit.remainder_len() as u32);
            }
            Some(valid) => {
                // Null slots count as `false`, whatever the value buffer holds.
                let mut mit = valid.chunks::<u64>();
                for (w, m) in vit.by_ref().zip(mit.by_ref()) {
                    p.push(w & m, 64);
                }
                p.push(
                    vit.remainder() & mit.remainder(),
                    vit.remainder_len() as u32,
                );
            }
        }
    }
    p.finish();
}

/// Staging buffer for variable-length values: per-element hasher calls are far too slow.
struct VarWriter<'h> {
    h: &'h mut KeyHasher,
    buf: Vec<u8>,
}

impl<'h> VarWriter<'h> {
    const FLUSH: usize = 64 * 1024;

    fn new(h: &'h mut KeyHasher) -> Self {
        Self {
            h,
            buf: Vec::with_capacity(Self::FLUSH + 64),
        }
    }

    #[inline]
    fn push(&mut self, v: &[u8]) {
        // Lengths of Arrow view values are u32 by construction.
        self.buf.extend_from_slice(&(v.len() as u32).to_le_bytes());
        if v.len() > Self::FLUSH {
            self.h.write(&self.buf);
            self.buf.clear();
            self.h.write(v);
            return;
        }
        self.buf.extend_from_slice(v);
        if self.buf.len() >= Self::FLUSH {
            self.h.write(&self.buf);
            self.buf.clear();
        }
    }

    fn finish(self) {
        self.h.write(&self.buf);
    }
}

fn hash_str(ca: &StringChunked, has_nulls: bool, h: &mut KeyHasher) {
    if has_nulls {
        write_validity(ca.downcast_iter(), h);
    }
    h.write_tag(tag::STR);
    let mut w = VarWriter::new(h);
    for arr in ca.downcast_iter() {
        if has_null_slots(arr) {
            for s in arr.iter().flatten() {
                w.push(s.as_bytes());
            }
        } else {
            for s in arr.values_iter() {
                w.push(s.as_bytes());
            }
        }
    }
    w.finish();
}

fn hash_binary(ca: &BinaryChunked, has_nulls: bool, h: &mut KeyHasher) {
    if has_nulls {
        write_validity(ca.downcast_iter(), h);
    }
    h.write_tag(tag::BYTES);
    let mut w = VarWriter::new(h);
    for arr in ca.downcast_iter() {
        if has_null_slots(arr) {
            for b in arr.iter().flatten() {
                w.push(b);
            }
        } else {
            for b in arr.values_iter() {
                w.push(b);
            }
        }
    }
    w.finish();
}
