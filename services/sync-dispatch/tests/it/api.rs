//! The operators' REST API: status with progress, run history, "sync now"; operator keys;
//! bad input.

use std::collections::HashSet;

use pa_events::AccessRole;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{Stack, hospital, is_active, operator_key};

/// Asserts a problem response: status, media type, `code`; returns the body.
async fn problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "{}", response.url());
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(media.starts_with("application/problem+json"), "{media}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    body
}

#[tokio::test]
async fn the_status_shows_a_running_syncs_progress_and_the_history_lists_its_runs() {
    let stack = Stack::start().await;
    let (t, all_staff, admins) = stack.generated(3, 3_000).await;
    stack
        .sim
        .update_tenant_faults(t.entra, |f| f.latency_ms = 200)
        .unwrap();
    stack
        .setup(
            &t,
            &[(admins, AccessRole::Admin), (all_staff, AccessRole::Viewer)],
        )
        .await;
    stack
        .wait_run(&t, &HashSet::new(), |r| {
            r.status == "running" && r.objects_read >= 1_500
        })
        .await;

    let status: Value = stack
        .get(&format!("/v1/tenants/{}/sync", t.id))
        .await
        .json()
        .await
        .unwrap();

    let run = &status["current_run"];
    assert_eq!(run["status"], "running", "{status}");
    assert_eq!(run["kind"], "full");
    let progress = &run["progress"];
    assert!(
        progress["objects_read"].as_i64().unwrap() >= 999,
        "{progress}"
    );
    assert!(
        progress["objects_total"].as_i64().unwrap() >= 3_001,
        "Graph's $count: {progress}"
    );
    assert!(progress["percent"].as_u64().unwrap() < 100, "{progress}");
    assert_eq!(status["entra_tenant_id"], t.entra.to_string());
    assert_eq!(status["lifecycle"], "active");

    stack.wait_run(&t, &HashSet::new(), |r| !is_active(r)).await;
    stack
        .sim
        .update_tenant_faults(t.entra, |f| f.latency_ms = 0)
        .unwrap();
    stack.sync_now(&t, pa_events::SyncKind::Incremental).await;
    let page: Value = stack
        .get(&format!("/v1/tenants/{}/sync/runs?limit=1", t.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["items"][0]["kind"], "incremental", "newest first");
    let cursor = page["next_cursor"].as_str().expect("a second page");
    let page: Value = stack
        .get(&format!(
            "/v1/tenants/{}/sync/runs?limit=1&cursor={cursor}",
            t.id
        ))
        .await
        .json()
        .await
        .unwrap();
    let first = &page["items"][0];
    assert_eq!(
        (first["kind"].as_str(), first["trigger"].as_str()),
        (Some("full"), Some("setup"))
    );
    assert_eq!(first["users_created"], 3_001);
    assert_eq!(first["progress"]["percent"], 100);
    assert!(page["next_cursor"].is_null());
    let id = first["id"].as_str().unwrap();
    let one: Value = stack
        .get(&format!("/v1/tenants/{}/sync/runs/{id}", t.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(&one, first);
    let held: Value = stack
        .get(&format!("/v1/tenants/{}/sync/runs?status=held", t.id))
        .await
        .json()
        .await
        .unwrap();
    assert!(held["items"].as_array().unwrap().is_empty());
    stack.shutdown().await;
}

#[tokio::test]
async fn an_operators_sync_now_queues_a_run_and_is_audited() {
    let stack = Stack::start().await;
    let t = stack.tenant("Operator Hospital").await;
    let h = hospital::build(&stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;
    let before = stack.run_ids(&t).await;

    let response = stack
        .request(Method::POST, &format!("/v1/tenants/{}/sync", t.id))
        .json(&json!({"kind": "incremental"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let status: Value = response.json().await.unwrap();
    assert_eq!(status["pending"]["kind"], "incremental", "{status}");
    let run = stack.wait_run(&t, &before, |r| !is_active(r)).await;
    assert_eq!(
        (run.trigger.as_str(), run.kind.as_str(), run.status.as_str()),
        ("operator", "incremental", "succeeded")
    );
    assert_eq!(run.requested_by, Some(format!("operator:{}", stack.key_id)));
    let audited = stack
        .count(&t, &format!("SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'sync.requested' AND actor_type = 'operator' AND actor_id = '{}'", stack.key_id))
        .await;
    assert_eq!(audited, 1);
    // Without a body: a full sync.
    let before = stack.run_ids(&t).await;
    let response = stack
        .request(Method::POST, &format!("/v1/tenants/{}/sync", t.id))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let run = stack.wait_run(&t, &before, |r| !is_active(r)).await;
    assert_eq!(run.kind, "full");
    stack.shutdown().await;
}

#[tokio::test]
async fn every_route_refuses_requests_without_a_live_operator_key() {
    let stack = Stack::start().await;
    let t = stack.tenant("Auth Hospital").await;
    let (revoked, _) = operator_key(&stack.admin, true).await;
    let (unknown, _) = operator_key(&stack.admin, false).await;
    sqlx::query("DELETE FROM operator_api_keys WHERE key_prefix = $1")
        .bind(&unknown[..14])
        .execute(&stack.admin)
        .await
        .unwrap();
    let routes = [
        (Method::GET, format!("/v1/tenants/{}/sync", t.id)),
        (Method::POST, format!("/v1/tenants/{}/sync", t.id)),
        (Method::GET, format!("/v1/tenants/{}/sync/runs", t.id)),
        (
            Method::GET,
            format!("/v1/tenants/{}/sync/runs/{}", t.id, Uuid::now_v7()),
        ),
    ];
    let keys: [(&str, Option<&str>); 4] = [
        ("no key", None),
        ("malformed", Some("pa_op_nope")),
        ("unknown", Some(&unknown)),
        ("revoked", Some(&revoked)),
    ];
    for (method, path) in &routes {
        for (case, key) in &keys {
            let mut request = stack
                .http
                .request(method.clone(), format!("{}{path}", stack.base));
            if let Some(key) = key {
                request = request.bearer_auth(key);
            }
            let response = request.send().await.unwrap();
            assert!(
                response.headers().contains_key("www-authenticate"),
                "{method} {path} {case}"
            );
            problem(response, 401, "unauthorized").await;
        }
    }
    // Nothing was asked for.
    assert!(stack.runs(&t).await.is_empty());
    stack.shutdown().await;
}

#[tokio::test]
async fn bad_input_gets_a_problem_naming_the_parameter_and_changes_nothing() {
    let stack = Stack::start().await;
    let t = stack.tenant("Input Hospital").await;
    let h = hospital::build(&stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;
    let other = stack.tenant("Other Hospital").await;
    let h2 = hospital::build(&stack, &other);
    let other_run = stack.setup_and_sync(&other, &h2.config()).await;
    let runs = format!("/v1/tenants/{}/sync/runs", t.id);

    let body = problem(
        stack.get("/v1/tenants/not-a-uuid/sync").await,
        400,
        "invalid_path_parameter",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "tenant_id");
    problem(
        stack.get(&format!("{runs}/42")).await,
        400,
        "invalid_path_parameter",
    )
    .await;
    problem(
        stack.get(&format!("{runs}?cursor=bogus")).await,
        400,
        "invalid_cursor",
    )
    .await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=x",
        "status=weekly",
        "colour=red",
    ] {
        let body = problem(
            stack.get(&format!("{runs}?{query}")).await,
            400,
            "invalid_query_parameter",
        )
        .await;
        let field = query.split('=').next().unwrap();
        assert_eq!(body["errors"][0]["field"], field, "{query}: {body}");
    }
    problem(
        stack
            .get(&format!("/v1/tenants/{}/sync", Uuid::now_v7()))
            .await,
        404,
        "tenant_not_found",
    )
    .await;
    // Another tenant's run is not found under this tenant.
    problem(
        stack.get(&format!("{runs}/{}", other_run.id)).await,
        404,
        "run_not_found",
    )
    .await;

    let sync = format!("/v1/tenants/{}/sync", t.id);
    let post = |body: &'static str, media: &'static str| {
        stack
            .request(Method::POST, &sync)
            .header("content-type", media)
            .body(body)
            .send()
    };
    let body = problem(
        post(r#"{"kind":"weekly"}"#, "application/json")
            .await
            .unwrap(),
        422,
        "invalid_field",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "kind");
    let body = problem(
        post(r#"{"colour":"red"}"#, "application/json")
            .await
            .unwrap(),
        422,
        "unknown_field",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "colour");
    problem(
        post("{", "application/json").await.unwrap(),
        400,
        "malformed_json",
    )
    .await;
    problem(
        post("kind=full", "text/plain").await.unwrap(),
        415,
        "unsupported_media_type",
    )
    .await;
    let huge = format!(r#"{{"kind":"{}"}}"#, "x".repeat(2 << 20));
    let response = stack
        .request(Method::POST, &sync)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    problem(response, 413, "payload_too_large").await;

    let pending: Option<String> =
        sqlx::query_scalar("SELECT pending_kind FROM sync_tenants WHERE tenant_id = $1")
            .bind(t.id)
            .fetch_one(&stack.admin)
            .await
            .unwrap();
    assert_eq!(pending, None, "no run was asked for");
    assert_eq!(stack.runs(&t).await.len(), 1);
    stack.shutdown().await;
}
