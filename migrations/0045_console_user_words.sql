-- 0045 admin-console: word-prefix user search that reads about one page of rows (issue 16).
--
-- The Users search (GET /v1/users?search=…) matches the way Entra's own $search does: every
-- word of the term is the START of a word of the person's display name, or of the part
-- before the '@' of their UPN or mail ("gar" finds Mary Garcia and garcia.m@…, "mary gar"
-- and "garcia mary" find Mary Garcia; "arcia" finds nothing). A term with an '@' also
-- finds a UPN or mail that starts with it. Words are runs of letters and digits,
-- lower-cased (console_search_words).
--
-- 0043/0044 served a case-insensitive substring search from a trigram GIN index. A GIN
-- index returns its matches unordered, so a page sorted by name had to read EVERY match
-- first (a surname: ~1,000 people of a 100,000-user tenant, ~840 heap pages, ~4 ms of CPU
-- per page), and maintaining its ~40 trigrams per row made sync-dispatch's bulk writes
-- about three times slower.
--
-- console_user_words holds one row per (person, distinct word) with both sort keys, in
-- b-trees ordered (tenant, word, sort key, object id): all the people with one word form a
-- run that is already in page order, so a page of "garcia" is the first 51 entries of one
-- run (index-only), whatever the number of matches. A prefix covers a few runs, merged;
-- see admin-console's repo/user_search.rs for the whole read path (other words of the
-- term, filters, keyset pagination and the fall-backs for very short prefixes).
--
-- The rows are derived from directory_users (sync-dispatch's table) by the triggers below,
-- in the writer's transaction: an insert statement adds its rows' words set-based, a
-- change of display name, UPN or mail rewrites that person's words, a delete removes them.
-- The trigger functions are SECURITY DEFINER (owner pa_owner): no service role needs any
-- privilege on this table to keep it right, and admin-console only reads it. Each row
-- comes from a directory_users row its writer was allowed to write (for a service role:
-- one of its own tenant's, under directory_users' tenant_isolation), so the table never
-- holds anything that table does not; readers see it under the same tenant_isolation.
-- directory_users loses 0044's SELECT-only policy for pa_owner and 0043's trigram index.
-- console_search_users() (0044) stays defined for now (0053 grants it) but nothing calls it.

-- The words of a text: lower-cased runs of letters and digits, in order (duplicates kept).
CREATE FUNCTION console_search_words(t text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN string_to_array(btrim(regexp_replace(lower(t), '[^[:alnum:]]+', ' ', 'g')), ' ');

-- A person's distinct search words: display name, UPN before the '@', mail before the '@'
-- (skipped when it is the UPN).
CREATE FUNCTION console_user_search_words(display_name text, upn text, mail text)
    RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN ARRAY(
        SELECT DISTINCT w
          FROM unnest(console_search_words(
                   coalesce(display_name, '') || ' ' || split_part(upn, '@', 1)
                   || CASE WHEN mail IS DISTINCT FROM upn
                           THEN ' ' || split_part(coalesce(mail, ''), '@', 1) ELSE '' END)) AS w
         WHERE w <> '');

CREATE TABLE console_user_words (
    tenant_id  uuid NOT NULL,
    object_id  uuid NOT NULL,
    -- Byte order (COLLATE "C"): a prefix is one contiguous range.
    word       text COLLATE "C" NOT NULL,
    -- The sort keys of GET /v1/users, exactly as it sorts directory_users
    -- (coalesce(display_name, ''), user_principal_name; the database's collation).
    name_key   text NOT NULL,
    upn_key    text NOT NULL
);

-- The words of everyone already synced (run as the owner, before 0044's read policy goes;
-- the keys are built afterwards, which is faster than maintaining them row by row).
INSERT INTO console_user_words (tenant_id, object_id, word, name_key, upn_key)
SELECT u.tenant_id, u.object_id, w.word, coalesce(u.display_name, ''), u.user_principal_name
  FROM directory_users u
 CROSS JOIN LATERAL unnest(console_user_search_words(u.display_name, u.user_principal_name,
                                                     u.mail)) AS w (word);

-- A person's words (the triggers, and "does this person also have a word starting with…").
ALTER TABLE console_user_words ADD PRIMARY KEY (tenant_id, object_id, word);
-- A page sorted by name (either direction) is a walk of one or a few runs of this index.
CREATE UNIQUE INDEX console_user_words_name_idx
    ON console_user_words (tenant_id, word, name_key, object_id);
-- The same, sorted by UPN.
CREATE UNIQUE INDEX console_user_words_upn_idx
    ON console_user_words (tenant_id, word, upn_key, object_id);

ALTER TABLE console_user_words ENABLE ROW LEVEL SECURITY;
ALTER TABLE console_user_words FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON console_user_words
    USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
    WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid);
-- The maintenance triggers run as the owner (SECURITY DEFINER) and mirror whatever row of
-- directory_users was written, with or without a tenant context (bulk loads by a superuser
-- have none); pa_owner runs migrations only.
CREATE POLICY console_user_words_maintenance ON console_user_words
    AS PERMISSIVE FOR ALL TO pa_owner USING (true) WITH CHECK (true);

-- Inserted people (one statement: a first sync inserts a whole tenant).
CREATE FUNCTION console_user_words_added() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    INSERT INTO console_user_words (tenant_id, object_id, word, name_key, upn_key)
    SELECT n.tenant_id, n.object_id, w.word, coalesce(n.display_name, ''), n.user_principal_name
      FROM console_added_users n
     CROSS JOIN LATERAL unnest(console_user_search_words(n.display_name, n.user_principal_name,
                                                         n.mail)) AS w (word);
    RETURN NULL;
END
$$;

-- A person whose name, UPN or mail changed (rare: a row trigger costs nothing on the
-- status and role changes that make up almost every update).
CREATE FUNCTION console_user_words_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    DELETE FROM console_user_words WHERE tenant_id = OLD.tenant_id AND object_id = OLD.object_id;
    INSERT INTO console_user_words (tenant_id, object_id, word, name_key, upn_key)
    SELECT NEW.tenant_id, NEW.object_id, w.word, coalesce(NEW.display_name, ''),
           NEW.user_principal_name
      FROM unnest(console_user_search_words(NEW.display_name, NEW.user_principal_name,
                                            NEW.mail)) AS w (word);
    RETURN NULL;
END
$$;

-- Deleted people (a tenant's purge deletes them all in one statement).
CREATE FUNCTION console_user_words_removed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
AS $$
BEGIN
    DELETE FROM console_user_words w
     USING console_removed_users o
     WHERE w.tenant_id = o.tenant_id AND w.object_id = o.object_id;
    RETURN NULL;
END
$$;

REVOKE ALL ON FUNCTION console_user_words_added(), console_user_words_changed(),
    console_user_words_removed() FROM PUBLIC;

CREATE TRIGGER console_user_words_added
    AFTER INSERT ON directory_users
    REFERENCING NEW TABLE AS console_added_users
    FOR EACH STATEMENT EXECUTE FUNCTION console_user_words_added();
CREATE TRIGGER console_user_words_changed
    AFTER UPDATE OF tenant_id, object_id, display_name, user_principal_name, mail
    ON directory_users
    FOR EACH ROW
    WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.user_principal_name IS DISTINCT FROM NEW.user_principal_name
          OR OLD.mail IS DISTINCT FROM NEW.mail
          OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id
          OR OLD.object_id IS DISTINCT FROM NEW.object_id)
    EXECUTE FUNCTION console_user_words_changed();
CREATE TRIGGER console_user_words_removed
    AFTER DELETE ON directory_users
    REFERENCING OLD TABLE AS console_removed_users
    FOR EACH STATEMENT EXECUTE FUNCTION console_user_words_removed();

-- What 0043/0044 needed for the substring search, and nothing reads any more.
DROP INDEX directory_users_console_search_idx;
DROP POLICY console_user_search ON directory_users;

-- admin-console reads the words (the service roles of 0053, where they exist already;
-- 0053 grants its console_* tables itself when it runs after this).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pa_console') THEN
        GRANT SELECT ON console_user_words TO pa_console;
    END IF;
END
$$;

COMMENT ON TABLE console_user_words IS
    'admin-console''s user search: one row per (person, word of name/UPN/mail), kept by triggers on directory_users (0045)';
