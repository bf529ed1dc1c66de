-- Per-database part of the PostgreSQL bootstrap. Idempotent; run as a superuser while
-- connected to the database being prepared (patient_access, pa_test). Embedded in
-- pa_db::testing, so it must stay plain SQL without psql meta-commands.

-- Schema public belongs to pa_owner so migrations can create objects there, and nobody
-- else may create anything in it (PostgreSQL 15 already revokes this for new databases;
-- older clusters and restored dumps may not).
ALTER SCHEMA public OWNER TO pa_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO pa_app;
GRANT USAGE ON SCHEMA public TO pa_service;

-- Only our roles may connect (superusers always can).
DO $$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO pa_owner', current_database());
    -- pa_app: the legacy shared role (tools and fixtures; see bootstrap-roles.sql).
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO pa_app', current_database());
    -- The service roles (members of pa_service) connect, nothing more: no temporary
    -- tables (sync-dispatch plans in its own scratch tables, 0036).
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO pa_service', current_database());
END
$$;

-- Whatever pa_owner creates from now on (i.e. everything the migrations create) is usable,
-- but never owned, by the legacy role pa_app (tools and fixtures). Append-only tables revoke
-- UPDATE/DELETE/TRUNCATE again in their own migration. The service roles get NO default
-- privileges: a migration that creates a table grants its owner's role (and readers) what
-- they need, explicitly (migrations/README.md; pa-db's meta-test checks every table has an
-- owning service role).
ALTER DEFAULT PRIVILEGES FOR ROLE pa_owner
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO pa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE pa_owner
    GRANT USAGE, SELECT ON SEQUENCES TO pa_app;
ALTER DEFAULT PRIVILEGES FOR ROLE pa_owner
    GRANT EXECUTE ON FUNCTIONS TO pa_app;
