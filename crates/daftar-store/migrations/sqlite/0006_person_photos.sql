-- One photo per person (JPEG or PNG, at most 1 MiB, checked by content), kept base64-encoded in
-- the database so that both stores back it up the same way.

CREATE TABLE person_photos (
    person_id TEXT PRIMARY KEY REFERENCES persons(id),
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    data TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    uploaded_by TEXT NOT NULL
);
