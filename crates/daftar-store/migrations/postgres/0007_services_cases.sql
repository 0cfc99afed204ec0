-- The service catalog (current version and full history), the holiday calendar, cases with
-- members, timeline, evidence, payments and receipts, and stored responses for Idempotency-Key.

CREATE TABLE services (
    code TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE service_versions (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    definition TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (code, version)
);

CREATE TABLE holidays (
    day TEXT PRIMARY KEY,
    name_fa TEXT NOT NULL,
    name_en TEXT NOT NULL,
    kind TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE case_counters (
    office_id TEXT NOT NULL REFERENCES offices(id),
    kind TEXT NOT NULL,
    year BIGINT NOT NULL,
    next BIGINT NOT NULL,
    PRIMARY KEY (office_id, kind, year)
);

CREATE TABLE cases (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    office_id TEXT NOT NULL REFERENCES offices(id),
    service_code TEXT NOT NULL,
    service_version BIGINT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    household_id TEXT REFERENCES households(id),
    state TEXT NOT NULL,
    step BIGINT NOT NULL,
    step_started_on TEXT NOT NULL,
    due_on TEXT,
    paused_remaining BIGINT,
    assigned_to TEXT REFERENCES users(id),
    reject_reason TEXT,
    consent BOOLEAN NOT NULL,
    escalation BIGINT NOT NULL DEFAULT 0,
    fee_year BIGINT NOT NULL,
    opened_at TIMESTAMPTZ NOT NULL,
    opened_by TEXT NOT NULL,
    closed_at TIMESTAMPTZ,
    version BIGINT NOT NULL
);
CREATE INDEX cases_office_state_due ON cases (office_id, state, due_on);
CREATE INDEX cases_person ON cases (person_id);

CREATE TABLE case_members (
    case_id TEXT NOT NULL REFERENCES cases(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    position BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT,
    PRIMARY KEY (case_id, person_id)
);

CREATE TABLE case_events (
    case_id TEXT NOT NULL REFERENCES cases(id),
    seq BIGINT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    kind TEXT NOT NULL,
    step BIGINT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE case_documents (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    kind TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    blob_key TEXT NOT NULL,
    uploaded_at TIMESTAMPTZ NOT NULL,
    uploaded_by TEXT NOT NULL
);
CREATE INDEX case_documents_case ON case_documents (case_id);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    service_code TEXT NOT NULL,
    fee_code TEXT NOT NULL,
    rials BIGINT NOT NULL,
    method TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    paid_on TEXT NOT NULL,
    receipt_no TEXT NOT NULL UNIQUE,
    check_code TEXT NOT NULL UNIQUE
);
CREATE INDEX payments_case ON payments (case_id);
CREATE INDEX payments_office ON payments (office_id, paid_on);

CREATE TABLE fee_complaints (
    id TEXT PRIMARY KEY,
    receipt_no TEXT NOT NULL REFERENCES payments(receipt_no),
    asked_rials BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX fee_complaints_receipt ON fee_complaints (receipt_no);

CREATE TABLE idempotency_keys (
    principal TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    headers TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (principal, key)
);
