-- The enrolment-time duplicate check made compact for millions of persons: each person's
-- matching fields in one small row with an integer key (`person_match`), and the blocking keys
-- as 64-bit hashes (daftar_match::dedupe::key_hash) pointing at that key
-- (`person_match_blocks`). The check reads only these two tables, about a third of the bytes
-- of the text keys and person ids they replace. Derived data: rebuilt from persons after
-- migrating (the pending backfill below), no foreign keys.
CREATE TABLE person_match (
    pk INTEGER PRIMARY KEY,
    person_id TEXT NOT NULL UNIQUE,
    office_id TEXT NOT NULL,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    father_name TEXT NOT NULL,
    -- The birth date as the matcher reads it ('' when unknown), and M, F or ''.
    birth TEXT NOT NULL,
    gender TEXT NOT NULL,
    -- 1 while the person is merged into another (persons.merged_into is set).
    merged INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE person_match_blocks (
    key_hash INTEGER NOT NULL,
    pk INTEGER NOT NULL,
    PRIMARY KEY (key_hash, pk)
) WITHOUT ROWID;

DROP TABLE person_match_keys;

-- Derived data a migration asks the store to rebuild from the source tables once, after
-- migrating (a row per pending job; deleted when it is done).
CREATE TABLE store_backfills (name TEXT PRIMARY KEY);
INSERT INTO store_backfills (name) VALUES ('match_index');
