//! The one `u64 -> u64` function of the multi-threaded workload, once per variant, every cache
//! bounded to [`CAPACITY`] entries so the three key patterns (hot set, 90/10 with fresh keys,
//! Zipf over 10k keys) all run on the same functions and memory stays bounded.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::variants::Variant;
use crate::workloads;

/// Entries every cache of this workload may hold (`max_entries`, `max_size`, capacity).
pub const CAPACITY: usize = 1_000;

static BODIES: AtomicU64 = AtomicU64::new(0);

/// How many times a body of this workload ran (its misses), across all threads.
pub fn bodies() -> u64 {
    BODIES.load(Ordering::Relaxed)
}

// Kept out of line so every variant pays the same body; only misses reach it.
#[inline(never)]
fn body(x: u64) -> u64 {
    BODIES.fetch_add(1, Ordering::Relaxed);
    workloads::scalar(x)
}

/// memo, serialized storage.
#[::memo::memo(max_entries = 1000)]
pub fn memo_serialized(x: u64) -> u64 {
    body(x)
}

/// memo, copy-on-write storage.
#[::memo::memo(storage = "clone", max_entries = 1000)]
pub fn memo_cow(x: u64) -> u64 {
    body(x)
}

/// singleton (returns `Arc<u64>`).
#[::singleton::singleton(max_entries = 1000)]
pub fn singleton_arc(x: u64) -> u64 {
    body(x)
}

/// `cached` `#[cached]` with an LRU of the same capacity, returning a clone.
#[::cached::macros::cached(max_size = 1000)]
pub fn cached_clone(x: u64) -> u64 {
    body(x)
}

static MOKA: LazyLock<::moka::sync::Cache<u64, u64>> =
    LazyLock::new(|| ::moka::sync::Cache::new(CAPACITY as u64));

/// `moka`: `get`, and `insert` on a miss.
pub fn moka_get(x: u64) -> u64 {
    if let Some(hit) = MOKA.get(&x) {
        return hit;
    }
    let value = body(x);
    MOKA.insert(x, value);
    value
}

static QUICK: LazyLock<::quick_cache::sync::Cache<u64, u64>> =
    LazyLock::new(|| ::quick_cache::sync::Cache::new(CAPACITY));

/// `quick_cache`: `get`, and `insert` on a miss.
pub fn quick_get(x: u64) -> u64 {
    if let Some(hit) = QUICK.get(&x) {
        return hit;
    }
    let value = body(x);
    QUICK.insert(x, value);
    value
}

/// The variants this workload has: ours and the peers (no legacy: its hit path is a
/// mutation-check design, not a concurrency one; no floors).
pub const VARIANTS: [Variant; 6] = [
    Variant::MemoSerialized,
    Variant::MemoCow,
    Variant::Singleton,
    Variant::CachedClone,
    Variant::Moka,
    Variant::QuickCache,
];

/// The function of `variant`, as a plain `fn` every thread can call, or `None` if the variant
/// is not part of this workload.
///
/// ```
/// use cache_harness::mt::functions::{bodies, clear, function};
/// use cache_harness::variants::Variant;
/// let f = function(Variant::MemoCow).unwrap();
/// let before = bodies();
/// assert_eq!(f(3), f(3));
/// assert_eq!(bodies() - before, 1, "the second call hit");
/// clear(Variant::MemoCow);
/// assert!(function(Variant::FloorDecode).is_none());
/// ```
pub fn function(variant: Variant) -> Option<fn(u64) -> u64> {
    Some(match variant {
        Variant::MemoSerialized => memo_serialized,
        Variant::MemoCow => memo_cow,
        Variant::Singleton => |x| *singleton_arc(x),
        Variant::CachedClone => cached_clone,
        Variant::Moka => moka_get,
        Variant::QuickCache => quick_get,
        _ => return None,
    })
}

/// Empties the cache of `variant` (no-op for variants outside this workload).
pub fn clear(variant: Variant) {
    use ::cached::Cached as _;
    match variant {
        Variant::MemoSerialized => memo_serialized::clear(),
        Variant::MemoCow => memo_cow::clear(),
        Variant::Singleton => singleton_arc::clear(),
        Variant::CachedClone => CACHED_CLONE.write().cache_clear(),
        Variant::Moka => {
            MOKA.invalidate_all();
            // moka applies invalidations lazily; run them now so the next round starts empty.
            MOKA.run_pending_tasks();
        }
        Variant::QuickCache => QUICK.clear(),
        _ => {}
    }
}
