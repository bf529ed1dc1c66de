-- 0012 Idempotency keys for creating POSTs (tenant-provisioning).
--
-- A client that sends `Idempotency-Key: <key>` may retry the same request safely: the
-- first request reserves (operator key, idempotency key) in its own short transaction
-- (state 'in_flight'); the request's own transaction stores the response and flips the
-- row to 'completed' together with the state change, so a stored response exists exactly
-- when the effect committed. A retry with the same body gets the stored response, with a
-- different body a 422, and while the first is still running a 409. Failed requests
-- release their reservation (they changed nothing, so a retry may run again).
--
-- Keys are scoped to the operator key that sent them and expire after 24 hours. An
-- 'in_flight' row whose lease (locked_at) is older than two minutes belongs to a request
-- that died; it may be taken over.
--
-- Platform table: no tenant_id, no RLS.
CREATE TABLE idempotency_keys (
    operator_key_id    uuid        NOT NULL REFERENCES operator_api_keys (id),
    idempotency_key    text        NOT NULL
        CHECK (char_length(idempotency_key) BETWEEN 1 AND 255),
    -- SHA-256 of method, path and the canonical JSON body.
    request_hash       bytea       NOT NULL CHECK (octet_length(request_hash) = 32),
    state              text        NOT NULL CHECK (state IN ('in_flight', 'completed')),
    -- The first (successful) response, byte for byte. Responses carrying a secret (a new
    -- operator key) are stored without it.
    response_status    smallint    CHECK (response_status BETWEEN 200 AND 299),
    response_body      bytea,
    response_location  text,
    locked_at          timestamptz NOT NULL DEFAULT now(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    expires_at         timestamptz NOT NULL,
    PRIMARY KEY (operator_key_id, idempotency_key),
    CONSTRAINT idempotency_keys_completed_has_response
        CHECK (state = 'in_flight' OR (response_status IS NOT NULL AND response_body IS NOT NULL))
);

-- The purge worker deletes expired keys.
CREATE INDEX idempotency_keys_expires_idx ON idempotency_keys (expires_at);

COMMENT ON TABLE idempotency_keys IS
    'Idempotency-Key reservations and first responses, 24 h (platform table, no RLS)';
