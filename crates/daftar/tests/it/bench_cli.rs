//! `daftar bench candidates --database-url … --reuse` on SQLite and PostgreSQL: a second run
//! times the queries on the persons the first one loaded into that database without loading
//! them again; a database without such a load, or with an incomplete one, is refused.

use daftar_testkit::{TestDb, both_backends};
use std::process::Command;

fn url(db: &TestDb) -> String {
    match db.store().backend() {
        daftar_domain::store::Backend::Sqlite => format!("sqlite://{}", db.location()),
        daftar_domain::store::Backend::Postgres => db.location().to_owned(),
    }
}

/// Runs `bench candidates` on the test database: success, stdout and stderr.
fn bench(db: &TestDb, seed: &str, reuse: bool) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_daftar"));
    c.arg("--database-url")
        .arg(url(db))
        .args(["bench", "candidates", "--persons", "600", "--queries", "40"])
        .args(["--warmup", "5", "--seed", seed])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .env("NO_COLOR", "1");
    if reuse {
        c.arg("--reuse");
    }
    let o = c.output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

both_backends! {
    fn the_candidate_benchmark_reuses_a_database_it_loaded(db) {
        // Nothing loaded yet: refused.
        let (ok, _, err) = bench(db, "5", true);
        assert!(!ok && err.contains("no benchmark office"), "{err}");
        let (ok, first, err) = bench(db, "5", false);
        assert!(ok, "{first}{err}");
        assert!(first.contains("persons loaded: 600 "), "{first}");
        let persons = |db: &TestDb| {
            db.sql()
                .query_raw("SELECT COUNT(*) FROM persons", &[])
                .unwrap()[0]
                .i64(0)
                .unwrap()
        };
        let before = persons(db);
        let (ok, again, err) = bench(db, "5", true);
        assert!(ok, "{again}{err}");
        assert!(again.contains("loaded by an earlier run"), "{again}");
        assert!(again.contains("candidate queries: 40 "), "{again}");
        assert_eq!(persons(db), before, "nothing loaded again");
        // Another seed: no such load.
        let (ok, _, err) = bench(db, "6", true);
        assert!(!ok && err.contains("no benchmark office"), "{err}");
        // An incomplete load (one person moved out of the benchmark office) is refused.
        let other = db
            .store()
            .create_office(
                &daftar_domain::audit::AuditCtx::system("test"),
                &daftar_domain::office::CreateOffice::parse(
                    daftar_domain::office::OfficeCode::parse("THR-09").unwrap(),
                    "دفتر", "Office", "تهران", "تهران",
                )
                .unwrap(),
            )
            .unwrap()
            .id;
        db.sql()
            .execute_raw(&format!(
                "UPDATE persons SET office_id = '{other}' WHERE id = (SELECT MIN(id) FROM persons)"
            ))
            .unwrap();
        let (ok, _, err) = bench(db, "5", true);
        assert!(!ok && err.contains("not the 600 a complete load has"), "{err}");
    }
}
