-- 0033 sync-dispatch: staging tables, keyed by run.
--
-- A run streams what it reads from Graph into these tables page by page (while the next
-- page is being fetched) and applies them to the directory_* tables in ONE transaction at
-- the end, set-based. So a run that fails, is cut short or whose worker dies leaves nothing
-- half-applied: only staging rows, which the next attempt of the run deletes first and the
-- successful apply deletes with it.
--
-- UNLOGGED: staging rows are scratch data that never needs to survive a crash (a crash ends
-- the run, which is retried from the start), so they skip the write-ahead log. A crash
-- empties these tables, which is exactly right.

-- Users seen by the run: members of configured groups and directly assigned users
-- (in_scope), or users reported by the users delta (applied only to users already known).
CREATE UNLOGGED TABLE sync_stage_users (
    tenant_id            uuid    NOT NULL,
    run_id               uuid    NOT NULL,
    -- Order of arrival within the run: the last word on a user wins (delta may report one
    -- user several times).
    seq                  bigint  NOT NULL,
    object_id            uuid    NOT NULL,
    in_scope             boolean NOT NULL,
    user_principal_name  text,
    display_name         text,
    mail                 text,
    account_enabled      boolean,
    directory_state      text    NOT NULL
        CHECK (directory_state IN ('present', 'soft_deleted', 'hard_deleted'))
);

CREATE INDEX sync_stage_users_run_idx ON sync_stage_users (tenant_id, run_id, object_id);

-- (configured group, transitive user member) pairs read by the run.
CREATE UNLOGGED TABLE sync_stage_members (
    tenant_id  uuid NOT NULL,
    run_id     uuid NOT NULL,
    group_id   uuid NOT NULL,
    object_id  uuid NOT NULL
);

CREATE INDEX sync_stage_members_run_idx ON sync_stage_members (tenant_id, run_id, group_id, object_id);

-- (configured group, nested group) pairs read by the run (next sync_group_closure).
CREATE UNLOGGED TABLE sync_stage_groups (
    tenant_id        uuid NOT NULL,
    run_id           uuid NOT NULL,
    group_id         uuid NOT NULL,
    nested_group_id  uuid NOT NULL
);

CREATE INDEX sync_stage_groups_run_idx ON sync_stage_groups (tenant_id, run_id);

ALTER TABLE sync_stage_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_stage_users FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_stage_users
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE sync_stage_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_stage_members FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_stage_members
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE sync_stage_groups ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_stage_groups FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_stage_groups
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
