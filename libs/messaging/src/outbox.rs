//! [`enqueue`]: writing an event into the transactional outbox.

use std::collections::BTreeMap;

use sqlx::PgConnection;
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
/// both commit or neither does. The relay publishes it after commit. The current span's
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
    sqlx::query("INSERT INTO outbox (id, event_type, payload, headers) VALUES ($1, $2, $3, $4)")
        .bind(envelope.id)
        .bind(&envelope.event_type)
        .bind(sqlx::types::Json(envelope))
        .bind(sqlx::types::Json(headers))
        .execute(conn)
        .await?;
    Ok(())
}
