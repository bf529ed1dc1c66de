-- sync-dispatch: fresh planner statistics after a large load into the directory tables.
--
-- A new tenant's rows are invisible to the planner's statistics until the next ANALYZE,
-- and autovacuum analyzes a table only once 10 % of it has changed: a 10,000-user tenant
-- loaded into a database of 1,000,000 synced users never triggers it. Until then a
-- tenant-specific plan estimates about one row for that tenant and nests loops that rescan
-- per user — measured: a 10,000-user tenant's first incremental apply ran 55 s (into the
-- statement timeout, again and again) instead of a fraction of a second. sync-dispatch calls
-- this after a run that created many users (`sync.stats_refresh_min_created`).
--
-- SECURITY DEFINER (owner pa_owner, who owns the tables: ANALYZE needs the owner), EXECUTE
-- for pa_sync only. ANALYZE samples (300 × default_statistics_target rows), so it takes a
-- fraction of a second even on a large table, and it blocks no reads or writes.
CREATE FUNCTION sync_refresh_statistics() RETURNS void
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public
AS $$
BEGIN
    ANALYZE directory_users;
    ANALYZE directory_user_grants;
END
$$;

ALTER FUNCTION sync_refresh_statistics() OWNER TO pa_owner;
REVOKE ALL ON FUNCTION sync_refresh_statistics() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION sync_refresh_statistics() TO pa_sync;

COMMENT ON FUNCTION sync_refresh_statistics() IS
    'sync-dispatch: ANALYZE the directory tables after a large load (a new tenant''s rows are otherwise unknown to the planner)';
