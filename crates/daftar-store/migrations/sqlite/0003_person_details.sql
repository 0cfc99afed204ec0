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
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (person_id, seq)
) WITHOUT ROWID;
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
    created_at TEXT NOT NULL,
    UNIQUE (kind, number_key)
);
CREATE INDEX person_documents_key ON person_documents (number_key);
CREATE INDEX person_documents_person ON person_documents (person_id);

-- One row per name word (skeleton of either script) of a person, for search within an office.
-- Derived data (rebuilt from persons), so no foreign key: checking one per row slows imports.
-- SQLite keeps key-only tables WITHOUT ROWID: one b-tree each instead of a table plus indexes,
-- which is what makes bulk imports fast.
CREATE TABLE person_name_tokens (
    token TEXT NOT NULL,
    office_id TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (token, office_id, person_id)
) WITHOUT ROWID;

-- The match keys of 0002, rebuilt the same way (derived data: no foreign key; the office is
-- read from persons). They start empty: the key scheme changed, and every person without
-- search tokens (all persons older than this migration) gets both recomputed on migrate.
CREATE TABLE person_match_keys_new (
    match_key TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (match_key, person_id)
) WITHOUT ROWID;
DROP TABLE person_match_keys;
ALTER TABLE person_match_keys_new RENAME TO person_match_keys;
CREATE INDEX person_match_keys_person ON person_match_keys (person_id);
