//! `daftar audit` (docs/adr/0002-audit-sealing.md): kill -9 of `daftar audit seal` while it
//! seals, on SQLite and PostgreSQL: after each kill no audit row is lost or doubled (every row is
//! sealed or still waiting, the head matches the sealed rows), and after a restart the chain is
//! whole and `daftar audit verify` passes; and a checkpoint exported by `daftar audit
//! export-checkpoint` makes `daftar audit verify --checkpoint FILE` fail on a chain rewritten end
//! to end, which plain `audit verify` cannot see.

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
/// 1..=head without gaps. Read in one statement (one snapshot): a batch the killed sealer was
/// committing when it died may become visible between two statements (the server finishes
/// the commit of a connection whose client is gone), which separate reads would take for a
/// loss.
fn consistent(db: &TestDb) -> (i64, i64) {
    let r = db
        .sql()
        .query_raw(
            "SELECT (SELECT COUNT(*) FROM audit_log), (SELECT COUNT(*) FROM audit_pending), \
             (SELECT seq FROM audit_head WHERE id = 1), (SELECT COALESCE(MAX(seq), 0) FROM audit_log)",
            &[],
        )
        .unwrap();
    let (sealed, waiting, head, max) = (
        r[0].i64(0).unwrap(),
        r[0].i64(1).unwrap(),
        r[0].i64(2).unwrap(),
        r[0].i64(3).unwrap(),
    );
    assert_eq!(sealed + waiting, ROWS, "rows lost or doubled");
    assert_eq!(head, sealed, "head and sealed rows disagree");
    assert_eq!(max, sealed);
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
        assert_eq!(consistent(db), (0, ROWS));
        let mut hit_while_sealing = 0;
        for delay in [150u64, 300, 450, 600, 800] {
            let mut child = daftar(db, dir.path(), &["audit", "seal"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay));
            let running = child.try_wait().unwrap().is_none();
            child.kill().unwrap(); // SIGKILL
            let _ = child.wait();
            let (sealed, waiting) = consistent(db);
            if running && sealed > 0 && waiting > 0 {
                hit_while_sealing += 1;
            }
        }
        assert!(hit_while_sealing >= 1, "no kill landed while the sealer was at work");
        // Restarted: it finishes, and the chain is whole.
        let o = daftar(db, dir.path(), &["audit", "verify"]).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
        assert!(out.contains(&format!("audit chain intact: {ROWS} rows")), "{out}");
        assert_eq!(consistent(db), (ROWS, 0));
        let distinct = one(db, "SELECT COUNT(DISTINCT target_id) FROM audit_log");
        assert_eq!(distinct, ROWS, "every row sealed once");
    }
}

fn run_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        o.status.success(),
        "daftar {args:?}: {out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

#[test]
fn an_exported_checkpoint_catches_a_chain_rewritten_end_to_end() {
    use daftar_domain::audit::{AuditCtx, AuditEvent, GENESIS_HASH, seal};
    use r2d2_sqlite::rusqlite;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    run_ok(d, &["keys", "generate"]);
    for code in ["THR-01", "THR-02", "THR-03"] {
        run_ok(
            d,
            &[
                "admin",
                "office",
                "add",
                "--code",
                code,
                "--name-fa",
                "دفتر",
                "--name-en",
                "Office",
                "--province",
                "تهران",
                "--district",
                "مرکزی",
            ],
        );
    }
    let out = run_ok(d, &["audit", "seal"]);
    assert!(out.contains("0 waiting"), "{out}");
    let out = run_ok(d, &["audit", "checkpoint"]);
    assert!(out.starts_with("checkpoint of row "), "{out}");
    run_ok(
        d,
        &[
            "admin",
            "office",
            "add",
            "--code",
            "THR-04",
            "--name-fa",
            "دفتر",
            "--name-en",
            "Office",
            "--province",
            "تهران",
            "--district",
            "مرکزی",
        ],
    );
    run_ok(d, &["audit", "export-checkpoint", "--out", "cp.cose"]);
    run_ok(d, &["keys", "export", "--out", "keys"]);
    let out = run_ok(d, &["audit", "verify", "--checkpoint", "cp.cose"]);
    assert!(
        out.contains("matches") && out.contains("audit chain intact"),
        "{out}"
    );

    // Someone with access to the database file rewrites the chain end to end and removes the
    // kept checkpoints: plain verification passes...
    {
        let conn = rusqlite::Connection::open(d.join("data/daftar.db")).unwrap();
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log; \
             DROP TRIGGER audit_checkpoints_no_delete; DELETE FROM audit_checkpoints;",
        )
        .unwrap();
        let mut prev = GENESIS_HASH.to_owned();
        let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        for seq in 1..=40i64 {
            let r = seal(
                seq,
                at,
                &AuditCtx::system("x"),
                &AuditEvent::new("office.create", "office", seq),
                &prev,
            );
            conn.execute(
                "INSERT INTO audit_log (seq, at, actor_id, actor, office_id, action, target_type, target_id, purpose, request_id, details, prev_hash, hash) VALUES (?1, '2023-11-14T22:13:20.000Z', NULL, ?2, NULL, ?3, ?4, ?5, ?6, ?7, '', ?8, ?9)",
                rusqlite::params![seq, r.actor, r.action, r.target_type, r.target_id, r.purpose, r.request_id, r.prev_hash, r.hash],
            )
            .unwrap();
            prev = r.hash;
        }
        conn.execute("UPDATE audit_head SET seq = 40, hash = ?1", [prev])
            .unwrap();
    }
    let out = run_ok(d, &["audit", "verify"]);
    assert!(out.contains("audit chain intact: 40 rows"), "{out}");
    // ...the exported checkpoint does not, with the key ring's root or the pinned one.
    for extra in [vec![], vec!["--root-key", "keys/root-key.txt"]] {
        let mut args = vec!["audit", "verify", "--checkpoint", "cp.cose"];
        args.extend(extra);
        let o = Command::new(env!("CARGO_BIN_EXE_daftar"))
            .args(&args)
            .current_dir(d)
            .env_remove("DATABASE_URL")
            .env_remove("DAFTAR_DATABASE_URL")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(out.contains("(rewritten)"), "{out}");
    }
    // A checkpoint signed by another root key is refused.
    let other = tempfile::tempdir().unwrap();
    run_ok(other.path(), &["keys", "generate"]);
    run_ok(other.path(), &["keys", "export", "--out", "keys"]);
    let o = Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args(["audit", "verify", "--checkpoint", "cp.cose", "--root-key"])
        .arg(other.path().join("keys/root-key.txt"))
        .current_dir(d)
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not signed by the root key"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
