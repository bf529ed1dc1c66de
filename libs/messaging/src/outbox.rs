//! [`enqueue`]: writing an event into the transactional outbox.

use std::collections::BTreeMap;

use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::{Envelope, Event, EventMeta, MessagingError, trace};

/// AMQP header names carried with every message.
pub(crate) mod header {
    pub(crate) const TRACEPARENT: &str = "traceparent";
    pub(crate) const TENANT_ID: &str = "tenant_id";
    pub(crate) const REQUEST_ID: &str = "request_id";
}

/// Writes `event` to the outbox on `conn` and returns its envelope id.
///
/// Call it inside the transaction that makes the state change the event describes, so
/// both commit or neither does. The relay publishes it after commit: at once when the
/// transaction is committed through the relay's [`OutboxSignal`](crate::OutboxSignal),
/// otherwise at its next poll. The current span's
/// `traceparent` is stored with it so consumers continue the same trace.
pub async fn enqueue<E: Event>(
    conn: &mut PgConnection,
    meta: &EventMeta,
    event: &E,
) -> Result<Uuid, MessagingError> {
    let envelope = Envelope::new(meta, event)?;
    insert(conn, &envelope, &headers_for(&envelope)).await?;
    tracing::debug!(message_id = %envelope.id, event_type = E::TYPE, "event enqueued");
    Ok(envelope.id)
}

/// Events to write to the outbox in ONE `INSERT`, as one part of a statement the caller
/// builds (e.g. a data-modifying CTE that also writes the state change and its audit
/// records), so a hot path pays one round trip for all of them. Same rows as [`enqueue`].
#[derive(Debug, Default)]
pub struct OutboxBatch {
    /// Id, type, and the JSON texts of the envelope and headers.
    rows: Vec<(Uuid, String, String, String)>,
}

impl OutboxBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `event` (with the current span's `traceparent`); returns its envelope id.
    pub fn push<E: Event>(&mut self, meta: &EventMeta, event: &E) -> Result<Uuid, MessagingError> {
        let envelope = Envelope::new(meta, event)?;
        let headers = serde_json::to_string(&headers_for(&envelope))?;
        let payload = serde_json::to_string(&envelope)?;
        self.rows
            .push((envelope.id, envelope.event_type, payload, headers));
        Ok(envelope.id)
    }

    /// How many events the batch holds.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when the batch holds no event.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Appends `INSERT INTO outbox (…) SELECT * FROM (VALUES …) AS outbox_rows` to `qb`,
    /// binding every value; the caller may append a `WHERE` that applies to the rows (and
    /// must not call this on an empty batch, which has no `VALUES`).
    pub fn push_insert(&self, qb: &mut QueryBuilder<Postgres>) {
        qb.push("INSERT INTO outbox (id, event_type, payload, headers) SELECT * FROM (");
        qb.push_values(&self.rows, |mut row, (id, event_type, payload, headers)| {
            row.push_bind(*id)
                .push_bind(event_type.as_str())
                .push_bind(payload.as_str())
                .push_unseparated("::json")
                .push_bind(headers.as_str())
                .push_unseparated("::json");
        });
        qb.push(") AS outbox_rows");
        for (id, event_type, _, _) in &self.rows {
            tracing::debug!(message_id = %id, %event_type, "event enqueued");
        }
    }
}

/// The AMQP headers recorded with an envelope.
fn headers_for(envelope: &Envelope) -> BTreeMap<&'static str, String> {
    let mut headers = BTreeMap::new();
    if let Some(tp) = trace::current_traceparent() {
        headers.insert(header::TRACEPARENT, tp);
    }
    if let Some(tenant) = envelope.tenant_id {
        headers.insert(header::TENANT_ID, tenant.to_string());
    }
    if let Some(request_id) = &envelope.request_id {
        headers.insert(header::REQUEST_ID, request_id.clone());
    }
    headers
}

/// Inserts a ready envelope (also used by tests to enqueue a duplicate message id).
pub(crate) async fn insert(
    conn: &mut PgConnection,
    envelope: &Envelope,
    headers: &BTreeMap<&'static str, String>,
) -> Result<(), MessagingError> {
    // `json` columns (migration 0007): the text is stored as sent, not parsed into jsonb.
    sqlx::query(
        "INSERT INTO outbox (id, event_type, payload, headers) \
         VALUES ($1, $2, $3::json, $4::json)",
    )
    .bind(envelope.id)
    .bind(&envelope.event_type)
    .bind(serde_json::to_string(envelope)?)
    .bind(serde_json::to_string(headers)?)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Probe {
        n: u32,
    }

    impl Event for Probe {
        const TYPE: &'static str = "test.outbox.batch_probe";
    }

    #[test]
    fn the_batch_insert_binds_four_values_per_event() {
        let mut batch = OutboxBatch::new();
        let meta = EventMeta {
            tenant_id: None,
            request_id: None,
        };
        let a = batch.push(&meta, &Probe { n: 1 }).expect("serialises");
        let b = batch.push(&meta, &Probe { n: 2 }).expect("serialises");
        assert_ne!(a, b);
        assert_eq!(batch.len(), 2);
        let mut qb = QueryBuilder::<Postgres>::new("");
        batch.push_insert(&mut qb);
        let sql = qb.into_string();
        assert!(sql.starts_with("INSERT INTO outbox ("), "{sql}");
        assert!(sql.contains("$8::json)") && !sql.contains("$9"), "{sql}");
    }
}
