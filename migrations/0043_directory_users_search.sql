-- 0043 admin-console: read-path indexes on sync-dispatch's directory_users (allowed by
-- migrations/README.md, "Read-path indexes"), for the console's Users list
-- (GET /v1/users: search, filters, sorting, keyset pagination).
--
-- Search is a case-insensitive substring match on display name, UPN and mail:
-- `console_user_search_text(display_name, user_principal_name, mail) LIKE '%term%'`, served by
-- a GIN index on (tenant_id, that expression's trigrams) (pg_trgm and btree_gin: trusted
-- extensions the database owner may create). The default sort (display name, then object id) is served by a b-tree on the same
-- keys, so an unfiltered page is an index range read.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
-- btree_gin: the GIN index also holds tenant_id, so one tenant's matches are found without
-- visiting other tenants' (a 100,000-user tenant in a 1,000,000-user database).
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE FUNCTION console_user_search_text(display_name text, upn text, mail text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN lower(coalesce(display_name, '') || ' ' || upn || ' ' || coalesce(mail, ''));

CREATE INDEX directory_users_console_search_idx ON directory_users
    USING gin (tenant_id, console_user_search_text(display_name, user_principal_name, mail) gin_trgm_ops);

-- Sort keys: (coalesce(display_name, ''), object_id) and (user_principal_name, object_id),
-- keyset-paginated in either direction.
CREATE INDEX directory_users_console_name_idx
    ON directory_users (tenant_id, (coalesce(display_name, '')), object_id);
CREATE INDEX directory_users_console_upn_idx
    ON directory_users (tenant_id, user_principal_name, object_id);
