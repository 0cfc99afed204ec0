//! The web crate's integration tests, one binary (one link instead of fourteen on a two-core
//! machine), one module per feature; `harness` serves the real router over a fresh store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod accreditation;
mod api_basics;
mod api_issue20;
mod auth_flows;
mod browser;
mod browser_card;
mod browser_consult;
mod browser_dashboard;
mod browser_helpdesk;
mod browser_journeys;
mod browser_kpi;
mod browser_licence;
mod browser_pages;
mod browser_referral;
mod browser_return;
mod browser_rounds;
mod case_pages;
mod cases;
mod consultations;
mod credentials;
mod dashboard;
mod every_page;
mod features;

mod harness;
mod helpdesk;
mod i18n;
mod idempotency;
mod information;
mod input_contract;
mod issue20_rules;
mod kpi;
mod licences;
mod no_server_errors;
mod nodes;
mod notify;
mod office_scope;
mod openapi_contract;
mod planning;
mod plans;
mod portal;
mod privacy;
mod referrals;
mod registry;
mod rounds;
mod services;
mod voluntary_return;
