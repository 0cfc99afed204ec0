//! The features of the web layer, one folder each with its routes and handlers; templates
//! live in `templates/<feature>/`.

pub mod accreditation;
pub mod api;
pub mod association;
pub mod audit;
pub mod cases;
pub mod consultations;
pub mod credentials;
pub mod dashboard;
pub mod helpdesk;
pub mod home;
pub mod households;
pub mod information;
pub mod kpi;
pub mod licences;
pub mod locale;
pub mod login;
pub mod notify;
pub mod offices;
pub mod persons;
pub mod planning;
pub mod plans;
pub mod portal;
pub mod profile;
pub mod read_watch;
pub mod referrals;
pub mod review;
pub mod rounds;
pub mod services;
pub mod system;
pub mod users;
pub mod voluntary_return;
