-- The bulk-read alarm (issue 22): single-person reads counted per account (each user, and each
-- API token apart) in the database, so that every web node counts into the same figures.
-- read_accounts holds one row per account: a read locks it first (an upsert), so concurrent
-- reads of one account, on any node, are counted one after another. person_read_marks keeps,
-- per account, the last read of each person (the sliding window counts the marks newer than
-- its start; older ones are pruned). read_alarms lists the alarms raised, for the office
-- manager's and the auditor's home pages.
CREATE TABLE read_accounts (
    account TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    token_id TEXT REFERENCES api_tokens(id),
    reads INTEGER NOT NULL DEFAULT 0,
    last_read_at TEXT NOT NULL,
    alarm_at TEXT
);
CREATE INDEX read_accounts_token ON read_accounts (token_id) WHERE token_id IS NOT NULL;

CREATE TABLE person_read_marks (
    account TEXT NOT NULL REFERENCES read_accounts(account),
    person_id TEXT NOT NULL REFERENCES persons(id),
    at TEXT NOT NULL,
    PRIMARY KEY (account, person_id)
);
CREATE INDEX person_read_marks_window ON person_read_marks (account, at);

CREATE TABLE read_alarms (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES read_accounts(account),
    user_id TEXT NOT NULL REFERENCES users(id),
    token_id TEXT REFERENCES api_tokens(id),
    office_id TEXT REFERENCES offices(id),
    persons INTEGER NOT NULL,
    threshold INTEGER NOT NULL,
    window_minutes INTEGER NOT NULL,
    raised_at TEXT NOT NULL
);
CREATE INDEX read_alarms_raised ON read_alarms (raised_at);
CREATE INDEX read_alarms_office ON read_alarms (office_id, raised_at);

-- What a token is for: required for tokens that may read persons (which also expire within 90
-- days); empty for tokens made before.
ALTER TABLE api_tokens ADD COLUMN purpose TEXT NOT NULL DEFAULT '';
