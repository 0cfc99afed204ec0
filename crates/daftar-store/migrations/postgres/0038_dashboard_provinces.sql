-- The dashboard's country view (issue 19, speed): per province the sums the view would
-- otherwise add up from every office's rows (5 M cases: ~116,000 rows of kpi_monthly and
-- ~100,000 of dashboard_monthly for 12 months of 992 offices). The KPI job replaces a month's
-- rows here in the same transaction as the month's rows of kpi_monthly and dashboard_monthly,
-- from those rows and the offices' provinces (which never change), so the sums are always the
-- offices' rows added up. province '' holds complaints about no office.
CREATE TABLE kpi_province_monthly (
    month BIGINT NOT NULL,
    province TEXT NOT NULL,
    service_code TEXT NOT NULL,
    opened BIGINT NOT NULL,
    approved BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    cancelled BIGINT NOT NULL,
    returned BIGINT NOT NULL,
    breached BIGINT NOT NULL,
    PRIMARY KEY (month, province, service_code)
);
CREATE TABLE dashboard_province_monthly (
    month BIGINT NOT NULL,
    province TEXT NOT NULL,
    metric TEXT NOT NULL,
    item TEXT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (month, province, metric, item)
);
-- The province and district views read one province's offices' rows, not every office's of
-- the months.
CREATE INDEX dashboard_monthly_office ON dashboard_monthly (office_id, month);
-- The months the job computed before this migration.
INSERT INTO kpi_province_monthly (month, province, service_code, opened, approved, rejected, cancelled, returned, breached)
SELECT k.month, o.province, k.service_code, CAST(SUM(k.opened) AS BIGINT), CAST(SUM(k.approved) AS BIGINT), CAST(SUM(k.rejected) AS BIGINT), CAST(SUM(k.cancelled) AS BIGINT), CAST(SUM(k.returned) AS BIGINT), CAST(SUM(k.breached) AS BIGINT)
FROM kpi_monthly k JOIN offices o ON o.id = k.office_id
WHERE k.service_code <> ''
GROUP BY k.month, o.province, k.service_code;
INSERT INTO dashboard_province_monthly (month, province, metric, item, value)
SELECT d.month, COALESCE(o.province, ''), d.metric, d.item, CAST(SUM(d.value) AS BIGINT)
FROM dashboard_monthly d LEFT JOIN offices o ON o.id = d.office_id
GROUP BY d.month, COALESCE(o.province, ''), d.metric, d.item;
