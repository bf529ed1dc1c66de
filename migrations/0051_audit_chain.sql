-- 0051 Tamper-evident audit trail (pa-audit): each tenant's audit records chained by hash.
-- HIPAA 45 CFR 164.312(b) audit controls and (c)(1) integrity: an altered, deleted or
-- reordered record is detected by pa_audit::verify_chain, which names the first broken one.
--
-- Writers are unchanged and never wait for each other: a record is sealed AFTER it commits,
-- asynchronously, by pa_audit::Sealer (several instances may run at once):
--
--   1. Every INSERT into audit_log also queues the new record ids in audit_seal_queue (a
--      statement-level trigger, so one extra INSERT per statement, in the writer's
--      transaction: a record and its queue entry commit or roll back together).
--   2. A sealer lists the tenants with queued records (audit_seal_pending_tenants), and for
--      each, in one transaction under that tenant's context: locks the tenant's chain head
--      row (FOR UPDATE SKIP LOCKED: one sealer per tenant at a time, the others move on to
--      other tenants), reads queued records oldest first, computes for each
--          hash = SHA-256(canonical encoding v1 of (prev_hash, seq, every column))
--      (pa_audit::chain::encoding documents the encoding), inserts the chain rows, moves the
--      head, and commits. Inserting a chain row deletes its queue entry (trigger below).
--
-- A record is thus normally sealed within about a second (the sealer's poll interval).
-- The chain order is the seal order (seq 1, 2, 3, … per tenant), which is close to but not
-- exactly commit order. Verification walks seq order from the start (or from the latest
-- retention checkpoint, 0052) and recomputes every hash.

-- One row per sealed record. Append-only (trigger + privilege, as audit_log); only the
-- retention purge (0052) deletes a prefix of a chain together with its records.
CREATE TABLE audit_chain (
    tenant_id  uuid          NOT NULL,
    -- Position in the tenant's chain: 1, 2, 3, … without gaps.
    seq        bigint        NOT NULL CHECK (seq > 0),
    -- The audit_log record sealed here. No foreign key: the chain must outlive a deleted
    -- record to report it, and a key check would lock audit_log rows.
    audit_id   uuid          NOT NULL,
    -- Version of the canonical encoding the hash was computed over (1 today).
    encoding   smallint      NOT NULL CHECK (encoding > 0),
    -- The previous row's hash (32 zero bytes for seq 1).
    prev_hash  sha256_digest NOT NULL,
    hash       sha256_digest NOT NULL,
    sealed_at  timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, seq),
    -- A record is sealed once; also the join from audit_log to its seal.
    UNIQUE (tenant_id, audit_id)
);

-- One row per tenant with a chain: its last sealed position. The sealer's per-tenant lock
-- (row lock), and what verification compares the end of the walk with (so deleting the
-- last rows of a chain is detected too).
CREATE TABLE audit_chain_heads (
    tenant_id  uuid          PRIMARY KEY,
    seq        bigint        NOT NULL DEFAULT 0 CHECK (seq >= 0),
    hash       sha256_digest NOT NULL DEFAULT decode(repeat('00', 32), 'hex'),
    sealed_at  timestamptz
);

-- Records awaiting their seal: normally a second's worth. Filled only by the trigger on
-- audit_log, emptied only by sealing (trigger on audit_chain) or, for an entry whose record
-- no longer exists, by audit_seal_drop_orphans().
CREATE TABLE audit_seal_queue (
    tenant_id  uuid NOT NULL,
    audit_id   uuid NOT NULL,
    PRIMARY KEY (tenant_id, audit_id)
);

-- A queue: rows live about a second. Vacuum it often (as the outbox, 0006).
ALTER TABLE audit_seal_queue SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 1000
);

-- Records written before this migration are queued too, so they get sealed. The owner runs
-- under forced row-level security, which would hide them; lift it for this one statement
-- (DDL is transactional: nobody sees audit_log without it).
ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY;
INSERT INTO audit_seal_queue (tenant_id, audit_id) SELECT tenant_id, id FROM audit_log;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;

-- Tenant isolation, as every tenant-owned table (migrations/README.md).
ALTER TABLE audit_chain ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_chain
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE audit_chain_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_chain_heads
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

ALTER TABLE audit_seal_queue ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_seal_queue FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_seal_queue
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The only cross-tenant reads: WHICH tenants have queued records / a chain (ids, nothing
-- else), for the sealer and the retention purge job. pa_app cannot read across tenants
-- itself; it calls the two SECURITY DEFINER functions below, which run as pa_owner and
-- return tenant ids only. These policies apply to pa_owner alone and only to SELECT.
CREATE POLICY maintenance_read ON audit_seal_queue FOR SELECT TO pa_owner USING (true);
CREATE POLICY maintenance_read ON audit_chain_heads FOR SELECT TO pa_owner USING (true);

-- Up to p_limit tenants (ordered by id, after p_after) with records awaiting a seal. A
-- loose index scan: one index probe per tenant, however many records are queued.
CREATE FUNCTION audit_seal_pending_tenants(p_after uuid, p_limit integer)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS
$$
    WITH RECURSIVE pending (tenant_id) AS (
        (SELECT q.tenant_id FROM audit_seal_queue q
          WHERE p_after IS NULL OR q.tenant_id > p_after
          ORDER BY q.tenant_id LIMIT 1)
        UNION ALL
        SELECT (SELECT q.tenant_id FROM audit_seal_queue q
                 WHERE q.tenant_id > pending.tenant_id
                 ORDER BY q.tenant_id LIMIT 1)
          FROM pending
         WHERE pending.tenant_id IS NOT NULL
    )
    SELECT tenant_id FROM pending WHERE tenant_id IS NOT NULL LIMIT p_limit
$$;

-- Up to p_limit tenants (ordered by id, after p_after) that have a chain.
CREATE FUNCTION audit_chain_tenants(p_after uuid, p_limit integer)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public, pg_temp
AS
$$
    SELECT h.tenant_id FROM audit_chain_heads h
     WHERE p_after IS NULL OR h.tenant_id > p_after
     ORDER BY h.tenant_id LIMIT p_limit
$$;

-- Queues every record an INSERT wrote (in the writer's transaction, under its tenant
-- context, which RLS on audit_log already requires to be the records' tenant).
CREATE FUNCTION audit_log_enqueue_seal() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO public.audit_seal_queue (tenant_id, audit_id)
    SELECT tenant_id, id FROM new_records;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_log_enqueue_seal
    AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS new_records
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_enqueue_seal();

-- Sealing a record takes it off the queue, atomically. SECURITY DEFINER: pa_app may not
-- DELETE from the queue itself (so tenant-provisioning's purge_tenant_rows(), 0014, which
-- deletes from every table pa_app may delete from, leaves pending seals alone).
CREATE FUNCTION audit_chain_dequeue_sealed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS
$$
BEGIN
    DELETE FROM audit_seal_queue q
     USING sealed s
     WHERE q.tenant_id = s.tenant_id AND q.audit_id = s.audit_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER audit_chain_dequeue_sealed
    AFTER INSERT ON audit_chain
    REFERENCING NEW TABLE AS sealed
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_dequeue_sealed();

-- Drops queue entries of the current tenant whose record does not exist (an entry that
-- pa_app inserted by hand, or a record deleted by someone bypassing the append-only rules
-- before it was sealed); the sealer calls it so such entries don't come back every pass.
-- Returns how many it dropped. Entries of existing records are never touched.
CREATE FUNCTION audit_seal_drop_orphans(p_ids uuid[])
    RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path = public, pg_temp
AS
$$
DECLARE
    n bigint;
BEGIN
    DELETE FROM audit_seal_queue q
     WHERE q.tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
       AND q.audit_id = ANY (p_ids)
       AND NOT EXISTS (SELECT 1 FROM audit_log l
                        WHERE l.tenant_id = q.tenant_id AND l.id = q.audit_id);
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;

-- The chain is append-only like the records it seals (0003's trigger function).
CREATE TRIGGER audit_chain_append_only
    BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_no_truncate
    BEFORE TRUNCATE ON audit_chain
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- pa_app: seals (INSERT chain rows, move heads), reads, queues (through the trigger).
REVOKE UPDATE, DELETE, TRUNCATE ON audit_chain FROM pa_app;
REVOKE DELETE, TRUNCATE ON audit_chain_heads FROM pa_app;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_seal_queue FROM pa_app;

-- SECURITY DEFINER functions: nobody but pa_app (and the owner) may call them.
REVOKE EXECUTE ON FUNCTION audit_seal_pending_tenants(uuid, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_chain_tenants(uuid, integer) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_seal_drop_orphans(uuid[]) FROM PUBLIC;
REVOKE EXECUTE ON FUNCTION audit_chain_dequeue_sealed() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_seal_pending_tenants(uuid, integer) TO pa_app;
GRANT EXECUTE ON FUNCTION audit_chain_tenants(uuid, integer) TO pa_app;
GRANT EXECUTE ON FUNCTION audit_seal_drop_orphans(uuid[]) TO pa_app;

COMMENT ON TABLE audit_chain IS
    'Hash chain over audit_log per tenant (pa-audit Sealer); append-only';
COMMENT ON TABLE audit_chain_heads IS
    'Last sealed position and hash of each tenant''s audit chain; the sealer''s per-tenant lock';
COMMENT ON TABLE audit_seal_queue IS
    'Audit records awaiting their seal (filled by a trigger on audit_log)';
