-- Rate limits that every web node shares (issue 17.3): one row per limited thing (`scope`, e.g.
-- `share.check`, and `key`, e.g. a client address), counting slots taken in the window that
-- began at `window_start`. A slot is taken with one upsert, so two nodes taking slots of one key
-- at once both count.
CREATE TABLE rate_limits (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    window_start TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
