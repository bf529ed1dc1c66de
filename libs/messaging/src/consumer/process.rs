//! Handling a lane's deliveries: dedupe, run the handler in a transaction (one per delivery,
//! or one per batch with `ConsumerSpec::batch`), ack or nack.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions};
use lapin::types::AMQPValue;
use pa_domain::TenantId;
use sqlx::PgPool;
use tracing::Instrument;
use uuid::Uuid;

use super::{Handler, HandlerError};
use crate::backoff::{Backoff, Outage};
use crate::error::AmqpContext;
use crate::outbox::header;
use crate::relay::error_chain;
use crate::{Envelope, MessagingError, OutboxSignal, Shutdown, trace};

/// Everything a session needs to process deliveries.
pub(super) struct Context {
    pool: PgPool,
    consumer: String,
    handler: Arc<dyn Handler>,
    max_backoff: Duration,
    outbox: Option<OutboxSignal>,
}

/// What to tell the broker about a delivery.
enum Verdict {
    /// Handled and committed.
    Done,
    /// Already processed earlier: ack, no second effect.
    Duplicate,
    /// Nack with requeue.
    Retry(anyhow::Error),
    /// Nack without requeue: dead-letter.
    Reject(anyhow::Error),
    /// Shutdown while waiting for the database: leave unacked, the broker requeues it.
    Abandon,
}

/// A database failure outside the handler (begin, dedupe insert, commit).
struct DbFailure(pa_db::DbError);

impl From<sqlx::Error> for DbFailure {
    fn from(e: sqlx::Error) -> Self {
        Self(e.into())
    }
}

impl From<pa_db::DbError> for DbFailure {
    fn from(e: pa_db::DbError) -> Self {
        Self(e)
    }
}

impl Context {
    pub(super) fn new(
        pool: PgPool,
        consumer: String,
        handler: Arc<dyn Handler>,
        max_backoff: Duration,
        outbox: Option<OutboxSignal>,
    ) -> Self {
        Self {
            pool,
            consumer,
            handler,
            max_backoff,
            outbox,
        }
    }

    /// Processes a lane's deliveries in order: one alone in its own transaction; several in
    /// one transaction (`ConsumerSpec::batch`), all acked after its commit. When any of them
    /// fails, or the database does, the transaction rolls back and each is processed alone,
    /// with its own outcome. `Err` only when the channel failed.
    pub(super) async fn process_all(
        &self,
        deliveries: Vec<Delivery>,
        shutdown: &mut Shutdown,
    ) -> Result<(), MessagingError> {
        let mut parsed = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            if let Some(envelope) = self.parse(&delivery).await? {
                let span = self.span(&delivery, &envelope);
                parsed.push((delivery, envelope, span));
            }
        }
        if parsed.len() > 1 {
            match self.attempt_batch(&parsed).await {
                Ok(handled) => {
                    for ((delivery, _, span), handled) in parsed.iter().zip(handled) {
                        span.record("outcome", if handled { "handled" } else { "duplicate" });
                        ack(delivery).await?;
                    }
                    return Ok(());
                }
                Err(error) => tracing::debug!(
                    queue = %self.consumer,
                    count = parsed.len(),
                    error = %error_chain(error.as_ref()),
                    "batch rolled back; handling its deliveries one at a time"
                ),
            }
        }
        for (delivery, envelope, span) in parsed {
            self.settle(delivery, &envelope, span, shutdown).await?;
        }
        Ok(())
    }

    /// The delivery's envelope; an unparseable one is dead-lettered here (`None`).
    async fn parse(&self, delivery: &Delivery) -> Result<Option<Envelope>, MessagingError> {
        match serde_json::from_slice::<Envelope>(&delivery.data) {
            Ok(envelope) => Ok(Some(envelope)),
            Err(error) => {
                tracing::error!(queue = %self.consumer, %error, "unparseable message dead-lettered");
                nack(delivery, false).await.map(|()| None)
            }
        }
    }

    /// The span of one delivery's handling, parented to the publisher's trace.
    fn span(&self, delivery: &Delivery, envelope: &Envelope) -> tracing::Span {
        let span = tracing::info_span!(
            "amqp.consume",
            queue = %self.consumer,
            message_id = %envelope.id,
            event_type = %envelope.event_type,
            tenant_id = tracing::field::Empty,
            redelivered = delivery.redelivered,
            outcome = tracing::field::Empty,
        );
        if let Some(tenant) = envelope.tenant_id {
            span.record("tenant_id", tracing::field::display(tenant));
        }
        if let Some(traceparent) = string_header(delivery, header::TRACEPARENT) {
            trace::set_parent(&span, &traceparent);
        }
        span
    }

    /// Handles one delivery in its own transaction and acks or nacks it.
    async fn settle(
        &self,
        delivery: Delivery,
        envelope: &Envelope,
        span: tracing::Span,
        shutdown: &mut Shutdown,
    ) -> Result<(), MessagingError> {
        let verdict = self
            .decide(envelope, shutdown)
            .instrument(span.clone())
            .await;
        let _entered = span.enter();
        match verdict {
            Verdict::Done => {
                span.record("outcome", "handled");
                ack(&delivery).await
            }
            Verdict::Duplicate => {
                span.record("outcome", "duplicate");
                tracing::debug!("already processed; acked without effect");
                ack(&delivery).await
            }
            Verdict::Retry(error) => {
                span.record("outcome", "retry");
                tracing::warn!(error = %error_chain(error.as_ref()), "handler failed; requeued");
                nack(&delivery, true).await
            }
            Verdict::Reject(error) => {
                span.record("outcome", "rejected");
                tracing::error!(error = %error_chain(error.as_ref()), "handler rejected; dead-lettered");
                nack(&delivery, false).await
            }
            Verdict::Abandon => Ok(()),
        }
    }

    /// Handles `batch` in ONE transaction: the ids are recorded in one statement, then the
    /// handler runs for each new one in order (the tenant context switched as needed), and
    /// one commit. Returns, per delivery, whether it was handled (`false`: a duplicate).
    /// Any failure returns `Err` with everything rolled back.
    async fn attempt_batch(
        &self,
        batch: &[(Delivery, Envelope, tracing::Span)],
    ) -> anyhow::Result<Vec<bool>> {
        let mut tx = self.pool.begin().await?;
        let ids: Vec<Uuid> = batch.iter().map(|(_, envelope, _)| envelope.id).collect();
        let mut fresh: HashSet<Uuid> = sqlx::query_scalar(
            "INSERT INTO processed_messages (consumer, message_id) \
             SELECT $1, id FROM unnest($2::uuid[]) AS id \
             ON CONFLICT DO NOTHING RETURNING message_id",
        )
        .bind(&self.consumer)
        .bind(&ids)
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .collect();
        // A new transaction has no tenant context.
        let mut context: Option<TenantId> = None;
        let mut handled = Vec::with_capacity(batch.len());
        for (_, envelope, span) in batch {
            // `remove`: the same id twice in one batch (a re-published message) runs once.
            if !fresh.remove(&envelope.id) {
                handled.push(false);
                continue;
            }
            if envelope.tenant_id != context {
                match envelope.tenant_id {
                    Some(tenant) => pa_db::set_tenant(&mut tx, tenant).await?,
                    None => pa_db::clear_tenant(&mut tx).await?,
                }
                context = envelope.tenant_id;
            }
            self.handler
                .handle(&mut tx, envelope)
                .instrument(span.clone())
                .await?;
            handled.push(true);
        }
        tx.commit().await?;
        if let Some(outbox) = &self.outbox {
            outbox.committed();
        }
        for ((_, envelope, _), done) in batch.iter().zip(&handled) {
            if *done {
                self.handler.committed(envelope);
            }
        }
        Ok(handled)
    }

    /// Runs the attempt, retrying in place (with backoff) while the database is down, so
    /// an outage does not use up the message's delivery limit.
    async fn decide(&self, envelope: &Envelope, shutdown: &mut Shutdown) -> Verdict {
        let mut backoff = Backoff::new(self.max_backoff);
        let mut outage = Outage::default();
        loop {
            let error = match self.attempt(envelope).await {
                Ok(Verdict::Retry(e)) if is_database_outage(&e) => e,
                Ok(verdict) => return verdict,
                Err(DbFailure(e)) => anyhow::Error::new(e),
            };
            if outage.failed() {
                tracing::warn!(error = %error_chain(error.as_ref()), "database unavailable; retrying");
            } else {
                tracing::debug!(error = %error_chain(error.as_ref()), failures = outage.failures(), "database still unavailable");
            }
            if !backoff.wait(shutdown).await {
                return Verdict::Abandon;
            }
        }
    }

    async fn attempt(&self, envelope: &Envelope) -> Result<Verdict, DbFailure> {
        let mut tx = self.pool.begin().await?;
        if let Some(tenant) = envelope.tenant_id {
            pa_db::set_tenant(&mut tx, tenant).await?;
        }
        let inserted = sqlx::query(
            "INSERT INTO processed_messages (consumer, message_id) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&self.consumer)
        .bind(envelope.id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Ok(Verdict::Duplicate);
        }
        match self.handler.handle(&mut tx, envelope).await {
            Ok(()) => {
                tx.commit().await?;
                if let Some(outbox) = &self.outbox {
                    outbox.committed();
                }
                self.handler.committed(envelope);
                Ok(Verdict::Done)
            }
            // Dropping the transaction rolls it back.
            Err(HandlerError::Retry(e)) => Ok(Verdict::Retry(e)),
            Err(HandlerError::Reject(e)) => Ok(Verdict::Reject(e)),
        }
    }
}

/// True when a handler's retry was caused by PostgreSQL being unreachable.
fn is_database_outage(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<pa_db::DbError>()
            .is_some_and(|db| matches!(db, pa_db::DbError::Unavailable(_)))
            || cause
                .downcast_ref::<sqlx::Error>()
                .is_some_and(pa_db::is_unavailable)
    })
}

pub(super) fn string_header(delivery: &Delivery, name: &str) -> Option<String> {
    let headers = delivery.properties.headers().as_ref()?;
    match headers.inner().get(name)? {
        AMQPValue::LongString(s) => Some(String::from_utf8_lossy(s.as_bytes()).into_owned()),
        AMQPValue::ShortString(s) => Some(s.as_str().to_owned()),
        _ => None,
    }
}

async fn ack(delivery: &Delivery) -> Result<(), MessagingError> {
    delivery
        .acker
        .ack(BasicAckOptions::default())
        .await
        .amqp("acking a delivery")?;
    Ok(())
}

async fn nack(delivery: &Delivery, requeue: bool) -> Result<(), MessagingError> {
    let options = BasicNackOptions {
        multiple: false,
        requeue,
    };
    delivery
        .acker
        .nack(options)
        .await
        .amqp("nacking a delivery")?;
    Ok(())
}
