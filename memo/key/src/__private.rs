//! Support for the attribute macros. Not public API: names and shapes may change at any time.
//!
//! The macros hash each argument with
//! `(&&&Arg(&x)).__key_kind().hash(&x, &mut builder)`. Method resolution tries the receiver
//! `&&&Arg` first, where only [`ViaKeyHash`] applies (it needs `T: KeyHash`); failing that it
//! derefs to `&&Arg`, where [`ViaSerde`] applies (it needs `T: Serialize`); and last `&Arg`, where
//! [`ViaNothing`] always applies and returns a tag whose `hash` demands `T: KeyHash`, so the
//! compiler reports our `on_unimplemented` message at the parameter's span. This is the
//! "autoref specialization" pattern: it picks a strategy from the concrete type at compile time,
//! with no runtime dispatch and no unstable features.

use serde::Serialize;

pub use crate::{Key, KeyBuilder, KeyError};

/// The value key of a call that hashes no argument: the digest of the empty stream, which is
/// what an empty [`KeyBuilder`] finishes to (a unit test holds the two together). The macros
/// use it directly so such calls skip building a key.
pub const EMPTY_KEY: Key = Key(0x99aa_06d3_0147_98d8_6001_c324_468d_497f);
use crate::KeyHash;

/// Runs `steps` on a fresh builder and finishes it, hashing in a function of its own: the key
/// of an `async fn` call. Built inline in the future's poll function (which holds the whole
/// awaited call chain) the hashing calls stayed out of line, so the builder escaped, was moved
/// with a `memcpy` and finished through the streaming digest; out of line, as in a
/// blocking cached function, a fixed-length key folds to a few multiplies.
///
/// ```
/// use cache_key::__private::build_key;
/// use cache_key::KeyBuilder;
///
/// let mut b = KeyBuilder::new();
/// b.param("x");
/// b.key_hash(&7u64);
/// let key = build_key(|b| {
///     b.param("x");
///     b.key_hash(&7u64);
/// });
/// assert_eq!(key, b.finish());
/// ```
#[inline(always)]
pub fn build_key(steps: impl FnOnce(&mut KeyBuilder)) -> Result<Key, KeyError> {
    let mut error = None;
    let key = build_key_words(steps, &mut error);
    match error {
        None => Ok(key),
        Some(e) => Err(e),
    }
}

/// [`build_key`]'s out-of-line part. The key comes back in registers and a (rare) error
/// through `error`: returned as one `Result` in memory, the key's two 8-byte stores were read
/// back as one 16-byte load, which store forwarding cannot serve (a stall on every hit).
#[inline(never)]
fn build_key_words(steps: impl FnOnce(&mut KeyBuilder), error: &mut Option<KeyError>) -> Key {
    let mut b = KeyBuilder::new();
    steps(&mut b);
    match b.finish() {
        Ok(key) => key,
        Err(e) => {
            *error = Some(e);
            EMPTY_KEY
        }
    }
}

/// Wraps a reference to an argument for strategy selection.
pub struct Arg<'a, T: ?Sized>(pub &'a T);

/// Strategy: the type implements [`KeyHash`].
pub struct KeyHashTag;
/// Strategy: the type implements `serde::Serialize` only.
pub struct SerdeTag;
/// Strategy: nothing applies; `hash` fails to compile with the `KeyHash` diagnostic.
pub struct UnhashableTag;

/// Highest-priority strategy.
pub trait ViaKeyHash {
    /// Selects [`KeyHashTag`].
    fn __key_kind(&self) -> KeyHashTag {
        KeyHashTag
    }
}
impl<T: KeyHash + ?Sized> ViaKeyHash for &&Arg<'_, T> {}

/// Second strategy.
pub trait ViaSerde {
    /// Selects [`SerdeTag`].
    fn __key_kind(&self) -> SerdeTag {
        SerdeTag
    }
}
impl<T: Serialize + ?Sized> ViaSerde for &Arg<'_, T> {}

/// Fallback that turns into a compile error.
pub trait ViaNothing {
    /// Selects [`UnhashableTag`].
    fn __key_kind(&self) -> UnhashableTag {
        UnhashableTag
    }
}
impl<T: ?Sized> ViaNothing for Arg<'_, T> {}

impl KeyHashTag {
    /// Hashes through [`KeyHash`].
    #[inline]
    pub fn hash<T: KeyHash + ?Sized>(self, value: &T, b: &mut KeyBuilder) {
        b.key_hash(value);
    }
}

impl SerdeTag {
    /// Hashes through serde.
    #[inline]
    pub fn hash<T: Serialize + ?Sized>(self, value: &T, b: &mut KeyBuilder) {
        b.serialize(value);
    }
}

impl UnhashableTag {
    /// Never compiles for a type that reached it: `T` implements neither trait.
    #[inline]
    pub fn hash<T: KeyHash + ?Sized>(self, value: &T, b: &mut KeyBuilder) {
        b.key_hash(value);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn empty_key_is_the_empty_builder() {
        assert_eq!(crate::KeyBuilder::new().finish(), Ok(super::EMPTY_KEY));
    }
}
