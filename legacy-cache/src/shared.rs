//! [`Shared<T>`]: a handle to the cached object itself.

use std::fmt;
use std::ops::Deref;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockWriteGuard};

use crate::hash::Digest;

/// A small number per thread, to recognise re-entrance (`ThreadId::as_u64` is unstable).
fn thread_tag() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    thread_local! {
        static TAG: u64 = NEXT.fetch_add(1, Ordering::Relaxed);
    }
    TAG.with(|t| *t)
}

/// One cached object: its current value and the hash it had when it was stored.
pub(crate) struct Slot<T> {
    /// `None` only while [`Shared::mutate`] holds the write lock (see there).
    value: RwLock<Option<Arc<T>>>,
    /// The thread running a `mutate` of this object (0: none). The user's closure runs under
    /// the write lock, so a read from that same thread (the closure calling the cached function
    /// again) must not wait for the lock: it would wait for itself.
    mutator: AtomicU64,
    /// Output hash at insertion; `None` with `allow_output_mutation`. Never updated, so a
    /// mutation warns on every later hit, as in Streamlit.
    pub(crate) hash: Option<Digest>,
}

impl<T> Slot<T> {
    pub(crate) fn new(value: T, hash: Option<Digest>) -> (Arc<Self>, Arc<T>) {
        let value = Arc::new(value);
        let slot = Arc::new(Slot {
            value: RwLock::new(Some(Arc::clone(&value))),
            mutator: AtomicU64::new(0),
            hash,
        });
        (slot, value)
    }

    /// The current value (an `Arc` clone under a read lock held only for that clone); `None`
    /// when called from inside a `mutate` of this very object on this thread.
    pub(crate) fn current(&self) -> Option<Arc<T>> {
        if self.mutator.load(Ordering::Acquire) == thread_tag() {
            return None;
        }
        self.value
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A cheap-to-clone handle to **the cached object itself** (what Python callers of `@st.cache`
/// got: a reference to the one object in the cache).
///
/// - **Reading**: `Shared<T>` derefs to `T`, so read-only call sites (`f(x).len()`, `g(&f(x))`)
///   compile unchanged when the attribute is switched to `#[memo]` (which returns `T`) or
///   `#[singleton]` (which returns `Arc<T>`).
/// - **Mutating**: [`Shared::mutate`] changes the cached object; later hits return the mutated
///   value (and, unless `allow_output_mutation = true`, warn with a
///   [`CachedObjectMutationWarning`](crate::CachedObjectMutationWarning)).
/// - **Identity**: [`Shared::ptr_eq`] tells whether two handles refer to the same cached object.
///
/// # Snapshot semantics
///
/// A handle reads a *snapshot*: the value as it was when the call returned, or as this handle's
/// own last [`mutate`](Shared::mutate) or [`refresh`](Shared::refresh) left it. Mutations made
/// through other handles afterwards are not visible through this one until it refreshes (or
/// until the function is called again). This is where Rust departs from Python, where every
/// caller holds the same object and sees every change at once; it is what makes concurrent
/// readers and writers free of data races with safe code only.
///
/// `mutate` is copy-on-write: under the object's write lock it mutates the value in place when
/// no other snapshot of it is alive, and otherwise clones it first (so a reader's snapshot never
/// changes under its feet). Hits clone an `Arc`, never the value. The closure runs under the
/// object's write lock, so hits of it on other threads wait until it returns (keep it short); a
/// call of the cached function from inside the closure answers without the cache instead of
/// waiting for itself.
///
/// ```
/// use legacy_cache::{cache, Shared};
///
/// #[cache(allow_output_mutation = true)]
/// fn registry() -> Vec<String> { Vec::new() }
///
/// let mut a = registry();
/// let b = registry();
/// assert!(Shared::ptr_eq(&a, &b)); // the same cached object
/// a.mutate(|v| v.push("x".into()));
/// assert_eq!(a.len(), 1);
/// assert_eq!(b.len(), 0); // b's snapshot predates the mutation...
/// assert_eq!(registry().len(), 1); // ...but the cache holds the mutated object
/// ```
pub struct Shared<T> {
    slot: Arc<Slot<T>>,
    snap: Arc<T>,
}

/// Puts the (possibly new) value back into the slot when `mutate` ends, normally or by a panic
/// in the user's closure, so the slot is never left empty.
struct Restore<'a, T> {
    guard: RwLockWriteGuard<'a, Option<Arc<T>>>,
    mutator: &'a AtomicU64,
    snap: &'a mut Arc<T>,
}

impl<T> Drop for Restore<'_, T> {
    fn drop(&mut self) {
        *self.guard = Some(Arc::clone(self.snap));
        self.mutator.store(0, Ordering::Release);
    }
}

impl<T> Shared<T> {
    pub(crate) fn from_parts(slot: Arc<Slot<T>>, snap: Arc<T>) -> Self {
        Shared { slot, snap }
    }

    pub(crate) fn slot(&self) -> &Slot<T> {
        &self.slot
    }

    /// A handle to a value that is in no cache (a plain call that could not use the cache).
    pub(crate) fn detached(value: T) -> Self {
        let (slot, snap) = Slot::new(value, None);
        Shared { slot, snap }
    }

    /// Mutates the cached object and returns what `f` returns. Later calls of the function
    /// (hits) return the mutated value; this handle sees it at once; other handles keep their
    /// snapshots until they [`refresh`](Shared::refresh).
    ///
    /// Copy-on-write (hence `T: Clone`): the value is cloned first only when another snapshot of
    /// it is alive. Concurrent `mutate` calls on one object are serialized by its write lock, and
    /// each starts from the newest value, so none is lost. If `f` panics, whatever it left in
    /// the value is kept (as a half-done mutation of a Python object would be).
    ///
    /// ```
    /// use legacy_cache::cache;
    ///
    /// #[cache(allow_output_mutation = true)]
    /// fn counter() -> u64 { 0 }
    ///
    /// let old = counter().mutate(|n| { *n += 1; *n - 1 });
    /// assert_eq!(old, 0);
    /// assert_eq!(*counter(), 1);
    /// ```
    ///
    /// # Panics
    ///
    /// When `f` mutates the same cached object again (through another handle) on the same
    /// thread: that would be two `&mut` to one value, the error `RefCell` reports as "already
    /// borrowed". Calling the cached function from `f` is fine (it answers without the cache;
    /// see the crate docs).
    pub fn mutate<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> R
    where
        T: Clone,
    {
        let Some(restore) = self.lock_for_mutation() else {
            panic!(
                "Shared::mutate: this cached object is already being mutated on this thread \
                 (a nested mutate of the same object)"
            );
        };
        f(Arc::make_mut(&mut *restore.snap))
    }

    /// Takes the object's write lock and its newest value (see `mutate`); `None` on re-entrance.
    fn lock_for_mutation(&mut self) -> Option<Restore<'_, T>> {
        let slot = &*self.slot;
        if slot.mutator.load(Ordering::Acquire) == thread_tag() {
            return None;
        }
        // A panic in an earlier `mutate` left the value consistent (Restore put it back).
        slot.value.clear_poison();
        let mut guard = slot.value.write().unwrap_or_else(PoisonError::into_inner);
        slot.mutator.store(thread_tag(), Ordering::Release);
        // Take the newest value out of the slot and drop our older snapshot, so that when no one
        // else holds a snapshot, `make_mut` mutates in place without copying.
        if let Some(current) = guard.take() {
            self.snap = current;
        }
        Some(Restore {
            guard,
            mutator: &slot.mutator,
            snap: &mut self.snap,
        })
    }

    /// [`Shared::mutate`] for types that cannot be cloned: mutates in place when no other
    /// snapshot of the object is alive and returns `Some`, else changes nothing and returns
    /// `None` (drop or [`refresh`](Shared::refresh) the other handles first). Also `None`, rather
    /// than a panic, for a nested mutation of the same object on the same thread.
    ///
    /// ```
    /// use legacy_cache::cache;
    ///
    /// struct Conn { queries: u32 } // not Clone
    ///
    /// #[cache(allow_output_mutation = true)]
    /// fn conn() -> Conn { Conn { queries: 0 } }
    ///
    /// let mut c = conn();
    /// assert_eq!(c.try_mutate(|c| { c.queries += 1; c.queries }), Some(1));
    /// let other = conn();
    /// assert_eq!(c.try_mutate(|c| c.queries += 1), None); // `other` holds a snapshot
    /// drop(other);
    /// assert!(c.try_mutate(|c| c.queries += 1).is_some());
    /// ```
    pub fn try_mutate<R>(&mut self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        let restore = self.lock_for_mutation()?;
        Arc::get_mut(&mut *restore.snap).map(f)
    }

    /// Re-reads the cached object's current value into this handle's snapshot.
    ///
    /// ```
    /// use legacy_cache::cache;
    ///
    /// #[cache(allow_output_mutation = true)]
    /// fn names() -> Vec<&'static str> { vec![] }
    ///
    /// let mut writer = names();
    /// let mut reader = names();
    /// writer.mutate(|v| v.push("a"));
    /// assert!(reader.is_empty());
    /// reader.refresh();
    /// assert_eq!(*reader, ["a"]);
    /// ```
    pub fn refresh(&mut self) {
        if let Some(current) = self.slot.current() {
            self.snap = current;
        }
    }

    /// Whether two handles refer to the same cached object (Python's `a is b`), whatever their
    /// snapshots.
    ///
    /// ```
    /// use legacy_cache::{cache, Shared};
    ///
    /// #[cache]
    /// fn one(x: u8) -> Vec<u8> { vec![x] }
    ///
    /// assert!(Shared::ptr_eq(&one(1), &one(1)));
    /// assert!(!Shared::ptr_eq(&one(1), &one(2)));
    /// ```
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        Arc::ptr_eq(&a.slot, &b.slot)
    }

    /// This handle's snapshot as an `Arc` (clone it to keep the value beyond the handle).
    ///
    /// ```
    /// use legacy_cache::cache;
    ///
    /// #[cache]
    /// fn text() -> String { "hi".into() }
    ///
    /// let arc = std::sync::Arc::clone(text().snapshot());
    /// assert_eq!(*arc, "hi");
    /// ```
    pub fn snapshot(&self) -> &Arc<T> {
        &self.snap
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared {
            slot: Arc::clone(&self.slot),
            snap: Arc::clone(&self.snap),
        }
    }
}

impl<T> Deref for Shared<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.snap
    }
}

impl<T> AsRef<T> for Shared<T> {
    fn as_ref(&self) -> &T {
        &self.snap
    }
}

impl<T: fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: fmt::Display> fmt::Display for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

/// Compares the snapshots' values (not identity; see [`Shared::ptr_eq`]).
impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for Shared<T> {}

impl<T: serde::Serialize> serde::Serialize for Shared<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutate_in_place_when_alone_and_copy_when_shared() {
        let (slot, snap) = Slot::new(vec![1u8], None);
        let mut a = Shared::from_parts(Arc::clone(&slot), snap);
        let before = Arc::as_ptr(a.snapshot());
        a.mutate(|v| v.push(2));
        assert_eq!(
            Arc::as_ptr(a.snapshot()),
            before,
            "no other snapshot: in place"
        );

        let b = a.clone();
        a.mutate(|v| v.push(3));
        assert_ne!(Arc::as_ptr(a.snapshot()), Arc::as_ptr(b.snapshot()));
        assert_eq!(*b, vec![1, 2]);
        assert_eq!(*a, vec![1, 2, 3]);
        assert_eq!(*slot.current().unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn a_panicking_mutation_leaves_a_usable_object() {
        let mut a = Shared::detached(vec![1u8]);
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            a.mutate(|v| {
                v.push(2);
                panic!("half-way");
            })
        }));
        assert!(caught.is_err());
        assert_eq!(*a, vec![1, 2]);
        assert_eq!(*a.slot().current().unwrap(), vec![1, 2]);
        a.mutate(|v| v.push(3));
        assert_eq!(*a, vec![1, 2, 3]);
    }

    #[test]
    fn concurrent_mutations_are_not_lost() {
        let shared = Shared::detached(0u64);
        std::thread::scope(|s| {
            for _ in 0..4 {
                let mut h = shared.clone();
                s.spawn(move || {
                    for _ in 0..1000 {
                        h.mutate(|n| *n += 1);
                    }
                });
            }
        });
        let mut h = shared.clone();
        h.refresh();
        assert_eq!(*h, 4000);
    }
}
