//! Tenant isolation of setup links under row-level security (as the service role).

use pa_domain::TenantId;

use crate::helpers::{TestApp, id_of};

async fn count_links(app: &TestApp, context: Option<TenantId>, of: TenantId) -> i64 {
    let mut tx = app.pool.begin().await.expect("tx");
    if let Some(t) = context {
        pa_db::set_tenant(&mut tx, t).await.expect("context");
    }
    let n = sqlx::query_scalar("SELECT count(*) FROM setup_links WHERE tenant_id = $1")
        .bind(of)
        .fetch_one(&mut *tx)
        .await
        .expect("count");
    tx.rollback().await.expect("rollback");
    n
}

#[tokio::test]
async fn setup_links_of_one_tenant_are_invisible_under_another_tenant_or_no_tenant() {
    let app = TestApp::spawn().await;
    let a = TenantId::parse(&id_of(&app.create_tenant().await)).expect("uuid");
    let b = TenantId::parse(&id_of(&app.create_tenant().await)).expect("uuid");
    assert_eq!(count_links(&app, Some(a), a).await, 1);
    assert_eq!(count_links(&app, Some(b), a).await, 0);
    assert_eq!(count_links(&app, None, a).await, 0);

    // Nor can B's context write or change A's links.
    let mut tx = pa_db::begin_tenant(&app.pool, b).await.expect("tx");
    let updated = sqlx::query("UPDATE setup_links SET revoked_at = now(), revoked_reason = 'revoked' WHERE tenant_id = $1")
        .bind(a)
        .execute(&mut *tx)
        .await
        .expect("update");
    assert_eq!(updated.rows_affected(), 0);
    let insert = sqlx::query(
        "INSERT INTO setup_links (tenant_id, id, token_hash, sent_to, issued_by, expires_at) \
         VALUES ($1, gen_random_uuid(), sha256('x'), 'a@b.org', 'test', now() + interval '1 day')",
    )
    .bind(a)
    .execute(&mut *tx)
    .await;
    assert!(
        insert.is_err(),
        "row-level security rejects another tenant's row"
    );
}

#[tokio::test]
async fn every_tenant_owned_table_is_isolated_and_the_service_role_owns_nothing() {
    let app = TestApp::spawn().await;
    let gaps: Vec<(String, String)> =
        sqlx::query_as("SELECT relation, gap FROM tenant_isolation_gaps()")
            .fetch_all(&app.pool)
            .await
            .expect("gaps");
    assert!(gaps.is_empty(), "{gaps:?}");
    let owned: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user",
    )
    .fetch_one(&app.pool)
    .await
    .expect("owned");
    assert_eq!(owned, 0);
}
