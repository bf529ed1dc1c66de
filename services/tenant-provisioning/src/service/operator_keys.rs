//! Creating and revoking operator API keys (platform audit trail, no tenant).

use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::context::RequestContext;
use crate::domain::{KeyName, OperatorKey};
use crate::error::ApiError;
use crate::repo::operator_keys::{self, NewOperatorKey, OperatorKeyRecord};

/// Creates a key; the returned [`OperatorKey`] is the only copy of the secret.
#[tracing::instrument(name = "operator_key.create", skip_all)]
pub async fn create(
    conn: &mut PgConnection,
    ctx: &RequestContext,
    name: &KeyName,
) -> Result<(OperatorKey, OperatorKeyRecord), ApiError> {
    let key = OperatorKey::generate()?;
    let new = NewOperatorKey {
        id: Uuid::now_v7(),
        name,
        prefix: &key.prefix(),
        hash: key.hash(),
        created_by: ctx.operator_key_id(),
    };
    let record = operator_keys::insert(conn, &new).await?;
    let entry = ctx
        .audit("operator_key.created")
        .target("operator_key", record.id)
        .details(json!({ "name": record.name, "prefix": record.key_prefix }));
    pa_audit::record_platform(conn, &entry).await?;
    Ok((key, record))
}

/// Revokes a key. Revoking a revoked key changes nothing and succeeds.
#[tracing::instrument(name = "operator_key.revoke", skip_all, fields(operator_key_id = %id))]
pub async fn revoke(
    conn: &mut PgConnection,
    ctx: &RequestContext,
    id: Uuid,
    by: Uuid,
) -> Result<OperatorKeyRecord, ApiError> {
    if let Some(record) = operator_keys::revoke(conn, id, by).await? {
        let entry = ctx
            .audit("operator_key.revoked")
            .target("operator_key", id)
            .details(json!({ "name": record.name, "prefix": record.key_prefix }));
        pa_audit::record_platform(conn, &entry).await?;
        return Ok(record);
    }
    operator_keys::find(conn, id)
        .await?
        .ok_or(ApiError::OperatorKeyNotFound)
}
