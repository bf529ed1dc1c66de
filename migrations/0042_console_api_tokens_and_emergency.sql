-- 0042 admin-console: API tokens for partner tools, and emergency ("break glass") accounts
-- (HIPAA 164.312(a)(2)(ii)). Secrets are stored as hashes (API tokens: SHA-256 of 256 random
-- bits; emergency secrets: Argon2id PHC strings); TOTP seeds are sealed with AES-256-GCM.
-- Rows are never deleted: revoked tokens and accounts keep the audit trail's actors resolvable.

CREATE TABLE console_api_tokens (
    tenant_id     uuid        NOT NULL REFERENCES tenants (id),
    id            uuid        NOT NULL,
    name          text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    -- The token's first characters, to recognise it (not a secret).
    token_prefix  text        NOT NULL CHECK (char_length(token_prefix) <= 32),
    token_hash    bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    role          text        NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    -- The Admin who created it (Entra object id); the token never acts above their current role.
    created_by    uuid        NOT NULL,
    created_at    timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    revoked_by    text        CHECK (char_length(revoked_by) <= 255),
    PRIMARY KEY (tenant_id, id),
    CHECK (expires_at > created_at)
);

CREATE UNIQUE INDEX console_api_tokens_hash_idx ON console_api_tokens (tenant_id, token_hash);

CREATE TABLE console_emergency_accounts (
    tenant_id         uuid        NOT NULL REFERENCES tenants (id),
    id                uuid        NOT NULL,
    name              text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    secret_hash       text        NOT NULL CHECK (secret_hash LIKE '$argon2id$%'),
    totp_sealed       bytea       NOT NULL,
    -- The last TOTP time step accepted: a code is never accepted twice.
    last_totp_step    bigint,
    failed_attempts   integer     NOT NULL DEFAULT 0,
    locked_until      timestamptz,
    created_by        text        NOT NULL CHECK (char_length(created_by) <= 255),
    created_at        timestamptz NOT NULL,
    last_used_at      timestamptz,
    revoked_at        timestamptz,
    revoked_by        text        CHECK (char_length(revoked_by) <= 255),
    PRIMARY KEY (tenant_id, id)
);

CREATE UNIQUE INDEX console_emergency_accounts_name_idx
    ON console_emergency_accounts (tenant_id, lower(name)) WHERE revoked_at IS NULL;

DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['console_api_tokens', 'console_emergency_accounts']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format($p$CREATE POLICY tenant_isolation ON %I
            USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
            WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$, t);
    END LOOP;
END
$$;
REVOKE DELETE, TRUNCATE ON console_api_tokens, console_emergency_accounts FROM pa_app;
