//! [`KeyHash`] for standard-library types, and the tag bytes every encoding in this crate uses.
//!
//! Encoding rules (the stream is what gets hashed, so these are the key's definition):
//!
//! * Every value starts with a one-byte tag for its *kind* ([`tag`]). Integer widths and
//!   signedness have their own tags, so `1u32` and `1u64` give different keys: a generic or
//!   nested argument that changes type is a different argument. `usize`/`isize` have their own
//!   tags too and are written as 64-bit values, so keys do not depend on the platform's pointer
//!   width.
//! * Numbers are little-endian. Floats are hashed by their IEEE-754 bit pattern, as Streamlit
//!   (≥ 1.29) keys them by `struct.pack("<d", x)`: `-0.0` and `0.0` compare equal but are
//!   different arguments (`1.0 / x` tells them apart), so they get different keys. The one
//!   exception is NaN: every NaN payload and sign is written as the canonical quiet NaN
//!   (`f64::NAN`), so a NaN argument gets one stable key however it was produced (Streamlit
//!   keeps the payload; no Rust or Python arithmetic exposes it).
//! * Variable-length values (strings, byte strings, paths, sequences, maps) write their length
//!   as a `u64` before their content; tuples write their arity.
//! * Sequences (`[T]`, `Vec`, `VecDeque`, `[T; N]`) share one tag, since they compare equal by
//!   content: tag, length, the first element in full (its tag says what the elements are), then
//!   the rest through [`KeyHash::key_hash_slice`], which for numbers is their raw little-endian
//!   bytes in one write. `str`/`String`/`Cow<str>` share another tag. `Box`, `Rc`, `Arc`, `&`, `&mut` and `Cow`
//!   are transparent: a pointer to a value hashes like the value.
//! * Ordered collections (`BTreeMap`, `BTreeSet`) hash their entries in order. Hash-based ones
//!   (`HashMap`, `HashSet`) hash every entry into its own [`KeyHasher`] and add the 128-bit
//!   digests (wrapping), then write the count, so iteration order (which is randomised per
//!   process) never matters. Additive combination is fine against accidental collisions but is
//!   not meant to resist an adversary who chooses the keys.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::ffi::{OsStr, OsString};
use std::hash::BuildHasher;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use crate::{Key, KeyHash, KeyHasher};

/// Tag bytes. One per kind of value; shared with the serde serializer so that a value hashed
/// through serde and through [`KeyHash`] agree wherever the data models coincide (scalars,
/// strings, options, unit).
pub(crate) mod tag {
    pub const UNIT: u8 = 0x01;
    pub const BOOL: u8 = 0x02;
    pub const CHAR: u8 = 0x03;

    pub const U8: u8 = 0x10;
    pub const U16: u8 = 0x11;
    pub const U32: u8 = 0x12;
    pub const U64: u8 = 0x13;
    pub const U128: u8 = 0x14;
    pub const USIZE: u8 = 0x15;
    pub const I8: u8 = 0x18;
    pub const I16: u8 = 0x19;
    pub const I32: u8 = 0x1A;
    pub const I64: u8 = 0x1B;
    pub const I128: u8 = 0x1C;
    pub const ISIZE: u8 = 0x1D;
    pub const F32: u8 = 0x20;
    pub const F64: u8 = 0x21;

    pub const STR: u8 = 0x30;
    pub const BYTES: u8 = 0x31;
    pub const PATH: u8 = 0x38;
    pub const OS_STR: u8 = 0x39;

    pub const SEQ: u8 = 0x40;
    pub const TUPLE: u8 = 0x41;
    /// A serde sequence whose length was not known up front: elements, then the count.
    pub const SEQ_UNKNOWN_LEN: u8 = 0x42;

    pub const NONE: u8 = 0x48;
    pub const SOME: u8 = 0x49;
    pub const OK: u8 = 0x4A;
    pub const ERR: u8 = 0x4B;

    pub const MAP_ORDERED: u8 = 0x50;
    pub const MAP_UNORDERED: u8 = 0x51;
    pub const SET_ORDERED: u8 = 0x52;
    pub const SET_UNORDERED: u8 = 0x53;

    pub const DURATION: u8 = 0x58;

    pub const STRUCT: u8 = 0x60;
    pub const NEWTYPE_STRUCT: u8 = 0x61;
    pub const UNIT_STRUCT: u8 = 0x62;
    pub const TUPLE_STRUCT: u8 = 0x63;
    pub const UNIT_VARIANT: u8 = 0x64;
    pub const NEWTYPE_VARIANT: u8 = 0x65;
    pub const TUPLE_VARIANT: u8 = 0x66;
    pub const STRUCT_VARIANT: u8 = 0x67;

    pub const KEY: u8 = 0x70;

    // Used by the polars impls only.
    #[cfg_attr(not(feature = "polars"), allow(dead_code))]
    pub const DATAFRAME: u8 = 0x80;
    #[cfg_attr(not(feature = "polars"), allow(dead_code))]
    pub const SERIES: u8 = 0x81;
    #[cfg_attr(not(feature = "polars"), allow(dead_code))]
    pub const SCHEMA: u8 = 0x82;
    #[cfg_attr(not(feature = "polars"), allow(dead_code))]
    pub const DTYPE: u8 = 0x83;
}

/// Bytes staged per `write` call when elements must be converted first (floats, `usize`,
/// big-endian targets): large enough that the per-call overhead vanishes, small enough for the
/// stack and L1.
const STAGE: usize = 4096;

/// Writes `items` through `f` (one fixed-size little-endian encoding per element), staging the
/// output so the hasher sees a few large writes instead of one per element.
#[inline]
pub(crate) fn write_mapped<T, const W: usize>(
    items: &[T],
    h: &mut KeyHasher,
    f: impl Fn(&T) -> [u8; W],
) {
    let mut buf = [0u8; STAGE];
    let per = STAGE / W;
    for block in items.chunks(per) {
        let mut n = 0;
        for x in block {
            buf[n..n + W].copy_from_slice(&f(x));
            n += W;
        }
        h.write(&buf[..n]);
    }
}

/// Like [`write_mapped`], for an iterator of already-encoded elements.
#[cfg_attr(not(feature = "polars"), allow(dead_code))]
#[inline]
pub(crate) fn write_encoded<const W: usize>(
    items: impl Iterator<Item = [u8; W]>,
    h: &mut KeyHasher,
) {
    let mut buf = [0u8; STAGE];
    let cap = STAGE / W * W;
    let mut n = 0;
    for bytes in items {
        buf[n..n + W].copy_from_slice(&bytes);
        n += W;
        if n == cap {
            h.write(&buf[..n]);
            n = 0;
        }
    }
    h.write(&buf[..n]);
}

/// A number whose slice can be fed to the hasher in bulk.
pub(crate) trait Prim: Copy {
    /// The element tag a polars column of this type writes once before its values.
    #[cfg_attr(not(feature = "polars"), allow(dead_code))]
    const TAG: u8;
    /// Feeds the little-endian encoding of every element, without tags.
    fn write_le(items: &[Self], h: &mut KeyHasher);
}

macro_rules! int_impls {
    ($($t:ty => $tag:ident),* $(,)?) => {$(
        impl Prim for $t {
            const TAG: u8 = tag::$tag;
            #[inline]
            fn write_le(items: &[Self], h: &mut KeyHasher) {
                #[cfg(target_endian = "little")]
                {
                    // SAFETY: integers have no padding and every bit pattern is a valid `u8`;
                    // the byte view covers exactly the slice's memory. On little-endian targets
                    // the in-memory bytes are the little-endian encoding.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(
                            items.as_ptr().cast::<u8>(),
                            std::mem::size_of_val(items),
                        )
                    };
                    h.write(bytes);
                }
                #[cfg(not(target_endian = "little"))]
                write_mapped(items, h, |x| x.to_le_bytes());
            }
        }

        impl KeyHash for $t {
            #[inline]
            fn key_hash(&self, h: &mut KeyHasher) {
                h.write_tag(tag::$tag);
                h.write(&self.to_le_bytes());
            }

            #[inline]
            fn key_hash_slice(items: &[Self], h: &mut KeyHasher) {
                <$t as Prim>::write_le(items, h);
            }
        }
    )*};
}

int_impls! {
    u8 => U8, u16 => U16, u32 => U32, u64 => U64, u128 => U128,
    i8 => I8, i16 => I16, i32 => I32, i64 => I64, i128 => I128,
}

/// The bits a float is keyed by: its own, except that any NaN is the canonical quiet NaN; see
/// the module docs. The sign of zero is kept.
#[inline]
pub(crate) fn canon_f64(x: f64) -> u64 {
    if x.is_nan() {
        f64::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

/// [`canon_f64`] for `f32`.
#[inline]
pub(crate) fn canon_f32(x: f32) -> u32 {
    if x.is_nan() {
        f32::NAN.to_bits()
    } else {
        x.to_bits()
    }
}

impl Prim for f64 {
    const TAG: u8 = tag::F64;
    #[inline]
    fn write_le(items: &[Self], h: &mut KeyHasher) {
        write_mapped(items, h, |x| canon_f64(*x).to_le_bytes());
    }
}

impl Prim for f32 {
    const TAG: u8 = tag::F32;
    #[inline]
    fn write_le(items: &[Self], h: &mut KeyHasher) {
        write_mapped(items, h, |x| canon_f32(*x).to_le_bytes());
    }
}

/// Floats hash their bit pattern, so `-0.0` and `0.0` differ; every NaN hashes as one NaN.
///
/// ```
/// use cache_key::{KeyHash, KeyHasher};
///
/// let key = |x: f64| {
///     let mut h = KeyHasher::new();
///     x.key_hash(&mut h);
///     h.finish()
/// };
/// assert_ne!(key(0.0), key(-0.0)); // 1.0 / x tells them apart
/// assert_eq!(key(0.0), key(0.0));
/// assert_eq!(key(f64::NAN), key(-f64::NAN));
/// assert_ne!(key(1.0), key(1.0 + f64::EPSILON));
/// ```
impl KeyHash for f64 {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::F64);
        h.write(&canon_f64(*self).to_le_bytes());
    }

    #[inline]
    fn key_hash_slice(items: &[Self], h: &mut KeyHasher) {
        f64::write_le(items, h);
    }
}

/// Bit pattern with one canonical NaN, as for `f64`.
impl KeyHash for f32 {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::F32);
        h.write(&canon_f32(*self).to_le_bytes());
    }

    #[inline]
    fn key_hash_slice(items: &[Self], h: &mut KeyHasher) {
        f32::write_le(items, h);
    }
}

/// Written as a `u64` so the key is the same on 32- and 64-bit targets.
impl KeyHash for usize {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::USIZE);
        h.write(&(*self as u64).to_le_bytes());
    }

    #[inline]
    fn key_hash_slice(items: &[Self], h: &mut KeyHasher) {
        write_mapped(items, h, |x| (*x as u64).to_le_bytes());
    }
}

/// Written as an `i64` so the key is the same on 32- and 64-bit targets.
impl KeyHash for isize {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::ISIZE);
        h.write(&(*self as i64).to_le_bytes());
    }

    #[inline]
    fn key_hash_slice(items: &[Self], h: &mut KeyHasher) {
        write_mapped(items, h, |x| (*x as i64).to_le_bytes());
    }
}

impl KeyHash for bool {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write(&[tag::BOOL, u8::from(*self)]);
    }

    #[inline]
    fn key_hash_slice(items: &[Self], h: &mut KeyHasher) {
        write_mapped(items, h, |b| [u8::from(*b)]);
    }
}

impl KeyHash for char {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::CHAR);
        h.write(&u32::from(*self).to_le_bytes());
    }

    #[inline]
    fn key_hash_slice(items: &[Self], h: &mut KeyHasher) {
        write_mapped(items, h, |c| u32::from(*c).to_le_bytes());
    }
}

impl KeyHash for () {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::UNIT);
    }
}

/// A [`Key`] (for instance one returned by a `hash_funcs` function) hashes as its 16 bytes.
impl KeyHash for Key {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::KEY);
        h.write(&self.0.to_le_bytes());
    }
}

impl KeyHash for str {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::STR);
        h.write_str(self);
    }
}

impl KeyHash for String {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        self.as_str().key_hash(h);
    }
}

impl KeyHash for Path {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::PATH);
        h.write_bytes(self.as_os_str().as_encoded_bytes());
    }
}

impl KeyHash for PathBuf {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        self.as_path().key_hash(h);
    }
}

impl KeyHash for OsStr {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::OS_STR);
        h.write_bytes(self.as_encoded_bytes());
    }
}

impl KeyHash for OsString {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        self.as_os_str().key_hash(h);
    }
}

impl KeyHash for Duration {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::DURATION);
        h.write(&self.as_secs().to_le_bytes());
        h.write(&self.subsec_nanos().to_le_bytes());
    }
}

/// Tag, length, the first element in full (its tag types the sequence), then the rest through
/// [`KeyHash::key_hash_slice`] (raw bytes for primitive numbers). An empty sequence is the same
/// for every element type.
impl<T: KeyHash> KeyHash for [T] {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::SEQ);
        h.write_len(self.len());
        if let Some((first, rest)) = self.split_first() {
            first.key_hash(h);
            T::key_hash_slice(rest, h);
        }
    }
}

impl<T: KeyHash> KeyHash for Vec<T> {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        self.as_slice().key_hash(h);
    }
}

impl<T: KeyHash, const N: usize> KeyHash for [T; N] {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        self.as_slice().key_hash(h);
    }
}

/// Hashes like the equivalent `Vec`, whatever the ring buffer's internal split.
impl<T: KeyHash> KeyHash for VecDeque<T> {
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::SEQ);
        h.write_len(self.len());
        // `key_hash_slice` is split-invariant, so the two halves hash like the joined slice.
        let (mut a, mut b) = self.as_slices();
        if a.is_empty() {
            (a, b) = (b, a);
        }
        if let Some((first, rest)) = a.split_first() {
            first.key_hash(h);
            T::key_hash_slice(rest, h);
            T::key_hash_slice(b, h);
        }
    }
}

impl<T: KeyHash> KeyHash for Option<T> {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        match self {
            None => h.write_tag(tag::NONE),
            Some(v) => {
                h.write_tag(tag::SOME);
                v.key_hash(h);
            }
        }
    }
}

impl<T: KeyHash, E: KeyHash> KeyHash for Result<T, E> {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        match self {
            Ok(v) => {
                h.write_tag(tag::OK);
                v.key_hash(h);
            }
            Err(e) => {
                h.write_tag(tag::ERR);
                e.key_hash(h);
            }
        }
    }
}

macro_rules! transparent {
    ($($ty:ty),*) => {$(
        impl<T: KeyHash + ?Sized> KeyHash for $ty {
            #[inline]
            fn key_hash(&self, h: &mut KeyHasher) {
                (**self).key_hash(h);
            }
        }
    )*};
}

transparent!(&T, &mut T, Box<T>, Rc<T>, Arc<T>);

impl<T: KeyHash + ToOwned + ?Sized> KeyHash for Cow<'_, T> {
    #[inline]
    fn key_hash(&self, h: &mut KeyHasher) {
        (**self).key_hash(h);
    }
}

macro_rules! tuple_impls {
    ($($n:literal => ($($name:ident),+);)*) => {$(
        impl<$($name: KeyHash),+> KeyHash for ($($name,)+) {
            #[inline]
            #[allow(non_snake_case)]
            fn key_hash(&self, h: &mut KeyHasher) {
                h.write(&[tag::TUPLE, $n]);
                let ($($name,)+) = self;
                $($name.key_hash(h);)+
            }
        }
    )*};
}

tuple_impls! {
    1 => (A);
    2 => (A, B);
    3 => (A, B, C);
    4 => (A, B, C, D);
    5 => (A, B, C, D, E);
    6 => (A, B, C, D, E, F);
    7 => (A, B, C, D, E, F, G);
    8 => (A, B, C, D, E, F, G, H);
    9 => (A, B, C, D, E, F, G, H, I);
    10 => (A, B, C, D, E, F, G, H, I, J);
    11 => (A, B, C, D, E, F, G, H, I, J, K);
    12 => (A, B, C, D, E, F, G, H, I, J, K, L);
}

impl<K: KeyHash, V: KeyHash> KeyHash for BTreeMap<K, V> {
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::MAP_ORDERED);
        h.write_len(self.len());
        for (k, v) in self {
            k.key_hash(h);
            v.key_hash(h);
        }
    }
}

impl<T: KeyHash> KeyHash for BTreeSet<T> {
    fn key_hash(&self, h: &mut KeyHasher) {
        h.write_tag(tag::SET_ORDERED);
        h.write_len(self.len());
        for x in self {
            x.key_hash(h);
        }
    }
}

/// Order-independent combination: the wrapping sum of each entry's own digest, then the count.
pub(crate) fn write_unordered<I, F>(h: &mut KeyHasher, tag: u8, len: usize, entries: I, f: F)
where
    I: IntoIterator,
    F: Fn(I::Item, &mut KeyHasher),
{
    let mut sum = 0u128;
    for e in entries {
        let mut sub = KeyHasher::new();
        f(e, &mut sub);
        sum = sum.wrapping_add(sub.finish().0);
    }
    h.write_tag(tag);
    h.write_len(len);
    h.write(&sum.to_le_bytes());
}

/// Order-independent: iteration order (randomised per process for the default hasher) never
/// changes the key.
///
/// ```
/// use std::collections::HashMap;
/// use cache_key::{KeyHash, KeyHasher};
///
/// let key = |m: &HashMap<&str, i32>| {
///     let mut h = KeyHasher::new();
///     m.key_hash(&mut h);
///     h.finish()
/// };
/// let a: HashMap<_, _> = [("x", 1), ("y", 2)].into_iter().collect();
/// let b: HashMap<_, _> = [("y", 2), ("x", 1)].into_iter().collect();
/// assert_eq!(key(&a), key(&b));
/// ```
impl<K: KeyHash, V: KeyHash, S: BuildHasher> KeyHash for HashMap<K, V, S> {
    fn key_hash(&self, h: &mut KeyHasher) {
        write_unordered(h, tag::MAP_UNORDERED, self.len(), self, |(k, v), sub| {
            k.key_hash(sub);
            v.key_hash(sub);
        });
    }
}

/// Order-independent, like `HashMap`.
impl<T: KeyHash, S: BuildHasher> KeyHash for HashSet<T, S> {
    fn key_hash(&self, h: &mut KeyHasher) {
        write_unordered(h, tag::SET_UNORDERED, self.len(), self, |x, sub| {
            x.key_hash(sub);
        });
    }
}
