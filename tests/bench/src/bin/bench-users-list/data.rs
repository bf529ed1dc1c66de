//! The data set: tenants of ours, 1,000,000 synced people (one 100,000-user tenant, the rest in
//! tenants of 10,000) written as sync-dispatch would, and one live console session per client.

use admin_console::auth::SESSION_PREFIX;
use admin_console::domain::TenantSecret;
use admin_console::repo::sessions::{self, NewSession};
use pa_bench::benchdb::BenchDb;
use pa_domain::TenantId;
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

pub struct Fixture {
    pub tenant: TenantId,
    /// One session cookie value per client.
    pub session_cookies: Vec<String>,
}

const FIRST: &str = "ARRAY['James','Mary','Robert','Patricia','John','Jennifer','Michael','Linda','David','Elizabeth',\
    'William','Barbara','Richard','Susan','Joseph','Jessica','Thomas','Sarah','Chris','Karen','Daniel','Lisa','Matthew',\
    'Nancy','Anthony','Betty','Mark','Sandra','Donald','Ashley','Steven','Kim','Paul','Emily','Andrew','Donna','Joshua',\
    'Michelle','Ken','Carol','Kevin','Amanda','Brian','Melissa','George','Deborah','Tim','Stephanie','Ronald','Rebecca']";
const LAST: &str = "ARRAY['Smith','Johnson','Williams','Brown','Jones','Garcia','Miller','Davis','Rodriguez','Martinez',\
    'Hernandez','Lopez','Gonzalez','Wilson','Anderson','Thomas','Taylor','Moore','Jackson','Martin','Lee','Perez','Thompson',\
    'White','Harris','Sanchez','Clark','Ramirez','Lewis','Robinson','Walker','Young','Allen','King','Wright','Scott','Torres',\
    'Nguyen','Hill','Flores','Green','Adams','Nelson','Baker','Hall','Rivera','Campbell','Mitchell','Carter','Roberts',\
    'Gomez','Phillips','Evans','Turner','Diaz','Parker','Cruz','Edwards','Collins','Reyes','Stewart','Morris','Morales',\
    'Murphy','Cook','Rogers','Gutierrez','Ortiz','Morgan','Cooper','Peterson','Bailey','Reed','Kelly','Howard','Ramos',\
    'Kim','Cox','Ward','Richardson','Watson','Brooks','Chavez','Wood','James','Bennett','Gray','Mendoza','Ruiz','Hughes',\
    'Price','Alvarez','Castillo','Sanders','Patel','Myers','Long','Ross','Foster','Okafor']";

/// Inserts `users` people into `tenant` (as the superuser: bulk fixture load, no RLS).
async fn users(
    conn: &mut PgConnection,
    tenant: Uuid,
    users: u32,
    admins: u32,
) -> anyhow::Result<()> {
    let sql = format!(
        "INSERT INTO directory_users (tenant_id, object_id, user_principal_name, display_name, mail, \
         account_enabled, directory_state, role, role_source, status) \
         SELECT $1, gen_random_uuid(), u, f || ' ' || l, u, true, 'present', \
                CASE WHEN n <= $3 THEN 'admin' ELSE 'viewer' END, 'group', 'active' \
         FROM generate_series(1, $2) AS n, \
              LATERAL (SELECT ({FIRST})[1 + (hashint4(n::int)::bigint & 2147483647) % 50] AS f, \
                              ({LAST})[1 + (hashint4((n * 7 + 3)::int)::bigint & 2147483647) % 100] AS l) AS names, \
              LATERAL (SELECT lower(f || '.' || l || '.' || n || '@t' || left($1::text, 8) || '.example') AS u) AS upn"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(tenant)
        .bind(i64::from(users))
        .bind(i64::from(admins))
        .execute(conn)
        .await?;
    Ok(())
}

async fn tenant_row(conn: &mut PgConnection, id: Uuid) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO tenants (id, display_name, contact_email, environment, status, setup_completed_at) \
         VALUES ($1, 'Bench tenant', 'bench-' || $1 || '@customer.example', 'production', 'active', now())",
    )
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn load(
    db: &BenchDb,
    tenant_users: u32,
    total_users: u32,
    clients: usize,
) -> anyhow::Result<Fixture> {
    let admin_url = std::env::var("PA_BENCH_ADMIN_DATABASE_URL")
        .unwrap_or_else(|_| pa_db::testing::admin_url());
    let options: sqlx::postgres::PgConnectOptions = admin_url.parse()?;
    let mut conn = PgConnection::connect_with(&options.database(super::DATABASE)).await?;
    let tenant = Uuid::now_v7();
    tenant_row(&mut conn, tenant).await?;
    users(&mut conn, tenant, tenant_users, clients as u32).await?;
    let mut rest = total_users.saturating_sub(tenant_users);
    while rest > 0 {
        let n = rest.min(10_000);
        let other = Uuid::now_v7();
        tenant_row(&mut conn, other).await?;
        users(&mut conn, other, n, 1).await?;
        rest -= n;
    }
    sqlx::raw_sql("ANALYZE directory_users")
        .execute(&mut conn)
        .await?;
    let admins: Vec<Uuid> = sqlx::query_scalar(
        "SELECT object_id FROM directory_users WHERE tenant_id = $1 AND role = 'admin' ORDER BY object_id",
    )
    .bind(tenant)
    .fetch_all(&mut conn)
    .await?;
    conn.close().await?;

    // One console session per client, as a sign-in creates it.
    let tenant = TenantId::from_uuid(tenant);
    let pool = db.app_pool(1).await?;
    let mut cookies = Vec::new();
    let now = time::OffsetDateTime::now_utc();
    let mut tx = pa_db::begin_tenant(&pool, tenant).await?;
    for object_id in admins.into_iter().take(clients) {
        let secret = TenantSecret::generate(SESSION_PREFIX, tenant)?;
        let session = NewSession {
            id: Uuid::now_v7(),
            token_hash: secret.hash(),
            object_id: Some(object_id),
            emergency_account_id: None,
            user_principal_name: None,
            display_name: None,
            now,
            absolute_expires_at: now + time::Duration::hours(12),
            client_addr: None,
            user_agent: Some("pa-bench"),
        };
        sessions::insert(&mut tx, tenant, &session).await?;
        cookies.push(secret.expose().to_owned());
    }
    tx.commit().await?;
    pool.close().await;
    anyhow::ensure!(
        cookies.len() == clients,
        "not enough admins for {clients} sessions"
    );
    Ok(Fixture {
        tenant,
        session_cookies: cookies,
    })
}
