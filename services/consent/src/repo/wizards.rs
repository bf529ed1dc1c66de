//! `consent_wizards` (tenant-owned): the wizard's progress, one row per tenant. Every change
//! bumps `revision` and `updated_at`; a step that changes clears the steps after it that
//! depend on it (see each function).

use pa_domain::TenantId;
use sqlx::PgConnection;
use sqlx::types::Json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::{Attention, PreflightCheck};
use crate::error::MicrosoftFailure;

/// One wizard row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WizardRow {
    pub tenant_id: TenantId,
    pub revision: i64,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub directory_input: Option<String>,
    pub entra_tenant_id: Option<Uuid>,
    pub directory_set_at: Option<OffsetDateTime>,
    pub consent_claimed_at: Option<OffsetDateTime>,
    pub consent_granted_at: Option<OffsetDateTime>,
    pub consent_roles: Vec<String>,
    pub consent_service_principal: Option<String>,
    pub consent_error: Option<Json<MicrosoftFailure>>,
    pub attention: Option<Json<Attention>>,
    pub preflight_at: Option<OffsetDateTime>,
    pub preflight_passed: Option<bool>,
    pub preflight_checks: Option<Json<Vec<PreflightCheck>>>,
    pub admin_object_id: Option<Uuid>,
    pub admin_upn: Option<String>,
    pub admin_display_name: Option<String>,
    pub admin_mail: Option<String>,
    pub admin_set_at: Option<OffsetDateTime>,
    pub groups_set_at: Option<OffsetDateTime>,
    pub completed_at: Option<OffsetDateTime>,
    pub completed_session_id: Option<Uuid>,
    pub completed_link_id: Option<Uuid>,
    pub admin_mail_sent_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "tenant_id, revision, created_at, updated_at, directory_input, \
    entra_tenant_id, directory_set_at, consent_claimed_at, consent_granted_at, consent_roles, \
    consent_service_principal, consent_error, attention, preflight_at, preflight_passed, \
    preflight_checks, admin_object_id, admin_upn, admin_display_name, admin_mail, admin_set_at, \
    groups_set_at, completed_at, completed_session_id, completed_link_id, admin_mail_sent_at";

/// Creates the tenant's wizard row unless it exists.
pub async fn ensure(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "INSERT INTO consent_wizards (tenant_id, created_at, updated_at) VALUES ($1, $2, $2) \
         ON CONFLICT (tenant_id) DO NOTHING",
    )
    .bind(tenant)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The wizard, row-locked until the transaction ends: every step changes it under this lock,
/// so two browsers' steps happen one after the other.
pub async fn lock(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<WizardRow>, pa_db::DbError> {
    let sql = format!("SELECT {COLUMNS} FROM consent_wizards WHERE tenant_id = $1 FOR UPDATE");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

/// The wizard (no lock).
pub async fn find(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Option<WizardRow>, pa_db::DbError> {
    let sql = format!("SELECT {COLUMNS} FROM consent_wizards WHERE tenant_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .fetch_optional(conn)
        .await?)
}

/// Runs `UPDATE consent_wizards SET <set>, revision + 1, updated_at WHERE tenant_id = $1`
/// with `$2` = now; `bind` adds the parameters from `$3` on.
macro_rules! update {
    ($conn:expr, $tenant:expr, $now:expr, $set:literal $(, $arg:expr)* $(,)?) => {{
        sqlx::query(concat!(
            "UPDATE consent_wizards SET ",
            $set,
            ", revision = revision + 1, updated_at = $2 WHERE tenant_id = $1"
        ))
        .bind($tenant)
        .bind($now)
        $(.bind($arg))*
        .execute($conn)
        .await
        .map(drop)
        .map_err(pa_db::DbError::from)
    }};
}

/// Sets the directory. A different directory than before clears consent, pre-flight,
/// administrator and groups (they belonged to the other directory).
pub async fn set_directory(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    input: &str,
    entra: Uuid,
    changed: bool,
) -> Result<(), pa_db::DbError> {
    if !changed {
        return update!(conn, tenant, now, "directory_input = $3", input);
    }
    sqlx::query("DELETE FROM consent_wizard_groups WHERE tenant_id = $1")
        .bind(tenant)
        .execute(&mut *conn)
        .await?;
    update!(
        conn,
        tenant,
        now,
        "directory_input = $3, entra_tenant_id = $4, directory_set_at = $2, \
         consent_claimed_at = NULL, consent_granted_at = NULL, consent_roles = '{}', \
         consent_service_principal = NULL, consent_error = NULL, attention = NULL, \
         preflight_at = NULL, preflight_passed = NULL, preflight_checks = NULL, \
         admin_object_id = NULL, admin_upn = NULL, admin_display_name = NULL, \
         admin_mail = NULL, admin_set_at = NULL, groups_set_at = NULL",
        input,
        entra
    )
}

/// A verified grant: the consent step is done; pre-flight must run again.
pub async fn record_grant(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    roles: &[String],
    service_principal: Option<&str>,
) -> Result<(), pa_db::DbError> {
    update!(
        conn,
        tenant,
        now,
        "consent_claimed_at = coalesce(consent_claimed_at, $2), consent_granted_at = $2, \
         consent_roles = $3, consent_service_principal = $4, consent_error = NULL, \
         attention = NULL, preflight_at = NULL, preflight_passed = NULL, preflight_checks = NULL",
        roles,
        service_principal
    )
}

/// A consent failure. `claimed`: Microsoft reported a grant for the entered directory that
/// could not be verified ("check again" may succeed). `unverified`: the token no longer
/// proves a grant, so the step is undone.
pub async fn record_consent_failure(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    failure: &MicrosoftFailure,
    claimed: bool,
    unverified: bool,
) -> Result<(), pa_db::DbError> {
    update!(
        conn,
        tenant,
        now,
        "consent_error = $3, \
         consent_claimed_at = CASE WHEN $4 THEN $2 ELSE consent_claimed_at END, \
         consent_granted_at = CASE WHEN $5 THEN NULL ELSE consent_granted_at END, \
         consent_roles = CASE WHEN $5 THEN '{}' ELSE consent_roles END, \
         preflight_at = CASE WHEN $5 THEN NULL ELSE preflight_at END, \
         preflight_passed = CASE WHEN $5 THEN NULL ELSE preflight_passed END, \
         preflight_checks = CASE WHEN $5 THEN NULL ELSE preflight_checks END",
        Json(failure),
        claimed,
        unverified
    )
}

/// Microsoft no longer knows the app in the directory: the consent step is undone and the
/// wizard shows `attention` until consent is granted again.
pub async fn record_attention(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    attention: &Attention,
) -> Result<(), pa_db::DbError> {
    update!(
        conn,
        tenant,
        now,
        "attention = $3, consent_claimed_at = NULL, consent_granted_at = NULL, \
         consent_roles = '{}', preflight_passed = false",
        Json(attention)
    )
}

/// The pre-flight results.
pub async fn record_preflight(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    checks: &[PreflightCheck],
    passed: bool,
) -> Result<(), pa_db::DbError> {
    update!(
        conn,
        tenant,
        now,
        "preflight_at = $2, preflight_checks = $3, preflight_passed = $4",
        Json(checks),
        passed
    )
}

/// The initial administrator.
pub struct Admin<'a> {
    pub object_id: Uuid,
    pub upn: &'a str,
    pub display_name: Option<&'a str>,
    pub mail: Option<&'a str>,
}

pub async fn set_admin(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    admin: &Admin<'_>,
) -> Result<(), pa_db::DbError> {
    update!(
        conn,
        tenant,
        now,
        "admin_object_id = $3, admin_upn = $4, admin_display_name = $5, admin_mail = $6, \
         admin_set_at = $2",
        admin.object_id,
        admin.upn,
        admin.display_name,
        admin.mail
    )
}

/// The groups were saved (rows in `consent_wizard_groups`).
pub async fn mark_groups_set(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<(), pa_db::DbError> {
    update!(conn, tenant, now, "groups_set_at = $2")
}

/// Finish: the wizard is complete.
pub async fn complete(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
    session: Uuid,
    link: Uuid,
) -> Result<(), pa_db::DbError> {
    update!(
        conn,
        tenant,
        now,
        "completed_at = $2, completed_session_id = $3, completed_link_id = $4",
        session,
        link
    )
}

/// The admin-welcome mail went out.
pub async fn mark_admin_mail_sent(
    conn: &mut PgConnection,
    tenant: TenantId,
    now: OffsetDateTime,
) -> Result<(), pa_db::DbError> {
    update!(
        conn,
        tenant,
        now,
        "admin_mail_sent_at = coalesce(admin_mail_sent_at, $2)"
    )
}

/// Serialises finishing with one directory across tenants (and instances) until the
/// transaction ends, so two tenants cannot both pass [`directory_conflict`] at once.
pub async fn lock_directory(conn: &mut PgConnection, entra: Uuid) -> Result<(), pa_db::DbError> {
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('consent-directory:' || $1::text, 0))",
    )
    .bind(entra)
    .execute(conn)
    .await?;
    Ok(())
}

/// Whether `entra` is connected to another live production tenant (migration 0020's
/// `consent_directory_conflict`, which sees past row-level security).
pub async fn directory_conflict(
    conn: &mut PgConnection,
    entra: Uuid,
    tenant: TenantId,
) -> Result<bool, pa_db::DbError> {
    Ok(
        sqlx::query_scalar("SELECT consent_directory_conflict($1, $2)")
            .bind(entra)
            .bind(tenant)
            .fetch_one(conn)
            .await?,
    )
}
