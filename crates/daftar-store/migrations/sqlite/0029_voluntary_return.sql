-- Voluntary return (issue 20.3): a person's wish to return, alone or with members of their
-- household (return_members), on a day and through a border point of the country profile; the
-- protection screening (answers: a JSON object of question code → yes; flagged stays set once a
-- flag was raised), the protection officer's review, the exit permit and the departure. The
-- timeline is return_events (the actor's role, never their name).
CREATE TABLE return_cases (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    office_id TEXT NOT NULL REFERENCES offices(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    channel TEXT NOT NULL,
    departure_on TEXT NOT NULL,
    border_point TEXT NOT NULL,
    state TEXT NOT NULL,
    flagged INTEGER NOT NULL,
    answers TEXT NOT NULL,
    screening_note TEXT NOT NULL,
    decision TEXT,
    review_note TEXT NOT NULL,
    permit_no TEXT NOT NULL,
    permit_valid_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX return_cases_office ON return_cases (office_id, created_at);
CREATE INDEX return_cases_person ON return_cases (person_id, created_at);
CREATE INDEX return_cases_flagged ON return_cases (flagged, state, created_at);
CREATE TABLE return_members (
    case_id TEXT NOT NULL REFERENCES return_cases(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    PRIMARY KEY (case_id, person_id)
);
CREATE INDEX return_members_person ON return_members (person_id);
CREATE TABLE return_events (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES return_cases(id),
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    role TEXT NOT NULL,
    note TEXT NOT NULL
);
CREATE INDEX return_events_case ON return_events (case_id, at);
-- Who screens (trained officers) and the protection officers (seed_roles adds them to a new
-- database).
INSERT INTO roles (code, totp_required, office_bound) VALUES ('protection_officer', 1, 0) ON CONFLICT (code) DO NOTHING;
INSERT INTO role_permissions (role, permission) VALUES ('protection_officer', 'office.read'), ('protection_officer', 'office.all'), ('protection_officer', 'protection.review') ON CONFLICT (role, permission) DO NOTHING;
INSERT INTO role_permissions (role, permission) SELECT code, 'return.screen' FROM roles WHERE code IN ('office_manager', 'authority_officer') ON CONFLICT (role, permission) DO NOTHING;
