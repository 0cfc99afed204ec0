//! kill -9 of `daftar audit seal` while it seals, on SQLite and PostgreSQL: after each kill no
//! audit row is lost or doubled (every row is sealed or still waiting, the head matches the
//! sealed rows), and after a restart the chain is whole and `daftar audit verify` passes
//! (docs/adr/0002-audit-sealing.md).

use daftar_testkit::{TestDb, both_backends};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Rows left waiting before the sealer is started (enough to seal for a few seconds).
const ROWS: i64 = 60_000;

fn one(db: &TestDb, sql: &str) -> i64 {
    db.sql().query_raw(sql, &[]).unwrap()[0].i64(0).unwrap()
}

fn url(db: &TestDb) -> String {
    match db.store().backend() {
        daftar_domain::store::Backend::Sqlite => format!("sqlite://{}", db.location()),
        daftar_domain::store::Backend::Postgres => db.location().to_owned(),
    }
}

fn daftar(db: &TestDb, dir: &std::path::Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_daftar"));
    c.arg("--database-url")
        .arg(url(db))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .env("NO_COLOR", "1");
    c
}

/// Nothing lost, nothing doubled: every row is either sealed or waiting, the sealed rows are
/// 1..=head without gaps.
fn consistent(db: &TestDb) -> (i64, i64) {
    let (sealed, waiting) = (
        one(db, "SELECT COUNT(*) FROM audit_log"),
        one(db, "SELECT COUNT(*) FROM audit_pending"),
    );
    assert_eq!(sealed + waiting, ROWS, "rows lost or doubled");
    let head = db.store().audit_head().unwrap();
    assert_eq!(head.seq, sealed, "head and sealed rows disagree");
    assert_eq!(one(db, "SELECT COALESCE(MAX(seq), 0) FROM audit_log"), sealed);
    (sealed, waiting)
}

both_backends! {
    fn killing_the_sealer_loses_and_doubles_nothing(db) {
        let dir = tempfile::tempdir().unwrap();
        db.sql()
            .execute_raw(&format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS}) \
                 INSERT INTO audit_pending (txid, at, actor, action, target_type, target_id, purpose, request_id, details) \
                 SELECT 0, '2026-12-01T10:00:00.000Z', 'system', 'test.crash', 'thing', CAST(i AS TEXT), 'system', 'crash', '' FROM n"
            ))
            .unwrap();
        assert_eq!(consistent(&db), (0, ROWS));
        let mut hit_while_sealing = 0;
        for delay in [150u64, 300, 450, 600, 800] {
            let mut child = daftar(&db, dir.path(), &["audit", "seal"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay));
            let running = child.try_wait().unwrap().is_none();
            child.kill().unwrap(); // SIGKILL
            let _ = child.wait();
            let (sealed, waiting) = consistent(&db);
            if running && sealed > 0 && waiting > 0 {
                hit_while_sealing += 1;
            }
        }
        assert!(hit_while_sealing >= 1, "no kill landed while the sealer was at work");
        // Restarted: it finishes, and the chain is whole.
        let o = daftar(&db, dir.path(), &["audit", "verify"]).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
        assert!(out.contains(&format!("audit chain intact: {ROWS} rows")), "{out}");
        assert_eq!(consistent(&db), (ROWS, 0));
        let distinct = one(&db, "SELECT COUNT(DISTINCT target_id) FROM audit_log");
        assert_eq!(distinct, ROWS, "every row sealed once");
    }
}
