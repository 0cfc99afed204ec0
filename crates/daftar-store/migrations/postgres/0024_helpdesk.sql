-- The help desk (issue 20.4): inquiries, complaints about an office or its staff, and reports
-- of exploitation, routed to an office (route_office_id) or to the authority (NULL). The
-- complainant is a registered person (person_id) or a contact left with a phone operator;
-- anonymous tickets hide them from the office complained about (about_office_id).
CREATE TABLE helpdesk_tickets (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    category TEXT NOT NULL,
    channel TEXT NOT NULL,
    person_id TEXT REFERENCES persons(id),
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    anonymous BOOLEAN NOT NULL,
    about_office_id TEXT REFERENCES offices(id),
    about_staff TEXT NOT NULL,
    body TEXT NOT NULL,
    filed_office_id TEXT REFERENCES offices(id),
    route_office_id TEXT REFERENCES offices(id),
    state TEXT NOT NULL,
    due_on TEXT NOT NULL,
    answer TEXT NOT NULL,
    answered_role TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    answered_at TIMESTAMPTZ
);
CREATE INDEX helpdesk_route ON helpdesk_tickets (route_office_id, state, created_at);
CREATE INDEX helpdesk_about ON helpdesk_tickets (about_office_id, created_at);
CREATE INDEX helpdesk_person ON helpdesk_tickets (person_id, created_at);
