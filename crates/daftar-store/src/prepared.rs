//! Registered persons prepared for matching, kept between enrolment-time duplicate checks:
//! preparing a stored person's names costs microseconds and a check compares up to a few
//! hundred, while the matching fields of a registered person never change (corrections make a
//! new record through a merge). Two generations bound the memory: when the young one is full it
//! becomes the old one and the previous old one is dropped; a hit in the old generation moves
//! the entry back to the young one.

use daftar_match::dedupe::Candidate;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Entries per generation (two generations at most: about 2 × this many persons).
const GENERATION: usize = 100_000;

/// One generation: the person's key in `person_match` → prepared form.
type Generation = HashMap<i64, Arc<Candidate>>;

/// The cache: the young generation and the old one.
#[derive(Default)]
pub struct PreparedCache {
    inner: Mutex<(Generation, Generation)>,
}

impl PreparedCache {
    /// The prepared form of the person with key `pk`, if it is kept.
    pub fn get(&self, pk: i64) -> Option<Arc<Candidate>> {
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(c) = g.0.get(&pk) {
            return Some(c.clone());
        }
        let c = g.1.remove(&pk)?;
        Self::put(&mut g, pk, c.clone());
        Some(c)
    }

    /// Keeps `c` as the prepared form of the person with key `pk`, and returns it.
    pub fn keep(&self, pk: i64, c: Candidate) -> Arc<Candidate> {
        let c = Arc::new(c);
        let mut g = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        Self::put(&mut g, pk, c.clone());
        c
    }

    fn put(g: &mut (Generation, Generation), pk: i64, c: Arc<Candidate>) {
        if g.0.len() >= GENERATION {
            g.1 = std::mem::take(&mut g.0);
        }
        g.0.insert(pk, c);
    }
}
