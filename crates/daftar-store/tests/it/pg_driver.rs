//! The PostgreSQL driver layer (docs/adr/0003-pipelined-postgres.md): statements sent in one
//! flight, a write's `BEGIN` sent with its first statement, deferred writes sent with the next
//! statement or the `COMMIT`. What must hold: a deferred write commits with its transaction or
//! not at all, the first error of a flight is the one reported, and a connection goes back to
//! the pool outside any transaction whatever happened (an error, a panic).

use daftar_store::postgres::PgDb;
use daftar_store::sql::{DbError, Tx, Value};
use daftar_testkit::TestDb;

/// A fresh database and the driver opened on it, with a table `t (id BIGINT PRIMARY KEY)`.
fn driver() -> Option<(TestDb, PgDb)> {
    let db = TestDb::postgres()?;
    let pg = PgDb::open(db.location()).expect("open the driver");
    pg.write(|tx| Ok(tx.batch("CREATE TABLE t (id BIGINT PRIMARY KEY)")?))
        .unwrap();
    Some((db, pg))
}

fn ids(pg: &PgDb) -> Vec<i64> {
    pg.read(|tx| {
        tx.query("SELECT id FROM t ORDER BY id", &[])?
            .iter()
            .map(|r| r.i64(0))
            .collect()
    })
    .unwrap()
}

fn insert(tx: &mut dyn Tx, id: i64) -> Result<(), DbError> {
    tx.defer("INSERT INTO t (id) VALUES ($1)", &[Value::from(id)])
}

/// Reads a long series row by row and refuses its third row ("stopped by the test"), counting
/// in `read` the rows handed over.
fn stop_at_the_third_row(tx: &mut dyn Tx, read: &mut u32) -> daftar_domain::Result<()> {
    tx.query_each(
        "SELECT g FROM generate_series(1, 100000) g",
        &[],
        &mut |_| {
            *read += 1;
            if *read == 3 {
                return Err(daftar_domain::Error::store("stopped by the test"));
            }
            Ok(())
        },
    )
}

/// Whether every connection to the test database is outside a transaction (none is left
/// "idle in transaction" for the next request to run inside).
fn pool_is_clean(pg: &PgDb) -> bool {
    pg.read(|tx| {
        tx.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
            &[],
        )?
        .i64(0)
    })
    .unwrap()
        == 0
}

#[test]
fn deferred_writes_commit_with_their_transaction_or_not_at_all() {
    let Some((_db, pg)) = driver() else { return };
    // Only deferred statements: the transaction begins at its commit.
    pg.write(|tx| {
        insert(tx, 1)?;
        insert(tx, 2)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(ids(&pg), [1, 2]);
    // A write refused by the key's uniqueness: nothing of it stays.
    let refused = |f: &dyn Fn(&mut dyn Tx) -> Result<(), DbError>| {
        let err = pg.write(|tx| Ok(f(tx)?)).unwrap_err();
        assert!(err.to_string().contains("t_pkey"), "{err}");
        assert_eq!(ids(&pg), [1, 2]);
    };
    // A deferred write that fails at the commit fails the write, and the statement run before
    // it is rolled back with it.
    refused(&|tx| {
        tx.exec("INSERT INTO t (id) VALUES (3)", &[])?;
        insert(tx, 1)
    });
    // A deferred write that fails in the next statement's flight is reported by that
    // statement; nothing of the transaction stays.
    refused(&|tx| {
        insert(tx, 4)?;
        insert(tx, 2)?;
        tx.query("SELECT count(*) FROM t", &[]).map(drop)
    });
    // A write that errors before sending anything sends nothing, deferred rows included.
    let err = pg
        .write(|tx| {
            insert(tx, 5)?;
            Err::<(), _>(daftar_domain::Error::store("refused by the test"))
        })
        .unwrap_err();
    assert!(err.to_string().contains("refused by the test"), "{err}");
    assert_eq!(ids(&pg), [1, 2]);
    assert!(pool_is_clean(&pg));
}

#[test]
fn a_flight_answers_in_order_and_reports_its_first_error() {
    let Some((_db, pg)) = driver() else { return };
    let rows = pg
        .write(|tx| {
            Ok(tx.query_many(&[
                (
                    "INSERT INTO t (id) VALUES ($1) RETURNING id",
                    &[Value::from(7)],
                ),
                ("SELECT count(*) FROM t WHERE id = $1", &[Value::from(7)]),
                ("SELECT $1::BIGINT + 1", &[Value::from(41)]),
            ])?)
        })
        .unwrap();
    let firsts: Vec<i64> = rows.iter().map(|r| r[0].i64(0).unwrap()).collect();
    assert_eq!(firsts, [7, 1, 42], "each statement's rows, in order");
    // The second statement fails: the first's row is rolled back, the third fails as the
    // transaction is aborted, and the error told is the second's (a unique violation).
    let err = pg
        .write(|tx| {
            Ok(tx.query_many(&[
                ("INSERT INTO t (id) VALUES ($1)", &[Value::from(8)]),
                ("INSERT INTO t (id) VALUES ($1)", &[Value::from(7)]),
                ("SELECT 1::BIGINT", &[]),
            ])?)
        })
        .unwrap_err();
    assert!(err.to_string().contains("t_pkey"), "{err}");
    assert_eq!(ids(&pg), [7]);
    // Reads run in a flight too, each statement in a transaction of its own.
    let (one, two) = pg
        .read(|tx| {
            let rows = tx.query_many(&[
                ("SELECT txid_current()", &[]),
                ("SELECT txid_current()", &[]),
            ])?;
            Ok((rows[0][0].i64(0)?, rows[1][0].i64(0)?))
        })
        .unwrap();
    assert_ne!(one, two);
    // A read refuses a write, deferred or not.
    assert!(pg.read(|tx| Ok(insert(tx, 9)?)).is_err());
    assert!(pool_is_clean(&pg));
}

#[test]
fn a_panic_inside_a_write_rolls_back_before_the_connection_is_reused() {
    let Some((_db, pg)) = driver() else { return };
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pg.write(|tx| {
            tx.exec("INSERT INTO t (id) VALUES (1)", &[])?;
            insert(tx, 2)?;
            if std::hint::black_box(true) {
                panic!("a bug in the middle of a transaction");
            }
            Ok(())
        })
    }));
    assert!(caught.is_err());
    assert!(
        ids(&pg).is_empty(),
        "nothing of the panicked write committed"
    );
    assert!(pool_is_clean(&pg));
    pg.write(|tx| insert(tx, 3).map_err(Into::into)).unwrap();
    assert_eq!(ids(&pg), [3]);
    // A panic while rows are handed over (inside the driver's wait for the next row): the
    // same, and the unread rows do not reach the next statement on that connection.
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pg.write(|tx| {
            insert(tx, 4)?;
            tx.query_each(
                "SELECT g FROM generate_series(1, 100000) g",
                &[],
                &mut |r| {
                    if r.i64(0)? == 10 {
                        panic!("a bug while comparing candidates");
                    }
                    Ok(())
                },
            )
        })
    }));
    assert!(caught.is_err());
    assert!(pool_is_clean(&pg));
    for _ in 0..4 {
        assert_eq!(ids(&pg), [3], "nothing of the panicked write committed");
    }
}

#[test]
fn connections_the_server_ended_are_replaced_not_handed_out() {
    let Some((db, pg)) = driver() else { return };
    // Every pooled connection answered a moment ago (no ping on check-out)...
    std::thread::scope(|t| {
        for _ in 0..4 {
            t.spawn(|| ids(&pg));
        }
    });
    // ...then the server ends them all (as a restart does).
    let mut admin = postgres::Client::connect(db.location(), postgres::NoTls).unwrap();
    admin
        .batch_execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    for _ in 0..8 {
        assert!(ids(&pg).is_empty(), "a fresh connection answers");
    }
}

#[test]
fn rows_handed_over_as_they_come_stop_at_the_callers_error_and_the_connection_goes_on() {
    let Some((_db, pg)) = driver() else { return };
    // Every row, in order, with the deferred write sent in the same flight before the query.
    let mut seen = vec![];
    pg.write(|tx| {
        insert(tx, 1)?;
        tx.query_each(
            "SELECT g, (SELECT count(*) FROM t) FROM generate_series(1, 5000) g ORDER BY g",
            &[],
            &mut |r| {
                seen.push((r.i64(0)?, r.i64(1)?));
                Ok(())
            },
        )
    })
    .unwrap();
    assert_eq!(seen.len(), 5000);
    assert!(
        seen.iter()
            .enumerate()
            .all(|(i, &(g, n))| g == i as i64 + 1 && n == 1)
    );
    // The caller's error ends the stream after the row it refused: that error is the one
    // reported, the transaction's write is rolled back, and the same connections then answer
    // (the unread rest of the rows was discarded, not left for the next statement).
    let mut read = 0;
    let err = pg
        .write(|tx| {
            insert(tx, 2)?;
            stop_at_the_third_row(tx, &mut read)
        })
        .unwrap_err();
    assert!(err.to_string().contains("stopped by the test"), "{err}");
    assert_eq!(read, 3);
    assert_eq!(ids(&pg), [1]);
    for _ in 0..4 {
        let n = pg
            .write(|tx| tx.query_one("SELECT count(*) FROM t", &[])?.i64(0))
            .unwrap();
        assert_eq!(n, 1);
    }
    // The same in a read, where no rollback follows to drain the connection: the driver
    // itself discards the unread rows, and the connections answer their next statements.
    let mut read = 0;
    let err = pg
        .read(|tx| stop_at_the_third_row(tx, &mut read))
        .unwrap_err();
    assert!(err.to_string().contains("stopped by the test"), "{err}");
    for n in 1..=8i64 {
        let sum = pg
            .read(|tx| {
                tx.query_one("SELECT $1::BIGINT * 2", &[Value::from(n)])?
                    .i64(0)
            })
            .unwrap();
        assert_eq!(sum, n * 2);
    }
    // A statement the server refuses is reported as the driver's error.
    let err = pg
        .write(|tx| {
            tx.query_each(
                "SELECT 1 / (g - 2) FROM generate_series(1, 3) g",
                &[],
                &mut |_| Ok(()),
            )
        })
        .unwrap_err();
    assert!(err.to_string().contains("division by zero"), "{err}");
    assert!(pool_is_clean(&pg));
}
