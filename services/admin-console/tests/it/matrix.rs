//! The authorization matrix: every endpoint × {Admin, Manager, Viewer, API token (manager role),
//! another tenant's Admin, anonymous} → status, as ONE data table driving ONE test.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{Browser, TestApp};

/// Columns of the expected statuses.
const WHO: [&str; 6] = [
    "admin",
    "manager",
    "viewer",
    "api_token",
    "other_admin",
    "anonymous",
];

/// (method, path, body, expected status per column). Placeholders: {user} (a viewer of the
/// tenant), {group} (its only admin group), {run} (a held run), {token} and {account} (an API
/// token and an emergency account of the tenant). Rows that change state run the columns
/// right to left, so the Admin acts last; "end all sessions" is the last row.
const MATRIX: &[(&str, &str, Option<&str>, [u16; 6])] = &[
    ("GET", "/v1/session", None, [200, 200, 200, 200, 200, 401]),
    ("GET", "/v1/sessions", None, [200, 200, 200, 403, 200, 401]),
    (
        "DELETE",
        "/v1/sessions/0190a0c4-0000-7000-8000-000000000000",
        None,
        [404, 404, 404, 403, 404, 401],
    ),
    ("GET", "/v1/users", None, [200, 200, 200, 200, 200, 401]),
    (
        "GET",
        "/v1/users?search=ma&role=viewer&sort=-user_principal_name",
        None,
        [200, 200, 200, 200, 200, 401],
    ),
    (
        "GET",
        "/v1/users/{user}",
        None,
        [200, 200, 200, 200, 404, 401],
    ),
    (
        "POST",
        "/v1/users/{user}/deactivate",
        None,
        [200, 200, 403, 200, 404, 401],
    ),
    (
        "POST",
        "/v1/users/{user}/reactivate",
        None,
        [200, 200, 403, 200, 404, 401],
    ),
    (
        "PUT",
        "/v1/users/{user}/direct-role",
        Some(r#"{"role":"viewer"}"#),
        [200, 403, 403, 403, 404, 401],
    ),
    (
        "DELETE",
        "/v1/users/{user}/direct-role",
        None,
        [200, 403, 403, 403, 404, 401],
    ),
    (
        "DELETE",
        "/v1/users/{user}/sessions",
        None,
        [200, 403, 403, 403, 404, 401],
    ),
    ("GET", "/v1/groups", None, [200, 200, 200, 200, 200, 401]),
    (
        "GET",
        "/v1/directory-groups?q=Patient",
        None,
        [200, 403, 403, 403, 200, 401],
    ),
    (
        "POST",
        "/v1/groups",
        Some(r#"{"group_id":"0190a0c4-1111-7000-8000-000000000000","role":"viewer"}"#),
        [422, 403, 403, 403, 422, 401],
    ),
    (
        "DELETE",
        "/v1/groups/{group}",
        None,
        [409, 403, 403, 403, 404, 401],
    ),
    ("GET", "/v1/sync", None, [200, 200, 200, 200, 200, 401]),
    ("GET", "/v1/sync/runs", None, [200, 200, 200, 200, 200, 401]),
    (
        "GET",
        "/v1/sync/runs/{run}",
        None,
        [200, 200, 200, 200, 404, 401],
    ),
    (
        "POST",
        "/v1/sync/requests",
        None,
        [202, 202, 403, 202, 202, 401],
    ),
    (
        "POST",
        "/v1/sync/runs/{run}/decision",
        Some(r#"{"decision":"reject"}"#),
        [202, 403, 403, 403, 404, 401],
    ),
    (
        "GET",
        "/v1/audit-events",
        None,
        [200, 200, 403, 200, 200, 401],
    ),
    (
        "GET",
        "/v1/audit-events/export?format=ndjson",
        None,
        [200, 200, 403, 200, 200, 401],
    ),
    (
        "GET",
        "/v1/audit-events/verification",
        None,
        [200, 200, 403, 200, 200, 401],
    ),
    (
        "GET",
        "/v1/access-review",
        None,
        [200, 200, 403, 200, 200, 401],
    ),
    ("GET", "/v1/settings", None, [200, 200, 200, 200, 200, 401]),
    (
        "PATCH",
        "/v1/settings",
        Some(r#"{"sync_interval_secs":120}"#),
        [200, 403, 403, 403, 200, 401],
    ),
    (
        "GET",
        "/v1/api-tokens",
        None,
        [200, 403, 403, 403, 200, 401],
    ),
    (
        "POST",
        "/v1/api-tokens",
        Some(r#"{"name":"matrix","role":"viewer","expires_in_days":30}"#),
        [201, 403, 403, 403, 201, 401],
    ),
    (
        "DELETE",
        "/v1/api-tokens/{token}",
        None,
        [200, 403, 403, 403, 404, 401],
    ),
    (
        "GET",
        "/v1/emergency-accounts",
        None,
        [200, 403, 403, 403, 200, 401],
    ),
    (
        "POST",
        "/v1/emergency-accounts",
        Some(r#"{"name":"matrix-break-glass"}"#),
        [201, 403, 403, 403, 201, 401],
    ),
    (
        "DELETE",
        "/v1/emergency-accounts/{account}",
        None,
        [200, 403, 403, 403, 404, 401],
    ),
    (
        "DELETE",
        "/v1/sessions",
        None,
        [200, 403, 403, 403, 200, 401],
    ),
];

#[tokio::test]
async fn every_endpoint_answers_each_kind_of_caller_as_the_matrix_says() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada Admin", Some("admin")).await;
    let manager = app.person("Max Manager", Some("manager")).await;
    let viewer = app.person("Vera Viewer", Some("viewer")).await;
    let target = app.person("Tom Target", Some("viewer")).await;
    let elsewhere = app.other_tenant().await;
    let other = app.person_in(&elsewhere, "Otto Other", Some("admin")).await;
    let other_tenant = elsewhere.tenant;

    let mut admin_b = app.signed_in(&admin).await;
    let mut callers: Vec<Browser> = Vec::new();
    // A manager-role API token, and one to revoke.
    let (s, token) = admin_b
        .json(
            Method::POST,
            "/v1/api-tokens",
            Some(&json!({"name": "partner", "role": "manager", "expires_in_days": 30})),
        )
        .await;
    assert_eq!(s, 201, "{token}");
    let (_, doomed) = admin_b
        .json(
            Method::POST,
            "/v1/api-tokens",
            Some(&json!({"name": "doomed", "role": "viewer", "expires_in_days": 1})),
        )
        .await;
    let (s, account) = admin_b
        .json(
            Method::POST,
            "/v1/emergency-accounts",
            Some(&json!({"name": "matrix-doomed"})),
        )
        .await;
    assert_eq!(s, 201, "{account}");
    let run = uuid::Uuid::now_v7();
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    sqlx::query("INSERT INTO sync_runs (tenant_id, id, kind, trigger, status, queued_at) VALUES ($1, $2, 'full', 'schedule', 'held', now())")
        .bind(app.tenant).bind(run).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();

    callers.push(admin_b);
    callers.push(app.signed_in(&manager).await);
    callers.push(app.signed_in(&viewer).await);
    callers.push(Browser::with_token(
        &app.base,
        token["token"].as_str().unwrap(),
    ));
    callers.push(app.signed_in_at(other_tenant, &other).await);
    callers.push(Browser::new(&app.base));

    let fill = |path: &str| {
        path.replace("{user}", &target.object_id.to_string())
            .replace("{group}", &app.admin_group.to_string())
            .replace("{run}", &run.to_string())
            .replace("{token}", doomed["id"].as_str().unwrap())
            .replace("{account}", account["id"].as_str().unwrap())
    };
    let mut failures = Vec::new();
    for (method, path, body, expected) in MATRIX {
        let method: Method = method.parse().unwrap();
        let path = fill(path);
        let body: Option<Value> = body.map(|b| serde_json::from_str(b).unwrap());
        for i in (0..WHO.len()).rev() {
            let resp = callers[i].call(method.clone(), &path, body.as_ref()).await;
            let got = resp.status().as_u16();
            if got != expected[i] {
                let text = resp.text().await.unwrap_or_default();
                failures.push(format!(
                    "{method} {path} as {}: expected {}, got {got} {text}",
                    WHO[i], expected[i]
                ));
            } else if got >= 400 {
                let ct = resp
                    .headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                if !ct.starts_with("application/problem+json") {
                    failures.push(format!(
                        "{method} {path} as {}: {got} is not a problem ({ct})",
                        WHO[i]
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
