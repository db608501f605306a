//! Deterministic cache keys, shared by `memo` and `singleton`.
//!
//! A cache key is a 128-bit xxh3 digest of a *framed* byte stream: every value writes a type tag
//! and, for variable-length data, its length before its bytes, so `("ab", "c")` and `("a", "bc")`,
//! `None` and `Some(0)`, or two enum variants never produce the same stream. Nothing random or
//! address-dependent goes in, so the same arguments give the same key in every process, which is
//! what lets `memo` find a persisted entry after a restart.
//!
//! Types opt in through [`KeyHash`]; any other `serde::Serialize` type is hashed through a serde
//! serializer ([`hash_serialize`]) that writes the same kind of framed stream. The attribute
//! macros pick between the two at compile time (see [`__private`]) and reject everything else
//! with an error that points at the parameter and suggests the `_` prefix.
//!
//! With the `polars` feature (off by default, because polars is by far the largest part of the
//! build), [`KeyHash`] is also implemented for polars `DataFrame`, `Series`, `Column`, `Schema`
//! and `DataType`, by content and schema, independent of chunking and slicing.
//!
//! ```
//! use cache_key::{KeyHash, KeyHasher};
//!
//! let key = |v: &dyn Fn(&mut KeyHasher)| {
//!     let mut h = KeyHasher::new();
//!     v(&mut h);
//!     h.finish()
//! };
//! assert_eq!(key(&|h| ("ab", "c").key_hash(h)), key(&|h| ("ab", "c").key_hash(h)));
//! assert_ne!(key(&|h| ("ab", "c").key_hash(h)), key(&|h| ("a", "bc").key_hash(h)));
//! ```

mod builder;
mod hasher;
#[cfg(feature = "polars")]
mod polars_impls;
mod serde_hash;
mod std_impls;

#[doc(hidden)]
pub mod __private;

pub use builder::{KeyBuilder, KeyError, function_key};
pub use hasher::{Key, KeyHasher};
pub use serde_hash::{SerdeHashError, hash_serialize};

/// A value that can be part of a cache key.
///
/// Implementations must write a *framed* encoding of the value's content into the hasher: two
/// values that compare unequal must write different byte streams (use
/// [`KeyHasher::write_len`] before variable-length data and a distinct tag per variant), and the
/// stream must not depend on addresses, capacity, iteration order of hash-based collections or
/// any per-process randomness.
///
/// ```
/// use cache_key::{KeyHash, KeyHasher};
///
/// struct Celsius(f64);
/// impl KeyHash for Celsius {
///     fn key_hash(&self, h: &mut KeyHasher) {
///         self.0.key_hash(h);
///     }
/// }
/// let mut h = KeyHasher::new();
/// Celsius(21.5).key_hash(&mut h);
/// let _key = h.finish();
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be hashed into a cache key",
    label = "this parameter is part of the cache key, so its type must be hashable",
    note = "prefix the parameter's name with `_` to leave it out of the key (it then need not be hashable)",
    note = "or implement `serde::Serialize` or `cache_key::KeyHash` for `{Self}`, or add `hash_funcs({Self} = path::to::hash_fn)` to the attribute"
)]
pub trait KeyHash {
    /// Writes this value's framed encoding into `h`.
    fn key_hash(&self, h: &mut KeyHasher);

    /// Writes the elements of a slice after the first (the caller has already written the
    /// sequence tag, the length and the first element through [`KeyHash::key_hash`], which
    /// carries the element type's tag). The default hashes each element in turn; primitive
    /// numbers override it to write all their little-endian bytes in one call, which is what
    /// makes `Vec<u8>` or `Vec<f64>` keys run at memory speed. Like
    /// `std::hash::Hash::hash_slice`, this is an optimisation hook.
    ///
    /// An override must be *split-invariant*: hashing `a` then `b` must write exactly what
    /// hashing `a ++ b` writes, so a `VecDeque` (two slices) hashes like the equal `Vec`.
    ///
    /// ```
    /// use cache_key::{KeyHash, KeyHasher};
    ///
    /// let mut a = KeyHasher::new();
    /// u32::key_hash_slice(&[1, 2, 3], &mut a);
    /// let mut b = KeyHasher::new();
    /// u32::key_hash_slice(&[1, 2], &mut b);
    /// u32::key_hash_slice(&[3], &mut b);
    /// assert_eq!(a.finish(), b.finish());
    /// ```
    #[inline]
    fn key_hash_slice(items: &[Self], h: &mut KeyHasher)
    where
        Self: Sized,
    {
        for item in items {
            item.key_hash(h);
        }
    }
}
