//! Migrations: idempotent, and applicable to an empty database by the `pa-migrate` binary.

use std::process::Command;
use std::str::FromStr;

use pa_db::testing;
use sqlx::postgres::PgConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection};

use crate::init;

#[tokio::test]
async fn migrating_an_up_to_date_database_is_a_no_op() {
    init();
    testing::prepare().await;
    pa_db::migrate(&testing::owner_url())
        .await
        .expect("second run succeeds");
    let pool = testing::owner_pool().await;
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(applied, pa_db::MIGRATOR.iter().count() as i64);
}

#[tokio::test]
async fn pa_migrate_builds_the_schema_in_an_empty_database() {
    init();
    testing::prepare().await;
    let db = format!("pa_migrate_probe_{}", std::process::id());
    let mut admin = PgConnection::connect(&testing::admin_url())
        .await
        .expect("admin");
    let drop = format!("DROP DATABASE IF EXISTS {db}");
    sqlx::raw_sql(AssertSqlSafe(drop.clone()))
        .execute(&mut admin)
        .await
        .expect("drop");
    sqlx::raw_sql(AssertSqlSafe(format!(
        "CREATE DATABASE {db} OWNER pa_owner"
    )))
    .execute(&mut admin)
    .await
    .expect("create");
    let admin_on_db = PgConnectOptions::from_str(&testing::admin_url())
        .expect("admin url")
        .database(&db);
    let mut on_db = PgConnection::connect_with(&admin_on_db)
        .await
        .expect("admin on probe db");
    sqlx::raw_sql(testing::BOOTSTRAP_DATABASE_SQL)
        .execute(&mut on_db)
        .await
        .expect("per-database bootstrap");
    on_db.close().await.expect("close");

    let url =
        testing::owner_url().replace(&format!("/{}", testing::test_database()), &format!("/{db}"));
    let output = Command::new(env!("CARGO_BIN_EXE_pa-migrate"))
        .env("PA_MIGRATE_DATABASE_URL", &url)
        .output()
        .expect("pa-migrate runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let again = Command::new(env!("CARGO_BIN_EXE_pa-migrate"))
        .args(["--database-url", &url])
        .output()
        .expect("pa-migrate runs again");
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );

    let mut owner = PgConnection::connect(&url)
        .await
        .expect("owner on probe db");
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' ORDER BY 1",
    )
    .fetch_all(&mut owner)
    .await
    .expect("tables");
    for expected in [
        "audit_log",
        "outbox",
        "platform_audit_log",
        "processed_messages",
    ] {
        assert!(
            tables.iter().any(|t| t == expected),
            "{expected} missing from {tables:?}"
        );
    }
    owner.close().await.expect("close");
    sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE {db} WITH (FORCE)")))
        .execute(&mut admin)
        .await
        .expect("drop");
}
