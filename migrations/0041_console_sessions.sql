-- 0041 admin-console: sign-in state and sessions (HIPAA 164.312(a)(2)(iii) automatic logoff,
-- (d) person authentication). Only SHA-256 hashes of the bearer secrets are stored.

-- A started sign-in: the one-time `state` (its hash), the pre-session cookie it is bound to
-- (its hash) and the `nonce`. The PKCE verifier is never stored: it is derived from the
-- pre-session cookie and the state, so only the browser that started the sign-in can finish
-- it. Deleted when used; stale rows are swept.
CREATE TABLE console_signin_states (
    tenant_id         uuid        NOT NULL REFERENCES tenants (id),
    state_hash        bytea       NOT NULL CHECK (octet_length(state_hash) = 32),
    presession_hash   bytea       NOT NULL CHECK (octet_length(presession_hash) = 32),
    nonce             text        NOT NULL CHECK (char_length(nonce) BETWEEN 16 AND 128),
    created_at        timestamptz NOT NULL,
    expires_at        timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, state_hash)
);

CREATE INDEX console_signin_states_expiry_idx ON console_signin_states (expires_at);

-- Console sessions. `kind` 'entra' (a person signed in with Entra ID: object_id set) or
-- 'emergency' (a break-glass account: emergency_account_id set). The server checks, on every
-- request, last_seen_at + the tenant's idle timeout and absolute_expires_at, and the person's
-- current role and status in the synced directory.
CREATE TABLE console_sessions (
    tenant_id             uuid        NOT NULL REFERENCES tenants (id),
    id                    uuid        NOT NULL,
    token_hash            bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    kind                  text        NOT NULL CHECK (kind IN ('entra', 'emergency')),
    object_id             uuid,
    emergency_account_id  uuid,
    -- What the ID token said, for the session list (display only).
    user_principal_name   text        CHECK (char_length(user_principal_name) <= 320),
    display_name          text        CHECK (char_length(display_name) <= 256),
    created_at            timestamptz NOT NULL,
    last_seen_at          timestamptz NOT NULL,
    absolute_expires_at   timestamptz NOT NULL,
    ended_at              timestamptz,
    end_reason            text        CHECK (end_reason IN ('signed_out', 'idle_timeout',
                              'absolute_timeout', 'ended_by_user', 'ended_by_admin',
                              'user_deactivated', 'role_changed', 'access_revoked',
                              'tenant_suspended', 'tenant_deprovisioned', 'account_revoked')),
    client_addr           inet,
    user_agent            text        CHECK (char_length(user_agent) <= 512),
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT console_sessions_kind_subject CHECK (
        (kind = 'entra' AND object_id IS NOT NULL AND emergency_account_id IS NULL)
        OR (kind = 'emergency' AND object_id IS NULL AND emergency_account_id IS NOT NULL)),
    CONSTRAINT console_sessions_ended_has_reason CHECK ((ended_at IS NULL) = (end_reason IS NULL))
);

-- Every request: the session by its token hash.
CREATE UNIQUE INDEX console_sessions_token_idx ON console_sessions (tenant_id, token_hash);
-- A person's live sessions (end them on user.deactivated, list own sessions).
CREATE INDEX console_sessions_user_idx ON console_sessions (tenant_id, object_id)
    WHERE ended_at IS NULL;
-- The sweeper: live sessions by expiry.
CREATE INDEX console_sessions_live_idx ON console_sessions (absolute_expires_at)
    WHERE ended_at IS NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['console_signin_states', 'console_sessions']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$$;

-- The sweeper ends expired sessions and deletes stale sign-ins ACROSS tenants. pa_app cannot
-- (RLS), so these SECURITY DEFINER functions, owned by pa_owner, return which tenants have
-- work; the sweeper then handles each tenant under its own context. They read only.
CREATE POLICY sweeper ON console_sessions AS PERMISSIVE FOR SELECT TO pa_owner USING (true);
CREATE POLICY sweeper ON console_signin_states AS PERMISSIVE FOR SELECT TO pa_owner USING (true);

-- Candidates: live sessions past their absolute expiry or idle for at least the shortest idle
-- timeout a tenant may set (300 s); the sweeper checks each tenant's own timeout.
CREATE FUNCTION console_tenants_with_expired_sessions(at timestamptz)
    RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
    SELECT DISTINCT tenant_id FROM console_sessions
    WHERE ended_at IS NULL
      AND (absolute_expires_at <= at OR last_seen_at <= at - make_interval(secs => 300))
    UNION
    SELECT DISTINCT tenant_id FROM console_signin_states WHERE expires_at <= at
$$;
REVOKE ALL ON FUNCTION console_tenants_with_expired_sessions(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION console_tenants_with_expired_sessions(timestamptz) TO pa_app;
