//! A closed-loop load generator: `workers` tasks each issue one operation after another;
//! operations that finish during the warm-up are discarded, the rest are timed.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::stats::{Latencies, Slice, per_second, timeline};

/// What one closed-loop run measured.
#[derive(Debug, Clone)]
pub struct LoadOutcome {
    pub latencies: Latencies,
    /// Completed operations per second in the measured window.
    pub per_second: f64,
    /// Failed operations in the measured window.
    pub errors: u64,
    pub measured: Duration,
    /// The window in one-second slices, by when the operations started: shows stalls
    /// (a checkpoint, a vacuum) that a whole-window percentile hides.
    pub timeline: Vec<Slice>,
}

/// Runs `op(worker, seq)` from `workers` concurrent tasks for `warmup + duration`.
/// Operations started before the measured window ends are allowed to finish; only those that
/// started inside the window count. The first error message is returned for the report.
pub async fn closed_loop<F, Fut>(
    workers: usize,
    warmup: Duration,
    duration: Duration,
    op: F,
) -> (LoadOutcome, Option<String>)
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let op = Arc::new(op);
    let start = Instant::now();
    let window_start = start + warmup;
    let window_end = window_start + duration;
    let mut tasks = Vec::with_capacity(workers);
    for worker in 0..workers {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let (mut errors, mut first_error, mut seq) = (0u64, None, 0u64);
            loop {
                let began = Instant::now();
                if began >= window_end {
                    break;
                }
                let result = op(worker, seq).await;
                seq += 1;
                if began < window_start {
                    continue;
                }
                match result {
                    Ok(()) => samples.push((began - window_start, began.elapsed())),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            (samples, errors, first_error)
        }));
    }
    let mut all = Vec::new();
    let (mut errors, mut first_error) = (0u64, None);
    for task in tasks {
        if let Ok((samples, e, first)) = task.await {
            all.extend(samples);
            errors += e;
            first_error = first_error.or(first);
        }
    }
    let completed = all.len() as u64;
    let timeline = timeline(&all, Duration::from_secs(1));
    let outcome = LoadOutcome {
        latencies: Latencies::from_samples(all.into_iter().map(|(_, d)| d).collect()),
        timeline,
        per_second: per_second(completed, duration),
        errors,
        measured: duration,
    };
    (outcome, first_error)
}
