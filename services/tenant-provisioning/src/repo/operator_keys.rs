//! `operator_api_keys` (platform table, no RLS).

use sqlx::PgConnection;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Cursor, KeyName, OperatorKeyPrefix, TokenHash};

macro_rules! columns {
    () => {
        "id, name, key_prefix, created_at, created_by, last_used_at, revoked_at, revoked_by"
    };
}

/// True when a key's recorded last use is unset or over a minute old: the use is recorded
/// at most once a minute.
macro_rules! stale_last_used {
    () => {
        "coalesce(last_used_at < now() - interval '1 minute', true)"
    };
}

/// One key's metadata (never the hash).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OperatorKeyRecord {
    pub id: Uuid,
    pub name: String,
    pub key_prefix: String,
    pub created_at: OffsetDateTime,
    pub created_by: Option<Uuid>,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
    pub revoked_by: Option<Uuid>,
}

/// A key to insert.
pub struct NewOperatorKey<'a> {
    pub id: Uuid,
    pub name: &'a KeyName,
    pub prefix: &'a OperatorKeyPrefix,
    pub hash: TokenHash,
    pub created_by: Option<Uuid>,
}

/// Inserts a key.
pub async fn insert(
    conn: &mut PgConnection,
    k: &NewOperatorKey<'_>,
) -> Result<OperatorKeyRecord, pa_db::DbError> {
    let sql = concat!(
        "INSERT INTO operator_api_keys (id, name, key_prefix, key_hash, created_by) \
         VALUES ($1, $2, $3, $4, $5) RETURNING ",
        columns!()
    );
    Ok(sqlx::query_as(sql)
        .bind(k.id)
        .bind(k.name.as_str())
        .bind(k.prefix.as_str())
        .bind(k.hash.as_bytes())
        .bind(k.created_by)
        .fetch_one(conn)
        .await?)
}

/// Records a use (`last_used_at`) of the live key `id`, unless one was recorded within the
/// last minute (the up-front check, pa-operator-auth, tells when one is due). A revoked key's
/// use is never recorded.
pub async fn record_use(conn: &mut PgConnection, id: Uuid) -> Result<(), pa_db::DbError> {
    sqlx::query(concat!(
        "UPDATE operator_api_keys SET last_used_at = now() \
          WHERE id = $1 AND revoked_at IS NULL AND ",
        stale_last_used!()
    ))
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// One key.
pub async fn find(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<OperatorKeyRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM operator_api_keys WHERE id = $1"
    );
    Ok(sqlx::query_as(sql).bind(id).fetch_optional(conn).await?)
}

/// Revokes the key unless it already is; `None` when it was already revoked or is unknown.
pub async fn revoke(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
) -> Result<Option<OperatorKeyRecord>, pa_db::DbError> {
    let sql = concat!(
        "UPDATE operator_api_keys SET revoked_at = now(), revoked_by = $2 \
          WHERE id = $1 AND revoked_at IS NULL RETURNING ",
        columns!()
    );
    Ok(sqlx::query_as(sql)
        .bind(id)
        .bind(by)
        .fetch_optional(conn)
        .await?)
}

/// Up to `limit` keys, newest first, strictly after `cursor`.
pub async fn list(
    conn: &mut PgConnection,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<OperatorKeyRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM operator_api_keys \
          WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2::uuid)) \
          ORDER BY created_at DESC, id DESC LIMIT $3"
    );
    Ok(sqlx::query_as(sql)
        .bind(cursor.map(|c| c.at()))
        .bind(cursor.map(|c| c.id()))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}
