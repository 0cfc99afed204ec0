-- The last TOTP time step each user signed in (or stepped up) with: a code is accepted only for
-- a later step, so a code seen over a shoulder or replayed cannot be used a second time, on any
-- web node (issue 15, defect 14).
ALTER TABLE users ADD COLUMN totp_last_step BIGINT;
