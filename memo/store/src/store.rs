//! A per-function map: TTL from insertion, eviction beyond `max_entries` (exact LRU or CLOCK,
//! see [`Eviction`]), single-flight computation.
//!
//! # Concurrency
//!
//! One reader-writer lock guards the map. It is held only for map operations and for taking a
//! stored value out (an `Arc` or byte-buffer clone, or, through [`Store::hit_with`], a copy of a
//! few bytes); **user code never runs under it**: not the cached function, not `validate`, not
//! `on_release`. That is what lets a cached function call other cached functions, or itself with
//! other arguments, without deadlocking (the hazard dashmap documents and `cached` hit with
//! per-key locks).
//!
//! A hit takes the lock shared, unless the store is bounded with [`Eviction::Lru`]: concurrent
//! hits, of one key or of many, do not wait for each other, and they write no cache line that
//! another thread's hit writes too. The lock then has per-thread reader slots
//! (`crate::slot_lock`): a reader counts itself in its own thread's slot, on its own cache line,
//! with plain stores and one fence, where a plain `RwLock` makes every reader increment and
//! decrement one shared count, two atomic read-modify-writes of a line that then moves between
//! cores on every hit. The hit counter is striped per thread (`crate::counter`) for the same
//! reason, and a hit of a [`Eviction::Clock`] store records itself in the entry's own atomic
//! referenced bit, read first and written only when unset, which eviction reads later under the
//! exclusive lock. What a hit still writes is the reference count of a value it clones out (an
//! `Arc`), unless the caller copies the value instead ([`Store::hit_with`]; memo does for
//! encodings of a cache line or less).
//!
//! Everything else takes the lock exclusive, which means waiting for every reader slot to be
//! empty (17 loads, after taking a writer lock): misses (twice: to register the computation, then to
//! store its value and remove the marker), inserts and removals, and an expired entry's removal.
//! A hit of a bounded LRU store is exclusive too, as its exact least-recently-used order is a
//! write to the shared list on every hit; such a store gains nothing from reader slots, so its
//! lock is a plain one. A panic under the exclusive lock (only the store's own code and `weigh`
//! run there) poisons a plain lock; the map is consistent between any two statements that can
//! panic, so the store ignores the poison and keeps serving.
//!
//! # Eviction
//!
//! Inserting a new key into a full bounded store first evicts one entry (so the new entry is
//! never its own victim), picked by [`StoreConfig::eviction`]: the least recently used one
//! ([`Eviction::Lru`], Streamlit's `TTLCache` order), or, in insertion order, the first entry not
//! read since eviction last passed it over ([`Eviction::Clock`]). The two differ only in which
//! entry goes: with CLOCK, an entry read once stays until eviction has passed over it again, and
//! among entries all read since, the oldest *inserted* goes first rather than the least recently
//! read. Expired entries are not preferred by either policy; they leave when looked up or swept.
//!
//! Single flight: the first thread to miss a key registers a `Pending` marker and computes with
//! the lock released; later threads that miss the same key wait on the marker's condition
//! variable, then look again. If the computation fails or panics, a drop guard removes the marker
//! and wakes the waiters, one of which becomes the next computer: nothing is cached, nobody is
//! left waiting, and the mutex is never poisoned by user code. A thread that waits for a key it
//! is itself computing (a memoized function calling itself with the same arguments) would wait
//! forever; that case is detected and reported as a panic with an explanation instead.
//!
//! [`Store::get_or_compute_async`] follows the same protocol with the waits turned into futures
//! (`std::task` wakers parked on the marker, no runtime): blocking and async callers of one key
//! share one computation, and dropping the computing future releases the marker as a panic does.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::time::{Duration, Instant};

use hashlink::LinkedHashMap;

use crate::clock;
use crate::counter::Counter;
use crate::pending::{Owner, Pending};
use crate::sync::{Arc, AtomicU64, Ordering};

mod asynchronous;
mod eviction;
mod lock;
pub use asynchronous::returning;
pub use eviction::Eviction;
use eviction::Referenced;
use lock::{MapLock, ReadGuard, WriteGuard};

/// Keys are already uniformly distributed digests: fold them instead of hashing them again.
#[derive(Default)]
struct KeyFold(u64);

impl Hasher for KeyFold {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 ^= (v as u64) ^ ((v >> 64) as u64);
    }
}

type FoldState = BuildHasherDefault<KeyFold>;

/// Options of one store.
pub struct StoreConfig<V> {
    /// Entries older than this (since insertion) are misses. `None`: no expiry.
    pub ttl: Option<Duration>,
    /// At most this many entries, evicted by [`eviction`](StoreConfig::eviction). `None`:
    /// unbounded.
    pub max_entries: Option<usize>,
    /// Which entry a full bounded store evicts; see [`Eviction`]. Default: exact LRU.
    pub eviction: Eviction,
    /// Size of a value for [`Stats::stored_bytes`].
    pub weigh: fn(&V) -> usize,
    /// Called once for every value that leaves the store, after the lock is released.
    pub on_release: Option<Box<dyn Fn(V) + Send + Sync>>,
}

impl<V> Default for StoreConfig<V> {
    fn default() -> Self {
        Self {
            ttl: None,
            max_entries: None,
            eviction: Eviction::Lru,
            weigh: |_| 0,
            on_release: None,
        }
    }
}

impl<V> StoreConfig<V> {
    /// Whether hits change the shared recency order (bounded LRU), which needs the exclusive
    /// lock.
    fn hits_reorder(&self) -> bool {
        self.max_entries.is_some() && self.eviction == Eviction::Lru
    }
}

impl<V> std::fmt::Debug for StoreConfig<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreConfig")
            .field("ttl", &self.ttl)
            .field("max_entries", &self.max_entries)
            .field("eviction", &self.eviction)
            .field("on_release", &self.on_release.is_some())
            .finish()
    }
}

/// Counters of one cached function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Calls answered from the cache.
    pub hits: u64,
    /// Calls that ran the function.
    pub misses: u64,
    /// Entries currently stored (expired ones not yet swept included).
    pub entries: usize,
    /// Sum of the stored values' sizes, as weighed by the store's owner.
    pub stored_bytes: usize,
}

/// What a computation hands back to [`Store::get_or_compute`].
#[derive(Debug)]
pub struct Computed<R, V> {
    /// What the caller gets.
    pub result: R,
    /// What the store keeps; `None` caches nothing (e.g. the value could not be encoded).
    pub store: Option<V>,
    /// How old the value already is (a value read back from disk); counts against the TTL.
    pub age: Duration,
}

impl<R, V> Computed<R, V> {
    /// A fresh value to return and to store.
    pub fn cache(result: R, store: V) -> Self {
        Self {
            result,
            store: Some(store),
            age: Duration::ZERO,
        }
    }

    /// A value to return without storing anything.
    pub fn uncached(result: R) -> Self {
        Self {
            result,
            store: None,
            age: Duration::ZERO,
        }
    }
}

/// The outcome of [`Store::get_or_compute`].
#[derive(Debug, PartialEq, Eq)]
pub enum Got<R, V> {
    /// A stored value (cloned out of the store).
    Hit(V),
    /// This call ran the computation.
    Computed(R),
}

struct Entry<V> {
    value: V,
    inserted: Instant,
    size: usize,
    generation: u64,
    /// Read since eviction last passed over it (CLOCK only).
    referenced: Referenced,
}

struct Map<V> {
    ready: LinkedHashMap<u128, Entry<V>, FoldState>,
    pending: HashMap<u128, Arc<Pending>, FoldState>,
    bytes: usize,
    generation: u64,
}

/// A concurrent map from `u128` keys to values `V` (cheap to clone: `Arc`s, byte buffers or
/// copy-on-write frames). See the module docs for the locking scheme.
///
/// ```
/// use std::time::Duration;
/// use cache_store::{clock::MockClock, Computed, Got, Store, StoreConfig};
///
/// let clock = MockClock::install();
/// let store: Store<&str> = Store::new(StoreConfig {
///     ttl: Some(Duration::from_secs(60)),
///     ..StoreConfig::default()
/// });
/// store.insert(1, "a");
/// assert_eq!(store.get(1), Some("a"));
/// clock.advance(Duration::from_secs(61));
/// assert_eq!(store.get(1), None);
/// MockClock::uninstall();
/// ```
pub struct Store<V> {
    config: StoreConfig<V>,
    /// The cached function's name, for messages (empty: unnamed).
    name: &'static str,
    map: MapLock<Map<V>>,
    hits: Counter,
    misses: AtomicU64,
}

impl<V> std::fmt::Debug for Store<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("config", &self.config)
            .field("stats", &self.stats())
            .finish()
    }
}

/// What [`Store::begin`] found.
enum Begin<'a, V> {
    Hit(V),
    /// A hit failed validation and was removed: look again.
    Retry,
    Wait(Arc<Pending>),
    Compute(PendingGuard<'a, V>),
}

/// Removes the pending marker and wakes waiters when the computing thread leaves, normally or by
/// unwinding.
struct PendingGuard<'a, V> {
    store: &'a Store<V>,
    key: u128,
    pending: Arc<Pending>,
    /// Whether the marker may still be in the map (the drop then takes the lock to remove it).
    registered: bool,
}

/// Calls `f` on every item, even when it panics on some; re-raises the first panic after the
/// last item. Later panics are logged, as only one can propagate.
///
/// ```
/// use std::panic::{AssertUnwindSafe, catch_unwind};
///
/// let mut seen = Vec::new();
/// let r = catch_unwind(AssertUnwindSafe(|| {
///     cache_store::store::run_all([1, 2, 3], |x| {
///         seen.push(x);
///         assert_ne!(x, 2, "two panics");
///     })
/// }));
/// assert!(r.is_err());
/// assert_eq!(seen, [1, 2, 3]);
/// ```
pub fn run_all<I: IntoIterator>(items: I, mut f: impl FnMut(I::Item)) {
    let mut first = None;
    for item in items {
        // `AssertUnwindSafe`: `f` is called again after a panic, which is the point; what it
        // shares between calls is the caller's to keep consistent (our hooks share nothing).
        if let Err(p) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(item))) {
            if first.is_none() {
                first = Some(p);
            } else {
                tracing::error!(
                    target: "cache",
                    "another release hook panicked too: {}",
                    panic_text(&*p)
                );
            }
        }
    }
    if let Some(p) = first {
        std::panic::resume_unwind(p);
    }
}

fn panic_text(p: &(dyn std::any::Any + Send)) -> &str {
    p.downcast_ref::<&str>()
        .copied()
        .or_else(|| p.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}

impl<V> PendingGuard<'_, V> {
    /// Removes the marker from the map, if it is still this computation's; the caller holds the
    /// exclusive lock.
    fn unregister(&mut self, map: &mut Map<V>) {
        if let Some(p) = map.pending.get(&self.key)
            && Arc::ptr_eq(p, &self.pending)
        {
            map.pending.remove(&self.key);
        }
        self.registered = false;
    }
}

impl<V> Drop for PendingGuard<'_, V> {
    fn drop(&mut self) {
        if self.registered {
            let store = self.store;
            self.unregister(&mut store.write());
        }
        self.pending.finish();
    }
}

impl<V> Store<V> {
    fn write(&self) -> WriteGuard<'_, Map<V>> {
        // Only our own code runs under this lock; a poisoned lock still holds a consistent map.
        self.map.write()
    }

    fn read(&self) -> ReadGuard<'_, Map<V>> {
        self.map.read()
    }

    /// Current counters.
    pub fn stats(&self) -> Stats {
        let map = self.read();
        Stats {
            hits: self.hits.sum(),
            misses: self.misses.load(Ordering::Relaxed),
            entries: map.ready.len(),
            stored_bytes: map.bytes,
        }
    }
}

impl<V: Clone> Store<V> {
    /// An empty store.
    pub fn new(config: StoreConfig<V>) -> Self {
        Self::named("", config)
    }

    /// An empty store of the cached function `name`, which messages (such as the recursion
    /// panic of [`Store::get_or_compute`]) then name.
    ///
    /// ```
    /// let store: cache_store::Store<u8> = cache_store::Store::named("f", Default::default());
    /// assert_eq!(store.get(1), None);
    /// ```
    pub fn named(name: &'static str, config: StoreConfig<V>) -> Self {
        // Reader slots where hits take the lock shared: a bounded LRU store's hits are
        // exclusive.
        let slotted = !config.hits_reorder();
        Self {
            config,
            name,
            map: MapLock::new(
                Map {
                    ready: LinkedHashMap::with_hasher(FoldState::default()),
                    pending: HashMap::with_hasher(FoldState::default()),
                    bytes: 0,
                    generation: 0,
                },
                slotted,
            ),
            hits: Counter::default(),
            misses: AtomicU64::new(0),
        }
    }

    /// The store's TTL.
    pub fn ttl(&self) -> Option<Duration> {
        self.config.ttl
    }

    fn expired(&self, e: &Entry<V>, now: Instant) -> bool {
        match self.config.ttl {
            Some(ttl) => now.saturating_duration_since(e.inserted) >= ttl,
            None => false,
        }
    }

    /// Hands every departed value to `on_release`. Every value is released even if a hook panics
    /// on an earlier one; the first panic is then re-raised (after all ran), so it still reaches
    /// the caller that made the values depart.
    ///
    /// Inline, and nothing but a length check when nothing departed: every hit ends here, and an
    /// out-of-line call that finds nothing to do was a measurable part of one.
    #[inline]
    fn release(&self, departed: Vec<V>) {
        if departed.is_empty() {
            return;
        }
        if let Some(hook) = &self.config.on_release {
            run_all(departed, hook);
        }
    }

    /// Whether hits change the shared recency order (bounded LRU), which needs the exclusive
    /// lock.
    #[inline]
    fn hits_reorder(&self) -> bool {
        self.config.hits_reorder()
    }

    /// The hit path under the shared (read) lock, which concurrent hits do not wait for: a live
    /// entry, marked referenced when the store is bounded (CLOCK) and cloned out. `None` when
    /// the caller must look under the exclusive lock instead: no entry (a computation may be
    /// pending), an expired one (to be removed), or a bounded LRU store (a hit moves the entry
    /// in the recency order, a write).
    #[inline]
    fn read_hit(&self, key: u128) -> Option<(V, u64)> {
        self.read_hit_with(key, V::clone)
    }

    /// [`Store::read_hit`] with what the hit takes out of the entry chosen by `take`, which runs
    /// under the shared lock (so it must be short and must not call into this store).
    #[inline]
    fn read_hit_with<R>(&self, key: u128, take: impl FnOnce(&V) -> R) -> Option<(R, u64)> {
        if self.hits_reorder() {
            return None;
        }
        let map = self.read();
        let e = map.ready.get(&key)?;
        if self.config.ttl.is_some() && self.expired(e, clock::now()) {
            return None;
        }
        if self.config.max_entries.is_some() {
            e.referenced.set();
        }
        Some((take(&e.value), e.generation))
    }

    /// A hit or `None` (nothing counted): the read-locked path, then the exclusive one.
    #[inline]
    fn find(&self, key: u128, departed: &mut Vec<V>) -> Option<(V, u64)> {
        if let Some(found) = self.read_hit(key) {
            return Some(found);
        }
        let mut map = self.write();
        self.lookup(&mut map, key, departed)
    }

    /// Looks a key up under the exclusive lock: a live entry is refreshed (moved to the back
    /// under LRU, marked referenced under CLOCK) and cloned out; an expired one is removed and
    /// its value pushed to `departed`.
    #[inline]
    fn lookup(&self, map: &mut Map<V>, key: u128, departed: &mut Vec<V>) -> Option<(V, u64)> {
        // The hit path is what the primitives are judged by: read the clock only when there is
        // a TTL, and keep recency order only when there is a bound to evict by.
        let e = map.ready.get(&key)?;
        let expired = self.config.ttl.is_some() && self.expired(e, clock::now());
        if !expired && !self.hits_reorder() {
            // Nothing to reorder, so the one lookup above serves the hit.
            if self.config.max_entries.is_some() {
                e.referenced.set();
            }
            return Some((e.value.clone(), e.generation));
        }
        if expired {
            if let Some(e) = map.ready.remove(&key) {
                map.bytes -= e.size;
                departed.push(e.value);
            }
            return None;
        }
        let e = map.ready.to_back(&key)?;
        Some((e.value.clone(), e.generation))
    }

    /// Inserts under the lock at the back of the queue, unreferenced: any old entry of the key
    /// departs first, then, if the store is still full, the entries the policy evicts, so the
    /// new entry is never its own victim (except with `max_entries = 0`, which keeps nothing).
    fn put(&self, map: &mut Map<V>, key: u128, value: V, age: Duration, departed: &mut Vec<V>) {
        if let Some(old) = map.ready.remove(&key) {
            map.bytes -= old.size;
            departed.push(old.value);
        }
        if let Some(max) = self.config.max_entries {
            while map.ready.len() >= max {
                match eviction::evict_one(&mut map.ready, self.config.eviction) {
                    Some(e) => {
                        map.bytes -= e.size;
                        departed.push(e.value);
                    }
                    None => break,
                }
            }
            if max == 0 {
                departed.push(value);
                return;
            }
        }
        let size = (self.config.weigh)(&value);
        let now = clock::now();
        map.generation += 1;
        let entry = Entry {
            value,
            inserted: now.checked_sub(age).unwrap_or(now),
            size,
            generation: map.generation,
            referenced: Referenced::default(),
        };
        map.bytes += size;
        map.ready.insert(key, entry);
    }

    /// A hit or `None`, counting hits and misses. Expired entries are dropped on the way.
    pub fn get(&self, key: u128) -> Option<V> {
        let found = self.hit(key);
        if found.is_none() {
            self.misses.fetch_add(1, Ordering::Relaxed);
        }
        found
    }

    /// Stores a value (no single flight: the legacy cache computes concurrently, as the original
    /// did).
    pub fn insert(&self, key: u128, value: V) {
        self.insert_aged(key, value, Duration::ZERO);
    }

    /// Stores a value that is already `age` old.
    pub fn insert_aged(&self, key: u128, value: V, age: Duration) {
        let mut departed = Vec::new();
        {
            let mut map = self.write();
            self.put(&mut map, key, value, age, &mut departed);
        }
        self.release(departed);
    }

    /// Returns the stored value for `key`, or runs `compute` once for all concurrent callers of
    /// that key and stores what it says to store.
    ///
    /// `validate` (singleton's option) is called on every hit, outside the lock; `false` removes
    /// that entry (only if it is still the same one) and computes anew. It is not called on the
    /// value this call computed. An `Err` from `compute` is returned and caches nothing.
    ///
    /// # Panics
    ///
    /// Panics, instead of deadlocking, when `compute` re-enters the same store with the same key
    /// on the same thread. A panic inside `compute` propagates to this caller.
    pub fn get_or_compute<R, E>(
        &self,
        key: u128,
        validate: Option<&dyn Fn(&V) -> bool>,
        compute: impl FnOnce() -> Result<Computed<R, V>, E>,
    ) -> Result<Got<R, V>, E> {
        loop {
            let guard = match self.begin(key, validate, Owner::current_thread) {
                Begin::Hit(value) => return Ok(Got::Hit(value)),
                Begin::Retry => continue,
                Begin::Wait(pending) => {
                    pending.wait();
                    continue;
                }
                Begin::Compute(guard) => guard,
            };
            let computed = compute()?;
            return Ok(Got::Computed(self.complete(guard, computed)));
        }
    }

    /// The first step of a lookup that computes on a miss, shared by the blocking and the async
    /// path: a (validated) hit, a computation to wait for, or this caller's turn to compute
    /// (the pending marker is registered and guarded). Never blocks, never holds the lock when
    /// it returns. `owner` is only asked on a miss: naming the current thread costs as much as
    /// the rest of a hit.
    fn begin(
        &self,
        key: u128,
        validate: Option<&dyn Fn(&V) -> bool>,
        owner: fn() -> Owner,
    ) -> Begin<'_, V> {
        let mut departed = Vec::new();
        let (value, generation) = match self.read_hit(key) {
            Some(found) => found,
            None => {
                let mut map = self.write();
                match self.lookup(&mut map, key, &mut departed) {
                    Some(found) => found,
                    None => return self.begin_miss(map, key, departed, owner),
                }
            }
        };
        // No lock is held from here on: `on_release` and `validate` are user code.
        self.release(departed);
        if validate.is_none_or(|validate| validate(&value)) {
            self.hits.add_one();
            return Begin::Hit(value);
        }
        drop(value);
        self.remove_generation(key, generation);
        Begin::Retry
    }

    /// [`Store::begin`] after a miss under the exclusive lock: wait for the computation in
    /// flight, or register this caller's.
    fn begin_miss(
        &self,
        mut map: WriteGuard<'_, Map<V>>,
        key: u128,
        departed: Vec<V>,
        owner: fn() -> Owner,
    ) -> Begin<'_, V> {
        if let Some(pending) = map.pending.get(&key).cloned() {
            drop(map);
            self.release(departed);
            if Pending::is_own(&pending) {
                let function = if self.name.is_empty() {
                    "a cached function".to_string()
                } else {
                    format!("`{}()`", self.name)
                };
                panic!(
                    "{function} called itself with the same arguments while computing them; \
                     this recursion can never finish (the value it waits for is the one it is \
                     computing)"
                );
            }
            return Begin::Wait(pending);
        }
        let pending = Pending::new(owner());
        map.pending.insert(key, Arc::clone(&pending));
        drop(map);
        // The guard exists before any user code (an `on_release` hook) runs, so a panic
        // there cannot leave the pending marker behind with waiters stuck on it.
        let guard = PendingGuard {
            store: self,
            key,
            pending,
            registered: true,
        };
        self.release(departed);
        self.misses.fetch_add(1, Ordering::Relaxed);
        Begin::Compute(guard)
    }

    /// Stores what a computation says to store, then lets the waiters in. The value goes in
    /// and the marker comes out under one exclusive lock: every exclusive lock costs a lock
    /// operation per reader shard.
    fn complete<R>(&self, mut guard: PendingGuard<'_, V>, computed: Computed<R, V>) -> R {
        if let Some(value) = computed.store {
            let mut departed = Vec::new();
            {
                let mut map = self.write();
                self.put(&mut map, guard.key, value, computed.age, &mut departed);
                guard.unregister(&mut map);
            }
            drop(guard);
            self.release(departed);
        } else {
            drop(guard);
        }
        computed.result
    }

    fn remove_generation(&self, key: u128, generation: u64) {
        let removed = {
            let mut map = self.write();
            match map.ready.get(&key) {
                Some(e) if e.generation == generation => {
                    let e = map.ready.remove(&key);
                    if let Some(e) = &e {
                        map.bytes -= e.size;
                    }
                    e.map(|e| e.value)
                }
                _ => None,
            }
        };
        self.release(removed.into_iter().collect());
    }

    /// Removes one entry; `true` if there was one.
    pub fn remove(&self, key: u128) -> bool {
        let removed = {
            let mut map = self.write();
            let e = map.ready.remove(&key);
            if let Some(e) = &e {
                map.bytes -= e.size;
            }
            e.map(|e| e.value)
        };
        let found = removed.is_some();
        self.release(removed.into_iter().collect());
        found
    }

    /// Removes every entry (computations in flight still finish and store their value).
    pub fn clear(&self) {
        let departed: Vec<V> = {
            let mut map = self.write();
            map.bytes = 0;
            let ready = std::mem::replace(
                &mut map.ready,
                LinkedHashMap::with_hasher(FoldState::default()),
            );
            ready.into_iter().map(|(_, e)| e.value).collect()
        };
        self.release(departed);
    }

    /// Removes expired entries now (they are otherwise dropped lazily when looked up).
    pub fn sweep(&self) {
        let now = clock::now();
        let departed: Vec<V> = {
            let mut map = self.write();
            let dead: Vec<u128> = map
                .ready
                .iter()
                .filter(|(_, e)| self.expired(e, now))
                .map(|(k, _)| *k)
                .collect();
            let mut out = Vec::with_capacity(dead.len());
            for k in dead {
                if let Some(e) = map.ready.remove(&k) {
                    map.bytes -= e.size;
                    out.push(e.value);
                }
            }
            out
        };
        self.release(departed);
    }

    /// Whether a live (unexpired) entry exists, without touching recency or counters.
    pub fn contains(&self, key: u128) -> bool {
        let map = self.read();
        map.ready
            .get(&key)
            .is_some_and(|e| !self.expired(e, clock::now()))
    }
}
