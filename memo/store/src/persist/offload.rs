//! Blocking persistence work for async callers, on threads of its own: [`offload`] runs a
//! closure on a small pool and returns a future of its result that any executor can await
//! (it needs no runtime: a worker wakes the awaiting task's [`Waker`] when done).
//!
//! Why not the executor's own blocking pool: the caches are runtime-agnostic, and the Redis
//! client's async connections exist only for specific runtimes. A worker blocks for one
//! bounded backend operation (every Redis command has a timeout), or for one poll interval
//! while waiting for another process's lease.

use std::collections::VecDeque;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread;
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// Workers never exceed this; further jobs queue.
const MAX_WORKERS: usize = 64;
/// An idle worker exits after this long.
const IDLE_EXIT: Duration = Duration::from_secs(10);

struct Pool {
    queue: VecDeque<Job>,
    workers: usize,
    idle: usize,
}

static POOL: Mutex<Pool> = Mutex::new(Pool {
    queue: VecDeque::new(),
    workers: 0,
    idle: 0,
});
static WORK: Condvar = Condvar::new();

fn lock() -> std::sync::MutexGuard<'static, Pool> {
    POOL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn worker() {
    let mut pool = lock();
    loop {
        if let Some(job) = pool.queue.pop_front() {
            drop(pool);
            job();
            pool = lock();
            continue;
        }
        pool.idle += 1;
        let (next, timeout) = WORK
            .wait_timeout(pool, IDLE_EXIT)
            .unwrap_or_else(PoisonError::into_inner);
        pool = next;
        pool.idle -= 1;
        if timeout.timed_out() && pool.queue.is_empty() {
            pool.workers -= 1;
            return;
        }
    }
}

fn submit(job: Job) {
    let mut pool = lock();
    pool.queue.push_back(job);
    if pool.idle >= pool.queue.len() || pool.workers >= MAX_WORKERS {
        WORK.notify_one();
        return;
    }
    pool.workers += 1;
    drop(pool);
    let spawned = thread::Builder::new()
        .name("cache-persist".into())
        .spawn(worker);
    if spawned.is_err() {
        // No thread to be had: this caller runs the queue itself rather than losing jobs.
        let mut pool = lock();
        pool.workers -= 1;
        let jobs: Vec<Job> = pool.queue.drain(..).collect();
        drop(pool);
        jobs.into_iter().for_each(|job| job());
    }
}

struct Slot<R> {
    result: Option<thread::Result<R>>,
    waker: Option<Waker>,
}

/// The result of an [`offload`]ed closure. Dropping it does not stop the closure: a result
/// nobody takes is dropped, on the worker if the closure finishes later, else with this future,
/// so a result that owns a resource (a lease) gives it back through its own `Drop`.
pub struct Offloaded<R> {
    slot: Arc<Mutex<Slot<R>>>,
}

impl<R> Future for Offloaded<R> {
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let mut slot = self.slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.result.take() {
            Some(Ok(r)) => Poll::Ready(r),
            // The closure panicked on the worker: the panic continues in the awaiting task.
            Some(Err(panic)) => resume_unwind(panic),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Runs `job` on a persistence worker thread; the future resolves to its result.
///
/// ```
/// let sum = futures::executor::block_on(cache_store::persist::offload::offload(|| 20 + 22));
/// assert_eq!(sum, 42);
/// ```
pub fn offload<R: Send + 'static>(job: impl FnOnce() -> R + Send + 'static) -> Offloaded<R> {
    let slot = Arc::new(Mutex::new(Slot {
        result: None,
        waker: None,
    }));
    let theirs = Arc::clone(&slot);
    submit(Box::new(move || {
        let result = catch_unwind(AssertUnwindSafe(job));
        let waker = {
            let mut slot = theirs.lock().unwrap_or_else(PoisonError::into_inner);
            slot.result = Some(result);
            slot.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }));
    Offloaded { slot }
}

/// Runs `job` on a persistence worker thread without waiting for it.
pub fn detach(job: impl FnOnce() + Send + 'static) {
    submit(Box::new(move || {
        let _ = catch_unwind(AssertUnwindSafe(job));
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_and_panics_reach_the_awaiting_task() {
        let jobs: Vec<_> = (0..100u64).map(|i| offload(move || i * 2)).collect();
        let sum: u64 = jobs.into_iter().map(futures::executor::block_on).sum();
        assert_eq!(sum, 9900);
        let caught = std::panic::catch_unwind(|| {
            futures::executor::block_on(offload(|| -> u8 { panic!("in the job") }))
        });
        let payload = caught.expect_err("the panic is resumed");
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"in the job"));
    }

    #[test]
    fn a_result_nobody_awaits_is_dropped() {
        struct Signals(std::sync::mpsc::Sender<()>);
        impl Drop for Signals {
            fn drop(&mut self) {
                let _ = self.0.send(());
            }
        }
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let (dropped, was_dropped) = std::sync::mpsc::channel();
        let job = offload(move || {
            wait.recv().expect("released by the test");
            Signals(dropped)
        });
        // Cancelled before the job finished: the worker drops the result.
        drop(job);
        go.send(()).expect("job alive");
        was_dropped
            .recv_timeout(Duration::from_secs(10))
            .expect("the abandoned result was dropped");
    }

    #[test]
    fn a_blocked_job_does_not_hold_up_the_awaiting_thread() {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let blocked = offload(move || rx.recv().is_ok());
        // The caller keeps running while the job waits; then it lets the job finish.
        tx.send(()).expect("job alive");
        assert!(futures::executor::block_on(blocked));
    }
}
