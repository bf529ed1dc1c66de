-- 0036 sync-dispatch: scratch tables of an apply (the plan of what each user's status and
-- role become, and the users it considers), replacing temporary tables: the application
-- role may not create temporary tables (deploy/postgres/bootstrap-database.sql grants it
-- CONNECT only).
--
-- Rows live inside ONE transaction: an apply first locks its tenant's sync_tenants row
-- (runs, configuration changes and hold decisions of a tenant apply one at a time), inserts
-- its rows, uses them, and deletes them before it commits. So no other transaction ever sees
-- them, a rollback removes them, and keying them by tenant is enough. UNLOGGED: scratch data
-- needs no write-ahead log.
CREATE UNLOGGED TABLE sync_scratch_touched (
    tenant_id  uuid NOT NULL,
    object_id  uuid NOT NULL,
    PRIMARY KEY (tenant_id, object_id)
);

CREATE UNLOGGED TABLE sync_scratch_plan (
    tenant_id         uuid    NOT NULL,
    object_id         uuid    NOT NULL,
    is_new            boolean NOT NULL,
    -- What to store (Entra's current values, or the held ones for a deleted user).
    upn               text,
    display_name      text,
    mail              text,
    account_enabled   boolean,
    directory_state   text,
    -- What directory_users holds now (null for a new user).
    old_upn           text,
    old_display_name  text,
    old_mail          text,
    old_enabled       boolean,
    old_state         text,
    old_status        text,
    old_role          text,
    old_source        text,
    old_reason        text,
    -- What the user's access should be.
    new_role          text,
    new_source        text,
    new_status        text    NOT NULL,
    new_reason        text,
    -- Kept as is: an Admin the tenant cannot lose, a deactivation over the hold threshold,
    -- a deactivation an earlier held run is holding.
    protected         boolean NOT NULL DEFAULT false,
    held              boolean NOT NULL DEFAULT false,
    pending_hold      boolean NOT NULL DEFAULT false,
    PRIMARY KEY (tenant_id, object_id)
);

ALTER TABLE sync_scratch_touched ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_scratch_touched FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_scratch_touched
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE sync_scratch_plan ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_scratch_plan FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_scratch_plan
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
