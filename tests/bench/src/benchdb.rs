//! The `patient_access_bench` database: bootstrapped like `pa_test` (same roles, same per-database
//! SQL, migrated by `pa_owner`), so benches never disturb the test database. Tenants and events
//! the benches create stay there; each run is keyed by its own ids.

use std::time::Duration;

use secrecy::SecretString;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

/// Name of the database the benches use.
pub const DATABASE: &str = "patient_access_bench";

/// pa_db::testing's advisory-lock key: bootstrapping here queues behind (and ahead of) test
/// processes doing the same, instead of racing their `ALTER ROLE`s.
const BOOTSTRAP_LOCK_KEY: i64 = 0x0070_615f_626f_6f74;

/// Tables only the benches use, created by the owner after the migrations. No `tenant_id`
/// column, so no row-level security: they are bench bookkeeping, not product data.
const BENCH_TABLES_SQL: &str = r#"
CREATE TABLE IF NOT EXISTS bench_sink (
    run_id      uuid        NOT NULL,
    message_id  uuid        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (run_id, message_id)
);
"#;

/// Connection URLs of the bench database.
#[derive(Debug, Clone)]
pub struct BenchDb {
    /// `pa_owner`: migrations and bench tables.
    pub owner_url: String,
    /// `pa_app`: what the services and the benches' own queries use.
    pub app_url: String,
}

impl BenchDb {
    /// Same host and port as the admin URL. Like the local stack, no TLS on this
    /// machine-local connection (`sslmode=disable`; deployments use `verify-full`).
    fn named(host: &str, port: u16, database: &str) -> Self {
        Self {
            owner_url: format!(
                "postgres://pa_owner:pa_owner@{host}:{port}/{database}?sslmode=disable"
            ),
            app_url: format!("postgres://pa_app:pa_app@{host}:{port}/{database}?sslmode=disable"),
        }
    }

    pub fn app_secret(&self) -> SecretString {
        SecretString::from(self.app_url.clone())
    }

    /// The URL of a service's own role on the bench database: what that service connects as
    /// (least privilege, migration 0053), so a bench measures it with its real privileges.
    pub fn service_secret(&self, role: pa_db::ServiceRole) -> SecretString {
        let r = role.name();
        SecretString::from(
            self.app_url
                .replacen("pa_app:pa_app@", &format!("{r}:{r}@"), 1),
        )
    }

    /// Readies the database for a measured scenario: `VACUUM (ANALYZE)` of every table as
    /// their owner, then a `CHECKPOINT` (as the superuser).
    ///
    /// The vacuum: this machine's PostgreSQL runs with `autovacuum = off` (its
    /// conf.d/90-ci.conf), so without it the outbox's dead rows from earlier runs pile up
    /// (millions, hundreds of MB) and every relay claim wades through them; production
    /// databases run autovacuum (see migration 0006).
    ///
    /// The checkpoint writes out and fsyncs what the earlier phases left dirty. Otherwise the
    /// kernel writes those pages back in the measured window, in a burst every 5 s once they
    /// are 30 s old (`vm.dirty_writeback_centisecs`, `vm.dirty_expire_centisecs`); each
    /// burst fills the disk queue, stalls every commit's WAL flush for 50–130 ms and charges
    /// the previous phase's writes to this one (see NOTES.md, "Disk writeback").
    pub async fn settle(&self) -> anyhow::Result<()> {
        let mut owner = PgConnection::connect(&self.owner_url).await?;
        sqlx::raw_sql("VACUUM (ANALYZE)")
            .execute(&mut owner)
            .await?;
        owner.close().await?;
        let mut admin = PgConnection::connect(&admin_url()).await?;
        sqlx::raw_sql("CHECKPOINT").execute(&mut admin).await?;
        admin.close().await?;
        Ok(())
    }

    /// A pool of `size` connections as `pa_app`.
    pub async fn app_pool(&self, size: u32) -> anyhow::Result<PgPool> {
        Ok(PgPoolOptions::new()
            .max_connections(size)
            .min_connections(size)
            .acquire_timeout(Duration::from_secs(30))
            .connect(&self.app_url)
            .await?)
    }
}

/// Superuser URL: `PA_BENCH_ADMIN_DATABASE_URL`, else pa_db's test admin URL
/// (`PA_TEST_ADMIN_DATABASE_URL` or the local trust-auth superuser).
fn admin_url() -> String {
    std::env::var("PA_BENCH_ADMIN_DATABASE_URL").unwrap_or_else(|_| pa_db::testing::admin_url())
}

/// Creates the roles if missing and the bench database afresh (dropping the previous one),
/// applies the per-database bootstrap, runs the migrations as `pa_owner` and creates the
/// bench tables.
pub async fn prepare() -> anyhow::Result<BenchDb> {
    prepare_named(DATABASE).await
}

/// [`prepare`] for a database of the bench's own (`name`: a plain lowercase identifier), so a
/// bench that loads a large data set never drops another bench's database mid-run.
pub async fn prepare_named(name: &'static str) -> anyhow::Result<BenchDb> {
    anyhow::ensure!(
        name.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
        "bench database names are plain identifiers"
    );
    let admin: PgConnectOptions = admin_url().parse()?;
    let db = BenchDb::named(admin.get_host(), admin.get_port(), name);
    let mut conn = admin.connect().await?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(BOOTSTRAP_LOCK_KEY)
        .execute(&mut conn)
        .await?;
    let result = bootstrap_locked(&admin, &mut conn, &db, name).await;
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(BOOTSTRAP_LOCK_KEY)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    result?;
    Ok(db)
}

async fn bootstrap_locked(
    admin: &PgConnectOptions,
    conn: &mut PgConnection,
    db: &BenchDb,
    database: &str,
) -> anyhow::Result<()> {
    sqlx::raw_sql(pa_db::testing::BOOTSTRAP_ROLES_SQL)
        .execute(&mut *conn)
        .await?;
    // A fresh database for every bench: rows left by earlier runs (millions of tenants,
    // audit records and idempotency keys after a few runs, far beyond shared_buffers) would
    // make each run slower than the last and the figures incomparable. Identifiers can't be
    // bound; the name is a constant or checked by prepare_named.
    let drop = format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)");
    sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
        .execute(&mut *conn)
        .await?;
    let create = format!("CREATE DATABASE {database} OWNER pa_owner");
    sqlx::raw_sql(sqlx::AssertSqlSafe(create))
        .execute(&mut *conn)
        .await?;
    let mut bench = admin.clone().database(database).connect().await?;
    sqlx::raw_sql(pa_db::testing::BOOTSTRAP_DATABASE_SQL)
        .execute(&mut bench)
        .await?;
    bench.close().await?;

    pa_db::migrate(&db.owner_url).await?;

    let mut owner = PgConnection::connect(&db.owner_url).await?;
    sqlx::raw_sql(BENCH_TABLES_SQL).execute(&mut owner).await?;
    owner.close().await?;
    // Write out what the previous bench left dirty now, not in a checkpoint mid-measurement.
    sqlx::raw_sql("CHECKPOINT").execute(&mut *conn).await?;
    Ok(())
}
