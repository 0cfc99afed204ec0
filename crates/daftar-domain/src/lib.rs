//! Pure domain rules of daftar: typed ids and values, Solar Hijri dates, roles and permissions,
//! the audit chain, the one error type, and the repository trait that storage implements.
//! Nothing here does I/O: no SQL, no HTTP, no files.

pub mod accreditation;
pub mod appointment;
pub mod audit;
pub mod birth;
pub mod blob;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod codes;
pub mod collate;
pub mod consultation;
pub mod contract;
pub mod credential;
pub mod dashboard;
pub mod digits;
pub mod error;
pub mod etag;
pub mod helpdesk;
pub mod household;
pub mod idempotency;
pub mod ids;
pub mod jalali;
pub mod kpi;
pub mod licence;
pub mod membership;
pub mod month_names;
pub mod notify;
pub mod office;
pub mod page;
pub mod parallel;
pub mod permission;
pub mod person;
pub mod photo;
pub mod plan;
pub mod planning;
pub mod profile;
pub mod read_watch;
pub mod referral;
pub mod review;
pub mod round;
pub mod secret;
pub mod service;
pub mod session;
pub mod store;
pub mod text;
pub mod usecase;
pub mod user;
pub mod voluntary_return;
pub mod workflow;

pub use error::{Error, ErrorKind, Result};
