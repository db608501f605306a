//! The per-function cache behind a `#[memo]` function, and the call path.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use cache_key::{Key, KeyError};
use cache_store::persist::{Claim, Lease, Loaded, Persisted, PersistedConfig};
use cache_store::{Clear, Computed, Got, Stats, Store, StoreConfig};

/// Encoder, decoder and type fingerprint of persisted values (only generated with `persist`).
pub use cache_store::persist::codec::Codec;

use crate::codec::{CodecError, RoundTripError};
use crate::persist;
use crate::storage::{self, LoadBytes, SHARED, SMALL, SmallBuf, Storage};

/// How memo tells the user that a return type cannot be cached, after the type's name and the
/// codec's complaint.
const ROUND_TRIP_FIX: &str = "Cache it with `#[memo(storage = \"clone\")]` (the type must \
     implement `memo::storage::CloneIsolated`), use `#[singleton]` for objects that are not data, \
     or drop the serde attributes that need a self-describing format.";

/// Options of one memo function, as written in the attribute.
#[derive(Debug)]
pub struct MemoOptions<T> {
    /// Time to live, from insertion, in memory and on disk.
    pub ttl: Option<Duration>,
    /// Bound of the memory layer (CLOCK eviction).
    pub max_entries: Option<usize>,
    /// Spinner text, emitted as a tracing event on every miss.
    pub spinner: Option<&'static str>,
    /// Disk persistence.
    pub persist: Option<Codec<T>>,
    /// Persist in Redis rather than on disk (`persist = "redis"`).
    pub redis: bool,
    /// Keep an in-memory layer in front of `persist` (`memory = false` turns it off, so every
    /// call reads the persisted store; without `persist` the memory layer always stays).
    pub memory: bool,
}

impl<T> Default for MemoOptions<T> {
    fn default() -> Self {
        Self {
            ttl: None,
            max_entries: None,
            spinner: None,
            persist: None,
            redis: false,
            memory: true,
        }
    }
}

/// The storage strategy's operations, taken from a [`Storage`] impl once, in [`MemoFn::new`].
///
/// Holding them as function pointers keeps every other method of `MemoFn` free of trait
/// bounds: a return type that cannot be stored is then reported once, at `new` (with the
/// message of `__private::Storable`), instead of again at every generated use of the cache.
#[doc(hidden)]
pub struct Ops<T, V> {
    pub(crate) store: fn(&T) -> Result<V, CodecError>,
    pub(crate) load: fn(&V) -> Result<T, CodecError>,
    pub(crate) verify: fn(&V) -> Result<(), CodecError>,
    pub(crate) weigh: fn(&V) -> usize,
    pub(crate) as_bytes: fn(&V) -> Option<&[u8]>,
    pub(crate) from_disk: fn(Vec<u8>, &T) -> Result<V, CodecError>,
    pub(crate) load_bytes: Option<LoadBytes<T>>,
    pub(crate) load_under_lock: Option<fn(&V) -> T>,
}

impl<T, V> Ops<T, V> {
    /// The operations of storage `S`.
    pub(crate) fn of<S: Storage<T, Stored = V>>() -> Self {
        Self {
            store: S::store,
            load: S::load,
            verify: S::verify,
            weigh: S::weigh,
            as_bytes: S::as_bytes,
            from_disk: S::from_disk,
            load_bytes: S::LOAD_BYTES,
            load_under_lock: S::LOAD_UNDER_LOCK,
        }
    }
}

/// The cache of one `#[memo]` function, holding values as `V` (bincode bytes or the value
/// itself, see [`crate::storage`]). Created on first use, lives for the whole process.
pub struct MemoFn<T, V> {
    module: &'static str,
    name: &'static str,
    function_key: Key,
    store: Store<V>,
    ops: Ops<T, V>,
    spinner: Option<&'static str>,
    persist: Option<Persisted<T>>,
    /// Whether values of `T` survive the storage round trip, checked on the first computation.
    storable: OnceLock<bool>,
    /// Hits the store counted whose value then failed to load: reported as misses.
    failed_loads: AtomicU64,
    /// Computations that bypassed the store (after failed loads, or with the memory layer off):
    /// misses it did not count.
    uncounted_misses: AtomicU64,
    /// Whether the memory layer is on (off only with `persist` and `memory = false`).
    memory: bool,
    /// Without the memory layer: calls answered from the persisted store.
    persisted_hits: AtomicU64,
    _value: PhantomData<fn() -> T>,
}

impl<T, V> std::fmt::Debug for MemoFn<T, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoFn")
            .field("function", &format_args!("{}::{}", self.module, self.name))
            .field("function_key", &self.function_key)
            .field("stats", &self.store.stats())
            .finish()
    }
}

impl<T: 'static, V: Clone + Send + Sync + 'static> MemoFn<T, V> {
    /// A cache for the function `module::name` whose tokens hash to `tokens`, storing values
    /// the way `S` does.
    pub fn new<S>(
        module: &'static str,
        name: &'static str,
        tokens: u128,
        options: MemoOptions<T>,
    ) -> Self
    where
        T: crate::__private::Storable<S, V>,
    {
        let ops = <T as crate::__private::Storable<S, V>>::ops();
        let function_key = cache_key::function_key(module, name, tokens);
        let memory = options.memory || options.persist.is_none();
        let persist = options.persist.map(|codec| {
            Persisted::new(
                persist::backend(options.redis),
                codec,
                PersistedConfig {
                    function: function_key.0,
                    name,
                    ttl: options.ttl,
                    warn: |function, message| tracing::warn!(target: "memo", function, "{message}"),
                    error: |function, message| {
                        tracing::error!(target: "memo", function, "{message}")
                    },
                    round_trip_fix: ROUND_TRIP_FIX,
                },
            )
        });
        Self {
            module,
            name,
            function_key,
            store: Store::named(
                name,
                StoreConfig {
                    ttl: options.ttl,
                    max_entries: options.max_entries,
                    // CLOCK, not Streamlit's exact LRU: hits of a bounded cache then take the
                    // store's lock shared and do not wait for each other.
                    eviction: cache_store::Eviction::Clock,
                    weigh: ops.weigh,
                    on_release: None,
                },
            ),
            ops,
            spinner: options.spinner,
            persist,
            storable: OnceLock::new(),
            failed_loads: AtomicU64::new(0),
            uncounted_misses: AtomicU64::new(0),
            memory,
            persisted_hits: AtomicU64::new(0),
            _value: PhantomData,
        }
    }

    /// A value from disk, if a valid, unexpired entry of this type exists.
    fn read_disk(&self, key: Key) -> Option<Computed<T, V>> {
        let loaded = self.persist.as_ref()?.load(key.0)?;
        let stored = (self.ops.from_disk)(loaded.bytes, &loaded.value).ok();
        Some(Computed {
            result: loaded.value,
            store: stored,
            age: loaded.age,
        })
    }

    /// [`Persisted::claim`], with a found value in its stored form.
    fn claim(&self, key: Key) -> Option<Result<Computed<T, V>, Option<Lease>>> {
        Some(match self.persist.as_ref()?.claim(key.0) {
            Claim::Found(loaded) => Ok(Computed {
                store: (self.ops.from_disk)(loaded.bytes, &loaded.value).ok(),
                result: loaded.value,
                age: loaded.age,
            }),
            Claim::Compute(lease) => Err(lease),
        })
    }

    /// The stored form of a computed value, checking on the first computation that the storage
    /// round trip works at all. A type that cannot round-trip gets one error and is never cached.
    fn to_store(&self, value: &T) -> Option<V> {
        if self.storable.get() == Some(&false) {
            return None;
        }
        let stored = (self.ops.store)(value);
        let mut failure = None;
        let ok = *self.storable.get_or_init(|| {
            let check = match &stored {
                Ok(s) => (self.ops.verify)(s).map_err(|e| (false, e)),
                Err(e) => Err((true, e.clone())),
            };
            match check {
                Ok(()) => true,
                Err((encoding, CodecError(detail))) => {
                    failure = Some(RoundTripError {
                        type_name: std::any::type_name::<T>(),
                        encoding,
                        detail,
                    });
                    false
                }
            }
        });
        if let Some(e) = failure {
            tracing::error!(
                target: "memo",
                function = self.name,
                "`{}()` cannot be cached: {e}. Every call computes its value. {ROUND_TRIP_FIX}",
                self.name
            );
        }
        match stored {
            Ok(s) if ok => Some(s),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(
                    target: "memo",
                    function = self.name,
                    "cannot store the return value of `{}()` ({e}); it is returned but not cached",
                    self.name
                );
                None
            }
        }
    }

    fn write_disk(&self, key: Key, value: &T, stored: Option<&V>) {
        if let Some(p) = &self.persist {
            p.save(key.0, value, stored.and_then(self.ops.as_bytes));
        }
    }

    /// The first half of a miss: the persisted value (`Ok`), or, after the spinner event, what
    /// the computation must hold while it runs (`Err`): on a store shared by processes, the lease
    /// that makes other processes wait for this one instead of computing the same key.
    fn before_compute(&self, key: Key) -> Result<Computed<T, V>, Option<Lease>> {
        let storable = self.storable.get() != Some(&false);
        if storable && let Some(found) = self.read_disk(key) {
            return Ok(found);
        }
        let lease = match storable.then(|| self.claim(key)).flatten() {
            Some(Ok(found)) => return Ok(found),
            Some(Err(lease)) => lease,
            None => None,
        };
        if let Some(text) = self.spinner {
            cache_store::events::spinner("memo", self.module, self.name, text);
        }
        Err(lease)
    }

    /// The second half of a miss: the stored form of the computed value, written to disk too.
    fn after_compute(&self, key: Key, value: T) -> Computed<T, V> {
        let stored = self.to_store(&value);
        if self.storable.get() != Some(&false) {
            self.write_disk(key, &value, stored.as_ref());
        }
        Computed {
            result: value,
            store: stored,
            age: Duration::ZERO,
        }
    }

    /// Computes on a miss: disk first (when persisted), then the function.
    fn fill<E>(
        &self,
        key: Key,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<Computed<T, V>, E> {
        match self.before_compute(key) {
            Ok(found) => Ok(found),
            // The lease is released after the value is written (or on an error or panic).
            Err(_lease) => Ok(self.after_compute(key, compute()?)),
        }
    }

    /// Without the memory layer: the persisted value (a hit, counted), else, after the spinner
    /// event, what the computation must hold while it runs (see [`MemoFn::before_compute`]).
    fn persisted_first(&self, key: Key) -> Result<T, Option<Lease>> {
        let found = match &self.persist {
            Some(p) if self.storable.get() != Some(&false) => match p.load(key.0) {
                Some(loaded) => Ok(loaded),
                None => match p.claim(key.0) {
                    Claim::Found(loaded) => Ok(loaded),
                    Claim::Compute(lease) => Err(lease),
                },
            },
            _ => Err(None),
        };
        match found {
            Ok(loaded) => {
                self.persisted_hits.fetch_add(1, Ordering::Relaxed);
                Ok(loaded.value)
            }
            Err(lease) => {
                // The store never sees these calls, so the miss is counted here.
                self.uncounted_misses.fetch_add(1, Ordering::Relaxed);
                if let Some(text) = self.spinner {
                    cache_store::events::spinner("memo", self.module, self.name, text);
                }
                Err(lease)
            }
        }
    }

    /// [`MemoFn::before_compute`] for async callers: the backend's reads, leases and waits run
    /// on persistence workers ([`cache_store::persist::offload`]), never on the executor.
    async fn before_compute_async(&self, key: Key) -> Result<Loaded<T>, Option<Lease>> {
        let lease = match &self.persist {
            Some(p) if self.storable.get() != Some(&false) => {
                if let Some(found) = p.load_async(key.0).await {
                    return Ok(found);
                }
                match p.claim_async(key.0).await {
                    Claim::Found(found) => return Ok(found),
                    Claim::Compute(lease) => lease,
                }
            }
            _ => None,
        };
        if let Some(text) = self.spinner {
            cache_store::events::spinner("memo", self.module, self.name, text);
        }
        Err(lease)
    }

    /// [`MemoFn::after_compute`] for async callers: the write (and then the lease's release)
    /// runs on a persistence worker, so the value is never held across an `.await`.
    fn after_compute_in_background(
        &self,
        key: Key,
        value: T,
        lease: Option<Lease>,
    ) -> Computed<T, V> {
        let stored = self.to_store(&value);
        match &self.persist {
            Some(p) if self.storable.get() != Some(&false) => {
                p.save_from_async(
                    key.0,
                    &value,
                    stored.as_ref().and_then(self.ops.as_bytes),
                    lease,
                );
            }
            _ => {
                if let Some(lease) = lease {
                    lease.release_in_background();
                }
            }
        }
        Computed {
            result: value,
            store: stored,
            age: Duration::ZERO,
        }
    }

    /// What a stored value loads as: the value, or `None` (counted, logged and removed) when it
    /// does not decode and must be recomputed.
    fn load_hit(&self, key: Key, stored: &V) -> Option<T> {
        self.loaded(key, (self.ops.load)(stored))
    }

    /// What the store's shared lock hands out on a hit ([`storage::take`]): a copy of a small
    /// encoding into `buf` (its length), or a clone of the stored form into `shared`
    /// ([`SHARED`]). No code runs here that could call into the store.
    #[inline]
    fn take(&self, stored: &V, buf: &mut SmallBuf, shared: &mut Option<V>) -> usize {
        let as_bytes = self.ops.load_bytes.map(|_| self.ops.as_bytes);
        storage::take(stored, as_bytes, buf, shared)
    }

    /// [`MemoFn::load_hit`] of what [`MemoFn::take`] took, with the store's lock released.
    #[inline]
    fn load_taken(&self, key: Key, len: usize, buf: &SmallBuf, shared: Option<V>) -> Option<T> {
        if let Some(load) = self.ops.load_bytes
            && len != SHARED
        {
            return self.loaded(key, load(&buf[..len]));
        }
        // `take` cloned the stored form.
        self.load_hit(key, shared.as_ref()?)
    }

    /// A decoded hit, or `None` (counted, logged and removed) when it did not decode.
    fn loaded(&self, key: Key, decoded: Result<T, CodecError>) -> Option<T> {
        match decoded {
            Ok(v) => Some(v),
            Err(e) => {
                // Not a hit after all: the caller gets a computed value.
                self.failed_loads.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    target: "memo",
                    function = self.name,
                    "cached value of `{}()` does not decode ({e}); recomputing",
                    self.name
                );
                self.store.remove(key.0);
                None
            }
        }
    }

    /// The hit path of every entry point with the memory layer: a hit answers before the slow
    /// path is set up (for an async call, building that future and moving it into the caller's
    /// cost about as much as the hit; for a blocking one, the single-flight protocol's states).
    /// A value that does not decode is removed by `load_hit`, and the caller then computes.
    #[inline]
    fn fast_hit(&self, key: Key) -> Option<T> {
        if let Some(load) = self.ops.load_under_lock {
            // The value straight out of the lock, in registers (see `storage::take` on why not
            // through an enum).
            return self.store.hit_with(key.0, load);
        }
        let (mut buf, mut shared) = ([0; SMALL], None);
        let len = self
            .store
            .hit_with(key.0, |stored| self.take(stored, &mut buf, &mut shared))?;
        self.load_taken(key, len, &buf, shared)
    }

    /// A call whose arguments could not be hashed: computed, uncached.
    fn unkeyed(&self, e: &KeyError) {
        tracing::warn!(target: "memo", function = self.name, "not cached: {e}");
    }

    /// The shared call path: a copy of the cached value, or the freshly computed one.
    pub fn call_fallible<E>(
        &self,
        key: Result<Key, KeyError>,
        compute: impl FnOnce() -> Result<T, E>,
    ) -> Result<T, E> {
        let key = match key {
            Ok(k) => k,
            Err(e) => {
                self.unkeyed(&e);
                return compute();
            }
        };
        if !self.memory {
            return match self.persisted_first(key) {
                Ok(v) => Ok(v),
                // The lease is released after the value is written (or on an error or panic).
                Err(_lease) => Ok(self.after_compute(key, compute()?).result),
            };
        }
        if let Some(v) = self.fast_hit(key) {
            return Ok(v);
        }
        let mut compute = Some(compute);
        // A stored value that fails to decode (a `Deserialize` impl that cannot read what its
        // `Serialize` wrote) is dropped and recomputed once; it never panics.
        for _ in 0..2 {
            // The shared-lock hit first: it can copy a small value out, which the general
            // path (a clone of the stored form) cannot.
            let (mut buf, mut shared) = ([0; SMALL], None);
            let took = self
                .store
                .hit_with(key.0, |stored| self.take(stored, &mut buf, &mut shared));
            let len = match took {
                Some(len) => len,
                None => {
                    let got = self.store.get_or_compute(key.0, None, || {
                        let f = compute.take().expect("compute runs at most once");
                        self.fill(key, f)
                    })?;
                    match got {
                        Got::Computed(v) => return Ok(v),
                        Got::Hit(stored) => {
                            shared = Some(stored);
                            SHARED
                        }
                    }
                }
            };
            if let Some(v) = self.load_taken(key, len, &buf, shared) {
                return Ok(v);
            }
        }
        // Two failed decodes in a row: answer without the cache. A hit never runs the closure,
        // so `compute` is still here.
        let f = compute.take().expect("hits do not consume the computation");
        self.uncounted_misses.fetch_add(1, Ordering::Relaxed);
        f()
    }

    /// The async call path of an `async fn`: as [`MemoFn::call_fallible`], awaiting `compute`
    /// once for all concurrent callers of the key (see `Store::get_or_compute_async` for
    /// cancellation and panics). With `persist` (disk or Redis), the backend's reads, leases and
    /// the wait for another process's lease run on persistence worker threads
    /// ([`cache_store::persist::offload`], no runtime needed) while the task awaits them. The
    /// write of a computed value to Redis (then the lease's release) is handed to a worker
    /// without waiting, so the value is never held across an `.await`: until that write lands,
    /// a reader elsewhere can miss it (callers missing the same key wait on the lease instead).
    /// A disk write is one small file, written on the calling task. A call dropped while it
    /// holds the Redis lease (or while a worker takes it) releases it on a worker at once.
    pub async fn call_fallible_async<E, F>(
        &self,
        key: Result<Key, KeyError>,
        compute: impl FnOnce() -> F,
    ) -> Result<T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let key = match key {
            Ok(k) => k,
            Err(e) => {
                self.unkeyed(&e);
                return compute().await;
            }
        };
        if !self.memory {
            return match self.before_compute_async(key).await {
                Ok(found) => {
                    self.persisted_hits.fetch_add(1, Ordering::Relaxed);
                    Ok(found.value)
                }
                Err(lease) => {
                    self.uncounted_misses.fetch_add(1, Ordering::Relaxed);
                    let value = compute().await?;
                    Ok(self.after_compute_in_background(key, value, lease).result)
                }
            };
        }
        if let Some(v) = self.fast_hit(key) {
            return Ok(v);
        }
        let mut compute = Some(compute);
        for _ in 0..2 {
            let got = self
                .store
                .get_or_compute_async(key.0, None, || {
                    let f = compute.take().expect("compute runs at most once");
                    async move {
                        match self.before_compute_async(key).await {
                            Ok(found) => Ok(Computed {
                                store: (self.ops.from_disk)(found.bytes, &found.value).ok(),
                                result: found.value,
                                age: found.age,
                            }),
                            Err(lease) => {
                                let value = f().await?;
                                Ok(self.after_compute_in_background(key, value, lease))
                            }
                        }
                    }
                })
                .await?;
            match got {
                Got::Computed(v) => return Ok(v),
                Got::Hit(stored) => {
                    if let Some(v) = self.load_hit(key, &stored) {
                        return Ok(v);
                    }
                }
            }
        }
        let f = compute.take().expect("hits do not consume the computation");
        self.uncounted_misses.fetch_add(1, Ordering::Relaxed);
        f().await
    }

    /// The cached value of `key` if memory holds a live one, counted as a hit; `None` (counting
    /// nothing) otherwise, including for an unkeyed call. What an `async fn` tries before it
    /// builds the [`MemoFn::call_async`] future: a hit then costs no move of the key into that
    /// future's state, whose 16-byte load of the key's freshly written halves stalled every hit.
    ///
    /// ```
    /// use memo::{Key, MemoFn, MemoOptions};
    /// use memo::__private::Serialized;
    /// let cache = MemoFn::new::<Serialized>("doc", "f", 0, MemoOptions::<u64>::default());
    /// let key = Ok(Key(7));
    /// assert_eq!(cache.try_hit(&key), None);
    /// assert_eq!(cache.call(key.clone(), || 42), 42);
    /// assert_eq!(cache.try_hit(&key), Some(42));
    /// ```
    #[inline]
    pub fn try_hit(&self, key: &Result<Key, KeyError>) -> Option<T> {
        self.fast_hit(*key.as_ref().ok()?)
    }

    /// Infallible variant of [`MemoFn::call_fallible_async`].
    pub async fn call_async<F>(&self, key: Result<Key, KeyError>, compute: impl FnOnce() -> F) -> T
    where
        F: Future<Output = T>,
    {
        if let Ok(k) = &key
            && let Some(v) = self.fast_hit(*k)
        {
            return v;
        }
        let compute = || async { Ok::<T, std::convert::Infallible>(compute().await) };
        match self.call_fallible_async(key, compute).await {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Infallible variant of [`MemoFn::call_fallible`].
    pub fn call(&self, key: Result<Key, KeyError>, compute: impl FnOnce() -> T) -> T {
        match self.call_fallible(key, || Ok::<T, std::convert::Infallible>(compute())) {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Drops every entry of this function, in memory and on disk.
    pub fn clear(&self) {
        self.store.clear();
        if let Some(p) = &self.persist {
            p.clear();
        }
    }

    /// Drops the entry of one key, in memory and on disk.
    pub fn clear_entry(&self, key: Result<Key, KeyError>) -> bool {
        let Ok(key) = key else { return false };
        let mut removed = self.store.remove(key.0);
        if let Some(p) = &self.persist {
            removed |= p.remove(key.0);
        }
        removed
    }

    /// Counters. A stored value that failed to load counts as a miss, not a hit.
    pub fn stats(&self) -> Stats {
        let mut stats = self.store.stats();
        let failed = self.failed_loads.load(Ordering::Relaxed);
        stats.hits =
            stats.hits.saturating_sub(failed) + self.persisted_hits.load(Ordering::Relaxed);
        stats.misses += self.uncounted_misses.load(Ordering::Relaxed);
        stats
    }
}

impl<T: 'static, V: Clone + Send + Sync + 'static> Clear for MemoFn<T, V> {
    fn clear(&self) {
        MemoFn::clear(self);
    }
}

// The registry holds `&'static dyn Clear`, which must be Send + Sync: the store is, and `T` only
// appears behind `PhantomData<fn() -> T>` and in `fn` pointers.
const _: () = {
    fn assert_sync<X: Send + Sync>() {}
    fn check<T: 'static>() {
        assert_sync::<MemoFn<T, std::sync::Arc<[u8]>>>();
    }
    let _ = check::<u8>;
};
