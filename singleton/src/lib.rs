//! `#[singleton]`: one shared, thread-safe object per key (Streamlit's
//! `st.experimental_singleton` / `st.cache_resource`).
//!
//! For things that are not data: connection pools, clients, models, sessions. Every caller, on
//! every thread, gets the same object as an `Arc`; there is no copying, no serialization and no
//! mutation check. Streamlit can only ask that such objects "must be thread-safe"; here the
//! return type must be `Send + Sync + 'static` or the function does not compile.
//!
//! ```
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use singleton::singleton;
//!
//! struct Pool { url: String, checkouts: AtomicU64 }
//!
//! #[singleton(max_entries = 4)]
//! fn pool(url: &str) -> Pool {
//!     Pool { url: url.to_string(), checkouts: AtomicU64::new(0) }
//! }
//!
//! let a: Arc<Pool> = pool("db://main");
//! let b = pool("db://main");
//! assert!(Arc::ptr_eq(&a, &b)); // the same object
//! a.checkouts.fetch_add(1, Ordering::Relaxed);
//! assert_eq!(b.checkouts.load(Ordering::Relaxed), 1); // shared state, by design
//! assert_eq!(pool("db://main").url, "db://main"); // read-only call sites look like memo's
//! ```
//!
//! # Options
//!
//! | option | meaning |
//! |---|---|
//! | `ttl = 90` / `"1h30m"` / `Duration` expr | entries expire this long after insertion |
//! | `max_entries = N` | keep at most N objects, evicting the least recently used |
//! | `validate = path` | `fn(&T) -> bool` called on every hit; `false` drops the object and creates a new one |
//! | `on_release = path` | `fn(&T)` called once for every object that leaves the cache (expiry, eviction, failed validation, clear), never under a lock; if it panics for one object, the others still get released and the first panic then reaches the caller that made them leave |
//! | `show_spinner = false` / `"text"` | by default (`true`, as in Streamlit) each miss emits the `tracing` event ``Running `f(...)`.`` (see `cache_store::events`); `false` turns it off, a string gives other text |
//! | `hash_funcs(Type = path, ...)` | hash arguments of `Type` as `path(&arg)` instead |
//! | `skip_self` | on a method, leave the receiver out of the key |
//! | `in_impl` | on an associated function without `self` or `Self` in its signature |
//!
//! `persist` is rejected: objects such as pools cannot be written to disk; use
//! `#[memo(persist = "disk")]` for data.
//!
//! # Returns
//!
//! `fn f(..) -> T` becomes `fn f(..) -> Arc<T>`; `fn f(..) -> Result<T, E>` becomes
//! `Result<Arc<T>, E>` and an `Err` is not cached. `T` needs neither `Clone` nor `Serialize`.
//! Read-only call sites such as `f(x).method()` or `g(&f(x))` compile unchanged when an attribute
//! is switched between `#[memo]` and `#[singleton]`.
//!
//! # Companions
//!
//! As for memo: `f::clear()`, `f::clear_entry(<same arguments>)`, `f::stats()` beside a free
//! function, `m_clear()`, `m_clear_entry(..)`, `m_stats()` beside a method; [`clear_all`] for
//! every singleton of the process.
//!
//! # Generics
//!
//! Each instantiation has its own cache: a generic function `f::<T>`, a function with
//! `impl Trait` parameters, a method of `impl<T> W<T>` and a trait's default method get one
//! cache per concrete type (see `cache_store::Instances`). `f::clear()` and `f::stats()` of a
//! generic function cover all its instantiations created so far.
//!
//! ```
//! #[singleton::singleton]
//! fn default_of<T: Default + Send + Sync + 'static>() -> T {
//!     T::default()
//! }
//!
//! assert_eq!(*default_of::<u8>(), 0);
//! assert_eq!(*default_of::<String>(), "");
//! assert_eq!(default_of::stats().entries, 2);
//! ```
//!
//! # Concurrency
//!
//! Exactly one creation per key, even under contention (threads or async tasks): concurrent
//! callers wait for the first one. The initializer never runs under a lock, so a singleton may
//! call another singleton (or itself with another key). A panic in the initializer reaches its caller, caches nothing and
//! leaves no waiter stuck.
//!
//! # Async functions
//!
//! `#[singleton]` also goes on an `async fn`: the call returns a future of `Arc<T>` (`Send` when
//! the arguments and the body are), and concurrent callers of one key, on any executor, share
//! one creation. A caller dropped while waiting affects nobody; if the creating caller is
//! dropped, or its body panics or returns `Err`, nothing is cached and one waiter creates the
//! object instead. `validate`, `on_release`, TTL and `max_entries` work as for blocking
//! functions. Waiting uses `std::task` wakers, not a particular runtime.
//!
//! ```
//! use std::sync::Arc;
//!
//! struct Client { url: String }
//!
//! #[singleton::singleton]
//! async fn client(url: &str) -> Client {
//!     Client { url: url.to_string() } // e.g. an awaited connection handshake
//! }
//!
//! futures::executor::block_on(async {
//!     let (a, b) = futures::join!(client("db://main"), client("db://main"));
//!     assert!(Arc::ptr_eq(&a, &b));
//!     assert_eq!(a.url, "db://main");
//! });
//! ```
//!
//! # Cargo features
//!
//! - `polars` (off by default): polars `DataFrame`, `Series`, `Column`, `Schema` and `DataType`
//!   arguments can be part of the key (`KeyHash` from `cache-key`). It is opt-in because polars
//!   is by far the largest part of the build.

mod function;

pub use cache_key::{CacheKey, Key, KeyHash, KeyHasher};
pub use cache_store::Stats;
pub use function::{SingletonFn, SingletonOptions};
pub use singleton_macros::singleton;

static REGISTRY: cache_store::Registry = cache_store::Registry::new();

/// Types a singleton can hold: `Send + Sync + 'static`, because one object is handed to every
/// caller on every thread. Implemented for every such type; it exists so that a type that is not
/// gets an error saying why and what to do, instead of rustc's generic auto-trait errors.
///
/// ```
/// fn shareable<T: singleton::Shareable>() {}
/// shareable::<std::sync::Mutex<Vec<u8>>>();
/// ```
///
/// ```compile_fail
/// fn shareable<T: singleton::Shareable>() {}
/// shareable::<std::cell::RefCell<u8>>(); // not `Sync`
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a singleton: it would be shared across threads, so it must be `Send + Sync + 'static`",
    label = "this type is returned to every caller on every thread",
    note = "wrap the non-thread-safe part in a `std::sync::Mutex` (or use thread-safe types such as atomics)",
    note = "or, if this is data rather than a shared resource, use `#[memo]`, which gives each caller its own copy"
)]
pub trait Shareable: Send + Sync + 'static {}

impl<T: Send + Sync + 'static> Shareable for T {}

/// Empties every `#[singleton]` function of this process (calling their `on_release` hooks).
///
/// ```
/// #[singleton::singleton]
/// fn config() -> String { "cfg".into() }
///
/// let before = config();
/// singleton::clear_all();
/// assert!(!std::sync::Arc::ptr_eq(&before, &config()));
/// ```
pub fn clear_all() {
    REGISTRY.clear_all();
}

#[doc(hidden)]
pub mod __private {
    /// Everything the key block names.
    pub use cache_key::__private as key;
    pub use std::result::Result;

    pub use crate::function::{SingletonFn, SingletonOptions};

    /// The per-function static, registered for [`crate::clear_all`] on creation.
    pub fn static_cache<C: cache_store::Clear + 'static>(
        cell: &'static std::sync::OnceLock<C>,
        init: impl FnOnce() -> C,
    ) -> &'static C {
        super::REGISTRY.static_cache(cell, init)
    }

    pub use cache_store::Instances;
    pub use cache_store::registry::instance_tokens;
    pub use cache_store::store::returning;

    /// The cache of one instantiation of a method or generic function (see
    /// [`cache_store::Instances`]), registered for [`crate::clear_all`] on creation.
    pub fn instance_cache<C: cache_store::Clear + cache_store::Counted + 'static>(
        cells: &'static Instances,
        site: &'static str,
        generics: &'static str,
        init: impl FnOnce() -> C,
    ) -> &'static C {
        cells.get(&super::REGISTRY, site, generics, init, |_| {})
    }
}
