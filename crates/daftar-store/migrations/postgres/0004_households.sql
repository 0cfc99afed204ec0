-- Households: a head and members with their relationship. Membership is history: a member who
-- moves or splits off gets left_at; a person has at most one current household.

CREATE TABLE households (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES offices(id),
    head_person_id TEXT NOT NULL REFERENCES persons(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX households_office ON households (office_id, created_at);

CREATE TABLE household_members (
    household_id TEXT NOT NULL REFERENCES households(id),
    person_id TEXT NOT NULL REFERENCES persons(id),
    relationship TEXT NOT NULL,
    joined_at TIMESTAMPTZ NOT NULL,
    left_at TIMESTAMPTZ
);
CREATE INDEX household_members_household ON household_members (household_id, left_at);
CREATE UNIQUE INDEX household_members_current ON household_members (person_id) WHERE left_at IS NULL;
