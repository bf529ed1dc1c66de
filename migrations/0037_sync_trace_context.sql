-- 0037 sync-dispatch: a requested run continues the trace of whatever requested it.
--
-- A run is requested in one transaction (setup.completed, consent.granted, sync.requested,
-- an operator's "sync now", a configuration change: repo::tenants::request_run) and its job
-- is published later by the scheduler, in a transaction of its own with no trace context.
-- So the request's W3C traceparent is kept on the tenant with the pending request, moved
-- onto the run when the scheduler claims it, and the scheduler publishes the job as a child
-- of it: the wizard's finish (or the console's sync now) → the event → sync-dispatch's
-- consumer → the job → the run is one trace. Scheduled runs have none (a new trace).

ALTER TABLE sync_tenants ADD COLUMN pending_traceparent text;
ALTER TABLE sync_runs ADD COLUMN traceparent text;

COMMENT ON COLUMN sync_tenants.pending_traceparent IS
    'W3C traceparent of the pending run request (moved onto the run when it is claimed)';
COMMENT ON COLUMN sync_runs.traceparent IS
    'W3C traceparent of what requested the run (null: scheduled); its job continues that trace';

-- sync_claim_due (0035) also moving pending_traceparent onto the run.
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
               s.pending_requested_by,
               CASE WHEN s.pending_kind IS NOT NULL THEN s.pending_traceparent END
                   AS traceparent
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
        INSERT INTO sync_runs (tenant_id, id, kind, trigger, status, requested_by, traceparent)
        SELECT due.tenant_id, sync_uuid_v7(), due.kind, due.run_trigger, 'queued',
               due.pending_requested_by, due.traceparent
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
               pending_traceparent = NULL,
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

-- The traceparents of runs the scheduler is about to publish (claimed or recovered), read
-- across tenants like the claim itself. Returns only runs that have one.
CREATE FUNCTION sync_run_traceparents(p_runs uuid[])
    RETURNS TABLE (run_id uuid, traceparent text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public
AS
$$
    SELECT r.id, r.traceparent
      FROM sync_runs r
     WHERE r.id = ANY (p_runs) AND r.traceparent IS NOT NULL
$$;

ALTER FUNCTION sync_run_traceparents(uuid[]) OWNER TO pa_owner;
REVOKE ALL ON FUNCTION sync_run_traceparents(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_run_traceparents(uuid[]) TO pa_app;
-- sync-dispatch's own role (0053), where the cluster bootstrap has created it already.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pa_sync') THEN
        GRANT EXECUTE ON FUNCTION sync_run_traceparents(uuid[]) TO pa_sync;
    END IF;
END
$$;

COMMENT ON FUNCTION sync_run_traceparents(uuid[]) IS
    'sync-dispatch scheduler: the traceparents of the runs whose jobs it publishes';
