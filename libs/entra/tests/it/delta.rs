//! Delta rounds for users and groups; cursor persistence; expiry and reset → ResyncRequired.

use std::collections::HashMap;
use std::time::Duration;

use entra_sim::{NewGroup, NewUser, TenantFaults, UserPatch};
use pa_entra::{
    DeltaCursor, DeltaError, DeltaPager, DeltaStart, ErrorKind, GroupChange, RemovalReason,
    UserChange,
};

use crate::support::Ctx;

/// Reads a whole round; returns its changes and the new cursor.
async fn round<T: serde::de::DeserializeOwned>(
    mut pager: DeltaPager<T>,
) -> Result<(Vec<T>, DeltaCursor), DeltaError> {
    let mut changes = Vec::new();
    loop {
        let page = pager
            .next_page()
            .await?
            .expect("a round ends with a cursor");
        changes.extend(page.changes);
        if let Some(cursor) = page.cursor {
            assert!(pager.next_page().await?.is_none());
            return Ok((changes, cursor));
        }
    }
}

#[tokio::test]
async fn user_delta_reports_adds_updates_soft_and_hard_deletes() {
    let ctx = Ctx::new("Delta Hospital").await;
    let t = ctx.tenant.to_string();
    ctx.sim
        .set_tenant_faults(
            t.clone(),
            TenantFaults {
                delta_page_size: Some(3),
                ..TenantFaults::default()
            },
        )
        .unwrap();
    let upn = |n: &str| format!("{n}@{}", ctx.domain);
    for name in ["ann", "bob", "cat", "dan", "eve"] {
        ctx.sim
            .add_user(t.clone(), NewUser::new(&upn(name), name))
            .unwrap();
    }
    let graph = ctx.client.graph(ctx.tenant);
    let (initial, cursor) = round(graph.users_delta(DeltaStart::Initial)).await.unwrap();
    assert_eq!(initial.len(), 6, "{initial:?}"); // 5 + admin, over several pages

    // Persist and restore the cursor as a service would.
    let stored = serde_json::to_string(&cursor).unwrap();
    let cursor: DeltaCursor = serde_json::from_str(&stored).unwrap();

    let fay = ctx
        .sim
        .add_user(t.clone(), NewUser::new(&upn("fay"), "fay"))
        .unwrap();
    ctx.sim.disable_user(t.clone(), upn("ann")).unwrap();
    ctx.sim
        .update_user(
            t.clone(),
            upn("bob"),
            UserPatch {
                job_title: Some(Some("Charge Nurse".into())),
                ..UserPatch::default()
            },
        )
        .unwrap();
    let cat = ctx.sim.soft_delete_user(t.clone(), upn("cat")).unwrap();
    let dan = ctx.sim.hard_delete_user(t.clone(), upn("dan")).unwrap();

    let (changes, next) = round(graph.users_delta(DeltaStart::Resume(cursor)))
        .await
        .unwrap();
    let mut upserts = HashMap::new();
    let mut removals = HashMap::new();
    for change in changes {
        match change {
            UserChange::Upserted(u) => {
                upserts.insert(u.user_principal_name.clone().unwrap_or_default(), u);
            }
            UserChange::Removed { id, reason } => {
                removals.insert(id.as_uuid(), reason);
            }
        }
    }
    assert_eq!(upserts[&upn("fay")].id.as_uuid(), fay.id);
    assert_eq!(upserts[&upn("ann")].account_enabled, Some(false));
    assert_eq!(
        upserts[&upn("bob")].job_title.as_deref(),
        Some("Charge Nurse")
    );
    assert!(
        !upserts.contains_key(&upn("eve")),
        "unchanged users are not replayed"
    );
    assert_eq!(removals.get(&cat.id), Some(&RemovalReason::Changed));
    assert_eq!(removals.get(&dan.id), Some(&RemovalReason::Deleted));

    let (quiet, _) = round(graph.users_delta(DeltaStart::Resume(next)))
        .await
        .unwrap();
    assert!(quiet.is_empty(), "{quiet:?}");
}

#[tokio::test]
async fn group_delta_reports_membership_additions_and_removals() {
    let ctx = Ctx::new("Group Delta Hospital").await;
    let t = ctx.tenant.to_string();
    let nurses = ctx
        .sim
        .add_group(t.clone(), NewGroup::security("Nurses"))
        .unwrap();
    let mut ids = Vec::new();
    for i in 0..4 {
        let u = ctx
            .sim
            .add_user(
                t.clone(),
                NewUser::new(&format!("n{i}@{}", ctx.domain), "Nurse"),
            )
            .unwrap();
        ctx.sim.add_member(t.clone(), nurses.id, u.id).unwrap();
        ids.push(u.id);
    }
    let graph = ctx.client.graph(ctx.tenant);
    let (initial, cursor) = round(graph.groups_delta(DeltaStart::Initial))
        .await
        .unwrap();
    let members: usize = initial
        .iter()
        .map(|c| match c {
            GroupChange::Upserted { group, members } if group.id.as_uuid() == nurses.id => {
                members.len()
            }
            _ => 0,
        })
        .sum();
    assert_eq!(members, 4);

    ctx.sim.remove_member(t.clone(), nurses.id, ids[0]).unwrap();
    let extra = ctx
        .sim
        .add_user(
            t.clone(),
            NewUser::new(&format!("n9@{}", ctx.domain), "Nurse"),
        )
        .unwrap();
    ctx.sim.add_member(t.clone(), nurses.id, extra.id).unwrap();
    let temp = ctx
        .sim
        .add_group(t.clone(), NewGroup::security("Temp"))
        .unwrap();
    let (changes, cursor) = round(graph.groups_delta(DeltaStart::Resume(cursor)))
        .await
        .unwrap();
    let mut added = Vec::new();
    let mut removed = Vec::new();
    for change in &changes {
        if let GroupChange::Upserted { group, members } = change
            && group.id.as_uuid() == nurses.id
        {
            for m in members {
                if m.removed {
                    removed.push(m.id)
                } else {
                    added.push(m.id)
                }
            }
        }
    }
    assert_eq!(removed, vec![ids[0]]);
    assert_eq!(added, vec![extra.id]);
    assert!(changes.iter().any(
        |c| matches!(c, GroupChange::Upserted { group, .. } if group.id.as_uuid() == temp.id)
    ));

    ctx.sim.delete_group(t.clone(), temp.id).unwrap();
    let (changes, _) = round(graph.groups_delta(DeltaStart::Resume(cursor)))
        .await
        .unwrap();
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, GroupChange::Removed { id, .. } if id.as_uuid() == temp.id))
    );
}

#[tokio::test]
async fn sync_from_now_returns_only_a_cursor_then_later_changes() {
    let ctx = Ctx::new("Latest Hospital").await;
    let graph = ctx.client.graph(ctx.tenant);
    let (none, cursor) = round(graph.users_delta(DeltaStart::Latest)).await.unwrap();
    assert!(none.is_empty(), "{none:?}");
    ctx.sim
        .add_user(
            ctx.tenant.to_string(),
            NewUser::new(&format!("new@{}", ctx.domain), "New"),
        )
        .unwrap();
    let (changes, _) = round(graph.users_delta(DeltaStart::Resume(cursor)))
        .await
        .unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
}

#[tokio::test]
async fn an_expired_delta_cursor_signals_a_full_resync() {
    let ctx = Ctx::new("Expiry Hospital").await;
    let graph = ctx.client.graph(ctx.tenant);
    let (_, cursor) = round(graph.users_delta(DeltaStart::Initial)).await.unwrap();
    ctx.sim.advance_clock(Duration::from_secs(8 * 24 * 3600));
    let err = round(graph.users_delta(DeltaStart::Resume(cursor)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResyncRequired);
    let DeltaError::ResyncRequired { code, .. } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(code, "syncStateNotFound");
    // The full resync works.
    round(graph.users_delta(DeltaStart::Initial)).await.unwrap();
}

#[tokio::test]
async fn a_forced_sync_reset_410_gone_signals_a_full_resync_with_the_restart_url() {
    let ctx = Ctx::new("Reset Hospital").await;
    let graph = ctx.client.graph(ctx.tenant);
    let (_, cursor) = round(graph.groups_delta(DeltaStart::Initial))
        .await
        .unwrap();
    ctx.sim
        .set_tenant_faults(
            ctx.tenant.to_string(),
            TenantFaults {
                delta_force_reset: 1,
                ..TenantFaults::default()
            },
        )
        .unwrap();
    let err = round(graph.groups_delta(DeltaStart::Resume(cursor)))
        .await
        .unwrap_err();
    let DeltaError::ResyncRequired { code, restart_url } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(code, "resyncRequired");
    assert!(
        restart_url
            .as_deref()
            .is_some_and(|u| u.contains("/groups/delta")),
        "{restart_url:?}"
    );
}

#[tokio::test]
async fn a_cursor_for_another_graph_endpoint_is_refused_as_resync() {
    let ctx = Ctx::new("Foreign Hospital").await;
    let foreign =
        DeltaCursor::new("https://graph.example.invalid/v1.0/users/delta?$deltatoken=abc");
    let err = round(
        ctx.client
            .graph(ctx.tenant)
            .users_delta(DeltaStart::Resume(foreign)),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::ResyncRequired);
}

#[tokio::test]
async fn an_expired_cursor_answered_with_400_also_signals_a_full_resync() {
    let ctx = Ctx::new("Expiry 400 Hospital").await;
    ctx.sim
        .set_tenant_faults(
            ctx.tenant.to_string(),
            TenantFaults {
                delta_expired_status: 400,
                ..TenantFaults::default()
            },
        )
        .unwrap();
    let graph = ctx.client.graph(ctx.tenant);
    let (_, cursor) = round(graph.groups_delta(DeltaStart::Initial))
        .await
        .unwrap();
    ctx.sim.advance_clock(Duration::from_secs(8 * 24 * 3600));
    let err = round(graph.groups_delta(DeltaStart::Resume(cursor)))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, DeltaError::ResyncRequired { code, .. } if code == "syncStateNotFound"),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_large_group_split_over_several_entries_merges_to_its_full_membership() {
    let ctx = Ctx::new("Slice Hospital").await;
    let t = ctx.tenant.to_string();
    ctx.sim
        .set_tenant_faults(
            t.clone(),
            TenantFaults {
                delta_member_slice: Some(2),
                delta_page_size: Some(2),
                ..TenantFaults::default()
            },
        )
        .unwrap();
    let group = ctx
        .sim
        .add_group(t.clone(), NewGroup::security("Big Group"))
        .unwrap();
    for i in 0..7 {
        let u = ctx
            .sim
            .add_user(
                t.clone(),
                NewUser::new(&format!("m{i}@{}", ctx.domain), "M"),
            )
            .unwrap();
        ctx.sim.add_member(t.clone(), group.id, u.id).unwrap();
    }
    let (changes, _) = round(
        ctx.client
            .graph(ctx.tenant)
            .groups_delta(DeltaStart::Initial),
    )
    .await
    .unwrap();
    let mut entries = 0;
    let mut members = std::collections::HashSet::new();
    for change in changes {
        if let GroupChange::Upserted {
            group: g,
            members: slice,
        } = change
            && g.id.as_uuid() == group.id
        {
            entries += 1;
            assert!(slice.len() <= 2);
            members.extend(slice.into_iter().map(|m| m.id));
        }
    }
    assert!(entries >= 4, "{entries}");
    assert_eq!(members.len(), 7);
}
