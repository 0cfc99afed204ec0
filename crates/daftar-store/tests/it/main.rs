//! The store crate's integration tests, one binary, on SQLite and PostgreSQL (`both_backends!`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accreditation;
mod audit_sealer;
mod cases;
mod consultations;
mod credentials;
mod dashboard;
mod fixtures;
mod helpdesk;
mod kpi;
mod licences;
mod nodes;
mod notify;
mod pg_driver;
mod planning;
mod plans;
mod read_watch;
mod referrals;
mod rounds;
mod schema;
mod sign_ins;
mod store;
mod voluntary_return;
