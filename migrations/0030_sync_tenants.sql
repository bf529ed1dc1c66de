-- 0030 sync-dispatch: the tenants being synced, their access-configuration projection, and
-- the one-run-at-a-time machinery (sync-dispatch owns every sync_* and directory_* table).
--
-- sync_tenants: one row per tenant whose setup completed (setup.completed). It is both the
-- admin console's view of the tenant's sync (columns listed in migrations/README.md, "Read
-- models other services depend on") and the scheduler's queue:
--
--   * the scheduler of every sync-dispatch instance claims due rows with
--     FOR UPDATE SKIP LOCKED (sync_claim_due, 0034), creates a queued sync_runs row and
--     sets current_run_id; nothing else is claimed for that tenant until the run ends, and
--     the partial unique index on sync_runs (0032) backs that up: at most ONE queued or
--     running run per tenant, enforced by PostgreSQL;
--   * the worker that takes the job holds a lease (lease_owner, lease_expires_at) that it
--     renews by heartbeat; a worker that dies stops renewing, the lease lapses and
--     sync_recover_stale (0034) hands the run to the next worker. A run applies its changes
--     in one transaction that first re-checks the lease (FOR UPDATE), so a worker that
--     lost its lease can never apply anything.
CREATE TABLE sync_tenants (
    tenant_id                       uuid        PRIMARY KEY REFERENCES tenants (id),
    -- The customer's Entra ID directory (tid), lowercase GUID.
    entra_tenant_id                 uuid        NOT NULL,
    -- Our projection of the tenant's lifecycle (tenant.suspended/resumed/deprovisioned).
    -- Only 'active' tenants are synced; the scheduler also requires tenants.status = 'active'.
    lifecycle                       text        NOT NULL DEFAULT 'active'
        CHECK (lifecycle IN ('active', 'suspended', 'deprovisioned')),
    -- Incremental sync interval (tenant.settings_changed; the service enforces its minimum,
    -- 10 s by default).
    sync_interval_secs              integer     NOT NULL DEFAULT 60 CHECK (sync_interval_secs >= 1),
    -- Full reconcile interval (service setting, daily by default).
    full_interval_secs              integer     NOT NULL DEFAULT 86400 CHECK (full_interval_secs >= 1),
    -- A run that would deactivate more than this share of the active users, or more than
    -- this many, is held for an Admin's decision.
    deactivation_threshold_percent  smallint    NOT NULL DEFAULT 20
        CHECK (deactivation_threshold_percent BETWEEN 0 AND 100),
    deactivation_threshold_count    integer     NOT NULL DEFAULT 500
        CHECK (deactivation_threshold_count >= 0),
    -- Versions of the snapshots applied last (access.config_changed, tenant.settings_changed):
    -- older snapshots arriving late are ignored.
    config_version                  bigint      NOT NULL DEFAULT 0,
    settings_version                bigint      NOT NULL DEFAULT 0,
    -- When the next incremental sync and the next full reconcile are due.
    next_incremental_at             timestamptz NOT NULL DEFAULT now(),
    next_full_at                    timestamptz NOT NULL DEFAULT now(),
    -- A run asked for while another ran ("sync now", a config change, setup): claimed next.
    pending_kind                    text        CHECK (pending_kind IN ('full', 'incremental')),
    pending_trigger                 text        CHECK (char_length(pending_trigger) <= 64),
    pending_requested_by            text        CHECK (char_length(pending_requested_by) <= 255),
    -- The queued or running run (NULL when none) and when its job was last published.
    current_run_id                  uuid,
    dispatched_at                   timestamptz,
    -- The worker instance running current_run_id, and until when its lease holds.
    lease_owner                     uuid,
    lease_expires_at                timestamptz,
    -- After a failed run: no automatic run before retry_at (exponential backoff).
    retry_at                        timestamptz,
    consecutive_failures            integer     NOT NULL DEFAULT 0,
    -- Graph delta positions (@odata.deltaLink URLs), set by every full sync.
    users_delta_link                text,
    groups_delta_link               text,
    last_run_at                     timestamptz,
    last_success_at                 timestamptz,
    last_full_success_at            timestamptz,
    -- "Needs attention" (consent revoked, Conditional Access, permission missing): no
    -- automatic runs until a config change, "sync now" or a new consent clears it.
    attention_reason                text        CHECK (char_length(attention_reason) <= 64),
    attention_code                  text        CHECK (char_length(attention_code) <= 64),
    attention_remediation           text        CHECK (char_length(attention_remediation) <= 2000),
    attention_since                 timestamptz,
    registered_at                   timestamptz NOT NULL DEFAULT now(),
    updated_at                      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sync_tenants_lease_needs_run
        CHECK (lease_owner IS NULL OR current_run_id IS NOT NULL),
    CONSTRAINT sync_tenants_pending_has_trigger
        CHECK ((pending_kind IS NULL) = (pending_trigger IS NULL))
);

-- The scheduler's scan (due tenants, oldest first).
CREATE INDEX sync_tenants_next_incremental_idx ON sync_tenants (next_incremental_at)
    WHERE current_run_id IS NULL;
-- The sweeper's scan (runs whose job or worker went missing).
CREATE INDEX sync_tenants_current_run_idx ON sync_tenants (dispatched_at)
    WHERE current_run_id IS NOT NULL;

ALTER TABLE sync_tenants ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_tenants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_tenants
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- The scheduler must claim due tenants ACROSS tenants, which pa_app cannot (RLS). It calls
-- the SECURITY DEFINER functions of 0034, which run as the owner; this policy lets the
-- owner (and only the owner: pa_app never gets it) see and update every row. pa_owner owns
-- the table and runs migrations only, so it gains nothing it could not do already (as with
-- setup_links' owner_lookup, 0013).
CREATE POLICY scheduler ON sync_tenants AS PERMISSIVE FOR ALL TO pa_owner
    USING (true) WITH CHECK (true);

COMMENT ON TABLE sync_tenants IS
    'sync-dispatch: tenants being synced, their schedule, lease and needs-attention state';

-- The access configuration as admin-console last published it (setup.completed seeds
-- version 1, access.config_changed replaces it when its version is higher).

-- Groups whose transitive user members get a role.
CREATE TABLE sync_access_groups (
    tenant_id     uuid        NOT NULL,
    group_id      uuid        NOT NULL,
    -- As configured (display only; directory_groups keeps the current name).
    display_name  text        NOT NULL CHECK (char_length(display_name) <= 256),
    role          text        NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    PRIMARY KEY (tenant_id, group_id)
);

-- Roles given to one user whatever their groups say (the wizard's initial administrator,
-- console assignments). They end only when the user is disabled or deleted in Entra ID or
-- the assignment is removed.
CREATE TABLE sync_direct_assignments (
    tenant_id  uuid NOT NULL,
    object_id  uuid NOT NULL,
    role       text NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    PRIMARY KEY (tenant_id, object_id)
);

ALTER TABLE sync_access_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_access_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_access_groups
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE sync_direct_assignments ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_direct_assignments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_direct_assignments
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- Role names ordered by privilege (Admin > Manager > Viewer, as pa_events::AccessRole).
CREATE FUNCTION access_role_rank(role text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE role WHEN 'admin' THEN 3 WHEN 'manager' THEN 2 WHEN 'viewer' THEN 1 END;

CREATE FUNCTION access_role_of_rank(rank integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE rank WHEN 3 THEN 'admin' WHEN 2 THEN 'manager' WHEN 1 THEN 'viewer' END;

-- A time-ordered UUID (version 7) generated in SQL, for rows written set-based (history,
-- audit records, outbox events): 48 bits of Unix milliseconds, then random bits.
CREATE FUNCTION sync_uuid_v7() RETURNS uuid
    LANGUAGE sql VOLATILE PARALLEL SAFE
    RETURN encode(
        set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                                placing substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                                FROM 1 FOR 6),
                        52, 1),
                53, 1),
        'hex')::uuid;
