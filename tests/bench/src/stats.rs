//! Latency percentiles over recorded samples (nearest-rank), and rates.

use std::time::Duration;

/// Percentiles of a set of latencies, in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Latencies {
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl Latencies {
    pub fn from_samples(mut samples: Vec<Duration>) -> Self {
        if samples.is_empty() {
            return Self {
                p50_ms: f64::NAN,
                p95_ms: f64::NAN,
                p99_ms: f64::NAN,
                ..Self::default()
            };
        }
        samples.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let total: Duration = samples.iter().sum();
        Self {
            count: samples.len(),
            p50_ms: ms(nearest_rank(&samples, 50.0)),
            p95_ms: ms(nearest_rank(&samples, 95.0)),
            p99_ms: ms(nearest_rank(&samples, 99.0)),
            max_ms: ms(samples[samples.len() - 1]),
            mean_ms: ms(total) / samples.len() as f64,
        }
    }
}

/// The smallest sample with at least `pct` percent of the samples at or below it.
fn nearest_rank(sorted: &[Duration], pct: f64) -> Duration {
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The latencies of the operations that started in one slice of a measured window.
#[derive(Debug, Clone, Copy)]
pub struct Slice {
    /// Offset of the slice's start from the window's start.
    pub from: Duration,
    pub latencies: Latencies,
}

/// `samples` (start offset, latency) cut into consecutive slices of `width`.
pub fn timeline(samples: &[(Duration, Duration)], width: Duration) -> Vec<Slice> {
    let Some(last) = samples.iter().map(|(at, _)| *at).max() else {
        return Vec::new();
    };
    let slices = (last.as_nanos() / width.as_nanos()) as usize + 1;
    let mut buckets = vec![Vec::new(); slices];
    for (at, latency) in samples {
        buckets[(at.as_nanos() / width.as_nanos()) as usize].push(*latency);
    }
    buckets
        .into_iter()
        .enumerate()
        .map(|(i, b)| Slice {
            from: width * i as u32,
            latencies: Latencies::from_samples(b),
        })
        .collect()
}

/// Events (or requests) per second over an interval.
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 {
        count as f64 / secs
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let samples = (1..=100).map(Duration::from_millis).collect();
        let l = Latencies::from_samples(samples);
        assert_eq!(l.count, 100);
        assert!((l.p50_ms - 50.0).abs() < 1e-9);
        assert!((l.p99_ms - 99.0).abs() < 1e-9);
        assert!((l.max_ms - 100.0).abs() < 1e-9);
    }

    #[test]
    fn the_timeline_buckets_by_start() {
        let ms = Duration::from_millis;
        let samples = [(ms(100), ms(5)), (ms(900), ms(7)), (ms(2_500), ms(40))];
        let t = timeline(&samples, Duration::from_secs(1));
        assert_eq!(t.len(), 3);
        assert_eq!(t[0].latencies.count, 2);
        assert!((t[0].latencies.max_ms - 7.0).abs() < 1e-9);
        assert_eq!(t[1].latencies.count, 0);
        assert_eq!(t[2].from, Duration::from_secs(2));
        assert!((t[2].latencies.max_ms - 40.0).abs() < 1e-9);
    }

    #[test]
    fn no_samples_give_no_percentiles() {
        assert!(Latencies::from_samples(Vec::new()).p99_ms.is_nan());
    }
}
