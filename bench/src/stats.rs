//! Order statistics of timed samples. Medians, not means: this machine is shared, and a
//! neighbour's build shows up as a long tail, not as a shift of the middle.

use std::time::Duration;

/// A summary of timed samples.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// How many samples.
    pub count: usize,
    /// The median.
    pub median: Duration,
    /// The 10th percentile.
    pub p10: Duration,
    /// The 90th percentile.
    pub p90: Duration,
}

impl Summary {
    /// Summarises `samples` (in any order). `None` when there are none.
    pub fn of(mut samples: Vec<Duration>) -> Option<Self> {
        if samples.is_empty() {
            return None;
        }
        samples.sort_unstable();
        let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
        Some(Summary {
            count: samples.len(),
            median: at(0.5),
            p10: at(0.1),
            p90: at(0.9),
        })
    }
}

/// `12.3 µs`, `4.56 ms` or `1.23 s`.
pub fn human(duration: Duration) -> String {
    let ns = duration.as_nanos() as f64;
    if ns < 1e6 {
        format!("{:.1} µs", ns / 1e3)
    } else if ns < 1e9 {
        format!("{:.2} ms", ns / 1e6)
    } else {
        format!("{:.2} s", ns / 1e9)
    }
}

/// `median 12.3 µs (p10 11.0 µs, p90 15.2 µs, n = 2000)`.
pub fn describe(summary: &Summary) -> String {
    format!(
        "median {} (p10 {}, p90 {}, n = {})",
        human(summary.median),
        human(summary.p10),
        human(summary.p90),
        summary.count
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_percentiles_ignore_order() {
        let samples = (1..=11).rev().map(Duration::from_micros).collect();
        let s = Summary::of(samples).unwrap();
        assert_eq!(s.median, Duration::from_micros(6));
        assert_eq!(s.p10, Duration::from_micros(2));
        assert_eq!(s.p90, Duration::from_micros(10));
        assert!(Summary::of(Vec::new()).is_none());
    }

    #[test]
    fn human_picks_the_unit() {
        assert_eq!(human(Duration::from_nanos(12_340)), "12.3 µs");
        assert_eq!(human(Duration::from_micros(4_560)), "4.56 ms");
        assert_eq!(human(Duration::from_millis(1_230)), "1.23 s");
    }
}
