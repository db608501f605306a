//! How memo keeps values: serialized bytes (default) or copy-on-write clones.
//!
//! Both give every caller a value that shares nothing mutable with the cache:
//! - [`Serialized`] stores bincode bytes and decodes a fresh value on every hit, like Streamlit's
//!   pickle round trip. Works for any `Serialize + DeserializeOwned` type, including values that
//!   hold `Arc<Mutex<_>>`: decoding builds new mutexes. Cost per hit: a decode, proportional to
//!   the value's size, made after the store's lock is released; an encoding of at most 64 bytes
//!   is copied out under the lock first (threads hitting one key then write no shared reference
//!   count), a larger one is shared by cloning its `Arc`.
//! - [`CopyOnWrite`] stores the value and hands out `clone()`s. Only for types whose clone is
//!   already isolated ([`CloneIsolated`]): polars frames share immutable buffers and copy before
//!   any write, `Arc<str>` is immutable, `String` and `Vec` copy. Cost per hit: one clone, O(1)
//!   for frames, made after the store's lock is released (the store holds an `Arc<T>` and only
//!   the `Arc` is cloned under the lock), so a slow clone never blocks other callers; values of
//!   at most 64 bytes with no drop glue (plain data, whose clone is a copy) are cloned under the
//!   lock instead, which spares each hit the `Arc`'s two atomic count updates. Select it with
//!   `#[memo(storage = "clone")]`.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::codec::{self, CodecError};

/// A storage strategy for values of type `T`. Implemented by [`Serialized`] and [`CopyOnWrite`].
pub trait Storage<T>: 'static {
    /// What the cache holds.
    type Stored: Clone + Send + Sync + 'static;
    /// Converts a computed value for storage.
    fn store(value: &T) -> Result<Self::Stored, CodecError>;
    /// Produces the caller's own value from a stored one.
    fn load(stored: &Self::Stored) -> Result<T, CodecError>;
    /// Checks, once per function, that a stored value can be loaded back at all (whether the
    /// type survives the round trip).
    fn verify(stored: &Self::Stored) -> Result<(), CodecError> {
        Self::load(stored).map(drop)
    }
    /// Bytes held, for `stats()`.
    fn weigh(stored: &Self::Stored) -> usize;
    /// The stored form's bytes when it already is the persisted encoding.
    fn as_bytes(stored: &Self::Stored) -> Option<&[u8]>;
    /// The stored form of a value just read from disk (`bytes` is its encoding).
    fn from_disk(bytes: Vec<u8>, value: &T) -> Result<Self::Stored, CodecError>;
    /// For a storage whose stored form is the encoding ([`Storage::as_bytes`]): what decodes a
    /// copy of those bytes. A hit of a small value then copies the bytes out of the cache
    /// instead of sharing the stored buffer, whose reference count concurrent hits would
    /// otherwise all write. `None`: hits use [`Storage::load`].
    const LOAD_BYTES: Option<LoadBytes<T>> = None;
    /// What loads a stored value while the store's shared lock is held, for a storage whose
    /// load is a copy of plain data: a hit then takes no reference to the stored value, whose
    /// count concurrent hits would otherwise all write (two atomic writes per hit). `None`: hits
    /// load with the lock released.
    const LOAD_UNDER_LOCK: Option<fn(&Self::Stored) -> T> = None;
}

/// Decodes a value from a copy of its stored encoding ([`Storage::LOAD_BYTES`]).
///
/// ```
/// use memo::storage::{LoadBytes, Serialized, Storage};
///
/// let load: LoadBytes<u32> = <Serialized as Storage<u32>>::LOAD_BYTES.unwrap();
/// let stored = <Serialized as Storage<u32>>::store(&7).unwrap();
/// assert_eq!(load(&stored[..]).unwrap(), 7);
/// ```
pub type LoadBytes<T> = fn(&[u8]) -> Result<T, CodecError>;

/// Largest stored encoding a hit copies out instead of sharing: one cache line.
pub(crate) const SMALL: usize = 64;

/// The buffer a hit copies a small encoding into: a local of the hit's caller, so that the
/// bytes are written once and read in place by the decoder (moving them again inside a returned
/// value made the processor wait for the copy's narrow stores to retire before it could load
/// them as wide words, three times per hit).
pub(crate) type SmallBuf = [u8; SMALL];

/// A storage's [`Storage::as_bytes`].
pub(crate) type AsBytes<V> = fn(&V) -> Option<&[u8]>;

/// What [`take`] returns when it cloned the stored form instead of copying its encoding.
pub(crate) const SHARED: usize = usize::MAX;

/// How a hit takes a stored value out of the store under its shared lock, before the caller's
/// value is made from it with the lock released: with `as_bytes` given (a storage whose stored
/// form is the encoding) and an encoding of at most [`SMALL`] bytes, it copies the encoding to
/// `buf` and returns its length; otherwise it clones the stored form into `shared` and returns
/// [`SHARED`]. (A length in a register, rather than an enum of the two cases: returned through
/// memory, the enum's halves were stored separately and reloaded as one wide word, a stall of
/// about 4 ns per hit.)
///
/// Why a copy: cloning the stored `Arc` writes its reference count, so threads hitting the same
/// key keep taking that cache line from one another; copying a few bytes only reads it. Only
/// this crate's code runs under the lock (a bounded copy or an `Arc` clone); decoding, which
/// runs the value's `Deserialize` impl, happens after the lock is released.
#[inline]
pub(crate) fn take<V: Clone>(
    stored: &V,
    as_bytes: Option<AsBytes<V>>,
    buf: &mut SmallBuf,
    shared: &mut Option<V>,
) -> usize {
    if let Some(as_bytes) = as_bytes
        && let Some(encoding) = as_bytes(stored)
        && encoding.len() <= SMALL
    {
        copy_small(buf, encoding);
        return encoding.len();
    }
    *shared = Some(stored.clone());
    SHARED
}

/// Copies `src` (at most [`SMALL`] bytes) to the start of `buf`. Up to 16 bytes, the usual size
/// of a small value's encoding, it takes two overlapping word moves instead of a `memcpy` call
/// whose length is only known at run time.
#[inline]
fn copy_small(buf: &mut SmallBuf, src: &[u8]) {
    let n = src.len();
    if n > 16 {
        buf[..n].copy_from_slice(src);
    } else if n >= 8 {
        buf[..8].copy_from_slice(&src[..8]);
        buf[n - 8..n].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        buf[..4].copy_from_slice(&src[..4]);
        buf[n - 4..n].copy_from_slice(&src[n - 4..]);
    } else {
        for (d, s) in buf.iter_mut().zip(src) {
            *d = *s;
        }
    }
}

/// Default storage: bincode bytes, decoded on every hit.
///
/// ```
/// use memo::storage::{Serialized, Storage};
///
/// let stored = <Serialized as Storage<Vec<u32>>>::store(&vec![1, 2, 3]).unwrap();
/// let copy: Vec<u32> = <Serialized as Storage<Vec<u32>>>::load(&stored).unwrap();
/// assert_eq!(copy, [1, 2, 3]);
/// ```
#[derive(Debug)]
pub struct Serialized;

impl<T: Serialize + DeserializeOwned + 'static> Storage<T> for Serialized {
    type Stored = Arc<[u8]>;

    fn store(value: &T) -> Result<Arc<[u8]>, CodecError> {
        codec::encode(value).map(Arc::from)
    }

    fn load(stored: &Arc<[u8]>) -> Result<T, CodecError> {
        codec::decode(stored)
    }

    fn weigh(stored: &Arc<[u8]>) -> usize {
        stored.len()
    }

    fn as_bytes(stored: &Arc<[u8]>) -> Option<&[u8]> {
        Some(stored)
    }

    fn from_disk(bytes: Vec<u8>, _value: &T) -> Result<Arc<[u8]>, CodecError> {
        Ok(Arc::from(bytes))
    }

    const LOAD_BYTES: Option<LoadBytes<T>> = Some(codec::decode::<T>);
}

/// Copy-on-write storage: the cache keeps the value (behind an `Arc`, so the store's lock only
/// ever clones the `Arc`), every hit gets one `clone()` of it.
///
/// ```
/// use memo::storage::{CopyOnWrite, Storage};
///
/// let stored = <CopyOnWrite as Storage<String>>::store(&"abc".to_string()).unwrap();
/// let mut mine: String = <CopyOnWrite as Storage<String>>::load(&stored).unwrap();
/// mine.push('!');
/// assert_eq!(*stored, "abc"); // the cache's copy is untouched
/// ```
#[derive(Debug)]
pub struct CopyOnWrite;

impl<T: CloneIsolated + Send + Sync + 'static> Storage<T> for CopyOnWrite {
    type Stored = Arc<T>;

    fn store(value: &T) -> Result<Arc<T>, CodecError> {
        Ok(Arc::new(value.clone()))
    }

    fn load(stored: &Arc<T>) -> Result<T, CodecError> {
        Ok(T::clone(stored))
    }

    fn verify(_: &Arc<T>) -> Result<(), CodecError> {
        // A clone cannot fail; no need to make one.
        Ok(())
    }

    fn weigh(stored: &Arc<T>) -> usize {
        stored.approx_bytes()
    }

    fn as_bytes(_: &Arc<T>) -> Option<&[u8]> {
        None
    }

    fn from_disk(_bytes: Vec<u8>, value: &T) -> Result<Arc<T>, CodecError> {
        Ok(Arc::new(value.clone()))
    }

    /// Values of at most 64 bytes with no drop glue are cloned under the lock: such a
    /// type owns no heap memory or other resource, so its clone (derived, for the types this
    /// applies to in practice: numbers, `char`s, tuples and structs of them) is a copy of a few
    /// bytes. Everything else is cloned from a shared `Arc` after the lock is released, so that
    /// a slow clone never holds it.
    const LOAD_UNDER_LOCK: Option<fn(&Arc<T>) -> T> =
        if std::mem::needs_drop::<T>() || std::mem::size_of::<T>() > SMALL {
            None
        } else {
            Some(clone_plain::<T>)
        };
}

/// The clone of a value whose type has no drop glue ([`CopyOnWrite`]'s `LOAD_UNDER_LOCK`).
fn clone_plain<T: Clone>(stored: &Arc<T>) -> T {
    T::clone(stored)
}

/// Types whose `clone()` shares nothing mutable with the original, so a clone handed to a caller
/// can never change what the cache holds (nor what another caller holds).
///
/// Types with interior mutability (`Cell`, `RefCell`, `Mutex`, atomics, `Arc<Mutex<_>>`) must not
/// implement it. `Arc<T>` does when `T` does: an `Arc` can only be mutated through `get_mut` or
/// `make_mut`, which refuse or copy when shared.
///
/// ```
/// use memo::storage::CloneIsolated;
///
/// #[derive(Clone)]
/// struct Row { id: u64, tags: Vec<String> }
/// impl CloneIsolated for Row {}
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not known to clone into an isolated copy, so `storage = \"clone\"` cannot promise every caller its own value",
    label = "cached with `storage = \"clone\"`",
    note = "remove `storage = \"clone\"` to use the default serialized storage (needs `Serialize + Deserialize`)",
    note = "or, if `{Self}::clone` shares no mutable state (no `Cell`, `RefCell`, `Mutex`, atomics), implement `memo::storage::CloneIsolated` for it"
)]
pub trait CloneIsolated: Clone {
    /// Approximate heap plus inline size, for `stats()`.
    fn approx_bytes(&self) -> usize {
        std::mem::size_of_val(self)
    }
}

macro_rules! isolated_plain {
    ($($t:ty),*) => { $(impl CloneIsolated for $t {})* };
}
isolated_plain!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    std::time::Duration,
    std::path::PathBuf
);

impl CloneIsolated for String {
    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.len()
    }
}

impl<T: CloneIsolated> CloneIsolated for Vec<T> {
    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.iter().map(T::approx_bytes).sum::<usize>()
    }
}

impl<T: CloneIsolated> CloneIsolated for Option<T> {
    fn approx_bytes(&self) -> usize {
        self.as_ref()
            .map_or(std::mem::size_of::<Self>(), T::approx_bytes)
    }
}

impl<T: CloneIsolated> CloneIsolated for Box<T> {
    fn approx_bytes(&self) -> usize {
        (**self).approx_bytes()
    }
}

impl<T: CloneIsolated> CloneIsolated for Arc<T> {
    fn approx_bytes(&self) -> usize {
        (**self).approx_bytes()
    }
}

impl CloneIsolated for Arc<str> {
    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.len()
    }
}

impl<T: CloneIsolated> CloneIsolated for Arc<[T]> {
    fn approx_bytes(&self) -> usize {
        std::mem::size_of::<Self>() + self.iter().map(T::approx_bytes).sum::<usize>()
    }
}

impl<K: CloneIsolated + Ord, V: CloneIsolated> CloneIsolated for std::collections::BTreeMap<K, V> {
    fn approx_bytes(&self) -> usize {
        self.iter()
            .map(|(k, v)| k.approx_bytes() + v.approx_bytes())
            .sum()
    }
}

impl<K, V, S> CloneIsolated for std::collections::HashMap<K, V, S>
where
    K: CloneIsolated + Eq + std::hash::Hash,
    V: CloneIsolated,
    S: Clone + std::hash::BuildHasher,
{
    fn approx_bytes(&self) -> usize {
        self.iter()
            .map(|(k, v)| k.approx_bytes() + v.approx_bytes())
            .sum()
    }
}

macro_rules! isolated_tuples {
    ($(($($n:ident),+)),*) => {$(
        impl<$($n: CloneIsolated),+> CloneIsolated for ($($n,)+) {
            #[allow(non_snake_case)]
            fn approx_bytes(&self) -> usize {
                let ($($n,)+) = self;
                0 $(+ $n.approx_bytes())+
            }
        }
    )*};
}
isolated_tuples!(
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F)
);

#[cfg(feature = "polars")]
mod polars_isolated {
    use super::CloneIsolated;
    use polars::prelude::{DataFrame, Series};

    /// `DataFrame::clone` shares Arrow buffers, and every safe mutation path (`apply_mut`,
    /// `with_column`, `replace`, `extend`, `vstack_mut`, `rechunk_mut`, arithmetic, slices)
    /// copies before writing, so clones are isolated. Only `unsafe` writes or `Object` columns
    /// with interior mutability could break that.
    impl CloneIsolated for DataFrame {
        fn approx_bytes(&self) -> usize {
            self.estimated_size()
        }
    }

    impl CloneIsolated for Series {
        fn approx_bytes(&self) -> usize {
            self.estimated_size()
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{CodecError, SHARED, SMALL, take};

    fn as_bytes(stored: &Arc<[u8]>) -> Option<&[u8]> {
        Some(stored)
    }

    fn load(bytes: &[u8]) -> Result<Vec<u8>, CodecError> {
        Ok(bytes.to_vec())
    }

    fn stored(len: usize) -> Arc<[u8]> {
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31).wrapping_add(7))
            .collect()
    }

    /// Up to `SMALL` bytes are copied (the stored buffer's count is not touched), exactly, at
    /// every length the word-move copy distinguishes; beyond that, and without `as_bytes`, the
    /// stored buffer is shared.
    #[test]
    fn small_encodings_are_copied_and_larger_ones_shared() {
        for len in 0..=SMALL {
            let s = stored(len);
            // Garbage beyond the copy must not reach the decoder.
            let (mut buf, mut shared) = ([0xAA; SMALL], None);
            let n = take(&s, Some(as_bytes), &mut buf, &mut shared);
            assert_eq!(n, len, "{len} bytes were not copied");
            assert!(shared.is_none());
            assert_eq!(load(&buf[..n]).unwrap(), &*s, "{len} bytes");
            assert_eq!(
                Arc::strong_count(&s),
                1,
                "{len} bytes: the buffer was cloned"
            );
        }
        for (len, copy) in [(SMALL + 1, true), (1000, true), (1, false), (SMALL, false)] {
            let s = stored(len);
            let (mut buf, mut shared) = ([0; SMALL], None);
            let ops: Option<super::AsBytes<Arc<[u8]>>> = copy.then_some(as_bytes);
            let n = take(&s, ops, &mut buf, &mut shared);
            assert_eq!(n, SHARED, "{len} bytes (as_bytes: {copy}) were copied");
            assert!(Arc::ptr_eq(&shared.unwrap(), &s), "{len} bytes");
        }
    }

    /// Copy-on-write clones plain data (no drop glue, at most `SMALL` bytes) under the lock, and
    /// everything else (heap owners, large values) from the shared `Arc` after it; the clone
    /// under the lock is the stored value's.
    #[test]
    fn copy_on_write_loads_only_small_plain_data_under_the_lock() {
        use super::{CopyOnWrite, Storage};
        fn under_lock<T: super::CloneIsolated + Send + Sync + 'static>() -> bool {
            <CopyOnWrite as Storage<T>>::LOAD_UNDER_LOCK.is_some()
        }
        assert!(under_lock::<u64>());
        assert!(under_lock::<(u8, f64, char)>());
        assert!(
            under_lock::<(u128, u128, u128, u128)>(),
            "exactly SMALL bytes"
        );
        assert!(
            !under_lock::<(u128, u128, u128, u128, u8)>(),
            "more than SMALL bytes"
        );
        assert!(!under_lock::<String>(), "owns heap memory");
        assert!(!under_lock::<Vec<u64>>(), "owns heap memory");
        assert!(!under_lock::<Arc<u64>>(), "a shared count to update");
        let load = <CopyOnWrite as Storage<(u32, u64)>>::LOAD_UNDER_LOCK.unwrap();
        assert_eq!(load(&Arc::new((7, 9))), (7, 9));
    }
}
