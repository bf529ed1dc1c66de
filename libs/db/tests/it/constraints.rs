//! Constraint violations are recognisable by name where the query runs.

use pa_db::{DbError, ViolationKind, begin_tenant, testing};
use pa_domain::TenantId;

use crate::init;

#[tokio::test]
async fn a_duplicate_key_is_a_named_unique_violation() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let id = uuid::Uuid::now_v7();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let insert = "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, outcome) \
                  VALUES ($1, $2, 'system', 't', 'test.dup', 'success')";
    sqlx::query(insert)
        .bind(tenant)
        .bind(id)
        .execute(&mut *tx)
        .await
        .expect("first");
    let err: DbError = sqlx::query(insert)
        .bind(tenant)
        .bind(id)
        .execute(&mut *tx)
        .await
        .expect_err("duplicate")
        .into();
    assert!(err.is_unique_violation("audit_log_pkey"), "{err:?}");
    assert!(!err.is_unique_violation("something_else"));
    let v = err.violation().expect("a violation");
    assert_eq!(v.kind, ViolationKind::Unique);
    assert_eq!(v.table.as_deref(), Some("audit_log"));
    assert!(!err.is_transient());
}

#[tokio::test]
async fn a_bad_value_is_a_named_check_violation() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let err: DbError = sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, outcome) \
         VALUES ($1, $2, 'system', 't', 'test.check', 'maybe')",
    )
    .bind(tenant)
    .bind(uuid::Uuid::now_v7())
    .execute(&mut *tx)
    .await
    .expect_err("check")
    .into();
    // The rule is the column's domain (migration 0008), so PostgreSQL names the domain.
    assert!(err.is_check_violation("audit_outcome_check"), "{err:?}");
    assert_eq!(
        err.to_string(),
        "check constraint audit_outcome_check violated by a value of domain audit_outcome"
    );
}

#[tokio::test]
async fn a_missing_value_is_a_not_null_violation_naming_the_column() {
    init();
    let pool = testing::app_pool().await;
    let mut tx = pool.begin().await.expect("begin");
    let err: DbError =
        sqlx::query("INSERT INTO processed_messages (consumer, message_id) VALUES ('c', NULL)")
            .execute(&mut *tx)
            .await
            .expect_err("not null")
            .into();
    assert!(
        err.is_violation(ViolationKind::NotNull, "message_id"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_reported_as_unavailable() {
    init();
    let settings = pa_db::DatabaseSettings {
        url: "postgres://pa_app:pa_app@127.0.0.1:1/pa_test".into(),
        acquire_timeout_ms: 500,
        ..Default::default()
    };
    let err = pa_db::connect(&settings)
        .await
        .expect_err("nothing listens on port 1");
    assert!(matches!(err, DbError::Unavailable(_)), "{err:?}");
    assert!(err.is_transient());
}
