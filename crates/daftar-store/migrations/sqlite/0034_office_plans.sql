-- Office plans (issue 18, part 5): an office's one-year and three-year plans (targets per KPI and
-- service for each year, staffing, opening hours, outreach: the content, as JSON) and their
-- review by the authority (draft, submitted, returned with a comment, approved). One plan of a
-- kind per office and start year; plan_events is each plan's timeline.
CREATE TABLE office_plans (
    id TEXT PRIMARY KEY,
    office_id TEXT NOT NULL REFERENCES offices(id),
    kind TEXT NOT NULL,
    start_year INTEGER NOT NULL,
    end_year INTEGER NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (office_id, kind, start_year)
);
CREATE INDEX office_plans_years ON office_plans (start_year, end_year, state);

CREATE TABLE plan_events (
    plan_id TEXT NOT NULL REFERENCES office_plans(id),
    seq INTEGER NOT NULL,
    step TEXT NOT NULL,
    state TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (plan_id, seq)
);

-- Who writes and who reviews plans (seed_roles adds them to a new database).
INSERT INTO role_permissions (role, permission) SELECT code, 'plan.submit' FROM roles WHERE code = 'office_manager' ON CONFLICT (role, permission) DO NOTHING;
INSERT INTO role_permissions (role, permission) SELECT code, 'plan.review' FROM roles WHERE code = 'authority_officer' ON CONFLICT (role, permission) DO NOTHING;
