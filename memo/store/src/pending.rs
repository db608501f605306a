//! The marker of a computation in flight, and how callers wait for it: blocking threads on a
//! condition variable, async tasks on a list of wakers. Runtime-agnostic: only `std::task`.
//!
//! The marker also knows who computes, so that a caller about to wait for its own computation
//! (a cached function awaiting itself with the same arguments) can be told instead of hanging:
//! a thread owner by its `ThreadId`, an async owner by being on this thread's stack of
//! computations currently being polled ([`Polling`]). A nested `.await` inside an async body is
//! polled from within the body's own poll, so it sees its owner on that stack; another task on
//! the same thread is polled separately and does not.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use crate::sync::thread::{self, ThreadId};
use crate::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Who runs a computation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A blocking call on this thread.
    Thread(ThreadId),
    /// An async call; identified while polled through [`Polling`].
    Task,
}

#[derive(Default)]
struct Waiters {
    done: bool,
    /// Wakers of waiting tasks, by slot; a cancelled waiter empties its slot.
    wakers: Vec<Option<Waker>>,
}

/// A computation in flight.
pub(crate) struct Pending {
    owner: Owner,
    waiters: Mutex<Waiters>,
    cv: Condvar,
}

impl Owner {
    /// A blocking call on the current thread.
    pub(crate) fn current_thread() -> Self {
        Self::Thread(thread::current().id())
    }
}

impl Pending {
    pub(crate) fn new(owner: Owner) -> Arc<Self> {
        Arc::new(Self {
            owner,
            waiters: Mutex::new(Waiters::default()),
            cv: Condvar::new(),
        })
    }

    fn waiters(&self) -> MutexGuard<'_, Waiters> {
        // Only this module's code runs under the lock; a poisoned one still holds valid state.
        self.waiters.lock().unwrap_or_else(|e| e.into_inner())
    }

    // The methods on `Arc<Self>` are associated functions (`this`), not methods: loom's `Arc`, which
    // replaces std's in the model check, cannot be a `self` type.

    /// The identity used on the polling stack.
    fn id(this: &Arc<Self>) -> usize {
        Arc::as_ptr(this) as usize
    }

    /// Whether the caller on this thread is the computation it would wait for: waiting would
    /// never end.
    pub(crate) fn is_own(this: &Arc<Self>) -> bool {
        this.owner == Owner::Thread(thread::current().id()) || Polling::contains(Self::id(this))
    }

    /// Blocks this thread until the computation finishes (or is abandoned).
    pub(crate) fn wait(&self) {
        let mut w = self.waiters();
        while !w.done {
            w = self.cv.wait(w).unwrap_or_else(|e| e.into_inner());
        }
    }

    /// A future that is ready when the computation finishes (or is abandoned). Dropping it
    /// before then affects nobody else.
    pub(crate) fn wait_async(this: Arc<Self>) -> Wait {
        Wait {
            pending: this,
            slot: None,
        }
    }

    /// Marks the computation finished and wakes every waiter, blocking or async.
    pub(crate) fn finish(&self) {
        let wakers = {
            let mut w = self.waiters();
            w.done = true;
            std::mem::take(&mut w.wakers)
        };
        self.cv.notify_all();
        // Outside the lock: a waker may run arbitrary executor code.
        for waker in wakers.into_iter().flatten() {
            waker.wake();
        }
    }

    /// Marks this computation as being polled on this thread until the returned guard drops.
    pub(crate) fn polling(this: &Arc<Self>) -> Polling {
        let id = Self::id(this);
        POLLING.with(|s| s.borrow_mut().push(id));
        Polling { id }
    }
}

/// The future of [`Pending::wait_async`].
pub(crate) struct Wait {
    pending: Arc<Pending>,
    slot: Option<usize>,
}

impl Future for Wait {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut w = this.pending.waiters();
        if w.done {
            return Poll::Ready(());
        }
        match this.slot {
            Some(i) => match &mut w.wakers[i] {
                Some(old) if old.will_wake(cx.waker()) => {}
                other => *other = Some(cx.waker().clone()),
            },
            None => {
                w.wakers.push(Some(cx.waker().clone()));
                this.slot = Some(w.wakers.len() - 1);
            }
        }
        Poll::Pending
    }
}

impl Drop for Wait {
    fn drop(&mut self) {
        if let Some(i) = self.slot {
            let mut w = self.pending.waiters();
            if let Some(slot) = w.wakers.get_mut(i) {
                *slot = None;
            }
        }
    }
}

#[cfg(not(loom))]
thread_local! {
    /// Async computations being polled on this thread, innermost last.
    static POLLING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}
// Loom's `thread_local!` (one per model thread) takes no `const` initializer.
#[cfg(loom)]
loom::thread_local! {
    static POLLING: RefCell<Vec<usize>> = RefCell::new(Vec::new());
}

/// Keeps one computation on this thread's polling stack; removes it when dropped (after the
/// poll returns or unwinds).
pub(crate) struct Polling {
    id: usize,
}

impl Polling {
    fn contains(id: usize) -> bool {
        POLLING.with(|s| s.borrow().contains(&id))
    }
}

impl Drop for Polling {
    fn drop(&mut self) {
        POLLING.with(|s| {
            let mut s = s.borrow_mut();
            if let Some(i) = s.iter().rposition(|&x| x == self.id) {
                s.remove(i);
            }
        });
    }
}
