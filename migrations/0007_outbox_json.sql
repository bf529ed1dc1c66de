-- Outbox payloads and headers become `json` (text, checked for syntax) instead of `jsonb`.
-- Nothing queries inside them: the relay reads each row once and publishes the text as it
-- is. As jsonb every event was parsed into the binary form on insert and printed back to
-- text on claim, two of the larger costs of a row that lives for milliseconds.
ALTER TABLE outbox
    DROP CONSTRAINT outbox_payload_check,
    DROP CONSTRAINT outbox_headers_check,
    ALTER COLUMN headers DROP DEFAULT;
ALTER TABLE outbox
    ALTER COLUMN payload TYPE json USING payload::json,
    ALTER COLUMN headers TYPE json USING headers::json,
    ALTER COLUMN headers SET DEFAULT '{}',
    ADD CONSTRAINT outbox_payload_check CHECK (json_typeof(payload) = 'object'),
    ADD CONSTRAINT outbox_headers_check CHECK (json_typeof(headers) = 'object');
