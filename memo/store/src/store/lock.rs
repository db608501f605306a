//! The lock of a store's map: sharded for stores whose hits read, plain for those whose hits
//! write.
//!
//! A standard `RwLock` counts its readers in one atomic, so every read lock and unlock writes a
//! cache line that each reading thread then takes from the core that wrote it last: hits of one
//! function on two cores run slower together than alone. crossbeam's `ShardedLock` gives each
//! thread its own reader lock on its own cache line (8 shards, picked by a per-thread index);
//! its writer locks every shard in turn, 8 uncontended lock operations where a plain lock takes
//! one. That trade only pays when hits take the lock shared: a bounded LRU store's hits take it
//! exclusively (they reorder the recency list), so that store keeps a plain lock.
//!
//! Poisoning is ignored on both: only the store's own code (and its `weigh` function) runs under
//! the exclusive lock, and the map is consistent between any two statements that can panic.
//!
//! Under loom both are loom's `RwLock`: loom cannot instrument crossbeam's internals, and what
//! the model checks (the store's protocol) needs only shared-versus-exclusive access.

use std::ops::{Deref, DerefMut};

use crate::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
#[cfg(not(loom))]
use crossbeam_utils::sync::{ShardedLock, ShardedLockReadGuard, ShardedLockWriteGuard};

/// A reader-writer lock, sharded per thread or plain.
pub(super) enum MapLock<T> {
    Plain(RwLock<T>),
    #[cfg(not(loom))]
    Sharded(ShardedLock<T>),
}

/// Shared access to a [`MapLock`]'s value.
pub(super) enum ReadGuard<'a, T> {
    Plain(RwLockReadGuard<'a, T>),
    #[cfg(not(loom))]
    Sharded(ShardedLockReadGuard<'a, T>),
}

/// Exclusive access to a [`MapLock`]'s value.
pub(super) enum WriteGuard<'a, T> {
    Plain(RwLockWriteGuard<'a, T>),
    #[cfg(not(loom))]
    Sharded(ShardedLockWriteGuard<'a, T>),
}

impl<T> MapLock<T> {
    /// A lock whose readers lock only their own thread's shard when `sharded`, or a plain one.
    pub(super) fn new(value: T, sharded: bool) -> Self {
        #[cfg(not(loom))]
        if sharded {
            return MapLock::Sharded(ShardedLock::new(value));
        }
        let _ = sharded;
        MapLock::Plain(RwLock::new(value))
    }

    /// Shared access, poisoned or not.
    #[inline]
    pub(super) fn read(&self) -> ReadGuard<'_, T> {
        match self {
            MapLock::Plain(lock) => {
                ReadGuard::Plain(lock.read().unwrap_or_else(|e| e.into_inner()))
            }
            #[cfg(not(loom))]
            MapLock::Sharded(lock) => {
                ReadGuard::Sharded(lock.read().unwrap_or_else(|e| e.into_inner()))
            }
        }
    }

    /// Exclusive access, poisoned or not.
    #[inline]
    pub(super) fn write(&self) -> WriteGuard<'_, T> {
        match self {
            MapLock::Plain(lock) => {
                WriteGuard::Plain(lock.write().unwrap_or_else(|e| e.into_inner()))
            }
            #[cfg(not(loom))]
            MapLock::Sharded(lock) => {
                WriteGuard::Sharded(lock.write().unwrap_or_else(|e| e.into_inner()))
            }
        }
    }
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match self {
            ReadGuard::Plain(g) => g,
            #[cfg(not(loom))]
            ReadGuard::Sharded(g) => g,
        }
    }
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        match self {
            WriteGuard::Plain(g) => g,
            #[cfg(not(loom))]
            WriteGuard::Sharded(g) => g,
        }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        match self {
            WriteGuard::Plain(g) => g,
            #[cfg(not(loom))]
            WriteGuard::Sharded(g) => g,
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
        for sharded in [false, true] {
            let lock = MapLock::new(vec![1], sharded);
            assert_eq!(matches!(lock, MapLock::Sharded(_)), sharded);
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
            assert_eq!(*lock.read(), [1, 2, 3], "sharded: {sharded}");
        }
    }

    /// A store shards its lock unless its hits take it exclusively (bounded LRU), where every
    /// hit would pay a lock operation per shard for nothing.
    #[test]
    fn a_store_shards_its_lock_unless_its_hits_reorder() {
        use crate::{Eviction, Store, StoreConfig};
        for (max_entries, eviction, sharded) in [
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
                matches!(store.map, MapLock::Sharded(_)),
                sharded,
                "max_entries {max_entries:?}, {eviction:?}"
            );
        }
    }
}
