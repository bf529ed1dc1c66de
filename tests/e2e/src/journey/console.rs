//! After the wizard: the first sync (sync-dispatch's operator API), the welcome mail, the
//! administrator in the console (sign-in through "Microsoft", the Users page, sync now), the
//! leaver, and the audit log.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::Journey;
use super::directory::{INITIAL_ADMIN, LEAVER};
use super::wizard::location;
use crate::client::{Browser, no_redirects};
use crate::stack::Stack;
use crate::wait::Deadline;

/// sync-dispatch reports the first (full, setup-triggered) run succeeded.
pub async fn first_sync(j: &mut Journey) {
    j.timings.step("first sync completes (sync-dispatch)");
    let path = format!("/v1/tenants/{}/sync/runs", j.tenant);
    let deadline = Deadline::new("the first sync", Duration::from_secs(120));
    let run = loop {
        let url = j.sync.url(&path);
        if let Some(page) = j.operator.poll_json(&url).await
            && let Some(run) = page["items"].as_array().and_then(|runs| {
                runs.iter()
                    .find(|r| r["trigger"] == "setup" && r["status"] == "succeeded")
                    .cloned()
            })
        {
            break run;
        }
        deadline.tick().await;
    };
    assert_eq!(run["kind"], "full", "{run}");
    let users = j.dir.expected_users(false).len();
    assert_eq!(run["users_created"], users, "{run}");
}

/// consent mailed the initial administrator the console's address.
pub async fn welcome_mail(j: &mut Journey, stack: &Stack) {
    j.timings.step("welcome mail reaches the administrator");
    let admin = &j.dir.person(INITIAL_ADMIN).upn;
    let mail = stack
        .sink
        .wait_for_message_to(admin, Duration::from_secs(60))
        .await
        .expect("the welcome mail");
    assert!(
        mail.text_body().unwrap_or_default().contains(&j.tenant),
        "the console link names the tenant"
    );
}

/// Signs `key` in to the console (authorization code flow at the simulator).
pub async fn sign_in(j: &Journey, key: &str) -> Browser {
    let upn = &j.dir.person(key).upn;
    let mut b = Browser::new(j.trace.clone());
    let login = j.console.url(&format!(
        "/auth/login?tenant={}&login_hint={}",
        j.tenant,
        url::form_urlencoded::byte_serialize(upn.as_bytes()).collect::<String>()
    ));
    let start = b.send(Method::GET, &login, None).await;
    assert_eq!(
        start.status().as_u16(),
        302,
        "sign-in starts with a redirect"
    );
    let authorize = location(&start);
    let at_microsoft = no_redirects()
        .get(&authorize)
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(
        at_microsoft.status().as_u16(),
        302,
        "Microsoft redirects back"
    );
    let callback = j.console.retarget(&location(&at_microsoft));
    let signed_in = b.send(Method::GET, &callback, None).await;
    assert_eq!(signed_in.status().as_u16(), 303, "{upn} signed in");
    let me = b
        .expect(200, Method::GET, &j.console.url("/v1/session"), None)
        .await;
    assert_eq!(me["object_id"], j.dir.person(key).object_id.to_string());
    b.csrf = me["csrf_token"].as_str().map(str::to_owned);
    b
}

/// The initial administrator signs in and is an Admin.
pub async fn admin_signs_in(j: &mut Journey, _stack: &Stack) {
    j.timings
        .step("administrator signs in to the console (Entra sign-in at the simulator)");
    let mut admin = sign_in(j, INITIAL_ADMIN).await;
    let me = admin
        .expect(200, Method::GET, &j.console.url("/v1/session"), None)
        .await;
    assert_eq!(me["role"], "admin", "{me}");
    j.admin = Some(admin);
}

/// The Users page: (UPN, role, status) of every user, by UPN.
pub async fn users(j: &mut Journey) -> Vec<(String, Option<String>, String)> {
    let url = j.console.url("/v1/users?limit=200");
    let admin = j.admin.as_mut().expect("the administrator signed in");
    let page = admin.expect(200, Method::GET, &url, None).await;
    let mut users: Vec<_> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| {
            (
                u["user_principal_name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                u["role"].as_str().map(str::to_owned),
                u["status"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    users.sort();
    users
}

/// The administrator sees every user in scope with the right role.
pub async fn users_page(j: &mut Journey) {
    j.timings.step("Users page: every user with the right role");
    let seen = users(j).await;
    assert_eq!(seen, j.dir.expected_users(false), "the Users page");
}

/// "Sync now" in the console reaches sync-dispatch, whose run completes.
pub async fn sync_now(j: &mut Journey) {
    j.timings
        .step("sync now from the console: the run completes");
    let url = j.console.url("/v1/sync/requests");
    let admin = j.admin.as_mut().expect("the administrator signed in");
    let body = json!({ "kind": "incremental" });
    let accepted = admin.expect(202, Method::POST, &url, Some(&body)).await;
    assert_eq!(accepted["accepted"], true);
    let deadline = Deadline::new("the sync-now run", Duration::from_secs(60));
    loop {
        let url = j.console.url("/v1/sync/runs");
        let admin = j.admin.as_mut().expect("signed in");
        if let Some(page) = admin.poll_json(&url).await
            && page["items"].as_array().is_some_and(|runs| {
                runs.iter()
                    .any(|r| r["trigger"] == "sync_now" && r["status"] == "succeeded")
            })
        {
            break;
        }
        deadline.tick().await;
    }
}

/// The leaver (signed in) is disabled at Microsoft: within the incremental interval the
/// next run deactivates them and their console session ends.
pub async fn leaver(j: &mut Journey, stack: &Stack) {
    j.timings.step("leaver signs in to the console");
    let mut leaver = sign_in(j, LEAVER).await;
    let session = j.console.url("/v1/session");
    leaver.expect(200, Method::GET, &session, None).await;

    j.timings
        .step("leaver disabled at Microsoft: deactivated and signed out");
    let person = j.dir.person(LEAVER).clone();
    stack
        .sim
        .disable_user(j.dir.entra_tenant, &person.upn)
        .expect("disable the leaver");
    let disabled = Instant::now();
    let interval = Duration::from_secs(u64::from(stack.settings.sync_interval_secs));
    let deadline = Deadline::new(
        "the leaver's deactivation",
        interval * 4 + Duration::from_secs(30),
    );
    let user_url = format!("/v1/users/{}", person.object_id);
    loop {
        if j.leaver_signed_out_after.is_none()
            && let Ok(resp) = leaver
                .try_send(Method::GET, &j.console.url("/v1/session"), None)
                .await
            && resp.status().as_u16() == 401
        {
            j.leaver_signed_out_after = Some(disabled.elapsed());
        }
        if j.leaver_deactivated_after.is_none() {
            let url = j.console.url(&user_url);
            let admin = j.admin.as_mut().expect("signed in");
            if let Some(user) = admin.poll_json(&url).await
                && user["status"] == "inactive"
            {
                j.leaver_deactivated_after = Some(disabled.elapsed());
            }
        }
        if j.leaver_signed_out_after.is_some() && j.leaver_deactivated_after.is_some() {
            break;
        }
        deadline.tick().await;
    }
    println!(
        "[{}] leaver deactivated {:?} and signed out {:?} after the disable (interval {interval:?})",
        j.label, j.leaver_deactivated_after, j.leaver_signed_out_after
    );
    j.leaver = Some(leaver);
    let seen = users(j).await;
    assert_eq!(
        seen,
        j.dir.expected_users(true),
        "the Users page after the leaver"
    );
}

/// Audit actions the journey must have left in the tenant's log (at least once each).
pub const EXPECTED_ACTIONS: [&str; 14] = [
    "tenant.provisioned",
    "tenant.setup_link_issued",
    "wizard.session_started",
    "directory.set",
    "consent.requested",
    "consent.granted",
    "preflight.ran",
    "admin.set",
    "groups.set",
    "setup.completed",
    "tenant.activated",
    "sync.tenant_registered",
    "session.signed_in",
    "sync.requested",
];

/// The audit log, read through the console: every step is there, and the chain verifies.
pub async fn audit(j: &mut Journey) {
    j.timings
        .step("audit log holds every step; the chain verifies");
    let actions = audit_actions(j).await;
    for expected in EXPECTED_ACTIONS {
        assert!(
            actions.iter().any(|a| a == expected),
            "no {expected} in the audit log: {actions:?}"
        );
    }
    let deadline = Deadline::new(
        "the audit chain to be sealed and verified",
        Duration::from_secs(60),
    );
    loop {
        let url = j.console.url("/v1/audit-events/verification");
        let admin = j.admin.as_mut().expect("signed in");
        let v = admin.expect(200, Method::GET, &url, None).await;
        assert_eq!(v["intact"], true, "the chain is intact: {v}");
        if v["unsealed"].as_i64().unwrap_or(0) == 0 && v["verified"].as_i64().unwrap_or(0) > 0 {
            break;
        }
        deadline.tick().await;
    }
}

/// Every action in the tenant's audit log (all pages), oldest first.
pub async fn audit_actions(j: &mut Journey) -> Vec<String> {
    let mut actions = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/v1/audit-events?limit=500".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let url = j.console.url(&path);
        let admin = j.admin.as_mut().expect("signed in");
        let page: Value = admin.expect(200, Method::GET, &url, None).await;
        for item in page["items"].as_array().expect("items") {
            actions.push(item["action"].as_str().unwrap_or_default().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    actions.reverse();
    actions
}
