//! Least privilege (migration 0053): each service's role may write only the tables its
//! service owns and read what it needs; no role can touch `_sqlx_migrations`, rewrite an
//! operator key's hash or un-revoke a key.
//!
//! The matrix is data: [`matrix::CASES`] lists what each role can and cannot do, as
//! statements that never change anything (`WHERE false`, `LIMIT 0`: PostgreSQL checks
//! privileges before it looks at a single row), each run as that role and rolled back.

use pa_db::{ServiceRole, testing};
use sqlx::PgPool;
use uuid::Uuid;

use crate::init;

mod matrix;

use matrix::{CASES, May};

const TP: &str = "pa_tp";
const CONSENT: &str = "pa_consent";
const SYNC: &str = "pa_sync";
const CONSOLE: &str = "pa_console";
/// The legacy shared role (tools and fixtures): the three hazards are closed for it too.
const APP: &str = "pa_app";
const SERVICES: [&str; 4] = [TP, CONSENT, SYNC, CONSOLE];
const EVERYONE: [&str; 5] = [TP, CONSENT, SYNC, CONSOLE, APP];

/// A small pool connected as `role` on the test database.
async fn pool_of(role: &str) -> PgPool {
    testing::prepare().await;
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&testing::role_url(role))
        .await
        .unwrap_or_else(|e| panic!("connecting as {role}: {e}"))
}

/// Runs `probe` as the pool's role: `Ok` when allowed, `Err(message)` when refused for lack
/// of privilege; any other failure panics (a probe that is wrong, not a finding).
async fn run(pool: &PgPool, probe: &str) -> Result<(), String> {
    if let Some(signature) = probe.strip_prefix("fn:") {
        let allowed: bool =
            sqlx::query_scalar("SELECT has_function_privilege($1::text::regprocedure, 'EXECUTE')")
                .bind(signature)
                .fetch_one(pool)
                .await
                .unwrap_or_else(|e| panic!("{probe}: {e}"));
        return if allowed {
            Ok(())
        } else {
            Err("no EXECUTE".into())
        };
    }
    let mut tx = pool.begin().await.expect("begin");
    let outcome = sqlx::raw_sql(sqlx::AssertSqlSafe(probe.to_owned()))
        .execute(&mut *tx)
        .await;
    tx.rollback().await.expect("rollback");
    match outcome {
        Ok(_) => Ok(()),
        Err(e) if e.as_database_error().and_then(|d| d.code()).as_deref() == Some("42501") => {
            Err(e.to_string())
        }
        Err(e) => panic!("{probe}: not a privilege check: {e}"),
    }
}

#[tokio::test]
async fn each_role_may_do_exactly_what_its_matrix_row_says() {
    init();
    let mut pools = std::collections::HashMap::new();
    for role in EVERYONE {
        pools.insert(role, pool_of(role).await);
    }
    let mut wrong = Vec::new();
    for c in CASES {
        for role in c.roles {
            let outcome = run(&pools[role], c.probe).await;
            match (c.may, outcome) {
                (May::Yes, Err(e)) => {
                    wrong.push(format!("{role} should be able to: {} ({e})", c.probe))
                }
                (May::No, Ok(())) => wrong.push(format!("{role} must not be able to: {}", c.probe)),
                _ => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

#[tokio::test]
async fn the_service_roles_own_nothing_bypass_nothing_and_are_the_ones_services_use() {
    init();
    let names: Vec<&str> = ServiceRole::ALL.iter().map(|r| r.name()).collect();
    assert_eq!(
        names, SERVICES,
        "pa_db::ServiceRole names the roles of this matrix"
    );
    for role in SERVICES {
        let pool = pool_of(role).await;
        let (superuser, bypass, createrole, createdb, member): (bool, bool, bool, bool, bool) =
            sqlx::query_as(
                "SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, \
                        pg_has_role(current_user, 'pa_service', 'USAGE') \
                   FROM pg_roles WHERE rolname = current_user",
            )
            .fetch_one(&pool)
            .await
            .expect("role attributes");
        assert!(!superuser && !bypass && !createrole && !createdb, "{role}");
        assert!(
            member,
            "{role} inherits pa_service's infrastructure privileges"
        );
        let owned: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
              WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user) \
                AND n.nspname NOT LIKE 'pg_temp%'",
        )
        .fetch_one(&pool)
        .await
        .expect("owned");
        assert_eq!(owned, 0, "{role} owns relations");
    }
}

/// Whose role may write each table. A table this does not know fails the test: a migration
/// that adds a table grants its owner's role explicitly (the service roles have no default
/// privileges) and adds its rule here.
fn expected_writers(table: &str) -> Option<&'static [&'static str]> {
    const NOBODY: &[&str] = &[];
    Some(match table {
        "outbox" | "processed_messages" | "audit_log" | "platform_audit_log"
        | "audit_seal_queue" => &SERVICES,
        "audit_chain" | "audit_chain_heads" | "audit_retention" => &[CONSOLE],
        // Written by audit_purge() only (SECURITY DEFINER, as the owner).
        "audit_chain_checkpoints" => NOBODY,
        // Written by directory_users' SECURITY DEFINER triggers only (0045); the console reads.
        "console_user_words" => NOBODY,
        "tenants" | "setup_links" | "operator_api_keys" | "idempotency_keys" => &[TP],
        t if t.starts_with("consent_") => &[CONSENT],
        t if t.starts_with("sync_") || t.starts_with("directory_") => &[SYNC],
        t if t.starts_with("console_") => &[CONSOLE],
        _ => return None,
    })
}

#[tokio::test]
async fn every_table_is_written_by_its_owners_role_and_no_other_service_role() {
    init();
    let pool = testing::owner_pool().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition \
            AND c.relname <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("tables");
    let mut wrong = Vec::new();
    for table in &tables {
        let Some(expected) = expected_writers(table) else {
            wrong.push(format!(
                "{table}: no owning service role known (grant it in its migration and add a rule to expected_writers)"
            ));
            continue;
        };
        let mut writers = Vec::new();
        for role in SERVICES {
            let writes: bool =
                sqlx::query_scalar("SELECT has_table_privilege($1, $2, 'INSERT, UPDATE, DELETE')")
                    .bind(role)
                    .bind(table)
                    .fetch_one(&pool)
                    .await
                    .expect("privilege");
            if writes {
                writers.push(role);
            }
        }
        if writers != expected {
            wrong.push(format!(
                "{table}: written by {writers:?}, expected {expected:?}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[tokio::test]
async fn no_role_can_unrevoke_an_operator_key_or_rewrite_its_hash() {
    init();
    let admin = testing::admin_pool().await;
    let id = Uuid::now_v7();
    let hash: Vec<u8> = sqlx::query_scalar(
        "INSERT INTO operator_api_keys (id, name, key_prefix, key_hash, revoked_at) \
         VALUES ($1, 'roles probe', 'pa_op_rolesprb', sha256(uuid_send($1)), now()) \
         RETURNING key_hash",
    )
    .bind(id)
    .fetch_one(&admin)
    .await
    .expect("a revoked key");
    let mut roles = EVERYONE.to_vec();
    roles.push("pa_owner");
    for role in roles {
        let pool = pool_of(role).await;
        for sql in [
            "UPDATE operator_api_keys SET revoked_at = NULL, revoked_by = NULL WHERE id = $1",
            "UPDATE operator_api_keys SET revoked_at = now() - interval '1 day' WHERE id = $1",
            "UPDATE operator_api_keys SET key_hash = sha256(key_hash) WHERE id = $1",
        ] {
            let err = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .execute(&pool)
                .await
                .expect_err(&format!("{role}: {sql}"));
            let code = err.as_database_error().and_then(|d| d.code());
            assert_eq!(code.as_deref(), Some("42501"), "{role}: {sql}: {err}");
        }
    }
    let (revoked, stored): (bool, Vec<u8>) = sqlx::query_as(
        "SELECT revoked_at IS NOT NULL, key_hash FROM operator_api_keys WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&admin)
    .await
    .expect("row");
    assert!(revoked, "still revoked");
    assert_eq!(stored, hash, "hash unchanged");

    // What tenant-provisioning does to a live key still works: record a use, revoke it.
    let live = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO operator_api_keys (id, name, key_prefix, key_hash) \
         VALUES ($1, 'roles probe', 'pa_op_rolesprb', sha256(uuid_send($1)))",
    )
    .bind(live)
    .execute(&admin)
    .await
    .expect("a live key");
    let tp = pool_of(TP).await;
    for sql in [
        "UPDATE operator_api_keys SET last_used_at = now() WHERE id = $1",
        "UPDATE operator_api_keys SET revoked_at = now(), revoked_by = id WHERE id = $1",
    ] {
        let done = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(live)
            .execute(&tp)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(done.rows_affected(), 1, "{sql}");
    }
}
