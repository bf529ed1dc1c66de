//! Reading configured groups from Graph into staging: a reader task fetches pages (several
//! groups at once) and hands them through a bounded channel to the writer, which stages
//! each page in one statement while the next ones are fetched. Memory stays bounded by the
//! channel: a few pages, whatever the directory size.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt};
use pa_entra::{ErrorKind, GraphClient, GroupId, MemberScope, PageSize, User};
use tokio::sync::mpsc;
use uuid::Uuid;

use super::sink::Sink;
use super::{AbortOnDrop, RunCtx, RunError};
use crate::repo::staging::{self, StagedUsers};

/// What the reader hands the writer.
enum Batch {
    /// The group exists; its current name.
    Found { group: Uuid, name: String },
    /// The group is gone (404): it grants nothing any more.
    Gone { group: Uuid },
    /// A page of the group's transitive user members (`count`: Graph's `$count`, first page).
    Users {
        group: Uuid,
        users: Vec<User>,
        count: Option<u64>,
    },
    /// A page of the group's nested groups.
    Nested { group: Uuid, ids: Vec<Uuid> },
}

/// What was read: groups read completely (with their names) and groups found deleted.
#[derive(Debug, Default)]
pub struct GroupsRead {
    pub found: Vec<(Uuid, String)>,
    pub gone: Vec<Uuid>,
    /// Rows staged.
    pub staged: u64,
}

/// Reads every group of `groups` (transitive user members with page size 999, and nested
/// groups) into `sink`; `seq` is the next staging sequence number.
pub async fn read_groups(
    ctx: &RunCtx,
    sink: &Sink,
    groups: Vec<Uuid>,
    seq: &mut i64,
) -> Result<GroupsRead, RunError> {
    if groups.is_empty() {
        return Ok(GroupsRead::default());
    }
    let (tx, mut rx) = mpsc::channel::<Batch>(usize::from(ctx.settings.page_buffer.max(1)));
    let graph = ctx.graph.clone();
    let concurrency = usize::from(ctx.settings.group_read_concurrency.max(1));
    let reader = AbortOnDrop(tokio::spawn(async move {
        futures::stream::iter(groups)
            .map(|group| read_group(graph.clone(), group, tx.clone()))
            .buffer_unordered(concurrency)
            .try_collect::<Vec<()>>()
            .await
            .map(drop)
    }));
    let mut state: BTreeMap<Uuid, Option<String>> = BTreeMap::new();
    let mut staged = 0u64;
    while let Some(batch) = rx.recv().await {
        match batch {
            Batch::Found { group, name } => {
                state.insert(group, Some(name));
            }
            Batch::Gone { group } => {
                state.insert(group, None);
            }
            Batch::Users {
                group,
                users,
                count,
            } => {
                let mut rows = StagedUsers::with_capacity(users.len());
                for user in users {
                    rows.push_user(user);
                }
                sink.users(ctx, seq, &rows, true, Some(group), count)
                    .await?;
                staged += rows.len() as u64;
            }
            Batch::Nested { group, ids } => {
                staging::stage_nested(&ctx.pool, ctx.target(*seq), group, &ids).await?;
            }
        }
    }
    // The channel closed: the reader finished (or failed, which its result says).
    reader.join().await?;
    let mut read = GroupsRead {
        staged,
        ..GroupsRead::default()
    };
    for (group, name) in state {
        match name {
            Some(name) => read.found.push((group, name)),
            None => read.gone.push(group),
        }
    }
    Ok(read)
}

/// One group: its name, its transitive user members and its nested groups, the three read
/// at once (the member pages are the only chain that must be read one after another).
async fn read_group(
    graph: GraphClient,
    group: Uuid,
    tx: mpsc::Sender<Batch>,
) -> Result<(), RunError> {
    let id = GroupId::from_uuid(group);
    let (meta, members, ()) = tokio::try_join!(
        async {
            match graph.group(id).await {
                Ok(meta) => Ok(Some(meta)),
                Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
                Err(e) => Err(RunError::from(e)),
            }
        },
        read_members(&graph, id, &tx),
        read_nested(&graph, id, &tx),
    )?;
    let batch = match (meta, members) {
        (Some(meta), true) => Batch::Found {
            group,
            name: meta.display_name.unwrap_or_default(),
        },
        // Not found, or deleted while we read it.
        _ => Batch::Gone { group },
    };
    tx.send(batch).await.map_err(|_| RunError::Stopped)
}

/// The group's transitive user members, page by page; false when the group is not found.
async fn read_members(
    graph: &GraphClient,
    id: GroupId,
    tx: &mpsc::Sender<Batch>,
) -> Result<bool, RunError> {
    let group = id.as_uuid();
    let mut members = graph.member_users(id, MemberScope::Transitive, PageSize::MAX);
    loop {
        match members.next_page().await {
            Ok(Some(page)) => {
                let batch = Batch::Users {
                    group,
                    users: page.items,
                    count: page.count,
                };
                tx.send(batch).await.map_err(|_| RunError::Stopped)?;
            }
            Ok(None) => return Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(e.into()),
        }
    }
}

/// The groups nested (at any depth) in the group. A Microsoft 365 group cannot contain
/// groups: Graph answers 400 to the cast, which reads as none.
async fn read_nested(
    graph: &GraphClient,
    id: GroupId,
    tx: &mpsc::Sender<Batch>,
) -> Result<(), RunError> {
    let group = id.as_uuid();
    let mut nested = graph.member_groups(id, MemberScope::Transitive, PageSize::MAX);
    loop {
        match nested.next_page().await {
            Ok(Some(page)) => {
                let ids = page.items.iter().map(|g| g.id.as_uuid()).collect();
                tx.send(Batch::Nested { group, ids })
                    .await
                    .map_err(|_| RunError::Stopped)?;
            }
            Ok(None) => return Ok(()),
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::NotFound | ErrorKind::BadRequest | ErrorKind::UnsupportedQuery
                ) =>
            {
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Reads users one by one (directly assigned users) into `sink`, in scope; a user Graph no
/// longer has is staged as gone (applied only if already known). Returns rows staged.
pub async fn read_users(
    ctx: &RunCtx,
    sink: &Sink,
    ids: &[Uuid],
    seq: &mut i64,
) -> Result<u64, RunError> {
    let mut present = StagedUsers::with_capacity(ids.len());
    let mut gone = StagedUsers::with_capacity(0);
    for id in ids {
        match ctx.graph.user(pa_entra::UserId::from_uuid(*id)).await {
            Ok(user) => present.push_user(user),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                gone.push_removed(*id, pa_entra::RemovalReason::Changed);
            }
            Err(e) => return Err(e.into()),
        }
    }
    let mut staged = 0;
    for (rows, in_scope) in [(&present, true), (&gone, false)] {
        if rows.is_empty() {
            continue;
        }
        sink.users(ctx, seq, rows, in_scope, None, None).await?;
        staged += rows.len() as u64;
    }
    Ok(staged)
}
