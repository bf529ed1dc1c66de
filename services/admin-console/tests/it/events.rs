//! Over the real broker: a leaver's sessions die when sync deactivates them, a role change and a
//! suspended tenant end sessions, `setup.completed` seeds a tenant; the console's own events.

use std::time::Duration;

use futures::StreamExt;
use pa_domain::TenantId;
use pa_events::{AccessRole, DeactivationReason, UserDeactivated, UserRoleChanged};
use pa_messaging::lapin::options::{
    BasicAckOptions, BasicConsumeOptions, QueueBindOptions, QueueDeclareOptions,
};
use pa_messaging::lapin::types::FieldTable;
use pa_messaging::{EventMeta, OutboxSignal};
use reqwest::Method;
use serde_json::{Value, json};

use uuid::Uuid;

use crate::helpers::{
    TestApp, assert_problem, audit_actions, delete_queue, eventually, own_events_queue,
};

/// Publishes `event` the way sync-dispatch does (its outbox; the console's relay sends it).
async fn publish<E: pa_messaging::Event>(app: &TestApp, tenant: TenantId, event: &E) -> Uuid {
    let mut tx = pa_db::begin_tenant(&app.pool, tenant).await.unwrap();
    let id = pa_messaging::enqueue(
        &mut tx,
        &EventMeta {
            tenant_id: Some(tenant),
            request_id: None,
        },
        event,
    )
    .await
    .unwrap();
    OutboxSignal::new().commit(tx).await.unwrap();
    id
}

/// Waits until the consumer of `queue` (this test's app) has applied the event `id` (other
/// tests' console instances may apply their copy of it first).
async fn applied_by(app: &TestApp, queue: &str, id: Uuid) {
    eventually(Duration::from_secs(20), async || {
        sqlx::query_scalar::<_, bool>(
            "SELECT EXISTS (SELECT 1 FROM processed_messages WHERE consumer = $1 AND message_id = $2)",
        )
        .bind(queue)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    })
    .await;
}

#[tokio::test]
async fn a_leavers_sessions_die_when_sync_deactivates_them() {
    // Its own queue (this app's consumer applies the event) and a session cache no test
    // outlives: only the consumer's forgetting makes the remembered sessions fail here.
    let queue = own_events_queue();
    let app = TestApp::spawn_with(|s| {
        s.console.events_queue = queue.clone();
        s.console.session_cache_ms = 3_600_000;
    })
    .await;
    let leaver = app.person("Leaver", Some("manager")).await;
    let stayer = app.person("Stayer", Some("viewer")).await;
    let mut a = app.signed_in(&leaver).await;
    let mut a2 = app.signed_in(&leaver).await;
    let mut s = app.signed_in(&stayer).await;
    let event = UserDeactivated {
        tenant_id: app.tenant,
        object_id: leaver.object_id,
        user_principal_name: leaver.upn.clone(),
        reason: DeactivationReason::Disabled,
        previous_role: Some(AccessRole::Manager),
        run_id: None,
    };
    let id = publish(&app, app.tenant, &event).await;
    applied_by(&app, &queue, id).await;
    // Even though the read model still says active (sync writes it separately), the sessions are gone.
    assert_problem(a.get("/v1/session").await, 401, "unauthorized").await;
    assert_problem(a2.get("/v1/session").await, 401, "unauthorized").await;
    assert_eq!(s.get("/v1/session").await.status(), 200);
    let ended = audit_actions(&app.pool, app.tenant, "session.ended").await;
    assert!(
        ended
            .iter()
            .all(|(_, _, d)| d["reason"] == "user_deactivated")
    );
    delete_queue(&queue).await;
}

#[tokio::test]
async fn a_role_change_and_a_suspension_end_sessions() {
    let queue = own_events_queue();
    let app = TestApp::spawn_with(|s| {
        s.console.events_queue = queue.clone();
        s.console.session_cache_ms = 3_600_000;
    })
    .await;
    let mover = app.person("Mover", Some("admin")).await;
    let other = app.person("Other", Some("viewer")).await;
    let mut m = app.signed_in(&mover).await;
    let mut o = app.signed_in(&other).await;
    let event = UserRoleChanged {
        tenant_id: app.tenant,
        object_id: mover.object_id,
        user_principal_name: mover.upn.clone(),
        previous_role: AccessRole::Admin,
        role: AccessRole::Viewer,
        run_id: None,
    };
    let id = publish(&app, app.tenant, &event).await;
    applied_by(&app, &queue, id).await;
    assert_problem(m.get("/v1/session").await, 401, "unauthorized").await;
    assert_eq!(o.get("/v1/session").await.status(), 200);
    let id = publish(
        &app,
        app.tenant,
        &pa_events::tenant::TenantSuspended {
            tenant_id: app.tenant,
        },
    )
    .await;
    applied_by(&app, &queue, id).await;
    assert_problem(o.get("/v1/session").await, 401, "unauthorized").await;
    assert_eq!(
        audit_actions(&app.pool, app.tenant, "session.ended")
            .await
            .len(),
        2
    );
    delete_queue(&queue).await;
}

/// A private queue bound to `pa.events` for `keys`.
struct Tap {
    consumer: pa_messaging::lapin::Consumer,
    _conn: pa_messaging::lapin::Connection,
}

impl Tap {
    async fn new(keys: &[&str]) -> Self {
        let amqp = pa_messaging::AmqpSettings::default();
        let conn = pa_messaging::connect(&amqp, "admin-console-it-tap")
            .await
            .unwrap();
        let channel = conn.create_channel().await.unwrap();
        pa_messaging::topology::declare_exchanges(&channel, &amqp)
            .await
            .unwrap();
        let q = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        for key in keys {
            channel
                .queue_bind(
                    q.name().clone(),
                    "pa.events".into(),
                    (*key).into(),
                    QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .unwrap();
        }
        let consumer = channel
            .basic_consume(
                q.name().clone(),
                "tap".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        Self {
            consumer,
            _conn: conn,
        }
    }

    /// The next event of `tenant` (other tests' events are skipped).
    async fn next_for(&mut self, tenant: TenantId) -> Value {
        let wait = async {
            while let Some(Ok(d)) = self.consumer.next().await {
                let _ = d.ack(BasicAckOptions::default()).await;
                let v: Value = serde_json::from_slice(&d.data).unwrap();
                if v["tenant_id"] == tenant.to_string() {
                    return v;
                }
            }
            panic!("tap closed")
        };
        tokio::time::timeout(Duration::from_secs(20), wait)
            .await
            .expect("event in time")
    }
}

#[tokio::test]
async fn config_settings_sync_and_hold_decisions_are_published() {
    let tap_keys = [
        "access.config_changed",
        "tenant.settings_changed",
        "sync.requested",
        "sync.hold_decided",
    ];
    let mut tap = Tap::new(&tap_keys).await;
    let app = TestApp::spawn().await;
    let admin = app.person("Ada", Some("admin")).await;
    let bob = app.person("Bob", Some("viewer")).await;
    let mut b = app.signed_in(&admin).await;
    let (s, v) = b
        .json(
            Method::PUT,
            &format!("/v1/users/{}/direct-role", bob.object_id),
            Some(&json!({"role": "manager"})),
        )
        .await;
    assert_eq!((s, v["version"].as_i64()), (200, Some(2)), "{v}");
    let e = tap.next_for(app.tenant).await;
    assert_eq!(e["type"], "access.config_changed");
    assert_eq!(e["data"]["version"], 2);
    assert_eq!(e["data"]["full_sync"], false);
    assert!(
        e["data"]["direct_assignments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["object_id"] == bob.object_id.to_string() && a["role"] == "manager")
    );
    assert_eq!(
        e["data"]["changed_by"],
        format!("console_user:{}", admin.object_id)
    );
    let (s, _) = b
        .json(
            Method::PATCH,
            "/v1/settings",
            Some(&json!({"sync_interval_secs": 300, "deactivation_threshold_percent": 10})),
        )
        .await;
    assert_eq!(s, 200);
    let e = tap.next_for(app.tenant).await;
    assert_eq!(
        (
            e["type"].as_str(),
            e["data"]["sync_interval_secs"].as_u64(),
            e["data"]["version"].as_i64()
        ),
        (Some("tenant.settings_changed"), Some(300), Some(2))
    );
    let (s, _) = b
        .json(
            Method::POST,
            "/v1/sync/requests",
            Some(&json!({"kind": "full"})),
        )
        .await;
    assert_eq!(s, 202);
    let e = tap.next_for(app.tenant).await;
    assert_eq!(
        (e["type"].as_str(), e["data"]["kind"].as_str()),
        (Some("sync.requested"), Some("full"))
    );
    // A held run (as sync-dispatch records it), then the decision.
    let run = uuid::Uuid::now_v7();
    let mut tx = pa_db::begin_tenant(&app.pool, app.tenant).await.unwrap();
    sqlx::query("INSERT INTO sync_runs (tenant_id, id, kind, trigger, status, queued_at, held_changes) VALUES ($1, $2, 'full', 'schedule', 'held', now(), 1)")
        .bind(app.tenant).bind(run).execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    let (s, v) = b
        .json(
            Method::POST,
            &format!("/v1/sync/runs/{run}/decision"),
            Some(&json!({"decision": "approve"})),
        )
        .await;
    assert_eq!(s, 202, "{v}");
    let e = tap.next_for(app.tenant).await;
    assert_eq!(
        (e["type"].as_str(), e["data"]["decision"].as_str()),
        (Some("sync.hold_decided"), Some("approve"))
    );
    let (s, v) = b
        .json(
            Method::POST,
            &format!("/v1/sync/runs/{}/decision", uuid::Uuid::now_v7()),
            Some(&json!({"decision": "reject"})),
        )
        .await;
    assert_eq!((s, v["code"].as_str()), (404, Some("run_not_found")));
}

#[tokio::test]
async fn setup_completed_from_the_bus_seeds_a_tenant_once() {
    let app = TestApp::spawn().await;
    let tenant = crate::helpers::create_tenant(&app.pool, "active").await;
    let event = pa_events::SetupCompleted {
        tenant_id: tenant,
        entra_tenant_id: app.entra_tenant,
        link_id: uuid::Uuid::now_v7(),
        wizard_session_id: uuid::Uuid::now_v7(),
        completed_at: time::OffsetDateTime::now_utc(),
        initial_admin: pa_events::InitialAdmin {
            object_id: uuid::Uuid::now_v7(),
            user_principal_name: "x@y".into(),
            display_name: "X".into(),
            mail: None,
        },
        groups: vec![pa_events::ConfiguredGroup {
            group_id: app.admin_group,
            display_name: "Admins".into(),
            role: AccessRole::Admin,
        }],
        config_version: 1,
    };
    publish(&app, tenant, &event).await;
    publish(&app, tenant, &event).await;
    let pool = app.pool.clone();
    eventually(Duration::from_secs(20), async || {
        audit_actions(&pool, tenant, "console.tenant_seeded")
            .await
            .len()
            == 1
    })
    .await;
    let mut tx = pa_db::begin_tenant(&app.pool, tenant).await.unwrap();
    let (version, direct): (i64, String) = sqlx::query_as(
        "SELECT c.version, d.role FROM console_access_config c JOIN console_direct_assignments d USING (tenant_id) WHERE c.tenant_id = $1",
    )
    .bind(tenant)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!((version, direct.as_str()), (1, "admin"));
}
