//! The audit sealer (issue 17, docs/adr/0002-audit-sealing.md) on SQLite and PostgreSQL: rows
//! wait unsealed and are listed meanwhile, the sealer seals each once in one order (also with
//! two sealers at once), a row committed behind an open transaction waits for it (PostgreSQL),
//! and a signed checkpoint catches a chain rewritten end to end.

use crate::fixtures::{ctx, office};
use daftar_domain::audit::{AuditEvent, GENESIS_HASH, seal};
use daftar_domain::page::PageRequest;
use daftar_domain::store::{AuditFilter, Backend, Store};
use daftar_store::keyring::{self, KeyRing};
use daftar_testkit::{TestDb, both_backends};

/// Longest a test waits for rows held back by other tests' transactions on the same cluster.
const WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn all_rows(s: &dyn Store) -> Vec<daftar_domain::audit::AuditRecord> {
    s.audit_page(
        &AuditFilter::default(),
        PageRequest {
            page: 1,
            per_page: 200,
        },
    )
    .unwrap()
    .items
}

fn count(db: &TestDb, table: &str) -> i64 {
    db.sql()
        .query_raw(&format!("SELECT COUNT(*) FROM {table}"), &[])
        .unwrap()[0]
        .i64(0)
        .unwrap()
}

/// Replaces the whole chain with `n` made-up rows and a matching head, as someone with
/// database access could (the guards dropped first).
fn rewrite_chain(db: &TestDb, n: i64) {
    let raw = db.sql();
    raw.execute_raw(match db.store().backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_delete",
        Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    })
    .unwrap();
    raw.execute_raw("DELETE FROM audit_log").unwrap();
    let mut prev = GENESIS_HASH.to_owned();
    let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
    for seq in 1..=n {
        let r = seal(
            seq,
            at,
            &ctx(),
            &AuditEvent::new("office.create", "office", seq),
            &prev,
        );
        raw.execute_raw(&format!(
            "INSERT INTO audit_log (seq, at, actor_id, actor, office_id, action, target_type, target_id, purpose, request_id, details, prev_hash, hash) \
             VALUES ({seq}, '{}', NULL, '{}', NULL, '{}', '{}', '{}', '{}', '{}', '', '{}', '{}')",
            daftar_store::sql::ts_text(r.at), r.actor, r.action, r.target_type, r.target_id, r.purpose, r.request_id, r.prev_hash, r.hash
        ))
        .unwrap();
        prev = r.hash;
    }
    raw.execute_raw(&format!(
        "UPDATE audit_head SET seq = {n}, hash = '{prev}' WHERE id = 1"
    ))
    .unwrap();
}

both_backends! {
    fn audit_rows_wait_unsealed_are_listed_and_are_sealed_once(db) {
        let s = db.store();
        for i in 0..5 {
            office(s.as_ref(), &format!("OF-{i}"));
        }
        // Nothing sealed yet: the rows wait, and the audit list shows them (seq 0, newest first).
        assert_eq!(s.audit_head().unwrap().seq, 0);
        let rows = all_rows(s.as_ref());
        assert_eq!(rows.len(), 5);
        assert!(rows.iter().all(|r| !r.is_sealed() && r.hash.is_empty()));
        assert_eq!(count(db, "audit_pending"), 5);
        // (Other tests' transactions on the same PostgreSQL cluster may hold rows back a moment.)
        let r = s.drain_audit(WAIT).unwrap();
        assert!(r.ran);
        assert_eq!((r.sealed, r.waiting), (5, 0));
        assert_eq!(s.seal_audit().unwrap().sealed, 0, "a row is sealed once");
        let rows = all_rows(s.as_ref());
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![5, 4, 3, 2, 1]);
        assert_eq!(count(db, "audit_pending"), 0);
        // A new row waits before the sealed ones in the list.
        office(s.as_ref(), "OF-9");
        let rows = all_rows(s.as_ref());
        assert_eq!((rows[0].seq, rows[0].target_type.as_str()), (0, "office"));
        assert_eq!(rows.len(), 6);
        // Verifying seals first.
        assert_eq!(s.verify_audit().unwrap(), Ok(6));
        assert_eq!(s.audit_head().unwrap().seq, 6);
        // Waiting rows are never changed.
        office(s.as_ref(), "OF-10");
        assert!(db.sql().execute_raw("UPDATE audit_pending SET actor = 'mallory'").is_err());
    }

    fn two_sealers_and_many_writers_seal_every_row_once_in_one_order(db) {
        let s = db.store();
        let s2 = db.second_store();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        std::thread::scope(|t| {
            for store in [s.clone(), s2.clone()] {
                let stop = stop.clone();
                t.spawn(move || {
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        store.seal_audit().unwrap();
                    }
                });
            }
            let writers: Vec<_> = (0..4)
                .map(|w| {
                    let s = if w % 2 == 0 { s.clone() } else { s2.clone() };
                    t.spawn(move || {
                        for i in 0..25 {
                            s.append_audit(&ctx(), &AuditEvent::new("test.write", "thing", format!("{w}-{i}"))).unwrap();
                        }
                    })
                })
                .collect();
            for w in writers {
                w.join().unwrap();
            }
            stop.store(true, std::sync::atomic::Ordering::Relaxed);
        });
        assert_eq!(s.verify_audit().unwrap(), Ok(100));
        assert_eq!(count(db, "audit_log"), 100);
        assert_eq!(count(db, "audit_pending"), 0);
        let mut ids: Vec<String> = all_rows(s.as_ref()).into_iter().map(|r| r.target_id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 100, "every row once");
    }

    fn a_signed_checkpoint_catches_a_chain_rewritten_end_to_end(db) {
        let s = db.store();
        let ring = KeyRing::new("a test secret of some length").unwrap();
        ring.ensure(s.as_ref(), &ctx()).unwrap();
        for i in 0..4 {
            office(s.as_ref(), &format!("OF-{i}"));
        }
        let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let cp = ring.checkpoint_audit(s.as_ref(), now).unwrap();
        let head = s.audit_head().unwrap();
        assert!(cp.seq >= 4 && cp.seq == head.seq && cp.hash == head.hash);
        assert_eq!(s.audit_checkpoints(5).unwrap(), vec![cp.clone()]);
        let file = hex::decode(&cp.signed).unwrap();
        let doc = ring.open_checkpoint(s.as_ref(), &file).unwrap();
        assert_eq!(doc.seq, u64::try_from(cp.seq).unwrap());
        // More rows after the checkpoint: still intact.
        office(s.as_ref(), "OF-8");
        assert_eq!(keyring::verify_against(s.as_ref(), &doc).unwrap(), Ok(u64::try_from(cp.seq).unwrap() + 1));
        // Another key's signature is refused.
        let other = KeyRing::new("another secret of some length").unwrap();
        let db2 = TestDb::sqlite();
        other.ensure(db2.store().as_ref(), &ctx()).unwrap();
        assert_eq!(other.open_checkpoint(db2.store().as_ref(), &file).unwrap_err().code, "credential.list.wrong_root");

        // Rewritten end to end, longer than before: the chain itself is consistent again...
        rewrite_chain(db, cp.seq + 3);
        // ...but the kept checkpoint no longer matches,
        let broken = s.verify_audit().unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.reason), (cp.seq, "rewritten"));
        // and whoever also removes the kept checkpoints is caught by the exported one.
        db.sql().execute_raw(match s.backend() {
            Backend::Sqlite => "DROP TRIGGER audit_checkpoints_no_delete; DELETE FROM audit_checkpoints",
            Backend::Postgres => "DROP TRIGGER audit_checkpoints_no_change ON audit_checkpoints; DELETE FROM audit_checkpoints",
        }).unwrap();
        assert_eq!(s.verify_audit().unwrap(), Ok(u64::try_from(cp.seq).unwrap() + 3), "without an anchor the rewrite passes");
        let broken = keyring::verify_against(s.as_ref(), &doc).unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.reason), (cp.seq, "rewritten"));
        // A shorter rewrite is a truncation below the checkpoint.
        rewrite_chain_again(db, 2);
        let broken = keyring::verify_against(s.as_ref(), &doc).unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.reason), (cp.seq, "truncated"));
    }
}

/// [`rewrite_chain`] once the guard is gone already.
fn rewrite_chain_again(db: &TestDb, n: i64) {
    let raw = db.sql();
    let restore = match db.store().backend() {
        Backend::Sqlite => {
            "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'x'); END;"
        }
        Backend::Postgres => {
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();"
        }
    };
    raw.execute_raw(restore).unwrap();
    rewrite_chain(db, n);
}

/// PostgreSQL: a row committed while an older transaction (one with a lower id) is still open
/// waits unsealed (it is listed meanwhile) until that transaction ends, since the older one may
/// still add rows that come first; then both are sealed in transaction order.
#[test]
fn a_row_committed_behind_an_open_transaction_waits_for_it() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let s = db.store();
    let mut older = postgres::Client::connect(db.location(), postgres::NoTls).unwrap();
    let mut tx = older.transaction().unwrap();
    tx.batch_execute(
        "INSERT INTO audit_pending (txid, at, actor, action, target_type, target_id, purpose, request_id, details) \
         VALUES (pg_current_xact_id()::text::bigint, now(), 'older', 'test.older', 'thing', '1', 'system', 'r', '')",
    )
    .unwrap();
    s.append_audit(&ctx(), &AuditEvent::new("test.newer", "thing", 2))
        .unwrap();
    let r = s.seal_audit().unwrap();
    assert_eq!(
        (r.sealed, r.waiting),
        (0, 1),
        "the newer row waits for the older transaction"
    );
    let rows = all_rows(s.as_ref());
    assert_eq!(
        rows.iter()
            .map(|r| (r.seq, r.action.as_str()))
            .collect::<Vec<_>>(),
        vec![(0, "test.newer")]
    );
    tx.commit().unwrap();
    let r = s.drain_audit(WAIT).unwrap();
    assert_eq!((r.sealed, r.waiting), (2, 0));
    let rows = all_rows(s.as_ref());
    assert_eq!(
        rows.iter()
            .map(|r| (r.seq, r.action.as_str()))
            .collect::<Vec<_>>(),
        vec![(2, "test.newer"), (1, "test.older")],
        "sealed in transaction order"
    );
    assert_eq!(s.verify_audit().unwrap(), Ok(2));
}

/// PostgreSQL: while one sealer holds the lock (another node), a second one does nothing.
#[test]
fn a_second_sealer_skips_while_one_holds_the_lock() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    let s = db.store();
    s.append_audit(&ctx(), &AuditEvent::new("test.write", "thing", 1))
        .unwrap();
    let mut other = postgres::Client::connect(db.location(), postgres::NoTls).unwrap();
    let mut tx = other.transaction().unwrap();
    tx.execute(
        "SELECT pg_advisory_xact_lock($1)",
        &[&daftar_store::AUDIT_SEALER_LOCK],
    )
    .unwrap();
    let r = s.seal_audit().unwrap();
    assert!(!r.ran);
    assert_eq!((r.sealed, r.waiting), (0, 1));
    tx.rollback().unwrap();
    let r = s.drain_audit(WAIT).unwrap();
    assert!(r.ran);
    assert_eq!(r.sealed, 1);
}
