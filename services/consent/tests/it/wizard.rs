//! The whole wizard, from the setup link to a completed setup.

use std::time::Duration;

use pa_events::{AccessRole, ConsentGranted, SetupCompleted};
use serde_json::json;

use crate::browser::Browser;
use crate::bus::EventTap;
use crate::helpers::TestApp;
use crate::sim;

#[tokio::test]
async fn the_whole_wizard_walks_from_the_setup_link_to_a_completed_setup_with_events_and_audit() {
    let mut tap = EventTap::start(&["consent.granted", "setup.completed"]).await;
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "St. Example Hospital");
    let link = app.provision().await;
    let tenant = link.tenant.to_string();

    // Start: a session, the prerequisites, the first step.
    let mut b = Browser::new(&app);
    let started = b.start(&link.token).await;
    assert_eq!(started.status, 201, "{}", started.body);
    let s = &started.body;
    assert_eq!(s["next_step"], "directory");
    assert_eq!(s["steps_done"], json!([]));
    assert_eq!(s["tenant"]["id"], tenant);
    assert_eq!(
        s["prerequisites"]["egress_ips"],
        json!(["44.207.16.175/32", "44.196.189.191/32", "34.195.47.118/32"])
    );
    assert_eq!(
        s["prerequisites"]["consent_roles"],
        json!(["Global Administrator", "Privileged Role Administrator"])
    );
    assert_eq!(s["prerequisites"]["application_name"], "Patient Access");
    let permissions: Vec<&str> = s["prerequisites"]["permissions"]
        .as_array()
        .expect("permissions")
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        permissions,
        [
            "Read directory data",
            "Read all groups",
            "Sign in and read user profile",
            "Read all users' full profiles"
        ]
    );
    assert!(
        !started.body.to_string().contains(&link.token),
        "token echoed"
    );
    assert_eq!(
        started
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );

    // Directory by verified domain, resolved to the GUID.
    let r = b.set_directory(&h.domain.to_uppercase()).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["directory"]["entra_tenant_id"], h.tenant.to_string());
    assert_eq!(r.body["next_step"], "consent");

    // Consent at Microsoft and back.
    let url = b.consent_url().await;
    assert!(
        url.starts_with(&format!(
            "{}{}/v2.0/adminconsent?",
            app.sim.login_base_url(),
            h.tenant
        )),
        "{url}"
    );
    assert!(
        url.contains("scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"),
        "{url}"
    );
    let back = b
        .at_microsoft(&url, &h.admin_upn)
        .await
        .expect("redirected");
    let r = b.callback(&back).await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), format!("{}/setup?consent=granted", app.base));
    let granted = tap.wait_for(&tenant, "consent.granted", 1).await;
    let granted: ConsentGranted = granted[0].data_as().expect("ConsentGranted");
    assert_eq!(granted.entra_tenant_id, h.tenant);
    for role in ["Directory.Read.All", "Group.Read.All", "User.Read.All"] {
        assert!(granted.roles.iter().any(|r| r == role), "{role}");
    }

    // Pre-flight.
    let r = b.post("/v1/wizard/preflight").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["preflight"]["status"], "passed", "{}", r.body);
    let checks = r.body["preflight"]["checks"].as_array().expect("checks");
    assert_eq!(checks.len(), 3);
    assert!(
        checks[0]["detail"]
            .as_str()
            .expect("detail")
            .contains("St. Example Hospital")
    );

    // The initial administrator.
    let r = b
        .put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.admin_upn }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["admin"]["object_id"], h.admin_id.to_string());

    // Groups: type-ahead, then the selection.
    let found = b
        .send(
            reqwest::Method::GET,
            "/v1/wizard/groups?search=patient%20adm",
            None,
        )
        .await;
    assert_eq!(found.status, 200, "{}", found.body);
    let names: Vec<&str> = found.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|g| g["display_name"].as_str())
        .collect();
    assert_eq!(names, ["Patient Access Admins"]);
    let r = b
        .put(
            "/v1/wizard/groups",
            json!({
                "admin_groups": [h.admins],
                "user_groups": [{ "group_id": h.nurses, "role": "manager" }],
            }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let admins = &r.body["groups"]["admin_groups"][0];
    assert_eq!(admins["member_count"], 2, "{admins}");
    assert_eq!(admins["admin_is_member"], true);
    assert_eq!(r.body["groups"]["user_groups"][0]["admin_is_member"], false);
    assert_eq!(r.body["groups"]["admin_in_an_admin_group"], true);
    assert_eq!(r.body["next_step"], "finish");

    // Finish.
    let r = b.post("/v1/wizard/finish").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "completed");
    assert_eq!(
        r.body["completion"]["console_url"],
        format!("https://console.test.example/?tenant={tenant}")
    );
    let done = tap.wait_for(&tenant, "setup.completed", 1).await;
    let done: SetupCompleted = done[0].data_as().expect("SetupCompleted");
    assert_eq!(done.tenant_id, link.tenant);
    assert_eq!(done.entra_tenant_id, h.tenant);
    assert_eq!(done.link_id, link.link_id);
    assert_eq!(done.config_version, 1);
    assert_eq!(done.initial_admin.object_id, h.admin_id);
    assert_eq!(done.initial_admin.user_principal_name, h.admin_upn);
    assert_eq!(
        done.initial_admin.mail.as_deref(),
        Some(h.admin_upn.as_str())
    );
    let roles: Vec<(uuid::Uuid, AccessRole)> =
        done.groups.iter().map(|g| (g.group_id, g.role)).collect();
    assert_eq!(
        roles,
        [
            (h.admins, AccessRole::Admin),
            (h.nurses, AccessRole::Manager)
        ]
    );

    // The welcome mail, off the request path.
    let mails = app
        .sink
        .wait_for_messages_to(&h.admin_upn, 1, Duration::from_secs(20))
        .await;
    let text = mails[0].text_body().expect("text");
    assert!(
        text.contains(&format!("https://console.test.example/?tenant={tenant}")),
        "{text}"
    );

    // The link stops working at once; the session still reads the result.
    let mut again = Browser::new(&app);
    again
        .start(&link.token)
        .await
        .problem(410, "setup_link_used");
    assert_eq!(b.state().await.body["status"], "completed");

    // Every step is audited with the session and the client address.
    let session = started.body["session"]["id"]
        .as_str()
        .expect("session id")
        .to_owned();
    for action in [
        "wizard.session_started",
        "directory.set",
        "consent.requested",
        "consent.granted",
        "preflight.ran",
        "admin.set",
        "groups.set",
        "setup.completed",
    ] {
        let rows = app.audit(link.tenant, action).await;
        assert_eq!(rows.len(), 1, "{action}");
        let (actor_type, actor_id, outcome, addr) = &rows[0];
        assert_eq!(
            (actor_type.as_str(), actor_id.as_str()),
            ("setup_session", session.as_str()),
            "{action}"
        );
        assert_eq!(outcome, "success", "{action}");
        assert_eq!(addr.as_deref(), Some("127.0.0.1"), "{action}");
    }
    let refused = app.audit(link.tenant, "wizard.session_refused").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].2, "failure");
}
