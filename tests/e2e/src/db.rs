//! A database of the run's own, bootstrapped and migrated like `pa_test`.
//!
//! Why not the shared `pa_test`: sync-dispatch's scheduler claims due tenants across
//! tenants (that is its job) and every run has its own simulator, so on a shared database
//! one run's scheduler would sync another run's tenant against the wrong "Microsoft". A
//! database per run (`<PA_TEST_DATABASE>_e2e_<unix time>_<random>`) keeps runs apart and
//! lets the end-state checks count every row. Dropped when the run ends; ones left by a
//! crashed run are dropped by the next run after two hours.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{AssertSqlSafe, Connection, PgConnection, PgPool};

/// Left-over databases older than this are dropped when a run starts.
const STALE_AFTER: Duration = Duration::from_secs(2 * 3600);

/// The run's database.
#[derive(Debug)]
pub struct RunDatabase {
    pub name: String,
    /// The role each service connects as (by binary name).
    roles: BTreeMap<String, String>,
}

/// Each service's own PostgreSQL role (least privilege), by binary name. A role the
/// bootstrap has not created (or that may not connect) falls back to the shared `pa_app`.
const SERVICE_ROLES: [(&str, &str); 4] = [
    ("tenant-provisioning", "pa_tp"),
    ("consent", "pa_consent"),
    ("sync-dispatch", "pa_sync"),
    ("admin-console", "pa_console"),
];

fn admin_options() -> PgConnectOptions {
    PgConnectOptions::from_str(&pa_db::testing::admin_url())
        .expect("PA_TEST_ADMIN_DATABASE_URL is a valid URL")
        .application_name("pa-e2e")
}

fn prefix() -> String {
    format!("{}_e2e_", pa_db::testing::test_database())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

impl RunDatabase {
    /// Creates, bootstraps (the SQL of deploy/postgres/) and migrates a fresh database.
    pub async fn create() -> Self {
        let mut suffix = [0u8; 4];
        getrandom::fill(&mut suffix).expect("randomness");
        let name = format!(
            "{}{}_{:08x}",
            prefix(),
            unix_now(),
            u32::from_le_bytes(suffix)
        );
        let mut admin = PgConnection::connect_with(&admin_options())
            .await
            .expect("PostgreSQL reachable as the superuser");
        bootstrap_roles(&mut admin).await;
        drop_stale(&mut admin).await;
        let sql = format!("CREATE DATABASE {name} OWNER pa_owner");
        sqlx::raw_sql(AssertSqlSafe(sql))
            .execute(&mut admin)
            .await
            .expect("create the run's database");
        let _ = admin.close().await;
        let mut db = PgConnection::connect_with(&admin_options().database(&name))
            .await
            .expect("connect to the run's database");
        sqlx::raw_sql(pa_db::testing::BOOTSTRAP_DATABASE_SQL)
            .execute(&mut db)
            .await
            .expect("bootstrap the run's database");
        let mut roles = BTreeMap::new();
        for (service, role) in SERVICE_ROLES {
            let usable: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1) \
                 AND has_database_privilege($1, current_database(), 'CONNECT')",
            )
            .bind(role)
            .fetch_one(&mut db)
            .await
            .unwrap_or(false);
            let role = if usable { role } else { "pa_app" };
            roles.insert(service.to_owned(), role.to_owned());
        }
        let _ = db.close().await;
        let me = Self { name, roles };
        pa_db::migrate(&me.url("pa_owner"))
            .await
            .expect("migrate the run's database");
        me
    }

    fn url(&self, role: &str) -> String {
        let o = admin_options();
        format!(
            "postgres://{role}:{role}@{}:{}/{}",
            o.get_host(),
            o.get_port(),
            self.name
        )
    }

    /// The URL service `service` (binary name) connects with: its own role, subject to
    /// row-level security.
    pub fn service_url(&self, service: &str) -> String {
        self.url(self.roles.get(service).map_or("pa_app", String::as_str))
    }

    /// The URL CLIs (e.g. `tenant-provisioning create-operator-key`) connect with.
    pub fn app_url(&self) -> String {
        self.url("pa_app")
    }

    /// A small superuser pool on the run's database, for the end-state checks (which count
    /// rows across tenants and past row-level security).
    pub async fn inspector(&self) -> PgPool {
        PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(admin_options().database(&self.name))
            .await
            .expect("connect to the run's database as the superuser")
    }

    /// Drops the database (and any connection still open on it), unless `PA_E2E_KEEP_DB`
    /// is set (to look at a failed run).
    pub async fn drop_now(&self) {
        drop_database(&self.name).await;
    }
}

/// Drops database `name` (see [`RunDatabase::drop_now`]).
pub async fn drop_database(name: &str) {
    if std::env::var_os("PA_E2E_KEEP_DB").is_some() {
        eprintln!("database {name} kept (PA_E2E_KEEP_DB)");
        return;
    }
    let Ok(mut admin) = PgConnection::connect_with(&admin_options()).await else {
        return;
    };
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut admin).await;
    let _ = admin.close().await;
}

/// pa_db::testing's bootstrap lock: role creation queues behind (and ahead of) theirs.
const BOOTSTRAP_LOCK_KEY: i64 = 0x0070_615f_626f_6f74;

/// The cluster's roles, as deploy/postgres/ creates them (idempotent), under the lock
/// every test process takes for it. (Not `pa_db::testing::prepare`: the run needs no
/// `pa_test`, whose migrations may lag behind the tree's.)
async fn bootstrap_roles(admin: &mut PgConnection) {
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(BOOTSTRAP_LOCK_KEY)
        .execute(&mut *admin)
        .await
        .expect("bootstrap lock");
    let created = sqlx::raw_sql(pa_db::testing::BOOTSTRAP_ROLES_SQL)
        .execute(&mut *admin)
        .await;
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(BOOTSTRAP_LOCK_KEY)
        .execute(&mut *admin)
        .await;
    created.expect("bootstrap the roles");
}

/// Drops the run databases older than [`STALE_AFTER`] (their name carries their birth).
async fn drop_stale(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE starts_with(datname, $1)")
            .bind(prefix())
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    let cutoff = unix_now().saturating_sub(STALE_AFTER.as_secs());
    for name in names {
        let born = name
            .strip_prefix(&prefix())
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if born.is_some_and(|born| born < cutoff)
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *admin).await;
        }
    }
}
