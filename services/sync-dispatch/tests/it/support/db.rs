//! A database per test, cloned from a migrated template.
//!
//! Why not one shared test database: sync-dispatch's scheduler claims due tenants ACROSS
//! tenants (that is its job), and every test runs its own Entra simulator. On a shared
//! database, test A's scheduler would claim test B's tenant and sync it against A's
//! simulator. So each test gets its own database (cloned from a template migrated once,
//! a fraction of a second) and its own broker exchange; instances of one test share both.
//!
//! The template (`<PA_TEST_DATABASE>_sd_tpl`) is bootstrapped like pa_db's test database
//! (same SQL, migrated as `pa_owner`) under pa_db's bootstrap advisory lock, and rebuilt when
//! the embedded migrations no longer match it. Clones are dropped when the test ends;
//! clones older than two hours (crashed tests) are dropped by the next bootstrap.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pa_db::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection};

/// pa_db::testing's bootstrap lock: template work queues behind (and ahead of) theirs.
const BOOTSTRAP_LOCK_KEY: i64 = 0x0070_615f_626f_6f74;

fn admin_options() -> PgConnectOptions {
    PgConnectOptions::from_str(&pa_db::testing::admin_url()).expect("admin URL")
}

fn base() -> String {
    format!("{}_sd", pa_db::testing::test_database())
}

fn url(role: &str, database: &str) -> String {
    let o = admin_options();
    format!(
        "postgres://{role}:{role}@{}:{}/{database}",
        o.get_host(),
        o.get_port()
    )
}

/// A database of this test.
pub struct TestDb {
    pub name: String,
}

impl TestDb {
    /// Clones the template into a fresh database.
    pub async fn create() -> Self {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock")
            .as_secs();
        let name = format!(
            "{}_t{now}_{}",
            base(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let mut admin = PgConnection::connect_with(&admin_options())
            .await
            .expect("admin");
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(BOOTSTRAP_LOCK_KEY)
            .execute(&mut admin)
            .await
            .expect("lock");
        let template = ensure_template(&mut admin).await;
        let sql = format!("CREATE DATABASE {name} TEMPLATE {template} OWNER pa_owner");
        let created = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await;
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(BOOTSTRAP_LOCK_KEY)
            .execute(&mut admin)
            .await;
        created.expect("clone the template");
        let _ = admin.close().await;
        // A clone gets default database privileges: grant exactly what the real databases
        // grant (the service roles: CONNECT only, no TEMPORARY).
        let mut db = PgConnection::connect_with(&admin_options().database(&name))
            .await
            .expect("clone");
        sqlx::raw_sql(pa_db::testing::BOOTSTRAP_DATABASE_SQL)
            .execute(&mut db)
            .await
            .expect("bootstrap the clone");
        let _ = db.close().await;
        Self { name }
    }

    /// `pa_sync`: what sync-dispatch connects as (its own tables, least privilege, 0053).
    pub fn service_url(&self) -> String {
        url(sync_dispatch::config::DB_ROLE.name(), &self.name)
    }

    /// `pa_app` (subject to row-level security): the legacy shared role, for fixtures that
    /// seed other services' tables.
    pub fn app_url(&self) -> String {
        url("pa_app", &self.name)
    }

    pub async fn app_pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect(&self.app_url())
            .await
            .expect("app pool")
    }

    /// The superuser, for tests that must look past RLS or set the stage.
    pub async fn admin_pool(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(2)
            .connect_with(admin_options().database(&self.name))
            .await
            .expect("admin pool")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect_with(&admin_options()).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await;
                }
            });
        })
        .join();
    }
}

/// Creates and migrates the template if needed (under the lock); returns its name.
async fn ensure_template(admin: &mut PgConnection) -> String {
    let template = format!("{}_tpl", base());
    sqlx::raw_sql(pa_db::testing::BOOTSTRAP_ROLES_SQL)
        .execute(&mut *admin)
        .await
        .expect("roles");
    drop_stale_clones(admin).await;
    for attempt in 0..2 {
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&template)
                .fetch_one(&mut *admin)
                .await
                .expect("exists");
        if !exists {
            let sql = format!("CREATE DATABASE {template} OWNER pa_owner");
            sqlx::raw_sql(AssertSqlSafe(sql))
                .execute(&mut *admin)
                .await
                .expect("create template");
            let mut db = PgConnection::connect_with(&admin_options().database(&template))
                .await
                .expect("template");
            sqlx::raw_sql(pa_db::testing::BOOTSTRAP_DATABASE_SQL)
                .execute(&mut db)
                .await
                .expect("bootstrap template");
            let _ = db.close().await;
        }
        match pa_db::migrate(&url("pa_owner", &template)).await {
            Ok(()) => return template,
            Err(e) if attempt == 0 => {
                eprintln!("rebuilding the test template {template}: {e:?}");
                let sql = format!("DROP DATABASE IF EXISTS {template} WITH (FORCE)");
                sqlx::raw_sql(AssertSqlSafe(sql))
                    .execute(&mut *admin)
                    .await
                    .expect("drop");
            }
            Err(e) => panic!("migrating the test template failed: {e:?}"),
        }
    }
    unreachable!("the loop returns or panics")
}

async fn drop_stale_clones(admin: &mut PgConnection) {
    let prefix = format!("{}_t", base());
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE starts_with(datname, $1)")
            .bind(&prefix)
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for name in names {
        let created = name[prefix.len()..]
            .split('_')
            .next()
            .and_then(|s| s.parse::<u64>().ok());
        if created.is_some_and(|at| now.saturating_sub(at) > 2 * 3600) {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *admin).await;
        }
    }
}
