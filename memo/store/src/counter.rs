//! A hit counter that concurrent hits do not fight over, and that a single thread pays no
//! atomic read-modify-write for.
//!
//! One `AtomicU64` shared by every thread that hits a function would bounce its cache line
//! between cores on every hit, which is the contention a read-locked hit avoids; and even alone,
//! a `lock xadd` costs as much as the rest of the counting. So each thread owns a stripe (a
//! cache-line-padded cell, at its `crate::thread_slot` index in every counter) while it runs: only its owner writes
//! a stripe, with a plain load and store, and the stripes are summed when the stats are read.
//! Threads without an index of their own add atomically to one shared stripe.

use crate::sync::{AtomicU64, Ordering};
use crate::thread_slot::{self, OWNED};

#[repr(align(128))]
#[derive(Default)]
struct Padded(AtomicU64);

/// A monotonically increasing count with cheap concurrent increments and an exact sum.
///
/// The sum is exact once the adding threads are done (joined); a sum taken while threads add
/// may miss their latest increments, as any concurrent read of a counter would.
pub(crate) struct Counter {
    stripes: [Padded; OWNED + 1],
}

impl Default for Counter {
    fn default() -> Self {
        Self {
            stripes: std::array::from_fn(|_| Padded::default()),
        }
    }
}

impl Counter {
    /// Adds one.
    #[inline]
    pub(crate) fn add_one(&self) {
        match thread_slot::owned() {
            Some(i) => {
                // Only this thread writes stripe `i` while it owns it: no read-modify-write.
                let cell = &self.stripes[i].0;
                cell.store(
                    cell.load(Ordering::Relaxed).wrapping_add(1),
                    Ordering::Relaxed,
                );
            }
            None => {
                self.stripes[OWNED].0.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The sum of all increments so far.
    pub(crate) fn sum(&self) -> u64 {
        self.stripes
            .iter()
            .map(|s| s.0.load(Ordering::Relaxed))
            .fold(0, u64::wrapping_add)
    }
}

#[cfg(test)]
mod tests {
    use super::Counter;

    /// More threads at once than there are owned stripes (some share the atomic one), then as
    /// many again that reuse the stripes the first ones handed back: no increment is lost.
    #[test]
    fn sums_every_thread_exactly() {
        let c = Counter::default();
        let threads = super::OWNED + 5;
        for _round in 0..2 {
            let start = std::sync::Barrier::new(threads);
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        // All alive at once, so some find every owned stripe taken.
                        start.wait();
                        for _ in 0..1000 {
                            c.add_one();
                        }
                    });
                }
            });
        }
        assert_eq!(c.sum(), 2 * threads as u64 * 1000);
    }
}
