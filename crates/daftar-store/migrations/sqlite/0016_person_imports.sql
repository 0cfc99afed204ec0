-- Imports of persons (`daftar import persons`) commit in batches so that other writers are not
-- blocked for the whole run. An import's persons carry its id and stay hidden from every read
-- until the import is done; one that fails, or stops without finishing (a killed process), is
-- removed whole (README, "Import"), so an import still writes all rows or none.
CREATE TABLE person_imports (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES offices(id),
    actor TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('running', 'done', 'removed')),
    total INTEGER NOT NULL,
    written INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX person_imports_state ON person_imports (state, updated_at);
ALTER TABLE persons ADD COLUMN import_id TEXT REFERENCES person_imports(id);
CREATE INDEX persons_import ON persons (import_id) WHERE import_id IS NOT NULL;
