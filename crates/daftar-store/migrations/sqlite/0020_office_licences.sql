-- Office licences (issue 18, part 1). licences holds one row per office that ever applied: its
-- state in the lifecycle (daftar_domain::licence), the licence granted (number, validity,
-- services allowed, as a JSON array) and the latest application (JSON). licence_events is the
-- timeline: one row per step with what it recorded (application, visit with checklist results
-- and findings with deadlines, licence granted, renewal, reason) as JSON. licence_checklist is
-- the inspection checklist, as data. offices carries the licence's state and end of validity,
-- read on every request with the office's status to cut its staff off.
CREATE TABLE licence_checklist (
    code TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    label_fa TEXT NOT NULL,
    label_en TEXT NOT NULL
);
INSERT INTO licence_checklist (code, position, label_fa, label_en) VALUES
    ('premises', 1, 'محل دفتر مطابق مدارک درخواست و قابل دسترس برای مراجعان', 'Premises match the application and are accessible to applicants'),
    ('signage', 2, 'تابلوی دفتر و ساعات کار نصب شده است', 'Office sign and opening hours are displayed'),
    ('fee_board', 3, 'تعرفهٔ خدمات در معرض دید مراجعان است', 'The fee schedule is displayed to applicants'),
    ('records', 4, 'بایگانی پرونده‌ها امن و قفل‌دار است', 'Case records are stored securely under lock'),
    ('staff', 5, 'کارکنان کارت شناسایی دارند و مدیر حاضر است', 'Staff carry identity cards and the manager is present'),
    ('equipment', 6, 'رایانه، چاپگر و اسکنر کار می‌کنند', 'Computer, printer and scanner work');

CREATE TABLE licences (
    office_id TEXT PRIMARY KEY REFERENCES offices(id),
    state TEXT NOT NULL,
    number TEXT UNIQUE,
    valid_from TEXT,
    valid_until TEXT,
    services TEXT NOT NULL DEFAULT '[]',
    application TEXT,
    last_visit_passed INTEGER,
    version INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE licence_events (
    office_id TEXT NOT NULL REFERENCES offices(id),
    seq INTEGER NOT NULL,
    step TEXT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    actor_id TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    details TEXT NOT NULL,
    PRIMARY KEY (office_id, seq)
);

ALTER TABLE offices ADD COLUMN licence_state TEXT;
ALTER TABLE offices ADD COLUMN licence_valid_until TEXT;
CREATE INDEX offices_province ON offices (province, district);

-- The permissions of the built-in roles for the lifecycle (seed_roles adds them to a new
-- database, whose roles are seeded after the migrations).
INSERT INTO role_permissions (role, permission) SELECT code, 'licence.apply' FROM roles WHERE code IN ('office_manager', 'authority_officer');
INSERT INTO role_permissions (role, permission) SELECT code, 'licence.inspect' FROM roles WHERE code IN ('inspector', 'authority_officer');
INSERT INTO role_permissions (role, permission) SELECT code, 'licence.decide' FROM roles WHERE code = 'authority_officer';

-- Association membership (issue 18, part 2): one membership per office (number, province
-- branch), and the Solar Hijri years whose dues are paid. A membership is current while the
-- dues of the offices' current year are recorded; renewal of a licence needs it.
CREATE TABLE memberships (
    office_id TEXT PRIMARY KEY REFERENCES offices(id),
    number TEXT NOT NULL UNIQUE,
    branch TEXT NOT NULL,
    joined_on TEXT NOT NULL
);
CREATE INDEX memberships_branch ON memberships (branch);

CREATE TABLE membership_dues (
    office_id TEXT NOT NULL REFERENCES memberships(office_id),
    year INTEGER NOT NULL,
    paid_on TEXT NOT NULL,
    PRIMARY KEY (office_id, year)
);

-- The association's staff: memberships and dues, members' licence standing and figures.
INSERT INTO roles (code, totp_required, office_bound) VALUES ('association', 0, 0) ON CONFLICT (code) DO NOTHING;
INSERT INTO role_permissions (role, permission) VALUES ('association', 'office.read'), ('association', 'office.all'), ('association', 'aggregate.read'), ('association', 'membership.manage') ON CONFLICT (role, permission) DO NOTHING;
