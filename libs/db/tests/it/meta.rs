//! Structural guarantees of the schema: every tenant table is isolated, and the
//! application role can't get around it.

use pa_db::testing;

use crate::init;

#[tokio::test]
async fn every_table_with_a_tenant_id_has_forced_row_level_security_and_a_policy() {
    init();
    let pool = testing::owner_pool().await;
    let gaps: Vec<(String, String)> =
        sqlx::query_as("SELECT relation, gap FROM tenant_isolation_gaps()")
            .fetch_all(&pool)
            .await
            .expect("check runs");
    assert!(
        gaps.is_empty(),
        "tenant tables without isolation: {gaps:#?}"
    );

    // Independent of the helper: straight from the catalog.
    let unprotected: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') \
           AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
                        AND a.attname = 'tenant_id' AND NOT a.attisdropped) \
           AND NOT (c.relrowsecurity AND c.relforcerowsecurity \
                    AND EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))",
    )
    .fetch_all(&pool)
    .await
    .expect("catalog query");
    assert!(unprotected.is_empty(), "{unprotected:?}");

    let tenant_tables: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM information_schema.columns \
         WHERE table_schema = 'public' AND column_name = 'tenant_id'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert!(tenant_tables >= 1, "audit_log at least is tenant-owned");
}

#[tokio::test]
async fn the_isolation_check_reports_a_table_that_lacks_row_level_security() {
    init();
    let pool = testing::owner_pool().await;
    // DDL is transactional: nobody else ever sees this table.
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("CREATE TABLE meta_probe_unprotected (tenant_id uuid NOT NULL)")
        .execute(&mut *tx)
        .await
        .expect("create");
    sqlx::raw_sql(
        "CREATE TABLE meta_probe_bare_cast (tenant_id uuid NOT NULL); \
         ALTER TABLE meta_probe_bare_cast ENABLE ROW LEVEL SECURITY; \
         ALTER TABLE meta_probe_bare_cast FORCE ROW LEVEL SECURITY; \
         CREATE POLICY p ON meta_probe_bare_cast \
           USING (tenant_id = current_setting('app.tenant_id', true)::uuid)",
    )
    .execute(&mut *tx)
    .await
    .expect("create");
    let gaps: Vec<(String, String)> =
        sqlx::query_as("SELECT relation, gap FROM tenant_isolation_gaps()")
            .fetch_all(&mut *tx)
            .await
            .expect("check runs");
    let has = |rel: &str, gap: &str| gaps.iter().any(|(r, g)| r == rel && g.contains(gap));
    assert!(has("meta_probe_unprotected", "not enabled"), "{gaps:?}");
    assert!(has("meta_probe_unprotected", "not forced"), "{gaps:?}");
    assert!(
        has("meta_probe_unprotected", "no row level security policy"),
        "{gaps:?}"
    );
    assert!(has("meta_probe_bare_cast", "without NULLIF"), "{gaps:?}");
    tx.rollback().await.expect("rollback");
}

#[tokio::test]
async fn the_application_role_owns_nothing_and_cannot_bypass_row_level_security() {
    init();
    let pool = testing::app_pool().await;
    let (superuser, bypass, createrole, createdb): (bool, bool, bool, bool) = sqlx::query_as(
        "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user",
    )
    .fetch_one(&pool)
    .await
    .expect("role attributes");
    assert!(!superuser && !bypass && !createrole && !createdb);

    let owned: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE pg_get_userbyid(c.relowner) = 'pa_app' AND n.nspname NOT LIKE 'pg_temp%'",
    )
    .fetch_all(&pool)
    .await
    .expect("owned relations");
    assert!(owned.is_empty(), "pa_app owns {owned:?}");

    let can_create: bool = sqlx::query_scalar("SELECT has_schema_privilege('public', 'CREATE')")
        .fetch_one(&pool)
        .await
        .expect("privilege");
    assert!(
        !can_create,
        "pa_app must not create objects in schema public"
    );
}

#[tokio::test]
async fn the_owner_role_is_not_privileged_beyond_its_schema() {
    init();
    let pool = testing::owner_pool().await;
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&pool)
            .await
            .expect("role attributes");
    assert!(!superuser && !bypass);
}
