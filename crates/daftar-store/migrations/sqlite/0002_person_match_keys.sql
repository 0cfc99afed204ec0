-- Matching keys of persons for the enrolment-time duplicate check: each person's blocking keys
-- (name skeletons with birth year, father, family), computed by daftar-match when the person is
-- written, looked up by key.

CREATE TABLE person_match_keys (
    match_key TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    office_id TEXT NOT NULL,
    PRIMARY KEY (match_key, person_id)
);
CREATE INDEX person_match_keys_person ON person_match_keys (person_id);
