//! Operator API keys: shown once, stored as a hash, revocable; 401s.

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn a_new_operator_key_is_shown_once_stored_as_a_hash_and_works() {
    let app = TestApp::spawn().await;
    let response = app
        .post("/v1/operator-keys", &json!({"name": "ci-pipeline"}))
        .await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.expect("json");
    let key = created["key"]
        .as_str()
        .expect("secret shown once")
        .to_owned();
    assert!(key.starts_with("pa_op_") && key.len() == 49);
    assert_eq!(created["prefix"].as_str(), Some(&key[..14]));
    assert_eq!(created["created_by"], app.key_id.to_string());

    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT key_hash FROM operator_api_keys WHERE id = $1::uuid")
            .bind(created["id"].as_str())
            .fetch_one(&app.pool)
            .await
            .expect("row");
    assert_eq!(stored, Sha256::digest(key.as_bytes()).to_vec());

    let with_new_key = app
        .client
        .get(format!("{}/v1/tenants?limit=1", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    assert_eq!(with_new_key.status(), 200);

    let read: Value = app
        .get(&format!(
            "/v1/operator-keys/{}",
            created["id"].as_str().expect("id")
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(read["key"], Value::Null);
    assert!(read["last_used_at"].is_string(), "use is recorded");
    let listed = app
        .get("/v1/operator-keys?limit=200")
        .await
        .text()
        .await
        .expect("body");
    assert!(!listed.contains(&key[14..]), "lists never show a key");
}

/// Keys are revoked, never deleted (migrations 0011 and 0017): the service role can't, so
/// the key ids stored in idempotency keys and audit records always resolve.
#[tokio::test]
async fn the_service_role_can_not_delete_or_truncate_operator_keys() {
    let app = TestApp::spawn().await;
    let (_, id) = crate::helpers::create_operator_key(&app.pool, "never deleted").await;
    for sql in [
        "DELETE FROM operator_api_keys WHERE id = $1",
        "TRUNCATE operator_api_keys",
    ] {
        let mut query = sqlx::query(sql);
        if sql.contains("$1") {
            query = query.bind(id);
        }
        let err = query.execute(&app.pool).await.expect_err(sql);
        let code = err.as_database_error().and_then(|e| e.code());
        assert_eq!(code.as_deref(), Some("42501"), "{sql}: {err}");
    }
    let still_there: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM operator_api_keys WHERE id = $1)")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .expect("query");
    assert!(still_there);
}

#[tokio::test]
async fn a_revoked_operator_key_is_refused_from_the_next_request_on() {
    let app = TestApp::spawn().await;
    let created: Value = app
        .post("/v1/operator-keys", &json!({"name": "to revoke"}))
        .await
        .json()
        .await
        .expect("json");
    let key = created["key"].as_str().expect("key").to_owned();
    let id = created["id"].as_str().expect("id").to_owned();
    let response = app.delete(&format!("/v1/operator-keys/{id}")).await;
    assert_eq!(response.status(), 200);
    let revoked: Value = response.json().await.expect("json");
    assert!(revoked["revoked_at"].is_string());
    assert_eq!(revoked["revoked_by"], app.key_id.to_string());

    let refused = app
        .client
        .get(format!("{}/v1/tenants", app.base))
        .bearer_auth(&key)
        .send()
        .await
        .expect("request");
    let challenge = refused.headers()["www-authenticate"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(challenge.starts_with("Bearer") && challenge.contains("invalid_token"));
    assert_problem(refused, 401, "unauthorized").await;

    // Revoking again changes nothing; unknown keys are 404.
    assert_eq!(
        app.delete(&format!("/v1/operator-keys/{id}"))
            .await
            .status(),
        200
    );
    let unknown = app
        .delete(&format!("/v1/operator-keys/{}", uuid::Uuid::now_v7()))
        .await;
    assert_problem(unknown, 404, "operator_key_not_found").await;
}

/// `POST /v1/tenants` checks the key in its write statement once the instance knows the
/// key (crate::auth): a key revoked after it created a tenant gets 401 and writes nothing,
/// whether its request is valid, invalid or a replay of one that succeeded.
#[tokio::test]
async fn a_revoked_key_that_created_tenants_before_creates_nothing_more() {
    let app = TestApp::spawn().await;
    let (key, id) = crate::helpers::create_operator_key(&app.pool, "revoked later").await;
    let post = |body: Value, idempotency_key: &str| {
        app.client
            .post(format!("{}/v1/tenants", app.base))
            .bearer_auth(&key)
            .header("Idempotency-Key", idempotency_key)
            .json(&body)
            .send()
    };
    let marker = format!("Revoked Later {}", uuid::Uuid::now_v7().simple());
    let body = json!({
        "display_name": marker,
        "contact_email": crate::helpers::unique_email(),
        "environment": "production",
    });
    let first = post(body.clone(), "first").await.expect("request");
    assert_eq!(first.status(), 201);
    let replayed = post(body.clone(), "first").await.expect("request");
    assert_eq!(replayed.status(), 201, "a live key's replay is answered");
    assert_eq!(
        app.delete(&format!("/v1/operator-keys/{id}"))
            .await
            .status(),
        200
    );

    let mut another = body.clone();
    another["contact_email"] = json!(crate::helpers::unique_email());
    let mut invalid = body.clone();
    invalid["contact_email"] = json!("not an address");
    for (label, body, idempotency_key) in [
        ("a valid request", another, "second"),
        ("an invalid body", invalid, "third"),
        ("a replay of the created tenant", body, "first"),
    ] {
        let refused = post(body, idempotency_key).await.expect("request");
        assert_eq!(refused.status(), 401, "{label}");
        assert_problem(refused, 401, "unauthorized").await;
    }
    let listed: Value = app
        .get(&format!("/v1/tenants?q={}", marker.replace(' ', "%20")))
        .await
        .json()
        .await
        .expect("json");
    let names: Vec<&str> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|t| t["display_name"].as_str())
        .collect();
    assert_eq!(
        names,
        [marker.as_str()],
        "only the first request created a tenant"
    );
    let keys: Vec<String> = sqlx::query_scalar(
        "SELECT idempotency_key FROM idempotency_keys WHERE operator_key_id = $1 \
          ORDER BY idempotency_key",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .expect("idempotency keys");
    assert_eq!(keys, ["first"], "only the first request claimed a key");
}

/// The up-front check tells when a key's recorded use is over a minute old; the next
/// request records it (at most once a minute, so most requests write nothing).
#[tokio::test]
async fn a_request_with_a_key_whose_recorded_use_is_stale_records_it_again() {
    let app = TestApp::spawn().await;
    let (key, id) = crate::helpers::create_operator_key(&app.pool, "use recorded").await;
    let create = || {
        app.client
            .post(format!("{}/v1/tenants", app.base))
            .bearer_auth(&key)
            .json(&json!({
                "display_name": "Use Recorded",
                "contact_email": crate::helpers::unique_email(),
                "environment": "non_production",
            }))
            .send()
    };
    assert_eq!(create().await.expect("request").status(), 201);
    let age = "SELECT extract(epoch FROM now() - last_used_at)::float8 \
                 FROM operator_api_keys WHERE id = $1";
    sqlx::query(
        "UPDATE operator_api_keys SET last_used_at = now() - interval '5 minutes' WHERE id = $1",
    )
    .bind(id)
    .execute(&app.pool)
    .await
    .expect("age the last use");
    assert_eq!(create().await.expect("request").status(), 201);
    let seconds: f64 = sqlx::query_scalar(age)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("last use");
    assert!(seconds < 60.0, "last use recorded {seconds} s ago");
}

#[tokio::test]
async fn every_operator_endpoint_answers_401_without_a_valid_key() {
    let app = TestApp::spawn().await;
    let t = uuid::Uuid::now_v7();
    let endpoints = [
        (Method::POST, "/v1/tenants".to_owned()),
        (Method::GET, "/v1/tenants".to_owned()),
        (Method::GET, format!("/v1/tenants/{t}")),
        (Method::PATCH, format!("/v1/tenants/{t}")),
        (Method::POST, format!("/v1/tenants/{t}/suspend")),
        (Method::POST, format!("/v1/tenants/{t}/resume")),
        (Method::POST, format!("/v1/tenants/{t}/deprovision")),
        (Method::POST, format!("/v1/tenants/{t}/setup-links")),
        (
            Method::POST,
            format!("/v1/tenants/{t}/setup-links/regenerate"),
        ),
        (
            Method::DELETE,
            format!("/v1/tenants/{t}/setup-links/active"),
        ),
        (Method::GET, format!("/v1/tenants/{t}/setup-links")),
        (Method::GET, format!("/v1/tenants/{t}/setup-links/{t}")),
        (Method::GET, "/v1/operator-keys".to_owned()),
        (Method::POST, "/v1/operator-keys".to_owned()),
        (Method::GET, format!("/v1/operator-keys/{t}")),
        (Method::DELETE, format!("/v1/operator-keys/{t}")),
    ];
    let forged = format!("pa_op_{}", "A".repeat(43));
    let credentials: [(Option<&str>, bool); 4] = [
        (None, false),
        (Some("Bearer not-a-key"), true),
        (Some(&format!("Bearer {forged}")), true),
        (Some(&format!("Basic {forged}")), true),
    ];
    for (method, path) in &endpoints {
        for (header, presented) in &credentials {
            let mut request = app
                .client
                .request(method.clone(), format!("{}{path}", app.base))
                .json(&json!({}));
            if let Some(h) = header {
                request = request.header("authorization", *h);
            }
            let response = request.send().await.expect("request");
            let challenge = response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            assert!(
                challenge.starts_with("Bearer"),
                "{method} {path} {header:?}: {challenge:?}"
            );
            assert_eq!(
                challenge.contains("invalid_token"),
                *presented,
                "{method} {path}"
            );
            assert_problem(response, 401, "unauthorized").await;
        }
    }
}

#[tokio::test]
async fn the_cli_prints_a_new_key_once_to_stdout() {
    let app = TestApp::spawn().await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_tenant-provisioning"))
        .args(["create-operator-key", "--name", "from the CLI"])
        .env(
            "PA_TP_DATABASE__URL",
            pa_db::testing::service_url(tenant_provisioning::config::DB_ROLE),
        )
        .output()
        .expect("run the binary");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("utf8");
    let key = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "stdout holds just the key");
    assert!(key.starts_with("pa_op_"));
    assert!(String::from_utf8_lossy(&output.stderr).contains(&key[..14]));
    let ok = app
        .client
        .get(format!("{}/v1/operator-keys?limit=1", app.base))
        .bearer_auth(key)
        .send()
        .await
        .expect("request");
    assert_eq!(ok.status(), 200);
}
