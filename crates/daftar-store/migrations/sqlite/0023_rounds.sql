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
    capacity INTEGER NOT NULL,
    invited INTEGER NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX rounds_open ON rounds (closes_on, opens_on);

CREATE TABLE round_extensions (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    seq INTEGER NOT NULL,
    from_day TEXT NOT NULL,
    to_day TEXT NOT NULL,
    reason TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (round_id, seq)
);

CREATE TABLE round_offices (
    round_id TEXT NOT NULL REFERENCES rounds(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    quota INTEGER NOT NULL,
    capacity INTEGER NOT NULL,
    expected INTEGER NOT NULL,
    renewed INTEGER NOT NULL,
    households INTEGER NOT NULL,
    households_open INTEGER NOT NULL,
    PRIMARY KEY (round_id, office_id)
);

CREATE TABLE round_members (
    round_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    office_id TEXT NOT NULL,
    household_key TEXT NOT NULL,
    head INTEGER NOT NULL,
    invited_at TEXT NOT NULL,
    seen_at TEXT,
    seen_case_id TEXT,
    PRIMARY KEY (round_id, person_id)
);
CREATE INDEX round_members_person ON round_members (person_id);
CREATE INDEX round_members_waiting ON round_members (round_id, office_id, household_key, person_id) WHERE seen_at IS NULL;

CREATE TABLE round_days (
    round_id TEXT NOT NULL,
    office_id TEXT NOT NULL,
    day TEXT NOT NULL,
    renewed INTEGER NOT NULL,
    PRIMARY KEY (round_id, office_id, day)
);

INSERT INTO role_permissions (role, permission) SELECT code, 'round.manage' FROM roles WHERE code = 'authority_officer' ON CONFLICT (role, permission) DO NOTHING;
