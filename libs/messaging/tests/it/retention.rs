//! `prune_processed`: forgetting handled message ids past the retention.

use std::time::Duration;

use pa_db::testing;
use sqlx::PgPool;

use crate::support::{self, init};

const WEEK: Duration = Duration::from_secs(7 * 24 * 3_600);

/// Records `n` handled ids for `consumer`, `age_hours` old.
async fn record(pool: &PgPool, consumer: &str, n: i32, age_hours: i32) {
    sqlx::query(
        "INSERT INTO processed_messages (consumer, message_id, processed_at) \
         SELECT $1, gen_random_uuid(), now() - make_interval(hours => $3) \
           FROM generate_series(1, $2)",
    )
    .bind(consumer)
    .bind(n)
    .bind(age_hours)
    .execute(pool)
    .await
    .expect("record processed ids");
}

async fn remembered(pool: &PgPool, consumer: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM processed_messages WHERE consumer = $1")
        .bind(consumer)
        .fetch_one(pool)
        .await
        .expect("count")
}

#[tokio::test]
async fn pruning_forgets_only_this_consumers_ids_older_than_the_retention() {
    init();
    let pool = testing::app_pool().await;
    let consumer = support::unique_queue("retention");
    let other = support::unique_queue("retention-other");
    // More than one chunk (5,000) of old ids, some recent ones, and another consumer's old ones.
    record(&pool, &consumer, 12_000, 8 * 24).await;
    record(&pool, &consumer, 5, 6 * 24).await;
    record(&pool, &other, 3, 30 * 24).await;

    let deleted = pa_messaging::prune_processed(&pool, &consumer, WEEK)
        .await
        .expect("prune");
    assert_eq!(deleted, 12_000);
    assert_eq!(remembered(&pool, &consumer).await, 5, "recent ids are kept");
    assert_eq!(
        remembered(&pool, &other).await,
        3,
        "other consumers are untouched"
    );
    let again = pa_messaging::prune_processed(&pool, &consumer, WEEK)
        .await
        .expect("prune again");
    assert_eq!(again, 0);

    for queue in [&consumer, &other] {
        sqlx::query("DELETE FROM processed_messages WHERE consumer = $1")
            .bind(queue)
            .execute(&pool)
            .await
            .expect("clean up");
    }
}
