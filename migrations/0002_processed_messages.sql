-- 0002 Idempotent consumers (pa-messaging).
--
-- pa_messaging::run_consumer inserts (consumer, message_id) in the same transaction as the
-- handler's effect. A redelivered message whose id is already here is acknowledged
-- without running the handler again, so at-least-once delivery has exactly-once effect.
--
-- Platform table: keyed by consumer queue, no tenant_id column, no RLS.
CREATE TABLE processed_messages (
    -- The consumer's queue name, e.g. 'pa.sync-dispatch.tenant-events'.
    consumer      text        NOT NULL CHECK (consumer <> ''),
    -- The envelope id (= AMQP message_id).
    message_id    uuid        NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

-- For the retention job that deletes entries older than the broker could still redeliver.
CREATE INDEX processed_messages_processed_at_idx ON processed_messages (processed_at);
