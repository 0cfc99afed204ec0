//! Case reference numbers on PostgreSQL, reserved in blocks. A case reference only has to be
//! unique and readable (`THR-01-1405-00123`), not gap-free: gap-free numbering is for fiscal
//! documents, and receipts keep it (their counter is taken inside the payment's transaction).
//! Taking the office's counter row inside every case-opening transaction held its lock until
//! commit, so every opening in an office queued behind the one before it (issue 17: over 90%
//! of lock waits in `bench http`). Instead a node reserves [`BLOCK`] numbers at a time for an
//! office and year in its own short transaction and hands them out from memory.
//!
//! Several nodes: each block is reserved atomically in the database (`UPDATE … RETURNING`), so
//! blocks of two nodes never overlap and no number is given twice; references of two nodes
//! interleave out of time order, and numbers a node reserved but did not use when it stops, or
//! that a refused opening took, are never used (gaps). SQLite has one writer and keeps taking
//! the counter inside the opening's transaction, gap-free.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

/// Numbers reserved at a time for one office, kind and year.
pub const BLOCK: i64 = 64;

/// Which counter: office id, kind, Solar Hijri year.
pub type Counter = (String, &'static str, i32);

/// A number handed out, with the office's code read when its block was reserved (office codes
/// never change), so that an opening writes its final reference at once.
pub type Numbered = (i64, String);

/// The numbers this node holds: counter → (next to give, last reserved, office code).
#[derive(Default)]
pub struct Blocks {
    inner: Mutex<HashMap<Counter, (i64, i64, String)>>,
}

impl Blocks {
    /// The next number held for `key`, if any is left.
    pub fn take(&self, key: &Counter) -> Option<Numbered> {
        let mut m = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (next, last, code) = m.get_mut(key)?;
        if *next > *last {
            return None;
        }
        let n = *next;
        *next += 1;
        Some((n, code.clone()))
    }

    /// Keeps the block `first..=last` of the office `code` for `key` and gives its first number.
    pub fn keep(&self, key: Counter, first: i64, last: i64, code: String) -> Numbered {
        let mut m = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        m.insert(key, (first + 1, last, code.clone()));
        (first, code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_handed_out_once_in_order() {
        let b = Blocks::default();
        let key = ("o".to_owned(), "case", 1405);
        assert_eq!(b.take(&key), None, "nothing reserved yet");
        assert_eq!(
            b.keep(key.clone(), 5, 7, "THR-01".into()),
            (5, "THR-01".into())
        );
        assert_eq!(
            (b.take(&key), b.take(&key), b.take(&key)),
            (Some((6, "THR-01".into())), Some((7, "THR-01".into())), None)
        );
        assert_eq!(b.take(&("o".to_owned(), "case", 1406)), None, "per year");
    }
}
