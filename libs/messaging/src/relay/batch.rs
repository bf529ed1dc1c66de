//! One relay batch: claim (delete, uncommitted), publish, confirm, commit.

use std::collections::BTreeMap;

use futures::future::{join_all, try_join_all};
use lapin::BasicProperties;
use lapin::options::BasicPublishOptions;
use lapin::types::{AMQPValue, FieldTable, LongString};
use sqlx::PgPool;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use super::link::Link;
use super::window::ClaimWindow;
use crate::error::AmqpContext;
use crate::{AmqpSettings, MessagingError};

/// A claimed outbox row.
#[derive(sqlx::FromRow)]
struct OutboxRow {
    id: Uuid,
    event_type: String,
    /// The envelope as JSON text (jsonb's canonical form).
    payload: String,
    headers: Json<BTreeMap<String, String>>,
    created_at: OffsetDateTime,
}

/// What one batch did.
pub(super) struct Published {
    pub(super) count: usize,
    /// The batch was full, so more rows may be waiting.
    pub(super) full: bool,
}

/// The batch's transaction does not wait for its commit record to reach disk: if that
/// commit is lost in a crash, the deleted rows come back and are published again, which is
/// the at-least-once the consumers already absorb. So the relay adds no WAL flushes to the
/// ones the writers wait for.
const BEGIN: &str = "BEGIN; SET LOCAL synchronous_commit = off";

/// Claims and deletes in one statement: the rows stay locked (and, for everybody else,
/// present) until this transaction ends, so a failed batch rolls them back unpublished.
/// Starts at the oldest row (a sweep, see `ClaimWindow`).
const CLAIM_FROM_OLDEST: &str = "DELETE FROM outbox WHERE id = ANY (ARRAY ( \
                         SELECT id FROM outbox ORDER BY created_at, id LIMIT $1 \
                         FOR UPDATE SKIP LOCKED)) \
                     RETURNING id, event_type, payload::text AS payload, headers, created_at";

/// [`CLAIM_FROM_OLDEST`] starting at `created_at >= $2`.
const CLAIM_FROM: &str = "DELETE FROM outbox WHERE id = ANY (ARRAY ( \
                         SELECT id FROM outbox WHERE created_at >= $2 \
                         ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)) \
                     RETURNING id, event_type, payload::text AS payload, headers, created_at";

/// Claims up to `limit` rows (from `window`'s lower bound) and publishes them; see
/// [`super::OutboxRelay`].
pub(super) async fn publish(
    pool: &PgPool,
    link: &Link,
    s: &AmqpSettings,
    limit: u32,
    window: &mut ClaimWindow,
) -> Result<Published, MessagingError> {
    let mut tx = pool.begin_with(BEGIN).await?;
    let claim = match window.next_lower_bound() {
        Some(from) => sqlx::query_as(CLAIM_FROM).bind(i64::from(limit)).bind(from),
        None => sqlx::query_as(CLAIM_FROM_OLDEST).bind(i64::from(limit)),
    };
    let mut rows: Vec<OutboxRow> = claim.fetch_all(&mut *tx).await?;
    if rows.is_empty() {
        return Ok(Published {
            count: 0,
            full: false,
        });
    }
    // RETURNING does not keep the subquery's order.
    rows.sort_by_key(|row| (row.created_at, row.id));
    let outcome = tokio::time::timeout(s.confirm_timeout(), publish_and_confirm(link, s, &rows))
        .await
        .map_err(|_| MessagingError::ConfirmTimeout {
            pending: rows.len(),
        })??;
    let nacked = outcome.iter().filter(|ack| !**ack).count();
    if nacked > 0 {
        // Keep the whole batch (rolled back with `tx`): the acked part is published again
        // later, which idempotent consumers absorb, and nothing is lost.
        return Err(MessagingError::Nacked { count: nacked });
    }
    tx.commit().await?;
    if let Some(newest) = rows.iter().map(|row| row.created_at).max() {
        window.claimed(newest);
    }
    Ok(Published {
        count: rows.len(),
        full: rows.len() >= limit as usize,
    })
}

/// Publishes every row (frames go out back to back), then awaits all confirms together.
/// Returns, per row, whether the broker acked it.
async fn publish_and_confirm(
    link: &Link,
    s: &AmqpSettings,
    rows: &[OutboxRow],
) -> Result<Vec<bool>, MessagingError> {
    let publishes = rows.iter().map(|row| {
        link.channel.basic_publish(
            s.exchange.as_str().into(),
            row.event_type.as_str().into(),
            BasicPublishOptions::default(),
            row.payload.as_bytes(),
            properties(row),
        )
    });
    let confirms = try_join_all(publishes)
        .await
        .amqp("publishing an outbox batch")?;
    join_all(confirms)
        .await
        .into_iter()
        .map(|c| c.map(|c| c.is_ack()).amqp("awaiting publisher confirms"))
        .collect()
}

/// Persistent JSON message properties per the messaging contract.
fn properties(row: &OutboxRow) -> BasicProperties {
    let mut headers = FieldTable::default();
    for (name, value) in row.headers.iter() {
        headers.insert(
            name.as_str().into(),
            AMQPValue::LongString(LongString::from(value.as_str())),
        );
    }
    let timestamp = u64::try_from(row.created_at.unix_timestamp()).unwrap_or_default();
    BasicProperties::default()
        .with_message_id(row.id.to_string().into())
        .with_content_type("application/json".into())
        .with_delivery_mode(2)
        .with_type(row.event_type.as_str().into())
        .with_timestamp(timestamp)
        .with_headers(headers)
}
