//! `smtp-sink`: a small SMTP server for local development and tests. It accepts every message
//! (no relaying, nothing is ever sent on), keeps it in memory, optionally writes it to a
//! directory as an `.eml` file, and lets tests wait for a message to a recipient.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use std::time::Duration;
//! let sink = smtp_sink::SmtpSink::start("127.0.0.1:0")?; // must run inside a Tokio runtime
//! // … point the code under test at sink.addr() (no TLS; any AUTH PLAIN/LOGIN credentials work) …
//! let mail = sink
//!     .wait_for_message_to("admin@customer.example", Duration::from_secs(10))
//!     .await
//!     .expect("setup email");
//! assert!(mail.text_body().unwrap_or_default().contains("https://"));
//! # Ok(()) }
//! ```
//!
//! Protocol: greeting, EHLO/HELO (advertising PIPELINING, 8BITMIME, SMTPUTF8, SIZE,
//! ENHANCEDSTATUSCODES, AUTH PLAIN LOGIN), MAIL FROM (SIZE, BODY, SMTPUTF8, AUTH parameters),
//! RCPT TO, DATA with dot-unstuffing and a size limit, RSET, NOOP, VRFY, HELP, QUIT; RFC 5321
//! reply codes with RFC 3463 enhanced status codes. No STARTTLS.

mod http;
mod mail;
mod mime;
mod session;
mod store;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinSet};

pub use mail::ReceivedMail;
use store::Store;

/// Settings of a sink; [`SinkConfig::default`] suits tests.
#[derive(Debug, Clone)]
pub struct SinkConfig {
    /// Name used in the greeting and EHLO reply.
    pub hostname: String,
    /// Largest message accepted (advertised with SIZE); bigger ones get `552 5.3.4`.
    pub max_message_bytes: usize,
    /// Recipients per transaction; more get `452 4.5.3`.
    pub max_recipients: usize,
    /// Idle time allowed between commands before `421 4.4.2` and disconnect.
    pub command_timeout: Duration,
    /// When set, every accepted message is also written there as `<timestamp>-<id>.eml`.
    pub mail_dir: Option<PathBuf>,
}

impl Default for SinkConfig {
    fn default() -> Self {
        SinkConfig {
            hostname: "smtp-sink.localhost".to_string(),
            max_message_bytes: 10 * 1024 * 1024,
            max_recipients: 100,
            command_timeout: Duration::from_secs(300),
            mail_dir: None,
        }
    }
}

/// Entry point: `SmtpSink::start("127.0.0.1:0")` or `SmtpSink::start_with(addr, config)`.
pub struct SmtpSink;

impl SmtpSink {
    /// Binds `addr` (use port 0 in tests) and serves SMTP in the background with
    /// [`SinkConfig::default`]. Must be called inside a Tokio runtime. The server stops when the
    /// returned handle is dropped.
    pub fn start(addr: &str) -> io::Result<SmtpSinkHandle> {
        Self::start_with(addr, SinkConfig::default())
    }

    /// Like [`SmtpSink::start`] with explicit settings.
    pub fn start_with(addr: &str, config: SinkConfig) -> io::Result<SmtpSinkHandle> {
        let listener = bind(addr)?;
        let local = listener.local_addr()?;
        let store = Arc::new(Store::new(config));
        let accept = tokio::spawn(accept_loop(listener, store.clone()));
        tracing::debug!(addr = %local, "smtp-sink listening");
        Ok(SmtpSinkHandle {
            addr: local,
            store,
            tasks: Mutex::new(vec![accept.abort_handle()]),
        })
    }
}

/// A running sink. Dropping it stops the listener(s) and every open session.
pub struct SmtpSinkHandle {
    addr: SocketAddr,
    store: Arc<Store>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl SmtpSinkHandle {
    /// The bound SMTP address (the real port when started on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every message received so far, oldest first.
    pub fn messages(&self) -> Vec<ReceivedMail> {
        self.store.all()
    }

    /// The messages whose envelope recipients include `rcpt` (case-insensitive), oldest first.
    pub fn messages_to(&self, rcpt: &str) -> Vec<ReceivedMail> {
        self.store.find(|m| m.is_addressed_to(rcpt))
    }

    /// The oldest message to `rcpt`, waiting up to `timeout` for one to arrive. Returns at once
    /// when one is already there. Waits on a notification, not by polling.
    pub async fn wait_for_message_to(&self, rcpt: &str, timeout: Duration) -> Option<ReceivedMail> {
        self.wait_for_messages_to(rcpt, 1, timeout)
            .await
            .into_iter()
            .next()
    }

    /// Waits until at least `count` messages to `rcpt` have arrived (e.g. `2` after a setup
    /// link was regenerated) and returns them all, oldest first. On timeout returns the ones
    /// that did arrive (possibly fewer than `count`).
    pub async fn wait_for_messages_to(
        &self,
        rcpt: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<ReceivedMail> {
        let found = self.wait_until(timeout, |all| {
            let to: Vec<ReceivedMail> = all
                .iter()
                .filter(|m| m.is_addressed_to(rcpt))
                .cloned()
                .collect();
            (to.len() >= count).then_some(to)
        });
        match found.await {
            Some(to) => to,
            None => self.messages_to(rcpt),
        }
    }

    /// The first message (oldest first) for which `pred` holds, waiting up to `timeout`.
    pub async fn wait_for_message(
        &self,
        timeout: Duration,
        pred: impl Fn(&ReceivedMail) -> bool,
    ) -> Option<ReceivedMail> {
        self.wait_until(timeout, |all| all.iter().find(|m| pred(m)).cloned())
            .await
    }

    async fn wait_until<T>(
        &self,
        timeout: Duration,
        check: impl Fn(&[ReceivedMail]) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register interest before looking, so a delivery between the look and the wait
            // still wakes us (Notify::notify_waiters only wakes registered waiters).
            let notified = self.store.notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = check(&self.store.all()) {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return check(&self.store.all());
            }
        }
    }

    /// Forgets every message received so far (files already written stay).
    pub fn clear(&self) {
        self.store.clear();
    }

    /// While on, every `RCPT TO` is answered `451 4.3.0` (a temporary failure), for testing a
    /// sender's retry path.
    pub fn set_temporary_failure(&self, on: bool) {
        self.store.temporary_failure.store(on, Ordering::Relaxed);
    }

    /// Serves the read API over HTTP on `addr` (the one the `smtp-sink` binary serves):
    /// `GET /messages[?to=addr]`, `GET /messages/{id|latest}` (raw), `GET /messages/{id|latest}/text`,
    /// `DELETE /messages`, `GET /healthz`. Returns the bound address; stops with the handle.
    pub fn serve_http(&self, addr: &str) -> io::Result<SocketAddr> {
        let listener = bind(addr)?;
        let local = listener.local_addr()?;
        let task = tokio::spawn(http::serve(listener, self.store.clone()));
        self.tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(task.abort_handle());
        Ok(local)
    }
}

impl Drop for SmtpSinkHandle {
    fn drop(&mut self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            task.abort();
        }
    }
}

impl std::fmt::Debug for SmtpSinkHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSinkHandle")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

fn bind(addr: &str) -> io::Result<TcpListener> {
    let std_listener = std::net::TcpListener::bind(addr)?;
    std_listener.set_nonblocking(true)?;
    TcpListener::from_std(std_listener)
}

async fn accept_loop(listener: TcpListener, store: Arc<Store>) {
    // Sessions live in this JoinSet: aborting this task (handle dropped) aborts them all.
    let mut sessions = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    sessions.spawn(session::run(stream, peer, store.clone()));
                }
                Err(e) => {
                    // e.g. EMFILE: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "smtp accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
        }
    }
}
