//! The vendor's part: an operator key, the tenant provisioned, the setup mail, and the
//! tenant becoming active once the wizard is done.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::Journey;
use crate::client::Browser;
use crate::stack::Stack;
use crate::wait::Deadline;

/// An operator API key from tenant-provisioning's CLI.
pub async fn operator_key(j: &mut Journey, stack: &Stack) {
    j.timings
        .step("operator key created (tenant-provisioning create-operator-key)");
    let key = stack.create_operator_key(&format!("e2e {}", j.label)).await;
    assert!(key.len() > 20, "an operator key");
    j.operator = Browser::with_bearer(&key, j.trace.clone());
}

/// `POST /v1/tenants`.
pub async fn provision(j: &mut Journey) {
    j.timings
        .step("vendor provisions the tenant (POST /v1/tenants)");
    j.contact = format!(
        "it-admin@{}",
        j.dir.domain.replace(".onmicrosoft.com", ".example")
    );
    let body = json!({
        "display_name": "Northwind Ward",
        "contact_email": j.contact,
        "environment": "production",
    });
    let url = j.tp.url("/v1/tenants");
    let mut req_key = [0u8; 16];
    getrandom::fill(&mut req_key).expect("randomness");
    let idempotency: String = req_key.iter().map(|b| format!("{b:02x}")).collect();
    let created = j
        .operator
        .expect_with(
            201,
            Method::POST,
            &url,
            Some(&body),
            &[("idempotency-key", &idempotency)],
        )
        .await;
    j.tenant = created["id"].as_str().expect("tenant id").to_owned();
    assert_eq!(created["status"], "pending_setup", "{created}");
}

/// The setup mail reaches the contact; its link carries the setup token.
pub async fn setup_mail(j: &mut Journey, stack: &Stack) {
    j.timings.step("setup mail arrives (SMTP sink)");
    let mail = stack
        .sink
        .wait_for_message_to(&j.contact, Duration::from_secs(90))
        .await
        .expect("the setup mail");
    let text = mail.text_body().unwrap_or_default();
    let start = text.find("pa_setup_").expect("a setup token in the mail");
    j.setup_token = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    assert_eq!(j.setup_token.len(), "pa_setup_".len() + 43, "{text}");
}

/// tenant-provisioning applied `setup.completed`: the tenant is `active`.
pub async fn tenant_active(j: &mut Journey) {
    j.timings
        .step("tenant active (setup.completed consumed by tenant-provisioning)");
    let path = format!("/v1/tenants/{}", j.tenant);
    let deadline = Deadline::new("the tenant to become active", Duration::from_secs(90));
    loop {
        let url = j.tp.url(&path);
        if let Some(tenant) = j.operator.poll_json(&url).await
            && tenant["status"] == "active"
        {
            break;
        }
        deadline.tick().await;
    }
}
