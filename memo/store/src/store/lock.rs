//! The lock of a store's map: per-thread reader slots for stores whose hits read, plain for
//! those whose hits write.
//!
//! A store whose hits take the lock shared uses a [`SlotLock`]: a hit's read lock writes only
//! the calling thread's own slot and costs one fence, where a standard `RwLock` makes two atomic
//! read-modify-writes of one shared count. Its writer waits for every slot in turn, which only a
//! miss, an insert or a removal pays. A bounded LRU store's hits take the lock exclusively (they
//! reorder the recency list), so that store gains nothing from reader slots and keeps a plain
//! `RwLock`.
//!
//! Poisoning is ignored on both: only the store's own code (and its `weigh` function) runs under
//! the exclusive lock, and the map is consistent between any two statements that can panic.
//!
//! Under loom a store always takes the plain lock, which keeps the protocol models small enough
//! to explore; the slotted lock's protocol is model-checked on its own (`crate::slot_lock`).

use std::ops::{Deref, DerefMut};

use crate::slot_lock::{SlotLock, SlotReadGuard, SlotWriteGuard};
use crate::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A reader-writer lock, with per-thread reader slots or plain.
// One per cached function: the reader slots' 2 KiB are inline because boxing them would add a
// pointer hop to every hit.
#[allow(clippy::large_enum_variant)]
pub(super) enum MapLock<T> {
    Plain(RwLock<T>),
    Slotted(SlotLock<T>),
}

/// Shared access to a [`MapLock`]'s value.
pub(super) enum ReadGuard<'a, T> {
    Plain(RwLockReadGuard<'a, T>),
    Slotted(SlotReadGuard<'a, T>),
}

/// Exclusive access to a [`MapLock`]'s value.
pub(super) enum WriteGuard<'a, T> {
    Plain(RwLockWriteGuard<'a, T>),
    Slotted(SlotWriteGuard<'a, T>),
}

impl<T> MapLock<T> {
    /// A lock whose readers count themselves in their own thread's slot when `slotted`, or a
    /// plain one.
    pub(super) fn new(value: T, slotted: bool) -> Self {
        // The store's protocol models run on the plain lock: the slotted one multiplies their
        // interleavings past what loom can explore, and has a model of its own.
        if slotted && !cfg!(loom) {
            MapLock::Slotted(SlotLock::new(value))
        } else {
            MapLock::Plain(RwLock::new(value))
        }
    }

    /// Shared access, poisoned or not.
    #[inline]
    pub(super) fn read(&self) -> ReadGuard<'_, T> {
        match self {
            MapLock::Plain(lock) => {
                ReadGuard::Plain(lock.read().unwrap_or_else(|e| e.into_inner()))
            }
            MapLock::Slotted(lock) => ReadGuard::Slotted(lock.read()),
        }
    }

    /// Exclusive access, poisoned or not.
    #[inline]
    pub(super) fn write(&self) -> WriteGuard<'_, T> {
        match self {
            MapLock::Plain(lock) => {
                WriteGuard::Plain(lock.write().unwrap_or_else(|e| e.into_inner()))
            }
            MapLock::Slotted(lock) => WriteGuard::Slotted(lock.write()),
        }
    }
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match self {
            ReadGuard::Plain(g) => g,
            ReadGuard::Slotted(g) => g,
        }
    }
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match self {
            WriteGuard::Plain(g) => g,
            WriteGuard::Slotted(g) => g,
        }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        match self {
            WriteGuard::Plain(g) => g,
            WriteGuard::Slotted(g) => g,
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::MapLock;

    /// Both kinds give shared access to many readers at once, exclusive access to a writer, and
    /// keep serving after a panic under the exclusive lock.
    #[test]
    fn both_kinds_share_reads_and_survive_a_poisoning_panic() {
        for slotted in [false, true] {
            let lock = MapLock::new(vec![1], slotted);
            assert_eq!(matches!(lock, MapLock::Slotted(_)), slotted);
            {
                let (a, b) = (lock.read(), lock.read());
                assert_eq!((a[0], b[0]), (1, 1), "two readers at once");
            }
            let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut w = lock.write();
                w.push(2);
                panic!("under the exclusive lock");
            }));
            assert!(panicked.is_err());
            lock.write().push(3);
            assert_eq!(*lock.read(), [1, 2, 3], "slotted: {slotted}");
        }
    }

    /// A store gives its lock reader slots unless its hits take it exclusively (bounded LRU), where every
    /// hit would pay for them for nothing.
    #[test]
    fn a_store_gives_its_lock_reader_slots_unless_its_hits_reorder() {
        use crate::{Eviction, Store, StoreConfig};
        for (max_entries, eviction, slotted) in [
            (None, Eviction::Lru, true),
            (None, Eviction::Clock, true),
            (Some(8), Eviction::Clock, true),
            (Some(8), Eviction::Lru, false),
        ] {
            let store: Store<u8> = Store::new(StoreConfig {
                max_entries,
                eviction,
                ..StoreConfig::default()
            });
            assert_eq!(
                matches!(store.map, MapLock::Slotted(_)),
                slotted,
                "max_entries {max_entries:?}, {eviction:?}"
            );
        }
    }
}
