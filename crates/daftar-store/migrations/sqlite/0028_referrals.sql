-- Referrals to partner services (issue 20.1). Partners and referral types are the profile's
-- referrals.toml; a partner user names their partner in users.partner_code. attributes holds
-- the JSON array of [attribute, value] pairs shared with the partner, copied when the referral
-- was made with the person's consent, and emptied ('[]') when consent is withdrawn.
-- Partners get referral.receive from the built-in roles (seed_roles).
ALTER TABLE users ADD COLUMN partner_code TEXT;
CREATE TABLE referrals (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    type_code TEXT NOT NULL,
    partner_code TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(id),
    office_id TEXT NOT NULL REFERENCES offices(id),
    state TEXT NOT NULL,
    consent TEXT NOT NULL,
    attributes TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX referrals_partner ON referrals (partner_code, state, created_at);
CREATE INDEX referrals_person ON referrals (person_id, created_at);
CREATE INDEX referrals_office ON referrals (office_id, created_at);
