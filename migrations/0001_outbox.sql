-- 0001 Transactional outbox (pa-messaging).
--
-- A service writes its domain event into `outbox` in the same transaction as the state
-- change it describes; pa_messaging::OutboxRelay later claims rows with
-- `FOR UPDATE SKIP LOCKED` (so several relays can run), publishes them to RabbitMQ with
-- publisher confirms and deletes them in the claiming transaction. A row therefore exists
-- exactly as long as its event is not yet confirmed by the broker.
--
-- Platform table: it carries events of every tenant (the tenant id is inside the
-- envelope), is only touched by pa-messaging, and has no tenant_id column and no RLS.
CREATE TABLE outbox (
    -- The envelope id (UUID v7), also the AMQP message_id consumers deduplicate on.
    id          uuid        PRIMARY KEY,
    -- Routing key and AMQP `type`, e.g. 'tenant.provisioned'.
    event_type  text        NOT NULL CHECK (event_type <> '' AND length(event_type) <= 255),
    -- The full JSON envelope, published verbatim as the message body.
    payload     jsonb       NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    -- AMQP headers captured at enqueue time (traceparent, tenant_id, request_id).
    headers     jsonb       NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(headers) = 'object'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The relay claims the oldest rows first.
CREATE INDEX outbox_created_at_idx ON outbox (created_at, id);

-- Wake-up hint for idle relays (they still poll: NOTIFY is lost when nobody listens and
-- is never replayed). Statement-level, and identical notifications within a transaction
-- are folded into one by PostgreSQL, so a batch insert costs one notification.
CREATE FUNCTION outbox_notify() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('pa_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify
    AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
