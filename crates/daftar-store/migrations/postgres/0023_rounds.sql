-- Registration rounds (issue 19, parts 1, 2 and 5). rounds: name, open and close dates (ISO;
-- extended with round_extensions, each with its reason), the services whose approved cases
-- count (JSON array), the eligibility as data (JSON, daftar_domain::round::Eligibility) and the
-- default appointment capacity. round_members: every person the round calls, assigned to the
-- office that holds their record, with their household (or their own id when in none) and the
-- invitation recorded (invited_at: for a notifications outbox to send); seen_at and
-- seen_case_id once an approved case of the round's services covered them. round_offices: per
-- office the quota, capacity and the live counters (expected, renewed, households and those
-- still open), updated in the transaction that approves a case; round_days: persons seen per
-- office and day (the trend). No foreign keys on round_members (derived, written in bulk).
CREATE TABLE rounds (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    opens_on TEXT NOT NULL,
    closes_on TEXT NOT NULL,
    services TEXT NOT NULL,
    eligibility TEXT NOT NULL,
    capacity BIGINT NOT NULL,
    invited BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    version BIGINT NOT NULL
);
CREATE INDEX rounds_open ON rounds (closes_on, opens_on);

CREATE TABLE round_extensions (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    seq BIGINT NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (round_id, seq)
);

CREATE TABLE round_offices (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    quota BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    expected BIGINT NOT NULL,
    renewed BIGINT NOT NULL,
    households BIGINT NOT NULL,
    households_open BIGINT NOT NULL,
    PRIMARY KEY (round_id, office_id)
);

CREATE TABLE round_members (
    round_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    office_id TEXT NOT NULL,
    household_key TEXT NOT NULL,
    head BOOLEAN NOT NULL,
    invited_at TIMESTAMPTZ NOT NULL,
    seen_at TIMESTAMPTZ,
    seen_case_id TEXT,
    PRIMARY KEY (round_id, person_id)
);
CREATE INDEX round_members_person ON round_members (person_id);
CREATE INDEX round_members_waiting ON round_members (round_id, office_id, household_key, person_id) WHERE seen_at IS NULL;

CREATE TABLE round_days (
    round_id TEXT NOT NULL,
    office_id TEXT NOT NULL,
    day TEXT NOT NULL,
    renewed BIGINT NOT NULL,
    PRIMARY KEY (round_id, office_id, day)
);

INSERT INTO role_permissions (role, permission) SELECT code, 'round.manage' FROM roles WHERE code = 'authority_officer' ON CONFLICT (role, permission) DO NOTHING;
