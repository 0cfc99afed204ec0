-- The full person record (issue 4): names in Latin letters and the grandfather's name, birth
-- date precision (birth_date holds the first day of what is known), contact and address,
-- current status with its history, identity documents, and name tokens for search.

ALTER TABLE persons ADD COLUMN grandfather_name TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN given_name_latin TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN family_name_latin TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN birth_date_precision TEXT;
ALTER TABLE persons ADD COLUMN phone TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN province TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN district TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE persons ADD COLUMN status TEXT NOT NULL DEFAULT 'registered';
UPDATE persons SET birth_date_precision = 'day' WHERE birth_date IS NOT NULL;

CREATE TABLE person_status_history (
    person_id TEXT NOT NULL REFERENCES persons(id),
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (person_id, seq)
);
INSERT INTO person_status_history (person_id, seq, status, at, actor, note)
    SELECT id, 1, 'registered', created_at, '', '' FROM persons;

CREATE TABLE person_documents (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    office_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    number_key TEXT NOT NULL,
    issuer TEXT NOT NULL,
    valid_from TEXT,
    valid_until TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, number_key)
);
CREATE INDEX person_documents_key ON person_documents (number_key);
CREATE INDEX person_documents_person ON person_documents (person_id);

-- One row per name word (skeleton of either script) of a person, for search within an office.
-- Derived data (rebuilt from persons), so no foreign key: checking one per row slows imports.
CREATE TABLE person_name_tokens (
    token TEXT NOT NULL,
    office_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (token, office_id, person_id)
);

-- Match keys: the office is read from persons (as in SQLite's rebuilt table). The key scheme
-- changed, so they are emptied; every person without search tokens (all persons older than
-- this migration) gets both recomputed on migrate.
DELETE FROM person_match_keys;
ALTER TABLE person_match_keys DROP COLUMN office_id;
