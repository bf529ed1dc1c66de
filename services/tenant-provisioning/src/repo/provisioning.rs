//! Provisioning's one statement: the check of the operator key, the tenant, its first setup
//! link, their audit records and events, and (with an `Idempotency-Key`) the stored
//! response, in a single data-modifying CTE that is its own transaction, so creating a
//! tenant costs one round trip (see `crate::auth` for why the key is checked here).

use pa_audit::TenantAuditBatch;
use pa_messaging::OutboxBatch;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use uuid::Uuid;

use crate::domain::TokenHash;
use crate::repo::idempotency::Completion;
use crate::repo::operator_keys;
use crate::repo::setup_links::SetupLinkRecord;
use crate::repo::tenants::TenantRecord;

/// Everything one provisioning writes; the records are complete (ids and timestamps chosen
/// by the caller), so the response is known before the statement runs.
pub struct ProvisionWrite<'a> {
    pub tenant: &'a TenantRecord,
    /// The first setup link and the SHA-256 of its token.
    pub link: Option<(&'a SetupLinkRecord, TokenHash)>,
    pub audit: &'a TenantAuditBatch<'a>,
    pub events: &'a OutboxBatch,
    /// The operator key the request presented: nothing is written unless it is live.
    pub key: PresentedKey<'a>,
}

/// An operator key to check: the row `id` must hold `hash` and not be revoked.
#[derive(Clone, Copy)]
pub struct PresentedKey<'a> {
    pub id: Uuid,
    pub hash: &'a TokenHash,
}

/// What the statement did.
#[derive(Debug, sqlx::FromRow)]
pub struct Written {
    /// The key is live (in the statement's snapshot); nothing was written otherwise.
    pub key_live: bool,
    /// The `Idempotency-Key` was claimed (always true without one); when false, a
    /// committed row holds the key and nothing else was written.
    pub claimed: bool,
    /// The key's recorded last use is over a minute old.
    pub stale_last_used: bool,
}

/// Writes `w` in one statement that is its own transaction (run it in autocommit, not
/// inside `BEGIN`), under `w.tenant`'s row-level security context
/// ([`pa_db::tenant_statement`]): one round trip. Nothing is written unless `w.key` is
/// live in the statement's snapshot. With `completion`, the `Idempotency-Key` is claimed by
/// the same statement and nothing else is written unless the claim succeeds (a concurrent
/// first request with the same key is waited for, as its uncommitted row blocks the claim
/// until it ends).
pub async fn write(
    conn: &mut PgConnection,
    w: &ProvisionWrite<'_>,
    completion: Option<&Completion<'_>>,
) -> Result<Written, pa_db::DbError> {
    const KEY_LIVE: &str = "EXISTS (SELECT 1 FROM live_key)";
    let mut qb = pa_db::tenant_statement(w.tenant.id);
    qb.push(", live_key AS (");
    operator_keys::push_live_key(&mut qb, w.key.id, w.key.hash);
    qb.push(")");
    let guard = match completion {
        Some(c) => {
            qb.push(", claimed AS (");
            c.push_claim(&mut qb, KEY_LIVE);
            qb.push(")");
            format!(
                " WHERE {} AND EXISTS (SELECT 1 FROM claimed)",
                pa_db::IN_TENANT_CONTEXT
            )
        }
        None => format!(" WHERE {} AND {KEY_LIVE}", pa_db::IN_TENANT_CONTEXT),
    };
    qb.push(", new_tenant AS (");
    push_tenant(&mut qb, w.tenant);
    qb.push(&guard);
    if let Some((link, hash)) = &w.link {
        qb.push("), new_link AS (");
        push_link(&mut qb, link, hash);
        qb.push(&guard);
    }
    if !w.audit.is_empty() {
        qb.push("), audit AS (");
        w.audit.push_insert(&mut qb);
        qb.push(&guard);
    }
    if !w.events.is_empty() {
        qb.push("), events AS (");
        w.events.push_insert(&mut qb);
        qb.push(&guard);
    }
    qb.push(") SELECT ");
    qb.push(KEY_LIVE);
    qb.push(" AS key_live, ");
    qb.push(if completion.is_some() {
        "EXISTS (SELECT 1 FROM claimed)"
    } else {
        KEY_LIVE
    });
    qb.push(" AS claimed, coalesce((SELECT stale FROM live_key), false) AS stale_last_used");
    Ok(qb.build_query_as::<Written>().fetch_one(conn).await?)
}

fn push_tenant(qb: &mut QueryBuilder<Postgres>, t: &TenantRecord) {
    qb.push(
        "INSERT INTO tenants (id, display_name, contact_email, environment, external_ref, \
         status, created_at, updated_at) SELECT * FROM (",
    );
    qb.push_values([t], |mut row, t| {
        row.push_bind(t.id)
            .push_bind(t.display_name.as_str())
            .push_bind(t.contact_email.as_deref())
            .push_bind(t.environment)
            .push_bind(t.external_ref.as_deref())
            .push_bind(t.status)
            .push_bind(t.created_at)
            .push_bind(t.updated_at);
    });
    qb.push(") AS tenant_rows");
}

fn push_link(qb: &mut QueryBuilder<Postgres>, l: &SetupLinkRecord, hash: &TokenHash) {
    qb.push(
        "INSERT INTO setup_links (tenant_id, id, token_hash, sent_to, issued_by, created_at, \
         expires_at) SELECT * FROM (",
    );
    qb.push_values([l], |mut row, l| {
        row.push_bind(l.tenant_id)
            .push_bind(l.id)
            .push_bind(hash.as_bytes())
            .push_bind(l.sent_to.as_str())
            .push_bind(l.issued_by.as_str())
            .push_bind(l.created_at)
            .push_bind(l.expires_at);
    });
    qb.push(") AS link_rows");
}
