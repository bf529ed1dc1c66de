-- 0031 sync-dispatch: the synced directory (read by admin-console: the Users and Groups
-- pages and sign-in). Column names and value sets are a contract (migrations/README.md,
-- "Read models other services depend on"): add columns, never rename.
--
-- No foreign keys to sync_tenants here: these tables are written set-based (a first sync
-- writes 100,000 users in one statement) and a key check per row would cost; every row is
-- written under its tenant's row-level security context by sync-dispatch, and purging a
-- tenant deletes them all (sync-dispatch's tenant.purged consumer, and purge_tenant_rows).

-- One row per person ever in scope (member of a configured group, or directly assigned).
CREATE TABLE directory_users (
    tenant_id            uuid        NOT NULL,
    -- Entra object id (oid): the HIPAA unique user identifier; never the UPN.
    object_id            uuid        NOT NULL,
    user_principal_name  text        NOT NULL,
    display_name         text,
    mail                 text,
    account_enabled      boolean     NOT NULL,
    directory_state      text        NOT NULL
        CHECK (directory_state IN ('present', 'soft_deleted', 'hard_deleted')),
    -- Effective role (null when none): the direct assignment if any, else the highest role
    -- any configured group grants.
    role                 text        CHECK (role IN ('admin', 'manager', 'viewer')),
    role_source          text        CHECK (role_source IN ('group', 'direct')),
    status               text        NOT NULL CHECK (status IN ('active', 'inactive')),
    -- Why an inactive user lost access: a pa_events::DeactivationReason name.
    status_reason        text        CHECK (status_reason IN ('removed_from_groups', 'disabled',
                                        'soft_deleted', 'hard_deleted', 'assignment_removed',
                                        'tenant_purged')),
    status_changed_at    timestamptz,
    first_synced_at      timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    -- The sync run that last changed the row (null: a configuration change did).
    last_run_id          uuid,
    PRIMARY KEY (tenant_id, object_id),
    CONSTRAINT directory_users_active_has_role
        CHECK ((status = 'active') = (role IS NOT NULL AND role_source IS NOT NULL))
);

-- "Does the tenant still have an active Admin?" (every run checks it).
CREATE INDEX directory_users_active_admins_idx ON directory_users (tenant_id)
    WHERE status = 'active' AND role = 'admin';

-- Which configured group grants which role to whom (provenance of the effective role).
CREATE TABLE directory_user_grants (
    tenant_id  uuid NOT NULL,
    object_id  uuid NOT NULL,
    group_id   uuid NOT NULL,
    role       text NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    PRIMARY KEY (tenant_id, object_id, group_id)
);

-- Replacing one group's grants after re-reading its members.
CREATE INDEX directory_user_grants_group_idx ON directory_user_grants (tenant_id, group_id);

-- The configured groups as last synced.
CREATE TABLE directory_groups (
    tenant_id       uuid        NOT NULL,
    group_id        uuid        NOT NULL,
    display_name    text        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    -- Transitive user members at the last read.
    member_count    integer     NOT NULL DEFAULT 0 CHECK (member_count >= 0),
    -- Set when the group was found deleted in Entra ID (it then grants nothing).
    deleted_at      timestamptz,
    last_synced_at  timestamptz,
    PRIMARY KEY (tenant_id, group_id)
);

-- Every status and role change of a user, with the run that made it.
CREATE TABLE directory_user_history (
    tenant_id    uuid        NOT NULL,
    id           uuid        NOT NULL,
    object_id    uuid        NOT NULL,
    occurred_at  timestamptz NOT NULL DEFAULT now(),
    change       text        NOT NULL CHECK (change IN ('activated', 'deactivated', 'role_changed')),
    from_role    text        CHECK (from_role IN ('admin', 'manager', 'viewer')),
    to_role      text        CHECK (to_role IN ('admin', 'manager', 'viewer')),
    -- For 'deactivated': a pa_events::DeactivationReason name.
    reason       text        CHECK (char_length(reason) <= 64),
    -- Null when a configuration change (not a sync run) made the change.
    run_id       uuid,
    PRIMARY KEY (tenant_id, id)
);

CREATE INDEX directory_user_history_user_idx
    ON directory_user_history (tenant_id, object_id, occurred_at DESC);

-- The groups nested (transitively) under each configured group, as of its last read.
-- Graph delta does not report a nested group's membership change on its parent: an
-- incremental run re-reads a configured group whenever delta reports a change to the group
-- itself or to one of the groups listed here for it.
CREATE TABLE sync_group_closure (
    tenant_id        uuid NOT NULL,
    group_id         uuid NOT NULL,
    nested_group_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, group_id, nested_group_id)
);

CREATE INDEX sync_group_closure_nested_idx ON sync_group_closure (tenant_id, nested_group_id);

ALTER TABLE directory_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE directory_users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON directory_users
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE directory_user_grants ENABLE ROW LEVEL SECURITY;
ALTER TABLE directory_user_grants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON directory_user_grants
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE directory_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE directory_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON directory_groups
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE directory_user_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE directory_user_history FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON directory_user_history
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE sync_group_closure ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_group_closure FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_group_closure
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- What a change of (status, role) from (old_status, old_role) to (new_status, new_role) is,
-- for the history and the user.* events: 'activated', 'deactivated', 'role_changed' or null.
CREATE FUNCTION sync_user_change(old_status text, new_status text, old_role text, new_role text)
    RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE
        WHEN new_status = 'active' AND old_status IS DISTINCT FROM 'active' THEN 'activated'
        WHEN old_status = 'active' AND new_status = 'inactive' THEN 'deactivated'
        WHEN old_status = 'active' AND new_status = 'active' AND old_role IS DISTINCT FROM new_role
            THEN 'role_changed'
    END;
