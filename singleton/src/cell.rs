//! The hit path of an argument-less singleton: one slot in front of the store.
//!
//! A function without hashed arguments has one key, so its hit needs no map: the slot mirrors
//! the store's entry for that key and answers with a read lock and an `Arc` clone. The store
//! stays the authority: every miss goes through it (single flight, `on_release`, the entry
//! and byte counts), and the slot is only *offered* the object the store returned. It is used
//! only when no entry can leave the store behind its back: no TTL, no `validate`, no
//! `max_entries` (see [`SingletonFn::new`](crate::SingletonFn::new)).
//!
//! Removal (`clear`, `clear_entry`) empties the slot before the store drops the entry, and no
//! object read from the store before the removal may be put back afterwards. Each caller notes
//! the slot's epoch before asking the store; an offer is taken only if no removal started or
//! finished since (the epoch is unchanged) and none is under way. The small `fill` lock orders
//! offers against those two steps and is never held while user code (`on_release`, a drop)
//! runs, so a release hook may call the function or clear it again.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use cache_store::HitCounter;

pub(crate) struct Slot<T> {
    value: RwLock<Option<Arc<T>>>,
    /// Bumped when a removal starts and when it ends.
    epoch: AtomicU64,
    /// Removals under way.
    removing: AtomicU64,
    fill: Mutex<()>,
    hits: HitCounter,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            value: RwLock::new(None),
            epoch: AtomicU64::new(0),
            removing: AtomicU64::new(0),
            fill: Mutex::new(()),
            hits: HitCounter::default(),
        }
    }
}

/// Ends a removal even when the store's release hooks panic.
struct Removal<'a, T>(&'a Slot<T>);

impl<T> Drop for Removal<'_, T> {
    fn drop(&mut self) {
        let _fill = self.0.fill();
        self.0.epoch.fetch_add(1, Ordering::Release);
        self.0.removing.fetch_sub(1, Ordering::Relaxed);
    }
}

impl<T> Slot<T> {
    fn fill(&self) -> MutexGuard<'_, ()> {
        // Guards no data of its own: a poisoned lock is as good as a clean one.
        self.fill.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The mirrored object, counted as a hit.
    #[inline]
    pub(crate) fn get(&self) -> Option<Arc<T>> {
        let value = self
            .value
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()?;
        self.hits.add_one();
        Some(value)
    }

    /// The epoch to hand back to [`Slot::offer`], read before asking the store.
    #[inline]
    pub(crate) fn epoch(&self) -> u64 {
        // Acquire: a caller that sees the end of a removal also sees the store without the entry.
        self.epoch.load(Ordering::Acquire)
    }

    /// Mirrors `value`, which the store returned to a caller that read `seen` before asking it,
    /// unless a removal may have dropped it since.
    pub(crate) fn offer(&self, seen: u64, value: &Arc<T>) {
        let old = {
            let _fill = self.fill();
            if self.removing.load(Ordering::Relaxed) != 0
                || self.epoch.load(Ordering::Relaxed) != seen
            {
                return;
            }
            let mut slot = self.value.write().unwrap_or_else(|e| e.into_inner());
            slot.replace(Arc::clone(value))
        };
        // Dropped after the locks: dropping an object runs user code.
        drop(old);
    }

    /// Runs `remove` (the store's removal) with the slot emptied first and no offer of an
    /// object read before its end taken afterwards.
    pub(crate) fn removing<R>(&self, remove: impl FnOnce() -> R) -> R {
        let old = {
            let _fill = self.fill();
            self.removing.fetch_add(1, Ordering::Relaxed);
            self.epoch.fetch_add(1, Ordering::Release);
            self.value.write().unwrap_or_else(|e| e.into_inner()).take()
        };
        let _end = Removal(self);
        drop(old);
        remove()
    }

    /// Hits answered by the slot (the store counts the others).
    pub(crate) fn hits(&self) -> u64 {
        self.hits.sum()
    }
}
