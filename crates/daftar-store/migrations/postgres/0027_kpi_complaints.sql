-- Complaints in the KPIs (issue 18, part 4): per office and month, on the office's
-- all-services row, the help desk's complaints about the office filed in the month and the
-- reports of overcharging (help-desk complaints of overcharging and fee complaints on the
-- office's receipts). Counts only.
ALTER TABLE kpi_monthly ADD COLUMN complaints BIGINT NOT NULL DEFAULT 0;
ALTER TABLE kpi_monthly ADD COLUMN overcharges BIGINT NOT NULL DEFAULT 0;
-- The job reads a month's complaints by the time they were filed.
CREATE INDEX helpdesk_filed ON helpdesk_tickets (created_at, about_office_id);
CREATE INDEX fee_complaints_filed ON fee_complaints (created_at);
