//! Where a run writes what it reads: the staging tables (applied at the end), or — for a
//! tenant's initial load — the directory itself, inside the run's one open transaction
//! (`repo::initial`).

use std::collections::HashMap;
use std::sync::Arc;

use pa_db::{Postgres, Transaction};
use tokio::sync::Mutex;
use uuid::Uuid;

use super::{RunCtx, RunError};
use crate::repo::initial;
use crate::repo::staging::{self, StagedUsers};

/// The open transaction of an initial load.
pub struct InitialLoad {
    pub tx: Transaction<'static, Postgres>,
    /// The role each configured group gives, as the run started.
    pub roles: HashMap<Uuid, String>,
    /// `sync_tenants.config_version` as the run started (a change meanwhile means the roles
    /// written must be derived again before commit).
    pub config_version: i64,
}

impl std::fmt::Debug for InitialLoad {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InitialLoad")
            .field("config_version", &self.config_version)
            .finish_non_exhaustive()
    }
}

/// See the module docs.
#[derive(Clone)]
pub enum Sink {
    Staging,
    Initial(Arc<Mutex<InitialLoad>>),
}

impl Sink {
    /// Writes users read from `group` (or, without one, users read one by one), counting
    /// them in the run's progress; `total` is Graph's `$count` when it gave one.
    pub async fn users(
        &self,
        ctx: &RunCtx,
        seq: &mut i64,
        rows: &StagedUsers,
        in_scope: bool,
        group: Option<Uuid>,
        total: Option<u64>,
    ) -> Result<(), RunError> {
        match self {
            Sink::Staging => {
                staging::stage_users(&ctx.pool, ctx.target(*seq), rows, in_scope, group, total)
                    .await?;
            }
            Sink::Initial(load) => {
                // Users gone from the directory are not part of an initial load.
                if in_scope {
                    let mut load = load.lock().await;
                    let role = group.and_then(|g| load.roles.get(&g).cloned());
                    let group = group.zip(role.as_deref());
                    initial::write_page(&mut load.tx, ctx.tenant, ctx.run, rows, group).await?;
                }
                staging::progress(&ctx.pool, ctx.tenant, ctx.run, rows.len() as u64, total).await?;
            }
        }
        *seq += i64::try_from(rows.len()).unwrap_or(0);
        Ok(())
    }
}
