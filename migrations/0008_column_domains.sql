-- Single-column rules of the infrastructure tables become DOMAINS (0016 does the same for
-- the tenant-provisioning tables).
--
-- Why: PostgreSQL re-reads every CHECK constraint of a table from its stored text
-- (stringToNode), re-plans and re-compiles it at the start of EVERY statement that writes
-- the table. Creating a tenant writes five tables with 33 such constraints between them, and
-- that preparation was the largest single cost of the statement (about a third of it by
-- pgbench on the provisioning statement; profiled in tests/bench/NOTES.md). A domain's
-- constraints are parsed and planned once per connection (the type cache) and only
-- compiled per statement, so the same rules cost a fraction. The rules themselves are
-- unchanged; a violation is still SQLSTATE 23514, now reported against the domain
-- (`value for domain audit_outcome violates check constraint "audit_outcome_check"`).
-- Rules over several columns stay table CHECK constraints.
--
-- Changing a column to a constrained domain rewrites the table (and its indexes) under an
-- ACCESS EXCLUSIVE lock; these tables are small or empty wherever this runs first.

CREATE DOMAIN short_name AS text
    CONSTRAINT short_name_check CHECK (VALUE <> '' AND length(VALUE) <= 255);
COMMENT ON DOMAIN short_name IS 'Non-empty text of at most 255 characters (identifiers, actions, event types)';

CREATE DOMAIN short_text AS text
    CONSTRAINT short_text_check CHECK (length(VALUE) <= 255);
COMMENT ON DOMAIN short_text IS 'Text of at most 255 characters';

CREATE DOMAIN sha256_digest AS bytea
    CONSTRAINT sha256_digest_check CHECK (octet_length(VALUE) = 32);
COMMENT ON DOMAIN sha256_digest IS 'A SHA-256 digest (32 bytes)';

CREATE DOMAIN jsonb_object AS jsonb
    CONSTRAINT jsonb_object_check CHECK (jsonb_typeof(VALUE) = 'object');
CREATE DOMAIN json_object AS json
    CONSTRAINT json_object_check CHECK (json_typeof(VALUE) = 'object');

CREATE DOMAIN audit_actor_type AS text
    CONSTRAINT audit_actor_type_check
    CHECK (VALUE IN ('operator', 'admin', 'setup_session', 'system'));
CREATE DOMAIN audit_outcome AS text
    CONSTRAINT audit_outcome_check CHECK (VALUE IN ('success', 'failure'));

-- outbox (0001, 0007)
ALTER TABLE outbox
    DROP CONSTRAINT outbox_event_type_check,
    DROP CONSTRAINT outbox_payload_check,
    DROP CONSTRAINT outbox_headers_check;
ALTER TABLE outbox
    ALTER COLUMN event_type TYPE short_name,
    ALTER COLUMN payload TYPE json_object,
    ALTER COLUMN headers TYPE json_object;

-- audit_log and platform_audit_log (0003): the same columns, the same rules.
ALTER TABLE audit_log
    DROP CONSTRAINT audit_log_actor_type_check,
    DROP CONSTRAINT audit_log_actor_id_check,
    DROP CONSTRAINT audit_log_action_check,
    DROP CONSTRAINT audit_log_target_type_check,
    DROP CONSTRAINT audit_log_target_id_check,
    DROP CONSTRAINT audit_log_request_id_check,
    DROP CONSTRAINT audit_log_outcome_check,
    DROP CONSTRAINT audit_log_details_check;
ALTER TABLE audit_log
    ALTER COLUMN actor_type TYPE audit_actor_type,
    ALTER COLUMN actor_id TYPE short_name,
    ALTER COLUMN action TYPE short_name,
    ALTER COLUMN target_type TYPE short_text,
    ALTER COLUMN target_id TYPE short_text,
    ALTER COLUMN request_id TYPE short_text,
    ALTER COLUMN outcome TYPE audit_outcome,
    ALTER COLUMN details TYPE jsonb_object;

ALTER TABLE platform_audit_log
    DROP CONSTRAINT platform_audit_log_actor_type_check,
    DROP CONSTRAINT platform_audit_log_actor_id_check,
    DROP CONSTRAINT platform_audit_log_action_check,
    DROP CONSTRAINT platform_audit_log_target_type_check,
    DROP CONSTRAINT platform_audit_log_target_id_check,
    DROP CONSTRAINT platform_audit_log_request_id_check,
    DROP CONSTRAINT platform_audit_log_outcome_check,
    DROP CONSTRAINT platform_audit_log_details_check;
ALTER TABLE platform_audit_log
    ALTER COLUMN actor_type TYPE audit_actor_type,
    ALTER COLUMN actor_id TYPE short_name,
    ALTER COLUMN action TYPE short_name,
    ALTER COLUMN target_type TYPE short_text,
    ALTER COLUMN target_id TYPE short_text,
    ALTER COLUMN request_id TYPE short_text,
    ALTER COLUMN outcome TYPE audit_outcome,
    ALTER COLUMN details TYPE jsonb_object;
