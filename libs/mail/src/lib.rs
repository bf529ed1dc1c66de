//! Outgoing e-mail: the `[smtp]` settings ([`SmtpSettings`], [`SmtpTls`]), a pooled async
//! SMTP [`Mailer`] (lettre on tokio) that sends multipart plain-text + HTML messages
//! ([`Rendered`]), and [`EmailError`] telling transient from permanent failures.
//!
//! Services never send mail inside a request: they commit an event and a consumer of it
//! sends (tenant-provisioning's setup-link mailer, consent's admin-welcome mailer), retrying
//! transient failures ([`EmailError::is_permanent`] is false) and dead-lettering permanent
//! ones. Message bodies may hold secrets (a setup link): nothing here logs them.
//!
//! ```no_run
//! # async fn send(settings: &pa_mail::SmtpSettings) -> Result<(), pa_mail::EmailError> {
//! let mailer = pa_mail::Mailer::new(settings)?; // no connection until the first send
//! let to = pa_domain::EmailAddress::parse("it@customer.example").expect("address");
//! let mail = pa_mail::Rendered {
//!     subject: "Hello".into(),
//!     text: "plain".into(),
//!     html: "<p>html</p>".into(),
//! };
//! mailer.send(&to, mail).await
//! # }
//! ```

mod html;
mod mailer;
mod settings;

pub use html::escape_html;
pub use mailer::{EmailError, Mailer, Rendered, deliverable};
pub use settings::{SmtpSettings, SmtpTls};
