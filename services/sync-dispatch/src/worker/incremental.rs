//! An incremental sync: Graph delta for users and groups since the stored positions.
//!
//! Users delta gives attribute changes (UPN, name, mail, enabled) and deletions, staged for
//! the users already known. Groups delta gives membership changes, but only on the group
//! whose direct members changed, never on the groups it is nested in: so a configured group
//! is re-read completely (transitive members) when delta reports a change to it or to any
//! group nested under it (`sync_group_closure`, recorded at each read), when it was never
//! read, or its nested groups changed. Delta may repeat objects: staging keeps the last word,
//! and applying the same state twice changes nothing.

use std::collections::HashSet;

use pa_entra::{DeltaCursor, DeltaError, DeltaStart, GroupChange};
use uuid::Uuid;

use super::read::{read_groups, read_users};
use super::sink::Sink;
use super::{RunCtx, RunError, Staged};
use crate::repo::config;
use crate::repo::staging::{self, StagedUsers};

/// Reads the changes into staging (nothing is applied here).
pub async fn run(ctx: &RunCtx, users_link: &str, groups_link: &str) -> Result<Staged, RunError> {
    let mut seq = 0i64;
    let mut staged = 0u64;
    let mut users = ctx
        .graph
        .users_delta(DeltaStart::Resume(DeltaCursor::new(users_link)));
    let mut users_delta_link = None;
    while let Some(page) = users.next_page().await.map_err(delta)? {
        let mut rows = StagedUsers::with_capacity(page.changes.len());
        for change in page.changes {
            rows.push_change(change);
        }
        if !rows.is_empty() {
            staging::stage_users(&ctx.pool, ctx.target(seq), &rows, false, None, None).await?;
            seq += i64::try_from(rows.len()).unwrap_or(0);
            staged += rows.len() as u64;
        } else {
            staging::count_page(&ctx.pool, ctx.tenant, ctx.run, 0).await?;
        }
        users_delta_link = page
            .cursor
            .map(|c| c.as_str().to_owned())
            .or(users_delta_link);
    }

    // Groups whose membership changed (or that are gone), and groups changed in any way.
    let mut membership: HashSet<Uuid> = HashSet::new();
    let mut touched: HashSet<Uuid> = HashSet::new();
    let mut removed: HashSet<Uuid> = HashSet::new();
    let mut groups = ctx
        .graph
        .groups_delta(DeltaStart::Resume(DeltaCursor::new(groups_link)));
    let mut groups_delta_link = None;
    while let Some(page) = groups.next_page().await.map_err(delta)? {
        let objects = page.changes.len() as u64;
        for change in page.changes {
            match change {
                GroupChange::Upserted { group, members } => {
                    touched.insert(group.id.as_uuid());
                    if !members.is_empty() {
                        membership.insert(group.id.as_uuid());
                    }
                }
                GroupChange::Removed { id, .. } => {
                    removed.insert(id.as_uuid());
                    membership.insert(id.as_uuid());
                }
            }
        }
        staging::count_page(&ctx.pool, ctx.tenant, ctx.run, objects).await?;
        groups_delta_link = page
            .cursor
            .map(|c| c.as_str().to_owned())
            .or(groups_delta_link);
    }

    let (configured, closure, unknown_direct) = {
        let mut tx = pa_db::begin_tenant(&ctx.pool, ctx.tenant).await?;
        let configured = config::groups(&mut tx, ctx.tenant).await?;
        let closure = config::closure(&mut tx, ctx.tenant).await?;
        let unknown = config::direct_users(&mut tx, ctx.tenant, true).await?;
        tx.commit().await?;
        (configured, closure, unknown)
    };
    let mut deleted = Vec::new();
    let mut reread = Vec::new();
    for group in &configured {
        let id = group.group_id;
        if removed.contains(&id) {
            deleted.push(id);
            continue;
        }
        // A configured group is re-read on any change of its own (its name too), or when
        // the membership of a group nested under it changed.
        let subtree_changed = closure
            .iter()
            .any(|(parent, nested)| *parent == id && membership.contains(nested));
        if touched.contains(&id)
            || membership.contains(&id)
            || subtree_changed
            || group.last_synced_at.is_none()
        {
            reread.push(id);
        }
    }
    let read = read_groups(ctx, &Sink::Staging, reread, &mut seq).await?;
    staged += read.staged + read_users(ctx, &Sink::Staging, &unknown_direct, &mut seq).await?;
    let mut gone = read.gone;
    gone.extend(deleted);
    Ok(Staged {
        full: false,
        reread: read.found,
        deleted: gone,
        users_delta_link,
        groups_delta_link,
        staged,
        initial: None,
    })
}

fn delta(e: DeltaError) -> RunError {
    match e {
        DeltaError::ResyncRequired { .. } => RunError::ResyncRequired,
        DeltaError::Entra(e) => RunError::Graph(e),
        other => RunError::Graph(pa_entra::EntraError::Configuration(other.to_string())),
    }
}
