//! `Idempotency-Key` on creating POSTs.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, create_operator_key, id_of, unique_email};

fn key() -> String {
    format!("idem-{}", uuid::Uuid::now_v7())
}

#[tokio::test]
async fn a_replay_with_the_same_key_and_body_returns_the_first_response_and_creates_nothing() {
    let app = TestApp::spawn().await;
    let k = key();
    let email = unique_email();
    let body = json!({"display_name": "Once", "contact_email": email, "environment": "production"});
    let send = |body: Value| {
        let app = &app;
        let k = k.clone();
        async move {
            app.request(Method::POST, "/v1/tenants")
                .header("Idempotency-Key", k)
                .json(&body)
                .send()
                .await
                .expect("request")
        }
    };
    let first = send(body.clone()).await;
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_location = first.headers()["location"].clone();
    let first_body = first.bytes().await.expect("body");

    // Same content, different key order and whitespace.
    let reordered =
        json!({"environment": "production", "contact_email": email, "display_name": "Once"});
    let replay = send(reordered).await;
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.headers()["location"], first_location);
    assert_eq!(replay.bytes().await.expect("body"), first_body);

    let tenant: Value = serde_json::from_slice(&first_body).expect("json");
    let same_name: Value = app
        .get("/v1/tenants?q=Once&limit=200")
        .await
        .json()
        .await
        .expect("json");
    let count = same_name["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|t| t["contact_email"] == email)
        .count();
    assert_eq!(count, 1, "one tenant for {}", id_of(&tenant));
    app.mails_to(&email, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.sink.messages_to(&email).len(), 1, "one e-mail");

    let changed =
        send(json!({"display_name": "Twice", "contact_email": email, "environment": "production"}))
            .await;
    assert_problem(changed, 422, "idempotency_key_reused").await;
}

#[tokio::test]
async fn a_key_still_in_flight_is_409_in_use() {
    let app = TestApp::spawn().await;
    let k = key();
    let body = json!({"name": "in flight"});
    // A request with this key that is still running holds an in-flight reservation.
    let hash = tenant_provisioning::idempotency::fingerprint("POST", "/v1/operator-keys", &body)
        .expect("hash");
    sqlx::query(
        "INSERT INTO idempotency_keys (operator_key_id, idempotency_key, request_hash, state, expires_at) \
         VALUES ($1, $2, $3, 'in_flight', now() + interval '1 day')",
    )
    .bind(app.key_id)
    .bind(&k)
    .bind(hash.as_bytes())
    .execute(&app.pool)
    .await
    .expect("reserve");
    let response = app
        .request(Method::POST, "/v1/operator-keys")
        .header("Idempotency-Key", &k)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.headers()["retry-after"], "1");
    assert_problem(response, 409, "idempotency_key_in_use").await;
}

#[tokio::test]
async fn keys_are_scoped_to_the_operator_key() {
    let app = TestApp::spawn().await;
    let (other, _) = create_operator_key(&app.pool, "second operator").await;
    let k = key();
    let body = json!({"name": "scoped"});
    let mine: Value = app
        .request(Method::POST, "/v1/operator-keys")
        .header("Idempotency-Key", &k)
        .json(&body)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let theirs = app
        .client
        .post(format!("{}/v1/operator-keys", app.base))
        .bearer_auth(other)
        .header("Idempotency-Key", &k)
        .json(&body)
        .send()
        .await
        .expect("request");
    assert_eq!(theirs.status(), 201);
    assert!(theirs.headers().get("idempotent-replayed").is_none());
    let theirs: Value = theirs.json().await.expect("json");
    assert_ne!(theirs["id"], mine["id"]);
}

#[tokio::test]
async fn replaying_an_operator_key_creation_returns_the_metadata_without_the_secret() {
    let app = TestApp::spawn().await;
    let k = key();
    let send = || {
        app.request(Method::POST, "/v1/operator-keys")
            .header("Idempotency-Key", &k)
            .json(&json!({"name": "shown once"}))
            .send()
    };
    let first: Value = send().await.expect("request").json().await.expect("json");
    let secret = first["key"].as_str().expect("secret").to_owned();
    let replay = send().await.expect("request");
    assert_eq!(replay.status(), 201);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let raw = replay.text().await.expect("body");
    assert!(
        !raw.contains(&secret[6..]),
        "the secret is never shown twice"
    );
    let replayed: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(replayed["id"], first["id"]);
    assert_eq!(replayed["key"], Value::Null);

    let stored: Vec<u8> = sqlx::query_scalar("SELECT response_body FROM idempotency_keys WHERE operator_key_id = $1 AND idempotency_key = $2")
        .bind(app.key_id)
        .bind(&k)
        .fetch_one(&app.pool)
        .await
        .expect("row");
    assert!(!String::from_utf8_lossy(&stored).contains(&secret[6..]));
}

#[tokio::test]
async fn a_failed_request_releases_its_key_so_a_retry_runs() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant().await;
    let id = id_of(&tenant);
    let email = tenant["contact_email"].as_str().expect("email");
    // The first link's mail goes out asynchronously; a link revoked before it did is
    // never mailed, so let it go out first.
    app.mails_to(email, 1).await;
    let k = key();
    let issue = || {
        app.request(Method::POST, &format!("/v1/tenants/{id}/setup-links"))
            .header("Idempotency-Key", &k)
            .send()
    };
    assert_problem(
        issue().await.expect("request"),
        409,
        "setup_link_already_active",
    )
    .await;
    app.delete(&format!("/v1/tenants/{id}/setup-links/active"))
        .await;
    let retried = issue().await.expect("request");
    assert_eq!(retried.status(), 201);
    assert!(retried.headers().get("idempotent-replayed").is_none());
    let replay = issue().await.expect("request");
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(
        app.mails_to(email, 2).await.len(),
        2,
        "first link + the retried one, not the replay"
    );
}

#[tokio::test]
async fn a_malformed_idempotency_key_is_400() {
    let app = TestApp::spawn().await;
    let response = app
        .request(Method::POST, "/v1/operator-keys")
        .header("Idempotency-Key", "has spaces in it")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("request");
    assert_problem(response, 400, "invalid_idempotency_key").await;
}

#[tokio::test]
async fn concurrent_duplicates_wait_for_the_first_and_replay_it() {
    let app = TestApp::spawn().await;
    let k = key();
    let email = unique_email();
    let body = json!({"display_name": "Racing", "contact_email": email, "environment": "production", "send_setup_link": false});
    let send = || {
        app.request(Method::POST, "/v1/tenants")
            .header("Idempotency-Key", &k)
            .json(&body)
            .send()
    };
    let responses = futures::future::join_all((0..4).map(|_| send())).await;
    let mut bodies = Vec::new();
    let mut replayed = 0;
    for r in responses {
        let r = r.expect("request");
        assert_eq!(
            r.status(),
            201,
            "a duplicate in flight waits, it is not refused"
        );
        replayed += usize::from(r.headers().get("idempotent-replayed").is_some());
        bodies.push(r.bytes().await.expect("body"));
    }
    assert_eq!(replayed, 3, "one ran, the others replayed it");
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "identical bodies");
}
