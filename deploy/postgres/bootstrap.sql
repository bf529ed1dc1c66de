-- PostgreSQL bootstrap for Patient Access: roles, databases and their base privileges.
--
-- Run with psql as a superuser (deploy/postgres/bootstrap.sh does this); idempotent, so it
-- is safe to run on every deploy. Everything after this point is done by migrations
-- (pa-migrate, connecting as pa_owner).
--
-- The SQL lives in two plain files so pa_db::testing can embed and run the very same
-- statements from Rust: bootstrap-roles.sql (cluster-wide) and bootstrap-database.sql
-- (per database). This file only adds what needs psql: creating missing databases
-- (CREATE DATABASE cannot run inside a DO block or transaction, hence \gexec) and
-- connecting to each database in turn.
\set ON_ERROR_STOP on

\ir bootstrap-roles.sql

SELECT format('CREATE DATABASE %I OWNER pa_owner', d)
  FROM unnest(ARRAY['patient_access', 'pa_test']) AS d
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = d)
\gexec

ALTER DATABASE patient_access OWNER TO pa_owner;
ALTER DATABASE pa_test OWNER TO pa_owner;

\connect patient_access
\ir bootstrap-database.sql

\connect pa_test
\ir bootstrap-database.sql
