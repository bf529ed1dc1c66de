//! Two browsers on one link, and the link after finish.

use std::time::Duration;

use serde_json::json;

use crate::browser::Browser;
use crate::bus::EventTap;
use crate::helpers::TestApp;
use crate::sim;

#[tokio::test]
async fn two_browsers_racing_the_same_link_finish_exactly_once() {
    let mut tap = EventTap::start(&["setup.completed"]).await;
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Race Clinic");
    let link = app.provision().await;
    let (a, b) = tokio::join!(Browser::started(&app, &link), Browser::started(&app, &link));
    // One wizard per tenant: what A does, B sees.
    a.walk(&h, "finish").await;
    assert_eq!(b.state().await.body["next_step"], "finish");
    let (ra, rb) = tokio::join!(a.post("/v1/wizard/finish"), b.post("/v1/wizard/finish"));
    let mut statuses = [ra.status, rb.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{} / {}", ra.body, rb.body);
    let loser = if ra.status == 409 { &ra } else { &rb };
    loser.problem(409, "setup_completed");
    let winner = if ra.status == 200 { &a } else { &b };
    // Finishing again from the winning session answers the same.
    assert_eq!(winner.post("/v1/wizard/finish").await.status, 200);
    let events = tap
        .settle(
            &link.tenant.to_string(),
            "setup.completed",
            Duration::from_secs(3),
        )
        .await;
    assert_eq!(events.len(), 1, "exactly one setup.completed");
    assert_eq!(
        app.audit(link.tenant, "setup.completed")
            .await
            .iter()
            .filter(|r| r.2 == "success")
            .count(),
        1
    );
}

#[tokio::test]
async fn the_link_stops_working_when_finish_commits_and_nothing_changes_afterwards() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "After Finish Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "done").await;
    // tenant-provisioning has not applied anything here (no consumer runs in this test):
    // the link is refused by the wizard's own record.
    assert_eq!(app.tenant_status(link.tenant).await, "pending_setup");
    Browser::new(&app)
        .start(&link.token)
        .await
        .problem(410, "setup_link_used");
    b.set_directory(&h.domain)
        .await
        .problem(409, "setup_completed");
    b.put(
        "/v1/wizard/admin",
        json!({ "user_principal_name": h.admin_upn }),
    )
    .await
    .problem(409, "setup_completed");
    b.post("/v1/wizard/consent-requests")
        .await
        .problem(409, "setup_completed");
    // Once tenant-provisioning marks the link used, the session still reads the result.
    app.tenant_sql(
        link.tenant,
        "UPDATE setup_links SET used_at = now() WHERE tenant_id = $1",
        |q| q,
    )
    .await;
    let state = b.state().await;
    assert_eq!(state.status, 200);
    assert_eq!(state.body["status"], "completed");
    assert!(state.body["completion"]["console_url"].is_string());
}
