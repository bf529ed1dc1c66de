-- 0040 admin-console: the tenants the console serves, their settings and access configuration.
--
-- console_tenants is admin-console's projection of setup.completed (the directory a tenant's
-- people sign in with); the tenant's lifecycle is read from `tenants.status` on every sign-in
-- and every request. Everything here is tenant-owned: RLS with the NULLIF policy, keys led by
-- tenant_id.

CREATE TABLE console_tenants (
    tenant_id           uuid        PRIMARY KEY REFERENCES tenants (id),
    -- The customer's Entra ID directory (`tid`); sign-in uses its tenant-specific authority.
    entra_tenant_id     uuid        NOT NULL,
    setup_completed_at  timestamptz NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now()
);

-- Settings an Admin changes (each change audited and published as tenant.settings_changed
-- with `version`). Bounds are the service's (domain::settings), re-checked here.
CREATE TABLE console_settings (
    tenant_id                       uuid        PRIMARY KEY REFERENCES tenants (id),
    version                         bigint      NOT NULL CHECK (version >= 1),
    idle_timeout_secs               integer     NOT NULL CHECK (idle_timeout_secs BETWEEN 300 AND 3600),
    absolute_lifetime_secs          integer     NOT NULL CHECK (absolute_lifetime_secs BETWEEN 3600 AND 86400),
    sync_interval_secs              integer     NOT NULL CHECK (sync_interval_secs BETWEEN 10 AND 86400),
    deactivation_threshold_percent  smallint    NOT NULL CHECK (deactivation_threshold_percent BETWEEN 0 AND 100),
    deactivation_threshold_count    integer     NOT NULL CHECK (deactivation_threshold_count >= 1),
    updated_at                      timestamptz NOT NULL DEFAULT now(),
    -- The audit actor of the last change (`console_user:{oid}`, `system:setup`, …).
    updated_by                      text        NOT NULL CHECK (char_length(updated_by) <= 255)
);

-- The access configuration: which groups grant which role, and direct assignments. Snapshots
-- of it are published as access.config_changed with `version` (setup.completed is 1).
CREATE TABLE console_access_config (
    tenant_id   uuid        PRIMARY KEY REFERENCES tenants (id),
    version     bigint      NOT NULL CHECK (version >= 1),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE console_access_groups (
    tenant_id     uuid        NOT NULL REFERENCES console_access_config (tenant_id),
    group_id      uuid        NOT NULL,
    display_name  text        NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 256),
    role          text        NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    added_at      timestamptz NOT NULL DEFAULT now(),
    added_by      text        NOT NULL CHECK (char_length(added_by) <= 255),
    PRIMARY KEY (tenant_id, group_id)
);

CREATE TABLE console_direct_assignments (
    tenant_id    uuid        NOT NULL REFERENCES console_access_config (tenant_id),
    object_id    uuid        NOT NULL,
    role         text        NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    assigned_at  timestamptz NOT NULL DEFAULT now(),
    assigned_by  text        NOT NULL CHECK (char_length(assigned_by) <= 255),
    PRIMARY KEY (tenant_id, object_id)
);

-- People an Admin (or Manager) deactivated in the product: they cannot sign in to the console
-- whatever their groups say, until reactivated. (Deactivation in Entra ID comes from sync.)
CREATE TABLE console_user_blocks (
    tenant_id   uuid        NOT NULL REFERENCES tenants (id),
    object_id   uuid        NOT NULL,
    blocked_at  timestamptz NOT NULL DEFAULT now(),
    blocked_by  text        NOT NULL CHECK (char_length(blocked_by) <= 255),
    reason      text        CHECK (char_length(reason) <= 500),
    PRIMARY KEY (tenant_id, object_id)
);

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['console_tenants', 'console_settings', 'console_access_config',
                             'console_access_groups', 'console_direct_assignments',
                             'console_user_blocks']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$$;
