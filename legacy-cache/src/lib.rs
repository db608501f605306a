//! A faithful port of Streamlit's legacy unified `@st.cache` (Streamlit ≤ 1.35), kept next to its
//! successors `#[memo]` and `#[singleton]` to compare them in benchmarks and to migrate code.
//!
//! ```
//! use legacy_cache::cache;
//!
//! #[cache(max_entries = 100, ttl = 3600)]
//! fn totals(region: &str) -> Vec<u64> {
//!     vec![region.len() as u64, 42]
//! }
//!
//! let t = totals("eu"); // a miss: computes
//! assert_eq!(t.len(), 2); // `Shared<Vec<u64>>` derefs to the Vec
//! let again = totals("eu"); // a hit: the same cached object
//! assert!(legacy_cache::Shared::ptr_eq(&t, &again));
//! ```
//!
//! # Options (`#[cache(...)]`)
//!
//! All of the original's parameters, with the original names:
//!
//! | option | meaning |
//! |---|---|
//! | `persist = true` | also store every computed value on disk, in one global directory; persisted values never expire (see [`persist`]) |
//! | `allow_output_mutation = true` | do not hash the return value at all: no mutation check, and the type need not be hashable |
//! | `show_spinner = false` | by default (`true`, as in Streamlit) each miss emits the ``Running `f(...)`.`` `tracing` event of [`cache_store::events`]; a string gives other text |
//! | `suppress_st_warning = true` | accepted and ignored: it silenced `CachedStFunctionWarning` (an `st.*` call inside a cached function), which has no counterpart here |
//! | `hash_funcs(Type = path::to::func, ...)` | hash parameters (and the receiver, as `Self`) and the return value whose declared type is `Type` as `func(&value)`; the result is hashed again, so a function returning a constant disables hashing of that type. Matched on the types as written, ignoring `&`: exact types only, so `Type` does not match `Vec<Type>` or a wrapper of it (Streamlit matched the exact class, not subclasses). Entries that match nothing are ignored, as Streamlit ignored types it never met. `func` may return `Result<_, E: Display>`: an `Err`, like a panic, is a [`UserHashError`] |
//! | `max_entries = N` | keep at most N entries in memory, evicting the least recently used |
//! | `ttl = SECONDS` | memory entries expire this long after insertion (reads do not extend it); also `"1h30m"` or a `Duration` expression |
//! | `sampling = false` | **harness knob, not a Streamlit parameter**: hash polars frames of 100,000+ rows in full instead of by Streamlit's 10,000-row sample, so benchmarks can compare "sampled" and "full" mutation checks (see the `frames` module, `polars` feature) |
//! | `in_impl` | for an associated function without `self` or `Self` in its signature |
//!
//! `ttl` and `max_entries` only bound memory. Changing them gives a fresh (empty) memory cache
//! (trivially: options are compile-time and each process starts empty); persisted entries stay
//! reachable, since the function key covers the function item but not the attribute.
//!
//! # What a cached function returns
//!
//! `fn f(args) -> T` becomes `fn f(args) -> Shared<T>`, a handle to **the cached object itself**
//! (see [`Shared`]): it derefs to `T`, can be mutated with [`Shared::mutate`] (later hits see the
//! mutation, as Python callers did) and compared by identity with [`Shared::ptr_eq`].
//! `fn f(args) -> Result<T, E>` becomes `Result<Shared<T>, E>`: only `Ok` values are cached, an
//! `Err` passes through, as an exception did. Cached values must be `Send + Sync + 'static`.
//!
//! # The key
//!
//! The function key is md5 of the module path, the name (`Type.name` for methods) and the
//! function item's tokens ([`function_key`]). The value key is md5 of *every* argument in order,
//! the receiver first: there is no underscore rule (`_a` is hashed like any other parameter).
//! Rust has neither keyword arguments nor defaults, so Streamlit's `f(1)` / `f(x=1)` / `f()`
//! distinction cannot arise; argument order does matter (`f(1, 2)` and `f(2, 1)` differ) and a
//! function without arguments has the key `md5("")`, as in Streamlit.
//!
//! # The hasher and its errors
//!
//! Values are hashed by the legacy hasher ([`hash`]): [`LegacyHash`] types first, then any
//! `serde::Serialize` type ([`serde_hash`]), polars frames by Streamlit's row-hash sum (the
//! `frames` module, with the `polars` feature). Any other type compiles, and fails **at run time** with an
//! [`UnhashableTypeError`] naming the type and where it was found, as the original did. A failing
//! user hash function gives a [`UserHashError`], anything unexpected an [`InternalHashError`].
//!
//! For each cached function `f` the macro also generates **`try_f`** (same parameters; for a
//! method `m`, the associated function `try_m`), which returns these errors:
//! `try_f(args) -> Result<Shared<T>, HashError>` (`Result<Result<Shared<T>, E>, HashError>` for
//! a function returning `Result<T, E>`). It is a sibling function rather than `f::try_call`
//! because a module cannot see the items of a function body in which a cached function may be
//! defined.
//!
//! The **plain call never panics on a hashing error**: it logs the error (a `tracing` ERROR
//! event, target `legacy_cache`, with the Streamlit-style message) and answers without the
//! cache: an unhashable argument calls the function uncached; an unhashable return value is
//! returned uncached (after the function ran, as in Streamlit); a failed re-hash on a hit
//! returns the cached object unchecked. Streamlit raised instead, but it raised into a script
//! runner that showed the error on the page and kept serving; in a Rust program a panic would
//! bring down the caller, and user input must never cause a panic. Use `try_f` where the error
//! must be handled.
//!
//! # The mutation check
//!
//! Unless `allow_output_mutation = true`, the return value is hashed when stored and re-hashed
//! on **every** hit. On a mismatch a [`CachedObjectMutationWarning`] is emitted (a `tracing`
//! warning, a counter, an optional hook and a per-thread capture: see [`warning`]), the mutated
//! object is returned, and the stored hash is not updated, so the warning repeats on every later
//! hit. Hits clone two `Arc`s and otherwise cost only this check (nothing when mutation is
//! allowed). Arguments are not checked for mutation, as in the original.
//!
//! # Concurrency
//!
//! There is no lock around computation: two threads that miss the same key at the same time
//! both run the function (and each gets the object it computed; the later one stays cached), as
//! in the original. The store's lock is held only for map operations and never while user code
//! runs, so cached functions may call each other. Everything is safe Rust: concurrent readers
//! and writers of a cached object never race (see [`Shared`]). The one lock user code runs
//! under is a cached object's write lock during [`Shared::mutate`]; a call of the same function
//! from inside that closure answers without the cache (with a warning) rather than deadlock.
//!
//! # Clearing
//!
//! [`clear_cache`] empties every legacy cache in memory and deletes the persisted entries.
//! There is no per-function clear, as in the original.
//!
//! # Not ported
//!
//! Function-body hashing through referenced globals (Rust has no bytecode to walk; the tokens
//! of the item stand in for it), `CachedStFunctionWarning`, the `client.caching` switch and the
//! 1.18 deprecation banner.
//!
//! # Cargo features
//!
//! - `polars` (off by default): hashing of polars `DataFrame` and `Series` by Streamlit's
//!   row-hash sum (the `frames` module), the counterpart of its pandas special case. It is opt-in
//!   because polars is by far the largest part of the build.

mod dispatch;
pub mod error;
mod function;
pub mod hash;
pub mod persist;
pub mod serde_hash;
mod shared;
pub mod warning;

#[cfg(feature = "polars")]
pub mod frames;

use std::sync::Mutex;

pub use error::{
    Context, FoundIn, HashError, InternalHashError, UnhashableTypeError, UserHashError,
};
pub use function::{LegacyFn, LegacyOptions, Mode, OutputHasher, Plain, Strict, function_key};
pub use hash::{Dict, Digest, LegacyHash, LegacyHasher};
pub use legacy_cache_macros::cache;
pub use persist::set_cache_dir;
pub use shared::Shared;
pub use warning::{
    CachedObjectMutationWarning, MutationHook, capture_mutation_warnings, mutation_warning_count,
    set_mutation_hook,
};

static REGISTRY: cache_store::Registry = cache_store::Registry::new();
static STATS: Mutex<Vec<&'static dyn FunctionStats>> = Mutex::new(Vec::new());

/// Empties every `#[cache]` function's memory cache and deletes every persisted entry
/// (`*.legacy`) in the persistence directory (Streamlit removed its whole cache directory; this
/// removes only the files it wrote, since `LEGACY_CACHE_DIR` may point anywhere).
///
/// ```standalone_crate
/// use legacy_cache::cache;
///
/// #[cache]
/// fn one() -> u8 { 1 }
///
/// one();
/// legacy_cache::clear_cache();
/// ```
pub fn clear_cache() {
    REGISTRY.clear_all();
    use cache_store::persist::Backend as _;
    if let Err(e) = persist::BACKEND.clear_all() {
        tracing::warn!(
            target: "legacy_cache::persist",
            dir = %persist::cache_dir().display(),
            "cannot remove persisted entries: {e}"
        );
    }
}

/// Counters of one cached function, as reported by [`cache_stats`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheStat {
    /// Module path.
    pub module: &'static str,
    /// Function name.
    pub function: &'static str,
    /// Hits, misses and entries in memory.
    pub stats: cache_store::Stats,
}

trait FunctionStats: Send + Sync {
    fn stat(&self) -> CacheStat;
}

impl<T: Send + Sync + 'static> FunctionStats for LegacyFn<T> {
    fn stat(&self) -> CacheStat {
        let (module, function) = self.names();
        CacheStat {
            module,
            function,
            stats: self.stats(),
        }
    }
}

/// One [`CacheStat`] per cached function used so far (Streamlit's cache stats provider).
///
/// ```
/// use legacy_cache::cache;
///
/// #[cache]
/// fn square(x: u32) -> u32 { x * x }
///
/// square(2);
/// square(3);
/// let s = legacy_cache::cache_stats().into_iter().find(|s| s.function == "square").unwrap();
/// assert_eq!(s.stats.entries, 2);
/// ```
pub fn cache_stats() -> Vec<CacheStat> {
    let list = STATS.lock().unwrap_or_else(|e| e.into_inner()).clone();
    list.into_iter().map(|f| f.stat()).collect()
}

/// Hashes a value with the legacy hasher: `md5(to_bytes(value))`, the digest the mutation check
/// compares. The strategy is chosen at compile time as for arguments ([`LegacyHash`], then
/// `serde::Serialize`, then a run-time [`UnhashableTypeError`]). `sampling = false` hashes large
/// frames in full.
///
/// ```
/// let a = legacy_cache::hash_value!(vec![1, 2, 3]).unwrap();
/// assert_eq!(a, legacy_cache::hash_value!(vec![1, 2, 3]).unwrap());
/// assert_ne!(a, legacy_cache::hash_value!((1, 2, 3)).unwrap()); // list != tuple
/// let _full = legacy_cache::hash_value!("x", sampling = false).unwrap();
/// ```
#[macro_export]
macro_rules! hash_value {
    ($value:expr) => {
        $crate::hash_value!($value, sampling = true)
    };
    ($value:expr, sampling = $sampling:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{ViaLegacy as _, ViaNothing as _, ViaSerde as _};
        let __value = &$value;
        $crate::__private::digest_with($sampling, "value", |__h| {
            (&&&$crate::__private::Arg(__value))
                .__legacy_kind()
                .hash(__value, __h)
        })
    }};
}

#[doc(hidden)]
pub mod __private {
    pub use crate::dispatch::{
        Arg, ArgsHasher, HfOut, ViaLegacy, ViaNothing, ViaResult, ViaSerde, ViaValue, digest_with,
        user_error, user_hash,
    };
    pub use crate::function::{LegacyFn, LegacyOptions, Mode, Plain, Strict};
    pub use crate::hash::LegacyHasher;
    pub use crate::persist::Codec;
    pub use crate::{Digest, HashError, Shared};
    pub use std::result::Result;

    /// The per-function static, registered for [`crate::clear_cache`] and
    /// [`crate::cache_stats`] on creation.
    pub fn static_cache<T: Send + Sync + 'static>(
        cell: &'static std::sync::OnceLock<LegacyFn<T>>,
        init: impl FnOnce() -> LegacyFn<T>,
    ) -> &'static LegacyFn<T> {
        super::REGISTRY.static_cache_with(cell, init, |c| {
            super::STATS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(c)
        })
    }

    pub use cache_store::Instances;
    pub use cache_store::registry::instance_tokens;

    /// The cache of one instantiation of a method or of a function with `impl Trait`
    /// parameters (see [`cache_store::Instances`]), registered like [`static_cache`]'s.
    pub fn instance_cache<T: Send + Sync + 'static>(
        cells: &'static Instances,
        site: &'static str,
        generics: &'static str,
        init: impl FnOnce() -> LegacyFn<T>,
    ) -> &'static LegacyFn<T> {
        cells.get(&super::REGISTRY, site, generics, init, |c| {
            super::STATS
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(c)
        })
    }

    /// `Result<X, Infallible>` → `X`.
    pub fn infallible<X>(r: Result<X, std::convert::Infallible>) -> X {
        match r {
            Ok(x) => x,
            Err(never) => match never {},
        }
    }

    /// The same for a strict call's nested result.
    pub fn strict_infallible<X>(
        r: Result<Result<X, std::convert::Infallible>, crate::HashError>,
    ) -> Result<X, crate::HashError> {
        r.map(infallible)
    }
}
