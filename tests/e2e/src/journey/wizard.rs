//! The customer's IT admin walks the setup wizard (consent service), signing in at
//! "Microsoft" (the simulator) to grant admin consent.

use reqwest::Method;
use serde_json::{Value, json};

use super::Journey;
use super::directory::{ADMIN_GROUP, CHARGE_NURSES, INITIAL_ADMIN, NURSES};
use crate::client::no_redirects;
use crate::stack::Stack;

/// From the mailed link to a finished setup.
pub async fn walk(j: &mut Journey, _stack: &Stack) {
    j.timings.step("wizard: start with the setup link");
    let url = j.consent.url("/v1/wizard/sessions");
    let body = json!({ "token": j.setup_token });
    let started = j.wizard.expect(201, Method::POST, &url, Some(&body)).await;
    j.wizard.csrf = started["session"]["csrf_token"].as_str().map(str::to_owned);
    assert!(j.wizard.csrf.is_some(), "a CSRF token: {started}");

    j.timings.step("wizard: directory resolved");
    let body = json!({ "tenant": j.dir.domain });
    let resolved = step(j, Method::PUT, "/v1/wizard/directory", Some(&body), 200).await;
    assert_eq!(
        resolved["directory"]["entra_tenant_id"],
        j.dir.entra_tenant.to_string(),
        "{resolved}"
    );

    j.timings
        .step("wizard: admin consent at Microsoft, callback verified");
    let request = step(j, Method::POST, "/v1/wizard/consent-requests", None, 201).await;
    let consent_url = request["consent_url"].as_str().expect("consent_url");
    let admin = j.dir.person(INITIAL_ADMIN).upn.clone();
    let at_microsoft = no_redirects()
        .get(consent_url)
        .query(&[("login_hint", admin.as_str())])
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(
        at_microsoft.status().as_u16(),
        302,
        "consent redirects back"
    );
    let callback = location(&at_microsoft);
    assert!(callback.contains("/consent/callback?"), "{callback}");
    let url = j.consent.retarget(&callback);
    let back = j.wizard.send(Method::GET, &url, None).await;
    assert_eq!(
        back.status().as_u16(),
        303,
        "callback answers with a redirect"
    );
    let frontend = location(&back);
    assert!(
        frontend.contains("consent=granted"),
        "consent granted: {frontend}"
    );

    j.timings.step("wizard: pre-flight passed");
    let preflight = step(j, Method::POST, "/v1/wizard/preflight", None, 200).await;
    assert_eq!(preflight["preflight"]["status"], "passed", "{preflight}");

    j.timings.step("wizard: initial administrator named");
    let body = json!({ "user_principal_name": admin });
    let named = step(j, Method::PUT, "/v1/wizard/admin", Some(&body), 200).await;
    assert_eq!(named["admin"]["user_principal_name"], admin, "{named}");

    j.timings.step("wizard: admin group and user groups chosen");
    let found = step(j, Method::GET, "/v1/wizard/groups?search=Nurses", None, 200).await;
    let names: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|g| g["display_name"].as_str())
        .collect();
    assert!(
        names.contains(&NURSES) && names.contains(&CHARGE_NURSES),
        "{found}"
    );
    let body = json!({
        "admin_groups": [j.dir.groups[ADMIN_GROUP]],
        "user_groups": [
            { "group_id": j.dir.groups[NURSES], "role": "viewer" },
            { "group_id": j.dir.groups[CHARGE_NURSES], "role": "manager" },
        ],
    });
    let chosen = step(j, Method::PUT, "/v1/wizard/groups", Some(&body), 200).await;
    assert_eq!(
        chosen["groups"]["admin_groups"][0]["admin_is_member"], true,
        "{chosen}"
    );
}

/// The wizard's last step: `setup.completed` is committed.
pub async fn finish(j: &mut Journey) {
    j.timings.step("wizard: finished");
    let finished = step(j, Method::POST, "/v1/wizard/finish", None, 200).await;
    assert!(
        finished["completion"]["console_url"]
            .as_str()
            .is_some_and(|u| u.contains(&j.tenant)),
        "{finished}"
    );
    j.finished = true;
}

/// One wizard request (cookie + CSRF) to the next consent instance.
async fn step(
    j: &mut Journey,
    method: Method,
    path: &str,
    body: Option<&Value>,
    status: u16,
) -> Value {
    let url = j.consent.url(path);
    j.wizard.expect(status, method, &url, body).await
}

/// A redirect's `Location`.
pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_owned()
}
