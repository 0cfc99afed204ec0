-- Appointments of cases at their office: one per case (booking again moves it), counted per
-- office, day and slot against the profile's capacity.

CREATE TABLE appointments (
    case_id TEXT PRIMARY KEY REFERENCES cases(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    day TEXT NOT NULL,
    slot TEXT NOT NULL,
    booked_at TEXT NOT NULL,
    booked_by TEXT NOT NULL
);
CREATE INDEX appointments_slot ON appointments (office_id, day, slot);
