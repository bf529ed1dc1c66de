//! The tenant context is transaction-local and never leaks through the pool.

use pa_db::{begin_tenant, clear_tenant, set_tenant, testing};
use pa_domain::TenantId;
use sqlx::postgres::PgPoolOptions;

use crate::{init, insert_audit_row, visible_rows};

async fn single_connection_pool() -> sqlx::PgPool {
    testing::prepare().await;
    PgPoolOptions::new()
        .max_connections(1)
        .connect(&testing::app_url())
        .await
        .expect("connect")
}

async fn current_context(conn: &mut sqlx::PgConnection) -> Option<String> {
    sqlx::query_scalar("SELECT current_setting('app.tenant_id', true)")
        .fetch_one(conn)
        .await
        .expect("read setting")
}

#[tokio::test]
async fn the_tenant_context_does_not_survive_commit_on_a_pooled_connection() {
    init();
    let pool = single_connection_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .expect("pid");
    insert_audit_row(&mut tx, tenant).await.expect("insert");
    tx.commit().await.expect("commit");

    let mut tx = pool.begin().await.expect("begin again");
    let same_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut *tx)
        .await
        .expect("pid");
    assert_eq!(pid, same_pid, "the pool handed out the same session");
    let context = current_context(&mut tx).await;
    assert!(
        context.as_deref().is_none_or(str::is_empty),
        "leaked: {context:?}"
    );
    // The policy treats the reset ('') setting as "no tenant": nothing visible, no error.
    assert_eq!(visible_rows(&mut tx, tenant).await, 0);
}

#[tokio::test]
async fn the_tenant_context_does_not_survive_rollback_on_a_pooled_connection() {
    init();
    let pool = single_connection_pool().await;
    let tenant = TenantId::new();
    let tx = begin_tenant(&pool, tenant).await.expect("begin");
    tx.rollback().await.expect("rollback");

    let mut conn = pool.acquire().await.expect("acquire");
    let context = current_context(&mut conn).await;
    assert!(
        context.as_deref().is_none_or(str::is_empty),
        "leaked: {context:?}"
    );
}

#[tokio::test]
async fn a_pool_with_session_settings_plans_by_them_and_a_tenant_statement_on_it_leaves_no_context()
{
    init();
    testing::prepare().await;
    let database = pa_db::DatabaseSettings {
        url: testing::app_url().into(),
        ..pa_db::DatabaseSettings::default()
    };
    let pool = pa_db::connect_lazy_with_settings(
        &database,
        1,
        &[
            pa_db::SessionSetting::GENERIC_PLANS,
            pa_db::SessionSetting::NO_JIT,
        ],
    )
    .expect("pool");
    let tenant = TenantId::new();
    let mut qb = pa_db::tenant_statement(tenant);
    qb.push(" SELECT current_setting('app.tenant_id', true), current_setting('plan_cache_mode'), current_setting('jit') FROM tenant_context");
    let (context, plans, jit): (String, String, String) = qb
        .build_query_as()
        .fetch_one(&pool)
        .await
        .expect("tenant statement");
    assert_eq!(
        (context, plans.as_str(), jit.as_str()),
        (tenant.to_string(), "force_generic_plan", "off")
    );

    let mut conn = pool.acquire().await.expect("acquire the same session");
    let plans: String = sqlx::query_scalar("SELECT current_setting('plan_cache_mode')")
        .fetch_one(&mut *conn)
        .await
        .expect("read setting");
    assert_eq!(
        plans, "force_generic_plan",
        "every statement of the session"
    );
    let context = current_context(&mut conn).await;
    assert!(
        context.as_deref().is_none_or(str::is_empty),
        "leaked: {context:?}"
    );
}

#[tokio::test]
async fn set_tenant_switches_the_context_inside_a_transaction() {
    init();
    let pool = testing::app_pool().await;
    let (first, second) = (TenantId::new(), TenantId::new());
    let mut tx = begin_tenant(&pool, first).await.expect("begin");
    insert_audit_row(&mut tx, first)
        .await
        .expect("insert first");
    set_tenant(&mut tx, second).await.expect("switch");
    assert_eq!(current_context(&mut tx).await, Some(second.to_string()));
    assert_eq!(visible_rows(&mut tx, first).await, 0);
    insert_audit_row(&mut tx, second)
        .await
        .expect("insert second");
}

#[tokio::test]
async fn clear_tenant_ends_the_context_inside_a_transaction() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    insert_audit_row(&mut tx, tenant).await.expect("insert");
    assert_eq!(visible_rows(&mut tx, tenant).await, 1);
    clear_tenant(&mut tx).await.expect("clear");
    assert_eq!(current_context(&mut tx).await.as_deref(), Some(""));
    assert_eq!(visible_rows(&mut tx, tenant).await, 0);
    assert!(
        insert_audit_row(&mut tx, tenant).await.is_err(),
        "no tenant's rows may be written without a context"
    );
}

/// `INSERT INTO audit_log … SELECT … WHERE <guard>` as a part of a `tenant_statement`;
/// returns how many rows it wrote.
async fn run_audit_insert(
    conn: &mut sqlx::PgConnection,
    context: TenantId,
    row_tenant: TenantId,
    guard: &str,
) -> Result<i64, sqlx::Error> {
    let mut qb = pa_db::tenant_statement(context);
    qb.push(
        ", written AS (INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, \
         outcome) SELECT ",
    );
    qb.push_bind(row_tenant);
    qb.push(", ");
    qb.push_bind(uuid::Uuid::now_v7());
    qb.push(", 'system', 'pa-db-test', 'test.one_statement', 'success'");
    qb.push(guard);
    qb.push(" RETURNING 1) SELECT count(*) FROM written");
    qb.build_query_scalar().fetch_one(conn).await
}

#[tokio::test]
async fn a_tenant_statement_writes_under_its_context_in_autocommit_and_leaves_none_behind() {
    init();
    let pool = single_connection_pool().await;
    let tenant = TenantId::new();
    let guard = format!(" WHERE {}", pa_db::IN_TENANT_CONTEXT);

    let mut conn = pool.acquire().await.expect("acquire");
    let written = run_audit_insert(&mut conn, tenant, tenant, &guard)
        .await
        .expect("the guarded write passes the policy");
    assert_eq!(written, 1);
    // Committed on its own (autocommit), and the context ended with it.
    let context = current_context(&mut conn).await;
    assert!(
        context.as_deref().is_none_or(str::is_empty),
        "leaked: {context:?}"
    );
    drop(conn);
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    assert_eq!(visible_rows(&mut tx, tenant).await, 1);
}

#[tokio::test]
async fn a_tenant_statement_cannot_write_another_tenants_rows() {
    init();
    let pool = single_connection_pool().await;
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let guard = format!(" WHERE {}", pa_db::IN_TENANT_CONTEXT);
    let mut conn = pool.acquire().await.expect("acquire");

    let cross = run_audit_insert(&mut conn, tenant, other, &guard).await;
    let code = cross.expect_err("another tenant's row is refused");
    assert_eq!(
        code.as_database_error().and_then(|e| e.code()).as_deref(),
        Some("42501"),
        "row-level security violation"
    );
    drop(conn);
    let mut tx = begin_tenant(&pool, other).await.expect("begin");
    assert_eq!(visible_rows(&mut tx, other).await, 0);
}
