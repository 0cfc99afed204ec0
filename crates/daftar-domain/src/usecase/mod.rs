//! Use cases: the decisions of a request, as pure functions over facts the store loaded.
//!
//! A use case is called by the web layer and the CLI alike: the caller parses its input into a
//! typed command, loads the facts through the store, asks the use case what to do, and hands the
//! store the write it decided (with its audit row). The rules here have unit tests that need no
//! database and no router. Issue 16.2 moves the use cases one by one: checking a share code,
//! opening a case and deciding a step of one (the store's `open_case` and `change_case` load the
//! facts, call these and write the plan in one transaction), granting a credential, rotating keys, importing persons from a file.

pub mod bulk_read;
pub mod decide_step;
pub mod grant_credential;
pub mod import_persons;
pub mod licence_step;
pub mod open_case;
pub mod rotate_keys;
pub mod share_check;
