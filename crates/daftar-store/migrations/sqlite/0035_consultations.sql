-- Consultations on the offices' directive and the association branches' problems and
-- proposals (issue 18, part 6). A published version (consultation_versions) is written once
-- and never updated; consultations.version is the latest version's number (its ETag). A
-- comment names the office or the province branch that made it, never a person (the audit log
-- records the acting user). users.branch binds an association account to its province branch
-- (`daftar admin user add --branch`). The built-in roles get consultation.manage (authority
-- officers), consultation.comment (office managers, association staff) and proposal.file
-- (association staff) here for existing databases and from seed_roles for new ones.
ALTER TABLE users ADD COLUMN branch TEXT;
CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    deadline TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX consultations_created ON consultations (created_at);
CREATE TABLE consultation_versions (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    number INTEGER NOT NULL,
    kind TEXT NOT NULL,
    sections TEXT NOT NULL,
    deadline TEXT NOT NULL,
    summary TEXT NOT NULL,
    published_at TEXT NOT NULL,
    PRIMARY KEY (consultation_id, number)
);
CREATE TABLE consultation_comments (
    id TEXT PRIMARY KEY,
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    version INTEGER NOT NULL,
    section INTEGER NOT NULL,
    office_id TEXT REFERENCES offices(id),
    branch TEXT,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX consultation_comments_section ON consultation_comments (consultation_id, section, created_at);
CREATE TABLE proposals (
    id TEXT PRIMARY KEY,
    branch TEXT NOT NULL,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    status TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered_at TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX proposals_branch ON proposals (branch, created_at);
CREATE INDEX proposals_created ON proposals (created_at);
INSERT INTO role_permissions (role, permission) SELECT code, 'consultation.manage' FROM roles WHERE code = 'authority_officer' ON CONFLICT (role, permission) DO NOTHING;
INSERT INTO role_permissions (role, permission) SELECT code, 'consultation.comment' FROM roles WHERE code IN ('office_manager', 'association') ON CONFLICT (role, permission) DO NOTHING;
INSERT INTO role_permissions (role, permission) SELECT code, 'proposal.file' FROM roles WHERE code = 'association' ON CONFLICT (role, permission) DO NOTHING;
