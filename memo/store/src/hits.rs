//! A public hit counter for hit paths that answer before reaching a [`crate::Store`] (such as a
//! singleton's argument-less cell), with the same per-thread striping as the store's own count.

use crate::counter::Counter;

/// A count of hits that concurrent threads add to without sharing a cache line, summed on read.
///
/// The sum is exact once the adding threads are done; a sum taken while they add may miss their
/// latest increments, as any concurrent read of a counter would.
///
/// ```
/// let hits = cache_store::HitCounter::default();
/// hits.add_one();
/// std::thread::scope(|s| {
///     s.spawn(|| hits.add_one());
/// });
/// assert_eq!(hits.sum(), 2);
/// ```
#[derive(Default)]
pub struct HitCounter(Counter);

impl std::fmt::Debug for HitCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("HitCounter").field(&self.sum()).finish()
    }
}

impl HitCounter {
    /// Adds one (a plain load and store on this thread's stripe, no atomic read-modify-write).
    #[inline]
    pub fn add_one(&self) {
        self.0.add_one();
    }

    /// Everything added so far.
    pub fn sum(&self) -> u64 {
        self.0.sum()
    }
}
