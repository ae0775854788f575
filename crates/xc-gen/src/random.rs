//! Seeded randomness and the small numeric tools the generator shares: one ChaCha8 stream per
//! stage and district (so changing one stage, or generating fewer districts, leaves the others'
//! numbers as they were), weighted choice, largest-remainder apportionment (integer parts that
//! add up exactly), and days and times of the city (Shanghai, UTC+8).

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The independent random streams of the generator.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Geography = 1,
    Sites = 2,
    Teachers = 3,
    Learners = 4,
    CitySites = 5,
    Specifications = 6,
    Outcomes = 7,
    Statements = 8,
}

/// The generator for one stage (and, where the stage works district by district, one district).
pub(crate) fn stream_rng(seed: u64, stream: Stream, index: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(((stream as u64) << 32) | u64::from(index));
    rng
}

pub(crate) fn uniform(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.random::<f64>()
}

pub(crate) fn chance(rng: &mut ChaCha8Rng, probability: f64) -> bool {
    rng.random::<f64>() < probability
}

/// An inclusive integer range.
pub(crate) fn between(rng: &mut ChaCha8Rng, low: i64, high: i64) -> i64 {
    rng.random_range(low..=high)
}

/// A day from `from` to `to` inclusive (`from` when `to` is earlier).
pub(crate) fn day_between(rng: &mut ChaCha8Rng, from: Date, to: Date) -> Date {
    let day = between(
        rng,
        i64::from(from.to_julian_day()),
        i64::from(to.to_julian_day().max(from.to_julian_day())),
    );
    Date::from_julian_day(day as i32).unwrap_or(from)
}

/// `seconds` after midnight of `day` in Shanghai (UTC+8), in UTC.
pub(crate) fn shanghai_time(day: Date, seconds: i64) -> OffsetDateTime {
    let shanghai = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    PrimitiveDateTime::new(day, Time::MIDNIGHT)
        .assume_offset(shanghai)
        .saturating_add(time::Duration::seconds(seconds))
        .to_offset(UtcOffset::UTC)
}

pub(crate) fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T]) -> T {
    items[rng.random_range(0..items.len())]
}

/// Up to `count` distinct items, each drawn with probability proportional to its weight among
/// those not yet drawn; returned in the order of `pool`.
pub(crate) fn pick_weighted_distinct<T: Copy>(
    rng: &mut ChaCha8Rng,
    pool: &[(T, f64)],
    count: usize,
) -> Vec<T> {
    let mut taken = vec![false; pool.len()];
    for _ in 0..count.min(pool.len()) {
        let total: f64 = pool
            .iter()
            .zip(&taken)
            .filter(|(_, t)| !**t)
            .map(|((_, w), _)| w)
            .sum();
        let mut target = rng.random::<f64>() * total;
        let mut chosen = None;
        for (index, ((_, weight), is_taken)) in pool.iter().zip(&taken).enumerate() {
            if *is_taken || *weight <= 0.0 {
                continue;
            }
            chosen = Some(index);
            if target < *weight {
                break;
            }
            target -= weight;
        }
        if let Some(index) = chosen {
            taken[index] = true;
        }
    }
    pool.iter()
        .zip(taken)
        .filter(|(_, t)| *t)
        .map(|((item, _), _)| *item)
        .collect()
}

/// Cumulative weights for drawing an index in O(log n).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WeightedTable {
    cumulative: Vec<f64>,
}

impl WeightedTable {
    /// Negative weights count as zero; if all weights are zero every index is equally likely.
    pub(crate) fn new(weights: impl IntoIterator<Item = f64>) -> Self {
        let mut total = 0.0;
        let mut cumulative: Vec<f64> = weights
            .into_iter()
            .map(|weight| {
                total += weight.max(0.0);
                total
            })
            .collect();
        if total <= 0.0 {
            cumulative = (1..=cumulative.len()).map(|i| i as f64).collect();
        }
        Self { cumulative }
    }

    pub(crate) fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let target = rng.random::<f64>() * total;
        self.cumulative
            .partition_point(|c| *c <= target)
            .min(self.cumulative.len() - 1)
    }
}

/// Splits `total` into integers proportional to `weights` that add up to `total` exactly
/// (Hamilton's largest-remainder method; ties go to the earlier index). A zero weight gets zero
/// unless every weight is zero, in which case the split is even.
pub(crate) fn apportion(total: i64, weights: &[f64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let sum: f64 = weights.iter().map(|w| w.max(0.0)).sum();
    let even = vec![1.0; weights.len()];
    let (weights, sum) = if sum > 0.0 {
        (weights, sum)
    } else {
        (&even[..], weights.len() as f64)
    };
    let quotas: Vec<f64> = weights
        .iter()
        .map(|w| total as f64 * w.max(0.0) / sum)
        .collect();
    let mut parts: Vec<i64> = quotas.iter().map(|q| q.floor() as i64).collect();
    let mut missing = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        let fa = quotas[a] - quotas[a].floor();
        let fb = quotas[b] - quotas[b].floor();
        fb.total_cmp(&fa).then(a.cmp(&b))
    });
    while missing > 0 {
        for &index in &order {
            if missing == 0 {
                break;
            }
            if weights[index] > 0.0 {
                parts[index] += 1;
                missing -= 1;
            }
        }
    }
    while missing < 0 {
        // Only reachable through floating-point error on huge totals: take back from the largest.
        let largest = (0..parts.len()).max_by_key(|&i| parts[i]).unwrap_or(0);
        parts[largest] -= 1;
        missing += 1;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportionment_adds_up_exactly_and_is_proportional() {
        let parts = apportion(10, &[1.0, 1.0, 1.0]);
        assert_eq!(parts, vec![4, 3, 3]);
        let parts = apportion(5_815_462, &[0.3, 0.2, 0.5, 0.0]);
        assert_eq!(parts.iter().sum::<i64>(), 5_815_462);
        assert_eq!(parts[3], 0);
        assert_eq!(apportion(3, &[0.0, 0.0]), vec![2, 1]);
        assert_eq!(apportion(0, &[1.0, 2.0]), vec![0, 0]);
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        let a: u64 = stream_rng(7, Stream::Geography, 0).random();
        let b: u64 = stream_rng(7, Stream::Geography, 0).random();
        let c: u64 = stream_rng(7, Stream::Geography, 1).random();
        let d: u64 = stream_rng(8, Stream::Geography, 0).random();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
    }

    #[test]
    fn weighted_choice_never_picks_a_zero_weight() {
        let table = WeightedTable::new([0.0, 1.0, 0.0, 3.0]);
        let mut rng = stream_rng(1, Stream::Learners, 0);
        let mut counts = [0; 4];
        for _ in 0..4_000 {
            counts[table.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[0] + counts[2], 0);
        assert!((800..1_200).contains(&counts[1]), "{counts:?}");
        let distinct = pick_weighted_distinct(&mut rng, &[('a', 1.0), ('b', 0.0), ('c', 1.0)], 2);
        assert_eq!(distinct, vec!['a', 'c']);
    }
}
