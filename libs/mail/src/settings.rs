//! The `[smtp]` configuration section.

use pa_config::SecretString;
use serde::Deserialize;

/// How the SMTP connection is secured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// Plain text (local SMTP sink only).
    #[default]
    None,
    /// Upgrade with STARTTLS (required; typically port 587).
    Starttls,
    /// TLS from the first byte (SMTPS, typically port 465).
    Tls,
}

/// The outgoing mail server (`[smtp]`; env `{prefix}SMTP__HOST`, …).
#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub tls: SmtpTls,
    /// The `From` mailbox, e.g. `Patient Access <no-reply@patient-access.dev>`.
    pub from: String,
    /// Connect + send timeout of one delivery attempt (seconds).
    pub timeout_secs: u64,
    /// Pooled SMTP connections (lettre's pool; default 20).
    pub pool_size: u32,
    /// How long a mailer keeps retrying a failing SMTP server in place before handing the
    /// message back to the broker for redelivery (seconds; default 30).
    pub retry_window_secs: u64,
}

impl Default for SmtpSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".to_owned(),
            port: 2525,
            username: None,
            password: None,
            tls: SmtpTls::None,
            from: "Patient Access <no-reply@patient-access.local>".to_owned(),
            timeout_secs: 10,
            pool_size: 20,
            retry_window_secs: 30,
        }
    }
}
