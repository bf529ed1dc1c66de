//! A bad sync must never lock a hospital out: the last Admin is kept, and a mass
//! deactivation waits for an Admin's decision.

use std::time::Duration;

use entra_sim::{NewGroup, NewUser};
use pa_events::{
    AccessConfigChanged, AccessRole, ConfiguredGroup, HoldDecision, SyncHoldDecided, SyncKind,
    SyncRunFinished, SyncRunOutcome,
};
use uuid::Uuid;

use crate::support::hospital::{self, Hospital};
use crate::support::{Stack, Tenant, access, is_active};

/// Replaces the access configuration with `groups` and no direct assignment (the initial
/// admin's direct role removed), and waits until it is applied.
async fn groups_only(stack: &Stack, t: &Tenant, groups: Vec<(Uuid, AccessRole)>, version: i64) {
    let event = AccessConfigChanged {
        tenant_id: t.id,
        version,
        groups: groups
            .into_iter()
            .map(|(group_id, role)| ConfiguredGroup {
                group_id,
                display_name: "configured".into(),
                role,
            })
            .collect(),
        direct_assignments: vec![],
        changed_by: "user:it-admin".into(),
        full_sync: false,
    };
    let before = stack.run_ids(t).await;
    stack.publish(t.id, &event).await;
    // The change queues an incremental run; wait for it so the next step starts clean.
    stack.wait_run(t, &before, |r| !is_active(r)).await;
}

#[tokio::test]
async fn an_admin_group_emptied_in_entra_does_not_remove_the_last_admin() {
    let stack = Stack::start().await;
    let t = stack.tenant("Lockout Hospital").await;
    let h: Hospital = hospital::build(&stack, &t);
    stack.setup_and_sync(&t, &h.config()).await;
    // Admins only through the admin group from now on.
    groups_only(&stack, &t, h.config(), 2).await;
    assert_eq!(
        access(&stack.user(&t, t.admin).await),
        ("active", Some("viewer"))
    );

    // The admin group is emptied (a bad change in Entra), and a real leaver leaves.
    let (alice, bob, frank) = (h.user("alice"), h.user("bob"), h.user("frank"));
    stack.sim.remove_member(t.entra, h.admins, alice).unwrap();
    stack.sim.remove_member(t.entra, h.it_leads, bob).unwrap();
    stack.sim.disable_user(t.entra, frank).unwrap();
    let run = stack.sync_now(&t, SyncKind::Incremental).await;

    assert_eq!(run.status, "blocked", "{run:#?}");
    assert_eq!(run.error_code.as_deref(), Some("last_admin_protected"));
    assert_eq!(
        access(&stack.user(&t, alice).await),
        ("active", Some("admin"))
    );
    assert_eq!(
        access(&stack.user(&t, bob).await),
        ("active", Some("admin"))
    );
    assert_eq!(
        access(&stack.user(&t, frank).await),
        ("inactive", None),
        "the rest applies"
    );
    let finished = stack
        .probe
        .wait_for("sync.run_finished", Duration::from_secs(20), |e| {
            e.data["run_id"] == run.id.to_string()
        })
        .await;
    let finished: SyncRunFinished = finished.data_as().unwrap();
    assert_eq!(finished.outcome, SyncRunOutcome::Blocked);
    let audited = stack
        .count(
            &t,
            "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'sync.run_blocked'",
        )
        .await;
    assert_eq!(audited, 1);

    // Once someone else is an Admin, the kept Admins' demotion goes through.
    stack
        .sim
        .add_member(t.entra, h.admins, h.user("carol"))
        .unwrap();
    let run = stack.sync_now(&t, SyncKind::Incremental).await;
    assert_eq!(run.status, "succeeded", "{run:#?}");
    assert_eq!(
        access(&stack.user(&t, h.user("carol")).await),
        ("active", Some("admin"))
    );
    assert_eq!(access(&stack.user(&t, alice).await), ("inactive", None));
    assert_eq!(access(&stack.user(&t, bob).await), ("inactive", None));
    stack.shutdown().await;
}

/// A tenant with an admin group (the initial admin) and 30 staff (viewers), synced.
async fn thirty_staff(stack: &Stack, name: &str) -> (Tenant, Uuid, Vec<Uuid>) {
    let t = stack.tenant(name).await;
    let admins = stack
        .sim
        .add_group(t.entra, NewGroup::security("Admins"))
        .unwrap()
        .id;
    let staff = stack
        .sim
        .add_group(t.entra, NewGroup::security("Staff"))
        .unwrap()
        .id;
    stack.sim.add_member(t.entra, admins, t.admin).unwrap();
    let mut users = Vec::new();
    for i in 0..30 {
        let id = stack
            .sim
            .add_user(
                t.entra,
                NewUser::new(&t.upn(&format!("staff{i:02}")), "Staff"),
            )
            .unwrap()
            .id;
        stack.sim.add_member(t.entra, staff, id).unwrap();
        users.push(id);
    }
    let run = stack
        .setup_and_sync(
            &t,
            &[(admins, AccessRole::Admin), (staff, AccessRole::Viewer)],
        )
        .await;
    assert_eq!((run.status.as_str(), run.users_created), ("succeeded", 31));
    (t, staff, users)
}

/// Removes 15 of the 30 staff from their group and syncs: the run is held.
async fn mass_removal(stack: &Stack, t: &Tenant, staff: Uuid, users: &[Uuid]) -> Uuid {
    for id in &users[..15] {
        stack.sim.remove_member(t.entra, staff, *id).unwrap();
    }
    let run = stack.sync_now(t, SyncKind::Incremental).await;
    assert_eq!(
        (run.status.as_str(), run.held_changes, run.users_deactivated),
        ("held", 15, 0),
        "{run:#?}"
    );
    for id in &users[..15] {
        assert_eq!(
            access(&stack.user(t, *id).await),
            ("active", Some("viewer"))
        );
    }
    let held = stack
        .count(t, &format!("SELECT count(*) FROM sync_held_changes WHERE tenant_id = $1 AND run_id = '{}' AND change = 'deactivate' AND reason = 'removed_from_groups'", run.id))
        .await;
    assert_eq!(held, 15);
    run.id
}

async fn decide(stack: &Stack, t: &Tenant, run: Uuid, decision: HoldDecision) {
    let event = SyncHoldDecided {
        tenant_id: t.id,
        run_id: run,
        decision,
        decided_by: "user:it-admin".into(),
    };
    stack.publish(t.id, &event).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while stack
        .runs(t)
        .await
        .iter()
        .any(|r| r.id == run && r.status == "held")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the decision was not applied"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_mass_removal_is_held_until_an_admin_approves() {
    let stack = Stack::start().await;
    let (t, staff, users) = thirty_staff(&stack, "Hold Hospital").await;
    let held_run = mass_removal(&stack, &t, staff, &users).await;

    // Later runs (a full one looks at everyone) keep the held users as they are while the
    // decision is pending, without holding them a second time.
    let run = stack.sync_now(&t, SyncKind::Full).await;
    assert_eq!(
        (run.status.as_str(), run.users_deactivated),
        ("succeeded", 0),
        "{run:#?}"
    );

    decide(&stack, &t, held_run, HoldDecision::Approve).await;

    let run = stack
        .runs(&t)
        .await
        .into_iter()
        .find(|r| r.id == held_run)
        .unwrap();
    assert_eq!(
        (run.status.as_str(), run.users_deactivated),
        ("approved", 15),
        "{run:#?}"
    );
    assert_eq!(run.decided_by.as_deref(), Some("user:it-admin"));
    for id in &users[..15] {
        let user = stack.user(&t, *id).await;
        assert_eq!(
            (access(&user), user.status_reason.as_deref()),
            (("inactive", None), Some("removed_from_groups"))
        );
    }
    for id in &users[15..] {
        assert_eq!(
            access(&stack.user(&t, *id).await),
            ("active", Some("viewer"))
        );
    }
    let event = stack
        .probe
        .wait_for("user.deactivated", Duration::from_secs(20), |e| {
            e.data["object_id"] == users[0].to_string()
        })
        .await;
    assert_eq!(event.data["run_id"], held_run.to_string());
    stack.shutdown().await;
}

#[tokio::test]
async fn a_rejected_hold_discards_its_deactivations() {
    let stack = Stack::start().await;
    let (t, staff, users) = thirty_staff(&stack, "Reject Hospital").await;
    let held_run = mass_removal(&stack, &t, staff, &users).await;

    decide(&stack, &t, held_run, HoldDecision::Reject).await;

    let run = stack
        .runs(&t)
        .await
        .into_iter()
        .find(|r| r.id == held_run)
        .unwrap();
    assert_eq!(
        (run.status.as_str(), run.users_deactivated),
        ("rejected", 0)
    );
    for id in &users {
        assert_eq!(
            access(&stack.user(&t, *id).await),
            ("active", Some("viewer"))
        );
    }
    let audited = stack
        .count(
            &t,
            "SELECT count(*) FROM audit_log WHERE tenant_id = $1 AND action = 'sync.hold_rejected'",
        )
        .await;
    assert_eq!(audited, 1);
    // The directory still says they left: the next full reconcile holds them again.
    let run = stack.sync_now(&t, SyncKind::Full).await;
    assert_eq!(
        (run.status.as_str(), run.held_changes),
        ("held", 15),
        "{run:#?}"
    );
    stack.shutdown().await;
}
