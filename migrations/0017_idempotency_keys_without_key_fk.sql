-- 0017 `idempotency_keys.operator_key_id` without a foreign key; operator keys can't be deleted.
--
-- Why: the foreign key checked every claim with `SELECT … FOR KEY SHARE` on the row of the
-- operator key that sent the request. Requests from one key run concurrently, so each
-- check added the transaction to a MultiXact on that one row (a `MultiXact/CREATE_ID` WAL
-- record per create), and every read of the row — authentication, on every request — had
-- to resolve the MultiXact's members. Creating tenants with an `Idempotency-Key` and no
-- setup link went from 3,300–3,400 to 3,650 requests/s on the 2-core bench machine
-- (tests/bench/NOTES.md).
--
-- What the key gave, kept otherwise: `operator_key_id` is always the authenticated key's id
-- (the service writes it from the `Authorization` it checked), and keys are revoked, never
-- deleted (0011). That last rule is now enforced by privilege: the service role `pa_app`
-- may no longer DELETE or TRUNCATE operator keys, so an id stored anywhere (idempotency
-- keys, audit records) always resolves.
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_operator_key_id_fkey;

REVOKE DELETE, TRUNCATE ON operator_api_keys FROM pa_app;

COMMENT ON COLUMN idempotency_keys.operator_key_id IS
    'The authenticated operator key (no foreign key, see 0017: keys are never deleted)';
