-- 0053 Least privilege: one PostgreSQL role per service (issue 18).
--
-- Until now every service connected as pa_app, which could write every table (default
-- privileges, bootstrap-database.sql), un-revoke an operator key, rewrite a key's hash and
-- edit _sqlx_migrations. From here on each service connects as its own login role
-- (deploy/postgres/bootstrap-roles.sql creates them; pa_db::ServiceRole names them):
--
--   pa_tp       tenant-provisioning   pa_sync     sync-dispatch
--   pa_consent  consent               pa_console  admin-console
--
-- Each may write only the tables its service owns (migrations/README.md, "One owner per
-- table": the table's prefix) and read only what its SQL reads; none owns anything or
-- bypasses row-level security, so every tenant_isolation policy still applies. What every
-- service does to the shared infrastructure tables is granted once, to their group
-- pa_service. The service roles get NO default privileges: a later migration that creates
-- a table grants its owner's role (and its readers) explicitly, and pa-db's meta-test fails
-- while a table has no owning service role.
--
-- pa_app keeps its privileges for the tools that still use it (benchmarks, the libraries'
-- own tests, fixtures seeding other owners' tables) minus the three hazards, which are
-- closed for every role below: _sqlx_migrations, key hashes, revocations.
--
-- No TRUNCATE, REFERENCES or TRIGGER is granted to anyone. purge_tenant_rows() (0014) runs
-- with its caller's rights, so tenant-provisioning's purge now deletes only its own tenant
-- rows; consent, sync-dispatch and admin-console delete theirs on `tenant.purged`.

-- The roles come from the cluster bootstrap, which must have run first.
DO $$
DECLARE
    missing text;
BEGIN
    SELECT string_agg(r, ', ') INTO missing
      FROM unnest(ARRAY['pa_service', 'pa_tp', 'pa_consent', 'pa_sync', 'pa_console']) AS r
     WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r);
    IF missing IS NOT NULL THEN
        RAISE EXCEPTION 'roles % are missing: run deploy/postgres/bootstrap.sh (as a superuser) before migrating', missing;
    END IF;
END
$$;

-- ---------------------------------------------------------------------------------------
-- Shared infrastructure (pa-messaging, pa-audit): every service, through pa_service.
-- ---------------------------------------------------------------------------------------
-- Events are enqueued in the writer's transaction; each service's relay claims rows
-- (FOR UPDATE SKIP LOCKED, which needs UPDATE) and deletes what it published.
GRANT SELECT, INSERT, UPDATE, DELETE ON outbox TO pa_service;
-- Consumers record processed message ids (INSERT … RETURNING); retention deletes old ones.
GRANT SELECT, INSERT, UPDATE, DELETE ON processed_messages TO pa_service;
-- Audit records are appended, never read back by their writers; audit_log's trigger queues
-- each record for sealing as the writer (audit_log_enqueue_seal, 0051).
GRANT INSERT ON audit_log, platform_audit_log, audit_seal_queue TO pa_service;

-- ---------------------------------------------------------------------------------------
-- Each service's own tables: full DML on the tables named with its prefix. Exceptions
-- follow (append-only or never-deleted tables, column-level rules).
-- ---------------------------------------------------------------------------------------
DO $$
DECLARE
    owner record;
    t     text;
BEGIN
    FOR owner IN
        SELECT * FROM (VALUES
            ('pa_consent', 'consent\_%'),
            ('pa_sync',    'sync\_%'),
            ('pa_sync',    'directory\_%'),
            ('pa_console', 'console\_%')
        ) AS m (role_name, prefix)
    LOOP
        FOR t IN
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
               AND c.relname LIKE owner.prefix
        LOOP
            EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO %I',
                           t, owner.role_name);
        END LOOP;
    END LOOP;
END
$$;

-- tenant-provisioning: tenants are never deleted (a purge marks them purged), nor are
-- operator keys (0017); setup links go with their tenant's purge (purge_tenant_rows).
GRANT SELECT, INSERT, UPDATE ON tenants TO pa_tp;
GRANT SELECT, INSERT, UPDATE, DELETE ON setup_links TO pa_tp;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys TO pa_tp;
-- A key's use and revocation are the only changes a key ever sees: the hash, prefix, name
-- and origin cannot be written at all, and operator_api_keys_guard below keeps a revoked
-- key revoked.
GRANT SELECT, INSERT ON operator_api_keys TO pa_tp;
GRANT UPDATE (last_used_at, revoked_at, revoked_by) ON operator_api_keys TO pa_tp;

-- admin-console: API tokens and emergency accounts are revoked, never deleted (0042); the
-- search words are written by directory_users' SECURITY DEFINER triggers only (0045).
REVOKE DELETE ON console_api_tokens, console_emergency_accounts FROM pa_console;
REVOKE INSERT, UPDATE, DELETE ON console_user_words FROM pa_console;

-- ---------------------------------------------------------------------------------------
-- Reads of other owners' tables: only the columns the reader's SQL uses.
-- ---------------------------------------------------------------------------------------
-- consent: the wizard shows and checks its tenant (repo/tenants.rs, the welcome mail).
GRANT SELECT (id, display_name, environment, status) ON tenants TO pa_consent;
-- sync-dispatch: operator "sync now" authenticates operator keys (pa-operator-auth).
GRANT SELECT (id, key_prefix, key_hash, revoked_at, last_used_at) ON operator_api_keys TO pa_sync;
-- admin-console: whether its tenant is active (sign-in, sessions, API tokens, consumer).
GRANT SELECT (id, status) ON tenants TO pa_console;
-- admin-console: the synced read model (migrations/README.md "Read models").
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN
        SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
           AND c.relname LIKE 'directory\_%'
    LOOP
        EXECUTE format('GRANT SELECT ON %I TO pa_console', t);
    END LOOP;
END
$$;
GRANT SELECT ON sync_tenants, sync_runs, sync_held_changes TO pa_console;
-- admin-console seals, verifies, queries, exports and purges the audit trail (pa-audit's
-- Sealer, verify_chain, query_tenant, export_tenant, RetentionPurger).
GRANT SELECT ON audit_log, audit_seal_queue, audit_chain_checkpoints TO pa_console;
GRANT SELECT, INSERT ON audit_chain TO pa_console;
GRANT SELECT, INSERT, UPDATE ON audit_chain_heads, audit_retention TO pa_console;

-- ---------------------------------------------------------------------------------------
-- SECURITY DEFINER functions (granted to pa_app only so far): each to its caller.
-- (console_search_users(), 0044, has no caller since 0045: nobody gets it.)
-- ---------------------------------------------------------------------------------------
GRANT EXECUTE ON FUNCTION setup_link_lookup(bytea) TO pa_tp;
GRANT EXECUTE ON FUNCTION consent_setup_link_lookup(bytea) TO pa_consent;
GRANT EXECUTE ON FUNCTION consent_setup_link_status(uuid, uuid) TO pa_consent;
GRANT EXECUTE ON FUNCTION consent_directory_conflict(uuid, uuid) TO pa_consent;
GRANT EXECUTE ON FUNCTION sync_claim_due(integer) TO pa_sync;
GRANT EXECUTE ON FUNCTION sync_recover_stale(integer, integer) TO pa_sync;
GRANT EXECUTE ON FUNCTION console_tenants_with_expired_sessions(timestamptz) TO pa_console;
GRANT EXECUTE ON FUNCTION audit_seal_pending_tenants(uuid, integer) TO pa_console;
GRANT EXECUTE ON FUNCTION audit_chain_tenants(uuid, integer) TO pa_console;
GRANT EXECUTE ON FUNCTION audit_seal_drop_orphans(uuid[]) TO pa_console;
GRANT EXECUTE ON FUNCTION audit_purge(timestamptz, integer) TO pa_console;

-- ---------------------------------------------------------------------------------------
-- The three hazards, closed for every role (pa_app included).
-- ---------------------------------------------------------------------------------------
-- 1. The migration history is the owner's alone (pa_app had DML on it through the default
--    privileges, as sqlx creates the table as pa_owner).
REVOKE ALL ON TABLE _sqlx_migrations FROM PUBLIC, pa_app;

-- 2. A key's hash (and identity) is written once, at creation.
REVOKE UPDATE ON operator_api_keys FROM pa_app;
GRANT UPDATE (last_used_at, revoked_at, revoked_by) ON operator_api_keys TO pa_app;

-- 3. A revoked key stays revoked, whoever updates the row (the owner too).
CREATE FUNCTION operator_api_keys_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path = pg_catalog, public
AS
$$
BEGIN
    IF OLD.revoked_at IS NOT NULL
       AND (NEW.revoked_at IS DISTINCT FROM OLD.revoked_at
            OR NEW.revoked_by IS DISTINCT FROM OLD.revoked_by) THEN
        RAISE EXCEPTION 'operator_api_keys: a revoked key stays revoked'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
       OR NEW.key_hash IS DISTINCT FROM OLD.key_hash
       OR NEW.key_prefix IS DISTINCT FROM OLD.key_prefix
       OR NEW.name IS DISTINCT FROM OLD.name
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        RAISE EXCEPTION 'operator_api_keys: a key''s identity and hash never change'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER operator_api_keys_guard
    BEFORE UPDATE ON operator_api_keys
    FOR EACH ROW EXECUTE FUNCTION operator_api_keys_guard();

COMMENT ON FUNCTION operator_api_keys_guard() IS
    'Keeps a revoked operator key revoked and a key''s hash and identity unchanged (0053)';
