-- 0014 Purging a deprovisioned tenant's data (tenant-provisioning's purge worker).
--
-- Deletes the tenant's rows from EVERY tenant-owned table (a table in schema public with
-- a tenant_id column) that the calling role may DELETE from, so tables added later by
-- other services are purged without changing this function. Tables whose rows must
-- outlive the tenant revoke DELETE from pa_app: audit_log (0003) does, so the audit trail
-- stays. Foreign keys between tenant tables are handled by retrying a table after the
-- others; a cycle that never clears raises.
--
-- SECURITY INVOKER: it runs with the caller's rights and under RLS, and refuses to run
-- unless the transaction's tenant context (pa_db::begin_tenant) is the tenant purged, so
-- it can only ever delete that tenant's rows. Returns one row per table purged.
CREATE FUNCTION purge_tenant_rows(p_tenant uuid)
    RETURNS TABLE (relation text, deleted bigint)
    LANGUAGE plpgsql VOLATILE SECURITY INVOKER
    SET search_path = public
AS
$$
DECLARE
    pending   text[];
    remaining text[];
    rel       text;
    n         bigint;
BEGIN
    IF p_tenant IS NULL
       OR p_tenant IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')::uuid THEN
        RAISE EXCEPTION 'purge_tenant_rows: the tenant context must be the tenant purged'
            USING ERRCODE = 'insufficient_privilege';
    END IF;

    SELECT coalesce(array_agg(c.relname::text ORDER BY c.relname), '{}')
      INTO pending
      FROM pg_class c
      JOIN pg_namespace ns ON ns.oid = c.relnamespace
     WHERE ns.nspname = 'public'
       AND c.relkind IN ('r', 'p')
       AND NOT c.relispartition
       AND EXISTS (SELECT 1
                     FROM pg_attribute a
                    WHERE a.attrelid = c.oid
                      AND a.attname = 'tenant_id'
                      AND NOT a.attisdropped)
       AND has_table_privilege(c.oid, 'DELETE');

    WHILE cardinality(pending) > 0 LOOP
        remaining := '{}';
        FOREACH rel IN ARRAY pending LOOP
            BEGIN
                EXECUTE format('DELETE FROM public.%I WHERE tenant_id = $1', rel) USING p_tenant;
                GET DIAGNOSTICS n = ROW_COUNT;
                relation := rel;
                deleted := n;
                RETURN NEXT;
            EXCEPTION WHEN foreign_key_violation THEN
                remaining := remaining || rel;
            END;
        END LOOP;
        IF cardinality(remaining) = cardinality(pending) THEN
            RAISE EXCEPTION 'purge_tenant_rows: foreign keys keep rows of % alive', remaining;
        END IF;
        pending := remaining;
    END LOOP;
END
$$;

COMMENT ON FUNCTION purge_tenant_rows(uuid) IS
    'Deletes the current tenant''s rows from every tenant-owned table the caller may DELETE from';
