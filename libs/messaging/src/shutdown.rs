//! [`Shutdown`]: the stop signal for the long-running loops.

use tokio::sync::watch;

/// A shutdown signal: the loops stop once the watched value is `true` (or its sender is
/// dropped). Create with `let (tx, rx) = tokio::sync::watch::channel(false);`, pass `rx`
/// (anything taking `impl Into<Shutdown>` accepts it), and `tx.send(true)` to stop.
#[derive(Clone, Debug)]
pub struct Shutdown(Option<watch::Receiver<bool>>);

impl Shutdown {
    /// A signal that never fires (for tools that run until the process ends).
    pub fn never() -> Self {
        Self(None)
    }

    /// True once shutdown was requested.
    pub fn is_requested(&self) -> bool {
        self.0
            .as_ref()
            .is_some_and(|rx| *rx.borrow() || rx.has_changed().is_err())
    }

    /// Resolves when shutdown is requested (immediately if it already was).
    pub async fn requested(&mut self) {
        match self.0.as_mut() {
            // `wait_for` errs only when the sender is gone, which also means stop.
            Some(rx) => {
                let _ = rx.wait_for(|stop| *stop).await;
            }
            None => std::future::pending().await,
        }
    }
}

impl From<watch::Receiver<bool>> for Shutdown {
    fn from(rx: watch::Receiver<bool>) -> Self {
        Self(Some(rx))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn fires_on_true_and_on_a_dropped_sender() {
        let (tx, rx) = watch::channel(false);
        let mut s = Shutdown::from(rx);
        assert!(!s.is_requested());
        tx.send(true).expect("receiver alive");
        assert!(s.is_requested());
        s.requested().await;

        let (tx, rx) = watch::channel(false);
        let mut s = Shutdown::from(rx);
        drop(tx);
        assert!(s.is_requested());
        s.requested().await;
    }

    #[tokio::test]
    async fn never_never_fires() {
        let mut s = Shutdown::never();
        assert!(!s.is_requested());
        let waited = tokio::time::timeout(Duration::from_millis(20), s.requested()).await;
        assert!(waited.is_err());
    }
}
