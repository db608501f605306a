//! Deterministic cache keys, shared by `memo` and `singleton`.
//!
//! A cache key is a 128-bit xxh3 digest of a *framed* byte stream: every value writes a type tag
//! and, for variable-length data, its length before its bytes, so `("ab", "c")` and `("a", "bc")`,
//! `None` and `Some(0)`, or two enum variants never produce the same stream. Nothing random or
//! address-dependent goes in, so the same arguments give the same key in every process, which is
//! what lets `memo` find a persisted entry after a restart.
//!
//! Types opt in through [`KeyHash`]: the standard library's value types have impls, and
//! **`#[derive(CacheKey)]`** ([`CacheKey`]) writes one for your own structs and enums that hashes
//! every field and the variant. That is the recommended way to make a user type a key. Any other
//! `serde::Serialize` type is hashed through a serde serializer ([`hash_serialize`]) that writes
//! the same kind of framed stream, but sees only what the `Serialize` impl shows it: see
//! [the serde path's blind spots](hash_serialize#blind-spots). The attribute macros pick
//! between the two at compile time (a type with both goes through `KeyHash`; see
//! [`__private`]) and reject everything else with an error that points at the parameter and
//! suggests the `_` prefix.
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
mod shapes;
mod std_impls;
mod xxh3_short;

// Lets the code `#[derive(CacheKey)]` generates name `::cache_key` inside this crate too.
extern crate self as cache_key;

#[doc(hidden)]
pub mod __private;

pub use builder::{KeyBuilder, KeyError, function_key};
/// Derives [`KeyHash`] for a struct or enum, field by field: the key sees every field and, for
/// an enum, which variant it is (its index and its name), so two values that differ anywhere
/// get different keys.
///
/// The stream is the type's name and shape, then each field in declaration order (a named
/// field preceded by its name), each through its own [`KeyHash`] impl; an enum writes its name
/// and the variant's index and name first. Generic parameters must be [`KeyHash`] themselves.
/// Every field's type must implement [`KeyHash`] (deriving it, or by hand for a type that needs
/// its own rule); an unhashable field is a compile error at that field. Unions are refused.
/// Fields cannot be skipped: a field left out would give two different values one key.
///
/// Re-exported as `memo::CacheKey` and `singleton::CacheKey`; the generated impl names the
/// crate you depend on (found in your `Cargo.toml`), or the one given by
/// `#[cache_key(crate = "path")]`.
///
/// Unlike hashing through serde, nothing a `#[serde(...)]` attribute hides is lost:
///
/// ```
/// use cache_key::{CacheKey, KeyHash, KeyHasher};
///
/// #[derive(CacheKey)]
/// enum Shape {
///     Circle(f64),
///     Square(f64),
/// }
///
/// #[derive(CacheKey)]
/// struct Query {
///     table: String,
///     limit: Option<u32>,
///     shape: Shape,
/// }
///
/// let key = |q: &Query| {
///     let mut h = KeyHasher::new();
///     q.key_hash(&mut h);
///     h.finish()
/// };
/// let q = |limit, shape| Query { table: "t".into(), limit, shape };
/// assert_ne!(key(&q(Some(1), Shape::Circle(1.0))), key(&q(Some(1), Shape::Square(1.0))));
/// assert_ne!(key(&q(Some(1), Shape::Circle(1.0))), key(&q(Some(3), Shape::Circle(1.0))));
/// assert_eq!(key(&q(None, Shape::Circle(1.0))), key(&q(None, Shape::Circle(1.0))));
/// ```
pub use cache_key_derive::CacheKey;
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
/// Derive it with [`CacheKey`] for your own structs and enums; implement it by hand only for a
/// type that needs its own rule:
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
    label = "this is part of the cache key, so its type must be hashable",
    note = "prefix the parameter's name with `_` to leave it out of the key (it then need not be hashable)",
    note = "or add `#[derive(CacheKey)]` to `{Self}` (`memo::CacheKey`, `singleton::CacheKey`: hashes every field and variant), implement `KeyHash` for it by hand, or add `hash_funcs({Self} = path::to::hash_fn)` to the attribute",
    note = "a `serde::Serialize` type is accepted too, but hashed as serialized: fields under `#[serde(skip)]` and the variant of a `#[serde(untagged)]` enum are not in the key"
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
