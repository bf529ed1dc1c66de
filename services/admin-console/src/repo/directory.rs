//! Reads of sync-dispatch's read model (`directory_*`, never written here) joined with the
//! console's own user blocks and sessions.

use pa_domain::TenantId;
use sqlx::{PgConnection, Postgres, QueryBuilder};
use time::OffsetDateTime;
use uuid::Uuid;

/// How the Users list is sorted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserSort {
    DisplayName { descending: bool },
    UserPrincipalName { descending: bool },
}

impl UserSort {
    pub fn parse(text: &str) -> Option<Self> {
        let (descending, key) = match text.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, text),
        };
        match key {
            "display_name" => Some(Self::DisplayName { descending }),
            "user_principal_name" => Some(Self::UserPrincipalName { descending }),
            _ => None,
        }
    }

    /// The cursor's list tag.
    pub fn tag(self) -> &'static str {
        match self {
            Self::DisplayName { descending: false } => "users:display_name",
            Self::DisplayName { descending: true } => "users:-display_name",
            Self::UserPrincipalName { descending: false } => "users:user_principal_name",
            Self::UserPrincipalName { descending: true } => "users:-user_principal_name",
        }
    }

    fn descending(self) -> bool {
        match self {
            Self::DisplayName { descending } | Self::UserPrincipalName { descending } => descending,
        }
    }

    /// The sort key of a row, as the cursor stores it.
    pub fn key_of(self, row: &UserRow) -> String {
        match self {
            Self::DisplayName { .. } => row.display_name.clone().unwrap_or_default(),
            Self::UserPrincipalName { .. } => row.user_principal_name.clone(),
        }
    }
}

/// Filters of the Users list (all optional, combined with AND).
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// A search term (trimmed, 1–100 characters): word prefixes of the display name, UPN or
    /// mail (see `repo::user_search`).
    pub search: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    pub group_id: Option<Uuid>,
}

/// One user of the list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub display_name: Option<String>,
    pub mail: Option<String>,
    pub account_enabled: bool,
    pub directory_state: String,
    pub role: Option<String>,
    pub role_source: Option<String>,
    pub status: String,
    pub status_reason: Option<String>,
    pub status_changed_at: Option<OffsetDateTime>,
    pub blocked: bool,
}

const USER_COLUMNS: &str = "du.object_id, du.user_principal_name, du.display_name, du.mail, \
    du.account_enabled, du.directory_state, du.role, du.role_source, du.status, du.status_reason, \
    du.status_changed_at, EXISTS (SELECT 1 FROM console_user_blocks b \
        WHERE b.tenant_id = du.tenant_id AND b.object_id = du.object_id) AS blocked";

/// The columns of a user row, without `blocked`.
const INNER_COLUMNS: &str = "du.object_id, du.user_principal_name, du.display_name, du.mail, \
    du.account_enabled, du.directory_state, du.role, du.role_source, du.status, du.status_reason, \
    du.status_changed_at";

/// How the sessions of the search pool ([`search_pool`]) plan: a search statement is planned
/// once per connection (its plan does not depend on the term; planning it costs more than
/// running it) and never JIT-compiled. The benchmark's direct-SQL baseline uses a pool of
/// the same settings.
pub const SEARCH_SETTINGS: &[pa_db::SessionSetting] = &[
    pa_db::SessionSetting::GENERIC_PLANS,
    pa_db::SessionSetting::NO_JIT,
];

/// The Users search's pool: `connections` sessions of the service's role with
/// [`SEARCH_SETTINGS`] (opened on first use).
pub fn search_pool(
    database: &pa_db::DatabaseSettings,
    connections: u32,
) -> Result<sqlx::PgPool, pa_db::DbError> {
    pa_db::connect_lazy_with_settings(database, connections, SEARCH_SETTINGS)
}

/// The SQL of one page (exposed so the benchmark runs the very same statement directly).
///
/// With a search term: [`super::user_search::page_query`] (word-prefix search on
/// `console_user_words`, about a page of rows read whatever the number of matches). Without
/// one, the page is an index range read on the sort key (0043's indexes). Only leakproof
/// comparisons touch the keyset (no row comparison), so row-level security never stops the
/// index from seeking to it. Blocks are probed for the rows shown only.
pub fn list_users_query(
    tenant: TenantId,
    filter: &UserFilter,
    sort: UserSort,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> Result<QueryBuilder<Postgres>, sqlx::Error> {
    if let Some(term) = &filter.search {
        return super::user_search::page_query(tenant, term, filter, sort, after, limit);
    }
    let dir = if sort.descending() { "DESC" } else { "ASC" };
    let key = match sort {
        UserSort::DisplayName { .. } => "coalesce(du.display_name, '')",
        UserSort::UserPrincipalName { .. } => "du.user_principal_name",
    };
    let mut qb = QueryBuilder::new(format!(
        "SELECT du.tenant_id, {INNER_COLUMNS}, EXISTS (SELECT 1 FROM console_user_blocks b \
         WHERE b.tenant_id = du.tenant_id AND b.object_id = du.object_id) AS blocked \
         FROM (SELECT du.object_id, {key} AS sort_key FROM directory_users du WHERE du.tenant_id = "
    ));
    qb.push_bind(tenant);
    if let Some(role) = &filter.role {
        qb.push(" AND du.role = ").push_bind(role.clone());
    }
    if let Some(status) = &filter.status {
        qb.push(" AND du.status = ").push_bind(status.clone());
    }
    if let Some(group) = filter.group_id {
        qb.push(" AND EXISTS (SELECT 1 FROM directory_user_grants g WHERE g.tenant_id = ")
            .push_bind(tenant)
            .push(" AND g.object_id = du.object_id AND g.group_id = ")
            .push_bind(group)
            .push(")");
    }
    if let Some((k, id)) = after {
        let (strict, loose, id_cmp) = if sort.descending() {
            ("<", "<=", "<")
        } else {
            (">", ">=", ">")
        };
        qb.push(format!(" AND {key} {loose} ")).push_bind(k.clone());
        qb.push(format!(" AND ({key} {strict} ")).push_bind(k);
        qb.push(format!(" OR du.object_id {id_cmp} "))
            .push_bind(id)
            .push(")");
    }
    qb.push(format!(" ORDER BY {key} {dir}, du.object_id {dir} LIMIT "))
        .push_bind(limit);
    qb.push(") AS page JOIN directory_users du ON du.tenant_id = ")
        .push_bind(tenant);
    qb.push(format!(
        " AND du.object_id = page.object_id ORDER BY page.sort_key {dir}, page.object_id {dir}"
    ));
    Ok(qb)
}

/// One page of users ([`list_users_query`]) on `executor`: a search on the search pool (one
/// autocommit statement that sets its own tenant context, `repo::user_search`), a plain list in
/// a tenant transaction.
pub async fn list_users<'e, E: sqlx::PgExecutor<'e>>(
    executor: E,
    tenant: TenantId,
    filter: &UserFilter,
    sort: UserSort,
    after: Option<(String, Uuid)>,
    limit: i64,
) -> Result<Vec<UserRow>, sqlx::Error> {
    list_users_query(tenant, filter, sort, after, limit)?
        .build_query_as::<UserRow>()
        .fetch_all(executor)
        .await
}

pub async fn user(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<Option<UserRow>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM directory_users du WHERE du.tenant_id = $1 AND du.object_id = $2"
    )))
    .bind(tenant)
    .bind(object_id)
    .fetch_optional(conn)
    .await
}

/// Which configured group grants which role to the user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GrantRow {
    pub group_id: Uuid,
    pub role: String,
    pub display_name: Option<String>,
}

pub async fn grants(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<Vec<GrantRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.group_id, g.role, dg.display_name FROM directory_user_grants g \
         LEFT JOIN directory_groups dg ON dg.tenant_id = g.tenant_id AND dg.group_id = g.group_id \
         WHERE g.tenant_id = $1 AND g.object_id = $2 ORDER BY g.role, g.group_id",
    )
    .bind(tenant)
    .bind(object_id)
    .fetch_all(conn)
    .await
}

/// A status or role change.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub id: Uuid,
    pub occurred_at: OffsetDateTime,
    pub change: String,
    pub from_role: Option<String>,
    pub to_role: Option<String>,
    pub reason: Option<String>,
    pub run_id: Option<Uuid>,
}

pub async fn history(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<Vec<HistoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, occurred_at, change, from_role, to_role, reason, run_id FROM directory_user_history \
         WHERE tenant_id = $1 AND object_id = $2 ORDER BY occurred_at DESC, id DESC LIMIT 100",
    )
    .bind(tenant)
    .bind(object_id)
    .fetch_all(conn)
    .await
}

/// The user's last console sign-in.
pub async fn last_sign_in(
    conn: &mut PgConnection,
    tenant: TenantId,
    object_id: Uuid,
) -> Result<Option<OffsetDateTime>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT max(created_at) FROM console_sessions WHERE tenant_id = $1 AND object_id = $2",
    )
    .bind(tenant)
    .bind(object_id)
    .fetch_one(conn)
    .await
}

/// A configured group with what the last sync saw of it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GroupListing {
    pub group_id: Uuid,
    pub display_name: String,
    pub role: String,
    pub added_at: OffsetDateTime,
    pub synced_name: Option<String>,
    pub member_count: Option<i32>,
    pub deleted_at: Option<OffsetDateTime>,
    pub last_synced_at: Option<OffsetDateTime>,
}

pub async fn groups(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<GroupListing>, sqlx::Error> {
    sqlx::query_as(
        "SELECT g.group_id, g.display_name, g.role, g.added_at, dg.display_name AS synced_name, \
         dg.member_count, dg.deleted_at, dg.last_synced_at FROM console_access_groups g \
         LEFT JOIN directory_groups dg ON dg.tenant_id = g.tenant_id AND dg.group_id = g.group_id \
         WHERE g.tenant_id = $1 ORDER BY g.role, g.display_name, g.group_id",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}

/// One row of the access review: everyone who can access the tenant now.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccessRow {
    pub object_id: Uuid,
    pub user_principal_name: String,
    pub display_name: Option<String>,
    pub role: Option<String>,
    pub role_source: Option<String>,
    /// Group names granting roles (comma separated), for provenance.
    pub granted_by: Option<String>,
    pub last_sign_in: Option<OffsetDateTime>,
}

pub async fn access_review(
    conn: &mut PgConnection,
    tenant: TenantId,
) -> Result<Vec<AccessRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT du.object_id, du.user_principal_name, du.display_name, du.role, du.role_source, \
         (SELECT string_agg(coalesce(dg.display_name, g.group_id::text) || ' (' || g.role || ')', ', ' ORDER BY g.role, dg.display_name) \
            FROM directory_user_grants g LEFT JOIN directory_groups dg \
              ON dg.tenant_id = g.tenant_id AND dg.group_id = g.group_id \
            WHERE g.tenant_id = du.tenant_id AND g.object_id = du.object_id) AS granted_by, \
         (SELECT max(s.created_at) FROM console_sessions s \
            WHERE s.tenant_id = du.tenant_id AND s.object_id = du.object_id) AS last_sign_in \
         FROM directory_users du WHERE du.tenant_id = $1 AND du.status = 'active' \
           AND NOT EXISTS (SELECT 1 FROM console_user_blocks b WHERE b.tenant_id = du.tenant_id AND b.object_id = du.object_id) \
         ORDER BY du.role, du.user_principal_name",
    )
    .bind(tenant)
    .fetch_all(conn)
    .await
}
