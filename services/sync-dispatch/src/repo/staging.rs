//! Writing what a run reads into the staging tables (0033), one statement per Graph page
//! (its own transaction, under the tenant's context), together with the run's progress.

use pa_domain::TenantId;
use pa_entra::{RemovalReason, User, UserChange};
use sqlx::PgPool;
use uuid::Uuid;

/// The columns of staged users, as arrays bound to one `unnest`.
#[derive(Debug, Default)]
pub struct StagedUsers {
    ids: Vec<Uuid>,
    upns: Vec<Option<String>>,
    names: Vec<Option<String>>,
    mails: Vec<Option<String>>,
    enabled: Vec<Option<bool>>,
    states: Vec<&'static str>,
}

impl StagedUsers {
    pub fn with_capacity(n: usize) -> Self {
        Self {
            ids: Vec::with_capacity(n),
            upns: Vec::with_capacity(n),
            names: Vec::with_capacity(n),
            mails: Vec::with_capacity(n),
            enabled: Vec::with_capacity(n),
            states: Vec::with_capacity(n),
        }
    }

    /// A user as Graph returned it (present in the directory).
    pub fn push_user(&mut self, user: User) {
        self.ids.push(user.id.as_uuid());
        self.upns.push(user.user_principal_name);
        self.names.push(user.display_name);
        self.mails.push(user.mail);
        self.enabled.push(user.account_enabled);
        self.states.push("present");
    }

    /// A user that is gone from the directory (soft- or hard-deleted).
    pub fn push_removed(&mut self, id: Uuid, reason: RemovalReason) {
        self.ids.push(id);
        self.upns.push(None);
        self.names.push(None);
        self.mails.push(None);
        self.enabled.push(None);
        self.states.push(match reason {
            RemovalReason::Deleted => "hard_deleted",
            RemovalReason::Changed | RemovalReason::Unknown => "soft_deleted",
        });
    }

    /// A users-delta entry.
    pub fn push_change(&mut self, change: UserChange) {
        match change {
            UserChange::Upserted(user) => self.push_user(user),
            UserChange::Removed { id, reason } => self.push_removed(id.as_uuid(), reason),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn ids(&self) -> &[Uuid] {
        &self.ids
    }

    /// Ids, UPNs, names, mails and enabled flags, for binding.
    #[allow(clippy::type_complexity)]
    pub fn columns(
        &self,
    ) -> (
        &[Uuid],
        &[Option<String>],
        &[Option<String>],
        &[Option<String>],
        &[Option<bool>],
    ) {
        (
            &self.ids,
            &self.upns,
            &self.names,
            &self.mails,
            &self.enabled,
        )
    }
}

/// Where staged rows go and how they count.
#[derive(Clone, Copy, Debug)]
pub struct Target {
    pub tenant: TenantId,
    pub run: Uuid,
    /// `seq` of the first row (later rows win when a user is staged twice).
    pub seq: i64,
}

/// Stages `users` (in scope or not), as members of `member_of` when given, and adds the
/// page to the run's progress (`objects_total` grows by `total` when Graph counted).
pub async fn stage_users(
    pool: &PgPool,
    at: Target,
    users: &StagedUsers,
    in_scope: bool,
    member_of: Option<Uuid>,
    total: Option<u64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true)),
         staged AS (
             INSERT INTO sync_stage_users (tenant_id, run_id, seq, object_id, in_scope,
                 user_principal_name, display_name, mail, account_enabled, directory_state)
             SELECT $2, $3, $4 + x.ord, x.id, $5, x.upn, x.name, x.mail, x.enabled, x.state
               FROM unnest($6::uuid[], $7::text[], $8::text[], $9::text[], $10::bool[], $11::text[])
                    WITH ORDINALITY AS x(id, upn, name, mail, enabled, state, ord)
              WHERE EXISTS (SELECT 1 FROM tenant_context)
         ), members AS (
             INSERT INTO sync_stage_members (tenant_id, run_id, group_id, object_id)
             SELECT $2, $3, $12, x.id FROM unnest($6::uuid[]) AS x(id)
              WHERE $12::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM tenant_context)
         )
         UPDATE sync_runs SET objects_read = objects_read + $13, pages_read = pages_read + 1,
                objects_total = CASE WHEN $14::bigint IS NULL THEN objects_total
                                     ELSE coalesce(objects_total, 0) + $14 END
          WHERE tenant_id = $2 AND id = $3 AND EXISTS (SELECT 1 FROM tenant_context)",
    )
    .bind(at.tenant.to_string())
    .bind(at.tenant)
    .bind(at.run)
    .bind(at.seq)
    .bind(in_scope)
    .bind(&users.ids)
    .bind(&users.upns)
    .bind(&users.names)
    .bind(&users.mails)
    .bind(&users.enabled)
    .bind(&users.states)
    .bind(member_of)
    .bind(i64::try_from(users.len()).unwrap_or(i64::MAX))
    .bind(total.map(|t| i64::try_from(t).unwrap_or(i64::MAX)))
    .execute(pool)
    .await?;
    Ok(())
}

/// Stages the nested groups of configured group `group` (one page of them).
pub async fn stage_nested(
    pool: &PgPool,
    at: Target,
    group: Uuid,
    nested: &[Uuid],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true))
         INSERT INTO sync_stage_groups (tenant_id, run_id, group_id, nested_group_id)
         SELECT $2, $3, $4, x.id FROM unnest($5::uuid[]) AS x(id)
          WHERE EXISTS (SELECT 1 FROM tenant_context)",
    )
    .bind(at.tenant.to_string())
    .bind(at.tenant)
    .bind(at.run)
    .bind(group)
    .bind(nested)
    .execute(pool)
    .await?;
    Ok(())
}

/// Adds a page to the run's progress (`objects_total` grows by `total` when Graph counted).
pub async fn progress(
    pool: &PgPool,
    tenant: TenantId,
    run: Uuid,
    objects: u64,
    total: Option<u64>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true))
         UPDATE sync_runs SET objects_read = objects_read + $4, pages_read = pages_read + 1,
                objects_total = CASE WHEN $5::bigint IS NULL THEN objects_total
                                     ELSE coalesce(objects_total, 0) + $5 END
          WHERE tenant_id = $2 AND id = $3 AND EXISTS (SELECT 1 FROM tenant_context)",
    )
    .bind(tenant.to_string())
    .bind(tenant)
    .bind(run)
    .bind(i64::try_from(objects).unwrap_or(i64::MAX))
    .bind(total.map(|t| i64::try_from(t).unwrap_or(i64::MAX)))
    .execute(pool)
    .await?;
    Ok(())
}

/// Counts a Graph page that staged nothing (delta pages of groups, empty pages).
pub async fn count_page(
    pool: &PgPool,
    tenant: TenantId,
    run: Uuid,
    objects: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true))
         UPDATE sync_runs SET objects_read = objects_read + $4, pages_read = pages_read + 1
          WHERE tenant_id = $2 AND id = $3 AND EXISTS (SELECT 1 FROM tenant_context)",
    )
    .bind(tenant.to_string())
    .bind(tenant)
    .bind(run)
    .bind(i64::try_from(objects).unwrap_or(i64::MAX))
    .execute(pool)
    .await?;
    Ok(())
}

/// Deletes the tenant's staging rows of `run`, or of every run (`None`): one run per tenant
/// at a time, so when a run starts (again) everything staged before is a leftover.
pub async fn forget(pool: &PgPool, tenant: TenantId, run: Option<Uuid>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "WITH tenant_context AS (SELECT set_config('app.tenant_id', $1, true)),
         u AS (DELETE FROM sync_stage_users
                WHERE tenant_id = $2 AND ($3::uuid IS NULL OR run_id = $3)
                  AND EXISTS (SELECT 1 FROM tenant_context)),
         m AS (DELETE FROM sync_stage_members
                WHERE tenant_id = $2 AND ($3::uuid IS NULL OR run_id = $3)
                  AND EXISTS (SELECT 1 FROM tenant_context))
         DELETE FROM sync_stage_groups
          WHERE tenant_id = $2 AND ($3::uuid IS NULL OR run_id = $3)
            AND EXISTS (SELECT 1 FROM tenant_context)",
    )
    .bind(tenant.to_string())
    .bind(tenant)
    .bind(run)
    .execute(pool)
    .await?;
    Ok(())
}
