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
//! | `max_entries = N` | keep at most N entries, evicting by CLOCK (an entry read since eviction last passed it gets a second chance; close to least recently used, and hits need no exclusive lock) |
//! | `persist = "disk"` (or `true`) | also store entries on disk (see [Persistence](#persistence)) |
//! | `persist = "redis"` | also store entries in Redis, shared by every process using the server (feature `redis`; see [Redis](#redis)) |
//! | `memory = false` | with `persist`: no in-memory layer, every call reads the persisted store (for replicas that must agree at once; see [Redis](#redis)) |
//! | `show_spinner = false` / `"text"` | by default (`true`, as in Streamlit) each miss emits the `tracing` event ``Running `f(...)`.`` ([`cache_store::events`]); `false` turns it off, a string gives other text |
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
//! Generic functions, functions with `impl Trait` parameters, methods of generic `impl`s and
//! trait default methods get one cache per instantiation. For a generic function, `f::clear()`
//! and `f::stats()` cover every instantiation created so far; `f::clear_entry` takes the
//! function's own arguments and so finds its instantiation.
//!
//! ```
//! #[memo::memo]
//! fn width<T>() -> usize {
//!     std::mem::size_of::<T>()
//! }
//!
//! assert_eq!(width::<u8>(), 1);
//! assert_eq!(width::<u64>(), 8); // its own cache, not the `u8` one's value
//! assert_eq!(width::stats().entries, 2);
//! ```
//!
//! # Semantics
//!
//! - The key is the function (its full path as `std::any::type_name` prints it, enclosing
//!   functions and `Self` type included, its concrete generic arguments, and a hash of its
//!   tokens, attribute included) plus the `(name, value)` pairs of its hashed parameters in
//!   declaration order.
//! - `Result<T, E>` functions cache only `Ok`; `Err` passes through. `Option<T>` is cached as a
//!   value.
//! - Concurrent misses of one key run the function once; the others wait and each get their own
//!   copy. Different keys compute in parallel; recursion works. A panic reaches its caller,
//!   caches nothing and leaves nobody waiting.
//! - On a miss the caller gets the computed value itself; the cache keeps its own copy.
//! - A return type the default storage cannot round-trip through bincode (internally tagged or
//!   untagged enums, `#[serde(flatten)]`, anything needing a self-describing format) is found
//!   on the function's first computation: one `tracing` ERROR (target `memo`) names the type and
//!   the fixes (`storage = "clone"`, `#[singleton]`, or dropping those serde attributes), and
//!   from then on every call computes its value, uncached (counted as misses). It does not
//!   panic: a cache must never be the reason a program stops. A stored value that fails to
//!   decode later (a `Deserialize` that rejects what its `Serialize` wrote) is dropped,
//!   recomputed, and counted as a miss, never a hit.
//!
//! # Async functions
//!
//! `#[memo]` also goes on an `async fn` (free function or method, any option). The call returns
//! a future of `T` that is `Send` when the arguments and the body are; concurrent callers of one
//! key, on any executor, share one computation and each get their own copy. No async runtime is
//! involved: waiting uses `std::task` wakers.
//!
//! - a caller dropped while it waits (a timeout, `select!`) affects nobody else;
//! - if the computing caller is dropped, or its body panics or returns `Err`, nothing is cached
//!   and one waiter computes instead; a panic reaches only the caller whose body panicked;
//! - awaiting itself with other arguments works (box the recursive call); with the same
//!   arguments it panics with a message naming the function instead of never finishing;
//! - with `persist = "disk"`, the entry file is read on a memory miss and written after a
//!   computation synchronously, on the computing task (one small file each); memory hits never
//!   touch the disk.
//!
//! ```
//! use std::sync::atomic::{AtomicUsize, Ordering};
//!
//! static RUNS: AtomicUsize = AtomicUsize::new(0);
//!
//! #[memo::memo(max_entries = 100)]
//! async fn double(x: u64) -> Result<u64, String> {
//!     RUNS.fetch_add(1, Ordering::SeqCst);
//!     x.checked_mul(2).ok_or_else(|| "overflow".to_string())
//! }
//!
//! futures::executor::block_on(async {
//!     let (a, b) = futures::join!(double(21), double(21));
//!     assert_eq!((a, b), (Ok(42), Ok(42)));
//!     assert_eq!(RUNS.load(Ordering::SeqCst), 1, "one computation for both callers");
//!     assert!(double(u64::MAX).await.is_err()); // not cached
//! });
//! assert_eq!(double::stats().entries, 1);
//! ```
//!
//! # Persistence
//!
//! `persist = "disk"` writes each computed entry to `<dir>/<function key>-<value key>.memo`
//! (directory: [`set_cache_dir`], else `MEMO_CACHE_DIR`, else the user cache directory; see
//! [`persist`]), and reads it back on a memory miss, in this process or a later one. The
//! format, backend and rules are [`cache_store::persist`]'s, shared with legacy-cache:
//! - every entry carries its function and argument keys, creation time, TTL, checksums and a
//!   **type fingerprint** of the return type (its type name plus a structural hash of its serde
//!   shape: field names and order, primitive types, variants, nested types through aliases). A
//!   changed return type (`type Span = (u32, u32)` becoming `(i32, i32)`, swapped struct
//!   fields) makes old entries a miss rather than a wrong value. What the fingerprint cannot
//!   see is listed in [`cache_store::persist::schema`];
//! - `ttl` applies on disk too; a corrupt, truncated, foreign, other-type or undecodable entry
//!   is a miss with a warning and is replaced; a failed write is a warning, the value is still
//!   returned and kept in memory; persistence never panics and is never an outage;
//! - `f::clear()` and [`clear_all`] also remove temporary files left by writes interrupted by a
//!   crash; the first disk access of a process removes those older than a minute.
//!
//! # Redis
//!
//! `persist = "redis"` (cargo feature `redis`) keeps the memory layer in front and shares
//! entries through a Redis server: a memory miss reads `memo:<function key>:<value key>`
//! before computing, and a computed value is written there with the entry's TTL as its expiry.
//! Entries use the disk format (same fingerprint, checksums and rules), so a corrupt, foreign
//! or other-type value is a warned miss and is replaced. Server: `memo::set_redis_url`, else
//! `MEMO_REDIS_URL`, else `redis://127.0.0.1:6379`; timeouts, backoff, size limit and leases:
//! `memo::persist::set_redis_config`.
//!
//! - A miss that finds no value takes a short lease on computing it (`SET NX PX`); other
//!   processes missing the same key meanwhile poll for the value instead of computing it, and
//!   compute it themselves if the lease expires first (its holder crashed or hangs).
//! - Redis is never an outage: connecting and each command have a timeout (tens of
//!   milliseconds by default); a failure is a miss, warned once per outage, after which Redis is
//!   skipped for a backoff (a second by default) and then probed again, so a dead server costs
//!   nearly nothing per call and recovery needs no restart. Values over the size limit stay in
//!   memory, with one warning per function.
//! - `f::clear()` deletes exactly that function's keys (found with `SCAN`, never `KEYS`);
//!   [`clear_all`] deletes every memo entry key; other keys on the server stay.
//! - `memory = false` drops the memory layer: every call reads Redis, so replicas agree at
//!   once, at a round trip and a decode per call (`max_entries` and `storage`, which configure
//!   the memory layer, are then compile errors).
//! - On an `async fn`, the Redis reads, leases and waits run on persistence worker threads
//!   ([`cache_store::persist::offload`], no runtime needed) and the write is handed to one, so
//!   the executor is never blocked.
//!
//! # Cargo features
//!
//! - `polars` (off by default): [`KeyHash`] for polars `DataFrame`, `Series`, `Column`, `Schema`
//!   and `DataType` (by content and schema, independent of chunking), and copy-on-write
//!   `storage = "clone"` for `DataFrame` and `Series`. It is opt-in because polars is by far the
//!   largest part of the build; a service that never caches frames does not compile it.
//! - `redis` (off by default): `persist = "redis"` ([Redis](#redis)), with the `redis` client
//!   crate. Without it, `persist = "redis"` is a compile error that names the feature.

pub mod codec;
mod function;
pub mod persist;
pub mod storage;

pub use cache_key::{CacheKey, Key, KeyHash, KeyHasher};
pub use cache_store::Stats;
pub use function::{Codec, MemoFn, MemoOptions};
pub use memo_macros::memo;
pub use persist::set_cache_dir;
#[cfg(feature = "redis")]
pub use persist::set_redis_url;

static REGISTRY: cache_store::Registry = cache_store::Registry::new();

// The `stats()` companion of a generic function sums its instantiations' counters.
impl<T: 'static, V: Clone + Send + Sync + 'static> cache_store::Counted for MemoFn<T, V> {
    fn stats(&self) -> Stats {
        MemoFn::stats(self)
    }
}

/// Empties every `#[memo]` function of this process, and removes every persisted memo entry
/// (`*.memo`) in the persistence directory, as `st.cache_data.clear()` removes Streamlit's cache
/// directory. With the `redis` feature, it also deletes every `memo:<function>:<value>` key
/// of the Redis server, if this process created a `persist = "redis"` function or chose a
/// server (`memo::set_redis_url` or `MEMO_REDIS_URL`).
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
    #[cfg(feature = "redis")]
    if persist::redis_in_use()
        && let Err(e) = persist::REDIS.clear_all()
    {
        tracing::warn!(target: "memo", "cannot remove memo's entries from Redis: {e}");
    }
}

#[doc(hidden)]
pub mod __private {
    /// Everything the key block names.
    pub use cache_key::__private as key;
    pub use std::result::Result;

    pub use crate::function::{Codec, MemoFn, MemoOptions};
    pub use crate::storage::{CopyOnWrite, Serialized};

    /// `persist = "redis"` expands to `redis_enabled::<()>()`: true with the `redis` feature, and
    /// without it a compile error that says how to turn the feature on.
    pub const fn redis_enabled<X: RedisFeature>() -> bool {
        true
    }

    /// Implemented only when memo's `redis` cargo feature is on.
    #[diagnostic::on_unimplemented(
        message = "`persist = \"redis\"` needs memo's `redis` cargo feature",
        label = "requires the `redis` feature of memo",
        note = "in Cargo.toml: memo = {{ version = \"...\", features = [\"redis\"] }}"
    )]
    pub trait RedisFeature {}
    #[cfg(feature = "redis")]
    impl RedisFeature for () {}

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
