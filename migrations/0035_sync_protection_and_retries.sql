-- 0035 sync-dispatch: kept Admins, and retrying a failed run as what it was.
--
-- sync_protected_admins: Admins kept active because a run would otherwise have left the
-- tenant without any (its status was 'blocked').
--
-- Such an Admin's groups no longer grant the role, so nothing in Graph delta would bring
-- them up again; every run re-evaluates the users listed here, and an entry goes as soon
-- as a run no longer needs to keep that user (another Admin exists, or the user regained
-- the role): then the user gets what the directory says.
CREATE TABLE sync_protected_admins (
    tenant_id  uuid        NOT NULL,
    object_id  uuid        NOT NULL,
    -- The run that first kept them.
    run_id     uuid,
    since      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, object_id)
);

ALTER TABLE sync_protected_admins ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_protected_admins FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sync_protected_admins
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- After a failed run, the retry (at retry_at) runs the same kind: a failed full sync is
-- retried as a full sync, whatever the incremental schedule says.
ALTER TABLE sync_tenants ADD COLUMN retry_kind text CHECK (retry_kind IN ('full', 'incremental'));

-- sync_claim_due (0034) with the retry rule above: a tenant waiting out a failure's
-- backoff is due at retry_at (not at its next scheduled time), with the failed run's kind.
CREATE OR REPLACE FUNCTION sync_claim_due(p_limit integer)
    RETURNS TABLE (tenant_id uuid, run_id uuid, kind text, run_trigger text)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public
AS
$$
    WITH due AS (
        SELECT s.tenant_id,
               CASE
                   WHEN s.users_delta_link IS NULL THEN 'full'
                   WHEN s.pending_kind IS NOT NULL THEN s.pending_kind
                   WHEN s.retry_at IS NOT NULL THEN coalesce(s.retry_kind, 'incremental')
                   WHEN s.next_full_at <= now() THEN 'full'
                   ELSE 'incremental'
               END AS kind,
               CASE
                   WHEN s.pending_kind IS NOT NULL THEN s.pending_trigger
                   WHEN s.retry_at IS NOT NULL THEN 'retry'
                   WHEN s.next_full_at <= now() THEN 'reconcile'
                   ELSE 'schedule'
               END AS run_trigger,
               s.pending_requested_by
          FROM sync_tenants s
          JOIN tenants t ON t.id = s.tenant_id AND t.status = 'active'
         WHERE s.current_run_id IS NULL
           AND s.lifecycle = 'active'
           AND NOT EXISTS (SELECT 1 FROM sync_runs r
                            WHERE r.tenant_id = s.tenant_id AND r.status IN ('queued', 'running'))
           AND (s.pending_kind IS NOT NULL
                OR (s.attention_reason IS NULL
                    AND CASE WHEN s.retry_at IS NOT NULL THEN s.retry_at <= now()
                             ELSE least(s.next_incremental_at, s.next_full_at) <= now() END))
         ORDER BY s.pending_kind IS NULL, coalesce(s.retry_at, least(s.next_incremental_at, s.next_full_at))
         LIMIT p_limit
           FOR UPDATE OF s SKIP LOCKED
    ), runs AS (
        INSERT INTO sync_runs (tenant_id, id, kind, trigger, status, requested_by)
        SELECT due.tenant_id, sync_uuid_v7(), due.kind, due.run_trigger, 'queued',
               due.pending_requested_by
          FROM due
        RETURNING sync_runs.tenant_id, sync_runs.id, sync_runs.kind, sync_runs.trigger
    ), claimed AS (
        UPDATE sync_tenants s
           SET current_run_id = runs.id,
               dispatched_at = now(),
               lease_owner = NULL,
               lease_expires_at = NULL,
               pending_kind = NULL,
               pending_trigger = NULL,
               pending_requested_by = NULL,
               next_incremental_at = now() + make_interval(secs => s.sync_interval_secs),
               updated_at = now()
          FROM runs
         WHERE s.tenant_id = runs.tenant_id
        RETURNING s.tenant_id
    )
    SELECT runs.tenant_id, runs.id, runs.kind, runs.trigger
      FROM runs
      JOIN claimed ON claimed.tenant_id = runs.tenant_id
$$;
