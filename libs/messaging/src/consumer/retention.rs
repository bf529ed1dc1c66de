//! Forgetting handled message ids: a consumer's `processed_messages` entries older than
//! `AmqpSettings::processed_retention_hours` are deleted, so the table (and the index every
//! deduplicating insert probes) stays the size of the retention window.

use std::time::Duration;

use sqlx::PgPool;

use crate::MessagingError;
use crate::relay::error_chain;

/// Rows deleted per statement: short statements, few row locks at a time.
const CHUNK: i64 = 5_000;
/// How often a running consumer prunes; the first run is one interval after start.
const EVERY: Duration = Duration::from_secs(3_600);

/// Deletes `consumer`'s entries recorded more than `older_than` ago, chunk by chunk; rows
/// that another instance is deleting at the same moment are skipped, not waited for.
/// Returns how many this call deleted.
pub async fn prune_processed(
    pool: &PgPool,
    consumer: &str,
    older_than: Duration,
) -> Result<u64, MessagingError> {
    let mut deleted = 0;
    loop {
        let n = sqlx::query(
            "DELETE FROM processed_messages \
              WHERE (consumer, message_id) IN ( \
                    SELECT consumer, message_id FROM processed_messages \
                     WHERE consumer = $1 AND processed_at < now() - make_interval(secs => $2) \
                     LIMIT $3 FOR UPDATE SKIP LOCKED)",
        )
        .bind(consumer)
        .bind(older_than.as_secs_f64())
        .bind(CHUNK)
        .execute(pool)
        .await
        .map_err(pa_db::DbError::from)?
        .rows_affected();
        deleted += n;
        if n < CHUNK as u64 {
            return Ok(deleted);
        }
    }
}

/// The background task of a running consumer that prunes its entries; it lives as long as
/// this value (`run_consumer` holds it until it returns).
pub(super) struct Pruner(tokio::task::JoinHandle<()>);

impl Pruner {
    pub(super) fn start(pool: PgPool, consumer: String, retention: Duration) -> Self {
        Self(tokio::spawn(run(pool, consumer, retention)))
    }
}

impl Drop for Pruner {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Prunes `consumer`'s entries every [`EVERY`], until the [`Pruner`] is dropped. A failure
/// is logged and the next run tries again.
async fn run(pool: PgPool, consumer: String, retention: Duration) {
    loop {
        tokio::time::sleep(EVERY).await;
        match prune_processed(&pool, &consumer, retention).await {
            Ok(0) => {}
            Ok(deleted) => {
                tracing::info!(queue = %consumer, deleted, "forgot processed message ids past the retention")
            }
            Err(error) => {
                tracing::warn!(queue = %consumer, error = %error_chain(&error), "pruning processed message ids failed; retrying next hour")
            }
        }
    }
}
