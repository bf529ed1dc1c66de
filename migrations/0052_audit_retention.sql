-- 0052 Audit retention (pa-audit): records older than a tenant's retention are purged, and
-- the chain stays verifiable.
--
-- HIPAA 164.316(b)(2)(i): keep for 6 years, the default here. A tenant may keep longer (or,
-- down to one year, shorter: its own compliance decision, which the caller audits). The purge
-- deletes a PREFIX of the tenant's chain (seq 1..n, oldest seals first) together with those
-- records, and writes a checkpoint row holding seq n and its hash in the same transaction;
-- verification then starts from the latest checkpoint instead of from 32 zero bytes.
--
-- audit_log and audit_chain still reject DELETE for everyone: pa_app lacks the privilege,
-- and their row trigger (now audit_log_guard) raises unless the transaction-local setting
-- `pa_audit.purging` is 'on'. Only audit_purge() (SECURITY DEFINER, owned by pa_owner, who
-- has the privilege) sets it, around its two DELETEs, and resets it before returning.

-- A tenant's retention; no row = the default (2,192 days: 6 years of 365.25 days, rounded
-- up, so never less than six calendar years).
CREATE TABLE audit_retention (
    tenant_id       uuid        PRIMARY KEY,
    retention_days  integer     NOT NULL CHECK (retention_days BETWEEN 365 AND 36525),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE audit_retention ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_retention FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_retention
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- Set, never removed (also keeps it through purge_tenant_rows(), 0014: the records it
-- governs outlive the tenant).
REVOKE DELETE, TRUNCATE ON audit_retention FROM pa_app;

-- One row per purge: the chain was cut after through_seq, whose hash was through_hash.
-- Append-only; written only by audit_purge() (pa_app may not INSERT: a forged checkpoint
-- would move where verification starts).
CREATE TABLE audit_chain_checkpoints (
    tenant_id     uuid          NOT NULL,
    through_seq   bigint        NOT NULL CHECK (through_seq > 0),
    through_hash  sha256_digest NOT NULL,
    -- Records deleted by this purge, and the cutoff it applied (occurred_at < cutoff).
    purged        bigint        NOT NULL CHECK (purged >= 0),
    cutoff        timestamptz   NOT NULL,
    created_at    timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, through_seq)
);

ALTER TABLE audit_chain_checkpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_chain_checkpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON audit_chain_checkpoints
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

CREATE TRIGGER audit_chain_checkpoints_append_only
    BEFORE UPDATE OR DELETE ON audit_chain_checkpoints
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_chain_checkpoints_no_truncate
    BEFORE TRUNCATE ON audit_chain_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_chain_checkpoints FROM pa_app;

-- audit_log's and audit_chain's row trigger: as audit_append_only() (0003), except that a
-- DELETE inside audit_purge() passes. UPDATE never does. platform_audit_log keeps 0003's.
CREATE FUNCTION audit_log_guard() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('pa_audit.purging', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER audit_log_append_only ON audit_log;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
DROP TRIGGER audit_chain_append_only ON audit_chain;
CREATE TRIGGER audit_chain_append_only
    BEFORE UPDATE OR DELETE ON audit_chain
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();

-- Purges the CURRENT tenant context's records older than p_cutoff, at most p_limit of them
-- (call again until it returns 0), and returns how many it deleted and the checkpoint (the
-- latest one, unchanged, when it deleted nothing; NULLs when there is none).
--
-- Only sealed records are ever deleted: it walks the chain from the latest checkpoint in seq
-- order and stops at the first position whose record is at or after the cutoff, is missing,
-- or breaks the sequence; everything before that position is deleted (record and chain row)
-- and checkpointed. A record that is not sealed yet has no chain row, so it stays whatever
-- its age (the next purge, after it is sealed, takes it). Row-level security (forced, also
-- for the owner) confines every statement to the tenant context; without one it refuses.
-- The head row lock orders it with the sealer of this tenant.
CREATE FUNCTION audit_purge(p_cutoff timestamptz, p_limit integer)
    RETURNS TABLE (purged_count bigint, checkpoint_seq bigint, checkpoint_hash bytea)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER
    SET search_path = public, pg_temp
AS
$$
DECLARE
    v_tenant  uuid := NULLIF(current_setting('app.tenant_id', true), '')::uuid;
    v_start   bigint := 0;
    v_through bigint;
    v_hash    bytea;
    v_count   bigint;
    r         record;
BEGIN
    IF v_tenant IS NULL THEN
        RAISE EXCEPTION 'audit_purge: no tenant context'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_cutoff IS NULL OR p_limit IS NULL OR p_limit < 1 THEN
        RAISE EXCEPTION 'audit_purge: a cutoff and a positive limit are required'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    PERFORM 1 FROM audit_chain_heads h WHERE h.tenant_id = v_tenant FOR UPDATE;
    IF NOT FOUND THEN
        -- Nothing was ever sealed, so nothing may be purged.
        RETURN QUERY SELECT 0::bigint, NULL::bigint, NULL::bytea;
        RETURN;
    END IF;

    SELECT k.through_seq, k.through_hash INTO v_start, v_hash
      FROM audit_chain_checkpoints k
     WHERE k.tenant_id = v_tenant
     ORDER BY k.through_seq DESC LIMIT 1;
    v_start := coalesce(v_start, 0);
    v_through := v_start;

    FOR r IN
        SELECT c.seq, c.hash, l.occurred_at
          FROM audit_chain c
          LEFT JOIN audit_log l ON l.tenant_id = c.tenant_id AND l.id = c.audit_id
         WHERE c.tenant_id = v_tenant AND c.seq > v_start
         ORDER BY c.seq
         LIMIT p_limit
    LOOP
        EXIT WHEN r.seq <> v_through + 1 OR r.occurred_at IS NULL OR r.occurred_at >= p_cutoff;
        v_through := r.seq;
        v_hash := r.hash;
    END LOOP;

    IF v_through = v_start THEN
        RETURN QUERY SELECT 0::bigint, NULLIF(v_start, 0), v_hash;
        RETURN;
    END IF;

    PERFORM set_config('pa_audit.purging', 'on', true);
    DELETE FROM audit_log l
     USING audit_chain c
     WHERE c.tenant_id = v_tenant AND c.seq > v_start AND c.seq <= v_through
       AND l.tenant_id = v_tenant AND l.id = c.audit_id;
    GET DIAGNOSTICS v_count = ROW_COUNT;
    DELETE FROM audit_chain c
     WHERE c.tenant_id = v_tenant AND c.seq > v_start AND c.seq <= v_through;
    PERFORM set_config('pa_audit.purging', '', true);

    INSERT INTO audit_chain_checkpoints (tenant_id, through_seq, through_hash, purged, cutoff)
    VALUES (v_tenant, v_through, v_hash, v_count, p_cutoff);

    RETURN QUERY SELECT v_count, v_through, v_hash;
END
$$;

REVOKE EXECUTE ON FUNCTION audit_purge(timestamptz, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION audit_purge(timestamptz, integer) TO pa_app;

COMMENT ON TABLE audit_retention IS
    'Per-tenant audit retention in days (pa-audit; default 2192 = 6 years)';
COMMENT ON TABLE audit_chain_checkpoints IS
    'Where each retention purge cut the tenant''s audit chain; verification starts at the latest';
COMMENT ON FUNCTION audit_purge(timestamptz, integer) IS
    'Deletes the current tenant''s sealed audit records older than the cutoff (a chain prefix) and checkpoints the chain';
