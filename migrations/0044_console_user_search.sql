-- 0044 admin-console: the Users search under row-level security.
--
-- Under RLS, PostgreSQL evaluates a query's own conditions only after the policy's, unless
-- their functions are LEAKPROOF; LIKE (textlike) is not, so for pa_app the trigram index of
-- 0043 can never be used and every search scans the whole tenant (100 ms for 100,000 users).
-- console_search_users() runs the search as the owner instead (SECURITY DEFINER), where the
-- index is usable, and returns only rows of the CALLER'S tenant context: its WHERE is the
-- tenant_isolation policy's own condition, so it can return nothing pa_app could not read.
-- The console pages, filters and joins the result as pa_app (under RLS as usual).
--
-- The owner needs to read directory_users to do that (FORCE RLS binds the owner too): a
-- SELECT-only policy for pa_owner, which owns the table and runs migrations only, so it gains
-- nothing it could not do already (as sync_tenants' scheduler policy, 0030). pa_app never gets it.
CREATE POLICY console_user_search ON directory_users AS PERMISSIVE FOR SELECT TO pa_owner
    USING (true);

CREATE FUNCTION console_search_users(pattern text)
    RETURNS TABLE (object_id uuid, display_name text, user_principal_name text, role text, status text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    ROWS 1000
AS $$
    SELECT du.object_id, du.display_name, du.user_principal_name, du.role, du.status
    FROM public.directory_users du
    WHERE du.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
      AND public.console_user_search_text(du.display_name, du.user_principal_name, du.mail) LIKE pattern
$$;
REVOKE ALL ON FUNCTION console_search_users(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION console_search_users(text) TO pa_app;
