-- Appointment no-shows in the KPIs (issue 18.4). attended_at: when the clerk recorded the
-- person's arrival (on the appointment's day). A booking moved after its day had passed without
-- an arrival is kept in appointment_log as 'missed' (a rebooking otherwise replaces the row).
-- The KPI job counts per office and month the appointments whose day has passed with no arrival
-- (kpi_monthly.no_shows, on the all-services row).
ALTER TABLE appointments ADD COLUMN attended_at TEXT;
CREATE TABLE appointment_log (
    case_id TEXT NOT NULL,
    office_id TEXT NOT NULL,
    day TEXT NOT NULL,
    slot TEXT NOT NULL,
    outcome TEXT NOT NULL,
    logged_at TEXT NOT NULL
);
CREATE INDEX appointment_log_day ON appointment_log (day, office_id);
CREATE INDEX appointments_day ON appointments (day, office_id);
ALTER TABLE kpi_monthly ADD COLUMN no_shows INTEGER NOT NULL DEFAULT 0;
