//! Applying what a run read (or a configuration change) to the directory, set-based, in the
//! caller's transaction (tenant context set, `sync_tenants` row locked by the caller):
//!
//! 1. grants follow the re-read groups' staged members; deleted and unconfigured groups lose
//!    theirs;
//! 2. a plan is computed for every user in scope: attributes to store, and the status, role
//!    and reason they should have now (direct assignment > highest group role; none when
//!    disabled or deleted in Entra ID);
//! 3. safety: if the plan would leave the tenant without an active Admin while it has one,
//!    the current Admins who can still sign in are kept ("blocked"); users an earlier held
//!    run is holding keep their access; if the run would deactivate more than the tenant's
//!    threshold, its deactivations are held (recorded in `sync_held_changes`, not applied);
//! 4. the plan is written: `directory_users` (one write per changed row), a history row per
//!    status or role change, and — except for a tenant's initial load — one `user.*` event
//!    and one audit record per change.
//!
//! Everything is one transaction with the caller's run bookkeeping, so it applies entirely
//! or not at all.

mod sql;
mod write_sql;

use pa_domain::TenantId;
use sqlx::{PgConnection, Row};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

/// The hold rule of a run (`sync_tenants` thresholds and the service's floor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HoldRule {
    /// Held when more than this share (%) of the active users would be deactivated…
    pub percent: u8,
    /// … (that rule only when more than `min` would be) or more than `count`.
    pub count: u32,
    pub min: u32,
}

impl HoldRule {
    /// Whether deactivating `n` of `active` active users must wait for an Admin.
    pub fn holds(&self, n: u64, active: u64) -> bool {
        let by_count = n > u64::from(self.count);
        let by_share = n > u64::from(self.min) && n * 100 > u64::from(self.percent) * active;
        by_count || by_share
    }
}

/// What to apply.
#[derive(Clone, Debug)]
pub struct ApplyScope<'a> {
    /// The run whose staging rows are applied; `None` for a configuration change.
    pub run_id: Option<Uuid>,
    /// Consider every user of the tenant (full runs, configuration changes); otherwise only
    /// the users whose grants changed, the staged users, the directly assigned users and
    /// `extra_users`.
    pub all_users: bool,
    /// Configured groups the run read completely (their grants are replaced).
    pub reread_groups: &'a [Uuid],
    /// Configured groups found deleted in Entra ID (they grant nothing any more).
    pub deleted_groups: &'a [Uuid],
    /// More users to re-evaluate (e.g. a held run's users on approval).
    pub extra_users: &'a [Uuid],
    /// Re-read configured roles into the grants (configuration changes).
    pub rerole_grants: bool,
    /// The hold rule; `None`: never hold (configuration changes, approvals).
    pub hold: Option<HoldRule>,
    /// The tenant's initial load: history rows, but no per-user events and audit records
    /// (the run's own audit record and `sync.run_finished` carry the counts).
    pub initial: bool,
    /// Write history rows (the initial load's fast path writes its own).
    pub record_history: bool,
    /// Audit details: what caused the changes and who.
    pub cause: &'a str,
    pub caused_by: Option<&'a str>,
    pub request_id: Option<&'a str>,
}

/// What an apply did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyOutcome {
    pub created: u64,
    pub updated: u64,
    pub deactivated: u64,
    pub reactivated: u64,
    /// Deactivations held for an Admin's decision.
    pub held: u64,
    /// Admins kept so the tenant keeps an active one.
    pub protected: u64,
    /// Status and role changes written (history rows).
    pub changes: u64,
}

/// Runs the apply described in the module docs.
#[tracing::instrument(name = "sync.apply", skip_all, fields(tenant_id = %tenant, run_id = ?scope.run_id))]
pub async fn apply(
    conn: &mut PgConnection,
    tenant: TenantId,
    scope: &ApplyScope<'_>,
) -> Result<ApplyOutcome, sqlx::Error> {
    let t = *tenant.as_uuid();
    let run = scope.run_id.unwrap_or(Uuid::nil());
    clear_scratch(conn, t).await?;
    sqlx::query(sql::GRANTS)
        .bind(t)
        .bind(run)
        .bind(scope.deleted_groups)
        .bind(scope.reread_groups)
        .execute(&mut *conn)
        .await?;
    if scope.rerole_grants {
        sqlx::query(sql::REROLE_GRANTS)
            .bind(t)
            .execute(&mut *conn)
            .await?;
    }
    let filter = if scope.all_users {
        ""
    } else {
        sqlx::query(sql::TOUCH_STAGED)
            .bind(t)
            .bind(run)
            .bind(scope.extra_users)
            .execute(&mut *conn)
            .await?;
        sql::TOUCHED_FILTER
    };
    let plan = sql::PLAN.replace("{users}", filter);
    sqlx::query(sqlx::AssertSqlSafe(plan))
        .bind(t)
        .bind(run)
        .execute(&mut *conn)
        .await?;
    let (protected, held) = safety(conn, t, run, scope).await?;
    sqlx::query(sqlx::AssertSqlSafe(write_sql::upsert_users()))
        .bind(t)
        .bind(run)
        .execute(&mut *conn)
        .await?;
    if scope.record_history {
        sqlx::query(sqlx::AssertSqlSafe(write_sql::history()))
            .bind(t)
            .bind(run)
            .execute(&mut *conn)
            .await?;
    }
    if !scope.initial {
        let occurred_at = OffsetDateTime::now_utc()
            .format(&Rfc3339)
            .unwrap_or_default();
        sqlx::query(sqlx::AssertSqlSafe(write_sql::events()))
            .bind(t)
            .bind(run)
            .bind(occurred_at)
            .bind(scope.request_id)
            .bind(crate::events::amqp_headers(tenant, scope.request_id))
            .execute(&mut *conn)
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(write_sql::audit()))
            .bind(t)
            .bind(run)
            .bind(scope.request_id)
            .bind(scope.cause)
            .bind(scope.caused_by)
            .execute(&mut *conn)
            .await?;
    }
    let row = sqlx::query(write_sql::COUNTS)
        .bind(t)
        .fetch_one(&mut *conn)
        .await?;
    let count = |name: &str| -> Result<u64, sqlx::Error> {
        Ok(u64::try_from(row.try_get::<i64, _>(name)?).unwrap_or(0))
    };
    let outcome = ApplyOutcome {
        created: count("created")?,
        updated: count("updated")?,
        deactivated: count("deactivated")?,
        reactivated: count("reactivated")?,
        held,
        protected,
        changes: count("changes")?,
    };
    clear_scratch(conn, t).await?;
    tracing::debug!(?outcome, "applied");
    Ok(outcome)
}

/// Deletes the tenant's scratch rows (they must never be committed).
async fn clear_scratch(conn: &mut PgConnection, tenant: Uuid) -> Result<(), sqlx::Error> {
    for sql in sql::CLEAR_SCRATCH {
        sqlx::query(sql).bind(tenant).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Step 3 of the module docs; returns (Admins protected, deactivations held).
async fn safety(
    conn: &mut PgConnection,
    tenant: Uuid,
    run: Uuid,
    scope: &ApplyScope<'_>,
) -> Result<(u64, u64), sqlx::Error> {
    let (before, after, active): (i64, i64, i64) = sqlx::query_as(sql::ADMIN_COUNTS)
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?;
    let mut protected = 0;
    if after == 0 && before > 0 {
        protected = sqlx::query(sql::PROTECT_ADMINS)
            .bind(tenant)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if protected > 0 {
            tracing::warn!(
                protected,
                "kept the tenant's Admins: the change would have left none"
            );
        }
    }
    sqlx::query(sql::RECORD_PROTECTED)
        .bind(tenant)
        .bind(run)
        .execute(&mut *conn)
        .await?;
    let Some(rule) = scope.hold.filter(|_| scope.run_id.is_some()) else {
        return Ok((protected, 0));
    };
    sqlx::query(sql::KEEP_PENDING_HOLDS)
        .bind(tenant)
        .execute(&mut *conn)
        .await?;
    let deactivations: i64 = sqlx::query_scalar(sql::COUNT_DEACTIVATIONS)
        .bind(tenant)
        .fetch_one(&mut *conn)
        .await?;
    let n = u64::try_from(deactivations).unwrap_or(0);
    let active = u64::try_from(active).unwrap_or(0);
    if n == 0 || !rule.holds(n, active) {
        return Ok((protected, 0));
    }
    sqlx::query(sql::RECORD_HELD)
        .bind(tenant)
        .bind(run)
        .execute(&mut *conn)
        .await?;
    let held = sqlx::query(sql::HOLD_DEACTIVATIONS)
        .bind(tenant)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    tracing::warn!(held, active, "deactivations held for an Admin's decision");
    Ok((protected, held))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hold_rule_counts_or_shares_above_its_floor() {
        let rule = HoldRule {
            percent: 20,
            count: 500,
            min: 10,
        };
        assert!(
            !rule.holds(1, 3),
            "one leaver of a small clinic is not held"
        );
        assert!(
            !rule.holds(10, 20),
            "the share rule needs more than the floor"
        );
        assert!(rule.holds(11, 20));
        assert!(!rule.holds(11, 100), "11 % of 100");
        assert!(rule.holds(21, 100));
        assert!(rule.holds(501, 100_000), "the count rule alone");
        assert!(!rule.holds(500, 100_000));
    }
}
