-- The outbox is a queue: every row is inserted, claimed and deleted within milliseconds, so
-- under load it produces thousands of dead rows per second while holding only a handful of
-- live ones. With the default thresholds (50 rows + 20 % of the table) autovacuum comes far
-- too rarely for that, and each relay claim (an index scan from the oldest row) has to step
-- over every dead entry left since the last vacuum. Vacuum it after every 1,000 dead rows,
-- without cost-based throttling (it is small once kept small).
ALTER TABLE outbox SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 1000
);
