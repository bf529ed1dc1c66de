-- Single-column rules of the tenant-provisioning tables become DOMAINS, as 0008 did for the
-- infrastructure tables and for the same reason: a table CHECK constraint is re-read from
-- its stored text and re-planned by every statement that writes the table, a domain's once
-- per connection. Provisioning a tenant writes all three tables in one statement. The rules
-- are unchanged (`sent_to` now also needs an `@`, as it is always a tenant's contact
-- address); the rules over several columns stay table CHECK constraints.

CREATE DOMAIN tenant_display_name AS text
    CONSTRAINT tenant_display_name_check
    CHECK (char_length(VALUE) BETWEEN 1 AND 200
           AND VALUE = btrim(VALUE)
           AND VALUE !~ '[[:cntrl:]]');

CREATE DOMAIN email_address AS text
    CONSTRAINT email_address_check
    CHECK (char_length(VALUE) BETWEEN 3 AND 254 AND VALUE LIKE '_%@_%');

CREATE DOMAIN tenant_environment AS text
    CONSTRAINT tenant_environment_check
    CHECK (VALUE IN ('production', 'non_production'));

CREATE DOMAIN tenant_external_ref AS text
    CONSTRAINT tenant_external_ref_check
    CHECK (char_length(VALUE) BETWEEN 1 AND 128 AND VALUE ~ '^[!-~]+$');

CREATE DOMAIN tenant_status AS text
    CONSTRAINT tenant_status_check
    CHECK (VALUE IN ('pending_setup', 'active', 'suspended', 'deprovisioned', 'purged'));

CREATE DOMAIN tenant_status_reason AS text
    CONSTRAINT tenant_status_reason_check CHECK (char_length(VALUE) BETWEEN 1 AND 500);

CREATE DOMAIN setup_link_revoked_reason AS text
    CONSTRAINT setup_link_revoked_reason_check
    CHECK (VALUE IN ('revoked', 'regenerated', 'superseded', 'tenant_deprovisioned'));

CREATE DOMAIN idempotency_state AS text
    CONSTRAINT idempotency_state_check CHECK (VALUE IN ('in_flight', 'completed'));

CREATE DOMAIN http_success_status AS smallint
    CONSTRAINT http_success_status_check CHECK (VALUE BETWEEN 200 AND 299);

-- tenants (0010)
ALTER TABLE tenants
    DROP CONSTRAINT tenants_display_name_check,
    DROP CONSTRAINT tenants_contact_email_check,
    DROP CONSTRAINT tenants_environment_check,
    DROP CONSTRAINT tenants_external_ref_check,
    DROP CONSTRAINT tenants_status_check,
    DROP CONSTRAINT tenants_status_reason_check;
ALTER TABLE tenants
    ALTER COLUMN display_name TYPE tenant_display_name,
    ALTER COLUMN contact_email TYPE email_address,
    ALTER COLUMN environment TYPE tenant_environment,
    ALTER COLUMN external_ref TYPE tenant_external_ref,
    ALTER COLUMN status TYPE tenant_status,
    ALTER COLUMN status_reason TYPE tenant_status_reason;

-- setup_links (0013)
ALTER TABLE setup_links
    DROP CONSTRAINT setup_links_token_hash_check,
    DROP CONSTRAINT setup_links_sent_to_check,
    DROP CONSTRAINT setup_links_issued_by_check,
    DROP CONSTRAINT setup_links_revoked_reason_check;
ALTER TABLE setup_links
    ALTER COLUMN token_hash TYPE sha256_digest,
    ALTER COLUMN sent_to TYPE email_address,
    ALTER COLUMN issued_by TYPE short_name,
    ALTER COLUMN revoked_reason TYPE setup_link_revoked_reason;

-- idempotency_keys (0012)
ALTER TABLE idempotency_keys
    DROP CONSTRAINT idempotency_keys_idempotency_key_check,
    DROP CONSTRAINT idempotency_keys_request_hash_check,
    DROP CONSTRAINT idempotency_keys_state_check,
    DROP CONSTRAINT idempotency_keys_response_status_check;
ALTER TABLE idempotency_keys
    ALTER COLUMN idempotency_key TYPE short_name,
    ALTER COLUMN request_hash TYPE sha256_digest,
    ALTER COLUMN state TYPE idempotency_state,
    ALTER COLUMN response_status TYPE http_success_status;
