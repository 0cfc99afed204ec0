-- The authority's dashboard (issue 19, part 4): monthly aggregates the KPI job computes beside
-- `kpi_monthly` (which holds the cases' figures): persons registered, receipts (count and
-- rials) and complaints per category, per office and Solar Hijri month (year * 100 + month).
-- office_id '' holds complaints about no office. Counts only, never a person.
CREATE TABLE dashboard_monthly (
    month BIGINT NOT NULL,
    office_id TEXT NOT NULL,
    metric TEXT NOT NULL,
    item TEXT NOT NULL,
    value BIGINT NOT NULL,
    computed_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (month, office_id, metric, item)
);
-- The job counts a month's registrations and receipts from these indexes alone.
CREATE INDEX persons_dashboard_created ON persons (created_at, office_id);
CREATE INDEX payments_dashboard_paid ON payments (paid_on, office_id, rials);
