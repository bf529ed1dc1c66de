//! smtp-sink integration tests: lettre as the client, plus raw SMTP and HTTP conversations.

mod http_api;
mod lettre_client;
mod protocol;

use std::sync::Once;

use lettre::{AsyncSmtpTransport, Tokio1Executor};
use smtp_sink::SmtpSinkHandle;

pub fn init() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A plain-SMTP (no TLS) lettre transport pointed at the sink.
pub fn transport(sink: &SmtpSinkHandle) -> AsyncSmtpTransport<Tokio1Executor> {
    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(sink.addr().ip().to_string())
        .port(sink.addr().port())
        .build()
}
