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
