-- Foundation: roles and permissions, offices, users, login throttling, sessions, API tokens,
-- minimal persons, and the hash-chained audit log. Timestamps: RFC 3339 UTC text with ms.

CREATE TABLE roles (
    code TEXT PRIMARY KEY,
    totp_required INTEGER NOT NULL,
    office_bound INTEGER NOT NULL
);

CREATE TABLE role_permissions (
    role TEXT NOT NULL REFERENCES roles(code),
    permission TEXT NOT NULL,
    PRIMARY KEY (role, permission)
);

CREATE TABLE offices (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name_fa TEXT NOT NULL,
    name_en TEXT NOT NULL,
    province TEXT NOT NULL,
    district TEXT NOT NULL,
    status TEXT NOT NULL,
    person_seq INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    office_id TEXT REFERENCES offices(id),
    role TEXT NOT NULL REFERENCES roles(code),
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    locale TEXT,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX users_office ON users (office_id, username);

CREATE TABLE login_throttle (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    locked_until TEXT
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    mfa_ok INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    step_up_at TEXT,
    revoked_at TEXT,
    user_agent TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id, created_at);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    scopes TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    expires_at TEXT,
    revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE persons (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES offices(id),
    registry_no TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    father_name TEXT NOT NULL,
    birth_date TEXT,
    sex TEXT NOT NULL,
    nationality TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX persons_office ON persons (office_id, id);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    office_id TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    request_id TEXT NOT NULL,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_actor ON audit_log (actor_id, seq);
CREATE INDEX audit_office ON audit_log (office_id, seq);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The audit log is append-only; the hash chain detects changes made around these triggers.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
