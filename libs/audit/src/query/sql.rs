//! The SQL the audit page and the exports share: tenant, filter, cursor, order.

use pa_domain::TenantId;
use sqlx::{Postgres, QueryBuilder};

use super::{ActionFilter, AuditCursor, AuditFilter};

/// `FROM audit_log l LEFT JOIN audit_chain c` (the seal of each record, if sealed).
pub(crate) const FROM_RECORDS: &str = " FROM audit_log l \
     LEFT JOIN audit_chain c ON c.tenant_id = l.tenant_id AND c.audit_id = l.id";

/// Appends `WHERE …` for `tenant`, `filter` and the page start `after`, then
/// `ORDER BY occurred_at DESC, id DESC LIMIT limit`. Every condition is an index range on
/// one of the (tenant_id, …, occurred_at, id) indexes of 0050.
pub(crate) fn push_where_order_limit(
    qb: &mut QueryBuilder<Postgres>,
    tenant: TenantId,
    filter: &AuditFilter,
    after: Option<&AuditCursor>,
    limit: i64,
) {
    qb.push(" WHERE l.tenant_id = ").push_bind(tenant);
    if let Some(since) = filter.since {
        qb.push(" AND l.occurred_at >= ").push_bind(since);
    }
    if let Some(until) = filter.until {
        qb.push(" AND l.occurred_at < ").push_bind(until);
    }
    if let Some(kind) = filter.actor_type {
        qb.push(" AND l.actor_type = ").push_bind(kind.as_str());
    }
    if let Some(id) = &filter.actor_id {
        qb.push(" AND l.actor_id = ")
            .push_bind(id.as_str().to_owned());
    }
    match &filter.action {
        None => {}
        Some(ActionFilter::Exact(action)) => {
            qb.push(" AND l.action = ")
                .push_bind(action.as_str().to_owned());
        }
        // A range the text_pattern_ops index serves even with a bound parameter (LIKE
        // would need the pattern at planning time), then the exact test.
        Some(ActionFilter::Prefix(prefix)) => {
            let p = prefix.as_str().to_owned();
            qb.push(" AND l.action ~>=~ ").push_bind(p.clone());
            qb.push(" AND l.action ~<~ (").push_bind(p.clone());
            qb.push(" || chr(1114111)) AND starts_with(l.action, ")
                .push_bind(p);
            qb.push(")");
        }
    }
    if let Some(kind) = &filter.target_type {
        qb.push(" AND l.target_type = ")
            .push_bind(kind.as_str().to_owned());
    }
    if let Some(id) = &filter.target_id {
        qb.push(" AND l.target_id = ")
            .push_bind(id.as_str().to_owned());
    }
    if let Some(cursor) = after {
        qb.push(" AND (l.occurred_at, l.id) < (")
            .push_bind(cursor.at())
            .push(", ")
            .push_bind(cursor.id())
            .push(")");
    }
    qb.push(" ORDER BY l.occurred_at DESC, l.id DESC LIMIT ")
        .push_bind(limit);
}
