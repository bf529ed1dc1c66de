-- Cluster-level part of the PostgreSQL bootstrap: the two login roles.
-- Idempotent; run as a superuser. Used by bootstrap.sql (psql) and embedded in
-- pa_db::testing (Rust), so it must stay plain SQL without psql meta-commands.
--
-- pa_owner  owns the databases, schema public and every object the migrations create.
--           Migrations (pa-migrate) connect as this role.
-- pa_app    what the services connect as. Owns nothing, cannot bypass row-level
--           security, so every tenant-owned table's policy applies to it.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pa_owner') THEN
        CREATE ROLE pa_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pa_app') THEN
        CREATE ROLE pa_app LOGIN;
    END IF;
END
$$;

-- Re-assert the attributes on every run, so a hand-edited role is put back in line.
-- The passwords are the local-development ones; real deployments set their own secrets.
ALTER ROLE pa_owner WITH LOGIN PASSWORD 'pa_owner'
    NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS NOREPLICATION;
ALTER ROLE pa_app WITH LOGIN PASSWORD 'pa_app'
    NOSUPERUSER NOCREATEROLE NOCREATEDB NOBYPASSRLS NOREPLICATION;
