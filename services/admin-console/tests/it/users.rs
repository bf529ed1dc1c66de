//! The Users page: search, filters, sorting, cursor pagination, detail with provenance and
//! history, product deactivation, and tenant isolation of ids.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem};

#[tokio::test]
async fn search_filters_and_cursor_pages_cover_every_match_exactly_once() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada Lovelace", Some("admin")).await;
    let mut names = Vec::new();
    for i in 0..23 {
        let role = if i % 3 == 0 { "manager" } else { "viewer" };
        names.push(
            app.person(&format!("Nurse {i:02} Rivera"), Some(role))
                .await,
        );
    }
    app.person("Dr Percent 100%", Some("viewer")).await;
    let mut b = app.signed_in(&admin).await;
    // Search by display name (case-insensitive), paged 5 at a time, both directions.
    for sort in ["display_name", "-display_name", "user_principal_name"] {
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let mut path = format!("/v1/users?search=RIVERA&limit=5&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let (s, page) = b.json(Method::GET, &path, None).await;
            assert_eq!(s, 200, "{page}");
            for u in page["items"].as_array().unwrap() {
                assert!(
                    seen.insert(u["object_id"].as_str().unwrap().to_owned()),
                    "no repeats"
                );
            }
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!((seen.len(), pages), (23, 5), "{sort}");
    }
    let (_, page) = b
        .json(Method::GET, "/v1/users?search=rivera&limit=3", None)
        .await;
    let names_in_order: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names_in_order,
        ["Nurse 00 Rivera", "Nurse 01 Rivera", "Nurse 02 Rivera"]
    );
    // By the start of the UPN (its local part: `nurse.04.rivera.<random hex>`, so no other
    // nurse's random suffix can match "04" too); symbols only separate words.
    let local = &names[4].upn[..names[4].upn.find('@').unwrap()];
    let (_, page) = b
        .json(Method::GET, &format!("/v1/users?search={local}"), None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    assert_eq!(
        page["items"][0]["object_id"],
        names[4].object_id.to_string()
    );
    let (_, page) = b
        .json(Method::GET, "/v1/users?search=percent%20100%25", None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, page) = b.json(Method::GET, "/v1/users?search=_", None).await;
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        0,
        "a term without letters or digits matches no one"
    );
    // Filters.
    let (_, page) = b
        .json(
            Method::GET,
            "/v1/users?search=rivera&role=manager&limit=200",
            None,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 8);
    let (_, page) = b.json(Method::GET, "/v1/users?status=inactive", None).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 0);
    // Bad input names the parameter.
    for (query, field) in [
        ("role=owner", "role"),
        ("status=gone", "status"),
        ("sort=age", "sort"),
        ("limit=0", "limit"),
        ("group_id=x", "group_id"),
    ] {
        let (s, body) = b
            .json(Method::GET, &format!("/v1/users?{query}"), None)
            .await;
        assert_eq!(
            (s, body["errors"][0]["field"].as_str()),
            (400, Some(field)),
            "{query}: {body}"
        );
    }
    let (_, first) = b
        .json(Method::GET, "/v1/users?limit=2&sort=-display_name", None)
        .await;
    let c = first["next_cursor"].as_str().unwrap();
    let (s, body) = b
        .json(Method::GET, &format!("/v1/users?limit=2&cursor={c}"), None)
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (400, Some("invalid_cursor")),
        "a cursor of another sort"
    );
}

#[tokio::test]
async fn a_users_detail_shows_role_provenance_history_and_last_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let group = uuid::Uuid::now_v7();
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    sqlx::query("INSERT INTO directory_groups (tenant_id, group_id, display_name, role, member_count) VALUES ($1, $2, 'Patient Access Admins', 'admin', 1)")
        .bind(app.tenant).bind(app.admin_group).execute(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO directory_user_grants (tenant_id, object_id, group_id, role) VALUES ($1, $2, $3, 'admin'), ($1, $2, $4, 'viewer')")
        .bind(app.tenant).bind(admin.object_id).bind(app.admin_group).bind(group).execute(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO directory_user_history (tenant_id, id, object_id, change, to_role) VALUES ($1, $3, $2, 'activated', 'admin')")
        .bind(app.tenant).bind(admin.object_id).bind(uuid::Uuid::now_v7()).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let mut b = app.signed_in(&admin).await;
    let (s, detail) = b
        .json(Method::GET, &format!("/v1/users/{}", admin.object_id), None)
        .await;
    assert_eq!(s, 200, "{detail}");
    let grants = detail["grants"].as_array().unwrap();
    assert!(grants.iter().any(|g| g["source"] == "group"
        && g["group_name"] == "Patient Access Admins"
        && g["role"] == "admin"));
    assert_eq!(grants.len(), 2);
    assert_eq!(detail["history"][0]["change"], "activated");
    assert!(detail["last_sign_in_at"].is_string());
    // Filter by group.
    let (_, page) = b
        .json(
            Method::GET,
            &format!("/v1/users?group_id={}", app.admin_group),
            None,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // Another tenant's id reads as unknown.
    let elsewhere = app.other_tenant().await;
    let stranger = app.person_in(&elsewhere, "Stranger", Some("viewer")).await;
    assert_problem(
        b.get(&format!("/v1/users/{}", stranger.object_id)).await,
        404,
        "user_not_found",
    )
    .await;
    assert_problem(
        b.get("/v1/users/not-a-uuid").await,
        400,
        "invalid_path_parameter",
    )
    .await;
}

#[tokio::test]
async fn deactivating_in_the_product_blocks_sign_in_and_ends_sessions_and_managers_cannot_touch_admins()
 {
    let app = TestApp::spawn().await;
    let manager = app.person("Mia", Some("manager")).await;
    let admin = app.person("Ada", Some("admin")).await;
    let bob = app.person("Bob", Some("viewer")).await;
    let mut m = app.signed_in(&manager).await;
    let mut bob_b = app.signed_in(&bob).await;
    let (s, body) = m
        .json(
            Method::POST,
            &format!("/v1/users/{}/deactivate", bob.object_id),
            None,
        )
        .await;
    assert_eq!((s, body["blocked"].as_bool()), (200, Some(true)), "{body}");
    assert_problem(bob_b.get("/v1/session").await, 401, "unauthorized").await;
    let mut again = crate::helpers::Browser::new(&app.base);
    assert_problem(
        app.sign_in(&mut again, &bob, |u| u).await,
        403,
        "user_blocked",
    )
    .await;
    assert_problem(
        m.call(
            Method::POST,
            &format!("/v1/users/{}/deactivate", admin.object_id),
            None,
        )
        .await,
        403,
        "higher_role",
    )
    .await;
    let (s, body) = m
        .json(
            Method::POST,
            &format!("/v1/users/{}/reactivate", bob.object_id),
            None,
        )
        .await;
    assert_eq!((s, body["blocked"].as_bool()), (200, Some(false)));
    assert_eq!(app.sign_in(&mut again, &bob, |u| u).await.status(), 303);
    let _ = json!({});
    let _: Option<Value> = None;
}
