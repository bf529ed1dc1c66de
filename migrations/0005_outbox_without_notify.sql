-- The outbox insert trigger of 0001 is dropped: relays are now woken in-process, after commit,
-- by pa_messaging::OutboxSignal, and still poll.
--
-- Why: a transaction with a pending NOTIFY takes one cluster-wide lock in PreCommit_Notify
-- and holds it through its commit's WAL flush, so every writer that enqueues an event was
-- committed one at a time, with no group commit. Measured on the 2-core bench machine
-- (pgbench, 32 clients, one INSERT per transaction): 8,160 commits/s without NOTIFY, 2,150/s
-- with it, and 4x the latency.
DROP TRIGGER outbox_notify ON outbox;
DROP FUNCTION outbox_notify();
