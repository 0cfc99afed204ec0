-- The review queue of suspected duplicates and the merges decided from it. A merge keeps both
-- person records (and their documents and histories): the merged one points to the one kept
-- and drops out of lists, search and the duplicate check until the merge is undone.

ALTER TABLE persons ADD COLUMN merged_into TEXT;

CREATE TABLE duplicate_suspects (
    id TEXT PRIMARY KEY,
    person_a TEXT NOT NULL REFERENCES persons(id),
    person_b TEXT NOT NULL REFERENCES persons(id),
    score_milli BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    source TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at TIMESTAMPTZ,
    survivor TEXT,
    UNIQUE (person_a, person_b)
);
CREATE INDEX duplicate_suspects_status ON duplicate_suspects (status, created_at);

CREATE TABLE person_merges (
    suspect_id TEXT NOT NULL REFERENCES duplicate_suspects(id),
    survivor TEXT NOT NULL REFERENCES persons(id),
    merged TEXT NOT NULL REFERENCES persons(id),
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    undone_at TIMESTAMPTZ,
    undone_by TEXT
);
CREATE INDEX person_merges_suspect ON person_merges (suspect_id);
