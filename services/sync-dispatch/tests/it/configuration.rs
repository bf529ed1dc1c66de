//! Access-configuration changes (`access.config_changed`): roles re-derived at once from
//! what is held, direct assignments winning over groups, late snapshots ignored.

use std::collections::HashSet;
use std::time::Duration;

use pa_events::{
    AccessConfigChanged, AccessRole, ConfiguredGroup, DeactivationReason, DirectAssignment,
    UserDeactivated, UserRoleChanged,
};
use uuid::Uuid;

use crate::support::hospital::{self, Hospital};
use crate::support::{Stack, Tenant, access, is_active};

fn config(
    t: &Tenant,
    version: i64,
    groups: &[(Uuid, AccessRole)],
    direct: &[(Uuid, AccessRole)],
) -> AccessConfigChanged {
    AccessConfigChanged {
        tenant_id: t.id,
        version,
        groups: groups
            .iter()
            .map(|(group_id, role)| ConfiguredGroup {
                group_id: *group_id,
                display_name: "configured".into(),
                role: *role,
            })
            .collect(),
        direct_assignments: direct
            .iter()
            .map(|(object_id, role)| DirectAssignment {
                object_id: *object_id,
                role: *role,
            })
            .collect(),
        changed_by: "user:it-admin".into(),
        full_sync: false,
    }
}

/// Publishes the change and waits until it is applied (its version recorded).
async fn apply(stack: &Stack, t: &Tenant, change: &AccessConfigChanged) {
    stack.publish(t.id, change).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stack
        .count(
            t,
            "SELECT config_version FROM sync_tenants WHERE tenant_id = $1",
        )
        .await
        < change.version
    {
        assert!(tokio::time::Instant::now() < deadline, "not applied");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn hospital_synced(stack: &Stack) -> (Tenant, Hospital) {
    let t = stack.tenant("Config Hospital").await;
    let h = hospital::build(stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;
    (t, h)
}

#[tokio::test]
async fn a_configuration_change_re_derives_roles_at_once_and_direct_assignments_win() {
    let stack = Stack::start().await;
    let (t, h) = hospital_synced(&stack).await;
    let (frank, carol) = (h.user("frank"), h.user("carol"));
    // Clinical now gives viewer; frank (a viewer by group) is made an admin directly; the
    // initial admin's direct assignment goes.
    let v2 = config(
        &t,
        2,
        &[
            (h.admins, AccessRole::Admin),
            (h.clinical, AccessRole::Viewer),
            (h.all_staff, AccessRole::Viewer),
        ],
        &[(frank, AccessRole::Admin)],
    );
    let runs_before = stack.runs(&t).await.len();
    apply(&stack, &t, &v2).await;

    // Applied by the consumer itself, before any run.
    let f = stack.user(&t, frank).await;
    assert_eq!(
        (access(&f), f.role_source.as_deref()),
        (("active", Some("admin")), Some("direct"))
    );
    assert_eq!(
        access(&stack.user(&t, carol).await),
        ("active", Some("viewer"))
    );
    let admin = stack.user(&t, t.admin).await;
    assert_eq!(
        (access(&admin), admin.role_source.as_deref()),
        (("active", Some("viewer")), Some("group"))
    );
    assert!(stack.runs(&t).await.len() <= runs_before + 1);
    let event = stack
        .probe
        .wait_for("user.role_changed", Duration::from_secs(20), |e| {
            e.data["object_id"] == carol.to_string()
        })
        .await;
    let event: UserRoleChanged = event.data_as().unwrap();
    assert_eq!(
        (event.previous_role, event.role, event.run_id),
        (AccessRole::Manager, AccessRole::Viewer, None)
    );
    let audited = stack
        .count(&t, "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'sync.access_config_applied'")
        .await;
    assert_eq!(audited, 1);

    // An older snapshot arriving late changes nothing.
    let v1 = config(&t, 1, &h.config(), &[(t.admin, AccessRole::Admin)]);
    stack.publish(t.id, &v1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(
        access(&stack.user(&t, carol).await),
        ("active", Some("viewer"))
    );

    // Frank's assignment removed and All Staff unconfigured: frank keeps nothing.
    let v3 = config(
        &t,
        3,
        &[
            (h.admins, AccessRole::Admin),
            (h.clinical, AccessRole::Viewer),
        ],
        &[],
    );
    apply(&stack, &t, &v3).await;
    let f = stack.user(&t, frank).await;
    assert_eq!(
        (access(&f), f.status_reason.as_deref()),
        (("inactive", None), Some("assignment_removed"))
    );
    let event = stack
        .probe
        .wait_for("user.deactivated", Duration::from_secs(20), |e| {
            e.data["object_id"] == frank.to_string()
        })
        .await;
    let event: UserDeactivated = event.data_as().unwrap();
    assert_eq!(event.reason, DeactivationReason::AssignmentRemoved);
    assert_eq!(
        access(&stack.user(&t, t.admin).await),
        ("inactive", None),
        "only All Staff had them"
    );
    assert_eq!(
        access(&stack.user(&t, carol).await),
        ("active", Some("viewer"))
    );
    stack.shutdown().await;
}

#[tokio::test]
async fn a_user_assigned_directly_outside_every_group_is_fetched_and_activated() {
    let stack = Stack::start().await;
    let (t, h) = hospital_synced(&stack).await;
    let oscar = h.user("oscar");
    let before: HashSet<_> = stack.run_ids(&t).await;

    let change = config(
        &t,
        2,
        &h.config(),
        &[(t.admin, AccessRole::Admin), (oscar, AccessRole::Manager)],
    );
    stack.publish(t.id, &change).await;

    let run = stack
        .wait_run(&t, &before, |r| {
            r.trigger == "config_change" && !is_active(r)
        })
        .await;
    assert_eq!(
        (run.kind.as_str(), run.status.as_str(), run.users_created),
        ("incremental", "succeeded", 1),
        "{run:#?}"
    );
    let o = stack.user(&t, oscar).await;
    assert_eq!(
        (access(&o), o.role_source.as_deref()),
        (("active", Some("manager")), Some("direct"))
    );
    stack.shutdown().await;
}
