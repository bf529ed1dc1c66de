//! Microsoft misbehaving: throttling is waited out, an outage is reported and leaves nothing
//! half-done, and the step works once Microsoft is back.

use serde_json::json;

use crate::browser::Browser;
use crate::helpers::TestApp;
use crate::sim;

#[tokio::test]
async fn graph_throttling_is_waited_out_and_an_outage_stores_nothing_until_microsoft_is_back() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "Flaky Graph Clinic");
    let link = app.provision().await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "preflight").await;

    // One 429 with Retry-After: retried in place, the checks pass.
    app.sim
        .update_tenant_faults(h.tenant, |f| {
            f.force_429_count = 1;
            f.force_429_retry_after = Some(1);
        })
        .expect("knob");
    let r = b.post("/v1/wizard/preflight").await;
    assert_eq!(r.body["preflight"]["status"], "passed", "{}", r.body);

    // Graph down beyond the retry budget: 503 with Microsoft's code, nothing stored.
    app.sim
        .update_tenant_faults(h.tenant, |f| {
            f.force_429_count = 0;
            f.force_5xx_count = 10;
            f.force_5xx_status = 503;
        })
        .expect("knob");
    let r = b
        .put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.admin_upn }),
        )
        .await;
    r.problem(503, "microsoft_unavailable");
    assert!(
        r.body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("temporarily")),
        "{}",
        r.body
    );
    assert!(b.state().await.body["admin"].is_null(), "nothing half-done");
    let refused = app.audit(link.tenant, "admin.set").await;
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].2, "failure");

    app.sim
        .update_tenant_faults(h.tenant, |f| f.force_5xx_count = 0)
        .expect("knob");
    let r = b
        .put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.admin_upn }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

#[tokio::test]
async fn an_administrator_without_a_mail_address_is_named_in_setup_completed_and_gets_no_mail() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "No Mail Clinic");
    let link = app.provision().await;
    let mut tap = crate::bus::EventTap::start(&["setup.completed"]).await;
    let b = Browser::started(&app, &link).await;
    b.walk(&h, "admin").await;
    let r = b
        .put(
            "/v1/wizard/admin",
            json!({ "user_principal_name": h.nomail_upn }),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = b
        .put("/v1/wizard/groups", json!({ "admin_groups": [h.admins] }))
        .await;
    assert_eq!(r.status, 200);
    let r = b.post("/v1/wizard/finish").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["completion"]["admin_mailed"], false);
    let done = tap
        .wait_for(&link.tenant.to_string(), "setup.completed", 1)
        .await;
    let done: pa_events::SetupCompleted = done[0].data_as().expect("event");
    assert_eq!(done.initial_admin.user_principal_name, h.nomail_upn);
    assert_eq!(done.initial_admin.mail, None);
    // The mailer handled it (the message is recorded as processed) and sent nothing.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let processed: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM processed_messages WHERE consumer = $1 AND message_id = $2)",
        )
        .bind(&app.welcome_queue)
        .bind(tap_id(&mut tap, &link.tenant.to_string()).await)
        .fetch_one(&app.pool)
        .await
        .expect("processed");
        if processed {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never processed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // (Other tests' completions may reach this instance's mailer too: only this tenant counts.)
    let tenant = link.tenant.to_string();
    assert!(
        !app.sink
            .messages()
            .iter()
            .any(|m| m.text_body().is_some_and(|t| t.contains(&tenant))),
        "no welcome mail for this tenant"
    );
}

async fn tap_id(tap: &mut crate::bus::EventTap, tenant: &str) -> uuid::Uuid {
    tap.wait_for(tenant, "setup.completed", 1).await[0].id
}
