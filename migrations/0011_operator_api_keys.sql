-- 0011 Operator API keys (tenant-provisioning).
--
-- The vendor's operators authenticate with `Authorization: Bearer pa_op_<43 base64url
-- characters>` (32 random bytes). The key itself is shown once, when created, and never
-- stored: only its SHA-256 and a short display prefix (`pa_op_` + the first 8 characters,
-- 48 of the 256 random bits) are kept. The service finds candidate rows by prefix and
-- compares the hash in constant time.
--
-- Keys are revoked, never deleted, so the audit trail's actor ids always resolve.
-- Platform table: no tenant_id, no RLS.
CREATE TABLE operator_api_keys (
    id            uuid        PRIMARY KEY,
    -- What the key is for / who holds it, e.g. 'ci-pipeline' or 'alice@vendor'.
    name          text        NOT NULL
        CHECK (char_length(name) BETWEEN 1 AND 100 AND name = btrim(name)
               AND name !~ '[[:cntrl:]]'),
    key_prefix    text        NOT NULL CHECK (key_prefix ~ '^pa_op_[A-Za-z0-9_-]{8}$'),
    -- SHA-256 of the whole key string.
    key_hash      bytea       NOT NULL CHECK (octet_length(key_hash) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- The key that created this one; NULL when created with the CLI
    -- (`tenant-provisioning create-operator-key`).
    created_by    uuid        REFERENCES operator_api_keys (id),
    -- Refreshed at most once a minute by the service.
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    revoked_by    uuid        REFERENCES operator_api_keys (id),
    CONSTRAINT operator_api_keys_key_hash_key UNIQUE (key_hash),
    CONSTRAINT operator_api_keys_revoked_by_needs_revoked_at
        CHECK (revoked_by IS NULL OR revoked_at IS NOT NULL)
);

-- Authentication looks keys up by prefix.
CREATE INDEX operator_api_keys_prefix_idx ON operator_api_keys (key_prefix);
-- Keyset pagination of the list endpoint.
CREATE INDEX operator_api_keys_created_idx ON operator_api_keys (created_at DESC, id DESC);

COMMENT ON TABLE operator_api_keys IS
    'Operator API keys: SHA-256 + display prefix only, revocable (platform table, no RLS)';
