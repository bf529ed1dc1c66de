//! The records to export: one tenant's audit trail, written and sealed as in production.

use std::time::{Duration, Instant};

use pa_audit::{SealOutcome, Sealer, SealerSettings};
use pa_domain::TenantId;
use sqlx::PgPool;

/// Records per INSERT statement while seeding.
const SEED_BATCH: i64 = 100_000;

/// Writes `rows` records for `tenant` as `pa_app` under its tenant context (so, like any
/// writer's, they are queued for sealing), one a millisecond back from now, with UUID v7 ids
/// of their time as pa-audit gives them, about 380 bytes
/// of CSV each: a console user's sign-ins, role changes and deactivations with request id,
/// client address and a small `details` object.
pub async fn write(pool: &PgPool, tenant: TenantId, rows: i64) -> anyhow::Result<Duration> {
    let started = Instant::now();
    // One clock for every batch: the records are exactly 1 ms apart, no two at one instant.
    let base = time::OffsetDateTime::now_utc();
    let mut done = 0;
    while done < rows {
        let n = SEED_BATCH.min(rows - done);
        let mut tx = pa_db::begin_tenant(pool, tenant).await?;
        sqlx::query(
            "INSERT INTO audit_log (tenant_id, id, occurred_at, actor_type, actor_id, action, \
             target_type, target_id, request_id, client_addr, outcome, details) \
             SELECT $1, \
                    (lpad(to_hex(floor(extract(epoch FROM at) * 1000)::bigint), 12, '0') \
                     || '7' || substr(md5(i::text), 1, 3) || '8' || substr(md5(i::text), 4, 15) \
                    )::uuid, \
                    at, 'console_user', \
                    '6f1c2d3e-4b5a-4c6d-8e7f-' || lpad((i % 500)::text, 12, '0'), \
                    (ARRAY['session.started', 'user.role_changed', 'user.deactivated', \
                           'session.ended'])[1 + i % 4], \
                    'user', '0b6e5c3a-1c2d-4e5f-8a9b-' || lpad(i::text, 12, '0'), \
                    'req-' || md5(i::text), \
                    ('10.' || (i % 250) || '.' || (i % 199) || '.' || (i % 251))::inet, \
                    CASE WHEN i % 50 = 0 THEN 'failure' ELSE 'success' END, \
                    jsonb_build_object('role', 'viewer', 'reason', 'left the organisation', \
                                       'group', 'pa-viewers', 'n', i) \
             FROM (SELECT i, $4 - (($2 + i) * interval '1 millisecond') AS at \
                   FROM generate_series(1, $3) AS i) AS s",
        )
        .bind(tenant)
        .bind(done)
        .bind(n)
        .bind(base)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        done += n;
    }
    Ok(started.elapsed())
}

/// Seals everything queued for `tenant` with the product's sealer (default batch size).
pub async fn seal(pool: &PgPool, tenant: TenantId) -> anyhow::Result<(u64, Duration)> {
    let sealer = Sealer::with_settings(pool.clone(), SealerSettings::default());
    let started = Instant::now();
    match sealer.seal_tenant(tenant).await? {
        SealOutcome::Sealed { records, .. } => Ok((records, started.elapsed())),
        SealOutcome::Busy => anyhow::bail!("another sealer holds the bench tenant"),
    }
}
