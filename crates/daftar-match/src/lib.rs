//! Duplicate detection that understands Persian names: normalisation keys for Persian script
//! and Latin transliterations ([`normalize`]), birth dates of mixed calendars and precision
//! ([`date`]), and the engine that blocks, scores and clusters records ([`dedupe`]). Pure: no
//! I/O, so the same engine runs over a CSV file or the database.

pub mod date;
pub mod dedupe;
pub mod normalize;
pub mod synth;
