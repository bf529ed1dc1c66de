//! The `tenants` registry (platform table, no RLS).

use pa_domain::{EmailAddress, Environment, TenantId};
use sqlx::PgConnection;
use time::OffsetDateTime;

use crate::domain::{Cursor, DisplayName, ExternalRef, StatusReason, TenantStatus};

/// Unique index: one live production tenant per external_ref (migration 0010).
pub const PRODUCTION_EXTERNAL_REF_KEY: &str = "tenants_production_external_ref_key";

/// The columns of [`TenantRecord`], as a literal for `concat!`.
macro_rules! columns {
    () => {
        "id, display_name, contact_email, environment, external_ref, status, status_reason, \
         created_at, updated_at, setup_completed_at, suspended_at, deprovisioned_at, \
         purge_after, purged_at"
    };
}

/// One row of `tenants`.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TenantRecord {
    pub id: TenantId,
    pub display_name: String,
    pub contact_email: Option<String>,
    pub environment: Environment,
    pub external_ref: Option<String>,
    pub status: TenantStatus,
    pub status_reason: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub setup_completed_at: Option<OffsetDateTime>,
    pub suspended_at: Option<OffsetDateTime>,
    pub deprovisioned_at: Option<OffsetDateTime>,
    pub purge_after: Option<OffsetDateTime>,
    pub purged_at: Option<OffsetDateTime>,
}

/// The tenant, if it exists.
pub async fn find(
    conn: &mut PgConnection,
    id: TenantId,
) -> Result<Option<TenantRecord>, pa_db::DbError> {
    let sql = concat!("SELECT ", columns!(), " FROM tenants WHERE id = $1");
    Ok(sqlx::query_as(sql).bind(id).fetch_optional(conn).await?)
}

/// The tenant, row-locked until the transaction ends: every change to one tenant (status,
/// display data, setup links) takes this lock first, so they happen one at a time.
pub async fn lock(
    conn: &mut PgConnection,
    id: TenantId,
) -> Result<Option<TenantRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM tenants WHERE id = $1 FOR UPDATE"
    );
    Ok(sqlx::query_as(sql).bind(id).fetch_optional(conn).await?)
}

/// The tenant, share-locked until the transaction (or savepoint) ends: status changes and
/// link changes (which take [`lock`]) wait meanwhile, reads do not.
pub async fn lock_shared(
    conn: &mut PgConnection,
    id: TenantId,
) -> Result<Option<TenantRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM tenants WHERE id = $1 FOR SHARE"
    );
    Ok(sqlx::query_as(sql).bind(id).fetch_optional(conn).await?)
}

/// Filters of the list endpoint (all optional, combined with AND).
#[derive(Debug, Default)]
pub struct TenantFilter {
    pub status: Option<TenantStatus>,
    pub environment: Option<Environment>,
    pub external_ref: Option<ExternalRef>,
    /// Case-insensitive display-name prefix.
    pub name_prefix: Option<String>,
}

/// Up to `limit` rows, newest first, strictly after `cursor`.
pub async fn list(
    conn: &mut PgConnection,
    filter: &TenantFilter,
    cursor: Option<Cursor>,
    limit: i64,
) -> Result<Vec<TenantRecord>, pa_db::DbError> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM tenants \
          WHERE ($1::text IS NULL OR status = $1) \
            AND ($2::text IS NULL OR environment = $2) \
            AND ($3::text IS NULL OR external_ref = $3) \
            AND ($4::text IS NULL OR lower(display_name) LIKE lower($4) ESCAPE '\\') \
            AND ($5::timestamptz IS NULL OR (created_at, id) < ($5, $6::uuid)) \
          ORDER BY created_at DESC, id DESC \
          LIMIT $7"
    );
    Ok(sqlx::query_as(sql)
        .bind(filter.status)
        .bind(filter.environment)
        .bind(filter.external_ref.as_ref().map(ExternalRef::as_str))
        .bind(filter.name_prefix.as_deref().map(super::like_prefix))
        .bind(cursor.map(|c| c.at()))
        .bind(cursor.map(|c| c.id()))
        .bind(limit)
        .fetch_all(conn)
        .await?)
}

/// New display data; `None` leaves a field unchanged, `external_ref: Some(None)` clears it.
#[derive(Debug, Default)]
pub struct DisplayPatch {
    pub display_name: Option<DisplayName>,
    pub contact_email: Option<EmailAddress>,
    pub external_ref: Option<Option<ExternalRef>>,
}

/// Applies `patch` and bumps `updated_at`.
pub async fn update_display(
    conn: &mut PgConnection,
    id: TenantId,
    patch: &DisplayPatch,
) -> Result<TenantRecord, pa_db::DbError> {
    let sql = concat!(
        "UPDATE tenants SET \
            display_name = coalesce($2, display_name), \
            contact_email = coalesce($3, contact_email), \
            external_ref = CASE WHEN $4 THEN $5 ELSE external_ref END, \
            updated_at = now() \
          WHERE id = $1 RETURNING ",
        columns!(),
        ""
    );
    Ok(sqlx::query_as(sql)
        .bind(id)
        .bind(patch.display_name.as_ref().map(DisplayName::as_str))
        .bind(patch.contact_email.as_ref().map(EmailAddress::as_str))
        .bind(patch.external_ref.is_some())
        .bind(
            patch
                .external_ref
                .as_ref()
                .and_then(|r| r.as_ref().map(ExternalRef::as_str)),
        )
        .fetch_one(conn)
        .await?)
}

/// Moves the tenant to `status`, keeping the timestamps consistent with it:
/// suspended sets `suspended_at`; leaving suspension clears it; deprovisioned sets
/// `deprovisioned_at` and `purge_after = now() + grace`.
pub async fn set_status(
    conn: &mut PgConnection,
    id: TenantId,
    status: TenantStatus,
    reason: Option<&StatusReason>,
    purge_grace_secs: i64,
) -> Result<TenantRecord, pa_db::DbError> {
    let sql = concat!(
        "UPDATE tenants SET \
            status = $2, \
            status_reason = $3, \
            suspended_at = CASE WHEN $2 = 'suspended' THEN now() ELSE NULL END, \
            deprovisioned_at = CASE WHEN $2 = 'deprovisioned' THEN now() ELSE deprovisioned_at END, \
            purge_after = CASE WHEN $2 = 'deprovisioned' \
                               THEN now() + make_interval(secs => $4) ELSE purge_after END, \
            updated_at = now() \
          WHERE id = $1 RETURNING ",
        columns!(),
        ""
    );
    Ok(sqlx::query_as(sql)
        .bind(id)
        .bind(status)
        .bind(reason.map(StatusReason::as_str))
        .bind(purge_grace_secs as f64)
        .fetch_one(conn)
        .await?)
}

/// One deprovisioned tenant whose grace period is over, row-locked for purging in the
/// caller's transaction (rows another worker holds are skipped).
pub async fn claim_due_for_purge(
    conn: &mut PgConnection,
) -> Result<Option<TenantId>, pa_db::DbError> {
    Ok(sqlx::query_scalar(
        "SELECT id FROM tenants \
          WHERE status = 'deprovisioned' AND purge_after <= now() \
          ORDER BY purge_after \
          LIMIT 1 FOR UPDATE SKIP LOCKED",
    )
    .fetch_optional(conn)
    .await?)
}

/// Marks a tenant purged and forgets its contact e-mail (personal data).
pub async fn mark_purged(
    conn: &mut PgConnection,
    id: TenantId,
) -> Result<TenantRecord, pa_db::DbError> {
    let sql = concat!(
        "UPDATE tenants SET status = 'purged', purged_at = now(), contact_email = NULL, \
                updated_at = now() \
          WHERE id = $1 AND status = 'deprovisioned' RETURNING ",
        columns!(),
        ""
    );
    Ok(sqlx::query_as(sql).bind(id).fetch_one(conn).await?)
}

/// Setup completed (the consent service's `setup.completed`): `pending_setup` → `active` with
/// `setup_completed_at`. Only a `pending_setup` tenant changes; `None` otherwise.
pub async fn activate(
    conn: &mut PgConnection,
    id: TenantId,
    completed_at: OffsetDateTime,
) -> Result<Option<TenantRecord>, pa_db::DbError> {
    let sql = concat!(
        "UPDATE tenants SET status = 'active', setup_completed_at = $2, updated_at = now() \
          WHERE id = $1 AND status = 'pending_setup' RETURNING ",
        columns!()
    );
    Ok(sqlx::query_as(sql)
        .bind(id)
        .bind(completed_at)
        .fetch_optional(conn)
        .await?)
}

/// Records that setup completed without changing the status (a suspended tenant keeps being
/// suspended; resuming it then makes it `active`). First completion wins.
pub async fn record_setup_completed(
    conn: &mut PgConnection,
    id: TenantId,
    completed_at: OffsetDateTime,
) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "UPDATE tenants SET setup_completed_at = $2, updated_at = now() \
          WHERE id = $1 AND setup_completed_at IS NULL",
    )
    .bind(id)
    .bind(completed_at)
    .execute(conn)
    .await?;
    Ok(())
}
