//! Row-level security between tenants, as seen by the application role.

use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;

use crate::{init, insert_audit_row, visible_rows};

#[tokio::test]
async fn a_tenant_sees_its_own_rows() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    insert_audit_row(&mut tx, tenant)
        .await
        .expect("insert own row");
    assert_eq!(visible_rows(&mut tx, tenant).await, 1);
    tx.commit().await.expect("commit");

    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    assert_eq!(visible_rows(&mut tx, tenant).await, 1);
}

#[tokio::test]
async fn rows_of_another_tenant_are_invisible() {
    init();
    let pool = testing::app_pool().await;
    let (owner, other) = (TenantId::new(), TenantId::new());
    let mut tx = begin_tenant(&pool, owner).await.expect("begin");
    insert_audit_row(&mut tx, owner).await.expect("insert");
    tx.commit().await.expect("commit");

    let mut tx = begin_tenant(&pool, other).await.expect("begin");
    assert_eq!(visible_rows(&mut tx, owner).await, 0);
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    assert_eq!(total, 0, "another tenant's context sees no rows at all");
}

#[tokio::test]
async fn without_a_tenant_context_nothing_is_visible() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    insert_audit_row(&mut tx, tenant).await.expect("insert");
    tx.commit().await.expect("commit");

    // Fresh transaction, context never set.
    let mut tx = pool.begin().await.expect("begin");
    assert_eq!(visible_rows(&mut tx, tenant).await, 0);
    // Outside any transaction as well.
    let mut conn = pool.acquire().await.expect("acquire");
    assert_eq!(visible_rows(&mut conn, tenant).await, 0);
}

#[tokio::test]
async fn writing_a_row_for_another_tenant_is_rejected() {
    init();
    let pool = testing::app_pool().await;
    let (mine, theirs) = (TenantId::new(), TenantId::new());
    let mut tx = begin_tenant(&pool, mine).await.expect("begin");
    let err = insert_audit_row(&mut tx, theirs)
        .await
        .expect_err("WITH CHECK rejects");
    let code = err
        .as_database_error()
        .and_then(|e| e.code())
        .map(|c| c.into_owned());
    assert_eq!(code.as_deref(), Some("42501"), "{err}");
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
async fn writing_without_a_tenant_context_is_rejected() {
    init();
    let pool = testing::app_pool().await;
    let mut tx = pool.begin().await.expect("begin");
    let err = insert_audit_row(&mut tx, TenantId::new())
        .await
        .expect_err("rejected");
    assert!(err.to_string().contains("row-level security"), "{err}");
}

#[tokio::test]
async fn the_owner_role_is_bound_by_forced_row_level_security_too() {
    init();
    let pool = testing::owner_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    insert_audit_row(&mut tx, tenant).await.expect("insert");
    tx.commit().await.expect("commit");

    let mut tx = begin_tenant(&pool, TenantId::new()).await.expect("begin");
    assert_eq!(visible_rows(&mut tx, tenant).await, 0);
}
