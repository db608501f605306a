//! `#[memo]`: by-value function-result caching (Streamlit's `st.experimental_memo` /
//! `st.cache_data`).
//!
//! Every call returns a value that shares nothing mutable with the cache or with other callers,
//! so mutating what you got back can never corrupt the cache. Arguments whose name starts with
//! `_` are left out of the key (and need not be hashable): the escape hatch for connections,
//! pools and clients.
//!
//! ```
//! use memo::memo;
//!
//! struct Db; // not hashable: passed as `_db`, so it is not part of the key
//!
//! #[memo(max_entries = 100, ttl = "1h")]
//! fn totals(region: &str, _db: &Db) -> Vec<u64> {
//!     vec![region.len() as u64, 42]
//! }
//!
//! let mut first = totals("eu", &Db);
//! first.push(7); // our own copy
//! assert_eq!(totals("eu", &Db), vec![2, 42]); // a hit, unaffected
//! assert_eq!(totals::stats().hits, 1);
//! totals::clear();
//! ```
//!
//! # Options
//!
//! | option | meaning |
//! |---|---|
//! | `ttl = 90` / `"1h30m"` / `Duration` expr | entries expire this long after insertion (memory and disk) |
//! | `max_entries = N` | keep at most N entries, evicting the least recently used |
//! | `persist = "disk"` (or `true`) | also store entries on disk (see [`persist`]) |
//! | `show_spinner = true` / `"text"` | emit a `tracing` event ``Running `f(...)`.`` on each miss ([`cache_store::events`]) |
//! | `hash_funcs(Type = path, ...)` | hash arguments of `Type` as `path(&arg)` instead |
//! | `storage = "clone"` | copy-on-write storage for [`storage::CloneIsolated`] types (default `"serialized"`) |
//! | `skip_self` | on a method, leave the receiver out of the key (Rust cannot spell `_self`) |
//! | `in_impl` | on an associated function without `self` or `Self` in its signature |
//!
//! Bad option values are compile errors at the option. A parameter whose type is neither
//! [`KeyHash`] nor `serde::Serialize` is a compile error at the parameter, suggesting the `_`
//! prefix.
//!
//! # What gets generated
//!
//! For a free function `f`, a module `f` beside it with `f::clear()`, `f::clear_entry(<same
//! arguments>)` and `f::stats()`. For a method `m` in an `impl` block, associated functions
//! `m_clear()`, `m_clear_entry(&self, <same arguments>)` and `m_stats()`. [`clear_all`] empties
//! every memo function of the process.
//!
//! # Semantics
//!
//! - The key is the function (module path, name, and a hash of its tokens, attribute included)
//!   plus the `(name, value)` pairs of its hashed parameters in declaration order.
//! - `Result<T, E>` functions cache only `Ok`; `Err` passes through. `Option<T>` is cached as a
//!   value.
//! - Concurrent misses of one key run the function once; the others wait and each get their own
//!   copy. Different keys compute in parallel; recursion works. A panic reaches its caller,
//!   caches nothing and leaves nobody waiting.
//! - On a miss the caller gets the computed value itself; the cache keeps its own copy.

pub mod codec;
mod function;
pub mod persist;
pub mod storage;

pub use cache_key::{Key, KeyHash, KeyHasher};
pub use cache_store::Stats;
pub use function::{Codec, MemoFn, MemoOptions};
pub use persist::set_cache_dir;
pub use memo_macros::memo;

static REGISTRY: cache_store::Registry = cache_store::Registry::new();

/// Empties every `#[memo]` function of this process, and removes every persisted memo entry
/// (`*.memo`) in the persistence directory, as `st.cache_data.clear()` removes Streamlit's cache
/// directory.
///
/// ```
/// #[memo::memo]
/// fn one() -> u8 { 1 }
///
/// one();
/// memo::clear_all();
/// assert_eq!(one::stats().entries, 0);
/// ```
pub fn clear_all() {
    REGISTRY.clear_all();
    use cache_store::persist::Backend as _;
    if let Err(e) = persist::BACKEND.clear_all() {
        tracing::warn!(target: "memo", dir = %persist::cache_dir().display(), "cannot remove persisted entries: {e}");
    }
}

#[doc(hidden)]
pub mod __private {
    /// Everything the key block names.
    pub use cache_key::__private as key;
    pub use std::result::Result;

    pub use crate::function::{Codec, MemoFn, MemoOptions};
    pub use crate::storage::{CopyOnWrite, Serialized};

    /// The per-function static, registered for [`crate::clear_all`] on creation.
    pub fn static_cache<C: cache_store::Clear + 'static>(
        cell: &'static std::sync::OnceLock<C>,
        init: impl FnOnce() -> C,
    ) -> &'static C {
        super::REGISTRY.static_cache(cell, init)
    }

    /// A return type that the chosen storage can keep.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be cached by #[memo]: every caller gets a copy, so the type must be storable as one",
        label = "the return type of a #[memo] function",
        note = "default storage: derive `serde::Serialize` and `serde::Deserialize` for it",
        note = "`storage = \"clone\"`: the type must implement `memo::storage::CloneIsolated` (a clone that shares no mutable state)",
        note = "for objects that are not data (connections, pools, clients, models), use `#[singleton]`: one shared object, no serialization"
    )]
    pub trait Storable<S, V>: Sized {
        /// The storage's operations on `Self`.
        fn ops() -> crate::function::Ops<Self, V>;
    }

    impl<T: 'static, S: crate::storage::Storage<T, Stored = V>, V> Storable<S, V> for T {
        fn ops() -> crate::function::Ops<T, V> {
            crate::function::Ops::of::<S>()
        }
    }
}
