//! Idle waiting for the relay: an [`OutboxSignal`] as the hint, the poll interval as the rule.

use std::time::Duration;

use crate::{OutboxSignal, Shutdown};

/// After a signal, how long to let further commits land before claiming: under load every
/// commit signals, and claiming per signal would publish batches of one.
const COALESCE: Duration = Duration::from_millis(5);

/// Waits for a signal, the poll interval or shutdown, whichever comes first.
pub(super) async fn wait(signal: &OutboxSignal, poll: Duration, shutdown: &mut Shutdown) {
    tokio::select! {
        () = signal.notified() => tokio::time::sleep(COALESCE).await,
        () = tokio::time::sleep(poll) => {}
        () = shutdown.requested() => {}
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    const POLL: Duration = Duration::from_secs(60);

    #[tokio::test]
    async fn a_signal_ends_the_wait_long_before_the_poll_interval() {
        let signal = OutboxSignal::new();
        let waker = signal.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            waker.committed();
        });
        let started = Instant::now();
        let waited = tokio::time::timeout(
            Duration::from_secs(5),
            wait(&signal, POLL, &mut Shutdown::never()),
        )
        .await;
        assert!(waited.is_ok(), "the signal did not wake the relay");
        assert!(started.elapsed() >= COALESCE);
    }

    #[tokio::test]
    async fn without_a_signal_the_relay_sleeps_until_the_poll() {
        let signal = OutboxSignal::new();
        let poll = Duration::from_millis(80);
        let started = Instant::now();
        wait(&signal, poll, &mut Shutdown::never()).await;
        assert!(started.elapsed() >= poll);
    }

    #[tokio::test]
    async fn shutdown_ends_the_wait() {
        let (stop, rx) = tokio::sync::watch::channel(false);
        stop.send(true).expect("receiver alive");
        let waited = tokio::time::timeout(
            Duration::from_secs(5),
            wait(&OutboxSignal::new(), POLL, &mut Shutdown::from(rx)),
        )
        .await;
        assert!(waited.is_ok());
    }
}
