//! The legacy hasher (Streamlit's `_CodeHasher`): type-name framing, nested md5 digests for
//! containers, md5 keys.
//!
//! `to_bytes(v) = <type name> ":" <payload>`, and a value's hash is `md5(to_bytes(v))`. The type
//! names are Python's where a Rust type has a Python counterpart, so simple keys come out
//! byte-for-byte as Streamlit computed them (the test suite checks `f(1)` and friends against
//! values computed with Streamlit's algorithm):
//!
//! | Rust | name | payload |
//! |---|---|---|
//! | all integers | `int` | `i.to_bytes((i.bit_length() + 8) // 8, "little", signed=True)` |
//! | `bool` | `bool` | as the int 0 / 1 (bool is an int subclass in Python) |
//! | `f32`, `f64` | `float` | `to_bytes(hash(x))`, CPython's numeric hash (an `int`) |
//! | `str`, `String`, `char` | `str` | UTF-8 |
//! | `Vec`, slices, arrays, `VecDeque` | `list` | md5 over the elements' `to_bytes` |
//! | tuples, `()` | `tuple` | md5 over the elements' `to_bytes` |
//! | `None` | `NoneType` | `0`; `Some(x)` hashes as `x` (Python has no `Some`), except below |
//! | `Some(v)` where `v` is a nested `None` (`Some(None)`, `Some(Some(None))`) | `Some` | md5 of `to_bytes(v)` |
//! | `BTreeMap`, [`Dict`] | `dict` | md5 over `to_bytes((k, v))` of the entries in iteration order |
//! | `HashMap` | `dict` | the same, entries sorted by their bytes (see below) |
//! | `HashSet`, `BTreeSet` | `set` | md5 over the sorted md5 digests of the elements |
//! | polars `DataFrame` / `Series` (`polars` feature) | `DataFrame` / `Series` | see the `frames` module |
//! | `Box`, `Rc`, `Arc`, `&`, `Cow`, [`Shared`] | (transparent) | the pointee's bytes |
//! | other `Serialize` types | struct / enum name | see [`crate::serde_hash`] |
//!
//! Deviations, all forced by Rust:
//! - **`HashMap`s and sets are order-insensitive.** Python dicts hash in insertion order; Rust's
//!   `HashMap` iterates in a per-process random order, so hashing in iteration order would make
//!   keys and the mutation check depend on chance. A `HashMap` hashes its entries sorted by
//!   their `to_bytes` instead: the digest is Streamlit's for maps of zero or one entry, and for
//!   longer maps it is the digest of the dict whose insertion order is that sorted order.
//!   Ordered maps (`BTreeMap`, and [`Dict`] for a `Vec` of pairs in insertion order) hash in
//!   their order, exactly as Streamlit hashed the dict built in that order. Maps reached through
//!   serde cannot tell which kind they are, so they are order-insensitive too
//!   ([`crate::serde_hash`]). Sets hash sorted element digests, which is not Streamlit's
//!   encoding (a Python `set` fell through to `__reduce__`, in hash-table order).
//! - **`Some(None)`.** Python has one `None`, so `None` and `Some(x)` keep Streamlit's encoding
//!   (`NoneType:0`, and `x`'s own bytes); but `Some(None)` would then hash like `None`, and a
//!   cache would serve one for the other and miss the mutation between them. A `Some` whose
//!   content is a (nested) `None` is therefore framed as `Some:` md5(`to_bytes(content)`), a
//!   type name no Python value of the hashed kinds has. Only `Option<Option<..>>` values are
//!   affected.
//! - **No per-call memo and no cycle placeholder.** Rust values cannot contain themselves
//!   without `Rc`/`RefCell`, which serde does not follow.
//! - **NaN** hashes as the constant 271828: CPython ≥ 3.10 hashes NaN by object identity, which a
//!   Rust float lacks, and CPython ≤ 3.9's 0 would make `0.0 → NaN` an invisible mutation.
//!
//! Kept on purpose (faithful): the framing is not length-prefixed (a crafted string can collide
//! with a tuple of strings), and `float` goes through CPython's lossy numeric hash (`x` and
//! `x + k·(2⁶¹ − 1)` for integral floats collide; `1.0` and `2.0**61` hash alike).
//!
//! [`Shared`]: crate::Shared

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use md5::{Digest as _, Md5};

use crate::error::HashError;

/// A 16-byte md5 digest; `Display` prints the 32 hex digits of Python's `hexdigest()`.
///
/// ```
/// let d = legacy_cache::hash_value!(1i64).unwrap();
/// assert_eq!(d.to_string().len(), 32);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 16]);

impl Digest {
    /// The digest as a big-endian integer (its hex form is the same 32 digits).
    pub fn as_u128(self) -> u128 {
        u128::from_be_bytes(self.0)
    }

    /// md5 of `bytes`.
    ///
    /// ```
    /// let empty = legacy_cache::Digest::md5(b"");
    /// assert_eq!(empty.to_string(), "d41d8cd98f00b204e9800998ecf8427e");
    /// ```
    pub fn md5(bytes: &[u8]) -> Digest {
        Digest(Md5::digest(bytes).into())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.as_u128())
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

const BUF: usize = 512;

/// An md5 stream with the legacy framing helpers. Small writes are batched in a stack buffer:
/// the hasher writes many tiny pieces (`int:` and one byte, say) and md5's per-call overhead
/// would otherwise dominate.
pub struct LegacyHasher {
    md5: Md5,
    buf: [u8; BUF],
    len: usize,
    sampling: bool,
}

impl fmt::Debug for LegacyHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LegacyHasher")
            .field("sampling", &self.sampling)
            .finish_non_exhaustive()
    }
}

impl LegacyHasher {
    /// A fresh stream. `sampling`: hash polars frames of 100,000+ rows by a 10,000-row sample,
    /// as Streamlit did (see the `frames` module, `polars` feature).
    pub fn new(sampling: bool) -> Self {
        Self {
            md5: Md5::new(),
            buf: [0; BUF],
            len: 0,
            sampling,
        }
    }

    /// Whether large frames are sampled.
    pub fn sampling(&self) -> bool {
        self.sampling
    }

    /// Appends raw bytes.
    #[inline]
    pub fn write(&mut self, bytes: &[u8]) {
        if self.len + bytes.len() > BUF {
            self.flush();
            if bytes.len() > BUF / 2 {
                self.md5.update(bytes);
                return;
            }
        }
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn flush(&mut self) {
        if self.len > 0 {
            self.md5.update(&self.buf[..self.len]);
            self.len = 0;
        }
    }

    /// Appends `to_bytes` of a value: `name ":" payload`.
    #[inline]
    pub fn write_framed(&mut self, type_name: &str, payload: &[u8]) {
        self.write(type_name.as_bytes());
        self.write(b":");
        self.write(payload);
    }

    /// Appends `name ":" int_to_bytes(i)`.
    #[inline]
    pub fn write_int(&mut self, type_name: &str, i: i128) {
        let (bytes, n) = int_to_bytes(i);
        self.write_framed(type_name, &bytes[..n]);
    }

    /// Appends a container: `name ":" md5(children)`, the children written by `children` into a
    /// fresh stream.
    pub fn write_nested(
        &mut self,
        type_name: &str,
        children: impl FnOnce(&mut LegacyHasher) -> Result<(), HashError>,
    ) -> Result<(), HashError> {
        let mut sub = LegacyHasher::new(self.sampling);
        children(&mut sub)?;
        let digest = sub.finish();
        self.write_framed(type_name, &digest.0);
        Ok(())
    }

    /// The md5 digest of everything written.
    pub fn finish(mut self) -> Digest {
        self.flush();
        Digest(self.md5.finalize().into())
    }

    /// md5 of `to_bytes(value)` with these settings, as a digest of its own.
    pub fn digest_of<T: LegacyHash + ?Sized>(&self, value: &T) -> Result<Digest, HashError> {
        let mut sub = LegacyHasher::new(self.sampling);
        value.legacy_hash(&mut sub)?;
        Ok(sub.finish())
    }
}

/// Python's `_int_to_bytes`: `(bit_length + 8) // 8` bytes, little-endian, two's complement.
/// Returns the buffer and the number of bytes used (at most 17, for `u128`/`i128` extremes).
///
/// ```
/// use legacy_cache::hash::int_to_bytes;
/// let (b, n) = int_to_bytes(-128);
/// assert_eq!(&b[..n], &[0x80, 0xff]);
/// let (b, n) = int_to_bytes(127);
/// assert_eq!(&b[..n], &[0x7f]);
/// ```
pub fn int_to_bytes(i: i128) -> ([u8; 17], usize) {
    let bit_length = 128 - i.unsigned_abs().leading_zeros() as usize;
    let n = (bit_length + 8) / 8;
    let mut out = [if i < 0 { 0xff } else { 0 }; 17];
    out[..16].copy_from_slice(&i.to_le_bytes());
    (out, n)
}

/// [`int_to_bytes`] for `u128` values above `i128::MAX` (17 bytes, a zero sign byte).
fn u128_to_bytes(u: u128) -> ([u8; 17], usize) {
    match i128::try_from(u) {
        Ok(i) => int_to_bytes(i),
        Err(_) => {
            let mut out = [0u8; 17];
            out[..16].copy_from_slice(&u.to_le_bytes());
            (out, 17)
        }
    }
}

const PY_HASH_BITS: u32 = 61;
const PY_HASH_MODULUS: u64 = (1 << PY_HASH_BITS) - 1;
const PY_HASH_INF: i64 = 314_159;
/// Stand-in for CPython ≥ 3.10's identity hash of NaN (see the module docs).
const NAN_HASH: i64 = 271_828;

/// `frexp`: `x = m · 2^e` with `0.5 <= |m| < 1` (`m = 0`, `e = 0` for zero). `x` is finite.
fn frexp(x: f64) -> (f64, i32) {
    if x == 0.0 {
        return (x, 0);
    }
    let bits = x.to_bits();
    let exp = ((bits >> 52) & 0x7ff) as i32;
    if exp == 0 {
        // Subnormal: scale into the normal range first.
        let (m, e) = frexp(x * f64::from_bits(0x4350_0000_0000_0000)); // 2^54
        return (m, e - 54);
    }
    let m = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (m, exp - 1022)
}

/// CPython's `hash(float)` (`_Py_HashDouble`), which the legacy hasher framed as an `int`.
///
/// ```
/// use legacy_cache::hash::py_float_hash;
/// assert_eq!(py_float_hash(3.0), 3);
/// assert_eq!(py_float_hash(1.5), 1152921504606846977);
/// assert_eq!(py_float_hash(-1.0), -2); // -1 is reserved in CPython
/// ```
pub fn py_float_hash(v: f64) -> i64 {
    if v.is_nan() {
        return NAN_HASH;
    }
    if v.is_infinite() {
        return if v > 0.0 { PY_HASH_INF } else { -PY_HASH_INF };
    }
    let (mut m, mut e) = frexp(v);
    let mut sign: i64 = 1;
    if m < 0.0 {
        sign = -1;
        m = -m;
    }
    let mut x: u64 = 0;
    while m != 0.0 {
        x = ((x << 28) & PY_HASH_MODULUS) | (x >> (PY_HASH_BITS - 28));
        m *= 268_435_456.0; // 2**28
        e -= 28;
        let y = m as u64;
        m -= y as f64;
        x += y;
        if x >= PY_HASH_MODULUS {
            x -= PY_HASH_MODULUS;
        }
    }
    let bits = PY_HASH_BITS as i32;
    let e = if e >= 0 {
        e % bits
    } else {
        bits - 1 - ((-1 - e) % bits)
    } as u32;
    x = ((x << e) & PY_HASH_MODULUS) | (x >> (PY_HASH_BITS - e));
    let x = (x as i64).wrapping_mul(sign);
    if x == -1 { -2 } else { x }
}

/// A value the legacy hasher hashes natively (priority 1 of the dispatch; `Serialize` types are
/// priority 2, anything else is a run-time [`UnhashableTypeError`](crate::UnhashableTypeError)).
///
/// An implementation writes `to_bytes(self)` (type name, `:`, payload) into the hasher, using
/// [`LegacyHasher::write_nested`] for anything with parts.
///
/// ```
/// use legacy_cache::{HashError, LegacyHash, LegacyHasher};
///
/// struct Celsius(f64);
/// impl LegacyHash for Celsius {
///     fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
///         h.write_nested("Celsius", |h| self.0.legacy_hash(h))
///     }
/// }
/// assert_ne!(
///     legacy_cache::hash_value!(Celsius(1.0)).unwrap(),
///     legacy_cache::hash_value!(1.0f64).unwrap(),
/// );
/// ```
pub trait LegacyHash {
    /// Writes `to_bytes(self)` into `h`.
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError>;

    /// Whether this value is a (possibly nested) `None`: `None`, `Some(None)`, `Some(Some(None))`
    /// and pointers to them. `Option` asks its content, so that `Some(v)` of such a `v` is framed
    /// apart from `v` (see the module docs). Only options override it.
    #[inline]
    fn is_none_like(&self) -> bool {
        false
    }
}

macro_rules! ints {
    ($($t:ty),*) => {$(
        impl LegacyHash for $t {
            #[inline]
            fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
                h.write_int("int", *self as i128);
                Ok(())
            }
        }
    )*};
}
ints!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, usize);

impl LegacyHash for u128 {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        let (bytes, n) = u128_to_bytes(*self);
        h.write_framed("int", &bytes[..n]);
        Ok(())
    }
}

impl LegacyHash for bool {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        h.write_int("bool", *self as i128);
        Ok(())
    }
}

/// Writes `float:` then `to_bytes(hash(v))` (an `int`), as `_to_bytes` did for floats.
pub(crate) fn write_float(h: &mut LegacyHasher, v: f64) {
    let (bytes, n) = int_to_bytes(py_float_hash(v) as i128);
    h.write(b"float:int:");
    h.write(&bytes[..n]);
}

impl LegacyHash for f64 {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        write_float(h, *self);
        Ok(())
    }
}

impl LegacyHash for f32 {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        write_float(h, f64::from(*self));
        Ok(())
    }
}

impl LegacyHash for str {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        h.write_framed("str", self.as_bytes());
        Ok(())
    }
}

impl LegacyHash for String {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        self.as_str().legacy_hash(h)
    }
}

impl LegacyHash for char {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        let mut buf = [0u8; 4];
        self.encode_utf8(&mut buf).legacy_hash(h)
    }
}

impl LegacyHash for () {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        h.write_nested("tuple", |_| Ok(()))
    }
}

/// Writes Python's `None`.
pub(crate) fn write_none(h: &mut LegacyHasher) {
    h.write_framed("NoneType", b"0");
}

/// The Rust-only framing of a `Some` whose content hashes as `None` (see the module docs).
pub(crate) const SOME_OF_NONE: &str = "Some";

/// `None` is `NoneType:0`; `Some(v)` is `v`, or `Some:` md5(`v`) when `v` is itself a (nested)
/// `None`, so `None`, `Some(None)` and `Some(Some(None))` all differ.
///
/// ```
/// use legacy_cache::hash_value;
///
/// assert_eq!(hash_value!(Some(5)).unwrap(), hash_value!(5).unwrap()); // as in Streamlit
/// assert_ne!(hash_value!(Some(None::<u8>)).unwrap(), hash_value!(None::<u8>).unwrap());
/// ```
impl<T: LegacyHash> LegacyHash for Option<T> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        match self {
            None => {
                write_none(h);
                Ok(())
            }
            Some(v) if v.is_none_like() => h.write_nested(SOME_OF_NONE, |h| v.legacy_hash(h)),
            Some(v) => v.legacy_hash(h),
        }
    }

    #[inline]
    fn is_none_like(&self) -> bool {
        self.as_ref().is_none_or(LegacyHash::is_none_like)
    }
}

fn list<'a, T: LegacyHash + 'a>(
    h: &mut LegacyHasher,
    items: impl IntoIterator<Item = &'a T>,
) -> Result<(), HashError> {
    h.write_nested("list", |h| {
        for item in items {
            item.legacy_hash(h)?;
        }
        Ok(())
    })
}

impl<T: LegacyHash> LegacyHash for [T] {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        list(h, self)
    }
}

impl<T: LegacyHash, const N: usize> LegacyHash for [T; N] {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        list(h, self)
    }
}

impl<T: LegacyHash> LegacyHash for Vec<T> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        list(h, self)
    }
}

impl<T: LegacyHash> LegacyHash for VecDeque<T> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        list(h, self)
    }
}

macro_rules! tuples {
    ($(($($n:tt $t:ident),+))*) => {$(
        impl<$($t: LegacyHash),+> LegacyHash for ($($t,)+) {
            fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
                h.write_nested("tuple", |h| {
                    $(self.$n.legacy_hash(h)?;)+
                    Ok(())
                })
            }
        }
    )*};
}
tuples! {
    (0 A)
    (0 A, 1 B)
    (0 A, 1 B, 2 C)
    (0 A, 1 B, 2 C, 3 D)
    (0 A, 1 B, 2 C, 3 D, 4 E)
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F)
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G)
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H)
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I)
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J)
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K)
    (0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H, 8 I, 9 J, 10 K, 11 L)
}

macro_rules! transparent {
    ($($t:ty),*) => {$(
        impl<T: LegacyHash + ?Sized> LegacyHash for $t {
            #[inline]
            fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
                (**self).legacy_hash(h)
            }

            #[inline]
            fn is_none_like(&self) -> bool {
                (**self).is_none_like()
            }
        }
    )*};
}
transparent!(&T, &mut T, Box<T>, Rc<T>, Arc<T>);

impl<T: LegacyHash + ToOwned + ?Sized> LegacyHash for Cow<'_, T> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        (**self).legacy_hash(h)
    }

    fn is_none_like(&self) -> bool {
        (**self).is_none_like()
    }
}

/// `name ":" md5(sorted digests)`: the order-insensitive set encoding.
fn unordered(
    h: &mut LegacyHasher,
    type_name: &str,
    mut digests: Vec<Digest>,
) -> Result<(), HashError> {
    digests.sort_unstable();
    h.write_nested(type_name, |h| {
        for d in &digests {
            h.write(&d.0);
        }
        Ok(())
    })
}

/// md5 of `to_bytes(k) ‖ to_bytes(v)`: the children of the `(k, v)` tuple Python hashed for
/// each dict item.
fn item_children<K: LegacyHash + ?Sized, V: LegacyHash + ?Sized>(
    h: &LegacyHasher,
    k: &K,
    v: &V,
) -> Result<Digest, HashError> {
    let mut sub = LegacyHasher::new(h.sampling());
    k.legacy_hash(&mut sub)?;
    v.legacy_hash(&mut sub)?;
    Ok(sub.finish())
}

/// `dict:` md5(`tuple:` children, for each item in the given order): Streamlit's dict encoding,
/// given each item's [`item_children`] digest.
pub(crate) fn write_dict(h: &mut LegacyHasher, items: &[Digest]) -> Result<(), HashError> {
    h.write_nested("dict", |h| {
        for children in items {
            h.write_framed("tuple", &children.0);
        }
        Ok(())
    })
}

/// [`write_dict`] for a map whose iteration order means nothing: items sorted by their bytes
/// (every item is `tuple:` and 16 digest bytes, so sorting the digests sorts the bytes).
pub(crate) fn write_unordered_dict(
    h: &mut LegacyHasher,
    mut items: Vec<Digest>,
) -> Result<(), HashError> {
    items.sort_unstable();
    write_dict(h, &items)
}

fn ordered_dict<'a, K: LegacyHash + 'a, V: LegacyHash + 'a>(
    h: &mut LegacyHasher,
    entries: impl ExactSizeIterator<Item = (&'a K, &'a V)>,
) -> Result<(), HashError> {
    let mut items = Vec::with_capacity(entries.len());
    for (k, v) in entries {
        items.push(item_children(h, k, v)?);
    }
    write_dict(h, &items)
}

/// Order-insensitive (see the module docs): entries sorted by their bytes. A map of zero or one
/// entry hashes exactly as Streamlit hashed the same dict.
impl<K: LegacyHash, V: LegacyHash, S> LegacyHash for HashMap<K, V, S> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        let mut items = Vec::with_capacity(self.len());
        for (k, v) in self {
            items.push(item_children(h, k, v)?);
        }
        write_unordered_dict(h, items)
    }
}

/// In key order: the digest of the Python dict built in that order.
impl<K: LegacyHash, V: LegacyHash> LegacyHash for BTreeMap<K, V> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        ordered_dict(h, self.iter())
    }
}

/// A list of `(key, value)` pairs hashed as a Python `dict` in **this** order, the insertion
/// order of the dict it stands for; Streamlit's dict digest depends on that order.
///
/// Equal keys are not merged (a Python dict would keep the last value in the first key's
/// place): build it from distinct keys.
///
/// ```
/// use legacy_cache::{Dict, hash_value};
///
/// let ab = Dict(vec![("a", 1), ("b", 2)]);
/// let ba = Dict(vec![("b", 2), ("a", 1)]);
/// assert_ne!(hash_value!(ab).unwrap(), hash_value!(ba).unwrap()); // as {"a": 1, "b": 2} vs {"b": 2, "a": 1}
/// let sorted: std::collections::BTreeMap<_, _> = [("b", 2), ("a", 1)].into();
/// assert_eq!(hash_value!(ab).unwrap(), hash_value!(sorted).unwrap());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dict<K, V>(pub Vec<(K, V)>);

impl<K: LegacyHash, V: LegacyHash> LegacyHash for Dict<K, V> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        ordered_dict(h, self.0.iter().map(|(k, v)| (k, v)))
    }
}

fn set<'a, T: LegacyHash + 'a>(
    h: &mut LegacyHasher,
    items: impl ExactSizeIterator<Item = &'a T>,
) -> Result<(), HashError> {
    let mut digests = Vec::with_capacity(items.len());
    for item in items {
        digests.push(h.digest_of(item)?);
    }
    unordered(h, "set", digests)
}

impl<T: LegacyHash, S> LegacyHash for HashSet<T, S> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        set(h, self.iter())
    }
}

impl<T: LegacyHash> LegacyHash for BTreeSet<T> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        set(h, self.iter())
    }
}

impl<T: LegacyHash> LegacyHash for crate::Shared<T> {
    fn legacy_hash(&self, h: &mut LegacyHasher) -> Result<(), HashError> {
        (**self).legacy_hash(h)
    }

    fn is_none_like(&self) -> bool {
        (**self).is_none_like()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frexp_matches_the_c_definition() {
        assert_eq!(frexp(8.0), (0.5, 4));
        assert_eq!(frexp(-3.0), (-0.75, 2));
        let (m, e) = frexp(f64::MIN_POSITIVE / 4.0);
        assert_eq!((m, e), (0.5, -1023));
    }

    #[test]
    fn float_hash_matches_cpython() {
        // Values printed by CPython 3.11's `hash()`.
        let cases: [(f64, i64); 7] = [
            (0.1, 230584300921369408),
            (1e300, 1224995262755759164),
            (-2.5e-300, -52920977297143526),
            (f64::INFINITY, 314159),
            (2f64.powi(61), 1),
            (0.0, 0),
            (-0.0, 0),
        ];
        for (v, want) in cases {
            assert_eq!(py_float_hash(v), want, "hash({v})");
        }
    }

    #[test]
    fn int_bytes_match_python() {
        let (b, n) = int_to_bytes(i128::MIN);
        assert_eq!(n, 17);
        assert_eq!(b[15..17], [0x80, 0xff]);
        let (b, n) = u128_to_bytes(1 << 127);
        assert_eq!((n, b[15], b[16]), (17, 0x80, 0));
        assert_eq!(int_to_bytes(0).1, 1);
        assert_eq!(int_to_bytes(128).1, 2);
        assert_eq!(int_to_bytes(-1), ([0xff; 17], 1));
    }
}
