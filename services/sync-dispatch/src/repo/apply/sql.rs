//! The statements of an apply, in the order they run (see [`super::apply`]). `$1` is always
//! the tenant and `$2` the run (the nil UUID when no run is involved: then no staging row
//! matches). The plan and the users it considers live in the scratch tables of 0036, keyed
//! by tenant (an apply holds its tenant's lock) and emptied before the transaction ends.
//! Statements marked "users filter" come in two forms: over every user of the tenant (full
//! runs, configuration changes) or over the touched users.

/// Empties the tenant's scratch rows (at the start and the end of an apply).
pub const CLEAR_SCRATCH: [&str; 2] = [
    "DELETE FROM sync_scratch_touched WHERE tenant_id = $1",
    "DELETE FROM sync_scratch_plan WHERE tenant_id = $1",
];

/// Grants follow the staged members of the re-read groups (`$4`); deleted groups (`$3`)
/// and groups no longer configured lose theirs. The users whose grants changed are touched.
pub const GRANTS: &str = "\
WITH removed AS (
    DELETE FROM directory_user_grants g
     WHERE g.tenant_id = $1
       AND (g.group_id = ANY($3::uuid[])
            OR NOT EXISTS (SELECT 1 FROM sync_access_groups c
                            WHERE c.tenant_id = $1 AND c.group_id = g.group_id)
            OR (g.group_id = ANY($4::uuid[])
                AND NOT EXISTS (SELECT 1 FROM sync_stage_members m
                                 WHERE m.tenant_id = $1 AND m.run_id = $2
                                   AND m.group_id = g.group_id AND m.object_id = g.object_id)))
    RETURNING g.object_id
), added AS (
    INSERT INTO directory_user_grants AS g (tenant_id, object_id, group_id, role)
    SELECT DISTINCT $1::uuid, m.object_id, m.group_id, c.role
      FROM sync_stage_members m
      JOIN sync_access_groups c ON c.tenant_id = $1 AND c.group_id = m.group_id
     WHERE m.tenant_id = $1 AND m.run_id = $2 AND m.group_id = ANY($4::uuid[])
    ON CONFLICT (tenant_id, object_id, group_id)
        DO UPDATE SET role = excluded.role WHERE g.role IS DISTINCT FROM excluded.role
    RETURNING g.object_id
)
INSERT INTO sync_scratch_touched (tenant_id, object_id)
SELECT $1, object_id FROM removed UNION SELECT $1, object_id FROM added
ON CONFLICT DO NOTHING";

/// Grants of groups whose configured role changed take the new role (configuration
/// changes only: a run reads the roles when it inserts grants).
pub const REROLE_GRANTS: &str = "\
WITH changed AS (
    UPDATE directory_user_grants g SET role = c.role
      FROM sync_access_groups c
     WHERE g.tenant_id = $1 AND c.tenant_id = $1 AND c.group_id = g.group_id
       AND g.role <> c.role
    RETURNING g.object_id
)
INSERT INTO sync_scratch_touched (tenant_id, object_id)
SELECT DISTINCT $1::uuid, object_id FROM changed ON CONFLICT DO NOTHING";

/// Staged users, directly assigned users, kept Admins and `$3` join the touched users.
pub const TOUCH_STAGED: &str = "\
INSERT INTO sync_scratch_touched (tenant_id, object_id)
SELECT $1, object_id FROM sync_stage_users WHERE tenant_id = $1 AND run_id = $2
UNION SELECT $1, object_id FROM sync_direct_assignments WHERE tenant_id = $1
UNION SELECT $1, object_id FROM sync_protected_admins WHERE tenant_id = $1
UNION SELECT $1, unnest($3::uuid[])
ON CONFLICT DO NOTHING";

/// The plan: per user in scope, the attributes to store and the status, role and reason
/// they should have now. `{users}` is the users filter.
///
/// Effective role: none when the account is deleted or disabled in Entra ID; else the
/// direct assignment when there is one (it wins whatever the groups say); else the highest
/// role a configured group grants. A user staged by delta who is not known yet is out of
/// scope (not a member of any configured group).
pub const PLAN: &str = "\
INSERT INTO sync_scratch_plan (tenant_id, object_id, is_new, upn, display_name, mail,
    account_enabled, directory_state, old_upn, old_display_name, old_mail, old_enabled,
    old_state, old_status, old_role, old_source, old_reason, new_role, new_source, new_status,
    new_reason)
WITH su AS (
    SELECT DISTINCT ON (s.object_id) s.object_id, s.in_scope, s.user_principal_name,
           s.display_name, s.mail, s.account_enabled, s.directory_state
      FROM sync_stage_users s
     WHERE s.tenant_id = $1 AND s.run_id = $2
     ORDER BY s.object_id, s.seq DESC
), d AS (
    SELECT * FROM directory_users WHERE tenant_id = $1 {users}
), b AS (
    SELECT coalesce(su.object_id, d.object_id) AS object_id,
           d.object_id IS NULL AS is_new,
           CASE WHEN su.directory_state = 'present'
                THEN coalesce(su.user_principal_name, d.user_principal_name)
                ELSE d.user_principal_name END AS upn,
           CASE WHEN su.directory_state = 'present' THEN su.display_name
                ELSE d.display_name END AS display_name,
           CASE WHEN su.directory_state = 'present' THEN su.mail ELSE d.mail END AS mail,
           CASE WHEN su.directory_state = 'present'
                THEN coalesce(su.account_enabled, d.account_enabled, true)
                ELSE d.account_enabled END AS account_enabled,
           coalesce(su.directory_state, d.directory_state) AS directory_state,
           d.user_principal_name AS old_upn, d.display_name AS old_display_name,
           d.mail AS old_mail, d.account_enabled AS old_enabled,
           d.directory_state AS old_state, d.status AS old_status, d.role AS old_role,
           d.role_source AS old_source, d.status_reason AS old_reason
      FROM su FULL JOIN d ON d.object_id = su.object_id
     WHERE d.object_id IS NOT NULL
        OR (su.in_scope AND su.directory_state = 'present' AND su.user_principal_name IS NOT NULL)
), g AS (
    SELECT object_id, max(access_role_rank(role)) AS rank
      FROM directory_user_grants
     WHERE tenant_id = $1 {users}
     GROUP BY object_id
), da AS (
    SELECT object_id, role FROM sync_direct_assignments WHERE tenant_id = $1
)
SELECT $1, b.object_id, b.is_new, b.upn, b.display_name, b.mail, b.account_enabled,
       b.directory_state, b.old_upn, b.old_display_name, b.old_mail, b.old_enabled,
       b.old_state, b.old_status, b.old_role, b.old_source, b.old_reason, x.new_role,
       CASE WHEN x.new_role IS NULL THEN NULL
            WHEN da.role IS NOT NULL THEN 'direct' ELSE 'group' END AS new_source,
       CASE WHEN x.new_role IS NULL THEN 'inactive' ELSE 'active' END AS new_status,
       CASE WHEN x.new_role IS NOT NULL THEN NULL
            WHEN b.directory_state = 'hard_deleted' THEN 'hard_deleted'
            WHEN b.directory_state = 'soft_deleted' THEN 'soft_deleted'
            WHEN NOT b.account_enabled THEN 'disabled'
            WHEN b.old_source = 'direct' AND g.rank IS NULL THEN 'assignment_removed'
            WHEN b.old_status = 'inactive' AND b.old_reason IS NOT NULL
                 AND b.old_reason NOT IN ('hard_deleted', 'soft_deleted', 'disabled')
                THEN b.old_reason
            ELSE 'removed_from_groups' END AS new_reason
  FROM b
  LEFT JOIN g ON g.object_id = b.object_id
  LEFT JOIN da ON da.object_id = b.object_id
 CROSS JOIN LATERAL (
    SELECT CASE WHEN b.directory_state <> 'present' OR NOT b.account_enabled THEN NULL
                WHEN da.role IS NOT NULL THEN da.role
                ELSE access_role_of_rank(g.rank) END AS new_role
 ) x";

/// The users filter of the touched form.
pub const TOUCHED_FILTER: &str =
    "AND object_id IN (SELECT t.object_id FROM sync_scratch_touched t WHERE t.tenant_id = $1)";

/// Active Admins before, and after the plan.
pub const ADMIN_COUNTS: &str = "\
SELECT (SELECT count(*) FROM directory_users
         WHERE tenant_id = $1 AND status = 'active' AND role = 'admin') AS before,
       (SELECT count(*) FROM directory_users d
         WHERE d.tenant_id = $1 AND d.status = 'active' AND d.role = 'admin'
           AND NOT EXISTS (SELECT 1 FROM sync_scratch_plan p
                            WHERE p.tenant_id = $1 AND p.object_id = d.object_id))
     + (SELECT count(*) FROM sync_scratch_plan
         WHERE tenant_id = $1 AND new_status = 'active' AND new_role = 'admin') AS after,
       (SELECT count(*) FROM directory_users WHERE tenant_id = $1 AND status = 'active')
           AS active_before";

/// Keeps every current Admin whose account can still sign in (present and enabled in
/// Entra ID) as they are: the plan would leave the tenant without an active Admin.
pub const PROTECT_ADMINS: &str = "\
UPDATE sync_scratch_plan
   SET protected = true, new_role = old_role, new_source = old_source,
       new_status = old_status, new_reason = old_reason
 WHERE tenant_id = $1 AND old_status = 'active' AND old_role = 'admin'
   AND directory_state = 'present' AND account_enabled";

/// Remembers the kept Admins (so later runs re-evaluate them) and forgets those the plan
/// no longer keeps.
pub const RECORD_PROTECTED: &str = "\
WITH gone AS (
    DELETE FROM sync_protected_admins a
     WHERE a.tenant_id = $1
       AND EXISTS (SELECT 1 FROM sync_scratch_plan p
                    WHERE p.tenant_id = $1 AND p.object_id = a.object_id AND NOT p.protected)
)
INSERT INTO sync_protected_admins (tenant_id, object_id, run_id)
SELECT $1, object_id, NULLIF($2, '00000000-0000-0000-0000-000000000000'::uuid)
  FROM sync_scratch_plan WHERE tenant_id = $1 AND protected
ON CONFLICT DO NOTHING";

/// Users a held run is already holding keep their access until the Admin decides.
pub const KEEP_PENDING_HOLDS: &str = "\
UPDATE sync_scratch_plan p
   SET pending_hold = true, new_role = old_role, new_source = old_source,
       new_status = old_status, new_reason = old_reason
 WHERE p.tenant_id = $1 AND p.old_status = 'active' AND p.new_status = 'inactive'
   AND EXISTS (SELECT 1 FROM sync_held_changes h
                 JOIN sync_runs r ON r.tenant_id = h.tenant_id AND r.id = h.run_id
                WHERE h.tenant_id = $1 AND h.object_id = p.object_id AND r.status = 'held')";

/// How many active users the plan deactivates.
pub const COUNT_DEACTIVATIONS: &str = "SELECT count(*) FROM sync_scratch_plan \
     WHERE tenant_id = $1 AND old_status = 'active' AND new_status = 'inactive'";

/// Records the plan's deactivations as the run's held changes (then [`HOLD_DEACTIVATIONS`]).
pub const RECORD_HELD: &str = "\
INSERT INTO sync_held_changes (tenant_id, run_id, object_id, change, reason)
SELECT $1, $2, object_id, 'deactivate', new_reason
  FROM sync_scratch_plan
 WHERE tenant_id = $1 AND old_status = 'active' AND new_status = 'inactive'";

/// Keeps the held deactivations out of the plan.
pub const HOLD_DEACTIVATIONS: &str = "\
UPDATE sync_scratch_plan
   SET held = true, new_role = old_role, new_source = old_source,
       new_status = old_status, new_reason = old_reason
 WHERE tenant_id = $1 AND old_status = 'active' AND new_status = 'inactive'";
