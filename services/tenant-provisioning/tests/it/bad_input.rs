//! Bad input: each is a 4xx problem naming the problem, and nothing changes.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, id_of, unique_email};

/// (description, body, status, code, offending field)
fn bad_tenant_bodies(
    email: &str,
) -> Vec<(
    &'static str,
    String,
    u16,
    &'static str,
    Option<&'static str>,
)> {
    let valid = |patch: Value| {
        let mut body = json!({"display_name": "Bad Input Inc", "contact_email": email, "environment": "production"});
        crate::helpers::merge(&mut body, patch);
        body.to_string()
    };
    vec![
        (
            "malformed JSON",
            r#"{"display_name": "x","#.to_owned(),
            400,
            "malformed_json",
            None,
        ),
        ("empty body", String::new(), 400, "malformed_json", None),
        (
            "unknown field",
            valid(json!({"tier": "gold"})),
            422,
            "unknown_field",
            Some("tier"),
        ),
        (
            "invalid email",
            valid(json!({"contact_email": "not-an-email"})),
            422,
            "invalid_field",
            Some("contact_email"),
        ),
        (
            "undeliverable email",
            valid(json!({"contact_email": "a\"b@example.org"})),
            422,
            "invalid_field",
            Some("contact_email"),
        ),
        (
            "unknown environment",
            valid(json!({"environment": "staging"})),
            422,
            "invalid_field",
            Some("environment"),
        ),
        (
            "missing environment",
            valid(json!({"environment": null})),
            422,
            "invalid_field",
            Some("environment"),
        ),
        (
            "blank display name",
            valid(json!({"display_name": "   "})),
            422,
            "invalid_field",
            Some("display_name"),
        ),
        (
            "overlong display name",
            valid(json!({"display_name": "x".repeat(201)})),
            422,
            "invalid_field",
            Some("display_name"),
        ),
        (
            "control characters",
            valid(json!({"display_name": "a\u{7}b"})),
            422,
            "invalid_field",
            Some("display_name"),
        ),
        (
            "a bidirectional override (it would reorder the setup mail's subject)",
            valid(json!({"display_name": "Acme\u{202E}latipsoH"})),
            422,
            "invalid_field",
            Some("display_name"),
        ),
        (
            "a bidirectional isolate",
            valid(json!({"display_name": "Acme \u{2067}Health\u{2069}"})),
            422,
            "invalid_field",
            Some("display_name"),
        ),
        (
            "a bidirectional override in the contact e-mail (a mail header)",
            valid(json!({"contact_email": "it\u{202E}@acme.example"})),
            422,
            "invalid_field",
            Some("contact_email"),
        ),
        (
            "external_ref with spaces",
            valid(json!({"external_ref": "CRM 1"})),
            422,
            "invalid_field",
            Some("external_ref"),
        ),
        (
            "wrong type",
            valid(json!({"send_setup_link": "yes"})),
            422,
            "invalid_field",
            Some("send_setup_link"),
        ),
        (
            "oversize body",
            valid(json!({"display_name": "x".repeat(70_000)})),
            413,
            "payload_too_large",
            None,
        ),
    ]
}

#[tokio::test]
async fn bad_tenant_bodies_are_problems_naming_the_field_and_create_nothing() {
    let app = TestApp::spawn().await;
    let email = unique_email();
    for (what, body, status, code, field) in bad_tenant_bodies(&email) {
        let response = app
            .request(Method::POST, "/v1/tenants")
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("request");
        let problem = assert_problem(response, status, code).await;
        if let Some(field) = field {
            assert_eq!(problem["errors"][0]["field"], field, "{what}: {problem}");
        }
        assert!(problem["request_id"].is_string(), "{what}");
    }
    let wrong_type = app
        .request(Method::POST, "/v1/tenants")
        .header("content-type", "text/plain")
        .body("display_name=x")
        .send()
        .await
        .expect("request");
    assert_problem(wrong_type, 415, "unsupported_media_type").await;

    let found: Value = app
        .get("/v1/tenants?q=Bad%20Input%20Inc&limit=200")
        .await
        .json()
        .await
        .expect("json");
    assert!(
        found["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|t| t["contact_email"] != email.as_str())
    );
    assert!(app.sink.messages_to(&email).is_empty());
}

#[tokio::test]
async fn bad_patches_are_422_and_leave_the_tenant_unchanged() {
    let app = TestApp::spawn().await;
    let tenant = app.create_tenant().await;
    let path = format!("/v1/tenants/{}", id_of(&tenant));
    let cases = [
        (
            json!({"display_name": null}),
            "invalid_field",
            "display_name",
        ),
        (
            json!({"contact_email": null}),
            "invalid_field",
            "contact_email",
        ),
        (
            json!({"contact_email": "nope"}),
            "invalid_field",
            "contact_email",
        ),
        (
            json!({"environment": "non_production"}),
            "unknown_field",
            "environment",
        ),
        (json!({"status": "active"}), "unknown_field", "status"),
        (
            json!({"display_name": "Acme\u{200F}Health"}),
            "invalid_field",
            "display_name",
        ),
    ];
    for (body, code, field) in cases {
        let problem = assert_problem(app.patch(&path, &body).await, 422, code).await;
        assert_eq!(problem["errors"][0]["field"], field, "{body}");
    }
    let suspend = app
        .post(
            &format!("{path}/suspend"),
            &json!({"reason": "x", "until": "tomorrow"}),
        )
        .await;
    assert_problem(suspend, 422, "unknown_field").await;
    let after: Value = app.get(&path).await.json().await.expect("json");
    assert_eq!(after, tenant);
}

#[tokio::test]
async fn bad_query_parameters_are_400_naming_the_parameter() {
    let app = TestApp::spawn().await;
    let id = id_of(&app.create_tenant().await);
    let cases = [
        (
            "/v1/tenants?cursor=not-a-cursor",
            "invalid_cursor",
            "cursor",
        ),
        ("/v1/tenants?cursor=AAAA", "invalid_cursor", "cursor"),
        ("/v1/tenants?limit=0", "invalid_query_parameter", "limit"),
        ("/v1/tenants?limit=201", "invalid_query_parameter", "limit"),
        ("/v1/tenants?limit=ten", "invalid_query_parameter", "limit"),
        (
            "/v1/tenants?status=gone",
            "invalid_query_parameter",
            "status",
        ),
        (
            "/v1/tenants?environment=staging",
            "invalid_query_parameter",
            "environment",
        ),
        (
            "/v1/tenants?colour=blue",
            "invalid_query_parameter",
            "colour",
        ),
        (
            "/v1/operator-keys?cursor=%21%21",
            "invalid_cursor",
            "cursor",
        ),
    ];
    let link_cursor = format!("/v1/tenants/{id}/setup-links?cursor=zzz");
    for (path, code, field) in
        cases
            .iter()
            .copied()
            .chain([(link_cursor.as_str(), "invalid_cursor", "cursor")])
    {
        let problem = assert_problem(app.get(path).await, 400, code).await;
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
    }
}

#[tokio::test]
async fn bad_ids_in_paths_are_400_and_unknown_ids_are_404() {
    let app = TestApp::spawn().await;
    for path in [
        "/v1/tenants/not-a-uuid",
        "/v1/tenants/123/setup-links",
        "/v1/operator-keys/xyz",
    ] {
        let problem = assert_problem(app.get(path).await, 400, "invalid_path_parameter").await;
        assert!(
            problem["detail"]
                .as_str()
                .expect("detail")
                .contains("must be a UUID"),
            "{path}"
        );
    }
    let unknown = uuid::Uuid::now_v7();
    for (method, path) in [
        (Method::GET, format!("/v1/tenants/{unknown}")),
        (Method::PATCH, format!("/v1/tenants/{unknown}")),
        (Method::POST, format!("/v1/tenants/{unknown}/suspend")),
        (Method::POST, format!("/v1/tenants/{unknown}/resume")),
        (Method::POST, format!("/v1/tenants/{unknown}/deprovision")),
        (Method::POST, format!("/v1/tenants/{unknown}/setup-links")),
        (
            Method::POST,
            format!("/v1/tenants/{unknown}/setup-links/regenerate"),
        ),
        (
            Method::DELETE,
            format!("/v1/tenants/{unknown}/setup-links/active"),
        ),
        (Method::GET, format!("/v1/tenants/{unknown}/setup-links")),
    ] {
        let response = app
            .request(method.clone(), &path)
            .json(&json!({}))
            .send()
            .await
            .expect("request");
        assert_problem(response, 404, "tenant_not_found").await;
    }
    let link = app
        .get(&format!("/v1/tenants/{unknown}/setup-links/{unknown}"))
        .await;
    assert_problem(link, 404, "setup_link_not_found").await;
    assert_problem(app.get("/v1/no-such-thing").await, 404, "not_found").await;
}
