//! Use cases: the decisions of a request, as pure functions over facts the store loaded.
//!
//! A use case is called by the web layer and the CLI alike: the caller parses its input into a
//! typed command, loads the facts through the store, asks the use case what to do, and hands the
//! store the write it decided (with its audit row). The rules here have unit tests that need no
//! database and no router. Issue 16.2 moves the use cases one by one; the first is checking a
//! share code.

pub mod bulk_read;
pub mod share_check;
