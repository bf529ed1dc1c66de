//! Setup links: e-mail, lookup, regenerate, revoke, expiry, listing.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, email_sent_at, id_of, unique_email};

/// A tenant plus its contact address.
async fn tenant(app: &TestApp) -> (String, String) {
    let t = app.create_tenant().await;
    (
        id_of(&t),
        t["contact_email"].as_str().expect("email").to_owned(),
    )
}

#[tokio::test]
async fn the_emailed_link_carries_a_token_that_resolves_to_the_tenant() {
    let app = TestApp::spawn().await;
    let (id, email) = tenant(&app).await;
    let mail = app.mails_to(&email, 1).await.remove(0);
    let text = mail.text_body().expect("text");
    assert!(
        text.contains("https://wizard.test.example/onboarding/setup#token=pa_setup_"),
        "{text}"
    );
    for expected in [
        "Acme Health",
        "44.207.16.175/32",
        "34.195.47.118/32",
        "tenant ID",
        "Read all groups",
        " UTC",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
    let token = crate::helpers::token_of(&mail);
    assert_eq!(token.len(), "pa_setup_".len() + 43);
    let (tenant_id, link_id, status) = app.lookup(&token).await.expect("token resolves");
    assert_eq!(tenant_id.to_string(), id);
    assert_eq!(status, "active");
    let links: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(links["items"][0]["id"], link_id.to_string());
}

#[tokio::test]
async fn issuing_a_link_while_one_is_active_is_a_conflict() {
    let app = TestApp::spawn().await;
    let (id, _) = tenant(&app).await;
    let problem = assert_problem(
        app.post_empty(&format!("/v1/tenants/{id}/setup-links"))
            .await,
        409,
        "setup_link_already_active",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("regenerate")
    );
}

#[tokio::test]
async fn regenerating_revokes_the_old_token_and_emails_a_working_new_one() {
    let app = TestApp::spawn().await;
    let (id, email) = tenant(&app).await;
    let old = app.token_in_mail(&email, 1).await;
    let response = app
        .post_empty(&format!("/v1/tenants/{id}/setup-links/regenerate"))
        .await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let link: Value = response.json().await.expect("json");
    assert_eq!(
        location,
        format!(
            "/v1/tenants/{id}/setup-links/{}",
            link["id"].as_str().expect("id")
        )
    );
    assert_eq!(link["status"], "active");

    let new = app.token_in_mail(&email, 2).await;
    assert_ne!(old, new);
    assert_eq!(app.lookup(&old).await.expect("old").2, "revoked");
    assert_eq!(app.lookup(&new).await.expect("new").2, "active");
    let fetched: Value = app.get(&location).await.json().await.expect("json");
    assert_eq!(fetched["id"], link["id"]);
}

#[tokio::test]
async fn revoking_the_active_link_makes_its_token_resolve_as_revoked() {
    let app = TestApp::spawn().await;
    let (id, email) = tenant(&app).await;
    let token = app.token_in_mail(&email, 1).await;
    let response = app
        .delete(&format!("/v1/tenants/{id}/setup-links/active"))
        .await;
    assert_eq!(response.status(), 200);
    let link: Value = response.json().await.expect("json");
    assert_eq!(
        (link["status"].as_str(), link["revoked_reason"].as_str()),
        (Some("revoked"), Some("revoked"))
    );
    assert_eq!(app.lookup(&token).await.expect("token").2, "revoked");

    assert_problem(
        app.delete(&format!("/v1/tenants/{id}/setup-links/active"))
            .await,
        404,
        "setup_link_not_found",
    )
    .await;
    // With none active, a new one may be issued.
    assert_eq!(
        app.post_empty(&format!("/v1/tenants/{id}/setup-links"))
            .await
            .status(),
        201
    );
}

#[tokio::test]
async fn listing_setup_links_shows_metadata_and_never_the_token() {
    let app = TestApp::spawn().await;
    let (id, email) = tenant(&app).await;
    // Mails go out asynchronously and a link revoked before its mail went out is never
    // mailed: let the first one go out before regenerating.
    let first = app.token_in_mail(&email, 1).await;
    app.post_empty(&format!("/v1/tenants/{id}/setup-links/regenerate"))
        .await;
    let second = app.token_in_mail(&email, 2).await;
    let response = app
        .get(&format!("/v1/tenants/{id}/setup-links?limit=1"))
        .await;
    let raw = response.text().await.expect("body");
    assert!(!raw.contains(&first) && !raw.contains(&second) && !raw.contains("pa_setup_"));
    let page: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(page["items"][0]["status"], "active");
    let next = page["next_cursor"].as_str().expect("a second page");
    let older: Value = app
        .get(&format!(
            "/v1/tenants/{id}/setup-links?limit=1&cursor={next}"
        ))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(older["items"][0]["status"], "revoked");
    assert_eq!(older["items"][0]["revoked_reason"], "regenerated");
    assert_eq!(older["items"][0]["sent_to"], email);
    assert_eq!(older["next_cursor"], Value::Null);
}

#[tokio::test]
async fn links_cannot_be_issued_for_suspended_or_deprovisioned_tenants() {
    let app = TestApp::spawn().await;
    let id = id_of(
        &app.create_tenant_with(json!({"send_setup_link": false}))
            .await,
    );
    app.post_empty(&format!("/v1/tenants/{id}/suspend")).await;
    let problem = assert_problem(
        app.post_empty(&format!("/v1/tenants/{id}/setup-links"))
            .await,
        409,
        "invalid_tenant_state",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("suspended")
    );
    app.post_empty(&format!("/v1/tenants/{id}/deprovision"))
        .await;
    let problem = assert_problem(
        app.post_empty(&format!("/v1/tenants/{id}/setup-links/regenerate"))
            .await,
        409,
        "invalid_tenant_state",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .expect("detail")
            .contains("deprovisioned")
    );
}

#[tokio::test]
async fn a_suspended_tenants_link_resolves_as_tenant_unavailable() {
    let app = TestApp::spawn().await;
    let (id, email) = tenant(&app).await;
    let token = app.token_in_mail(&email, 1).await;
    app.post_empty(&format!("/v1/tenants/{id}/suspend")).await;
    assert_eq!(
        app.lookup(&token).await.expect("token").2,
        "tenant_unavailable"
    );
    app.post_empty(&format!("/v1/tenants/{id}/resume")).await;
    assert_eq!(app.lookup(&token).await.expect("token").2, "active");
}

#[tokio::test]
async fn an_expired_link_resolves_as_expired_and_a_new_one_may_be_issued() {
    let app = TestApp::spawn_with(|s| s.setup_links.ttl_secs = 1).await;
    let (id, email) = tenant(&app).await;
    let token = app.token_in_mail(&email, 1).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    assert_eq!(app.lookup(&token).await.expect("token").2, "expired");
    assert_problem(
        app.delete(&format!("/v1/tenants/{id}/setup-links/active"))
            .await,
        404,
        "setup_link_not_found",
    )
    .await;
    assert_eq!(
        app.post_empty(&format!("/v1/tenants/{id}/setup-links"))
            .await
            .status(),
        201
    );
    let links: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(links["items"][1]["revoked_reason"], "superseded");
}

#[tokio::test]
async fn a_link_used_to_complete_setup_is_rejected_afterwards() {
    let app = TestApp::spawn().await;
    let (id, email) = tenant(&app).await;
    let token = app.token_in_mail(&email, 1).await;
    let (tenant_id, link_id, _) = app.lookup(&token).await.expect("token");
    // What the consent service does when the wizard completes.
    let mut tx = pa_db::begin_tenant(&app.pool, tenant_id.into())
        .await
        .expect("tx");
    sqlx::query("UPDATE setup_links SET used_at = now() WHERE tenant_id = $1 AND id = $2")
        .bind(tenant_id)
        .bind(link_id)
        .execute(&mut *tx)
        .await
        .expect("use link");
    tx.commit().await.expect("commit");
    assert_eq!(app.lookup(&token).await.expect("token").2, "used");
    let link: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links/{link_id}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(link["status"], "used");
}

#[tokio::test]
async fn while_smtp_fails_links_are_issued_at_once_and_mailed_when_it_recovers() {
    let app = TestApp::spawn().await;
    app.sink.set_temporary_failure(true);
    let email = unique_email();
    let started = std::time::Instant::now();
    let tenant = app
        .create_tenant_with(json!({"contact_email": email}))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the request does not wait for SMTP"
    );
    let id = id_of(&tenant);
    let links: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links"))
        .await
        .json()
        .await
        .expect("json");
    let link = &links["items"][0];
    assert_eq!(link["status"], "active");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(app.sink.messages_to(&email).is_empty());

    // Issuing for a tenant without a link answers at once too.
    let other = id_of(
        &app.create_tenant_with(json!({"send_setup_link": false}))
            .await,
    );
    let issued = app
        .post_empty(&format!("/v1/tenants/{other}/setup-links"))
        .await;
    assert_eq!(issued.status(), 201);
    let issued: Value = issued.json().await.expect("json");
    assert_eq!(
        issued["email_sent_at"],
        Value::Null,
        "pending: mailed after commit"
    );

    app.sink.set_temporary_failure(false);
    let token = app.token_in_mail(&email, 1).await;
    let (_, link_id, status) = app.lookup(&token).await.expect("token resolves");
    assert_eq!(status, "active");
    assert_eq!(link["id"], link_id.to_string());
    // `email_sent_at` commits with the mailer's transaction, just after the SMTP hand-off.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let tenant_id: uuid::Uuid = id.parse().expect("uuid");
    while email_sent_at(&app.pool, tenant_id, link_id).await.is_none() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "email_sent_at was never set"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let fetched: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links/{link_id}"))
        .await
        .json()
        .await
        .expect("json");
    assert!(fetched["email_sent_at"].is_string(), "{fetched}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.sink.messages_to(&email).len(), 1, "sent once");
}

#[tokio::test]
async fn a_link_regenerated_before_its_mail_went_out_is_never_mailed() {
    let app = TestApp::spawn().await;
    app.sink.set_temporary_failure(true);
    let email = unique_email();
    let id = id_of(
        &app.create_tenant_with(json!({"contact_email": email}))
            .await,
    );
    let links: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links"))
        .await
        .json()
        .await
        .expect("json");
    let old_id = links["items"][0]["id"].as_str().expect("id").to_owned();
    // Let the mailer reach the failing SMTP server with the first link at least once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let response = app
        .post_empty(&format!("/v1/tenants/{id}/setup-links/regenerate"))
        .await;
    assert_eq!(response.status(), 201);
    let new: Value = response.json().await.expect("json");
    let new_id = new["id"].as_str().expect("id").to_owned();

    app.sink.set_temporary_failure(false);
    let token = app.token_in_mail(&email, 1).await;
    let (_, link_id, status) = app.lookup(&token).await.expect("token resolves");
    assert_eq!((link_id.to_string(), status.as_str()), (new_id, "active"));
    // Give a (wrong) second mail every chance to arrive.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mails = app.sink.messages_to(&email);
    assert_eq!(mails.len(), 1, "only the new link was mailed");
    assert_eq!(crate::helpers::token_of(&mails[0]), token);
    let old: uuid::Uuid = old_id.parse().expect("uuid");
    let fetched: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links/{old}"))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(fetched["status"], "revoked");
}

#[tokio::test]
async fn the_service_refuses_to_start_without_a_usable_token_key() {
    crate::helpers::init();
    // Unset, not base64, and only 5 bytes.
    for key in ["", "not base64!", "c2hvcnQ="] {
        let mut s = crate::helpers::test_settings(2525);
        s.setup_links.token_key = key.to_owned().into();
        let Err(e) = tenant_provisioning::startup::Application::build(s).await else {
            panic!("started with token key {key:?}");
        };
        assert!(e.to_string().contains("setup_links.token_key"), "{e}");
    }
}
