-- Registered medical needs (issue 20.2): a yes/no flag per person kept apart from the person
-- record (no diagnosis, no detail), set by the person's office and audited; the planning
-- figures count the persons who have one. A person without a row has none registered.
CREATE TABLE person_needs (
    person_id TEXT PRIMARY KEY REFERENCES persons(id),
    medical_needs INTEGER NOT NULL,
    noted_by TEXT NOT NULL,
    noted_at TEXT NOT NULL
);
