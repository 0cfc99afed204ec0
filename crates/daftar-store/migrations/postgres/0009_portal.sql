-- Portal accounts: a registered person's login (a user with the role `applicant`) tied to their
-- registry record. Made at the person's office; the person then acts only on their own record.

CREATE TABLE portal_accounts (
    user_id TEXT PRIMARY KEY REFERENCES users(id),
    person_id TEXT NOT NULL UNIQUE REFERENCES persons(id)
);
