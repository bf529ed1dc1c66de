-- 0032 sync-dispatch: every sync run, and the would-be changes of held runs (read by
-- admin-console: the Sync page, the approval of held runs).
--
-- A run is created 'queued' by the scheduler, becomes 'running' when a worker takes its
-- lease, and ends 'succeeded', 'failed', 'held' (it would have deactivated more users than
-- the tenant's threshold: those deactivations wait in sync_held_changes for an Admin) or
-- 'blocked' (it would have left the tenant without an active Admin: those Admins were kept).
-- A held run becomes 'approved' or 'rejected' on the Admin's decision (sync.hold_decided).
CREATE TABLE sync_runs (
    tenant_id          uuid        NOT NULL,
    id                 uuid        NOT NULL,
    kind               text        NOT NULL CHECK (kind IN ('full', 'incremental')),
    -- Why it ran: setup, schedule, reconcile, retry, sync_now, operator, config_change,
    -- consent, delta_reset.
    trigger            text        NOT NULL CHECK (char_length(trigger) BETWEEN 1 AND 64),
    status             text        NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'held', 'blocked',
                          'approved', 'rejected')),
    -- Who asked (console user, operator key), when a person did.
    requested_by       text        CHECK (char_length(requested_by) <= 255),
    queued_at          timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    finished_at        timestamptz,
    -- Progress while it runs: objects (users) read so far, of how many when Graph's $count
    -- told (null otherwise), Graph pages read.
    objects_read       bigint      NOT NULL DEFAULT 0,
    objects_total      bigint,
    pages_read         bigint      NOT NULL DEFAULT 0,
    users_created      bigint      NOT NULL DEFAULT 0,
    users_updated      bigint      NOT NULL DEFAULT 0,
    users_deactivated  bigint      NOT NULL DEFAULT 0,
    users_reactivated  bigint      NOT NULL DEFAULT 0,
    held_changes       bigint      NOT NULL DEFAULT 0,
    -- Microsoft's code (AADSTS…, a Graph code) or ours, and a message without secrets.
    error_code         text        CHECK (char_length(error_code) <= 64),
    error_message      text        CHECK (char_length(error_message) <= 2000),
    -- Workers that took the run (a retry after a lapsed lease adds one) and the last one.
    attempt            integer     NOT NULL DEFAULT 0,
    worker_id          uuid,
    -- When an Admin decided on a held run, and who.
    decided_at         timestamptz,
    decided_by         text        CHECK (char_length(decided_by) <= 255),
    PRIMARY KEY (tenant_id, id)
);

-- At most one queued or running run per tenant, whatever any instance does.
CREATE UNIQUE INDEX sync_runs_one_active_per_tenant ON sync_runs (tenant_id)
    WHERE status IN ('queued', 'running');
-- Run history, newest first (keyset pagination on (queued_at, id)).
CREATE INDEX sync_runs_history_idx ON sync_runs (tenant_id, queued_at DESC, id DESC);
-- Held runs awaiting a decision.
CREATE INDEX sync_runs_held_idx ON sync_runs (tenant_id) WHERE status = 'held';

-- What a held run would do. Kept after the decision (the record of what was approved or
-- rejected).
CREATE TABLE sync_held_changes (
    tenant_id  uuid NOT NULL,
    run_id     uuid NOT NULL,
    object_id  uuid NOT NULL,
    change     text NOT NULL CHECK (change IN ('deactivate')),
    -- A pa_events::DeactivationReason name.
    reason     text NOT NULL CHECK (char_length(reason) <= 64),
    PRIMARY KEY (tenant_id, run_id, object_id)
);

CREATE INDEX sync_held_changes_user_idx ON sync_held_changes (tenant_id, object_id);

ALTER TABLE sync_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_runs
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- The scheduler's functions (0034) insert queued runs and read run kinds across tenants
-- as the owner (see sync_tenants' scheduler policy, 0030).
CREATE POLICY scheduler ON sync_runs AS PERMISSIVE FOR ALL TO pa_owner
    USING (true) WITH CHECK (true);

ALTER TABLE sync_held_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_held_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_held_changes
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
