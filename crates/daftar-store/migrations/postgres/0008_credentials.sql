-- Signed credentials (issue 6): signing keys with sealed private halves, the versions of the
-- published trust and status lists, issued credentials with their revocation, share codes
-- (stored as hashes) and every check made with one.

CREATE TABLE credential_keys (
    kid TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    public_key TEXT NOT NULL,
    sealed TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    changed_at TIMESTAMPTZ
);

CREATE TABLE credential_lists (
    name TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO credential_lists (name, version) VALUES ('trust', 0), ('status', 0);

CREATE TABLE credentials (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL REFERENCES persons(id),
    case_id TEXT REFERENCES cases(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    issuer TEXT NOT NULL,
    kind TEXT NOT NULL,
    issued_at TIMESTAMPTZ NOT NULL,
    not_before TIMESTAMPTZ NOT NULL,
    expires TIMESTAMPTZ NOT NULL,
    fields TEXT NOT NULL,
    revoked_at TIMESTAMPTZ,
    revoked_by TEXT,
    revoke_reason TEXT,
    status_version BIGINT
);
CREATE INDEX credentials_person ON credentials (person_id, issued_at);
CREATE UNIQUE INDEX credentials_case_member ON credentials (case_id, person_id, kind);
CREATE INDEX credentials_status ON credentials (status_version);

CREATE TABLE share_codes (
    id TEXT PRIMARY KEY,
    code_hash TEXT NOT NULL UNIQUE,
    manage_hash TEXT NOT NULL UNIQUE,
    person_id TEXT NOT NULL REFERENCES persons(id),
    credential_id TEXT NOT NULL REFERENCES credentials(id),
    verifier TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    cancelled_at TIMESTAMPTZ,
    failures BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX share_codes_person ON share_codes (person_id, created_at);

CREATE TABLE share_checks (
    id TEXT PRIMARY KEY,
    share_id TEXT NOT NULL REFERENCES share_codes(id),
    at TIMESTAMPTZ NOT NULL,
    verifier TEXT NOT NULL,
    verifier_name TEXT NOT NULL,
    outcome TEXT NOT NULL
);
CREATE INDEX share_checks_share ON share_checks (share_id, at);
