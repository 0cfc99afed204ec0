-- Appointment reminders for appointments booked before the outbox existed (issue 19.3): the
-- store writes, once, the reminder of every appointment from today on that has none
-- (SqlStore::backfill_reminders, run after the migrations like the match-index backfill).
INSERT INTO store_backfills (name) VALUES ('appointment_reminders') ON CONFLICT (name) DO NOTHING;
