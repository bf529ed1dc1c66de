//! The matrix: what each role can and cannot do (see the parent module).

use super::{CONSENT, CONSOLE, EVERYONE, SERVICES, SYNC, TP};

/// What a role may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum May {
    Yes,
    No,
}
use May::{No, Yes};

/// One probe: a statement, or `fn:<signature>` for EXECUTE on a function.
pub(super) struct Case {
    pub(super) roles: &'static [&'static str],
    pub(super) probe: &'static str,
    pub(super) may: May,
}

const fn case(roles: &'static [&'static str], probe: &'static str, may: May) -> Case {
    Case { roles, probe, may }
}

/// The matrix.
pub(super) const CASES: &[Case] = &[
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
    case(&[CONSOLE], "fn:console_search_users(text)", No),
    case(
        &[CONSOLE],
        "SELECT word FROM console_user_words LIMIT 0",
        Yes,
    ),
    case(
        &[CONSOLE],
        "INSERT INTO console_user_words (tenant_id) SELECT NULL WHERE false",
        No,
    ),
    case(&[CONSOLE], "DELETE FROM console_user_words WHERE false", No),
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
