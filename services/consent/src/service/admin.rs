//! Step 4: the initial administrator — any enabled user of the directory, looked up by UPN.
//! On finish the user is a direct `admin` (no sync removes it) and, when they have a mail
//! address, is mailed the admin console's URL. If groups are already chosen, whether the new
//! administrator is in each is looked up again.

use futures::{StreamExt, TryStreamExt};
use pa_entra::{ErrorKind, GroupId, UserId};

use super::attention::graph_failure;
use super::{directory_of, lock_for, precheck};
use crate::context::WizardCtx;
use crate::domain::{Step, Upn};
use crate::error::ApiError;
use crate::repo::groups as group_rows;
use crate::repo::wizards::{self, Admin};
use crate::state::AppState;

pub async fn set(state: &AppState, ctx: &WizardCtx, input: &str) -> Result<(), ApiError> {
    let upn = Upn::parse(input).map_err(|e| ApiError::InvalidUpn(e.to_string()))?;
    let (wizard, groups) = precheck(state, ctx, Step::Admin).await?;
    let directory = directory_of(&wizard)?;
    let graph = state.entra.graph(directory);
    let user = match graph.user_by_upn(upn.as_str()).await {
        Ok(user) => user,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(ApiError::UserNotFound(upn.as_str().to_owned()));
        }
        Err(e) => return Err(graph_failure(state, ctx, e).await),
    };
    if user.account_enabled == Some(false) {
        return Err(ApiError::UserDisabled(upn.as_str().to_owned()));
    }
    let user_id = UserId::from_uuid(user.id.as_uuid());
    let membership: Result<Vec<(uuid::Uuid, bool)>, _> = futures::stream::iter(groups.iter())
        .map(|g| {
            let graph = graph.clone();
            async move {
                graph
                    .has_transitive_member(GroupId::from_uuid(g.group_id), user_id)
                    .await
                    .map(|m| (g.group_id, m))
            }
        })
        .buffered(4)
        .try_collect()
        .await;
    let membership = match membership {
        Ok(m) => m,
        Err(e) => return Err(graph_failure(state, ctx, e).await),
    };
    let now = state.now();
    let mut tx = pa_db::begin_tenant(&state.pool, ctx.tenant).await?;
    lock_for(&mut tx, ctx, Step::Admin, Some(directory.as_uuid())).await?;
    let upn_stored = user
        .user_principal_name
        .clone()
        .unwrap_or_else(|| upn.as_str().to_owned());
    wizards::set_admin(
        &mut tx,
        ctx.tenant,
        now,
        &Admin {
            object_id: user.id.as_uuid(),
            upn: &upn_stored,
            display_name: user.display_name.as_deref(),
            mail: user.mail.as_deref(),
        },
    )
    .await?;
    group_rows::set_admin_membership(&mut tx, ctx.tenant, &membership).await?;
    let entry = ctx
        .audit("admin.set")
        .target("user", user.id)
        .details(serde_json::json!({ "user_principal_name": upn_stored }));
    pa_audit::record_tenant(&mut tx, ctx.tenant, &entry).await?;
    tx.commit().await?;
    Ok(())
}
