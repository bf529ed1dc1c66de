//! Provisioning, reading, listing and updating tenants.

use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, id_of, unique_email};

#[tokio::test]
async fn provisioning_a_tenant_answers_201_with_location_and_emails_the_first_setup_link() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let body = json!({
        "display_name": "  Acme Health  ",
        "contact_email": email,
        "environment": "non_production",
        "external_ref": "CRM-1",
    });
    let response = app.post("/v1/tenants", &body).await;
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let tenant: Value = response.json().await.expect("json");
    assert_eq!(location, format!("/v1/tenants/{}", id_of(&tenant)));
    assert_eq!(tenant["display_name"], "Acme Health");
    assert_eq!(tenant["status"], "pending_setup");
    assert_eq!(tenant["environment"], "non_production");
    assert_eq!(tenant["external_ref"], "CRM-1");
    assert_eq!(tenant["contact_email"], email);

    let mails = app.mails_to(&email, 1).await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject().as_deref(),
        Some("Set up Patient Access for Acme Health")
    );
    let html = mails[0].html_body().expect("html part");
    assert!(html.contains("Acme Health") && html.contains("#token=pa_setup_"));
}

#[tokio::test]
async fn a_provisioned_tenant_can_be_read_back_by_its_id() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant().await;
    let response = app.get(&format!("/v1/tenants/{}", id_of(&tenant))).await;
    assert_eq!(response.status(), 200);
    let read: Value = response.json().await.expect("json");
    assert_eq!(read, tenant);
}

#[tokio::test]
async fn provisioning_without_a_setup_link_sends_no_email() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    let tenant = app
        .create_tenant_with(json!({"contact_email": email, "send_setup_link": false}))
        .await;
    let links: Value = app
        .get(&format!("/v1/tenants/{}/setup-links", id_of(&tenant)))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(links["items"], json!([]));
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(app.sink.messages_to(&email).is_empty());
}

#[tokio::test]
async fn tenants_are_listed_newest_first_with_every_filter() {
    let app = TestApp::spawn().await;
    let crm = format!("CRM-{}", uuid::Uuid::now_v7().simple());
    let prefix = format!("Zeta {}", &crm[24..36]);
    let prod = app
        .create_tenant_with(json!({"display_name": format!("{prefix} prod"), "external_ref": crm, "send_setup_link": false}))
        .await;
    let non_prod = app
        .create_tenant_with(json!({"display_name": format!("{prefix} test"), "external_ref": crm, "environment": "non_production", "send_setup_link": false}))
        .await;
    app.post_empty(&format!("/v1/tenants/{}/suspend", id_of(&non_prod)))
        .await;

    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(id_of)
            .collect()
    };
    let list = |query: String| {
        let app = &app;
        async move {
            let r = app.get(&format!("/v1/tenants?{query}")).await;
            assert_eq!(r.status(), 200, "{query}");
            r.json::<Value>().await.expect("json")
        }
    };
    let by_ref = list(format!("external_ref={crm}")).await;
    assert_eq!(ids(&by_ref), [id_of(&non_prod), id_of(&prod)]);
    let by_env = list(format!("external_ref={crm}&environment=production")).await;
    assert_eq!(ids(&by_env), [id_of(&prod)]);
    let by_status = list(format!("external_ref={crm}&status=suspended")).await;
    assert_eq!(ids(&by_status), [id_of(&non_prod)]);
    let lower = prefix.to_lowercase().replace(' ', "%20");
    let by_name = list(format!("q={lower}")).await;
    assert_eq!(ids(&by_name), [id_of(&non_prod), id_of(&prod)]);
    let wildcard = list(format!("q={}%25", lower)).await;
    assert_eq!(
        ids(&wildcard),
        Vec::<String>::new(),
        "% is matched literally"
    );
}

#[tokio::test]
async fn listing_pages_through_tenants_with_an_opaque_cursor() {
    let app = TestApp::spawn().await;
    let crm = format!("CRM-{}", uuid::Uuid::now_v7().simple());
    let mut created = Vec::new();
    for _ in 0..5 {
        let t = app
            .create_tenant_with(json!({"external_ref": crm, "environment": "non_production", "send_setup_link": false}))
            .await;
        created.push(id_of(&t));
    }
    created.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/v1/tenants?external_ref={crm}&limit=2");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page: Value = app.get(&path).await.json().await.expect("json");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, created);
}

#[tokio::test]
async fn patching_a_tenant_changes_only_the_fields_given() {
    let app = TestApp::spawn().await;
    let tenant = app
        .create_tenant_with(json!({"external_ref": "CRM-patch", "environment": "non_production"}))
        .await;
    let path = format!("/v1/tenants/{}", id_of(&tenant));
    let new_email = unique_email();
    let response = app
        .patch(
            &path,
            &json!({"display_name": "Acme Renamed", "contact_email": new_email}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let patched: Value = response.json().await.expect("json");
    assert_eq!(patched["display_name"], "Acme Renamed");
    assert_eq!(patched["contact_email"], new_email);
    assert_eq!(patched["external_ref"], "CRM-patch");
    assert_eq!(patched["environment"], tenant["environment"]);

    let cleared: Value = app
        .patch(&path, &json!({"external_ref": null}))
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(cleared["external_ref"], Value::Null);
    assert_eq!(cleared["display_name"], "Acme Renamed");
}

#[tokio::test]
async fn a_second_live_production_tenant_with_the_same_external_ref_is_a_conflict() {
    let app = TestApp::spawn().await;
    let crm = format!("CRM-{}", uuid::Uuid::now_v7().simple());
    let first = app.create_tenant_with(json!({"external_ref": crm})).await;
    let email = unique_email();
    let body = json!({"display_name": "Dup", "contact_email": email, "environment": "production", "external_ref": crm});
    let problem = assert_problem(
        app.post("/v1/tenants", &body).await,
        409,
        "external_ref_conflict",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "external_ref");
    assert!(app.sink.messages_to(&email).is_empty(), "nothing was sent");

    // A non-production tenant may share it, and deprovisioning the first frees it.
    app.create_tenant_with(json!({"external_ref": crm, "environment": "non_production"}))
        .await;
    app.post_empty(&format!("/v1/tenants/{}/deprovision", id_of(&first)))
        .await;
    app.create_tenant_with(json!({"external_ref": crm})).await;
}

#[tokio::test]
async fn the_first_setup_link_is_issued_with_the_tenant_and_lives_for_the_configured_ttl() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant().await;
    let id = id_of(&tenant);
    let links: Value = app
        .get(&format!("/v1/tenants/{id}/setup-links"))
        .await
        .json()
        .await
        .expect("json");
    let items = links["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{links}");
    assert_eq!(items[0]["status"], "active");
    assert_eq!(items[0]["created_at"], tenant["created_at"]);
    let tenant_id: pa_domain::TenantId = id.parse().expect("tenant id");
    let mut tx = pa_db::begin_tenant(&app.pool, tenant_id).await.expect("tx");
    let lifetime: f64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM expires_at - created_at)::float8 FROM setup_links \
         WHERE tenant_id = $1",
    )
    .bind(tenant_id)
    .fetch_one(&mut *tx)
    .await
    .expect("the link, visible in its tenant's context");
    tx.rollback().await.expect("rollback");
    assert_eq!(lifetime, 7.0 * 24.0 * 3600.0, "the default TTL is 7 days");
}
