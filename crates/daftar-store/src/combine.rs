//! Group commit for small writes that many requests make at once (issue 17.4): a request hands
//! its job to a [`Combiner`] and waits; whichever waiting request finds no batch running takes
//! every queued job (at most one per key, up to [`MOST`]) and runs them together in one
//! transaction, then hands each its answer. While one batch commits, the next one gathers, so a
//! busy node commits once for many requests instead of once per request, and a lone request
//! runs at once (no timer, no background thread).
//!
//! Jobs with the same key never share a batch (the second waits for the next one), so a batch
//! may lock each key's row once, in key order: batches of two web nodes then lock rows in the
//! same order and cannot deadlock.

use daftar_domain::{Error, Result};
use std::collections::{HashSet, VecDeque};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

/// Most jobs in one batch.
pub const MOST: usize = 64;

/// A job: its key (jobs with the same key run in different batches, in the order given).
pub trait Keyed {
    /// The key.
    fn key(&self) -> &str;
}

/// Where one waiting job stands.
enum Turn<R> {
    /// Queued: wait.
    Waiting,
    /// Asked to run the next batch (the previous runner handed over).
    Lead,
    /// Answered.
    Done(Result<R>),
}

/// A waiting job's place to be woken: only its own thread waits on it, so handing over a batch
/// or an answer wakes exactly one thread.
struct Slot<R> {
    turn: Mutex<Turn<R>>,
    woken: Condvar,
}

impl<R> Slot<R> {
    fn set(&self, t: Turn<R>) {
        *self.turn.lock().unwrap_or_else(PoisonError::into_inner) = t;
        self.woken.notify_one();
    }
}

struct State<J, R> {
    queue: VecDeque<(Arc<Slot<R>>, J)>,
    /// A batch is running, or a queued job was asked to run the next one.
    running: bool,
}

/// The queue of jobs waiting for a batch.
pub struct Combiner<J, R> {
    state: Mutex<State<J, R>>,
}

impl<J, R> Default for Combiner<J, R> {
    fn default() -> Self {
        Self {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                running: false,
            }),
        }
    }
}

impl<J: Keyed, R> Combiner<J, R> {
    fn lock(&self) -> MutexGuard<'_, State<J, R>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `job` in a batch and returns its answer. `work` runs a batch (jobs sorted by key,
    /// at most one per key) and returns one answer per job in that order, or one error for the
    /// whole batch (every job of it gets the error). Blocks the calling thread.
    pub fn run(&self, job: J, work: impl Fn(&[J]) -> Result<Vec<R>>) -> Result<R> {
        let slot = Arc::new(Slot {
            turn: Mutex::new(Turn::Waiting),
            woken: Condvar::new(),
        });
        let mut leads = {
            let mut st = self.lock();
            st.queue.push_back((slot.clone(), job));
            !std::mem::replace(&mut st.running, true)
        };
        loop {
            if !leads {
                let mut turn = slot.turn.lock().unwrap_or_else(PoisonError::into_inner);
                while matches!(*turn, Turn::Waiting) {
                    turn = slot
                        .woken
                        .wait(turn)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                match std::mem::replace(&mut *turn, Turn::Waiting) {
                    Turn::Done(answer) => return answer,
                    _ => leads = true,
                }
            }
            // This thread runs the next batch (`running` is set for it).
            let mut batch = take(&mut self.lock().queue);
            batch.sort_by(|a, b| a.1.key().cmp(b.1.key()));
            let (slots, jobs): (Vec<_>, Vec<J>) = batch.into_iter().unzip();
            let outcome = catch_unwind(AssertUnwindSafe(|| work(&jobs)));
            let (answers, panicked) = match outcome {
                Ok(Ok(a)) if a.len() == slots.len() => (a.into_iter().map(Ok).collect(), None),
                Ok(Ok(_)) => (
                    failed(
                        &Error::store("a batch gave the wrong number of answers"),
                        slots.len(),
                    ),
                    None,
                ),
                Ok(Err(e)) => (failed(&e, slots.len()), None),
                Err(p) => (
                    failed(&Error::store("a batch failed"), slots.len()),
                    Some(p),
                ),
            };
            let mut mine = None;
            for (s, a) in slots.iter().zip(answers) {
                if Arc::ptr_eq(s, &slot) {
                    mine = Some(a);
                } else {
                    s.set(Turn::Done(a));
                }
            }
            // Hand the next batch to the oldest waiting job (this one's, if its key was taken),
            // or stop.
            let next = {
                let mut st = self.lock();
                if panicked.is_some() {
                    // This thread unwinds: its job (if its key was taken) leaves the queue.
                    st.queue.retain(|(s, _)| !Arc::ptr_eq(s, &slot));
                }
                let next = st.queue.front().map(|(s, _)| s.clone());
                st.running = next.is_some();
                next
            };
            if let Some(p) = panicked {
                if let Some(n) = next {
                    n.set(Turn::Lead);
                }
                resume_unwind(p);
            }
            match next {
                Some(n) if Arc::ptr_eq(&n, &slot) => {}
                Some(n) => {
                    n.set(Turn::Lead);
                    leads = false;
                }
                None => leads = false,
            }
            if let Some(a) = mine {
                return a;
            }
        }
    }
}

/// `n` answers of a failed batch.
fn failed<R>(e: &Error, n: usize) -> Vec<Result<R>> {
    (0..n).map(|_| Err(e.clone())).collect()
}

/// The next batch: queued jobs in order, skipping (and keeping queued) a job whose key is
/// already taken, up to [`MOST`].
fn take<S, J: Keyed>(queue: &mut VecDeque<(S, J)>) -> Vec<(S, J)> {
    let mut keys = HashSet::new();
    let mut batch = Vec::new();
    let mut kept = VecDeque::new();
    while let Some((t, j)) = queue.pop_front() {
        if batch.len() < MOST && keys.insert(j.key().to_owned()) {
            batch.push((t, j));
        } else {
            kept.push_back((t, j));
        }
    }
    *queue = kept;
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[derive(Debug)]
    struct Job(String, u32);
    impl Keyed for Job {
        fn key(&self) -> &str {
            &self.0
        }
    }

    #[test]
    fn a_lone_job_runs_at_once() {
        let c: Combiner<Job, u32> = Combiner::default();
        let out = c.run(Job("a".into(), 7), |jobs| {
            Ok(jobs.iter().map(|j| j.1 * 2).collect())
        });
        assert_eq!(out, Ok(14));
    }

    #[test]
    fn concurrent_jobs_share_batches_and_a_key_is_never_twice_in_one() {
        let c: Arc<Combiner<Job, u32>> = Arc::new(Combiner::default());
        let batches = Arc::new(AtomicUsize::new(0));
        let mut handles = vec![];
        for t in 0..8u32 {
            let (c, batches) = (c.clone(), batches.clone());
            handles.push(std::thread::spawn(move || {
                for i in 0..200u32 {
                    // Threads 0..3 share the key "k" to test the one-per-key rule.
                    let key = if t < 4 {
                        "k".to_owned()
                    } else {
                        format!("t{t}")
                    };
                    let n = t * 1000 + i;
                    let got = c.run(Job(key, n), |jobs| {
                        batches.fetch_add(1, Ordering::Relaxed);
                        let keys: HashSet<&str> = jobs.iter().map(|j| j.key()).collect();
                        assert_eq!(keys.len(), jobs.len(), "a key twice in one batch");
                        assert!(jobs.windows(2).all(|w| w[0].key() <= w[1].key()));
                        std::thread::sleep(std::time::Duration::from_micros(200));
                        Ok(jobs.iter().map(|j| j.1 + 1).collect())
                    });
                    assert_eq!(got, Ok(n + 1), "each job gets its own answer");
                }
            }));
        }
        for h in handles {
            h.join().unwrap();
        }
        let b = batches.load(Ordering::Relaxed);
        assert!(b < 1600, "1,600 jobs ran in {b} batches: none was shared");
    }

    #[test]
    fn an_error_reaches_every_job_of_its_batch_and_a_panic_frees_the_next_batch() {
        let c: Combiner<Job, u32> = Combiner::default();
        let out = c.run(Job("a".into(), 1), |_| Err(Error::store("down")));
        assert_eq!(out.unwrap_err().code, Error::store("down").code);
        let p = catch_unwind(AssertUnwindSafe(|| {
            c.run(Job("a".into(), 1), |_| -> Result<Vec<u32>> {
                panic!("boom")
            })
        }));
        assert!(p.is_err());
        // Not stuck: the next job runs.
        assert_eq!(c.run(Job("a".into(), 2), |j| Ok(vec![j[0].1])), Ok(2));
    }
}
