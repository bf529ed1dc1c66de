//! Automatic logoff (idle timeout, absolute lifetime), CSRF, sign-out, own sessions, Admins
//! ending sessions, and the sweeper.

use reqwest::Method;
use serde_json::json;

use pa_domain::TenantId;

use crate::helpers::{Browser, Person, TestApp, assert_problem, audit_actions, eventually};

#[tokio::test]
async fn the_idle_timeout_ends_a_session_on_its_next_request_and_is_audited() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("viewer")).await;
    let mut b = app.signed_in(&alice).await;
    app.clock.advance(14 * 60);
    assert_eq!(
        b.get("/v1/users").await.status(),
        200,
        "activity within 15 minutes keeps it alive"
    );
    app.clock.advance(14 * 60);
    assert_eq!(
        b.get("/v1/users").await.status(),
        200,
        "idle time counts from the last request"
    );
    app.clock.advance(15 * 60 + 1);
    assert_problem(b.get("/v1/users").await, 401, "session_expired").await;
    assert_problem(b.get("/v1/users").await, 401, "unauthorized").await;
    let timed_out = audit_actions(&app.pool, app.tenant, "session.timed_out").await;
    assert_eq!(timed_out.len(), 1);
    assert_eq!(timed_out[0].1, alice.object_id.to_string());
    assert_eq!(timed_out[0].2["reason"], "idle_timeout");
}

#[tokio::test]
async fn an_admin_sets_the_idle_timeout_and_the_change_is_audited_and_enforced() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut b = app.signed_in(&admin).await;
    let (s, body) = b
        .json(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"idle_timeout_secs": 120})),
        )
        .await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "idle_timeout_secs");
    let (s, body) = b
        .json(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"idle_timeout_secs": 300})),
        )
        .await;
    assert_eq!(
        (
            s,
            body["idle_timeout_secs"].as_u64(),
            body["version"].as_i64()
        ),
        (200, Some(300), Some(2)),
        "{body}"
    );
    let changed = audit_actions(&app.pool, app.tenant, "settings.changed").await;
    assert_eq!(changed[0].2["before"]["idle_timeout_secs"], 900);
    assert_eq!(changed[0].2["after"]["idle_timeout_secs"], 300);
    app.clock.advance(301);
    assert_problem(b.get("/v1/settings").await, 401, "session_expired").await;
}

#[tokio::test]
async fn the_absolute_lifetime_ends_even_an_active_session() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("viewer")).await;
    let mut b = app.signed_in(&alice).await;
    for _ in 0..71 {
        app.clock.advance(10 * 60);
        assert_eq!(b.get("/v1/session").await.status(), 200);
    }
    app.clock.advance(10 * 60 + 1);
    assert_problem(b.get("/v1/session").await, 401, "session_expired").await;
    let timed_out = audit_actions(&app.pool, app.tenant, "session.timed_out").await;
    assert_eq!(timed_out[0].2["reason"], "absolute_timeout");
}

#[tokio::test]
async fn state_changes_without_the_csrf_token_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut b = app.signed_in(&admin).await;
    let good = b.csrf.take();
    let resp = b
        .call(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"sync_interval_secs": 120})),
        )
        .await;
    assert_problem(resp, 403, "csrf_token_invalid").await;
    b.csrf = Some("forged".into());
    assert_problem(
        b.call(Method::POST, "/auth/logout", None).await,
        403,
        "csrf_token_invalid",
    )
    .await;
    let (_, settings) = b.json(Method::GET, "/v1/settings", None).await;
    assert_eq!(settings["sync_interval_secs"], 60, "nothing changed");
    b.csrf = good;
    let (s, _) = b
        .json(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"sync_interval_secs": 120})),
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn signing_out_ends_the_session_at_once() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("viewer")).await;
    let mut b = app.signed_in(&alice).await;
    let cookie = b.cookie_header();
    assert_eq!(
        b.call(Method::POST, "/auth/logout", None).await.status(),
        204
    );
    assert!(!b.cookies.contains_key("pa_console"), "cookie cleared");
    // The old cookie is dead server-side too.
    let resp = b
        .client
        .get(format!("{}/v1/session", app.base))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "unauthorized").await;
    assert_eq!(
        audit_actions(&app.pool, app.tenant, "session.signed_out")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn people_list_and_end_their_own_sessions_and_admins_end_anyones() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("viewer")).await;
    let admin = app.person("Ada", Some("admin")).await;
    let mut laptop = app.signed_in(&alice).await;
    let mut phone = app.signed_in(&alice).await;
    let (_, list) = laptop.json(Method::GET, "/v1/sessions", None).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let phone_id = items.iter().find(|s| s["current"] == false).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        laptop
            .call(Method::DELETE, &format!("/v1/sessions/{phone_id}"), None)
            .await
            .status(),
        204
    );
    assert_problem(phone.get("/v1/session").await, 401, "unauthorized").await;
    // Someone else's session id is not "yours": 404.
    let mut boss = app.signed_in(&admin).await;
    let (_, mine) = boss.json(Method::GET, "/v1/sessions", None).await;
    let boss_session = mine["items"][0]["id"].as_str().unwrap().to_owned();
    assert_problem(
        laptop
            .call(
                Method::DELETE,
                &format!("/v1/sessions/{boss_session}"),
                None,
            )
            .await,
        404,
        "session_not_found",
    )
    .await;
    // A viewer cannot end another user's sessions; an Admin can.
    assert_problem(
        laptop
            .call(
                Method::DELETE,
                &format!("/v1/users/{}/sessions", admin.object_id),
                None,
            )
            .await,
        403,
        "forbidden",
    )
    .await;
    let (s, ended) = boss
        .json(
            Method::DELETE,
            &format!("/v1/users/{}/sessions", alice.object_id),
            None,
        )
        .await;
    assert_eq!((s, ended["ended"].as_u64()), (200, Some(1)));
    assert_problem(laptop.get("/v1/session").await, 401, "unauthorized").await;
    // End all (but the caller's).
    let mut again = app.signed_in(&alice).await;
    let (s, ended) = boss.json(Method::DELETE, "/v1/sessions", None).await;
    assert_eq!((s, ended["ended"].as_u64()), (200, Some(1)));
    assert_problem(again.get("/v1/session").await, 401, "unauthorized").await;
    assert_eq!(boss.get("/v1/session").await.status(), 200);
}

#[tokio::test]
async fn the_sweeper_ends_and_audits_sessions_nobody_came_back_to() {
    let app = TestApp::spawn().await;
    let alice = app.person("Alice", Some("viewer")).await;
    let mut b = app.signed_in(&alice).await;
    app.clock.advance(16 * 60);
    // The tests share one database: a whole sweep 16 minutes ahead would end the sessions of
    // every test running meanwhile. The listing is checked, the sweep runs on this tenant.
    let now = admin_console::clock::Clock::now(app.clock.as_ref());
    let tenants = admin_console::workers::tenants_with_expired_sessions(&app.pool, now)
        .await
        .unwrap();
    assert!(tenants.contains(&app.tenant), "the tenant is listed");
    let sweep = admin_console::workers::sweep_tenant(&app.pool, app.tenant, now)
        .await
        .unwrap();
    assert_eq!(sweep.sessions_ended, 1);
    assert_eq!(
        audit_actions(&app.pool, app.tenant, "session.timed_out")
            .await
            .len(),
        1
    );
    assert_problem(b.get("/v1/session").await, 401, "unauthorized").await;
}

/// The session cache's lifetime in the tests below that change the directory behind the
/// console's back (as sync-dispatch does), short enough to wait out.
const SHORT_CACHE_MS: u64 = 200;

async fn wait_out_the_session_cache() {
    tokio::time::sleep(std::time::Duration::from_millis(SHORT_CACHE_MS + 50)).await;
}

#[tokio::test]
async fn a_role_lost_in_the_directory_takes_effect_within_the_session_cache_lifetime() {
    let app = TestApp::spawn_with(|s| s.console.session_cache_ms = SHORT_CACHE_MS).await;
    let alice = app.person("Alice", Some("admin")).await;
    let mut b = app.signed_in(&alice).await;
    assert_eq!(b.get("/v1/audit-events").await.status(), 200);
    app.exec(
        "UPDATE directory_users SET role = 'viewer' WHERE tenant_id = $1 AND object_id = $2",
        alice.object_id,
    )
    .await;
    wait_out_the_session_cache().await;
    assert_problem(b.get("/v1/audit-events").await, 403, "forbidden").await;
    app.exec("UPDATE directory_users SET role = NULL, role_source = NULL, status = 'inactive', status_reason = 'removed_from_groups' WHERE tenant_id = $1 AND object_id = $2", alice.object_id).await;
    wait_out_the_session_cache().await;
    assert_problem(b.get("/v1/session").await, 401, "session_expired").await;
}

/// Ends `person`'s sessions in `tenant` in the database as another instance would (its
/// sign-out, its consumer), with no hint to this one.
async fn end_elsewhere(app: &TestApp, tenant: TenantId, person: &Person) {
    let mut tx = pa_db::begin_tenant(&app.pool, tenant).await.unwrap();
    sqlx::query(
        "UPDATE console_sessions SET ended_at = now(), end_reason = 'signed_out' \
         WHERE tenant_id = $1 AND object_id = $2 AND ended_at IS NULL",
    )
    .bind(tenant)
    .bind(person.object_id)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn a_session_ended_on_another_instance_is_refused_here_once_the_cache_lifetime_has_passed() {
    let app = TestApp::spawn_with(|s| s.console.session_cache_ms = SHORT_CACHE_MS).await;
    let alice = app.person("Alice", Some("viewer")).await;
    let mut b = app.signed_in(&alice).await;
    assert_eq!(b.get("/v1/session").await.status(), 200);
    end_elsewhere(&app, app.tenant, &alice).await;
    wait_out_the_session_cache().await;
    assert_problem(b.get("/v1/session").await, 401, "unauthorized").await;
}

#[tokio::test]
async fn a_write_through_this_instance_forgets_the_sessions_of_its_tenant_at_once() {
    // A lifetime no test outlives: only the forgetting can make the ended session fail.
    let app = TestApp::spawn_with(|s| s.console.session_cache_ms = 3_600_000).await;
    let alice = app.person("Alice", Some("viewer")).await;
    let ada = app.person("Ada", Some("admin")).await;
    let mut viewer = app.signed_in(&alice).await;
    let mut admin = app.signed_in(&ada).await;
    let elsewhere = app.other_tenant().await;
    let otto = app
        .person_in(&elsewhere, "Otto Other", Some("viewer"))
        .await;
    let mut other = app.signed_in_at(elsewhere.tenant, &otto).await;
    assert_eq!(viewer.get("/v1/session").await.status(), 200);
    assert_eq!(other.get("/v1/session").await.status(), 200);
    end_elsewhere(&app, app.tenant, &alice).await;
    end_elsewhere(&app, elsewhere.tenant, &otto).await;
    assert_eq!(
        viewer.get("/v1/session").await.status(),
        200,
        "within the lifetime, this instance still accepts what it read (the documented bound)"
    );
    // Any state-changing request through this instance, even one that changes nothing
    // about Alice, forgets what it remembered.
    let (s, body) = admin
        .json(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"idle_timeout_secs": 900})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    assert_problem(viewer.get("/v1/session").await, 401, "unauthorized").await;
    assert_eq!(
        admin.get("/v1/session").await.status(),
        200,
        "a live session is read again and still accepted"
    );
    assert_eq!(
        other.get("/v1/session").await.status(),
        200,
        "another tenant's sessions are not forgotten by this tenant's write (its bound holds)"
    );
    other.call(Method::POST, "/auth/logout", None).await;
    assert_eq!(
        other.get("/v1/session").await.status(),
        401,
        "a write for that tenant forgets them"
    );
}

/// Polls `path` until it answers `status` (the hints between instances are asynchronous);
/// panics after 10 s.
async fn answers_soon(b: &mut Browser, path: &str, status: u16) {
    eventually(std::time::Duration::from_secs(10), async || {
        b.get(path).await.status().as_u16() == status
    })
    .await;
}

#[tokio::test]
async fn a_sign_out_on_one_instance_is_refused_by_the_others_at_once() {
    // Lifetimes no test outlives: only the hint can make the second instance refuse.
    let app = TestApp::spawn_with(|s| s.console.session_cache_ms = 3_600_000).await;
    let second = app
        .another_instance(|s| s.console.session_cache_ms = 3_600_000)
        .await;
    let alice = app.person("Alice", Some("viewer")).await;
    let mut here = app.signed_in(&alice).await;
    let mut there = here.on(&second);
    assert_eq!(there.get("/v1/session").await.status(), 200);
    assert_eq!(
        here.call(Method::POST, "/auth/logout", None).await.status(),
        204
    );
    answers_soon(&mut there, "/v1/session", 401).await;
}

#[tokio::test]
async fn a_leaver_event_makes_every_instance_read_the_session_again() {
    let app = TestApp::spawn_with(|s| s.console.session_cache_ms = 3_600_000).await;
    // It applies no events: it can only hear of the leaver through its hint subscription.
    let second = app
        .another_instance(|s| {
            s.console.session_cache_ms = 3_600_000;
            s.workers.consume_events = false;
        })
        .await;
    let alice = app.person("Alice", Some("viewer")).await;
    let here = app.signed_in(&alice).await;
    let mut there = here.on(&second);
    assert_eq!(there.get("/v1/session").await.status(), 200);
    // sync-dispatch writes the leaver, then (its outbox, after the commit) the event.
    app.exec(
        "UPDATE directory_users SET role = NULL, role_source = NULL, status = 'inactive', \
         status_reason = 'disabled' WHERE tenant_id = $1 AND object_id = $2",
        alice.object_id,
    )
    .await;
    assert_eq!(
        there.get("/v1/session").await.status(),
        200,
        "not heard of yet: the second instance still accepts what it read"
    );
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    pa_messaging::enqueue(
        &mut tx,
        &pa_messaging::EventMeta {
            tenant_id: Some(app.tenant),
            request_id: None,
        },
        &pa_events::UserDeactivated {
            tenant_id: app.tenant,
            object_id: alice.object_id,
            user_principal_name: alice.upn.clone(),
            reason: pa_events::DeactivationReason::Disabled,
            previous_role: Some(pa_events::AccessRole::Viewer),
            run_id: None,
        },
    )
    .await
    .unwrap();
    pa_messaging::OutboxSignal::new().commit(tx).await.unwrap();
    answers_soon(&mut there, "/v1/session", 401).await;
}
