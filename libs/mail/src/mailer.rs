//! [`Mailer`]: the pooled SMTP transport and its errors.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use pa_config::ExposeSecret;
use pa_domain::EmailAddress;

use crate::{SmtpSettings, SmtpTls};

/// A rendered message: subject, plain-text and HTML bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    /// The SMTP settings are unusable (bad `from`, unknown TLS host, …).
    #[error("invalid SMTP settings: {0}")]
    Config(String),
    /// The recipient is not an address lettre accepts.
    #[error("recipient address is not deliverable")]
    Recipient(#[source] lettre::address::AddressError),
    /// Building the MIME message failed.
    #[error("building the e-mail failed")]
    Build(#[source] lettre::error::Error),
    /// The SMTP server could not be reached or refused the message.
    #[error("SMTP delivery failed")]
    Delivery(#[source] lettre::transport::smtp::Error),
}

impl EmailError {
    /// True when retrying cannot help (a 5xx answer, a bad recipient, a bad message).
    pub fn is_permanent(&self) -> bool {
        match self {
            Self::Delivery(e) => e.is_permanent(),
            Self::Config(_) => false,
            Self::Recipient(_) | Self::Build(_) => true,
        }
    }
}

/// The outgoing mail connection pool and sender address. Cheap to clone.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Builds the transport (no connection is opened until the first message).
    pub fn new(s: &SmtpSettings) -> Result<Self, EmailError> {
        let config = |e: &dyn std::fmt::Display| EmailError::Config(e.to_string());
        let from: Mailbox = s.from.parse().map_err(|e| config(&e))?;
        let mut builder = match s.tls {
            SmtpTls::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)
                .map_err(|e| config(&e))?,
            SmtpTls::Tls => {
                AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host).map_err(|e| config(&e))?
            }
        };
        builder = builder
            .port(s.port)
            .timeout(Some(Duration::from_secs(s.timeout_secs.max(1))))
            .pool_config(PoolConfig::new().max_size(s.pool_size.max(1)));
        if let (Some(user), Some(password)) = (&s.username, &s.password) {
            builder = builder.credentials(Credentials::new(
                user.clone(),
                password.expose_secret().to_owned(),
            ));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends a multipart/alternative (plain text + HTML) message to `to`.
    #[tracing::instrument(name = "email.send", skip_all)]
    pub async fn send(&self, to: &EmailAddress, mail: Rendered) -> Result<(), EmailError> {
        self.send_message(to, mail, None).await
    }

    /// Sends like [`Mailer::send`] with a stable `Message-ID`, `<{key}@{the sender's domain}>`
    /// (`key`: letters, digits, `.` and `-`, e.g. `setup-link.{uuid}`). A consumer that hands a
    /// message to SMTP and then records that in its transaction sends it again when it crashes
    /// in between (at least once); the copy carries the same id, by which mail systems
    /// recognise it as the same message.
    #[tracing::instrument(name = "email.send", skip_all)]
    pub async fn send_identified(
        &self,
        to: &EmailAddress,
        mail: Rendered,
        key: &str,
    ) -> Result<(), EmailError> {
        debug_assert!(
            key.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'),
            "a Message-ID key is letters, digits, '.' and '-'"
        );
        let id = format!("<{key}@{}>", self.from.email.domain());
        self.send_message(to, mail, Some(id)).await
    }

    async fn send_message(
        &self,
        to: &EmailAddress,
        mail: Rendered,
        message_id: Option<String>,
    ) -> Result<(), EmailError> {
        let address = deliverable(to).map_err(EmailError::Recipient)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, address))
            .subject(mail.subject)
            .message_id(message_id)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(EmailError::Build)?;
        self.transport
            .send(message)
            .await
            .map_err(EmailError::Delivery)?;
        Ok(())
    }
}

/// The address as lettre's SMTP envelope type, which is stricter than
/// `EmailAddress::parse`: a request edge that accepts an address calls this too, so an
/// address we accept is one we can send to.
pub fn deliverable(to: &EmailAddress) -> Result<Address, lettre::address::AddressError> {
    to.as_str().parse()
}
