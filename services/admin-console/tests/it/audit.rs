//! The audit trail through the console: the chain check finds an altered and a deleted record,
//! filters, and a 100,000-record export that streams.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use crate::helpers::{TestApp, audit_actions};

/// Waits until every record of the caller's tenant is sealed; returns the verification.
async fn sealed(b: &mut crate::helpers::Browser) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (s, v) = b
            .json(Method::GET, "/v1/audit-events/verification", None)
            .await;
        assert_eq!(s, 200, "{v}");
        if v["intact"] == false || v["unsealed"] == 0 {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "records not sealed: {v}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_chain_check_names_an_altered_and_a_deleted_record() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut b = app.signed_in(&admin).await;
    for n in [120, 180, 240] {
        let (s, _) = b
            .json(
                Method::PATCH,
                "/v1/settings",
                Some(&serde_json::json!({"sync_interval_secs": n})),
            )
            .await;
        assert_eq!(s, 200);
    }
    let ok = sealed(&mut b).await;
    assert_eq!(ok["intact"], true, "{ok}");
    assert!(ok["verified"].as_u64().unwrap() >= 4);
    let changes = {
        let (_, page) = b
            .json(
                Method::GET,
                "/v1/audit-events?action=settings.changed",
                None,
            )
            .await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(changes.len(), 3);
    let superuser = pa_db::testing::admin_pool().await;
    // Alter the middle one, bypassing the append-only trigger as only a superuser can.
    let mut conn = superuser.acquire().await.unwrap();
    sqlx::query("SET session_replication_role = replica")
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET details = jsonb_set(details, '{after,sync_interval_secs}', '9999') WHERE id = $1::uuid")
        .bind(&changes[1]).execute(&mut *conn).await.unwrap();
    let (_, v) = b
        .json(Method::GET, "/v1/audit-events/verification", None)
        .await;
    assert_eq!(
        (v["intact"].as_bool(), v["reason"].as_str()),
        (Some(false), Some("content_altered")),
        "{v}"
    );
    assert_eq!(v["broken_record_id"], changes[1].as_str());
    // Put it back, then delete the newest one.
    sqlx::query("UPDATE audit_log SET details = jsonb_set(details, '{after,sync_interval_secs}', '180') WHERE id = $1::uuid")
        .bind(&changes[1]).execute(&mut *conn).await.unwrap();
    let (_, v) = b
        .json(Method::GET, "/v1/audit-events/verification", None)
        .await;
    assert_eq!(v["intact"], true, "restored: {v}");
    sqlx::query("DELETE FROM audit_log WHERE id = $1::uuid")
        .bind(&changes[0])
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("SET session_replication_role = origin")
        .execute(&mut *conn)
        .await
        .unwrap();
    let (_, v) = b
        .json(Method::GET, "/v1/audit-events/verification", None)
        .await;
    assert_eq!(
        (v["intact"].as_bool(), v["reason"].as_str()),
        (Some(false), Some("record_deleted")),
        "{v}"
    );
    assert_eq!(v["broken_record_id"], changes[0].as_str());
}

#[tokio::test]
async fn the_audit_page_filters_by_actor_action_target_and_time() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let bob = app.person("Bob", Some("viewer")).await;
    let mut b = app.signed_in(&admin).await;
    b.call(
        Method::POST,
        &format!("/v1/users/{}/deactivate", bob.object_id),
        None,
    )
    .await;
    let (s, page) = b.json(Method::GET, &format!("/v1/audit-events?actor_type=console_user&actor_id={}&action=user.*&target_type=user&target_id={}", admin.object_id, bob.object_id), None).await;
    assert_eq!(s, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["action"], "user.deactivated_in_product");
    assert!(
        items[0]["request_id"].is_string() && items[0]["client_addr"].as_str() == Some("127.0.0.1")
    );
    let (_, page) = b
        .json(
            Method::GET,
            "/v1/audit-events?action=session.signed_in",
            None,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (s, bad) = b
        .json(Method::GET, "/v1/audit-events?since=yesterday", None)
        .await;
    assert_eq!(
        (s, bad["errors"][0]["field"].as_str()),
        (400, Some("since"))
    );
    let (s, bad) = b
        .json(Method::GET, "/v1/audit-events?actor_type=robot", None)
        .await;
    assert_eq!(
        (s, bad["errors"][0]["field"].as_str()),
        (400, Some("actor_type"))
    );
    let (s, _) = b
        .json(Method::GET, "/v1/audit-events?cursor=nope", None)
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn a_100000_record_export_streams_in_chunks() {
    let app = TestApp::spawn().await;
    let manager = app.person("Mia", Some("manager")).await;
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    sqlx::query(
        "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, target_type, target_id, outcome, details) \
         SELECT $1, gen_random_uuid(), 'system', 'bulk-test', 'bulk.record', 'item', n::text, 'success', jsonb_build_object('n', n) \
         FROM generate_series(1, 100000) AS n",
    )
    .bind(app.tenant)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut b = app.signed_in(&manager).await;
    let resp = b
        .call(
            Method::GET,
            "/v1/audit-events/export?action=bulk.record&format=csv",
            None,
        )
        .await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers().get("content-length").is_none(),
        "streamed, not buffered"
    );
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut resp = resp;
    let (mut lines, mut chunks, mut largest, mut total) = (0usize, 0usize, 0usize, 0usize);
    while let Some(chunk) = resp.chunk().await.unwrap() {
        chunks += 1;
        largest = largest.max(chunk.len());
        total += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    assert_eq!(lines, 100_001, "header + every record");
    assert!(
        chunks > 10 && largest < total / 5,
        "{chunks} chunks, largest {largest} of {total} bytes"
    );
    let (s, ndjson) = {
        let resp = b.call(Method::GET, "/v1/audit-events/export?action=bulk.record&format=ndjson&since=2000-01-01T00:00:00Z", None).await;
        (resp.status(), resp.text().await.unwrap())
    };
    assert_eq!(s, 200);
    assert_eq!(ndjson.lines().count(), 100_000);
    let first: Value = serde_json::from_str(ndjson.lines().next().unwrap()).unwrap();
    assert_eq!(first["action"], "bulk.record");
    assert!(
        audit_actions(&app.pool, app.tenant, "bulk.record")
            .await
            .len()
            == 100_000
    );
}
