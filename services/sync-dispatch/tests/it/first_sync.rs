//! The first full sync of a directory with nested groups.

use std::collections::HashMap;

use pa_events::SyncRunFinished;

use crate::support::{Stack, access, hospital};

#[tokio::test]
async fn the_first_sync_gives_every_transitive_member_the_role_of_their_highest_group() {
    let stack = Stack::start().await;
    let t = stack.tenant("Nested Hospital").await;
    let h = hospital::build(&stack, &t);

    let run = stack.setup_and_sync(&t, &h.config()).await;

    assert_eq!(
        (run.kind.as_str(), run.trigger.as_str(), run.status.as_str()),
        ("full", "setup", "succeeded"),
        "{run:#?}"
    );
    let users: HashMap<_, _> = stack
        .users(&t)
        .await
        .into_iter()
        .map(|u| (u.user_principal_name.clone(), u))
        .collect();
    let role = |name: &str| access(&users[&t.upn(name)]).to_owned();
    assert_eq!(role("alice"), ("active", Some("admin")));
    assert_eq!(
        role("bob"),
        ("active", Some("admin")),
        "nested in the admin group"
    );
    assert_eq!(
        role("carol"),
        ("active", Some("manager")),
        "two levels down"
    );
    assert_eq!(role("erin"), ("active", Some("manager")));
    assert_eq!(role("frank"), ("active", Some("viewer")));
    assert_eq!(
        role("admin"),
        ("active", Some("admin")),
        "the initial admin"
    );
    assert_eq!(
        users[&t.upn("admin")].role_source.as_deref(),
        Some("direct")
    );
    assert_eq!(users[&t.upn("alice")].role_source.as_deref(), Some("group"));
    let gina = &users[&t.upn("gina")];
    assert_eq!(
        (access(gina), gina.status_reason.as_deref()),
        (("inactive", None), Some("disabled"))
    );
    assert!(
        !users.contains_key(&t.upn("oscar")),
        "not in any configured group"
    );
    assert_eq!(users.len(), 8);

    assert_eq!(run.users_created, 8);
    assert_eq!(run.users_deactivated, 0);
    assert!(run.pages_read >= 3, "{run:#?}");
    assert!(run.objects_read >= 11, "{run:#?}");
    assert!(run.objects_total.is_some(), "Graph's $count");
    let grants = stack
        .count(
            &t,
            "SELECT count(*) FROM directory_user_grants WHERE tenant_id = $1",
        )
        .await;
    assert_eq!(grants, 2 + 3 + 6, "admins 2, clinical 3, all staff 6");
    let members: Vec<(String, i32)> = {
        let mut tx = pa_db::begin_tenant(&stack.pool, t.id).await.unwrap();
        let rows = sqlx::query_as("SELECT role, member_count FROM directory_groups ORDER BY role")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        rows
    };
    assert_eq!(
        members,
        [
            ("admin".into(), 2),
            ("manager".into(), 3),
            ("viewer".into(), 6)
        ]
    );
    let history = stack
        .count(&t, "SELECT count(*) FROM directory_user_history WHERE tenant_id = $1 AND change = 'activated'")
        .await;
    assert_eq!(history, 7);

    // The initial load publishes the run's outcome, not one event per user.
    let finished = stack
        .probe
        .wait_for(
            "sync.run_finished",
            std::time::Duration::from_secs(20),
            |e| e.tenant_id == Some(t.id),
        )
        .await;
    let finished: SyncRunFinished = finished.data_as().unwrap();
    assert_eq!(finished.users_created, 8);
    assert!(stack.probe.events("user.activated").is_empty());
    let audited = stack
        .count(
            &t,
            "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'sync.run_succeeded'",
        )
        .await;
    assert_eq!(audited, 1);
    stack.shutdown().await;
}
