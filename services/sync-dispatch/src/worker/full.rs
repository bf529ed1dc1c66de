//! A full sync: every configured group's transitive user members, every directly assigned
//! user, and fresh delta positions for the incremental runs that follow.

use pa_entra::{DeltaError, DeltaPager, DeltaStart};

use std::sync::Arc;

use super::read::{read_groups, read_users};
use super::sink::{InitialLoad, Sink};
use super::{RunCtx, RunError, Staged};
use crate::repo::config;

/// Staging sequence numbers of directly assigned users (after any group member's).
const DIRECT_SEQ: i64 = 1 << 48;

/// Reads everything into staging, or — for an initial load — into the run's open
/// transaction (nothing is committed here).
pub async fn run(ctx: &RunCtx) -> Result<Staged, RunError> {
    let (groups, direct) = {
        let mut tx = pa_db::begin_tenant(&ctx.pool, ctx.tenant).await?;
        let groups = config::groups(&mut tx, ctx.tenant).await?;
        let direct = config::direct_users(&mut tx, ctx.tenant, false).await?;
        tx.commit().await?;
        (groups, direct)
    };
    // Everything at once. The delta positions are taken before the group reads end, so
    // whatever changes while the groups are read is seen again by the next incremental run
    // (a duplicate is harmless). Directly assigned users get their own staging sequence.
    let sink = match begin_initial_load(ctx).await? {
        Some(load) => Sink::Initial(Arc::new(tokio::sync::Mutex::new(load))),
        None => Sink::Staging,
    };
    let (mut group_seq, mut direct_seq) = (0, DIRECT_SEQ);
    let ids = groups.iter().map(|g| g.group_id).collect();
    let (users_delta_link, groups_delta_link, read, direct_staged) = tokio::try_join!(
        latest(ctx.graph.users_delta(DeltaStart::Latest)),
        latest(ctx.graph.groups_delta(DeltaStart::Latest)),
        read_groups(ctx, &sink, ids, &mut group_seq),
        read_users(ctx, &sink, &direct, &mut direct_seq),
    )?;
    let initial = match sink {
        Sink::Initial(load) => Some(
            Arc::try_unwrap(load)
                .map_err(|_| RunError::Stopped)?
                .into_inner(),
        ),
        Sink::Staging => None,
    };
    Ok(Staged {
        full: true,
        reread: read.found,
        deleted: read.gone,
        users_delta_link: Some(users_delta_link),
        groups_delta_link: Some(groups_delta_link),
        staged: read.staged + direct_staged,
        initial,
    })
}

/// When the tenant has never been synced and holds no user, opens the transaction its
/// initial load writes in (see `repo::initial`).
async fn begin_initial_load(ctx: &RunCtx) -> Result<Option<InitialLoad>, RunError> {
    let mut tx = pa_db::begin_tenant(&ctx.pool, ctx.tenant).await?;
    let state: Option<(bool, i64)> = sqlx::query_as(
        "SELECT last_success_at IS NULL
                AND NOT EXISTS (SELECT 1 FROM directory_users WHERE tenant_id = $1),
                config_version
           FROM sync_tenants WHERE tenant_id = $1",
    )
    .bind(ctx.tenant)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((true, config_version)) = state else {
        return Ok(None);
    };
    let roles = sqlx::query_as::<_, (uuid::Uuid, String)>(
        "SELECT group_id, role FROM sync_access_groups WHERE tenant_id = $1",
    )
    .bind(ctx.tenant)
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .collect();
    Ok(Some(InitialLoad {
        tx,
        roles,
        config_version,
    }))
}

/// The delta position of "now" (`$deltatoken=latest`: one page, no objects).
async fn latest<T: serde::de::DeserializeOwned>(
    mut pager: DeltaPager<T>,
) -> Result<String, RunError> {
    loop {
        match pager.next_page().await {
            Ok(Some(page)) => {
                if let Some(cursor) = page.cursor {
                    return Ok(cursor.as_str().to_owned());
                }
            }
            Ok(None) => return Err(RunError::ResyncRequired),
            Err(DeltaError::ResyncRequired { .. }) => return Err(RunError::ResyncRequired),
            Err(DeltaError::Entra(e)) => return Err(e.into()),
            Err(e) => {
                return Err(RunError::Graph(pa_entra::EntraError::Configuration(
                    e.to_string(),
                )));
            }
        }
    }
}
