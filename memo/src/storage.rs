//! How memo keeps values: serialized bytes (default) or copy-on-write clones.
//!
//! Both give every caller a value that shares nothing mutable with the cache:
//! - [`Serialized`] stores bincode bytes and decodes a fresh value on every hit, like Streamlit's
//!   pickle round trip. Works for any `Serialize + DeserializeOwned` type, including values that
//!   hold `Arc<Mutex<_>>`: decoding builds new mutexes. Cost per hit: a decode, proportional to
//!   the value's size.
//! - [`CopyOnWrite`] stores the value and hands out `clone()`s. Only for types whose clone is
//!   already isolated ([`CloneIsolated`]): polars frames share immutable buffers and copy before
//!   any write, `Arc<str>` is immutable, `String` and `Vec` copy. Cost per hit: one clone, O(1)
//!   for frames, made after the store's lock is released (the store holds an `Arc<T>` and only
//!   the `Arc` is cloned under the lock), so a slow clone never blocks other callers. Select it
//!   with `#[memo(storage = "clone")]`.

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
