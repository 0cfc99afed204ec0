-- Answers behind Idempotency-Key (docs/API.md, "Idempotency"). Answers stored before this
-- migration could hold secrets in clear text (API token secrets, share codes with their manage
-- links, generated passwords) and never expired: they are dropped, not migrated.
DROP TABLE idempotency_keys;
CREATE TABLE idempotency_keys (
    principal TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    read_action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
