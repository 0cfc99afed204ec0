-- Staff accreditation (issue 18, part 3): training and exam records per staff member (written by
-- the authority, never changed), and the profile's accreditation rules (which steps of which
-- services need an accreditation, what grants it: accreditations.toml as JSON, one row, replaced
-- at start). The workflow reads both in the transaction that decides a step.
CREATE TABLE staff_records (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    kind TEXT NOT NULL,
    course TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    passed INTEGER NOT NULL,
    expires_on TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX staff_records_user ON staff_records (user_id, taken_on);

CREATE TABLE accreditation_rules (
    name TEXT PRIMARY KEY,
    body TEXT NOT NULL
);

-- Who records them (seed_roles adds it to a new database).
INSERT INTO role_permissions (role, permission) SELECT code, 'accreditation.manage' FROM roles WHERE code = 'authority_officer' ON CONFLICT (role, permission) DO NOTHING;
