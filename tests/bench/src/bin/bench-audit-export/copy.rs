//! The baseline: PostgreSQL's own CSV writer on the same rows, `COPY (SELECT …) TO STDOUT`.

use std::time::Instant;

use futures::StreamExt as _;
use pa_domain::TenantId;
use sqlx::PgPool;

use crate::Pass;

/// The export's rows and order (pa_audit's export query, without the keyset chunks), as CSV
/// with a header. The same columns; PostgreSQL formats timestamps and the hash its own way
/// and applies no formula guard.
const COPY_SQL: &str = "COPY (SELECT l.id, l.occurred_at, l.actor_type, l.actor_id, l.action, \
     l.target_type, l.target_id, l.request_id, l.client_addr, l.outcome, l.details, \
     c.seq AS chain_seq, encode(c.hash, 'hex') AS chain_hash \
     FROM audit_log l LEFT JOIN audit_chain c ON c.tenant_id = l.tenant_id AND c.audit_id = l.id \
     WHERE l.tenant_id = '{tenant}' ORDER BY l.occurred_at DESC, l.id DESC) \
     TO STDOUT WITH (FORMAT csv, HEADER)";

/// One bare COPY of the tenant's records as `pa_app` under its context, bytes counted and
/// discarded.
pub async fn run(pool: &PgPool, tenant: TenantId) -> anyhow::Result<Pass> {
    let mut tx = pa_db::begin_tenant(pool, tenant).await?;
    // A TenantId is a UUID (hex and dashes): safe to inline into the COPY statement.
    let sql = COPY_SQL.replace("{tenant}", &tenant.as_uuid().hyphenated().to_string());
    let started = Instant::now();
    let mut pass = Pass::default();
    {
        let mut stream = tx.copy_out_raw(&sql).await?;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk?;
            pass.bytes += chunk.len() as u64;
            pass.lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
        }
    }
    pass.secs = started.elapsed().as_secs_f64();
    tx.commit().await?;
    Ok(pass)
}
