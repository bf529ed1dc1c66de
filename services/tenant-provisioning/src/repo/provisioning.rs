//! Provisioning's one statement: the tenant, its first setup link, their audit records and
//! events, and (with an `Idempotency-Key`) the stored response, in a single data-modifying
//! CTE that is its own transaction, so writing a new tenant costs one round trip. The
//! operator key was checked up front, like on every route (`crate::auth`).

use pa_audit::TenantAuditBatch;
use pa_messaging::OutboxBatch;
use sqlx::{PgConnection, Postgres, QueryBuilder};

use crate::domain::TokenHash;
use crate::repo::idempotency::Completion;
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
}

/// What the statement did.
#[derive(Debug, sqlx::FromRow)]
pub struct Written {
    /// The `Idempotency-Key` was claimed (always true without one); when false, a
    /// committed row holds the key and nothing else was written.
    pub claimed: bool,
}

/// Writes `w` in one statement that is its own transaction (run it in autocommit, not
/// inside `BEGIN`), under `w.tenant`'s row-level security context
/// ([`pa_db::tenant_statement`]): one round trip. With `completion`, the `Idempotency-Key`
/// is claimed by the same statement and nothing else is written unless the claim succeeds
/// (a concurrent first request with the same key is waited for, as its uncommitted row
/// blocks the claim until it ends).
pub async fn write(
    conn: &mut PgConnection,
    w: &ProvisionWrite<'_>,
    completion: Option<&Completion<'_>>,
) -> Result<Written, pa_db::DbError> {
    let mut qb = pa_db::tenant_statement(w.tenant.id);
    let guard = match completion {
        Some(c) => {
            qb.push(", claimed AS (");
            c.push_claim(&mut qb, "true");
            qb.push(")");
            format!(
                " WHERE {} AND EXISTS (SELECT 1 FROM claimed)",
                pa_db::IN_TENANT_CONTEXT
            )
        }
        None => format!(" WHERE {}", pa_db::IN_TENANT_CONTEXT),
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
    qb.push(if completion.is_some() {
        "EXISTS (SELECT 1 FROM claimed)"
    } else {
        "true"
    });
    qb.push(" AS claimed");
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
