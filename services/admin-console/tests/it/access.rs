//! Groups (the wizard's rules, through Graph), direct roles and the access review.

use entra_sim::NewGroup;
use reqwest::Method;
use serde_json::json;

use crate::helpers::{TestApp, audit_actions};

#[tokio::test]
async fn groups_are_added_and_removed_by_the_wizards_rules() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let nurses = app
        .sim
        .add_group(app.entra_tenant, NewGroup::security("Night Nurses"))
        .unwrap();
    let nurse = app
        .sim
        .add_user(
            app.entra_tenant,
            entra_sim::NewUser::new(&format!("nn@{}", app.domain), "Night Nurse"),
        )
        .unwrap();
    app.sim
        .add_member(app.entra_tenant, nurses.id, nurse.id)
        .unwrap();
    let empty = app
        .sim
        .add_group(app.entra_tenant, NewGroup::security("Empty Ward"))
        .unwrap();
    let m365 = app
        .sim
        .add_group(app.entra_tenant, NewGroup::m365("Team Chat"))
        .unwrap();
    app.sim
        .add_member(app.entra_tenant, m365.id, nurse.id)
        .unwrap();
    let mut b = app.signed_in(&admin).await;

    let (s, found) = b
        .json(Method::GET, "/v1/directory-groups?q=night", None)
        .await;
    assert_eq!(s, 200, "{found}");
    assert!(
        found["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["group_id"] == nurses.id.to_string() && g["configured"] == false)
    );
    let (s, v) = b
        .json(
            Method::POST,
            "/v1/groups",
            Some(&json!({"group_id": nurses.id, "role": "viewer"})),
        )
        .await;
    assert_eq!((s, v["version"].as_i64()), (201, Some(2)), "{v}");
    let (s, v) = b
        .json(
            Method::POST,
            "/v1/groups",
            Some(&json!({"group_id": nurses.id, "role": "manager"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("group_already_configured"))
    );
    let (s, v) = b
        .json(
            Method::POST,
            "/v1/groups",
            Some(&json!({"group_id": empty.id, "role": "viewer"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str(), v["errors"][0]["field"].as_str()),
        (422, Some("group_empty"), Some("group_id"))
    );
    let (s, v) = b
        .json(
            Method::POST,
            "/v1/groups",
            Some(&json!({"group_id": m365.id, "role": "viewer"})),
        )
        .await;
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("group_not_security")),
        "{v}"
    );
    let (s, v) = b
        .json(
            Method::POST,
            "/v1/groups",
            Some(&json!({"group_id": nurses.id, "role": "owner"})),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].as_str()),
        (422, Some("role")),
        "{v}"
    );
    // The only admin group stays.
    let (s, v) = b
        .json(
            Method::DELETE,
            &format!("/v1/groups/{}", app.admin_group),
            None,
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (409, Some("last_admin_group")));
    let (s, list) = b.json(Method::GET, "/v1/groups", None).await;
    assert_eq!((s, list["items"].as_array().unwrap().len()), (200, 2));
    let (s, _) = b
        .json(Method::DELETE, &format!("/v1/groups/{}", nurses.id), None)
        .await;
    assert_eq!(s, 200);
    let added = audit_actions(&app.pool, app.tenant, "group.added").await;
    assert_eq!(added[0].2["transitive_user_members"], 1);
    assert_eq!(
        audit_actions(&app.pool, app.tenant, "group.removed")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn the_access_review_lists_who_can_access_with_provenance_and_guards_csv_formulas() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    app.person("=HYPERLINK(\"http://x\")", Some("viewer")).await;
    app.person("Gone", None).await;
    let mut b = app.signed_in(&admin).await;
    let (s, review) = b.json(Method::GET, "/v1/access-review", None).await;
    assert_eq!(s, 200);
    let items = review["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "inactive people are not listed: {review}");
    assert!(
        items
            .iter()
            .any(|i| i["object_id"] == admin.object_id.to_string()
                && i["last_sign_in_at"].is_string())
    );
    let resp = b
        .call(Method::GET, "/v1/access-review?format=csv", None)
        .await;
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let csv = resp.text().await.unwrap();
    assert!(csv.starts_with("object_id,user_principal_name,"));
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "{csv}");
    assert_eq!(
        audit_actions(&app.pool, app.tenant, "access_review.exported")
            .await
            .len(),
        2
    );
}
