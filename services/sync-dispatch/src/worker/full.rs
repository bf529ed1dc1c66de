//! A full sync: every configured group's transitive user members, every directly assigned
//! user, and fresh delta positions for the incremental runs that follow.

use pa_entra::{DeltaError, DeltaPager, DeltaStart};

use super::read::{read_groups, read_users};
use super::{RunCtx, RunError, Staged};
use crate::repo::config;

/// Staging sequence numbers of directly assigned users (after any group member's).
const DIRECT_SEQ: i64 = 1 << 48;

/// Reads everything into staging (nothing is applied here).
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
    let (mut group_seq, mut direct_seq) = (0, DIRECT_SEQ);
    let (users_delta_link, groups_delta_link, read, direct_staged) = tokio::try_join!(
        latest(ctx.graph.users_delta(DeltaStart::Latest)),
        latest(ctx.graph.groups_delta(DeltaStart::Latest)),
        read_groups(
            ctx,
            groups.iter().map(|g| g.group_id).collect(),
            &mut group_seq
        ),
        read_users(ctx, &direct, &mut direct_seq),
    )?;
    Ok(Staged {
        full: true,
        reread: read.found,
        deleted: read.gone,
        users_delta_link: Some(users_delta_link),
        groups_delta_link: Some(groups_delta_link),
        staged: read.staged + direct_staged,
    })
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
