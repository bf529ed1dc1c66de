//! Test support: a bootstrapped, migrated `pa_test` database (`PA_TEST_DATABASE` overrides
//! the name).
//!
//! The first call in a process bootstraps roles and database through the superuser (URL
//! from `PA_TEST_ADMIN_DATABASE_URL`, default `postgres://postgres@127.0.0.1:5432/postgres`)
//! using the very SQL of `deploy/postgres/`, then migrates `pa_test` as `pa_owner`. All of
//! it runs under a cluster-wide advisory lock, so dozens of test processes starting at
//! once queue up instead of racing on `CREATE ROLE` / `CREATE DATABASE`.
//!
//! Isolation between tests comes from a fresh tenant per test, not a fresh database.
//! The helpers panic on failure: they are for tests only.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

use crate::{DbError, ServiceRole};

/// Env var naming the superuser URL used to bootstrap.
pub const ADMIN_URL_ENV: &str = "PA_TEST_ADMIN_DATABASE_URL";
/// Superuser URL used when [`ADMIN_URL_ENV`] is unset.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Env var overriding the test database name (default [`DEFAULT_TEST_DATABASE`]).
pub const TEST_DATABASE_ENV: &str = "PA_TEST_DATABASE";
/// The shared test database.
pub const DEFAULT_TEST_DATABASE: &str = "pa_test";

/// Cluster-level bootstrap SQL (roles), shared with `deploy/postgres/bootstrap.sql`.
pub const BOOTSTRAP_ROLES_SQL: &str = include_str!("../../../deploy/postgres/bootstrap-roles.sql");
/// Per-database bootstrap SQL, shared with `deploy/postgres/bootstrap.sql`.
pub const BOOTSTRAP_DATABASE_SQL: &str =
    include_str!("../../../deploy/postgres/bootstrap-database.sql");

/// Advisory-lock key serialising bootstrap + migration across processes ("pa_boot").
const BOOTSTRAP_LOCK_KEY: i64 = 0x0070_615f_626f_6f74;

static PREPARED: OnceCell<()> = OnceCell::const_new();

/// The superuser URL used for bootstrapping.
pub fn admin_url() -> String {
    std::env::var(ADMIN_URL_ENV).unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned())
}

/// `pa_owner` on `pa_test` (same host and port as the admin URL).
pub fn owner_url() -> String {
    role_url("pa_owner")
}

/// `pa_app` on `pa_test` (same host and port as the admin URL): the legacy shared role,
/// for fixtures that seed other owners' tables. A service under test connects as its own
/// role ([`service_url`]).
pub fn app_url() -> String {
    role_url("pa_app")
}

/// `role` (a service's role) on `pa_test`: what a service under test connects as.
pub fn service_url(role: ServiceRole) -> String {
    role_url(role.name())
}

/// The test database name: `PA_TEST_DATABASE` or `pa_test`. Must be a plain identifier.
pub fn test_database() -> String {
    std::env::var(TEST_DATABASE_ENV)
        .ok()
        .filter(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        })
        .unwrap_or_else(|| DEFAULT_TEST_DATABASE.to_owned())
}

/// `role` on `pa_test` with its local-development password (same host and port as the admin
/// URL).
pub fn role_url(role: &str) -> String {
    let (host, port) = PgConnectOptions::from_str(&admin_url())
        .map(|o| (o.get_host().to_owned(), o.get_port()))
        .unwrap_or_else(|_| ("127.0.0.1".to_owned(), 5432));
    format!("postgres://{role}:{role}@{host}:{port}/{}", test_database())
}

/// Bootstraps and migrates `pa_test` once per process (see the module docs).
pub async fn prepare() {
    PREPARED
        .get_or_try_init(bootstrap_and_migrate)
        .await
        .unwrap_or_else(|e| panic!("preparing the test database failed: {e:?}"));
}

/// A pool connected as `pa_app` (subject to row-level security) on the prepared `pa_test`:
/// the legacy shared role, for fixtures (see [`app_url`]).
pub async fn app_pool() -> PgPool {
    prepare().await;
    pool(&app_url()).await
}

/// A pool connected as a service's own role on the prepared `pa_test`: exactly what that
/// service may do (row-level security applies).
pub async fn service_pool(role: ServiceRole) -> PgPool {
    prepare().await;
    pool(&service_url(role)).await
}

/// A pool connected as `pa_owner` on the prepared `pa_test` (owns the tables; RLS is forced
/// on tenant tables, so it still needs a tenant context to see tenant rows).
pub async fn owner_pool() -> PgPool {
    prepare().await;
    pool(&owner_url()).await
}

/// A pool connected as the superuser on `pa_test`, for tests that must look past RLS.
pub async fn admin_pool() -> PgPool {
    prepare().await;
    let database = test_database();
    let options = admin_options().database(&database);
    small_pool()
        .connect_with(options)
        .await
        .unwrap_or_else(|e| panic!("connecting to {database} as superuser failed: {e:?}"))
}

async fn pool(url: &str) -> PgPool {
    small_pool()
        .connect(url)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url} failed: {e:?}"))
}

fn small_pool() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(5)
        .acquire_timeout(Duration::from_secs(30))
}

fn admin_options() -> PgConnectOptions {
    PgConnectOptions::from_str(&admin_url())
        .unwrap_or_else(|e| panic!("{ADMIN_URL_ENV} is not a valid URL: {e}"))
        .application_name("pa-db-testing")
}

async fn bootstrap_and_migrate() -> Result<(), DbError> {
    let mut admin = PgConnection::connect_with(&admin_options()).await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(BOOTSTRAP_LOCK_KEY)
        .execute(&mut admin)
        .await?;
    let result = bootstrap_locked(&mut admin).await;
    // The lock also dies with the session; unlock explicitly to let the next one in early.
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(BOOTSTRAP_LOCK_KEY)
        .execute(&mut admin)
        .await;
    let _ = admin.close().await;
    result
}

async fn bootstrap_locked(admin: &mut PgConnection) -> Result<(), DbError> {
    sqlx::raw_sql(BOOTSTRAP_ROLES_SQL)
        .execute(&mut *admin)
        .await?;
    let database = test_database();
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&database)
            .fetch_one(&mut *admin)
            .await?;
    if !exists {
        // Identifiers can't be bound; test_database() only allows [a-z0-9_].
        let sql = format!("CREATE DATABASE {database} OWNER pa_owner");
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut *admin)
            .await?;
    }
    let mut db = PgConnection::connect_with(&admin_options().database(&database)).await?;
    let prepared = sqlx::raw_sql(BOOTSTRAP_DATABASE_SQL).execute(&mut db).await;
    let _ = db.close().await;
    prepared?;
    crate::migrate(&owner_url()).await
}
