//! Which entry a bounded store (`max_entries`) gives up when it is full.
//!
//! Entries sit in a [`LinkedHashMap`] in queue order, front first. Both policies evict from the
//! front; they differ in what a hit does:
//!
//! - [`Eviction::Lru`] moves the entry to the back (exact least-recently-used order), a write to
//!   the shared list, so a hit takes the store's lock exclusively;
//! - [`Eviction::Clock`] sets the entry's own *referenced* bit, an atomic a hit can set under the
//!   shared lock. When the store is full, the front entry is examined: a referenced one has its
//!   bit cleared and moves to the back (its second chance), the first unreferenced one is
//!   evicted. Every referenced entry is passed over at most once, so one eviction visits at most
//!   every entry plus one.

use crate::sync::{AtomicBool, Ordering};

use hashlink::LinkedHashMap;

use super::{Entry, FoldState};

/// The eviction policy of a bounded store ([`StoreConfig::max_entries`]); unbounded stores evict
/// nothing and ignore it.
///
/// [`StoreConfig::max_entries`]: crate::StoreConfig::max_entries
///
/// ```
/// use cache_store::store::Eviction;
/// use cache_store::{Store, StoreConfig};
///
/// let store: Store<&str> = Store::new(StoreConfig {
///     max_entries: Some(2),
///     eviction: Eviction::Clock,
///     ..StoreConfig::default()
/// });
/// store.insert(1, "a");
/// store.insert(2, "b");
/// assert_eq!(store.get(1), Some("a")); // 1 is referenced
/// store.insert(3, "c"); // 1 gets a second chance; 2, never read, is evicted
/// assert!(store.contains(1) && !store.contains(2) && store.contains(3));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Eviction {
    /// Exact least recently used, as Streamlit's `TTLCache`: a hit moves the entry to the back,
    /// so hits of a bounded store take the lock exclusively and wait for each other.
    #[default]
    Lru,
    /// CLOCK (second chance): a hit sets the entry's referenced bit under the shared lock, so
    /// concurrent hits do not wait for each other; a full store evicts, in insertion order, the
    /// first entry not read since it was last passed over.
    Clock,
}

/// An entry's CLOCK bit: set by hits, cleared when eviction passes the entry over.
#[derive(Debug, Default)]
pub(super) struct Referenced(AtomicBool);

impl Referenced {
    /// Marks the entry read. Loads first and stores only when unset, so hits of a hot entry
    /// only read its cache line instead of bouncing it between cores.
    #[inline]
    pub(super) fn set(&self) {
        if !self.0.load(Ordering::Relaxed) {
            self.0.store(true, Ordering::Relaxed);
        }
    }

    /// Clears the bit, returning whether it was set. Called under the exclusive lock, so a
    /// relaxed swap orders nothing it needs to (loom's atomics have no `get_mut`, and the model
    /// check builds this code with them).
    fn take(&mut self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }
}

/// Removes the entry `policy` evicts next, or `None` when the map is empty.
pub(super) fn evict_one<V>(
    ready: &mut LinkedHashMap<u128, Entry<V>, FoldState>,
    policy: Eviction,
) -> Option<Entry<V>> {
    match policy {
        Eviction::Lru => ready.pop_front().map(|(_, e)| e),
        Eviction::Clock => loop {
            let mut front = ready.front_entry()?;
            if front.get_mut().referenced.take() {
                front.to_back();
            } else {
                return Some(front.remove());
            }
        },
    }
}
