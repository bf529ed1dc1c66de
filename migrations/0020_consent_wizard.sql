-- 0020 The setup wizard (consent service): wizard progress, browser sessions, one-time
-- admin-consent states, and the per-client limiter of bad setup-link attempts.
--
-- How the wizard runs (services/consent):
--   1. The IT admin's browser posts the setup token (from the link's URL fragment). The
--      service resolves it with consent_setup_link_lookup() below (only SHA-256 of the
--      token is ever stored, by tenant-provisioning) and opens a wizard SESSION: an HttpOnly
--      cookie whose SHA-256 is in consent_sessions. The token itself is never stored.
--   2. Every later request carries the cookie; the progress lives in consent_wizards, ONE row
--      per tenant (so a second browser with the same link, or a new link after a regenerate,
--      resumes where the wizard is).
--   3. "Continue to Microsoft" issues a one-time admin-consent `state` bound to the session
--      (consent_states, SHA-256 only); the callback from Microsoft consumes it.
--   4. Finish sets consent_wizards.completed_at in the transaction that enqueues
--      `setup.completed`; from then on the wizard refuses the tenant's links by this record,
--      whatever tenant-provisioning has applied yet.
--
-- Tenant-owned tables: keyed by (tenant_id, ...), row-level security enabled, forced, with
-- the standard tenant_isolation policy. The limiter is a platform table (no tenant_id): it is
-- keyed by client address, before any tenant is known, and shared by every instance.

-- Wizard progress, one row per tenant. A step's columns are set together by that step and
-- cleared together when an earlier step changes (a new directory clears everything after it).
CREATE TABLE consent_wizards (
    tenant_id                 uuid        NOT NULL REFERENCES tenants (id),
    -- Bumped by every change; the front-end may show it, tests read it.
    revision                  bigint      NOT NULL DEFAULT 1,
    created_at                timestamptz NOT NULL,
    updated_at                timestamptz NOT NULL,
    -- Step "directory": what the admin typed (a GUID or a verified domain) and the tenant
    -- GUID that Microsoft's discovery resolved it to.
    directory_input           text        CHECK (char_length(directory_input) BETWEEN 1 AND 253),
    entra_tenant_id           uuid,
    directory_set_at          timestamptz,
    -- Step "consent": a callback carrying this wizard's state said Microsoft granted consent
    -- for the entered directory (claimed: not proof yet) ...
    consent_claimed_at        timestamptz,
    -- ... and an app token for that directory proved it (tid + every required role).
    consent_granted_at        timestamptz,
    consent_roles             text[]      NOT NULL DEFAULT '{}',
    consent_service_principal text        CHECK (char_length(consent_service_principal) <= 64),
    -- The last consent failure, to explain it: {"code", "microsoft_code", "message",
    -- "remediation", "at", "retry"} (never a token or a state).
    consent_error             jsonb       CHECK (jsonb_typeof(consent_error) = 'object'),
    -- Set when Microsoft said the app is no longer in the directory (AADSTS700016) after the
    -- grant: {"reason", "microsoft_code", "message", "remediation", "since"}. The consent step
    -- must be done again; nothing retries it on its own.
    attention                 jsonb       CHECK (jsonb_typeof(attention) = 'object'),
    -- Step "preflight": the grant exercised (organization, users, groups).
    preflight_at              timestamptz,
    preflight_passed          boolean,
    preflight_checks          jsonb       CHECK (jsonb_typeof(preflight_checks) = 'array'),
    -- Step "admin": the first Patient Access administrator (any enabled user).
    admin_object_id           uuid,
    admin_upn                 text        CHECK (char_length(admin_upn) BETWEEN 3 AND 1024),
    admin_display_name        text        CHECK (char_length(admin_display_name) <= 256),
    admin_mail                text        CHECK (char_length(admin_mail) <= 320),
    admin_set_at              timestamptz,
    -- Step "groups": when the selection (consent_wizard_groups) was last saved.
    groups_set_at             timestamptz,
    -- Finish.
    completed_at              timestamptz,
    completed_session_id      uuid,
    completed_link_id         uuid,
    -- The admin-welcome mailer (consumer of setup.completed) sent the console link.
    admin_mail_sent_at        timestamptz,
    PRIMARY KEY (tenant_id),
    CONSTRAINT consent_wizards_directory_whole
        CHECK ((directory_input IS NULL) = (entra_tenant_id IS NULL)
               AND (entra_tenant_id IS NULL) = (directory_set_at IS NULL)),
    CONSTRAINT consent_wizards_grant_needs_directory
        CHECK (consent_granted_at IS NULL OR entra_tenant_id IS NOT NULL),
    CONSTRAINT consent_wizards_admin_whole
        CHECK ((admin_object_id IS NULL) = (admin_upn IS NULL)
               AND (admin_object_id IS NULL) = (admin_set_at IS NULL)),
    CONSTRAINT consent_wizards_completion_whole
        CHECK ((completed_at IS NULL) = (completed_session_id IS NULL)
               AND (completed_at IS NULL) = (completed_link_id IS NULL)),
    CONSTRAINT consent_wizards_completed_has_every_step
        CHECK (completed_at IS NULL
               OR (consent_granted_at IS NOT NULL AND admin_object_id IS NOT NULL
                   AND groups_set_at IS NOT NULL))
);

-- Directory-conflict check (consent_directory_conflict below): completed wizards by directory.
CREATE INDEX consent_wizards_entra_tenant_idx
    ON consent_wizards (entra_tenant_id) WHERE completed_at IS NOT NULL;

-- The groups chosen in the wizard: admin groups (role 'admin', at least one at finish) and
-- user groups with the role each grants.
CREATE TABLE consent_wizard_groups (
    tenant_id     uuid        NOT NULL,
    group_id      uuid        NOT NULL,
    display_name  text        NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 256),
    role          text        NOT NULL CHECK (role IN ('admin', 'manager', 'viewer')),
    -- Transitive user members when chosen (admin groups need at least one).
    member_count  bigint      NOT NULL CHECK (member_count >= 0),
    -- Whether the chosen administrator was a (transitive) member when chosen.
    admin_is_member boolean   NOT NULL,
    position      smallint    NOT NULL,
    PRIMARY KEY (tenant_id, group_id),
    FOREIGN KEY (tenant_id) REFERENCES consent_wizards (tenant_id) ON DELETE CASCADE
);

-- Browser sessions of the wizard. The cookie is `<tenant>.<session>.<secret>`; only its
-- SHA-256 is stored. Idle and absolute expiry are enforced by the service (its clock).
CREATE TABLE consent_sessions (
    tenant_id      uuid        NOT NULL,
    id             uuid        NOT NULL,
    -- The setup link the session was opened with: a revoked/regenerated/expired link ends
    -- its sessions (checked on every request).
    link_id        uuid        NOT NULL,
    token_hash     bytea       NOT NULL CHECK (octet_length(token_hash) = 32),
    created_at     timestamptz NOT NULL,
    last_seen_at   timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL,
    client_addr    inet,
    -- Signed out (DELETE /v1/wizard/sessions/current).
    ended_at       timestamptz,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT consent_sessions_token_hash_key UNIQUE (token_hash),
    FOREIGN KEY (tenant_id) REFERENCES consent_wizards (tenant_id) ON DELETE CASCADE,
    CONSTRAINT consent_sessions_expires_after_creation CHECK (expires_at > created_at)
);

-- One-time admin-consent `state` values (SHA-256 only), bound to the session that asked for
-- the consent URL and to the directory entered then; expire in minutes; `used_at` set by the
-- first callback that carries it (a replay is refused).
CREATE TABLE consent_states (
    tenant_id        uuid        NOT NULL,
    state_hash       bytea       NOT NULL CHECK (octet_length(state_hash) = 32),
    session_id       uuid        NOT NULL,
    entra_tenant_id  uuid        NOT NULL,
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    used_at          timestamptz,
    PRIMARY KEY (tenant_id, state_hash),
    FOREIGN KEY (tenant_id, session_id) REFERENCES consent_sessions (tenant_id, id)
        ON DELETE CASCADE,
    CONSTRAINT consent_states_expires_after_creation CHECK (expires_at > created_at)
);

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['consent_wizards', 'consent_wizard_groups', 'consent_sessions',
                             'consent_states'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        -- NULLIF: a pooled session that once had app.tenant_id reads it back as '' (0003).
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I '
            'USING (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid) '
            'WITH CHECK (tenant_id = NULLIF(current_setting(''app.tenant_id'', true), '''')::uuid)',
            t);
    END LOOP;
END
$$;

-- Bad setup-link attempts (malformed or unknown tokens) per client address, in fixed
-- windows. Platform table: the token names no tenant until it is resolved. Rows of past
-- windows are overwritten by the next attempt from the same address.
CREATE TABLE consent_start_failures (
    client_addr   inet        NOT NULL,
    window_start  timestamptz NOT NULL,
    failures      integer     NOT NULL CHECK (failures >= 0),
    PRIMARY KEY (client_addr)
);

-- ---------------------------------------------------------------------------------------
-- Read-only lookups over tenant-provisioning's tables (setup_links under RLS, tenants) and
-- over completed wizards of OTHER tenants, which RLS hides from pa_app. SECURITY DEFINER
-- (owner pa_owner, fixed search_path), EXECUTE for pa_app only, like 0013's
-- setup_link_lookup. pa_owner reads setup_links through 0013's owner_lookup policy and
-- consent_wizards through the owner_directory_check policy below.

-- The status of a link, first match wins (setup_link_lookup's, with the revocation reason
-- told apart, because the wizard explains each case differently):
--   used                 setup was completed with it
--   regenerated          replaced by a newer link
--   revoked              revoked by an operator
--   tenant_deprovisioned revoked because the tenant was deprovisioned
--   expired              expires_at passed (also 'superseded': it expired and a new link was issued)
--   tenant_unavailable   the tenant is suspended, deprovisioned or purged
--   active               usable
CREATE FUNCTION consent_link_status(used_at timestamptz, revoked_reason text,
                                    expires_at timestamptz, tenant_status text)
    RETURNS text
    LANGUAGE sql STABLE
    SET search_path = public
AS
$$
    SELECT CASE
               WHEN used_at IS NOT NULL THEN 'used'
               WHEN revoked_reason = 'superseded' THEN 'expired'
               WHEN revoked_reason IS NOT NULL THEN revoked_reason
               WHEN expires_at <= now() THEN 'expired'
               WHEN tenant_status NOT IN ('pending_setup', 'active') THEN 'tenant_unavailable'
               ELSE 'active'
           END
$$;

-- Token SHA-256 -> the link and its status (no row: unknown token). Returns the stored hash
-- too, so the service can compare it with the presented token's in constant time.
CREATE FUNCTION consent_setup_link_lookup(p_token_hash bytea)
    RETURNS TABLE (tenant_id uuid, link_id uuid, token_hash bytea, status text)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public
AS
$$
    SELECT l.tenant_id, l.id, l.token_hash::bytea,
           consent_link_status(l.used_at, l.revoked_reason, l.expires_at, t.status)
      FROM public.setup_links l
      JOIN public.tenants t ON t.id = l.tenant_id
     WHERE l.token_hash = p_token_hash
$$;

-- (tenant, link) -> its status; NULL when there is no such link (purged). Checked on every
-- wizard request, so a link revoked or regenerated mid-wizard ends its sessions.
CREATE FUNCTION consent_setup_link_status(p_tenant uuid, p_link uuid)
    RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public
AS
$$
    SELECT consent_link_status(l.used_at, l.revoked_reason, l.expires_at, t.status)
      FROM public.setup_links l
      JOIN public.tenants t ON t.id = l.tenant_id
     WHERE l.tenant_id = p_tenant AND l.id = p_link
$$;

-- Whether connecting directory p_entra to tenant p_tenant would give the directory to a
-- second live production tenant: true when ANOTHER tenant that is not deprovisioned or
-- purged, is production, and completed the wizard with this directory, unless p_tenant is a
-- non-production tenant of the same customer (same external_ref). Non-production tenants of
-- one customer may share a directory with its production tenant.
CREATE FUNCTION consent_directory_conflict(p_entra uuid, p_tenant uuid)
    RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path = public
AS
$$
    SELECT EXISTS (
        SELECT 1
          FROM public.consent_wizards w
          JOIN public.tenants other ON other.id = w.tenant_id
          JOIN public.tenants me ON me.id = p_tenant
         WHERE w.entra_tenant_id = p_entra
           AND w.completed_at IS NOT NULL
           AND w.tenant_id <> p_tenant
           AND other.environment = 'production'
           AND other.status NOT IN ('deprovisioned', 'purged')
           AND NOT (me.environment = 'non_production'
                    AND me.external_ref IS NOT NULL
                    AND me.external_ref = other.external_ref))
$$;

-- Lets the owner (and only the owner: pa_app never gets it) read every tenant's wizard row,
-- for consent_directory_conflict. pa_owner owns the table anyway (it could turn RLS off).
CREATE POLICY owner_directory_check ON consent_wizards
    AS PERMISSIVE FOR SELECT TO pa_owner
    USING (true);

ALTER FUNCTION consent_link_status(timestamptz, text, timestamptz, text) OWNER TO pa_owner;
ALTER FUNCTION consent_setup_link_lookup(bytea) OWNER TO pa_owner;
ALTER FUNCTION consent_setup_link_status(uuid, uuid) OWNER TO pa_owner;
ALTER FUNCTION consent_directory_conflict(uuid, uuid) OWNER TO pa_owner;
REVOKE ALL ON FUNCTION consent_setup_link_lookup(bytea) FROM PUBLIC;
REVOKE ALL ON FUNCTION consent_setup_link_status(uuid, uuid) FROM PUBLIC;
REVOKE ALL ON FUNCTION consent_directory_conflict(uuid, uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION consent_setup_link_lookup(bytea) TO pa_app;
GRANT EXECUTE ON FUNCTION consent_setup_link_status(uuid, uuid) TO pa_app;
GRANT EXECUTE ON FUNCTION consent_directory_conflict(uuid, uuid) TO pa_app;

COMMENT ON FUNCTION consent_setup_link_lookup(bytea) IS
    'Token SHA-256 -> (tenant_id, link_id, token_hash, status in used|regenerated|revoked|tenant_deprovisioned|expired|tenant_unavailable|active)';
COMMENT ON FUNCTION consent_directory_conflict(uuid, uuid) IS
    'True when another live production tenant completed setup with this Entra directory';
