//! The writing statements of an apply: the plan into `directory_users`, its history rows,
//! user.* events and audit records, and its counts. `$1` tenant, `$2` run (nil UUID when
//! none; stored as NULL).

/// Plan rows that change something in `directory_users`.
const CHANGED: &str = "\
p.is_new OR ROW(p.upn, p.display_name, p.mail, p.account_enabled, p.directory_state,
                 p.new_role, p.new_source, p.new_status, p.new_reason)
     IS DISTINCT FROM ROW(p.old_upn, p.old_display_name, p.old_mail, p.old_enabled,
                          p.old_state, p.old_role, p.old_source, p.old_status, p.old_reason)";

/// Inserts new users and updates changed ones (one write per changed row).
pub fn upsert_users() -> String {
    format!(
        "INSERT INTO directory_users AS d (tenant_id, object_id, user_principal_name, display_name, \
             mail, account_enabled, directory_state, role, role_source, status, status_reason, \
             status_changed_at, first_synced_at, updated_at, last_run_id)
         SELECT $1, p.object_id, p.upn, p.display_name, p.mail, p.account_enabled, \
                p.directory_state, p.new_role, p.new_source, p.new_status, p.new_reason, \
                now(), now(), now(), NULLIF($2, '00000000-0000-0000-0000-000000000000'::uuid)
           FROM sync_scratch_plan p
          WHERE p.tenant_id = $1 AND ({CHANGED})
         ON CONFLICT (tenant_id, object_id) DO UPDATE SET
             user_principal_name = excluded.user_principal_name,
             display_name = excluded.display_name,
             mail = excluded.mail,
             account_enabled = excluded.account_enabled,
             directory_state = excluded.directory_state,
             role = excluded.role,
             role_source = excluded.role_source,
             status = excluded.status,
             status_reason = excluded.status_reason,
             status_changed_at = CASE WHEN d.status IS DISTINCT FROM excluded.status
                                      THEN now() ELSE d.status_changed_at END,
             updated_at = now(),
             last_run_id = excluded.last_run_id"
    )
}

/// The change of a plan row (`activated`, `deactivated`, `role_changed` or NULL).
const CHANGE: &str = "sync_user_change(p.old_status, p.new_status, p.old_role, p.new_role)";

/// One history row per status or role change.
pub fn history() -> String {
    format!(
        "INSERT INTO directory_user_history (tenant_id, id, object_id, occurred_at, change, \
             from_role, to_role, reason, run_id)
         SELECT $1, sync_uuid_v7(), p.object_id, now(), c.change,
                CASE WHEN p.old_status = 'active' THEN p.old_role END,
                p.new_role,
                CASE WHEN c.change = 'deactivated' THEN p.new_reason END,
                NULLIF($2, '00000000-0000-0000-0000-000000000000'::uuid)
           FROM sync_scratch_plan p CROSS JOIN LATERAL (SELECT {CHANGE} AS change) c
          WHERE p.tenant_id = $1 AND c.change IS NOT NULL"
    )
}

/// One `user.activated` / `user.deactivated` / `user.role_changed` event per change, in the
/// outbox: the same envelope `pa_messaging::enqueue` writes (checked by a test that reads
/// one back as `pa_messaging::Envelope`). `$3` occurred_at (RFC 3339), `$4` request id,
/// `$5` AMQP headers (JSON text).
pub fn events() -> String {
    format!(
        "INSERT INTO outbox (id, event_type, payload, headers)
         SELECT e.id, e.type,
                json_build_object('id', e.id, 'type', e.type, 'tenant_id', $1::uuid,
                                  'occurred_at', $3::text, 'request_id', $4::text, 'data', e.data),
                $5::json
           FROM (
             SELECT sync_uuid_v7() AS id, 'user.' || c.change AS type,
                    CASE c.change
                        WHEN 'activated' THEN json_build_object(
                            'tenant_id', $1::uuid, 'object_id', p.object_id,
                            'user_principal_name', p.upn, 'role', p.new_role, 'run_id', r.run_id)
                        WHEN 'deactivated' THEN json_build_object(
                            'tenant_id', $1::uuid, 'object_id', p.object_id,
                            'user_principal_name', p.upn, 'reason', p.new_reason,
                            'previous_role', p.old_role, 'run_id', r.run_id)
                        ELSE json_build_object(
                            'tenant_id', $1::uuid, 'object_id', p.object_id,
                            'user_principal_name', p.upn, 'previous_role', p.old_role,
                            'role', p.new_role, 'run_id', r.run_id)
                    END AS data
               FROM sync_scratch_plan p
              CROSS JOIN LATERAL (SELECT {CHANGE} AS change) c
              CROSS JOIN (SELECT NULLIF($2, '00000000-0000-0000-0000-000000000000'::uuid) AS run_id) r
              WHERE p.tenant_id = $1 AND c.change IS NOT NULL
              ORDER BY p.object_id
           ) e"
    )
}

/// One audit record per change (actor: the service; `$3` request id, `$4` the cause, e.g.
/// `sync_run`, `config_change`, `hold_approved`, `$5` who caused it, when a person did).
pub fn audit() -> String {
    format!(
        "INSERT INTO audit_log (tenant_id, id, actor_type, actor_id, action, target_type, \
             target_id, request_id, outcome, details)
         SELECT $1, sync_uuid_v7(), 'system', 'sync-dispatch', 'user.' || c.change, 'user',
                p.object_id::text, $3, 'success',
                jsonb_strip_nulls(jsonb_build_object(
                    'user_principal_name', p.upn,
                    'from_role', CASE WHEN p.old_status = 'active' THEN p.old_role END,
                    'to_role', p.new_role,
                    'reason', CASE WHEN c.change = 'deactivated' THEN p.new_reason END,
                    'run_id', NULLIF($2, '00000000-0000-0000-0000-000000000000'::uuid),
                    'cause', $4::text,
                    'caused_by', $5::text))
           FROM sync_scratch_plan p CROSS JOIN LATERAL (SELECT {CHANGE} AS change) c
          WHERE p.tenant_id = $1 AND c.change IS NOT NULL"
    )
}

/// What the plan did.
pub const COUNTS: &str = "\
SELECT count(*) FILTER (WHERE is_new) AS created,
       count(*) FILTER (WHERE NOT is_new AND (
           ROW(upn, display_name, mail, account_enabled, directory_state)
               IS DISTINCT FROM ROW(old_upn, old_display_name, old_mail, old_enabled, old_state)
           OR (old_status = 'active' AND new_status = 'active'
               AND old_role IS DISTINCT FROM new_role))) AS updated,
       count(*) FILTER (WHERE old_status = 'active' AND new_status = 'inactive') AS deactivated,
       count(*) FILTER (WHERE NOT is_new AND old_status = 'inactive' AND new_status = 'active')
           AS reactivated,
       count(*) FILTER (WHERE held) AS held,
       count(*) FILTER (WHERE protected) AS protected,
       count(*) FILTER (WHERE sync_user_change(old_status, new_status, old_role, new_role)
                              IS NOT NULL) AS changes
  FROM sync_scratch_plan
 WHERE tenant_id = $1";
