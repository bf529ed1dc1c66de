-- 0013 Setup links (tenant-provisioning) and their lookup for the consent service.
--
-- A setup link is how a customer's IT admin starts the setup wizard:
-- `{wizard_base_url}/setup#token=pa_setup_<43 base64url characters>` (32 random bytes,
-- 256 bits). The token is e-mailed once and never stored: only its SHA-256 is.
--
-- Tenant-owned table: keyed by (tenant_id, id), row-level security enabled, forced, and
-- the standard tenant_isolation policy. A link's state is derived from its timestamps:
--   used     used_at set (by the consent service when setup completes)
--   revoked  revoked_at set (revoked_reason says why)
--   expired  expires_at passed
--   active   otherwise
-- At most one link per tenant is neither revoked nor used (partial unique index below):
-- issuing a new one first closes the previous one.
CREATE TABLE setup_links (
    tenant_id       uuid        NOT NULL REFERENCES tenants (id),
    id              uuid        NOT NULL,
    -- SHA-256 of the token string. Globally unique: the consent service resolves a token
    -- without knowing the tenant (see setup_link_lookup below).
    token_hash      bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    -- The address the link was e-mailed to (the tenant's contact at the time).
    sent_to         text        NOT NULL CHECK (char_length(sent_to) BETWEEN 3 AND 254),
    -- Actor that issued it, as in the audit trail (e.g. the operator key id).
    issued_by       text        NOT NULL CHECK (char_length(issued_by) BETWEEN 1 AND 255),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    -- revoked: an operator revoked it; regenerated: replaced by a new link;
    -- superseded: it had expired and a new link was issued; tenant_deprovisioned.
    revoked_reason  text
        CHECK (revoked_reason IN ('revoked', 'regenerated', 'superseded', 'tenant_deprovisioned')),
    used_at         timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT setup_links_token_hash_key UNIQUE (token_hash),
    CONSTRAINT setup_links_expires_after_creation CHECK (expires_at > created_at),
    CONSTRAINT setup_links_revocation_has_reason
        CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

-- A tenant's links, newest first (the list endpoint).
CREATE INDEX setup_links_tenant_created_idx ON setup_links (tenant_id, created_at DESC, id DESC);

-- At most one open (not revoked, not used) link per tenant.
CREATE UNIQUE INDEX setup_links_one_open_per_tenant
    ON setup_links (tenant_id)
    WHERE revoked_at IS NULL AND used_at IS NULL;

ALTER TABLE setup_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE setup_links FORCE ROW LEVEL SECURITY;
-- NULLIF: a pooled session that once had app.tenant_id reads it back as '' (see 0003).
CREATE POLICY tenant_isolation ON setup_links
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);

-- The lookup below runs as the table owner (pa_owner), which FORCE subjects to RLS too.
-- This read-only policy lets the owner (and only the owner: pa_app never gets it) see
-- every link. pa_owner runs migrations only and owns the table anyway (it could turn RLS
-- off), so this grants it nothing new.
CREATE POLICY owner_lookup ON setup_links
    AS PERMISSIVE FOR SELECT TO pa_owner
    USING (true);

-- Resolves a token (by its SHA-256) to its tenant despite RLS, for the consent service,
-- which receives the token from the browser before it knows the tenant.
--
--   SELECT * FROM setup_link_lookup(sha256(convert_to($token, 'UTF8')));
--
-- No row: unknown token. Otherwise `status` is, first match wins:
--   used                the link completed setup (rejected from then on)
--   revoked             an operator revoked or regenerated it, or the tenant was deprovisioned
--   expired             expires_at has passed
--   tenant_unavailable  the tenant is suspended, deprovisioned or purged
--   active              the wizard may start
-- SECURITY DEFINER with a fixed search_path; callable by pa_app only.
CREATE FUNCTION setup_link_lookup(token_hash bytea)
    RETURNS TABLE (tenant_id uuid, link_id uuid, status text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public
AS
$$
    SELECT l.tenant_id,
           l.id,
           CASE
               WHEN l.used_at IS NOT NULL THEN 'used'
               WHEN l.revoked_at IS NOT NULL THEN 'revoked'
               WHEN l.expires_at <= now() THEN 'expired'
               WHEN t.status NOT IN ('pending_setup', 'active') THEN 'tenant_unavailable'
               ELSE 'active'
           END
      FROM public.setup_links l
      JOIN public.tenants t ON t.id = l.tenant_id
     WHERE l.token_hash = setup_link_lookup.token_hash
$$;

ALTER FUNCTION setup_link_lookup(bytea) OWNER TO pa_owner;
REVOKE ALL ON FUNCTION setup_link_lookup(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION setup_link_lookup(bytea) TO pa_app;

COMMENT ON FUNCTION setup_link_lookup(bytea) IS
    'Token SHA-256 -> (tenant_id, link_id, status in used|revoked|expired|tenant_unavailable|active)';
