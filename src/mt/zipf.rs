//! A seeded Zipf sampler: rank `k` (1-based) of `n` is drawn with probability proportional to
//! `1 / k^s`. Inverse-CDF over a precomputed cumulative table, so a draw is one binary search;
//! no `rand` crate needed.

use crate::workloads::SplitMix;

/// A Zipf distribution over `0..n` (value `k - 1` stands for rank `k`), drawn from a seeded
/// [`SplitMix`] stream: the same seed gives the same sequence.
///
/// ```
/// use cache_harness::mt::Zipf;
/// let mut a = Zipf::new(10_000, 1.0, 7).unwrap();
/// let mut b = Zipf::new(10_000, 1.0, 7).unwrap();
/// let xs: Vec<u64> = (0..100).map(|_| a.sample()).collect();
/// assert!(xs.iter().all(|&x| x < 10_000));
/// assert_eq!(xs, (0..100).map(|_| b.sample()).collect::<Vec<_>>());
/// ```
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<f64>,
    rng: SplitMix,
}

impl Zipf {
    /// A sampler over `n` ranks with exponent `s`. Errors name the bad parameter: `n` must be at
    /// least 1 and `s` finite and non-negative (`s = 0` is uniform).
    pub fn new(n: usize, s: f64, seed: u64) -> Result<Self, String> {
        if n == 0 {
            return Err("Zipf needs at least one rank (n = 0)".into());
        }
        if !s.is_finite() || s < 0.0 {
            return Err(format!("Zipf exponent must be finite and ≥ 0, got {s}"));
        }
        let mut total = 0.0;
        let cumulative = (1..=n)
            .map(|k| {
                total += (k as f64).powf(-s);
                total
            })
            .collect();
        Ok(Self {
            cumulative,
            rng: SplitMix::new(seed),
        })
    }

    /// The next value in `0..n`.
    pub fn sample(&mut self) -> u64 {
        let total = *self.cumulative.last().expect("n ≥ 1");
        let u = self.rng.next_f64() * total;
        // First rank whose cumulative weight exceeds u; `min` guards the rounding at the top end.
        let i = self.cumulative.partition_point(|&c| c <= u);
        i.min(self.cumulative.len() - 1) as u64
    }

    /// The probability of value `k` (rank `k + 1`), for tests and the report.
    pub fn probability(&self, k: u64) -> f64 {
        let k = k as usize;
        let total = *self.cumulative.last().expect("n ≥ 1");
        let below = if k == 0 { 0.0 } else { self.cumulative[k - 1] };
        (self.cumulative[k] - below) / total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequencies_follow_the_distribution() {
        let n = 10_000;
        let draws = 400_000;
        let mut z = Zipf::new(n, 1.0, 1).unwrap();
        let mut counts = vec![0u64; n];
        for _ in 0..draws {
            counts[z.sample() as usize] += 1;
        }
        // Rank 1 with s = 1 over 10k ranks: 1 / H(10_000) ≈ 0.1020.
        for k in [0u64, 1, 9, 99] {
            let expected = z.probability(k) * draws as f64;
            let got = counts[k as usize] as f64;
            let sd = expected.sqrt();
            assert!(
                (got - expected).abs() < 5.0 * sd,
                "value {k}: {got} draws, expected {expected:.0} ± {sd:.0}"
            );
        }
        assert!((z.probability(0) - 0.1020).abs() < 1e-3);
        assert!(counts[0] > counts[1] && counts[1] > counts[9] && counts[9] > counts[99]);
    }

    #[test]
    fn zero_exponent_is_uniform_and_bad_parameters_are_refused() {
        let z = Zipf::new(4, 0.0, 1).unwrap();
        for k in 0..4 {
            assert!((z.probability(k) - 0.25).abs() < 1e-12);
        }
        assert!(Zipf::new(0, 1.0, 1).unwrap_err().contains("n = 0"));
        assert!(Zipf::new(5, -1.0, 1).unwrap_err().contains("exponent"));
        assert!(Zipf::new(5, f64::NAN, 1).unwrap_err().contains("exponent"));
    }

    proptest::proptest! {
        #[test]
        fn draws_stay_in_range_and_probabilities_sum_to_one(
            n in 1usize..2_000,
            s in 0.0f64..3.0,
            seed in proptest::prelude::any::<u64>(),
        ) {
            let mut z = Zipf::new(n, s, seed).unwrap();
            for _ in 0..200 {
                proptest::prop_assert!((z.sample() as usize) < n);
            }
            let total: f64 = (0..n as u64).map(|k| z.probability(k)).sum();
            proptest::prop_assert!((total - 1.0).abs() < 1e-9, "{}", total);
            // Non-increasing in rank.
            for k in 1..n as u64 {
                proptest::prop_assert!(z.probability(k) <= z.probability(k - 1) + 1e-15);
            }
        }
    }

    #[test]
    fn different_seeds_give_different_streams() {
        let mut a = Zipf::new(10_000, 1.0, 1).unwrap();
        let mut b = Zipf::new(10_000, 1.0, 2).unwrap();
        let xa: Vec<u64> = (0..64).map(|_| a.sample()).collect();
        let xb: Vec<u64> = (0..64).map(|_| b.sample()).collect();
        assert_ne!(xa, xb);
    }
}
