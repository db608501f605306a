//! The storage engine under `memo`, `singleton` and `legacy-cache`.
//!
//! One idea per module, in the manner of moka and quick_cache:
//! - [`store`]: a per-function map with time-to-live (from insertion), eviction beyond a bound
//!   (exact least recently used, or CLOCK, whose hits need no exclusive lock: [`Eviction`]) and
//!   *single flight* (concurrent misses of one key run the computation once, for blocking and
//!   async callers alike);
//! - [`clock`]: the time source, with a per-thread mock so TTL tests need no sleeping;
//! - [`registry`]: the list of live caches behind `memo::clear_all()` and friends, and the
//!   per-instantiation caches of generic functions ([`Instances`]);
//! - [`persist`]: persistence, the one home of entries that outlive the process: a fallible
//!   backend trait with a disk implementation, the entry format, the codec, type fingerprints
//!   and the warned-miss policy memo and legacy-cache share;
//! - `testing` (only with the `testing` feature, which test suites turn on in their
//!   `[dev-dependencies]`): helpers for the tests of the store and of the crates built on it: a
//!   deadlock guard and a reference model of the store's semantics.
//!
//! Keys are `u128` digests computed by the caller (`cache-key` for memo and singleton, the legacy
//! md5 hasher for `legacy-cache`), so the store never hashes user values itself.
//!
//! ```
//! use cache_store::{Store, StoreConfig};
//!
//! let store: Store<u64> = Store::new(StoreConfig::default());
//! let first = store.get_or_compute(7, None, || Ok::<_, ()>(cache_store::Computed::cache(42, 42)));
//! assert!(matches!(first, Ok(cache_store::Got::Computed(42))));
//! let second = store.get_or_compute(7, None, || Ok::<_, ()>(cache_store::Computed::cache(0, 0)));
//! assert!(matches!(second, Ok(cache_store::Got::Hit(42))));
//! ```

pub mod clock;
mod counter;
pub mod events;
mod pending;
pub mod persist;
pub mod registry;
mod slot_lock;
pub mod store;
mod sync;
#[cfg(feature = "testing")]
pub mod testing;
mod thread_slot;

pub use registry::{Clear, Counted, Instances, Registry};
pub use store::{Computed, Eviction, Got, Stats, Store, StoreConfig};
