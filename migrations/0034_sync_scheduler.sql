-- 0034 sync-dispatch: the scheduler's two cross-tenant statements.
--
-- Every sync-dispatch instance runs a scheduler loop; they share the work through these
-- functions alone (no coordinator): rows are claimed with FOR UPDATE SKIP LOCKED, so two
-- instances never claim the same tenant, and a claimed tenant carries its run in
-- current_run_id until the run ends. The caller publishes one job per returned row through
-- the outbox IN THE SAME TRANSACTION, so a claim and its job commit together.
--
-- pa_app cannot read across tenants (row-level security), so these are SECURITY DEFINER
-- functions owned by pa_owner (which the `scheduler` policies of 0030/0032 let see every
-- row). They return ids and kinds only. search_path is fixed.

-- Claims up to p_limit due tenants, creates a queued run for each and returns them:
--   * a pending request ("sync now", setup, config change, consent) is served first, even
--     while the tenant needs attention or waits out a failure's backoff (the request is
--     what lifts those);
--   * otherwise a tenant is due when its next incremental sync or full reconcile is due,
--     it does not need attention and no failure backoff is running;
--   * only tenants that are active here (lifecycle) and in the registry (tenants.status);
--   * a tenant without a delta position (none yet, or reset) gets a full run.
-- The next incremental sync is scheduled sync_interval_secs after the claim (fixed rate).
CREATE FUNCTION sync_claim_due(p_limit integer)
    RETURNS TABLE (tenant_id uuid, run_id uuid, kind text, run_trigger text)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public
AS
$$
    WITH due AS (
        SELECT s.tenant_id,
               CASE
                   WHEN s.pending_kind IS NOT NULL AND s.users_delta_link IS NOT NULL
                       THEN s.pending_kind
                   WHEN s.pending_kind IS NULL AND s.next_full_at > now()
                        AND s.users_delta_link IS NOT NULL
                       THEN 'incremental'
                   ELSE 'full'
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
                    AND (s.retry_at IS NULL OR s.retry_at <= now())
                    AND least(s.next_incremental_at, s.next_full_at) <= now()))
         ORDER BY s.pending_kind IS NULL, least(s.next_incremental_at, s.next_full_at)
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

-- Runs whose job must be published again, marked re-dispatched and returned (up to p_limit):
--   * a worker held the lease and let it lapse (it died, or lost the database) and the run
--     was not re-dispatched since: at once;
--   * or nobody took the job within p_unclaimed_after_secs of its dispatch (a lapsed lease
--     counts as nobody): published again. A duplicate job is harmless: whoever takes the
--     lease runs it, the other finds the lease taken or the run gone and drops the job.
CREATE FUNCTION sync_recover_stale(p_unclaimed_after_secs integer, p_limit integer)
    RETURNS TABLE (tenant_id uuid, run_id uuid, kind text)
    LANGUAGE sql VOLATILE SECURITY DEFINER
    SET search_path = public
AS
$$
    WITH stale AS (
        SELECT s.tenant_id, s.current_run_id
          FROM sync_tenants s
         WHERE s.current_run_id IS NOT NULL
           AND (s.lease_expires_at IS NULL OR s.lease_expires_at < now())
           AND ((s.lease_expires_at IS NOT NULL AND s.dispatched_at < s.lease_expires_at)
                OR s.dispatched_at < now() - make_interval(secs => p_unclaimed_after_secs))
         ORDER BY s.dispatched_at
         LIMIT p_limit
           FOR UPDATE OF s SKIP LOCKED
    ), marked AS (
        UPDATE sync_tenants s
           SET dispatched_at = now(), updated_at = now()
          FROM stale
         WHERE s.tenant_id = stale.tenant_id
        RETURNING s.tenant_id, s.current_run_id
    )
    SELECT m.tenant_id, m.current_run_id, r.kind
      FROM marked m
      JOIN sync_runs r ON r.tenant_id = m.tenant_id AND r.id = m.current_run_id
$$;

ALTER FUNCTION sync_claim_due(integer) OWNER TO pa_owner;
ALTER FUNCTION sync_recover_stale(integer, integer) OWNER TO pa_owner;
REVOKE ALL ON FUNCTION sync_claim_due(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION sync_recover_stale(integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_claim_due(integer) TO pa_app;
GRANT EXECUTE ON FUNCTION sync_recover_stale(integer, integer) TO pa_app;

COMMENT ON FUNCTION sync_claim_due(integer) IS
    'sync-dispatch scheduler: claims due tenants (SKIP LOCKED), creates their queued runs';
COMMENT ON FUNCTION sync_recover_stale(integer, integer) IS
    'sync-dispatch scheduler: runs whose job or worker went missing, to publish again';
