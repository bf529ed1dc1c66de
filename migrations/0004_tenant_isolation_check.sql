-- 0004 A reusable check that tenant isolation is structural, used by pa-db's meta-test
-- and callable by anyone (e.g. a readiness probe or CI after migrating):
--
--     SELECT * FROM tenant_isolation_gaps();   -- no rows = every tenant table is isolated
--
-- A relation in schema public that has a `tenant_id` column is tenant-owned and must have
-- row-level security enabled AND forced AND at least one policy. A view with a
-- `tenant_id` column must be `security_invoker`, otherwise it reads the base tables with
-- its owner's rights. A policy must read the tenant as
-- `NULLIF(current_setting('app.tenant_id', true), '')::uuid`: a pooled session that once
-- had the setting reads it back as '' (not NULL) and a bare `::uuid` cast then raises.
CREATE FUNCTION tenant_isolation_gaps()
    RETURNS TABLE (relation text, gap text)
    LANGUAGE sql STABLE AS
$$
    WITH tenant_relations AS (
        SELECT c.oid, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
               c.reloptions
          FROM pg_class c
          JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = 'public'
           AND c.relkind IN ('r', 'p', 'v', 'm')
           AND EXISTS (SELECT 1
                         FROM pg_attribute a
                        WHERE a.attrelid = c.oid
                          AND a.attname = 'tenant_id'
                          AND NOT a.attisdropped)
    )
    SELECT relname::text, 'row level security is not enabled'
      FROM tenant_relations WHERE relkind IN ('r', 'p') AND NOT relrowsecurity
    UNION ALL
    SELECT relname::text, 'row level security is not forced'
      FROM tenant_relations WHERE relkind IN ('r', 'p') AND NOT relforcerowsecurity
    UNION ALL
    SELECT relname::text, 'no row level security policy'
      FROM tenant_relations t
     WHERE relkind IN ('r', 'p')
       AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = t.oid)
    UNION ALL
    SELECT relname::text, 'policy ' || p.polname || ' casts app.tenant_id without NULLIF'
      FROM tenant_relations t
      JOIN pg_policy p ON p.polrelid = t.oid
     WHERE concat_ws(' ', pg_get_expr(p.polqual, p.polrelid),
                          pg_get_expr(p.polwithcheck, p.polrelid))
               ~* 'current_setting\(''app\.tenant_id''(::text)?(, true)?\)\)?::uuid'
    UNION ALL
    SELECT relname::text, 'view is not security_invoker'
      FROM tenant_relations
     WHERE relkind = 'v'
       AND NOT coalesce('security_invoker=true' = ANY (reloptions)
                        OR 'security_invoker=on' = ANY (reloptions), false)
    UNION ALL
    SELECT relname::text, 'materialized view cannot enforce row level security'
      FROM tenant_relations WHERE relkind = 'm'
    ORDER BY 1, 2
$$;

COMMENT ON FUNCTION tenant_isolation_gaps() IS
    'Rows = tenant-owned relations in schema public that lack enabled+forced RLS with a policy';
