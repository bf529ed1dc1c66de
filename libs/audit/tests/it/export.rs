//! Streamed exports: CSV and NDJSON, the same records as the audit page, flat memory.

use futures::StreamExt as _;
use pa_audit::{
    ActionFilter, Actor, AuditEntry, AuditFilter, ExportFormat, ExportOptions, Sealer,
    export_tenant, export_tenant_with, query_tenant,
};
use pa_db::{begin_tenant, testing};
use pa_domain::TenantId;
use sqlx::PgPool;

use crate::init;
use crate::support::{seal, write_entry};

async fn collect(stream: pa_audit::ExportStream) -> (Vec<u8>, usize) {
    let chunks: Vec<_> = stream.collect().await;
    let count = chunks.len();
    let body = chunks
        .into_iter()
        .flat_map(|c| c.expect("chunk").to_vec())
        .collect();
    (body, count)
}

#[tokio::test]
async fn a_csv_export_has_a_header_and_one_safe_line_per_record() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let hostile = AuditEntry::new(
        Actor::System {
            component: "audit-test",
        },
        "user.renamed",
    )
    .target("user", "=HYPERLINK(\"http://evil.example\",\"x\")")
    .request_id("a,b")
    .details(serde_json::json!({"display_name": "-1+1", "note": "line\nbreak"}));
    let id = write_entry(&pool, tenant, &hostile).await;
    seal(&Sealer::new(pool.clone()), tenant).await;

    let (body, _) = collect(export_tenant(
        pool.clone(),
        tenant,
        AuditFilter::default(),
        ExportFormat::Csv,
    ))
    .await;
    let text = String::from_utf8(body).expect("utf-8");
    let (header, rest) = text.split_once("\r\n").expect("header line");
    assert_eq!(
        header,
        "id,occurred_at,actor_type,actor_id,action,target_type,target_id,request_id,\
         client_addr,outcome,details,chain_seq,chain_hash"
    );
    assert!(rest.starts_with(&format!("{id},")), "{rest}");
    assert!(
        rest.contains(",system,audit-test,user.renamed,user,"),
        "{rest}"
    );
    // The formula is neutralised and quoted; the quotes inside doubled.
    assert!(
        rest.contains(",\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",\"a,b\",,success,"),
        "{rest}"
    );
    // Details stay one (quoted) cell: the JSON escapes its own line break.
    assert!(
        rest.contains(r#","{""note"": ""line\nbreak"", ""display_name"": ""-1+1""}",1,"#),
        "{rest}"
    );
    assert!(
        rest.ends_with("\r\n") && rest.matches("\r\n").count() == 1,
        "{rest:?}"
    );
}

#[tokio::test]
async fn an_ndjson_export_holds_the_same_records_as_the_audit_page() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    for action in ["session.started", "user.deactivated", "session.ended"] {
        let entry = AuditEntry::new(Actor::System { component: "t" }, action);
        write_entry(&pool, tenant, &entry).await;
    }
    let filter = AuditFilter {
        action: Some(ActionFilter::parse("session.*").expect("valid")),
        ..AuditFilter::default()
    };
    let (body, chunks) = collect(export_tenant_with(
        pool.clone(),
        tenant,
        filter.clone(),
        ExportFormat::Ndjson,
        ExportOptions { chunk_rows: 1 },
    ))
    .await;
    let lines: Vec<serde_json::Value> = body
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("one JSON object per line"))
        .collect();
    let exported: Vec<String> = lines
        .iter()
        .map(|l| l["id"].as_str().expect("id").to_owned())
        .collect();

    let mut tx = begin_tenant(&pool, tenant).await.expect("begin");
    let page = query_tenant(&mut tx, tenant, &filter, None, 100)
        .await
        .expect("page");
    let listed: Vec<String> = page.records.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(exported, listed);
    assert_eq!(exported.len(), 2);
    assert_eq!(
        chunks, 2,
        "one record per chunk, and no empty chunk at the end"
    );
    assert_eq!(lines[0]["action"], "session.ended");
    assert!(lines[0]["details"].is_object());
}

#[tokio::test]
async fn an_export_of_nothing_is_a_header_or_empty() {
    init();
    let pool = testing::app_pool().await;
    let tenant = TenantId::new();
    let (csv, _) = collect(export_tenant(
        pool.clone(),
        tenant,
        AuditFilter::default(),
        ExportFormat::Csv,
    ))
    .await;
    assert_eq!(csv.iter().filter(|b| **b == b'\n').count(), 1);
    let (ndjson, chunks) = collect(export_tenant(
        pool,
        tenant,
        AuditFilter::default(),
        ExportFormat::Ndjson,
    ))
    .await;
    assert!(ndjson.is_empty() && chunks == 0);
}

/// Inserts `n` records of about 600 bytes each for `tenant`, server-side. As the superuser
/// with triggers off, so they are not queued: the sealer loop another test runs must not
/// spend its time on them.
async fn seed(tenant: TenantId, n: i64) {
    let admin = testing::admin_pool().await;
    let mut tx = admin.begin().await.expect("begin");
    sqlx::raw_sql("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .expect("replica");
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, occurred_at, actor_type, actor_id, action, \
         target_type, target_id, request_id, client_addr, outcome, details) \
         SELECT $1, gen_random_uuid(), now() - i * interval '1 millisecond', 'console_user', \
                'd3b07384-d113-4ec6-a7b1-' || lpad(i::text, 12, '0'), 'user.deactivated', \
                'user', i::text, 'req-' || i, '203.0.113.9', 'success', \
                jsonb_build_object('i', i, 'note', repeat('x', 420)) \
         FROM generate_series(1, $2) AS i",
    )
    .bind(tenant)
    .bind(n)
    .execute(&mut *tx)
    .await
    .expect("seeded");
    tx.commit().await.expect("commit");
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|v| v.parse().ok())
        })
        .expect("VmRSS")
}

#[tokio::test]
async fn an_export_of_100000_records_streams_in_bounded_chunks_with_flat_memory() {
    init();
    let pool: PgPool = testing::app_pool().await;
    let tenant = TenantId::new();
    seed(tenant, 100_000).await;

    let before = rss_kib();
    let mut stream = export_tenant(pool, tenant, AuditFilter::default(), ExportFormat::Csv);
    let (mut lines, mut bytes, mut chunks, mut largest, mut peak) = (0usize, 0usize, 0, 0, before);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("chunk");
        lines += chunk.iter().filter(|b| **b == b'\n').count();
        bytes += chunk.len();
        largest = largest.max(chunk.len());
        chunks += 1;
        peak = peak.max(rss_kib());
    }
    assert_eq!(lines, 100_001, "header + every record");
    assert!(bytes > 60_000_000, "{bytes} bytes");
    assert_eq!(chunks, 20, "5,000 records per chunk");
    assert!(largest < 4_000_000, "largest chunk {largest} bytes");
    let grew_mib = (peak.saturating_sub(before)) / 1024;
    println!("export: {bytes} bytes in {chunks} chunks; RSS {before} KiB -> peak {peak} KiB");
    assert!(
        grew_mib < 24,
        "memory grew by {grew_mib} MiB for a {} MiB export",
        bytes >> 20
    );
}
