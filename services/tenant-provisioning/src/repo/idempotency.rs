//! `idempotency_keys` (platform table, no RLS); the protocol is in `crate::idempotency`.

use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::domain::{IdempotencyKey, TokenHash};

/// A stored reservation or response.
#[derive(Debug, sqlx::FromRow)]
pub struct IdempotencyRecord {
    pub request_hash: Vec<u8>,
    pub state: String,
    pub response_status: Option<i16>,
    pub response_body: Option<Vec<u8>>,
    pub response_location: Option<String>,
}

/// Reserves the key for a request (state `in_flight`, remembered for 24 hours), in the
/// request's transaction. Also takes over a row that expired or whose lease (2 minutes)
/// ran out without completing. `false` when another live row holds the key; while another
/// transaction holds an uncommitted reservation of the key, this waits for its outcome.
pub async fn reserve(
    conn: &mut PgConnection,
    operator_key: Uuid,
    key: &IdempotencyKey,
    request_hash: TokenHash,
) -> Result<bool, pa_db::DbError> {
    let sql = "INSERT INTO idempotency_keys \
             (operator_key_id, idempotency_key, request_hash, state, expires_at) \
         VALUES ($1, $2, $3, 'in_flight', now() + interval '24 hours') \
         ON CONFLICT (operator_key_id, idempotency_key) DO UPDATE \
            SET request_hash = EXCLUDED.request_hash, state = 'in_flight', \
                response_status = NULL, response_body = NULL, response_location = NULL, \
                locked_at = now(), created_at = now(), expires_at = EXCLUDED.expires_at \
          WHERE idempotency_keys.expires_at <= now() \
             OR (idempotency_keys.state = 'in_flight' \
                 AND idempotency_keys.locked_at < now() - interval '2 minutes') \
         RETURNING true";
    let reserved: Option<bool> = sqlx::query_scalar(sql)
        .bind(operator_key)
        .bind(key.as_str())
        .bind(request_hash.as_bytes())
        .fetch_optional(conn)
        .await?;
    Ok(reserved.unwrap_or(false))
}

/// A key claimed together with the response to remember, in the statement that does the
/// work (see `repo::provisioning`): the row is written `completed` straight away.
pub struct Completion<'a> {
    pub operator_key: Uuid,
    pub key: &'a IdempotencyKey,
    pub request_hash: TokenHash,
    pub status: i16,
    pub body: &'a [u8],
    pub location: Option<&'a str>,
}

impl Completion<'_> {
    /// Appends the claim (`INSERT … ON CONFLICT … RETURNING 1`, one row when claimed) to
    /// `qb`, with [`reserve`]'s takeover rules for expired and abandoned rows. Nothing is
    /// claimed unless the SQL condition `guard` holds.
    pub fn push_claim(&self, qb: &mut QueryBuilder<Postgres>, guard: &str) {
        qb.push(
            "INSERT INTO idempotency_keys (operator_key_id, idempotency_key, request_hash, \
             state, response_status, response_body, response_location, expires_at) SELECT ",
        );
        qb.push_bind(self.operator_key)
            .push(", ")
            .push_bind(self.key.as_str())
            .push(", ")
            .push_bind(self.request_hash.as_bytes())
            .push(", 'completed', ")
            .push_bind(self.status)
            .push(", ")
            .push_bind(self.body)
            .push(", ")
            .push_bind(self.location)
            .push(", now() + interval '24 hours' WHERE ")
            .push(guard)
            .push(
                " ON CONFLICT (operator_key_id, idempotency_key) DO UPDATE \
                    SET request_hash = EXCLUDED.request_hash, state = 'completed', \
                        response_status = EXCLUDED.response_status, \
                        response_body = EXCLUDED.response_body, \
                        response_location = EXCLUDED.response_location, \
                        locked_at = now(), created_at = now(), expires_at = EXCLUDED.expires_at \
                  WHERE idempotency_keys.expires_at <= now() \
                     OR (idempotency_keys.state = 'in_flight' \
                         AND idempotency_keys.locked_at < now() - interval '2 minutes') \
                 RETURNING 1",
            );
    }
}

/// The live row holding the key, if any.
pub async fn find(
    conn: &mut PgConnection,
    operator_key: Uuid,
    key: &IdempotencyKey,
) -> Result<Option<IdempotencyRecord>, pa_db::DbError> {
    Ok(sqlx::query_as(
        "SELECT request_hash, state, response_status, response_body, response_location \
           FROM idempotency_keys \
          WHERE operator_key_id = $1 AND idempotency_key = $2 AND expires_at > now()",
    )
    .bind(operator_key)
    .bind(key.as_str())
    .fetch_optional(conn)
    .await?)
}

/// Stores the response and marks the key completed (in the request's transaction).
pub async fn complete(
    conn: &mut PgConnection,
    operator_key: Uuid,
    key: &IdempotencyKey,
    status: i16,
    body: &[u8],
    location: Option<&str>,
) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "UPDATE idempotency_keys \
            SET state = 'completed', response_status = $3, response_body = $4, \
                response_location = $5 \
          WHERE operator_key_id = $1 AND idempotency_key = $2",
    )
    .bind(operator_key)
    .bind(key.as_str())
    .bind(status)
    .bind(body)
    .bind(location)
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes up to `limit` expired keys; returns how many.
pub async fn delete_expired(conn: &mut PgConnection, limit: i64) -> Result<u64, pa_db::DbError> {
    let done = sqlx::query(
        "DELETE FROM idempotency_keys WHERE ctid IN \
           (SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)",
    )
    .bind(limit)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}
