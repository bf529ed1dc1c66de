//! Baseline: a bare INSERT of an equivalent `tenants` row through sqlx, from the same number
//! of concurrent workers over a pool of the service's size: the floor set by PostgreSQL
//! (one round trip and one WAL flush per commit) on this machine.

use std::time::Duration;

use pa_bench::benchdb::BenchDb;
use pa_bench::load::{LoadOutcome, closed_loop};
use uuid::Uuid;

pub async fn run(
    db: &BenchDb,
    workers: usize,
    pool_size: u32,
    warmup: Duration,
    duration: Duration,
) -> anyhow::Result<(LoadOutcome, Option<String>)> {
    let pool = db.app_pool(pool_size).await?;
    let run = Uuid::new_v4().simple().to_string();
    let outcome = closed_loop(workers, warmup, duration, move |worker, seq| {
        let pool = pool.clone();
        let name = format!("Bench baseline {} {worker}-{seq}", &run[..8]);
        let email = format!("it-admin+{worker}-{seq}@bench.example.org");
        let environment = if seq % 2 == 0 {
            "production"
        } else {
            "non_production"
        };
        async move {
            sqlx::query(
                "INSERT INTO tenants (id, display_name, contact_email, environment) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(Uuid::now_v7())
            .bind(name)
            .bind(email)
            .bind(environment)
            .execute(&pool)
            .await?;
            Ok(())
        }
    })
    .await;
    Ok(outcome)
}
