-- 0050 Audit trail (pa-audit): the admin console's actors and the indexes of its audit page.
--
-- New actor kinds (pa_audit::Actor / ActorKind), added to the domain both audit tables use:
--   'console_user'      a person signed in to the admin console; actor_id = their Entra
--                       object id (`oid`, immutable; never the mutable UPN);
--   'api_token'         a partner tool calling the console API; actor_id = the token's id;
--   'emergency_access'  a break-glass console account (HIPAA 164.312(a)(2)(ii));
--                       actor_id = the emergency account's id.
-- Purely additive: every value allowed before is still allowed. ADD CONSTRAINT re-checks
-- the existing rows of both tables once.
ALTER DOMAIN audit_actor_type DROP CONSTRAINT audit_actor_type_check;
ALTER DOMAIN audit_actor_type ADD CONSTRAINT audit_actor_type_check
    CHECK (VALUE IN ('operator', 'admin', 'setup_session', 'system',
                     'console_user', 'api_token', 'emergency_access'));

-- The console's audit page (pa_audit::query_tenant and the exports) reads one tenant's
-- records newest first, with keyset pagination on (occurred_at, id), optionally filtered by
-- actor, action (exact or prefix) and target. Each index leads with tenant_id (every query
-- is scoped to one tenant) and ends with (occurred_at, id) so a filtered page is an index
-- range read in order. B-trees read backwards as well as forwards, so no DESC is needed.
--
-- Cost: each index is one more entry per audit record written; audit_log goes from two
-- indexes (primary key, time) to five.

-- Time only (no other filter), and the export. Replaces 0003's (tenant_id, occurred_at
-- DESC), which could not resume a page at an id within one timestamp.
CREATE INDEX audit_log_tenant_time_idx ON audit_log (tenant_id, occurred_at, id);
DROP INDEX audit_log_tenant_occurred_idx;

-- "What did this person / token / account do?"
CREATE INDEX audit_log_tenant_actor_idx
    ON audit_log (tenant_id, actor_type, actor_id, occurred_at, id);

-- "What happened to this user / group / setting?"
CREATE INDEX audit_log_tenant_target_idx
    ON audit_log (tenant_id, target_type, target_id, occurred_at, id);

-- "Every sign-in" (exact) or "everything about sessions" (prefix 'session.'). The database
-- collation (C.UTF-8 here) is not "C", so a prefix range needs the pattern operator class;
-- pa-audit queries it with `action ~>=~ $p AND action ~<~ $p || U+10FFFF`, which, unlike
-- `LIKE $p || '%'`, can use the index with a bound parameter. `=` uses it too.
CREATE INDEX audit_log_tenant_action_idx
    ON audit_log (tenant_id, action text_pattern_ops, occurred_at, id);
