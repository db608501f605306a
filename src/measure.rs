//! The measurement loop: adaptive batch size, a per-measurement time budget and a minimum
//! sample count, median of per-call times.
//!
//! A fixed iteration count cannot fit both a 20 ns scalar hit and a 700 ms full hash of a 10M-row
//! frame, so each measurement first finds a batch size whose run lasts about
//! `budget / TARGET_SAMPLES` (1 call for slow operations), then takes batches until the budget is
//! spent *and* at least `min_samples` were taken (or `max_samples` is reached).

use std::time::{Duration, Instant};

/// How long and how often to measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Time to spend on one measurement (soft: `min_samples` wins).
    pub time: Duration,
    /// Samples to take whatever the time.
    pub min_samples: usize,
    /// Samples never to exceed.
    pub max_samples: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            time: Duration::from_millis(300),
            min_samples: 5,
            max_samples: 200,
        }
    }
}

/// The samples a batch should aim for within the budget.
const TARGET_SAMPLES: u32 = 40;

/// The result of one measurement, per call.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Median time of one call, in seconds.
    pub median: f64,
    /// Fastest sample, per call, in seconds.
    pub min: f64,
    /// Slowest sample, per call, in seconds.
    pub max: f64,
    /// Samples taken (each a batch of `batch` calls).
    pub samples: usize,
    /// Calls per sample.
    pub batch: u64,
}

impl Timing {
    /// Total timed calls.
    pub fn calls(&self) -> u64 {
        self.samples as u64 * self.batch
    }
}

/// Median of a non-empty slice (sorted in place).
///
/// ```
/// let mut v = [3.0, 1.0, 2.0, 10.0];
/// assert_eq!(cache_harness::measure::median(&mut v), 2.5);
/// ```
pub fn median(values: &mut [f64]) -> f64 {
    assert!(!values.is_empty(), "median of nothing");
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

fn time(run: &mut dyn FnMut(u64), n: u64) -> Duration {
    let start = Instant::now();
    run(n);
    start.elapsed()
}

fn summarize(mut per_call: Vec<f64>, batch: u64) -> Timing {
    let samples = per_call.len();
    let med = median(&mut per_call);
    Timing {
        median: med,
        min: per_call[0],
        max: per_call[samples - 1],
        samples,
        batch,
    }
}

/// Measures `run(n)` (which makes `n` calls): the median time of one call.
///
/// The calibration calls also serve as warm-up and are not counted.
pub fn measure(run: &mut dyn FnMut(u64), budget: &Budget) -> Timing {
    let batch = calibrate(run, budget);
    let start = Instant::now();
    let mut per_call = Vec::new();
    while per_call.len() < budget.max_samples
        && (per_call.len() < budget.min_samples || start.elapsed() < budget.time)
    {
        per_call.push(time(run, batch).as_secs_f64() / batch as f64);
    }
    summarize(per_call, batch)
}

/// The batch size whose run lasts about `budget / TARGET_SAMPLES` (1 for slow operations). The
/// calibration calls also serve as warm-up.
fn calibrate(run: &mut dyn FnMut(u64), budget: &Budget) -> u64 {
    let target = (budget.time / TARGET_SAMPLES).max(Duration::from_micros(50));
    let mut batch = 1u64;
    let mut spent = time(run, 1);
    // Grow the batch until one batch takes about `target`; slow operations stay at 1.
    while spent < target && batch < (1 << 30) {
        let grow = if spent.is_zero() {
            16.0
        } else {
            (target.as_secs_f64() / spent.as_secs_f64()).clamp(2.0, 16.0)
        };
        batch = ((batch as f64 * grow).ceil() as u64).max(batch + 1);
        spent = time(run, batch);
    }
    batch
}

/// Measures several operations side by side: each is calibrated as [`measure`] does, then their
/// samples are taken in alternation, one sample of each per round, the round's first operation
/// rotating. A change of the machine's state during the measurement (a server's or the
/// scheduler's latency mode, the CPU clock) then reaches every operation alike, instead of
/// whichever happened to be measured at the time, so their ratio is a fair one. The whole takes
/// about `budget.time` per operation, as many [`measure`] calls in a row would.
///
/// ```
/// use cache_harness::measure::{Budget, measure_interleaved};
/// use std::time::Duration;
/// let budget = Budget { time: Duration::from_millis(10), min_samples: 3, max_samples: 20 };
/// let mut short = |n: u64| (0..n).for_each(|i| drop(std::hint::black_box(i)));
/// let mut long = |n: u64| std::thread::sleep(Duration::from_micros(200 * n));
/// let t = measure_interleaved(&mut [&mut short, &mut long], &budget);
/// assert!(t[0].median < t[1].median);
/// assert_eq!(t[0].samples, t[1].samples);
/// ```
pub fn measure_interleaved(runs: &mut [&mut dyn FnMut(u64)], budget: &Budget) -> Vec<Timing> {
    let batches: Vec<u64> = runs.iter_mut().map(|run| calibrate(*run, budget)).collect();
    let total = budget.time * runs.len().max(1) as u32;
    let mut per_call: Vec<Vec<f64>> = vec![Vec::new(); runs.len()];
    let start = Instant::now();
    let mut round = 0;
    while round < budget.max_samples && (round < budget.min_samples || start.elapsed() < total) {
        for k in 0..runs.len() {
            let i = (round + k) % runs.len();
            per_call[i].push(time(runs[i], batches[i]).as_secs_f64() / batches[i] as f64);
        }
        round += 1;
    }
    per_call
        .into_iter()
        .zip(batches)
        .map(|(samples, batch)| summarize(samples, batch))
        .collect()
}

/// Measures misses: `clear()` (untimed), then one timed call, repeated like [`measure`]'s samples.
pub fn measure_miss(run: &mut dyn FnMut(u64), clear: &mut dyn FnMut(), budget: &Budget) -> Timing {
    let start = Instant::now();
    let mut per_call = Vec::new();
    let min = budget.min_samples.clamp(1, 3);
    while per_call.len() < budget.max_samples
        && (per_call.len() < min || start.elapsed() < budget.time / 2)
    {
        clear();
        per_call.push(time(run, 1).as_secs_f64());
    }
    summarize(per_call, 1)
}

/// Formats seconds with a unit that keeps 3 significant digits (`12.3 ns`, `4.56 ms`).
///
/// ```
/// assert_eq!(cache_harness::measure::fmt_time(1.5e-8), "15.0 ns");
/// assert_eq!(cache_harness::measure::fmt_time(0.0123), "12.3 ms");
/// ```
pub fn fmt_time(seconds: f64) -> String {
    let (value, unit) = if seconds < 1e-6 {
        (seconds * 1e9, "ns")
    } else if seconds < 1e-3 {
        (seconds * 1e6, "µs")
    } else if seconds < 1.0 {
        (seconds * 1e3, "ms")
    } else {
        (seconds, "s")
    };
    if value >= 100.0 {
        format!("{value:.0} {unit}")
    } else if value >= 10.0 {
        format!("{value:.1} {unit}")
    } else {
        format!("{value:.2} {unit}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_operations_are_batched() {
        let mut count = 0u64;
        let mut run = |n: u64| {
            for _ in 0..n {
                count = std::hint::black_box(count + 1);
            }
        };
        let t = measure(
            &mut run,
            &Budget {
                time: Duration::from_millis(20),
                min_samples: 3,
                max_samples: 50,
            },
        );
        assert!(t.batch > 1);
        assert!(t.samples >= 3 && t.samples <= 50);
        assert!(t.median > 0.0 && t.median < 1e-6);
    }

    #[test]
    fn interleaved_samples_alternate_between_operations() {
        // Each sample records which operation ran; consecutive samples of one round must differ,
        // and every round starts with another operation than the one before.
        let order = std::cell::RefCell::new(Vec::new());
        let budget = Budget {
            time: Duration::from_millis(2),
            min_samples: 4,
            max_samples: 4,
        };
        let mut a = |n: u64| {
            order.borrow_mut().push(('a', n));
            std::thread::sleep(Duration::from_micros(300 * n));
        };
        let mut b = |n: u64| {
            order.borrow_mut().push(('b', n));
            std::thread::sleep(Duration::from_micros(900 * n));
        };
        let t = measure_interleaved(&mut [&mut a, &mut b], &budget);
        assert_eq!((t[0].samples, t[1].samples), (4, 4));
        assert!(t[0].median >= 3e-4 && t[1].median >= 9e-4, "{t:?}");
        assert!(t[0].median < t[1].median, "{t:?}");
        let order = order.into_inner();
        let timed: String = order[order.len() - 8..].iter().map(|(c, _)| *c).collect();
        assert_eq!(
            timed, "abbaabba",
            "samples alternate, first of the round rotating"
        );
    }

    #[test]
    fn slow_operations_take_min_samples() {
        let mut run = |n: u64| std::thread::sleep(Duration::from_millis(5 * n));
        let t = measure(
            &mut run,
            &Budget {
                time: Duration::from_millis(1),
                min_samples: 3,
                max_samples: 50,
            },
        );
        assert_eq!((t.batch, t.samples), (1, 3));
        assert!(t.median >= 0.005);
    }

    #[test]
    fn misses_clear_before_each_call() {
        let cleared = std::cell::Cell::new(0);
        let mut run = |_n: u64| {};
        let mut clear = || cleared.set(cleared.get() + 1);
        let t = measure_miss(&mut run, &mut clear, &Budget::default());
        assert_eq!(cleared.get(), t.samples);
    }
}
