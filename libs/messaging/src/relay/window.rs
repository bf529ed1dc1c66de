//! [`ClaimWindow`]: where a relay's claims start in the outbox's `(created_at, id)` index.

use std::time::{Duration, Instant};

use time::OffsetDateTime;

/// How far behind the newest claimed row a claim starts: rows of transactions that committed
/// up to this long after they began (`created_at` is the transaction's start) are still
/// found by the ordinary claim. Short, because every claim steps over the dead entries of
/// this span (at 3,000 events/s, 250 ms is ≈ 750 of them); the writers' transactions take
/// milliseconds, and a longer one's rows wait for the next sweep at most.
const LATE_COMMIT_LAG: Duration = Duration::from_millis(250);

/// How often a claim starts from the oldest row instead, for rows that committed later than
/// [`LATE_COMMIT_LAG`] (long transactions) and anything another relay skipped.
const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Why claims do not always start at the oldest row: every claimed row is deleted, and until
/// VACUUM removes them their index entries stay at the low end of `outbox_created_at_idx`.
/// A claim from the oldest row steps over all of them, which under load (thousands of
/// events per second, one autovacuum pass per minute at best) grows to tens of thousands of
/// entries and milliseconds per claim. Starting just below the newest claimed row skips
/// them; a periodic sweep from the oldest row keeps anything behind the window from being
/// stranded.
#[derive(Debug)]
pub(super) struct ClaimWindow {
    newest_claimed: Option<OffsetDateTime>,
    last_sweep: Option<Instant>,
}

impl ClaimWindow {
    pub(super) fn new() -> Self {
        Self {
            newest_claimed: None,
            last_sweep: None,
        }
    }

    /// The lower bound of the next claim's `created_at`, or `None` to sweep from the oldest.
    pub(super) fn next_lower_bound(&mut self) -> Option<OffsetDateTime> {
        let sweep_due = self.last_sweep.is_none_or(|at| at.elapsed() >= SWEEP_EVERY);
        match self.newest_claimed {
            Some(newest) if !sweep_due => Some(newest - LATE_COMMIT_LAG),
            _ => {
                self.last_sweep = Some(Instant::now());
                None
            }
        }
    }

    /// Records the newest `created_at` of a claimed batch.
    pub(super) fn claimed(&mut self, newest: OffsetDateTime) {
        self.newest_claimed = Some(self.newest_claimed.map_or(newest, |n| n.max(newest)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_claim_sweeps_and_later_ones_start_below_the_newest_claimed_row() {
        let mut window = ClaimWindow::new();
        assert_eq!(window.next_lower_bound(), None);
        let t = OffsetDateTime::now_utc();
        window.claimed(t);
        window.claimed(t - Duration::from_secs(60));
        assert_eq!(window.next_lower_bound(), Some(t - LATE_COMMIT_LAG));
    }

    #[test]
    fn a_sweep_comes_again_once_the_sweep_interval_has_passed() {
        let mut window = ClaimWindow::new();
        assert_eq!(window.next_lower_bound(), None);
        window.claimed(OffsetDateTime::now_utc());
        window.last_sweep = Instant::now().checked_sub(SWEEP_EVERY);
        assert_eq!(window.next_lower_bound(), None);
        assert!(window.next_lower_bound().is_some());
    }
}
