//! Test support shared by the test suites of `cache-store`, `memo` and `singleton`.
//!
//! - [`bounded`] runs a closure on its own thread and fails the test instead of letting a
//!   deadlock hang the suite;
//! - [`Model`] is a deliberately naive reference model of the store's documented semantics, to
//!   run random operation sequences against (model-based testing).
//!
//! Nothing here is used by the store itself; it is public so that the other crates' tests can
//! share one oracle instead of each writing its own, and behind the `testing` feature so that it
//! is not part of what a user of the caches compiles. A test suite turns it on with
//! `cache-store = { workspace = true, features = ["testing"] }` under `[dev-dependencies]`.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use crate::store::Eviction;

/// Runs `f` on its own thread and returns its result; panics if it does not finish within
/// `limit` (a deadlock, most likely), and re-raises `f`'s own panic if it panicked.
///
/// ```
/// use std::time::Duration;
/// use cache_store::testing::bounded;
///
/// assert_eq!(bounded(Duration::from_secs(5), || 6 * 7), 42);
///
/// // A closure that never finishes fails instead of hanging.
/// let hung = std::panic::catch_unwind(|| {
///     bounded(Duration::from_millis(50), || std::thread::sleep(Duration::from_secs(3600)))
/// });
/// assert!(hung.is_err());
///
/// // A panic inside the closure reaches the caller with its own payload.
/// let failed = std::panic::catch_unwind(|| bounded(Duration::from_secs(5), || panic!("boom")));
/// assert_eq!(failed.unwrap_err().downcast_ref::<&str>(), Some(&"boom"));
/// ```
pub fn bounded<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let handle = thread::spawn(move || {
        let _ = tx.send(f());
    });
    match rx.recv_timeout(limit) {
        Ok(v) => {
            handle.join().expect("the bounded thread finished");
            v
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("did not finish within {limit:?}: deadlock?")
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The closure panicked: re-raise its panic here.
            match handle.join() {
                Err(p) => std::panic::resume_unwind(p),
                Ok(()) => unreachable!("sent nothing yet returned"),
            }
        }
    }
}

/// One entry of a [`Model`].
#[derive(Debug, Clone)]
struct Entry<K, V> {
    key: K,
    value: V,
    /// On the model's clock; negative for an entry inserted already older than the clock.
    inserted_at: i128,
    /// CLOCK: read since eviction last passed over it.
    referenced: bool,
}

/// A reference model of [`Store`](crate::Store)'s semantics: a `Vec` in queue order (front =
/// next in line for eviction), each entry carrying its insertion time on a `u64` clock counted
/// in seconds and a referenced flag.
///
/// - TTL is measured from insertion: an entry whose age is `>= ttl` is expired;
/// - a lookup of a live entry refreshes it but not its TTL, and drops an expired entry. Only
///   when `max` is set, as in the store: under [`Eviction::Lru`] (Streamlit's `TTLCache`) the
///   entry moves to the back; under [`Eviction::Clock`] it is flagged referenced, in place;
/// - inserting a new key into a full model first evicts: the front entry under LRU; under CLOCK
///   the front entry too, except that a referenced one is unflagged and moved to the back
///   instead, until an unflagged one comes to the front. A replacement goes to the back,
///   unflagged;
/// - every value that leaves (expiry on lookup, eviction, replacement, remove, clear, sweep) is
///   recorded, in order, in a departed list read with [`take_departed`](Model::take_departed),
///   so that a test can check that `on_release` saw each value exactly once.
///
/// Keys are `u128` digests by default, as in the store; any `K: Eq` works (for example the
/// argument of a cached function).
///
/// ```
/// use cache_store::testing::Model;
///
/// let mut model: Model<&str> = Model::new(Some(10), Some(2));
/// model.insert(1, "a");
/// model.insert(2, "b");
/// assert_eq!(model.lookup(&1), Some(&"a")); // 1 is now the most recent
/// model.insert(3, "c"); // evicts 2, the least recently used
/// assert_eq!(model.take_departed(), ["b"]);
/// model.advance(10); // 1 and 3 are 10 s old: expired
/// assert_eq!(model.lookup(&1), None);
/// assert_eq!(model.take_departed(), ["a"]);
/// ```
#[derive(Debug, Clone)]
pub struct Model<V, K = u128> {
    ttl: Option<u64>,
    max: Option<usize>,
    eviction: Eviction,
    now: u64,
    entries: Vec<Entry<K, V>>,
    departed: Vec<V>,
}

impl<V, K: Eq> Model<V, K> {
    /// An empty model at time 0: entries expire `ttl` seconds after insertion (`None`: never),
    /// and at most `max` entries are kept (`None`: unbounded).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let model: Model<u64> = Model::new(None, None);
    /// assert_eq!((model.now(), model.len()), (0, 0));
    /// ```
    pub fn new(ttl: Option<u64>, max: Option<usize>) -> Self {
        Self::with_eviction(ttl, max, Eviction::Lru)
    }

    /// Like [`new`](Model::new), evicting by `eviction` instead of exact LRU.
    ///
    /// ```
    /// use cache_store::Eviction;
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<&str> = Model::with_eviction(None, Some(2), Eviction::Clock);
    /// model.insert(1, "a");
    /// model.insert(2, "b");
    /// model.lookup(&2);
    /// model.lookup(&1); // both referenced: LRU would now evict 2, the least recently read
    /// model.insert(3, "c"); // CLOCK passes over both, unflagging them, and evicts 1
    /// assert_eq!(model.take_departed(), ["a"]);
    /// ```
    pub fn with_eviction(ttl: Option<u64>, max: Option<usize>, eviction: Eviction) -> Self {
        Self {
            ttl,
            max,
            eviction,
            now: 0,
            entries: Vec::new(),
            departed: Vec::new(),
        }
    }

    /// The model's clock, in seconds since it was created.
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(None, None);
    /// model.advance(3);
    /// assert_eq!(model.now(), 3);
    /// ```
    pub fn now(&self) -> u64 {
        self.now
    }

    /// Moves the clock forward by `secs` seconds. Nothing departs until it is looked up, swept
    /// or otherwise removed (as in the store, expiry is lazy).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(Some(5), None);
    /// model.insert(1, 10);
    /// model.advance(5);
    /// assert_eq!(model.len(), 1, "expired but not yet dropped");
    /// assert!(!model.contains(&1));
    /// ```
    pub fn advance(&mut self, secs: u64) {
        self.now += secs;
    }

    fn position(&self, key: &K) -> Option<usize> {
        self.entries.iter().position(|e| e.key == *key)
    }

    fn expired(&self, e: &Entry<K, V>) -> bool {
        self.ttl
            .is_some_and(|ttl| i128::from(self.now) - e.inserted_at >= i128::from(ttl))
    }

    /// A read: a live entry is refreshed (the most recently used under LRU, referenced under
    /// CLOCK; its TTL is not refreshed) and returned; an expired one is removed, its value
    /// recorded as departed, and `None` returned.
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(Some(10), None);
    /// model.insert(1, 100);
    /// model.advance(9);
    /// assert_eq!(model.lookup(&1), Some(&100));
    /// model.advance(1); // 10 s after insertion, despite the read
    /// assert_eq!(model.lookup(&1), None);
    /// assert_eq!(model.take_departed(), [100]);
    /// assert_eq!(model.lookup(&2), None, "never inserted");
    /// ```
    pub fn lookup(&mut self, key: &K) -> Option<&V> {
        let i = self.position(key)?;
        if self.expired(&self.entries[i]) {
            let e = self.entries.remove(i);
            self.departed.push(e.value);
            return None;
        }
        if self.max.is_none() {
            // Like the store: an unbounded cache never evicts by recency, so reads leave the
            // order alone (it only shows in the order of departures on `clear`).
            return Some(&self.entries[i].value);
        }
        if self.eviction == Eviction::Clock {
            self.entries[i].referenced = true;
            return Some(&self.entries[i].value);
        }
        let e = self.entries.remove(i);
        self.entries.push(e);
        self.entries.last().map(|e| &e.value)
    }

    /// Stores `value` under `key` at the back of the queue (the most recently used), inserted
    /// now. An old value of that key departs first; then, if the model is full, the entry the
    /// policy evicts (never the new one, unless `max` is 0).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<&str> = Model::new(None, Some(1));
    /// model.insert(1, "a");
    /// model.insert(1, "b"); // replaces "a"
    /// model.insert(2, "c"); // evicts "b"
    /// assert_eq!(model.take_departed(), ["a", "b"]);
    /// assert_eq!(model.lookup(&2), Some(&"c"));
    /// ```
    pub fn insert(&mut self, key: K, value: V) {
        self.insert_aged(key, value, 0);
    }

    /// Like [`insert`](Model::insert), for a value that is already `age` seconds old (read back
    /// from disk, say): it expires `ttl - age` seconds from now. The age may exceed the clock.
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(Some(10), None);
    /// model.insert_aged(1, 100, 8);
    /// model.advance(1);
    /// assert!(model.contains(&1));
    /// model.advance(1);
    /// assert!(!model.contains(&1), "8 + 2 s old");
    /// model.insert_aged(2, 200, 99);
    /// assert_eq!(model.lookup(&2), None, "born expired");
    /// ```
    pub fn insert_aged(&mut self, key: K, value: V, age: u64) {
        if let Some(i) = self.position(&key) {
            let old = self.entries.remove(i);
            self.departed.push(old.value);
        }
        if let Some(max) = self.max {
            while !self.entries.is_empty() && self.entries.len() >= max {
                self.evict_one();
            }
            if max == 0 {
                self.departed.push(value);
                return;
            }
        }
        self.entries.push(Entry {
            key,
            value,
            inserted_at: i128::from(self.now) - i128::from(age),
            referenced: false,
        });
    }

    /// Evicts one entry of a non-empty model: the front one, after moving referenced ones to the
    /// back, unflagged (CLOCK).
    fn evict_one(&mut self) {
        loop {
            let mut front = self.entries.remove(0);
            if self.eviction == Eviction::Clock && front.referenced {
                front.referenced = false;
                self.entries.push(front);
            } else {
                self.departed.push(front.value);
                return;
            }
        }
    }

    /// Removes `key`'s entry, expired or not, recording its value as departed; `true` if there
    /// was one (as [`Store::remove`](crate::Store::remove)).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(None, None);
    /// model.insert(1, 100);
    /// assert!(model.remove(&1));
    /// assert!(!model.remove(&1));
    /// assert_eq!(model.take_departed(), [100]);
    /// ```
    pub fn remove(&mut self, key: &K) -> bool {
        match self.position(key) {
            Some(i) => {
                let old = self.entries.remove(i);
                self.departed.push(old.value);
                true
            }
            None => false,
        }
    }

    /// Removes every entry, expired or not, recording the values as departed in queue order
    /// (under LRU, from least to most recently used).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(None, None);
    /// model.insert(1, 100);
    /// model.insert(2, 200);
    /// model.clear();
    /// assert!(model.is_empty());
    /// assert_eq!(model.take_departed(), [100, 200]);
    /// ```
    pub fn clear(&mut self) {
        self.departed
            .extend(self.entries.drain(..).map(|e| e.value));
    }

    /// Removes the expired entries now, recording their values as departed (as
    /// [`Store::sweep`](crate::Store::sweep)).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(Some(5), None);
    /// model.insert(1, 100);
    /// model.advance(3);
    /// model.insert(2, 200);
    /// model.advance(2);
    /// model.sweep();
    /// assert_eq!(model.take_departed(), [100]);
    /// assert_eq!(model.len(), 1);
    /// ```
    pub fn sweep(&mut self) {
        let mut i = 0;
        while i < self.entries.len() {
            if self.expired(&self.entries[i]) {
                let old = self.entries.remove(i);
                self.departed.push(old.value);
            } else {
                i += 1;
            }
        }
    }

    /// Whether a live (unexpired) entry exists, changing neither recency nor anything else (as
    /// [`Store::contains`](crate::Store::contains)).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(Some(5), None);
    /// model.insert(1, 100);
    /// assert!(model.contains(&1));
    /// model.advance(5);
    /// assert!(!model.contains(&1));
    /// assert!(model.take_departed().is_empty(), "contains drops nothing");
    /// ```
    pub fn contains(&self, key: &K) -> bool {
        self.position(key)
            .is_some_and(|i| !self.expired(&self.entries[i]))
    }

    /// How many entries are stored, expired ones not yet dropped included (as
    /// [`Stats::entries`](crate::Stats::entries)).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(None, Some(2));
    /// for k in 0..5 {
    ///     model.insert(k, 0);
    /// }
    /// assert_eq!(model.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is stored.
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(None, None);
    /// assert!(model.is_empty());
    /// model.insert(1, 100);
    /// assert!(!model.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The stored values in queue order (under LRU, from least to most recently used), expired
    /// ones not yet dropped included; for computing the store's byte count, or checking a
    /// value's identity.
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(None, Some(10));
    /// model.insert(1, 100);
    /// model.insert(2, 200);
    /// model.lookup(&1);
    /// assert_eq!(model.values().copied().collect::<Vec<_>>(), [200, 100]);
    /// ```
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|e| &e.value)
    }

    /// The values that departed since the last call, in the order they left (the order the
    /// store calls `on_release` in).
    ///
    /// ```
    /// use cache_store::testing::Model;
    ///
    /// let mut model: Model<u64> = Model::new(None, None);
    /// model.insert(1, 100);
    /// model.insert(1, 101);
    /// assert_eq!(model.take_departed(), [100]);
    /// assert!(model.take_departed().is_empty());
    /// ```
    pub fn take_departed(&mut self) -> Vec<V> {
        std::mem::take(&mut self.departed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(model: &Model<u64>) -> Vec<u128> {
        model.entries.iter().map(|e| e.key).collect()
    }

    #[test]
    fn bounded_returns_the_value_and_runs_on_another_thread() {
        let caller = thread::current().id();
        let (v, id) = bounded(Duration::from_secs(5), || (7, thread::current().id()));
        assert_eq!(v, 7);
        assert_ne!(id, caller);
    }

    #[test]
    fn bounded_fails_on_timeout_and_reraises_panics() {
        let hung = std::panic::catch_unwind(|| {
            bounded(Duration::from_millis(20), || {
                thread::sleep(Duration::from_secs(2))
            })
        })
        .unwrap_err();
        let msg = hung.downcast_ref::<String>().unwrap();
        assert!(msg.contains("did not finish within"), "{msg}");

        let failed = std::panic::catch_unwind(|| {
            bounded(Duration::from_secs(5), || -> u8 { panic!("{}", "inner") })
        })
        .unwrap_err();
        assert_eq!(failed.downcast_ref::<String>().unwrap(), "inner");
    }

    #[test]
    fn ttl_is_from_insertion_and_expiry_is_at_exactly_ttl() {
        let mut m: Model<u64> = Model::new(Some(3), None);
        m.insert(1, 10);
        for _ in 0..2 {
            m.advance(1);
            assert_eq!(m.lookup(&1), Some(&10), "reads before the TTL");
        }
        assert!(m.take_departed().is_empty());
        m.advance(1);
        assert!(!m.contains(&1));
        assert_eq!(m.len(), 1, "expiry is lazy");
        assert_eq!(m.lookup(&1), None, "age 3 >= ttl 3, despite the reads");
        assert_eq!(m.len(), 0);
        assert_eq!(m.take_departed(), [10]);
        assert_eq!(m.lookup(&1), None);
        assert!(m.take_departed().is_empty(), "departs once");
    }

    #[test]
    fn reinsertion_restarts_the_ttl() {
        let mut m: Model<u64> = Model::new(Some(5), None);
        m.insert(1, 10);
        m.advance(4);
        m.insert(1, 11);
        assert_eq!(m.take_departed(), [10], "the replaced value departs");
        m.advance(4);
        assert_eq!(m.lookup(&1), Some(&11));
        m.advance(1);
        assert_eq!(m.lookup(&1), None);
        assert_eq!(m.take_departed(), [11]);
    }

    #[test]
    fn no_ttl_never_expires_and_zero_ttl_always_does() {
        let mut forever: Model<u64> = Model::new(None, None);
        forever.insert_aged(1, 10, u64::MAX);
        forever.advance(u64::MAX);
        assert_eq!(forever.lookup(&1), Some(&10));
        forever.sweep();
        assert!(forever.take_departed().is_empty());

        let mut never: Model<u64> = Model::new(Some(0), None);
        never.insert(1, 10);
        assert!(!never.contains(&1));
        assert_eq!(never.lookup(&1), None);
        assert_eq!(never.take_departed(), [10]);
    }

    #[test]
    fn aged_inserts_count_against_the_ttl_even_beyond_the_clock() {
        let mut m: Model<u64> = Model::new(Some(10), None);
        m.advance(2);
        m.insert_aged(1, 10, 9); // inserted at -7
        m.insert_aged(2, 20, 10); // born expired
        assert!(m.contains(&1));
        assert!(!m.contains(&2));
        m.advance(1);
        assert!(!m.contains(&1));
        m.sweep();
        assert_eq!(m.take_departed(), [10, 20]);
        assert!(m.is_empty());
    }

    #[test]
    fn lru_evicts_the_least_recently_used_and_reads_refresh_recency() {
        let mut m: Model<u64> = Model::new(None, Some(3));
        m.insert(1, 10);
        m.insert(2, 20);
        m.insert(3, 30);
        assert_eq!(keys(&m), [1, 2, 3]);
        assert_eq!(m.lookup(&1), Some(&10));
        assert_eq!(keys(&m), [2, 3, 1], "a read moves the key to the back");
        assert!(m.contains(&2));
        assert_eq!(keys(&m), [2, 3, 1], "contains does not");
        m.insert(4, 40);
        assert_eq!(keys(&m), [3, 1, 4]);
        assert_eq!(m.take_departed(), [20]);
        m.insert(3, 31);
        assert_eq!(keys(&m), [1, 4, 3], "a replacement is the most recent");
        assert_eq!(m.take_departed(), [30], "and evicts nothing at the limit");
        assert_eq!(m.values().copied().collect::<Vec<_>>(), [10, 40, 31]);
    }

    #[test]
    fn clock_gives_read_entries_a_second_chance_in_insertion_order() {
        let mut m: Model<u64> = Model::with_eviction(None, Some(3), Eviction::Clock);
        m.insert(1, 10);
        m.insert(2, 20);
        m.insert(3, 30);
        assert_eq!(m.lookup(&1), Some(&10));
        assert_eq!(keys(&m), [1, 2, 3], "a read leaves the order alone");
        m.insert(4, 40);
        assert_eq!(
            m.take_departed(),
            [20],
            "1 was read: passed over, 2 evicted"
        );
        assert_eq!(keys(&m), [3, 1, 4], "1 moved to the back, behind 3");
        m.lookup(&3);
        m.lookup(&1);
        m.lookup(&4);
        m.insert(5, 50);
        assert_eq!(
            m.take_departed(),
            [30],
            "all read: one full pass unflags them all, then the first one goes"
        );
        assert_eq!(keys(&m), [1, 4, 5]);
        m.insert(6, 60);
        assert_eq!(m.take_departed(), [10], "unflagged by the last pass");
        m.lookup(&5);
        m.insert(5, 51);
        assert_eq!(m.take_departed(), [50], "a replacement evicts nothing");
        assert_eq!(keys(&m), [4, 6, 5], "and goes to the back");
        assert!(m.entries.iter().all(|e| !e.referenced), "unflagged");
    }

    #[test]
    fn clock_never_evicts_the_entry_being_inserted() {
        let mut m: Model<u64> = Model::with_eviction(None, Some(2), Eviction::Clock);
        m.insert(1, 10);
        m.insert(2, 20);
        m.lookup(&1);
        m.lookup(&2);
        m.insert(3, 30);
        assert_eq!(m.take_departed(), [10]);
        assert!(m.contains(&3));
        let mut zero: Model<u64> = Model::with_eviction(None, Some(0), Eviction::Clock);
        zero.insert(1, 10);
        assert!(zero.is_empty());
        assert_eq!(zero.take_departed(), [10]);
    }

    #[test]
    fn unbounded_clock_reads_flag_nothing() {
        let mut m: Model<u64> = Model::with_eviction(None, None, Eviction::Clock);
        m.insert(1, 10);
        m.lookup(&1);
        assert!(!m.entries[0].referenced, "no bound, nothing to evict by");
    }

    #[test]
    fn a_read_refreshes_recency_but_not_the_ttl() {
        let mut m: Model<u64> = Model::new(Some(10), Some(2));
        m.insert(1, 10);
        m.advance(5);
        m.insert(2, 20);
        assert_eq!(m.lookup(&1), Some(&10));
        m.advance(5);
        // 1 is the most recent but expired; 2 is live.
        assert!(!m.contains(&1));
        assert!(m.contains(&2));
        m.insert(3, 30);
        assert_eq!(
            m.take_departed(),
            [20],
            "LRU order, not expiry, picks the victim"
        );
        assert_eq!(m.lookup(&1), None);
        assert_eq!(m.take_departed(), [10]);
        assert_eq!(keys(&m), [3]);
    }

    #[test]
    fn zero_max_keeps_nothing() {
        let mut m: Model<u64> = Model::new(None, Some(0));
        m.insert(1, 10);
        assert!(m.is_empty());
        assert_eq!(m.take_departed(), [10]);
    }

    #[test]
    fn remove_clear_and_sweep_record_every_departure_once() {
        let mut m: Model<u64> = Model::new(Some(5), None);
        m.insert(1, 10);
        m.insert(2, 20);
        m.advance(3);
        m.insert(3, 30);
        m.insert(4, 40);
        m.advance(2);
        assert!(m.remove(&1), "an expired entry is still removable");
        assert!(!m.remove(&1));
        assert!(!m.remove(&9));
        assert_eq!(m.take_departed(), [10]);
        m.sweep();
        assert_eq!(m.take_departed(), [20]);
        assert_eq!(keys(&m), [3, 4]);
        m.sweep();
        assert!(m.take_departed().is_empty());
        assert_eq!(m.lookup(&4), Some(&40));
        m.clear();
        assert_eq!(m.take_departed(), [30, 40], "least recently used first");
        assert!(m.is_empty());
        m.clear();
        assert!(m.take_departed().is_empty());
    }

    #[test]
    fn departed_values_accumulate_in_order_until_taken() {
        let mut m: Model<u64> = Model::new(Some(2), Some(1));
        m.insert(1, 10);
        m.insert(2, 20); // evicts 10
        m.advance(2);
        assert_eq!(m.lookup(&2), None); // 20 expired
        m.insert(3, 30);
        m.insert(3, 31); // replaces 30
        assert_eq!(m.take_departed(), [10, 20, 30]);
        assert!(m.take_departed().is_empty());
    }

    #[test]
    fn keys_may_be_any_eq_type() {
        let mut m: Model<usize, String> = Model::new(None, Some(1));
        m.insert("a".to_string(), 1);
        assert_eq!(m.lookup(&"a".to_string()), Some(&1));
        m.insert("b".to_string(), 2);
        assert!(!m.contains(&"a".to_string()));
        assert_eq!(m.take_departed(), [1]);
    }
}
