-- A person's access log ("who saw my record", issue 20.5) looks audit rows up by their
-- target: the person, their cases, credentials and households.
CREATE INDEX audit_target ON audit_log (target_type, target_id);
CREATE INDEX audit_pending_target ON audit_pending (target_type, target_id);
