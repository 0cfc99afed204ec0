-- KPIs per office (issue 18, part 4): monthly series keyed by Solar Hijri month (year * 100 +
-- month), one row per office, month and service (service_code '' for all the office's
-- services), computed by the KPI job (`KpiStore::compute_kpis`) from the cases: counts of cases
-- only, never a person. Cases are read by the day they were opened and closed.
CREATE TABLE kpi_monthly (
    office_id TEXT NOT NULL REFERENCES offices(id),
    month INTEGER NOT NULL,
    service_code TEXT NOT NULL,
    working_days INTEGER,
    opened INTEGER NOT NULL,
    approved INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    cancelled INTEGER NOT NULL,
    returned INTEGER NOT NULL,
    breached INTEGER NOT NULL,
    median_days INTEGER,
    p90_days INTEGER,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (office_id, month, service_code)
);
CREATE INDEX kpi_monthly_month ON kpi_monthly (month, service_code);
-- The job reads a month's cases by the time they were opened or closed from these indexes
-- alone (covering), and finds returned cases in a small partial index of return events.
CREATE INDEX cases_kpi_opened ON cases (opened_at, office_id, service_code);
CREATE INDEX cases_kpi_closed ON cases (closed_at, office_id, service_code, state, escalation, opened_at, id);
CREATE INDEX case_events_returned ON case_events (case_id) WHERE kind = 'case.return';

-- Who sees KPIs (seed_roles adds them to a new database).
INSERT INTO role_permissions (role, permission) SELECT code, 'kpi.read' FROM roles WHERE code IN ('office_manager', 'inspector', 'authority_officer', 'association') ON CONFLICT (role, permission) DO NOTHING;
