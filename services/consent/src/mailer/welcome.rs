//! The consumer of `setup.completed` on `pa.consent.admin-welcome-mailer`: mails the console
//! URL `{console.base_url}/?tenant={tenant_id}` to the initial administrator when they have a
//! mail address, and records `consent_wizards.admin_mail_sent_at` (first send) in the
//! transaction that marks the message processed: a redelivery after that commit sends
//! nothing (a crash between the SMTP hand-off and the commit sends it again: at least once,
//! with the same `Message-ID`, `admin-welcome.{event id}`, by which mail systems recognise it).
//!
//! SMTP trouble: transient failures are retried in place with backoff for
//! `smtp.retry_window_secs`, then the message goes back to the queue (dead-lettered after the
//! queue's delivery limit); a permanent refusal (5xx, undeliverable address) is dead-lettered
//! at once. Batch 1: the mail is outside the transaction.

use std::time::Duration;

use pa_audit::{Actor, AuditEntry};
use pa_domain::EmailAddress;
use pa_events::SetupCompleted;
use pa_mail::Mailer;
use pa_messaging::{Envelope, Event, Handler, HandlerError};
use sqlx::PgConnection;

use super::WelcomeEmail;
use crate::config::ConsoleSettings;
use crate::repo::{tenants, wizards};

/// The consumer's name in `pa.<service>.<consumer>`.
pub const CONSUMER: &str = "admin-welcome-mailer";
/// The routing key it subscribes to.
pub const ROUTING_KEY: &str = SetupCompleted::TYPE;

const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What the mailer needs (built once at startup).
pub struct WelcomeMailer {
    pub mailer: Mailer,
    pub console: ConsoleSettings,
    pub retry_window: Duration,
}

#[pa_messaging::async_trait]
impl Handler for WelcomeMailer {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let done: SetupCompleted = envelope.data_as()?;
        let tenant = done.tenant_id;
        let Some(mail) = done.initial_admin.mail.as_deref() else {
            tracing::info!(tenant_id = %tenant, "the initial administrator has no mail address; no welcome mail");
            return Ok(());
        };
        let Ok(to) = EmailAddress::parse(mail) else {
            tracing::warn!(tenant_id = %tenant, "the initial administrator's mail address is not deliverable; no welcome mail");
            return Ok(());
        };
        // One `setup.completed` per tenant: `processed_messages` is the deduplication
        // (`admin_mail_sent_at` records the first send, like the setup link's `email_sent_at`).
        if wizards::find(conn, tenant).await?.is_none() {
            tracing::info!(tenant_id = %tenant, "no wizard (tenant purged?); no welcome mail");
            return Ok(());
        }
        let tenant_name = tenants::find(conn, tenant)
            .await?
            .map(|t| t.display_name)
            .unwrap_or_else(|| "your organisation".to_owned());
        let url = self.console.url_for(tenant);
        let rendered = WelcomeEmail {
            admin_name: &done.initial_admin.display_name,
            tenant_name: &tenant_name,
            console_url: &url,
        }
        .render();
        self.send(&to, rendered, &format!("admin-welcome.{}", envelope.id))
            .await?;
        let now = time::OffsetDateTime::now_utc();
        wizards::mark_admin_mail_sent(conn, tenant, now).await?;
        let entry = AuditEntry::new(
            Actor::System {
                component: "consent.admin-welcome-mailer",
            },
            "admin.welcome_mailed",
        )
        .target("user", done.initial_admin.object_id);
        pa_audit::record_tenant(conn, tenant, &entry)
            .await
            .map_err(HandlerError::retry)?;
        tracing::info!(tenant_id = %tenant, "welcome mail sent to the initial administrator");
        Ok(())
    }
}

impl WelcomeMailer {
    /// Sends (with the `Message-ID` `key`, the same for every attempt), retrying transient SMTP
    /// failures in place for the retry window.
    async fn send(
        &self,
        to: &EmailAddress,
        mail: pa_mail::Rendered,
        key: &str,
    ) -> Result<(), HandlerError> {
        let give_up_at = tokio::time::Instant::now() + self.retry_window;
        let mut backoff = FIRST_BACKOFF;
        loop {
            match self.mailer.send_identified(to, mail.clone(), key).await {
                Ok(()) => return Ok(()),
                Err(e) if e.is_permanent() => {
                    tracing::error!(error = %crate::error::error_chain(&e), "welcome mail refused permanently; dead-lettering");
                    return Err(HandlerError::reject(e));
                }
                Err(e) => {
                    if tokio::time::Instant::now() + backoff > give_up_at {
                        tracing::error!(error = %crate::error::error_chain(&e), "welcome mail not sent within the retry window; returning it to the queue");
                        return Err(HandlerError::retry(e));
                    }
                    tracing::warn!(error = %crate::error::error_chain(&e), "sending the welcome mail failed; retrying");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }
}
