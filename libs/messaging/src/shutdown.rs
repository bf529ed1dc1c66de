//! [`Shutdown`]: the stop signal for the long-running loops.

use tokio::sync::watch;

/// A shutdown signal: the loops stop once the watched value is `true` (or the sender is
/// dropped). Create with `let (tx, rx) = tokio::sync::watch::channel(false);`, pass
/// `rx` (or `Shutdown::from(rx)`), and `tx.send(true)` to stop.
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Receiver<bool>);

impl Shutdown {
    /// A signal that never fires (for tools and tests that run until dropped).
    pub fn never() -> Self {
        let (tx, rx) = watch::channel(false);
        // Keep the sender alive forever so the receiver never reports closure.
        std::mem::forget(tx);
        Self(rx)
    }

    /// True once shutdown was requested.
    pub fn is_requested(&self) -> bool {
        *self.0.borrow() || self.0.has_changed().is_err()
    }

    /// Resolves when shutdown is requested (immediately if it already was).
    pub async fn requested(&mut self) {
        // `wait_for` errs only when the sender is gone, which also means stop.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

impl From<watch::Receiver<bool>> for Shutdown {
    fn from(rx: watch::Receiver<bool>) -> Self {
        Self(rx)
    }
}
