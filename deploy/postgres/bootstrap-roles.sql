-- Cluster-level part of the PostgreSQL bootstrap: the roles.
-- Idempotent; run as a superuser. Used by bootstrap.sql (psql) and embedded in
-- pa_db::testing (Rust), so it must stay plain SQL without psql meta-commands.
--
-- pa_owner    owns the databases, schema public and every object the migrations create.
--             Migrations (pa-migrate) connect as this role.
-- pa_tp       tenant-provisioning  \
-- pa_consent  consent               | one login role per service: owns nothing, cannot
-- pa_sync     sync-dispatch         | bypass row-level security, may write only the tables
-- pa_console  admin-console        /  its service owns and read what it needs (0053).
-- pa_service  NOLOGIN group of the four: what every service does to the shared
--             infrastructure tables (outbox, processed_messages, writing audit records).
-- pa_app      the role every service shared before 0053. Kept for tools only (benchmarks,
--             the libraries' own tests, test fixtures that seed other owners' tables); no
--             service connects as it, and it can no longer touch _sqlx_migrations, rewrite
--             an operator key's hash or un-revoke a key (0053). Deployments need not give it
--             a password at all.
DO $$
DECLARE
    r text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pa_owner') THEN
        CREATE ROLE pa_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pa_app') THEN
        CREATE ROLE pa_app LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pa_service') THEN
        CREATE ROLE pa_service NOLOGIN;
    END IF;
    FOREACH r IN ARRAY ARRAY['pa_tp', 'pa_consent', 'pa_sync', 'pa_console'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', r);
        END IF;
        -- Re-assert the attributes on every run, so a hand-edited role is put back in line.
        -- The passwords are the local-development ones; real deployments set their own.
        EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L INHERIT NOSUPERUSER '
                       'NOCREATEROLE NOCREATEDB NOBYPASSRLS NOREPLICATION', r, r);
        IF NOT pg_has_role(r, 'pa_service', 'MEMBER') THEN
            EXECUTE format('GRANT pa_service TO %I', r);
        END IF;
    END LOOP;
END
$$;

-- Re-assert the attributes on every run, so a hand-edited role is put back in line.
-- The passwords are the local-development ones; real deployments set their own secrets.
ALTER ROLE pa_owner WITH LOGIN PASSWORD 'pa_owner'
    NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS NOREPLICATION;
ALTER ROLE pa_app WITH LOGIN PASSWORD 'pa_app'
    NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS NOREPLICATION;
ALTER ROLE pa_service WITH NOLOGIN
    NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS NOREPLICATION;
