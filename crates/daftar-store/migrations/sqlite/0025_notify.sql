-- Notifications (issue 19, part 3): the outbox. Each notice is written in the transaction of
-- the event that causes it (a round opened, an appointment booked, a case decided, a credential
-- issued) and sent later by the notification worker, which claims rows (status 'sending',
-- claimed_by, claimed_at), hands them to a transport and records the outcome (sent_at, or
-- last_error with the next attempt). recipient is personal data (a phone): shown only on the
-- person's own record, never in a list. persons: the person's choice of notices (opted out of
-- those not legally required) and of their language (NULL: by nationality).
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    locale TEXT NOT NULL,
    channel TEXT NOT NULL,
    recipient TEXT NOT NULL,
    params TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TEXT NOT NULL,
    claimed_by TEXT,
    claimed_at TEXT,
    last_error TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_office ON outbox (office_id, created_at);
CREATE INDEX outbox_person ON outbox (person_id, created_at);
CREATE INDEX outbox_subject ON outbox (subject, kind) WHERE status = 'pending';

ALTER TABLE persons ADD COLUMN notify_opt_out INTEGER NOT NULL DEFAULT 0;
ALTER TABLE persons ADD COLUMN notify_locale TEXT;
