//! Least privilege (migration 0053): each service's role may write only the tables its
//! service owns and read what it needs; no role can touch `_sqlx_migrations`, rewrite an
//! operator key's hash or un-revoke a key.
//!
//! The matrix is data: [`CASES`] lists what each role can and cannot do, as statements that
//! never change anything (`WHERE false`, `LIMIT 0`: PostgreSQL checks privileges before it
//! looks at a single row), each run as that role and rolled back.

use pa_db::{ServiceRole, testing};
use sqlx::PgPool;
use uuid::Uuid;

use crate::init;

const TP: &str = "pa_tp";
const CONSENT: &str = "pa_consent";
const SYNC: &str = "pa_sync";
const CONSOLE: &str = "pa_console";
/// The legacy shared role (tools and fixtures): the three hazards are closed for it too.
const APP: &str = "pa_app";
const SERVICES: [&str; 4] = [TP, CONSENT, SYNC, CONSOLE];
const EVERYONE: [&str; 5] = [TP, CONSENT, SYNC, CONSOLE, APP];

/// What a role may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum May {
    Yes,
    No,
}
use May::{No, Yes};

/// One probe: a statement, or `fn:<signature>` for EXECUTE on a function.
struct Case {
    roles: &'static [&'static str],
    probe: &'static str,
    may: May,
}

const fn case(roles: &'static [&'static str], probe: &'static str, may: May) -> Case {
    Case { roles, probe, may }
}

/// The matrix.
const CASES: &[Case] = &[
    // ---- every role, pa_app included: the three hazards -------------------------------
    case(
        &EVERYONE,
        "SELECT version FROM _sqlx_migrations LIMIT 0",
        No,
    ),
    case(
        &EVERYONE,
        "UPDATE _sqlx_migrations SET success = true WHERE false",
        No,
    ),
    case(&EVERYONE, "DELETE FROM _sqlx_migrations WHERE false", No),
    case(
        &EVERYONE,
        "INSERT INTO _sqlx_migrations SELECT * FROM _sqlx_migrations WHERE false",
        No,
    ),
    case(
        &EVERYONE,
        "UPDATE operator_api_keys SET key_hash = key_hash WHERE false",
        No,
    ),
    case(
        &EVERYONE,
        "UPDATE operator_api_keys SET key_prefix = key_prefix WHERE false",
        No,
    ),
    case(&EVERYONE, "DELETE FROM operator_api_keys WHERE false", No),
    case(&EVERYONE, "TRUNCATE tenants", No),
    case(&EVERYONE, "TRUNCATE audit_log", No),
    case(&EVERYONE, "CREATE TABLE roles_probe (id int)", No),
    case(&SERVICES, "CREATE TEMPORARY TABLE roles_probe (id int)", No),
    // ---- shared infrastructure: every service ------------------------------------------
    case(
        &SERVICES,
        "INSERT INTO outbox SELECT * FROM outbox WHERE false",
        Yes,
    ),
    case(
        &SERVICES,
        "SELECT id FROM outbox LIMIT 0 FOR UPDATE SKIP LOCKED",
        Yes,
    ),
    case(&SERVICES, "DELETE FROM outbox WHERE false", Yes),
    case(
        &SERVICES,
        "INSERT INTO processed_messages SELECT * FROM processed_messages WHERE false",
        Yes,
    ),
    case(&SERVICES, "DELETE FROM processed_messages WHERE false", Yes),
    // audit_log's statement trigger queues the (no) records for sealing as the writer.
    case(
        &SERVICES,
        "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, outcome) SELECT NULL, NULL, 'system', 'x', 'x', 'success' WHERE false",
        Yes,
    ),
    case(
        &SERVICES,
        "INSERT INTO platform_audit_log (actor_type, actor_id, action, outcome) SELECT 'system', 'x', 'x', 'success' WHERE false",
        Yes,
    ),
    case(
        &SERVICES,
        "UPDATE audit_log SET action = action WHERE false",
        No,
    ),
    case(&SERVICES, "DELETE FROM audit_log WHERE false", No),
    case(&SERVICES, "DELETE FROM audit_seal_queue WHERE false", No),
    case(&SERVICES, "fn:purge_tenant_rows(uuid)", Yes), // SECURITY INVOKER: its caller's rights
    // ---- pa_tp: tenants, setup links, operator keys, idempotency keys -----------------
    case(&[TP], "UPDATE tenants SET status = status WHERE false", Yes),
    case(
        &[TP],
        "INSERT INTO tenants SELECT * FROM tenants WHERE false",
        Yes,
    ),
    case(&[TP], "DELETE FROM tenants WHERE false", No), // a purge marks, never deletes
    case(&[TP], "DELETE FROM setup_links WHERE false", Yes),
    case(&[TP], "DELETE FROM idempotency_keys WHERE false", Yes),
    case(
        &[TP],
        "INSERT INTO operator_api_keys SELECT * FROM operator_api_keys WHERE false",
        Yes,
    ),
    case(
        &[TP],
        "UPDATE operator_api_keys SET last_used_at = now() WHERE false",
        Yes,
    ),
    case(
        &[TP],
        "UPDATE operator_api_keys SET revoked_at = now(), revoked_by = id WHERE false",
        Yes,
    ),
    case(
        &[TP],
        "UPDATE operator_api_keys SET name = name WHERE false",
        No,
    ),
    case(&[TP], "fn:setup_link_lookup(bytea)", Yes),
    case(&[TP], "SELECT 1 FROM consent_wizards LIMIT 0", No),
    case(
        &[TP],
        "UPDATE consent_wizards SET tenant_id = tenant_id WHERE false",
        No,
    ),
    case(&[TP], "SELECT 1 FROM directory_users LIMIT 0", No),
    case(&[TP], "DELETE FROM sync_tenants WHERE false", No),
    case(&[TP], "DELETE FROM console_sessions WHERE false", No),
    case(&[TP], "SELECT 1 FROM audit_log LIMIT 0", No),
    case(&[TP], "fn:sync_claim_due(integer)", No),
    // ---- pa_consent: consent_* -----------------------------------------------------------
    case(
        &[CONSENT],
        "UPDATE consent_wizards SET tenant_id = tenant_id WHERE false",
        Yes,
    ),
    case(&[CONSENT], "DELETE FROM consent_wizards WHERE false", Yes),
    case(
        &[CONSENT],
        "DELETE FROM consent_start_failures WHERE false",
        Yes,
    ),
    case(
        &[CONSENT],
        "SELECT id, display_name, environment, status FROM tenants LIMIT 0",
        Yes,
    ),
    case(&[CONSENT], "SELECT contact_email FROM tenants LIMIT 0", No),
    case(
        &[CONSENT],
        "UPDATE tenants SET status = status WHERE false",
        No,
    ),
    case(&[CONSENT], "SELECT 1 FROM setup_links LIMIT 0", No), // only through its lookups
    case(&[CONSENT], "fn:consent_setup_link_lookup(bytea)", Yes),
    case(&[CONSENT], "fn:consent_setup_link_status(uuid,uuid)", Yes),
    case(&[CONSENT], "fn:consent_directory_conflict(uuid,uuid)", Yes),
    case(&[CONSENT], "fn:setup_link_lookup(bytea)", No),
    case(&[CONSENT], "SELECT id FROM operator_api_keys LIMIT 0", No),
    case(
        &[CONSENT],
        "INSERT INTO sync_runs (tenant_id) SELECT NULL WHERE false",
        No,
    ),
    case(&[CONSENT], "SELECT 1 FROM directory_users LIMIT 0", No),
    case(
        &[CONSENT],
        "UPDATE console_settings SET tenant_id = tenant_id WHERE false",
        No,
    ),
    // ---- pa_sync: sync_*, directory_* ----------------------------------------------------
    case(
        &[SYNC],
        "UPDATE sync_tenants SET tenant_id = tenant_id WHERE false",
        Yes,
    ),
    case(&[SYNC], "DELETE FROM sync_scratch_plan WHERE false", Yes),
    case(
        &[SYNC],
        "UPDATE directory_users SET role = role WHERE false",
        Yes,
    ),
    case(
        &[SYNC],
        "DELETE FROM directory_user_history WHERE false",
        Yes,
    ),
    case(
        &[SYNC],
        "SELECT id, key_prefix, key_hash, revoked_at, last_used_at FROM operator_api_keys LIMIT 0",
        Yes,
    ),
    case(&[SYNC], "SELECT name FROM operator_api_keys LIMIT 0", No),
    case(
        &[SYNC],
        "UPDATE operator_api_keys SET revoked_at = NULL WHERE false",
        No,
    ),
    case(&[SYNC], "fn:sync_claim_due(integer)", Yes),
    case(&[SYNC], "fn:sync_recover_stale(integer,integer)", Yes),
    case(
        &[SYNC],
        "INSERT INTO console_sessions (tenant_id) SELECT NULL WHERE false",
        No,
    ),
    case(&[SYNC], "SELECT 1 FROM console_sessions LIMIT 0", No),
    case(&[SYNC], "SELECT 1 FROM tenants LIMIT 0", No),
    case(
        &[SYNC],
        "UPDATE tenants SET status = status WHERE false",
        No,
    ),
    case(&[SYNC], "SELECT 1 FROM consent_wizards LIMIT 0", No),
    case(&[SYNC], "fn:console_search_users(text)", No),
    // ---- pa_console: console_*, reads of the synced model, the audit trail --------------
    case(
        &[CONSOLE],
        "UPDATE console_sessions SET tenant_id = tenant_id WHERE false",
        Yes,
    ),
    case(
        &[CONSOLE],
        "DELETE FROM console_signin_states WHERE false",
        Yes,
    ),
    case(&[CONSOLE], "DELETE FROM console_api_tokens WHERE false", No), // revoked, never deleted
    case(
        &[CONSOLE],
        "DELETE FROM console_emergency_accounts WHERE false",
        No,
    ),
    case(&[CONSOLE], "SELECT 1 FROM directory_users LIMIT 0", Yes),
    case(&[CONSOLE], "SELECT 1 FROM sync_runs LIMIT 0", Yes),
    case(
        &[CONSOLE],
        "UPDATE directory_users SET role = role WHERE false",
        No,
    ),
    case(
        &[CONSOLE],
        "INSERT INTO sync_runs (tenant_id) SELECT NULL WHERE false",
        No,
    ),
    case(&[CONSOLE], "SELECT id, status FROM tenants LIMIT 0", Yes),
    case(&[CONSOLE], "SELECT contact_email FROM tenants LIMIT 0", No),
    case(
        &[CONSOLE],
        "UPDATE tenants SET status = status WHERE false",
        No,
    ),
    case(&[CONSOLE], "SELECT 1 FROM audit_log LIMIT 0", Yes),
    case(
        &[CONSOLE],
        "INSERT INTO audit_chain SELECT * FROM audit_chain WHERE false",
        Yes,
    ),
    case(
        &[CONSOLE],
        "UPDATE audit_chain_heads SET seq = seq WHERE false",
        Yes,
    ),
    case(
        &[CONSOLE],
        "UPDATE audit_chain SET seq = seq WHERE false",
        No,
    ),
    case(
        &[CONSOLE],
        "INSERT INTO audit_chain_checkpoints (tenant_id) SELECT NULL WHERE false",
        No,
    ),
    case(&[CONSOLE], "fn:console_search_users(text)", Yes),
    case(
        &[CONSOLE],
        "fn:console_tenants_with_expired_sessions(timestamptz)",
        Yes,
    ),
    case(&[CONSOLE], "fn:audit_purge(timestamptz,integer)", Yes),
    case(
        &[CONSOLE],
        "fn:audit_seal_pending_tenants(uuid,integer)",
        Yes,
    ),
    case(&[CONSOLE], "SELECT 1 FROM consent_sessions LIMIT 0", No),
    case(&[CONSOLE], "SELECT id FROM operator_api_keys LIMIT 0", No),
];

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
                (Yes, Err(e)) => wrong.push(format!("{role} should be able to: {} ({e})", c.probe)),
                (No, Ok(())) => wrong.push(format!("{role} must not be able to: {}", c.probe)),
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
