//! The async single-flight path of [`Store`]: the blocking path's protocol (pending marker, drop
//! guard, waiters look again) with the waits turned into futures.
//!
//! No lock is held and no thread blocks across an `.await`: the map lock is taken only inside
//! the synchronous [`Store::begin`] and [`Store::complete`], and waiters park their wakers on
//! the pending marker. The owner of a computation is whoever polls the future that registered
//! it; when that future is dropped (cancelled) or its computation panics, the marker's guard
//! removes it and wakes the waiters, and the first of them to look again computes.

use std::future::{Future, poll_fn};

use super::{Begin, Computed, Got, Store};
use crate::pending::{Owner, Pending};

impl<V: Clone> Store<V> {
    /// A hit, counted, or `None` without counting anything (no validation): the fast path of
    /// memo's and singleton's calls, blocking and async, taken before they set up a computation
    /// (a future, or the single-flight states of [`Store::get_or_compute`]) they will not need.
    ///
    /// ```
    /// use cache_store::{Store, StoreConfig};
    ///
    /// let store: Store<u8> = Store::new(StoreConfig::default());
    /// assert_eq!(store.hit(1), None);
    /// store.insert(1, 9);
    /// assert_eq!(store.hit(1), Some(9));
    /// assert_eq!((store.stats().hits, store.stats().misses), (1, 0));
    /// ```
    #[inline]
    pub fn hit(&self, key: u128) -> Option<V> {
        // The common case, a live entry found under the shared lock, needs no list of departed
        // values and no call to release them.
        if let Some((value, _)) = self.read_hit(key) {
            self.hits.add_one();
            return Some(value);
        }
        self.hit_exclusive(key)
    }

    /// [`Store::hit`] when the shared lock did not answer: a bounded LRU store's hit, or an
    /// expired entry to remove, under the exclusive lock (`find` tries the shared one first, a
    /// second attempt that only a miss pays).
    #[inline(never)]
    fn hit_exclusive(&self, key: u128) -> Option<V> {
        let mut departed = Vec::new();
        let found = self.find(key, &mut departed);
        if found.is_some() {
            self.hits.add_one();
        }
        self.release(departed);
        found.map(|(value, _)| value)
    }

    /// A hit found under the shared lock alone, counted, with what `take` takes out of the
    /// stored value while the lock is held; `None` without counting anything when the lookup
    /// needs more than that (no entry, an expired one, or a bounded LRU store, whose hits
    /// reorder under the exclusive lock): the caller then goes the usual way
    /// ([`Store::get_or_compute`], [`Store::hit`]). No validation.
    ///
    /// What it is for: copying a small value out instead of cloning it. Cloning an `Arc` or a
    /// shared byte buffer writes its reference count, one cache line that every thread hitting
    /// that key then takes from the core that wrote it last; a copy only reads the entry.
    /// `take` runs under the lock, so it must be the caller's own short code: no user code
    /// (which could call into this store and deadlock) and nothing that blocks.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use cache_store::{Store, StoreConfig};
    ///
    /// let store: Store<Arc<[u8]>> = Store::new(StoreConfig::default());
    /// assert_eq!(store.hit_with(1, |bytes| bytes.len()), None);
    /// store.insert(1, Arc::from(&b"abc"[..]));
    /// assert_eq!(store.hit_with(1, |bytes| bytes.to_vec()), Some(b"abc".to_vec()));
    /// assert_eq!((store.stats().hits, store.stats().misses), (1, 0));
    /// ```
    #[inline]
    pub fn hit_with<R>(&self, key: u128, take: impl FnOnce(&V) -> R) -> Option<R> {
        let (taken, _) = self.read_hit_with(key, take)?;
        self.hits.add_one();
        Some(taken)
    }

    /// The async [`Store::get_or_compute`]: returns the stored value for `key`, or awaits
    /// `compute()` once for all concurrent callers of that key, blocking or async, and stores
    /// what it says to store. Runtime-agnostic (only `std::task`).
    ///
    /// - A caller that waits and is dropped (cancelled) affects no one else.
    /// - If the computing caller's future is dropped before it finishes, or `compute` returns
    ///   `Err` or panics, nothing is cached and one waiter computes instead. A panic reaches the
    ///   computing caller.
    /// - `validate`, as for the blocking path, is called on every hit, outside the lock.
    ///
    /// ```
    /// use cache_store::{Computed, Got, Store, StoreConfig};
    ///
    /// let store: Store<u64> = Store::new(StoreConfig::default());
    /// let first = store.get_or_compute_async(7, None, || async {
    ///     Ok::<_, ()>(Computed::cache(42, 42))
    /// });
    /// assert_eq!(futures::executor::block_on(first), Ok(Got::Computed(42)));
    /// let again = store.get_or_compute_async(7, None, || async { Err::<Computed<u64, u64>, _>(()) });
    /// assert_eq!(futures::executor::block_on(again), Ok(Got::Hit(42)));
    /// ```
    ///
    /// # Panics
    ///
    /// Panics, instead of never finishing, when `compute` awaits the same store with the same
    /// key from within its own poll (a cached async function awaiting itself with the same
    /// arguments).
    pub async fn get_or_compute_async<R, E, F>(
        &self,
        key: u128,
        validate: Option<&(dyn Fn(&V) -> bool + Sync)>,
        compute: impl FnOnce() -> F,
    ) -> Result<Got<R, V>, E>
    where
        F: Future<Output = Result<Computed<R, V>, E>>,
    {
        let guard = loop {
            // The `Sync` reference is what the future holds across `.await`s (it stays `Send`).
            let plain = validate.map(|v| v as &dyn Fn(&V) -> bool);
            match self.begin(key, plain, || Owner::Task) {
                Begin::Hit(value) => return Ok(Got::Hit(value)),
                Begin::Retry => {}
                Begin::Wait(pending) => Pending::wait_async(pending).await,
                Begin::Compute(guard) => break guard,
            }
        };
        let pending = crate::sync::Arc::clone(&guard.pending);
        // Boxed: the body's future can be large, and inline it would make every call's future
        // (hits included, which never reach this point) as large, to be set up on each call.
        // One allocation per computation is nothing next to the computation.
        let mut fut = Box::pin(compute());
        // A panic in the body unwinds through this future's poll, which drops its locals, the
        // guard included: the marker is gone and the waiters are woken even if the executor
        // catches the panic and keeps the (now finished) future.
        let computed = poll_fn(|cx| {
            // On the polling stack while the body runs, so that the body awaiting this same
            // key is recognised as recursion (see `crate::pending`).
            let _polling = Pending::polling(&pending);
            fut.as_mut().poll(cx)
        })
        .await?;
        Ok(Got::Computed(self.complete(guard, computed)))
    }
}

/// Returns `f` unchanged, with its output type fixed to `R`: the generated code of a cached
/// `async fn` wraps the function's body in an `async` block, and naming the output here lets `?`
/// in the body convert errors to the declared error type, as it does in the original function.
///
/// ```
/// use cache_store::store::returning;
///
/// let fut = returning::<Result<u8, String>, _>(async {
///     let n: u8 = "7".parse().map_err(|e: std::num::ParseIntError| e.to_string())?;
///     Ok(n)
/// });
/// assert_eq!(futures::executor::block_on(fut), Ok(7));
/// ```
pub fn returning<R, F: Future<Output = R>>(f: F) -> F {
    f
}
