//! End to end with tenant-provisioning: an operator provisions a tenant, the setup link
//! arrives by mail, the wizard is walked, and tenant-provisioning makes the tenant `active`.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::browser::Browser;
use crate::helpers::TestApp;
use crate::sim;

/// tenant-provisioning in-process, on the same database, broker and SMTP sink; its setup
/// links point at this consent instance. Returns its base URL, an operator key and its queues.
async fn tenant_provisioning(app: &TestApp) -> (String, String, Vec<String>) {
    use tenant_provisioning::config::Settings;
    let mut s = Settings::default();
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).expect("rng");
    s.setup_links.token_key = base64::engine::general_purpose::STANDARD.encode(key).into();
    let suffix = Uuid::now_v7().simple();
    s.setup_links.mailer_queue = format!("pa.test.consent-e2e.setup-link-mailer.{suffix}");
    s.activation.queue = format!("pa.test.consent-e2e.setup-completed.{suffix}");
    s.http.bind = "127.0.0.1:0".parse().expect("addr");
    s.database.url = pa_db::testing::service_url(tenant_provisioning::config::DB_ROLE).into();
    s.database.max_connections = 5;
    s.smtp.port = app.sink.addr().port();
    s.setup_links.wizard_base_url = app.base.parse().expect("url");
    s.deprovision.purge_interval_secs = 0;
    let queues = vec![
        s.setup_links.mailer_queue.clone(),
        s.activation.queue.clone(),
    ];
    let tp = tenant_provisioning::startup::Application::build(s)
        .await
        .expect("tenant-provisioning builds");
    let base = format!("http://127.0.0.1:{}", tp.port());
    tokio::spawn(tp.run_until_stopped());
    let mut tx = app.pool.begin().await.expect("tx");
    let (operator, _) = tenant_provisioning::service::operator_keys::create(
        &mut tx,
        &tenant_provisioning::context::RequestContext::system("consent-e2e"),
        &tenant_provisioning::domain::KeyName::parse("consent e2e").expect("name"),
    )
    .await
    .expect("operator key");
    tx.commit().await.expect("commit");
    (base, operator.expose().to_owned(), queues)
}

async fn delete_queues(queues: Vec<String>) {
    let settings = pa_messaging::AmqpSettings::default();
    let conn = pa_messaging::connect(&settings, "consent-it")
        .await
        .expect("broker");
    let channel = conn.create_channel().await.expect("channel");
    for q in queues {
        let _ = channel
            .queue_delete(q.as_str().into(), Default::default())
            .await;
    }
    let _ = conn.close(200, "test done".into()).await;
}

#[tokio::test]
async fn the_mailed_setup_link_opens_the_wizard_and_finishing_makes_the_tenant_active() {
    let app = TestApp::spawn().await;
    let h = sim::hospital(&app.sim, "End To End Health");
    let (tp, operator, queues) = tenant_provisioning(&app).await;
    let contact = format!("it-{}@customer.example", Uuid::now_v7().simple());
    let created = app
        .client
        .post(format!("{tp}/v1/tenants"))
        .bearer_auth(&operator)
        .json(&json!({
            "display_name": "End To End Health",
            "contact_email": contact,
            "environment": "production",
        }))
        .send()
        .await
        .expect("create tenant");
    assert_eq!(created.status(), 201);
    let tenant: Value = created.json().await.expect("json");
    let id = tenant["id"].as_str().expect("id").to_owned();

    // The link from the sink, as the IT admin clicks it.
    let mails = app
        .sink
        .wait_for_messages_to(&contact, 1, Duration::from_secs(20))
        .await;
    let text = mails
        .first()
        .and_then(|m| m.text_body())
        .expect("setup mail");
    let prefix = format!("{}/setup#token=", app.base);
    let start = text.find(&prefix).expect("link to this wizard") + prefix.len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();

    let mut b = Browser::new(&app);
    let r = b.start(&token).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["tenant"]["display_name"], "End To End Health");
    b.walk(&h, "done").await;

    // tenant-provisioning applies setup.completed: active, link used.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let t: Value = app
            .client
            .get(format!("{tp}/v1/tenants/{id}"))
            .bearer_auth(&operator)
            .send()
            .await
            .expect("get tenant")
            .json()
            .await
            .expect("json");
        if t["status"] == "active" {
            assert!(t["setup_completed_at"].is_string());
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never activated: {t}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let links: Value = app
        .client
        .get(format!("{tp}/v1/tenants/{id}/setup-links"))
        .bearer_auth(&operator)
        .send()
        .await
        .expect("links")
        .json()
        .await
        .expect("json");
    assert_eq!(links["items"][0]["status"], "used");
    Browser::new(&app)
        .start(&token)
        .await
        .problem(410, "setup_link_used");
    delete_queues(queues).await;
}
