//! The console's audit page: one tenant's records, filtered, newest first, a page at a time.

mod filter;
mod record;
pub(crate) mod sql;

use pa_domain::TenantId;
use sqlx::{PgConnection, Postgres, QueryBuilder};

pub use filter::{
    ActionFilter, AuditCursor, AuditFilter, FilterError, FilterText, MAX_FILTER_CHARS,
};
pub use record::{AuditPage, AuditRecord, RecordSeal};

use crate::AuditError;
use record::{RECORD_COLUMNS, RecordRow};

/// The largest page [`query_tenant`] returns (a larger `limit` is cut to it).
pub const MAX_PAGE_SIZE: u32 = 500;

/// One page of `tenant`'s audit records matching `filter`, newest first (by occurred_at,
/// then id), starting after `after` (the previous page's [`AuditPage::next`]). `limit` is
/// clamped to 1..=[`MAX_PAGE_SIZE`].
///
/// Run it inside a transaction under `tenant`'s context (`pa_db::begin_tenant`); the query
/// is also scoped to `tenant` explicitly. Keyset pagination: a page costs the same however
/// deep it is, and records written meanwhile never shift or repeat later pages.
pub async fn query_tenant(
    conn: &mut PgConnection,
    tenant: TenantId,
    filter: &AuditFilter,
    after: Option<&AuditCursor>,
    limit: u32,
) -> Result<AuditPage, AuditError> {
    let limit = limit.clamp(1, MAX_PAGE_SIZE);
    let mut qb = QueryBuilder::<Postgres>::new(RECORD_COLUMNS);
    qb.push(sql::FROM_RECORDS);
    sql::push_where_order_limit(&mut qb, tenant, filter, after, i64::from(limit) + 1);
    let rows: Vec<RecordRow> = qb.build_query_as().fetch_all(conn).await?;
    let mut records = rows
        .into_iter()
        .map(AuditRecord::try_from)
        .collect::<Result<Vec<_>, _>>()?;
    let next = if records.len() > limit as usize {
        records.truncate(limit as usize);
        records.last().map(AuditRecord::cursor)
    } else {
        None
    };
    Ok(AuditPage { records, next })
}
