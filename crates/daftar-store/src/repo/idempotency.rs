//! Answers behind `Idempotency-Key`, committed in the transaction of the write they answer.
//!
//! `IdempotencyStore::answering` makes an answer pending on the calling thread while the
//! handler's store calls run (both backends run a write's closure on the caller's thread); the
//! write that makes the request's change hands its result to [`attach`], which builds the answer
//! from it and inserts it in the same transaction. [`settle`] (called by `SqlStore::write` after
//! every write) records whether that transaction committed. One mechanism for every route that
//! accepts a key; which writes answer is explicit (an `attach` at the end of their closure).

use crate::SqlStore;
use crate::sql::{DbError, Tx, params};
use daftar_domain::audit::truncate_ms;
use daftar_domain::idempotency::{MAX_STORED_BODY, PendingAnswer, ReplayRead, StoredResponse};
use daftar_domain::store::Store;
use daftar_domain::{Error, ErrorKind, Result};
use std::any::Any;
use std::cell::RefCell;
use std::sync::Arc;
use time::OffsetDateTime;

/// The answer pending on this thread.
struct Pending {
    answer: Arc<PendingAnswer>,
    /// Inserted by the write now running (not yet known to be committed).
    in_write: bool,
    /// Committed.
    stored: bool,
}

thread_local! {
    static PENDING: RefCell<Option<Pending>> = const { RefCell::new(None) };
}

/// Stores the pending answer (if any, and not stored yet) built from `value`, in `tx`; returns
/// `value`. Called by the writes that answer a request, at the end of their transaction.
pub(crate) fn attach<T: Any>(tx: &mut dyn Tx, value: T) -> Result<T> {
    let answer = PENDING.with_borrow(|p| {
        p.as_ref()
            .filter(|p| !p.stored && !p.in_write)
            .map(|p| p.answer.clone())
    });
    let Some(a) = answer else {
        return Ok(value);
    };
    let stored = (a.respond)(&value)?;
    if stored.body.len() > MAX_STORED_BODY {
        return Err(Error::new(
            "idempotency.answer.too_large",
            ErrorKind::TooLarge,
        ));
    }
    let now = tx.now();
    // An expired answer under the same key no longer counts and goes; a live one stays, and
    // the insert then fails on the key: another request with this key committed first (on
    // PostgreSQL the insert waits for it) — this write is rolled back, and the client's retry
    // gets that answer. Both statements are deferred (on PostgreSQL they travel with the
    // `COMMIT`, so answering costs no round trip of its own); the key's unique violation
    // becomes `idempotency.key.in_use` wherever it is reported ([`is_key_in_use`]).
    let (principal, key) = (a.principal.as_str(), a.key.as_str());
    tx.defer(
        "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND expires_at <= $3",
        params![principal, key, now],
    )?;
    tx.defer(
        "INSERT INTO idempotency_keys (principal, key, request_hash, status, content_type, headers, body, read_action, target_type, target_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        params![
            principal,
            key,
            stored.request_hash.as_str(),
            i64::from(stored.status),
            stored.content_type.as_str(),
            stored.headers.as_str(),
            stored.body.as_str(),
            stored.read.action.as_str(),
            stored.read.target_type.as_str(),
            stored.read.target_id.as_str(),
            now,
            truncate_ms(a.expires_at)
        ],
    )?;
    PENDING.with_borrow_mut(|p| {
        if let Some(p) = p.as_mut() {
            p.in_write = true;
        }
    });
    Ok(value)
}

/// Whether a failed statement is a second answer under a live idempotency key (a deferred write
/// of [`attach`], reported by the statement after it or by the `COMMIT`).
pub(crate) fn is_key_in_use(e: &DbError) -> bool {
    matches!(e, DbError::Unique(m) if m.contains("idempotency_keys"))
}

/// After every write: an answer inserted by it is stored if the write committed.
pub(crate) fn settle(committed: bool) {
    PENDING.with_borrow_mut(|p| {
        if let Some(p) = p.as_mut()
            && p.in_write
        {
            p.in_write = false;
            p.stored = committed;
        }
    });
}

/// Runs `f` on a thread of its own (a PostgreSQL write called from inside a tokio runtime),
/// with this thread's pending answer moved there for the write and back after it.
pub(crate) fn on_own_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    let mine = PENDING.with_borrow_mut(Option::take);
    let (out, back) = std::thread::scope(|s| {
        let run = s.spawn(move || {
            PENDING.with_borrow_mut(|p| *p = mine);
            let out = f();
            (out, PENDING.with_borrow_mut(Option::take))
        });
        match run.join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        }
    });
    PENDING.with_borrow_mut(|p| *p = back);
    out
}

/// Puts the previous pending answer back when `answering` ends, also on a panic.
struct Restore(Option<Pending>);

impl Drop for Restore {
    fn drop(&mut self) {
        let prev = self.0.take();
        PENDING.with_borrow_mut(|p| *p = prev);
    }
}

impl daftar_domain::store::IdempotencyStore for SqlStore {
    fn answering(
        &self,
        answer: Arc<PendingAnswer>,
        work: &mut (dyn FnMut(&dyn Store) -> Result<()> + Send),
    ) -> Result<bool> {
        let prev = PENDING.with_borrow_mut(|p| {
            p.replace(Pending {
                answer,
                in_write: false,
                stored: false,
            })
        });
        let restore = Restore(prev);
        let out = work(self);
        let stored = PENDING.with_borrow(|p| p.as_ref().is_some_and(|p| p.stored));
        drop(restore);
        out.map(|()| stored)
    }

    fn idempotent_response(
        &self,
        principal: &str,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<StoredResponse>> {
        self.read(|tx| {
            tx.query_opt(
                "SELECT request_hash, status, content_type, headers, body, read_action, target_type, target_id FROM idempotency_keys WHERE principal = $1 AND key = $2 AND expires_at > $3",
                params![principal, key, truncate_ms(now)],
            )?
            .map(|r| {
                Ok(StoredResponse {
                    request_hash: r.text(0)?,
                    status: u16::try_from(r.i64(1)?).unwrap_or(500),
                    content_type: r.text(2)?,
                    headers: r.text(3)?,
                    body: r.text(4)?,
                    read: ReplayRead {
                        action: r.text(5)?,
                        target_type: r.text(6)?,
                        target_id: r.text(7)?,
                    },
                })
            })
            .transpose()
        })
    }

    fn purge_idempotent_answers(&self, now: OffsetDateTime) -> Result<u64> {
        self.write(|tx| {
            Ok(tx.exec(
                "DELETE FROM idempotency_keys WHERE expires_at <= $1",
                params![truncate_ms(now)],
            )?)
        })
    }
}
