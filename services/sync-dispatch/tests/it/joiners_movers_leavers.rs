//! Joiners, movers and leavers, each seen by an incremental sync (Graph delta), and the
//! events the admin console acts on.

use std::time::Duration;

use pa_events::{DeactivationReason, SyncKind, UserActivated, UserDeactivated, UserRoleChanged};
use pa_messaging::Envelope;
use uuid::Uuid;

use crate::support::hospital::{self, Hospital};
use crate::support::{Stack, Tenant, access};

const EVENT_WAIT: Duration = Duration::from_secs(20);

/// A stack with the hospital directory synced once.
async fn synced() -> (Stack, Tenant, Hospital) {
    let stack = Stack::start().await;
    let t = stack.tenant("JML Hospital").await;
    let h = hospital::build(&stack, &t);
    let run = stack.setup_and_sync(&t, &h.config()).await;
    assert_eq!(run.status, "succeeded", "{run:#?}");
    (stack, t, h)
}

fn about(user: Uuid) -> impl Fn(&Envelope) -> bool {
    move |e| e.data["object_id"] == user.to_string()
}

#[tokio::test]
async fn a_joiner_added_to_a_nested_group_is_activated_with_that_groups_role() {
    let (stack, t, h) = synced().await;
    let hank = stack
        .sim
        .add_user(t.entra, entra_sim::NewUser::new(&t.upn("hank"), "Hank"))
        .unwrap()
        .id;
    stack.sim.add_member(t.entra, h.nurses, hank).unwrap();

    let run = stack.sync_now(&t, SyncKind::Incremental).await;

    assert_eq!(
        (run.kind.as_str(), run.status.as_str()),
        ("incremental", "succeeded"),
        "{run:#?}"
    );
    assert_eq!(run.users_created, 1);
    let user = stack.user(&t, hank).await;
    assert_eq!(access(&user), ("active", Some("manager")));
    let event = stack
        .probe
        .wait_for("user.activated", EVENT_WAIT, about(hank))
        .await;
    let event: UserActivated = event.data_as().unwrap();
    assert_eq!(event.role, pa_events::AccessRole::Manager);
    assert_eq!(event.run_id, Some(run.id));
    assert_eq!(event.user_principal_name, t.upn("hank"));
    stack.shutdown().await;
}

#[tokio::test]
async fn a_mover_between_groups_changes_role_and_the_console_hears_of_it() {
    let (stack, t, h) = synced().await;
    let frank = h.user("frank");
    stack
        .sim
        .move_user(t.entra, frank, h.all_staff, h.physicians)
        .unwrap();

    let run = stack.sync_now(&t, SyncKind::Incremental).await;

    assert_eq!(run.status, "succeeded");
    assert_eq!(
        access(&stack.user(&t, frank).await),
        ("active", Some("manager"))
    );
    let event = stack
        .probe
        .wait_for("user.role_changed", EVENT_WAIT, about(frank))
        .await;
    let event: UserRoleChanged = event.data_as().unwrap();
    assert_eq!(
        (event.previous_role, event.role),
        (
            pa_events::AccessRole::Viewer,
            pa_events::AccessRole::Manager
        )
    );
    let changes = stack
        .count(&t, "SELECT count(*) FROM directory_user_history WHERE tenant_id = $1 AND change = 'role_changed'")
        .await;
    assert_eq!(changes, 1);
    stack.shutdown().await;
}

/// Runs an incremental sync and returns the user's deactivation event.
async fn deactivation(stack: &Stack, t: &Tenant, user: Uuid) -> UserDeactivated {
    let run = stack.sync_now(t, SyncKind::Incremental).await;
    assert_eq!(run.status, "succeeded", "{run:#?}");
    assert_eq!(run.users_deactivated, 1, "{run:#?}");
    let event = stack
        .probe
        .wait_for("user.deactivated", EVENT_WAIT, about(user))
        .await;
    let event: UserDeactivated = event.data_as().unwrap();
    assert_eq!(event.run_id, Some(run.id));
    event
}

#[tokio::test]
async fn a_soft_deleted_leaver_is_deactivated_and_comes_back_when_restored() {
    let (stack, t, h) = synced().await;
    let carol = h.user("carol");
    stack.sim.soft_delete_user(t.entra, carol).unwrap();

    let event = deactivation(&stack, &t, carol).await;

    assert_eq!(event.reason, DeactivationReason::SoftDeleted);
    assert_eq!(event.previous_role, Some(pa_events::AccessRole::Manager));
    let user = stack.user(&t, carol).await;
    assert_eq!(
        (access(&user), user.directory_state.as_str()),
        (("inactive", None), "soft_deleted")
    );

    stack.sim.restore_user(t.entra, carol).unwrap();
    let run = stack.sync_now(&t, SyncKind::Incremental).await;
    assert_eq!(run.users_reactivated, 1, "{run:#?}");
    let user = stack.user(&t, carol).await;
    assert_eq!(
        (access(&user), user.directory_state.as_str()),
        (("active", Some("manager")), "present")
    );
    stack
        .probe
        .wait_for("user.activated", EVENT_WAIT, about(carol))
        .await;
    stack.shutdown().await;
}

#[tokio::test]
async fn a_hard_deleted_leaver_is_deactivated() {
    let (stack, t, h) = synced().await;
    let dave = h.user("dave");
    stack.sim.hard_delete_user(t.entra, dave).unwrap();

    let event = deactivation(&stack, &t, dave).await;

    assert_eq!(event.reason, DeactivationReason::HardDeleted);
    let user = stack.user(&t, dave).await;
    assert_eq!(user.directory_state, "hard_deleted");
    assert_eq!(user.status_reason.as_deref(), Some("hard_deleted"));
    stack.shutdown().await;
}

#[tokio::test]
async fn a_disabled_leaver_is_deactivated_and_comes_back_when_enabled() {
    let (stack, t, h) = synced().await;
    let erin = h.user("erin");
    stack.sim.disable_user(t.entra, erin).unwrap();

    let event = deactivation(&stack, &t, erin).await;

    assert_eq!(event.reason, DeactivationReason::Disabled);
    assert!(!stack.user(&t, erin).await.account_enabled);

    stack.sim.enable_user(t.entra, erin).unwrap();
    stack.sync_now(&t, SyncKind::Incremental).await;
    assert_eq!(
        access(&stack.user(&t, erin).await),
        ("active", Some("manager"))
    );
    stack.shutdown().await;
}

#[tokio::test]
async fn a_leaver_removed_from_a_nested_group_is_deactivated() {
    let (stack, t, h) = synced().await;
    let carol = h.user("carol");
    // Nurses is nested in Clinical, nested in All Staff: delta reports the change on
    // Nurses only.
    stack.sim.remove_member(t.entra, h.nurses, carol).unwrap();

    let event = deactivation(&stack, &t, carol).await;

    assert_eq!(event.reason, DeactivationReason::RemovedFromGroups);
    let user = stack.user(&t, carol).await;
    assert_eq!(
        (access(&user), user.status_reason.as_deref()),
        (("inactive", None), Some("removed_from_groups"))
    );
    let grants = stack
        .count(&t, &format!("SELECT count(*) FROM directory_user_grants WHERE tenant_id = $1 AND object_id = '{carol}'"))
        .await;
    assert_eq!(
        grants, 0,
        "neither Clinical nor All Staff grants her anything"
    );
    stack.shutdown().await;
}

#[tokio::test]
async fn a_renamed_upn_keeps_the_same_person_and_their_access() {
    let (stack, t, h) = synced().await;
    let alice = h.user("alice");
    let renamed = t.upn("alice.smith");
    stack.sim.rename_upn(t.entra, alice, &renamed).unwrap();

    let run = stack.sync_now(&t, SyncKind::Incremental).await;

    assert_eq!(
        (run.status.as_str(), run.users_updated),
        ("succeeded", 1),
        "{run:#?}"
    );
    let user = stack.user(&t, alice).await;
    assert_eq!(user.user_principal_name, renamed);
    assert_eq!(access(&user), ("active", Some("admin")));
    assert_eq!(
        stack.users(&t).await.len(),
        8,
        "no second row for the new name"
    );
    assert!(
        stack.probe.events("user.deactivated").is_empty()
            && stack.probe.events("user.activated").is_empty(),
        "a rename is not a leaver and a joiner"
    );
    stack.shutdown().await;
}

#[tokio::test]
async fn a_deleted_group_removes_the_access_it_gave() {
    let (stack, t, h) = synced().await;
    // A configured group, and a group nested in another configured one.
    stack.sim.delete_group(t.entra, h.admins).unwrap();
    stack.sim.delete_group(t.entra, h.physicians).unwrap();

    let run = stack.sync_now(&t, SyncKind::Incremental).await;

    assert_eq!(
        (run.status.as_str(), run.users_deactivated),
        ("succeeded", 3),
        "{run:#?}"
    );
    for name in ["alice", "bob", "erin"] {
        let user = stack.user(&t, h.user(name)).await;
        assert_eq!(
            (access(&user), user.status_reason.as_deref()),
            (("inactive", None), Some("removed_from_groups")),
            "{name}"
        );
    }
    assert_eq!(
        access(&stack.user(&t, t.admin).await),
        ("active", Some("admin")),
        "direct"
    );
    let deleted = stack
        .count(&t, &format!("SELECT count(*) FROM directory_groups WHERE tenant_id = $1 AND group_id = '{}' AND deleted_at IS NOT NULL", h.admins))
        .await;
    assert_eq!(deleted, 1);
    stack.shutdown().await;
}
