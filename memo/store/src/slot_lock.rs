//! The map lock of a store whose hits only read: a reader-writer lock whose readers write
//! nothing that another thread writes, and whose read lock costs one fence.
//!
//! A standard `RwLock` counts its readers in one atomic, so every read lock and unlock is a
//! read-modify-write (two `lock`-prefixed instructions per hit, each about as costly as the rest
//! of a small hit) of a cache line that each reading thread then takes from the core that wrote
//! it last. Here each thread with a `crate::thread_slot` index counts its reads in its own slot,
//! on its own cache line, with plain loads and stores; threads without one share a last slot,
//! counted atomically.
//!
//! # Protocol
//!
//! Entering, a reader stores its slot's new count, issues a `SeqCst` fence, and loads the
//! `writing` flag; a writer (one at a time, through the `writer` lock) stores `writing`, issues
//! a `SeqCst` fence, and loads each slot's count, waiting for it to reach zero. The two fences
//! are ordered one way or the other, so at least one side sees the other's store: either the
//! writer waits for that reader, or the reader sees `writing`, takes its count back and blocks on
//! the writer lock (shared) until the writer is done, then tries again. A writer therefore never waits for
//! readers that arrive after it (they step back), and readers block rather than spin.
//!
//! The data is published by release/acquire pairs: a writer clears `writing` with `Release` and
//! a reader loads it with `Acquire`; a reader leaves by storing its count with `Release`, which
//! the writer's `Acquire` load of that count reads before it writes.
//!
//! A thread's reads may nest on its own slot: a nested read does not step back for a waiting
//! writer, which cannot proceed anyway while the outer read holds. On the shared slot, as with
//! `std::sync::RwLock`, a nested read can deadlock against a waiting writer; the store never
//! nests them.
//!
//! Poisoning is not tracked: only the store's own code (and its `weigh` function) runs under the
//! exclusive lock, and the map is consistent between any two statements that can panic. The
//! guards release the lock when a panic unwinds through them.
//!
//! Under loom every atomic, the fences and the cell are loom's: the model below explores a
//! writer racing two readers (one on an owned slot, one on the shared slot, or both owned,
//! depending on which thread claims an index first), and loom's cell reports any read that
//! could overlap a write. (The store's own models run on a plain lock, see `store::lock`.)

use std::ops::{Deref, DerefMut};

use crate::sync::{
    AtomicBool, AtomicU64, ConstPtr, MutPtr, Ordering, UnsafeCell, fence, spin_loop, thread,
};
use crate::thread_slot::{self, OWNED};

/// How many times a writer spins on a reader's slot before it yields its time slice (in the
/// loom model check, none: each spin would be one more interleaving to explore).
const SPINS: u32 = if cfg!(loom) { 0 } else { 64 };

/// A reader count on its own cache line.
#[repr(align(128))]
#[derive(Default)]
struct Padded(AtomicU64);

/// A reader-writer lock whose readers each count themselves in their own thread's slot.
pub(crate) struct SlotLock<T> {
    /// Set by a writer before it waits for the readers; cleared when it is done.
    writing: AtomicBool,
    /// Held exclusively by the writer from before it sets `writing` until after it clears it:
    /// one writer at a time. A reader that stepped back blocks on it shared, so that all such
    /// readers wake together when the writer is done.
    writer: WriterLock,
    /// Readers inside, per slot: slot `i < OWNED` is written only by the thread owning index
    /// `i`; the last one is shared.
    readers: [Padded; OWNED + 1],
    value: UnsafeCell<T>,
}

// SAFETY: as for `std::sync::RwLock`: the lock moves its value between threads (`T: Send`), and
// shared access hands out `&T` to several threads at once (`T: Sync`); the protocol above gives
// readers and the writer exclusion.
unsafe impl<T: Send> Send for SlotLock<T> {}
// SAFETY: see `Send`.
unsafe impl<T: Send + Sync> Sync for SlotLock<T> {}

/// Shared access to a [`SlotLock`]'s value; leaving releases the reader's slot.
pub(crate) struct SlotReadGuard<'a, T> {
    lock: &'a SlotLock<T>,
    slot: Option<usize>,
    value: ConstPtr<T>,
}

/// Exclusive access to a [`SlotLock`]'s value.
pub(crate) struct SlotWriteGuard<'a, T> {
    lock: &'a SlotLock<T>,
    value: MutPtr<T>,
    _writer: WriterGuard<'a>,
}

impl<T> SlotLock<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            writing: AtomicBool::new(false),
            writer: WriterLock::default(),
            readers: std::array::from_fn(|_| Padded::default()),
            value: UnsafeCell::new(value),
        }
    }

    /// Shared access: waits while a writer holds the lock or waits for it.
    #[inline]
    pub(crate) fn read(&self) -> SlotReadGuard<'_, T> {
        self.read_in(thread_slot::owned())
    }

    /// [`SlotLock::read`] in reader slot `slot` (`None`: the shared one).
    #[inline]
    fn read_in(&self, slot: Option<usize>) -> SlotReadGuard<'_, T> {
        loop {
            if self.enter(slot) {
                return SlotReadGuard {
                    lock: self,
                    slot,
                    value: self.value.get(),
                };
            }
            // A writer holds the lock or is waiting for it: block until it is done.
            self.writer.wait_unlocked();
        }
    }

    /// Counts a reader in `slot`; `false` (the count taken back) when a writer is there first.
    #[inline]
    fn enter(&self, slot: Option<usize>) -> bool {
        match slot {
            Some(i) => {
                let count = &self.readers[i].0;
                // Only this thread writes its slot: a plain load and store.
                let n = count.load(Ordering::Relaxed);
                count.store(n + 1, Ordering::Relaxed);
                fence(Ordering::SeqCst);
                // A nested read goes ahead: the writer waits for the outer one anyway.
                if n > 0 || !self.writing.load(Ordering::Acquire) {
                    return true;
                }
                count.store(n, Ordering::Release);
                false
            }
            None => {
                let count = &self.readers[OWNED].0;
                count.fetch_add(1, Ordering::Relaxed);
                // The same fence as above: `SeqCst` on the two accesses alone would not order
                // them against the writer's fence (and loom, which treats such accesses as
                // acquire/release, finds the overlap).
                fence(Ordering::SeqCst);
                if !self.writing.load(Ordering::Acquire) {
                    return true;
                }
                count.fetch_sub(1, Ordering::Release);
                false
            }
        }
    }

    /// Exclusive access: waits for the readers inside, while new ones wait for it.
    ///
    /// # Panics
    ///
    /// When the calling thread holds a read of this lock in its own slot: it would wait for
    /// itself forever.
    pub(crate) fn write(&self) -> SlotWriteGuard<'_, T> {
        if let Some(i) = thread_slot::owned() {
            assert!(
                self.readers[i].0.load(Ordering::Relaxed) == 0,
                "a cache's exclusive lock was requested by a thread that holds its shared lock, \
                 which would wait for itself forever: a value's `Clone`, run while a hit holds \
                 the lock, called the same cached function"
            );
        }
        let writer = self.writer.lock();
        self.writing.store(true, Ordering::Relaxed);
        fence(Ordering::SeqCst);
        for slot in &self.readers {
            let mut spins = 0u32;
            // Readers hold the lock for a map lookup and a copy: spin briefly, then yield.
            while slot.0.load(Ordering::Acquire) != 0 {
                if spins < SPINS {
                    spins += 1;
                    spin_loop();
                } else {
                    thread::yield_now();
                }
            }
        }
        SlotWriteGuard {
            lock: self,
            value: self.value.get_mut(),
            _writer: writer,
        }
    }
}

/// The writers' own lock: one writer at a time, and what readers that stepped back block on
/// (shared, so that they all wake together when the writer is done).
#[cfg(not(loom))]
#[derive(Default)]
struct WriterLock(std::sync::RwLock<()>);

/// Holding a [`WriterLock`].
#[cfg(not(loom))]
struct WriterGuard<'a> {
    _held: std::sync::RwLockWriteGuard<'a, ()>,
}

#[cfg(not(loom))]
impl WriterLock {
    fn lock(&self) -> WriterGuard<'_> {
        WriterGuard {
            _held: self.0.write().unwrap_or_else(|e| e.into_inner()),
        }
    }

    fn wait_unlocked(&self) {
        drop(self.0.read().unwrap_or_else(|e| e.into_inner()));
    }
}

// Under loom the writers' lock is a flag with yielding waits: loom's locks refuse to be taken
// after a guard was dropped while another model thread was unwinding (all model threads share
// one OS thread, hence one "panicking" state), which the model's deliberate panics provoke.
// What the model checks is the slot protocol around it.
#[cfg(loom)]
#[derive(Default)]
struct WriterLock(AtomicBool);

#[cfg(loom)]
struct WriterGuard<'a>(&'a AtomicBool);

#[cfg(loom)]
impl WriterLock {
    fn lock(&self) -> WriterGuard<'_> {
        while self
            .0
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            thread::yield_now();
        }
        WriterGuard(&self.0)
    }

    fn wait_unlocked(&self) {
        while self.0.load(Ordering::Acquire) {
            thread::yield_now();
        }
    }
}

#[cfg(loom)]
impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl<T> Drop for SlotReadGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        match self.slot {
            Some(i) => {
                let count = &self.lock.readers[i].0;
                count.store(count.load(Ordering::Relaxed) - 1, Ordering::Release);
            }
            None => {
                self.lock.readers[OWNED].0.fetch_sub(1, Ordering::Release);
            }
        }
    }
}

impl<T> Drop for SlotWriteGuard<'_, T> {
    fn drop(&mut self) {
        // Before the writer lock is released (the field drops after this), so that a reader
        // blocked on it finds the flag clear when it gets through.
        self.lock.writing.store(false, Ordering::Release);
    }
}

impl<T> Deref for SlotReadGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this reader is counted and saw no writer; a writer waits for the count to
        // drop before it takes `&mut T`.
        unsafe { self.value.deref() }
    }
}

impl<T> Deref for SlotWriteGuard<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this writer holds the writer lock and saw every reader count at zero after setting
        // `writing`, so no other reference exists.
        unsafe { self.value.deref() }
    }
}

impl<T> DerefMut for SlotWriteGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `deref`, and `&mut self` makes this the only reference from the guard.
        unsafe { self.value.deref() }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::SlotLock;
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Readers on owned slots and on the shared one never see a value a writer is halfway
    /// through: every reader checks that the two halves agree while two writers keep changing
    /// them. Half of the readers with an owned slot nest a second read (on the shared slot a
    /// nested read can deadlock against a waiting writer, as with `std::sync::RwLock`).
    #[test]
    fn readers_never_see_a_write_in_progress() {
        let lock = SlotLock::new((0u64, 0u64));
        let stop = AtomicBool::new(false);
        // More threads than owned indices, so some read through the shared slot.
        let readers = crate::thread_slot::OWNED + 4;
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for i in 1..=2_000u64 {
                        let mut w = lock.write();
                        w.0 = i;
                        std::hint::black_box(&mut *w);
                        w.1 = i;
                    }
                });
            }
            let mut handles = Vec::new();
            for r in 0..readers {
                let (lock, stop) = (&lock, &stop);
                handles.push(s.spawn(move || {
                    let mut reads = 0u64;
                    while !stop.load(Ordering::Relaxed) || reads < 1_000 {
                        let outer = lock.read();
                        assert_eq!(outer.0, outer.1, "reader {r} saw a torn value");
                        if r % 2 == 0 && crate::thread_slot::owned().is_some() {
                            let inner = lock.read();
                            assert_eq!(*inner, *outer, "a nested read sees the same value");
                        }
                        drop(outer);
                        reads += 1;
                    }
                    reads
                }));
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
            stop.store(true, Ordering::Relaxed);
            for h in handles {
                assert!(h.join().expect("reader") >= 1_000);
            }
        });
        let v = *lock.read();
        assert_eq!(v.0, v.1);
    }

    /// A thread asking for the exclusive lock while it holds the shared one gets a panic that
    /// says so, instead of waiting for itself forever, and the lock stays usable. (Only a thread
    /// with a slot of its own can tell; tests running alongside may hold every index for a
    /// moment, so the check waits for a thread that gets one.)
    #[test]
    fn a_write_under_the_same_threads_read_panics_instead_of_hanging() {
        let lock = std::sync::Arc::new(SlotLock::new(1));
        for _attempt in 0..1_000 {
            let lock = std::sync::Arc::clone(&lock);
            let checked = std::thread::spawn(move || {
                if crate::thread_slot::owned().is_none() {
                    return false;
                }
                let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    let _read = lock.read();
                    *lock.write() = 2;
                }))
                .expect_err("the write must not go ahead");
                let msg = err.downcast_ref::<&str>().expect("the panic's message");
                assert!(msg.contains("would wait for itself forever"), "{msg}");
                *lock.write() = 3;
                assert_eq!(*lock.read(), 3);
                true
            })
            .join()
            .expect("the thread");
            if checked {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("no thread got a slot of its own in 10 s");
    }

    /// A panic while holding either guard releases the lock: later readers and writers go on.
    #[test]
    fn a_panic_under_either_guard_releases_the_lock() {
        let lock = SlotLock::new(vec![1]);
        let under_write = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut w = lock.write();
            w.push(2);
            panic!("under the exclusive lock");
        }));
        assert!(under_write.is_err());
        let under_read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let r = lock.read();
            assert_eq!(r.len(), 2);
            panic!("under the shared lock");
        }));
        assert!(under_read.is_err());
        lock.write().push(3);
        assert_eq!(*lock.read(), [1, 2, 3]);
    }
}

/// The loom model of the protocol, run by `tests/loom.rs` with the crate built for loom.
#[cfg(all(test, loom))]
mod loom_model {
    use super::{OWNED, SlotLock};
    use loom::sync::Arc;
    use loom::thread;

    /// A writer racing a reader that reads twice, in an owned slot or in the shared one: no
    /// read overlaps the write (loom's cell), nobody waits forever (loom's deadlock check),
    /// each read sees the value whole, a later read never sees an older value, and the write
    /// is there at the end.
    #[test]
    fn a_writer_and_a_reader_never_overlap() {
        // The writer thread claims the first index (the only claim in the model), so the
        // reader's owned slot is the last one.
        for slot in [Some(OWNED - 1), None] {
            let runs = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let counted = std::sync::Arc::clone(&runs);
            let mut builder = loom::model::Builder::new();
            builder.preemption_bound = Some(3);
            builder.check(move || {
                counted.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let lock = Arc::new(SlotLock::new((0u32, 0u32)));
                let writer = {
                    let lock = Arc::clone(&lock);
                    thread::spawn(move || {
                        let mut w = lock.write();
                        w.0 = 1;
                        w.1 = 1;
                    })
                };
                let first = *lock.read_in(slot);
                let second = *lock.read_in(slot);
                writer.join().unwrap();
                for seen in [first, second] {
                    assert!(seen == (0, 0) || seen == (1, 1), "a torn read: {seen:?}");
                }
                assert!(first <= second, "went back: {first:?} then {second:?}");
                assert_eq!(*lock.read_in(slot), (1, 1));
            });
            let runs = runs.load(std::sync::atomic::Ordering::Relaxed);
            eprintln!(
                "loom model slot lock (slot {slot:?}): {runs} interleavings explored (3 \
                 preemptions)"
            );
            assert!(runs > 1, "the model explored a single interleaving");
        }
    }
}
