//! Per-thread slot indices: while a thread runs, it owns one index in `0..OWNED` that no other
//! live thread has, so a per-thread cell indexed by it has a single writer and needs no atomic
//! read-modify-write (the hit counter's stripes, the map lock's reader slots).
//!
//! A thread claims its index on first use and hands it back when it exits, through a mutex that
//! orders the old owner's last store before the next owner's first. Threads beyond `OWNED`, and
//! calls made while a thread's locals are being destroyed, get `None`: they use a shared cell,
//! with atomic read-modify-writes.

use crate::sync::Mutex;

/// How many threads own an index at once.
#[cfg(not(loom))]
pub(crate) const OWNED: usize = 16;

/// In the loom model check, two: the models' other threads then take the shared path, and the
/// writer's wait over the slots stays small enough to explore every interleaving.
#[cfg(loom)]
pub(crate) const OWNED: usize = 2;

/// Indices free to claim, and the next never-claimed one.
#[cfg(not(loom))]
static FREE: Mutex<(Vec<usize>, usize)> = Mutex::new((Vec::new(), 0));

// In the loom model check the list is a static of one explored execution (a process-wide one
// would make executions differ, which loom cannot replay), and indices are not handed back: loom
// drops a thread's locals after the model's main thread, and its statics with it, may be gone.
#[cfg(loom)]
loom::lazy_static! {
    static ref FREE: Mutex<(Vec<usize>, usize)> = Mutex::new((Vec::new(), 0));
}

/// This thread's index; `None` when all are owned.
struct Slot(Option<usize>);

impl Slot {
    fn claim() -> Self {
        let mut free = FREE.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(i) = free.0.pop() {
            return Slot(Some(i));
        }
        if free.1 < OWNED {
            free.1 += 1;
            return Slot(Some(free.1 - 1));
        }
        Slot(None)
    }
}

#[cfg(not(loom))]
impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            FREE.lock().unwrap_or_else(|e| e.into_inner()).0.push(i);
        }
    }
}

crate::sync::thread_local! {
    static SLOT: Slot = Slot::claim();
}

/// The calling thread's own index in `0..OWNED`, or `None` (use the shared cell).
#[inline]
pub(crate) fn owned() -> Option<usize> {
    SLOT.try_with(|s| s.0).ok().flatten()
}
