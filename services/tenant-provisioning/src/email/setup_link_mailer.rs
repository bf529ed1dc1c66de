//! The setup-link mailer: sends the setup e-mail after the link's transaction committed.
//!
//! An idempotent consumer (pa-messaging `run_consumer`) of `tenant.setup_link_issued` on
//! the queue `pa.tenant-provisioning.setup-link-mailer`, started by
//! [`Application::build`](crate::startup::Application::build) next to the outbox relay.
//! For each event, inside the consumer's transaction (tenant RLS context already set):
//!
//! 1. in a savepoint, share-lock the tenant and lock the link row, and skip (log, ack) a
//!    link that is no longer worth mailing: unknown (purged), revoked/regenerated/used/
//!    expired, or its tenant is not `pending_setup`/`active`;
//! 2. derive the token from the link id with the HMAC key
//!    ([`SetupToken::derive`](crate::domain::SetupToken::derive)) — it was never stored —
//!    render the mail and send it to the address recorded on the link (`sent_to`);
//! 3. set `setup_links.email_sent_at` (first send wins) in the same transaction that
//!    records the message as processed, so a redelivery does not send it again. (There is
//!    one event per link; `processed_messages` is the deduplication, not `email_sent_at`.)
//!
//! The locks of step 1 make "regenerate/revoke" and "send" happen one after the other: a
//! link revoked before its mail went out is skipped, never mailed with its old token.
//! They are held for one SMTP attempt only (bounded by `smtp.timeout_secs`).
//!
//! SMTP trouble: a transient failure is retried in place with exponential backoff (the
//! savepoint is rolled back between attempts, releasing the locks) for up to
//! `smtp.retry_window_secs`; then the handler returns `HandlerError::Retry`, the message
//! goes back to the queue and, after `x-delivery-limit` deliveries, to the dead-letter
//! queue (logged at ERROR each time). A permanent failure (5xx, undeliverable address) is
//! rejected to the dead-letter queue at once. An operator resends by regenerating the
//! link.
//!
//! A crash between the SMTP hand-off and the commit sends the mail again on redelivery
//! (at-least-once, like any SMTP client); both copies carry the same token.

use std::time::Duration;

use ipnet::IpNet;
use pa_domain::{EmailAddress, TenantId};
use pa_messaging::{Envelope, Event, Handler, HandlerError};
use serde::Deserialize;
use sqlx::{Connection, PgConnection};
use tracing::Instrument;
use url::Url;
use uuid::Uuid;

use super::{EmailError, Mailer, SetupEmail};
use crate::domain::{SetupToken, SetupTokenKey};
use crate::events::SetupLinkIssued;
use crate::repo::{setup_links, tenants};

/// The consumer's name in `pa.<service>.<consumer>`.
pub const CONSUMER: &str = "setup-link-mailer";
/// The routing key it subscribes to.
pub const ROUTING_KEY: &str = SetupLinkIssued::TYPE;

/// First and largest pause between in-place SMTP retries.
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The setup link for `token`: `{wizard_base_url}/setup#token=<token>`. The token sits in
/// the fragment, which browsers never send to servers or in `Referer`.
pub fn setup_link_url(wizard_base_url: &Url, token: &SetupToken) -> String {
    let base = wizard_base_url.as_str().trim_end_matches('/');
    format!("{base}/setup#token={}", token.expose())
}

/// What the mailer needs (built once at startup).
pub struct SetupLinkMailer {
    pub mailer: Mailer,
    pub key: SetupTokenKey,
    pub wizard_base_url: Url,
    pub egress_cidrs: Vec<IpNet>,
    /// Absolute URL of `GET /v1/egress-ips`.
    pub egress_manifest_url: String,
    /// How long SMTP failures are retried in place before the message is handed back.
    pub retry_window: Duration,
}

/// The part of the `tenant.setup_link_issued` payload the mailer reads.
#[derive(Debug, Deserialize)]
struct Issued {
    tenant_id: TenantId,
    link_id: Uuid,
}

/// What one attempt did.
enum Attempt {
    Sent,
    Skipped(&'static str),
}

/// Why one attempt failed.
enum AttemptError {
    Db(pa_db::DbError),
    Smtp(EmailError),
    /// The link's stored address is unusable: retrying cannot help.
    BadRecipient,
}

impl From<pa_db::DbError> for AttemptError {
    fn from(e: pa_db::DbError) -> Self {
        Self::Db(e)
    }
}

#[pa_messaging::async_trait]
impl Handler for SetupLinkMailer {
    async fn handle(
        &self,
        conn: &mut PgConnection,
        envelope: &Envelope,
    ) -> Result<(), HandlerError> {
        let issued: Issued = serde_json::from_value(envelope.data.clone())?;
        let span = tracing::info_span!(
            "setup_link.mail",
            tenant_id = %issued.tenant_id,
            link_id = %issued.link_id
        );
        self.deliver(conn, &issued).instrument(span).await
    }
}

impl SetupLinkMailer {
    /// Attempts until sent, skipped, out of retry window or permanently failed.
    async fn deliver(&self, conn: &mut PgConnection, issued: &Issued) -> Result<(), HandlerError> {
        let give_up_at = tokio::time::Instant::now() + self.retry_window;
        let mut backoff = FIRST_BACKOFF;
        let mut attempts = 0u32;
        loop {
            attempts += 1;
            // A savepoint: rolling it back releases the row locks between attempts.
            let mut savepoint = conn.begin().await.map_err(pa_db::DbError::from)?;
            match self.attempt(&mut savepoint, issued).await {
                Ok(Attempt::Sent) => {
                    savepoint.commit().await.map_err(pa_db::DbError::from)?;
                    tracing::info!(
                        tenant_id = %issued.tenant_id,
                        link_id = %issued.link_id,
                        attempts,
                        "setup e-mail sent"
                    );
                    return Ok(());
                }
                Ok(Attempt::Skipped(why)) => {
                    tracing::info!(
                        tenant_id = %issued.tenant_id,
                        link_id = %issued.link_id,
                        reason = why,
                        "setup e-mail not sent: the link no longer needs it"
                    );
                    return Ok(());
                }
                Err(AttemptError::Db(e)) => return Err(e.into()),
                Err(AttemptError::BadRecipient) => {
                    tracing::error!(
                        tenant_id = %issued.tenant_id,
                        link_id = %issued.link_id,
                        "setup e-mail NOT SENT: the link's address is not deliverable; dead-lettering"
                    );
                    return Err(HandlerError::reject(anyhow::anyhow!(
                        "undeliverable setup-link address"
                    )));
                }
                Err(AttemptError::Smtp(e)) => {
                    savepoint.rollback().await.map_err(pa_db::DbError::from)?;
                    let error = crate::error::error_chain(&e);
                    if e.is_permanent() {
                        tracing::error!(
                            tenant_id = %issued.tenant_id,
                            link_id = %issued.link_id,
                            %error,
                            "setup e-mail NOT SENT: the SMTP server refused it permanently; \
                             dead-lettering (regenerate the link to retry)"
                        );
                        return Err(HandlerError::reject(e));
                    }
                    let now = tokio::time::Instant::now();
                    if now + backoff > give_up_at {
                        tracing::error!(
                            tenant_id = %issued.tenant_id,
                            link_id = %issued.link_id,
                            attempts,
                            %error,
                            "setup e-mail NOT SENT yet: SMTP kept failing for the retry window; \
                             returning the message to the queue (dead-lettered after the \
                             queue's delivery limit)"
                        );
                        return Err(HandlerError::retry(e));
                    }
                    tracing::warn!(
                        tenant_id = %issued.tenant_id,
                        link_id = %issued.link_id,
                        attempts,
                        %error,
                        "sending a setup e-mail failed; retrying"
                    );
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// One locked check-and-send (see the module docs).
    async fn attempt(
        &self,
        conn: &mut PgConnection,
        issued: &Issued,
    ) -> Result<Attempt, AttemptError> {
        let Some(tenant) = tenants::lock_shared(conn, issued.tenant_id).await? else {
            return Ok(Attempt::Skipped("tenant unknown"));
        };
        if !tenant.status.accepts_setup_links() {
            return Ok(Attempt::Skipped("tenant no longer accepts setup links"));
        }
        let Some(link) = setup_links::lock(conn, issued.tenant_id, issued.link_id).await? else {
            return Ok(Attempt::Skipped("link unknown"));
        };
        if !link.is_active() {
            return Ok(Attempt::Skipped("link no longer active"));
        }
        let to = EmailAddress::parse(&link.sent_to).map_err(|_| AttemptError::BadRecipient)?;
        let token = SetupToken::derive(&self.key, tenant.id, link.id);
        let url = setup_link_url(&self.wizard_base_url, &token);
        // Refused at the API since issue 18; a name stored before that loses its
        // bidirectional formatting here, so it cannot reorder the subject.
        let display_name = pa_domain::text::strip_bidi_controls(&tenant.display_name);
        let mail = SetupEmail {
            display_name: &display_name,
            environment: tenant.environment,
            link: &url,
            expires_at: link.expires_at,
            egress_cidrs: &self.egress_cidrs,
            egress_manifest_url: &self.egress_manifest_url,
        };
        // At least once (a crash before the mark sends it again): the same Message-ID.
        self.mailer
            .send_identified(&to, mail.render(), &format!("setup-link.{}", link.id))
            .await
            .map_err(AttemptError::Smtp)?;
        setup_links::mark_email_sent(conn, link.tenant_id, link.id).await?;
        Ok(Attempt::Sent)
    }
}
