//! The real `daftar` binary, run in temporary directories: help texts, configuration layers,
//! migrations, accounts and offices, the audit chain (intact, then tampered), backup and
//! restore, and demo seeding.

use daftar_testkit::Register;
use r2d2_sqlite::rusqlite;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn daftar(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = daftar(dir, args);
    assert!(
        o.status.success(),
        "daftar {args:?} failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn every_command_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for cmd in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["demo", "--help"],
        vec!["admin", "user", "add", "--help"],
        vec!["admin", "user", "list", "--help"],
        vec!["admin", "user", "disable", "--help"],
        vec!["admin", "user", "reset-password", "--help"],
        vec!["admin", "office", "add", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["audit", "seal", "--help"],
        vec!["audit", "checkpoint", "--help"],
        vec!["audit", "export-checkpoint", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
        vec!["config", "print", "--help"],
        vec!["import", "persons", "--help"],
        vec!["dedupe", "--help"],
        vec!["gen", "persons", "--help"],
        vec!["bench", "candidates", "--help"],
        vec!["bench", "sla", "--help"],
        vec!["bench", "credentials", "--help"],
    ]
    .into_iter()
    .chain(cfg!(feature = "bench-http").then(|| vec!["bench", "http", "--help"]))
    {
        let out = ok(dir.path(), &cmd);
        assert!(out.contains("Usage:"), "{cmd:?}: {out}");
    }
    let serve = ok(dir.path(), &["serve", "--help"]);
    assert!(serve.contains("--listen") && serve.contains("--data-dir"));
}

#[test]
fn configuration_layers_and_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("daftar.toml"),
        "listen = \"127.0.0.1:9001\"\nlog = \"debug\"\n",
    )
    .unwrap();
    let out = ok(dir.path(), &["config", "print"]);
    assert!(out.contains("listen = \"127.0.0.1:9001\"  # file"), "{out}");
    let o = Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args(["config", "print", "--listen", "127.0.0.1:9003"])
        .current_dir(dir.path())
        .env("DAFTAR_LISTEN", "127.0.0.1:9002")
        .env("DAFTAR_LOG", "warn")
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("listen = \"127.0.0.1:9003\"  # flag"), "{out}");
    assert!(out.contains("log = \"warn\"  # environment"), "{out}");
    std::fs::write(
        dir.path().join("daftar.toml"),
        "listen = \"127.0.0.1:9001\"\nport = 1\n",
    )
    .unwrap();
    let o = daftar(dir.path(), &["config", "print"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown key `port`"));
    let o = Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args(["config", "print"])
        .current_dir(dir.path())
        .env("DAFTAR_CONFIG", "/nonexistent.toml")
        .output()
        .unwrap();
    assert!(!o.status.success());
}

#[test]
fn accounts_offices_audit_backup_restore() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // SQLite is migrated when opened, so `migrate` reports it up to date with the list.
    let out = ok(d, &["migrate"]);
    assert!(
        out.contains("up to date") && out.contains("0001_foundation"),
        "{out}"
    );
    ok(
        d,
        &[
            "admin",
            "office",
            "add",
            "--code",
            "thr-01",
            "--name-fa",
            "تهران",
            "--name-en",
            "Tehran",
            "--province",
            "تهران",
            "--district",
            "مرکزی",
        ],
    );
    let o = daftar(
        d,
        &[
            "admin",
            "office",
            "add",
            "--code",
            "THR-01",
            "--name-fa",
            "x",
            "--name-en",
            "x",
            "--province",
            "x",
            "--district",
            "x",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("office.code.taken"));
    let out = ok(
        d,
        &[
            "admin",
            "user",
            "add",
            "--username",
            "clerk.one",
            "--role",
            "clerk",
            "--office",
            "THR-01",
        ],
    );
    assert!(
        out.contains("password: "),
        "a password is generated and shown: {out}"
    );
    let o = daftar(
        d,
        &[
            "admin",
            "user",
            "add",
            "--username",
            "clerk.two",
            "--role",
            "clerk",
        ],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("user.office_required"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args([
            "admin",
            "user",
            "add",
            "--username",
            "admin.one",
            "--role",
            "system_admin",
            "--password-stdin",
        ])
        .current_dir(d)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"a long enough password\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    assert!(!String::from_utf8_lossy(&o.stdout).contains("password: "));
    let list = ok(d, &["admin", "user", "list"]);
    assert!(
        list.contains("clerk.one") && list.contains("THR-01") && list.contains("admin.one"),
        "{list}"
    );
    assert!(ok(d, &["admin", "user", "list", "--office", "THR-01"]).contains("clerk.one"));
    ok(d, &["admin", "user", "disable", "clerk.one"]);
    assert!(ok(d, &["admin", "user", "list"]).contains("disabled"));
    assert!(ok(d, &["admin", "user", "reset-password", "clerk.one"]).contains("password: "));
    let o = daftar(d, &["admin", "user", "disable", "nobody"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("user.not_found"));

    let out = ok(d, &["audit", "verify"]);
    assert!(out.starts_with("audit chain intact: "), "{out}");

    // Backup, then restore into another data directory.
    ok(d, &["backup", "--to", "backup.db"]);
    let o = daftar(d, &["backup", "--to", "backup.db"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("store.backup.exists"));
    ok(
        d,
        &["restore", "--from", "backup.db", "--data-dir", "restored"],
    );
    assert!(ok(d, &["admin", "user", "list", "--data-dir", "restored"]).contains("clerk.one"));
    std::fs::write(d.join("junk.db"), b"not a database at all").unwrap();
    assert!(
        !daftar(
            d,
            &["restore", "--from", "junk.db", "--data-dir", "restored"]
        )
        .status
        .success()
    );

    // Tamper with one audit row behind the application's back.
    {
        let conn = rusqlite::Connection::open(d.join("data/daftar.db")).unwrap();
        conn.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 3;").unwrap();
    }
    let o = daftar(d, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("audit chain broken at row 3 (edited)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn demo_seeds_every_role() {
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &[
            "demo",
            "--seed-only",
            "--persons",
            "30",
            "--data-dir",
            "demo",
        ],
    );
    let list = ok(dir.path(), &["admin", "user", "list", "--data-dir", "demo"]);
    for role in [
        "clerk",
        "office_manager",
        "inspector",
        "authority_officer",
        "partner",
        "auditor",
        "system_admin",
        "applicant",
        "association",
    ] {
        assert!(list.contains(role), "{role} missing: {list}");
    }
    // Portal accounts are persons' (username = registry number), not made-up users.
    assert!(!list.contains("applicant.thr"), "{list}");
    assert!(list.contains("thr-01-"), "{list}");
    assert!(
        ok(dir.path(), &["demo", "--seed-only", "--data-dir", "demo"])
            .contains("existing demo database")
    );
    assert!(ok(dir.path(), &["audit", "verify", "--data-dir", "demo"]).contains("intact"));
}

/// Issue 18.6: the demo opens a consultation with comments and a branch's problem; an
/// association account is bound to a branch the memberships name (another name is refused with
/// the known ones, and the option is for association accounts only).
#[test]
fn demo_consultation_and_branch_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(
        dir.path(),
        &[
            "demo",
            "--seed-only",
            "--persons",
            "12",
            "--data-dir",
            "demo",
        ],
    );
    assert!(out.contains("Consultation: a draft directive"), "{out}");
    // Issue 18.3: every clerk and manager of every office (THR-02 included) is accredited.
    let offices = out.matches("Licences: ").count();
    assert_eq!(offices, 1, "{out}");
    assert!(
        out.contains("clerk.thr's CR-TRAIN training has expired"),
        "{out}"
    );
    let n: usize = out
        .split("Accreditation: ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        n >= 4 && n.is_multiple_of(2),
        "a clerk and a manager per office: {out}"
    );
    let add = |name: &str, role: &str, branch: &str| {
        daftar(
            dir.path(),
            &[
                "admin",
                "user",
                "add",
                "--username",
                name,
                "--role",
                role,
                "--branch",
                branch,
                "--data-dir",
                "demo",
            ],
        )
    };
    let o = add("kanoon.x", "association", "Nowhere");
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("unknown branch") && err.contains("فارس"),
        "{err}"
    );
    assert!(!add("clerk.x", "clerk", "فارس").status.success());
    let o = add("kanoon.fars", "association", "فارس");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("bound to the association's branch فارس"));
}

/// Issue 21.4: the demo's work queues show every SLA colour: an overdue case (red) and one
/// returned to its applicant (paused) in every office.
#[test]
fn demo_seeds_overdue_and_paused_cases() {
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &[
            "demo",
            "--seed-only",
            "--persons",
            "120",
            "--data-dir",
            "demo",
        ],
    );
    let conn = rusqlite::Connection::open(dir.path().join("demo/daftar.db")).unwrap();
    let per_office = |sql: &str| -> i64 {
        conn.query_row(
            &format!("SELECT count(DISTINCT office_id) FROM cases WHERE {sql}"),
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    // Issue 18.4: a year of decided cases per office and the KPI series computed from them.
    let months: i64 = conn
        .query_row(
            "SELECT count(DISTINCT month) FROM kpi_monthly WHERE service_code = ''",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(months >= 12, "{months} months of KPIs");
    // Issue 19.4: the dashboard's monthly counts, written by the same pass.
    let registered: i64 = conn
        .query_row(
            "SELECT COALESCE(SUM(value), 0) FROM dashboard_monthly WHERE metric = 'registered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        registered >= 120,
        "{registered} registrations on the dashboard"
    );
    let computed = ok(
        dir.path(),
        &["kpi", "compute", "--months", "2", "--data-dir", "demo"],
    );
    assert!(
        computed.contains("KPIs computed for 2 months"),
        "{computed}"
    );
    // Every serving office: THR-02 waits for its licence and has no cases yet.
    let offices: i64 = conn
        .query_row(
            "SELECT count(*) FROM offices WHERE licence_state = 'licensed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(offices >= 6);
    // Issue 18: the licensed offices, one under inspection, one without this year's dues.
    let state: String = conn
        .query_row(
            "SELECT licence_state FROM offices WHERE code = 'THR-02'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(state, "inspecting");
    let events: i64 = conn
        .query_row("SELECT count(*) FROM licence_events", [], |r| r.get(0))
        .unwrap();
    assert_eq!(events, offices * 3 + 2);
    let members: i64 = conn
        .query_row("SELECT count(*) FROM memberships", [], |r| r.get(0))
        .unwrap();
    assert_eq!(members, offices);
    assert_eq!(
        per_office("due_on < date('now', '-3 days') AND paused_remaining IS NULL"),
        offices,
        "an overdue case in every office"
    );
    assert_eq!(
        per_office("paused_remaining IS NOT NULL"),
        offices,
        "a paused case in every office"
    );
}

/// Issue 21.11: log lines written to a pipe or a file carry no ANSI colour codes.
#[test]
fn logs_have_no_colour_codes_off_a_terminal() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir", "data"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .env_remove("NO_COLOR")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Until the server logs that it serves (or 60 s pass).
    let mut log = vec![];
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(60)) {
        let done = line.contains("INFO") && line.contains("serving");
        log.push(line);
        if done {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(log.iter().any(|l| l.contains("INFO")), "{log:?}");
    assert!(!log.iter().any(|l| l.contains('\u{1b}')), "{log:?}");
}

#[test]
fn dedupe_writes_a_cluster_for_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("in.csv"),
        "extra,record_id,given_name,family_name,father_name,birth_date,gender\n\
         x,a,نجیب‌الله,رحیمی,نظام‌الدین,1372/05/13,M\n\
         x,b,نجيب الله,رحيمي,نزام الدين,۱۳۷۲/۰۵/۱۳,M\n\
         x,c,Najibullah,Rahimi,Nizamuddin,1993-08-04,M\n\
         x,d,زهرا,رحیمی,نظام‌الدین,1372/05/13,F\n\
         x,e,مریم,احمدی,رحیم,1370/02/10,F\n",
    )
    .unwrap();
    let o = daftar(
        d,
        &[
            "dedupe",
            "--input",
            "in.csv",
            "--output",
            "out.csv",
            "--pairs",
            "pairs.csv",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("records: 5"));
    let out = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let rows: Vec<(&str, &str)> = out
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap())
        .collect();
    assert_eq!(out.lines().next(), Some("record_id,cluster"));
    assert_eq!(rows.len(), 5, "one row per record");
    let cluster = |id: &str| rows.iter().find(|(r, _)| *r == id).unwrap().1;
    assert_eq!(cluster("a"), cluster("b"));
    assert_eq!(
        cluster("a"),
        cluster("c"),
        "Latin transliteration joins the Persian records"
    );
    assert_ne!(
        cluster("a"),
        cluster("d"),
        "a sister (same father and date) stays apart"
    );
    assert_ne!(cluster("a"), cluster("e"));
    assert!(
        std::fs::read_to_string(d.join("pairs.csv"))
            .unwrap()
            .starts_with("record_a,record_b,given,family,father,birth_date,swapped")
    );
    std::fs::write(d.join("bad.csv"), "record_id,given_name\n1,x\n").unwrap();
    let o = daftar(d, &["dedupe", "--input", "bad.csv", "--output", "o.csv"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing column `family_name`"));
}

#[test]
fn generated_persons_are_seeded_csv() {
    let dir = tempfile::tempdir().unwrap();
    let a = ok(
        dir.path(),
        &["gen", "persons", "--count", "200", "--seed", "3"],
    );
    let b = ok(
        dir.path(),
        &["gen", "persons", "--count", "200", "--seed", "3"],
    );
    assert_eq!(a, b, "same seed, same output");
    assert_eq!(
        a.lines().next(),
        Some("record_id,given_name,family_name,father_name,birth_date,gender,entity_id")
    );
    assert_eq!(a.lines().count(), 201);
    ok(
        dir.path(),
        &["gen", "persons", "--count", "300", "--output", "g.csv"],
    );
    let out = ok(
        dir.path(),
        &["dedupe", "--input", "g.csv", "--output", "c.csv"],
    );
    let _ = out;
    assert_eq!(
        std::fs::read_to_string(dir.path().join("c.csv"))
            .unwrap()
            .lines()
            .count(),
        301
    );
}

fn office(d: &Path) {
    ok(
        d,
        &[
            "admin",
            "office",
            "add",
            "--code",
            "THR-01",
            "--name-fa",
            "تهران",
            "--name-en",
            "Tehran",
            "--province",
            "تهران",
            "--district",
            "مرکزی",
        ],
    );
}

fn persons_in_db(d: &Path) -> i64 {
    let db = rusqlite::Connection::open(d.join("data/daftar.db")).unwrap();
    db.query_row("SELECT COUNT(*) FROM persons", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn import_reports_every_bad_row_and_writes_nothing_until_all_are_good() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    office(d);
    let bad = "given_name,family_name,father_name,birth_date,gender,document_kind,document_number,shoe_size\n\
               علی,رضایی,محمد,۱۳۷۰/۰۵/۱۲,M,passport,P1,42\n\
               ,احمدی,حسن,1365,F,,,\n\
               زهرا,احمدی,حسن,1370/13/01,F,,,\n\
               مریم,,رحیم,1990,X,,,\n\
               رضا,کریمی,علی,1372,M,passport,p-1,\n";
    std::fs::write(d.join("bad.csv"), bad).unwrap();
    let o = daftar(
        d,
        &[
            "import",
            "persons",
            "bad.csv",
            "--office",
            "THR-01",
            "--report",
            "report.csv",
            "--locale",
            "en",
        ],
    );
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("columns not imported: shoe_size"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    let report = std::fs::read_to_string(d.join("report.csv")).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "row,column,code,message");
    assert!(lines.contains(&"3,given_name,person.given_name.invalid,\"The given name is required: letters, at most 100 characters.\""), "{report}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("4,birth_date,person.birth_date.invalid,")),
        "{report}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("5,sex,person.sex.invalid,")),
        "{report}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("6,document_number,document.number.taken,")),
        "{report}"
    );
    assert_eq!(lines.len(), 5, "{report}");
    assert_eq!(persons_in_db(d), 0);
    // Messages follow --locale.
    let o = daftar(
        d,
        &[
            "import", "persons", "bad.csv", "--office", "THR-01", "--locale", "fa-IR",
        ],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("نام الزامی است"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Fixed rows: a dry run writes nothing, the real run writes all.
    let good: String = bad
        .lines()
        .filter(|l| {
            !l.starts_with(",") && !l.contains("13/01") && !l.contains(",X,") && !l.contains("p-1")
        })
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(d.join("good.csv"), good).unwrap();
    let o = daftar(
        d,
        &[
            "import",
            "persons",
            "good.csv",
            "--office",
            "THR-01",
            "--dry-run",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(persons_in_db(d), 0, "dry run");
    let o = daftar(d, &["import", "persons", "good.csv", "--office", "THR-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("written: 1"));
    // Importing the same passport again fails while writing, and still writes nothing.
    let o = daftar(
        d,
        &[
            "import",
            "persons",
            "good.csv",
            "--office",
            "THR-01",
            "--report",
            "again.csv",
        ],
    );
    assert!(!o.status.success());
    let report = std::fs::read_to_string(d.join("again.csv")).unwrap();
    assert!(
        report.contains("2,document_number,document.number.taken"),
        "{report}"
    );
    assert_eq!(persons_in_db(d), 1);
    let o = daftar(d, &["import", "persons", "good.csv", "--office", "NOPE-01"]);
    assert!(!o.status.success());
    let o = daftar(
        d,
        &["import", "persons", "missing.csv", "--office", "THR-01"],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read"));
}

#[test]
fn import_reads_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    office(d);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["given_name", "father_name", "birth_date", "sex", "phone"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    let rows: [(&str, &str, f64, &str, f64); 3] = [
        ("فاطمه", "علی", 1370.0, "female", 9123456789.0),
        ("حسین", "محمد", 1365.0, "male", 9351234567.0),
        ("Sakina", "Hassan", 1999.0, "f", 9101112131.0),
    ];
    for (r, (g, f, y, s, p)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        sheet.write_string(r, 0, *g).unwrap();
        sheet.write_string(r, 1, *f).unwrap();
        sheet.write_number(r, 2, *y).unwrap();
        sheet.write_string(r, 3, *s).unwrap();
        sheet.write_number(r, 4, *p).unwrap();
    }
    book.save(d.join("people.xlsx")).unwrap();
    let o = daftar(
        d,
        &["import", "persons", "people.xlsx", "--office", "THR-01"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(persons_in_db(d), 3);
    let db = rusqlite::Connection::open(d.join("data/daftar.db")).unwrap();
    let (bd, prec): (String, String) = db
        .query_row(
            "SELECT birth_date, birth_date_precision FROM persons WHERE given_name = 'فاطمه'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(
        (bd.as_str(), prec.as_str()),
        ("1991-03-21", "year"),
        "a year-only number cell"
    );
}

#[test]
fn dedupe_over_the_database_fills_the_review_queue() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    office(d);
    let csv = "given_name,family_name,father_name,birth_date,gender\n\
               نجیب‌الله,رحیمی,نظام‌الدین,1372/05/13,M\n\
               Najibullah,Rahimi,Nizamuddin,1993-08-04,M\n\
               زهرا,رحیمی,نظام‌الدین,1372/05/13,F\n\
               مریم,احمدی,رحیم,1370/02/10,F\n";
    std::fs::write(d.join("p.csv"), csv).unwrap();
    ok(d, &["import", "persons", "p.csv", "--office", "THR-01"]);
    let o = daftar(d, &["dedupe", "--db", "--office", "THR-01"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("persons: 4") && err.contains("new in the review queue: 1"),
        "{err}"
    );
    let again = daftar(d, &["dedupe", "--db"]);
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("new in the review queue: 0"),
        "a pair is queued once"
    );
    let db = rusqlite::Connection::open(d.join("data/daftar.db")).unwrap();
    let (source, status): (String, String) = db
        .query_row("SELECT source, status FROM duplicate_suspects", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((source.as_str(), status.as_str()), ("batch", "open"));
    let o = daftar(d, &["dedupe", "--db", "--input", "p.csv"]);
    assert!(!o.status.success(), "--db and --input do not go together");
}

/// The benchmarks of services, cases and credentials run end to end on a small scale and print
/// their figures (the real runs are in docs/benchmarks.md). `bench http` exists only in a build
/// with the `bench-http` feature (scripts/test.sh builds with every feature).
#[test]
fn small_benchmarks_run_and_print_their_figures() {
    let dir = tempfile::tempdir().unwrap();
    let kpi = ok(
        dir.path(),
        &[
            "bench",
            "kpi",
            "--provinces",
            "2",
            "--offices-per-province",
            "3",
            "--persons",
            "40",
            "--cases",
            "600",
            "--queries",
            "2",
        ],
    );
    assert!(
        kpi.contains("KPI job, every office, 13 months")
            && kpi.contains("province ranking page query (3 offices)")
            && kpi.contains("office KPI page query"),
        "{kpi}"
    );
    let dash = ok(
        dir.path(),
        &[
            "bench",
            "dashboard",
            "--provinces",
            "2",
            "--offices-per-province",
            "3",
            "--persons",
            "40",
            "--cases",
            "600",
            "--complaints",
            "20",
            "--queries",
            "2",
        ],
    );
    assert!(
        dash.contains("— country (per province), 12 months:")
            && dash.contains("coverage of open rounds: p50")
            && dash.contains("(2 rows, 2 runs)")
            && dash.contains("— one office (its manager), 12 months:")
            && dash.contains("from the offices' rows (no roll-up):"),
        "{dash}"
    );
    // A kept SQLite population is timed again with --reuse, not generated again; without
    // --reuse, or with other options, it is refused.
    let kept = dir.path().join("kept");
    let keep: Vec<&str> = vec![
        "bench",
        "dashboard",
        "--provinces",
        "2",
        "--offices-per-province",
        "3",
        "--persons",
        "40",
        "--cases",
        "600",
        "--complaints",
        "20",
        "--queries",
        "1",
        "--keep",
        kept.to_str().unwrap(),
    ];
    assert!(ok(dir.path(), &keep).contains("generated in "));
    let again = daftar(dir.path(), &keep);
    assert!(!again.status.success(), "a kept population without --reuse");
    let reuse = ok(dir.path(), &[keep.as_slice(), &["--reuse"]].concat());
    assert!(
        reuse.contains("found, not generated again") && reuse.contains("(2 rows, 1 runs)"),
        "{reuse}"
    );
    let mut other = keep.clone();
    other[9] = "601";
    assert!(
        !daftar(dir.path(), &[other.as_slice(), &["--reuse"]].concat())
            .status
            .success(),
        "other options than the kept population's"
    );
    let sla = ok(dir.path(), &["bench", "sla", "--count", "5000"]);
    assert!(sla.contains("all equal") && sla.contains("M/s"), "{sla}");
    let creds = ok(dir.path(), &["bench", "credentials", "--count", "200"]);
    assert!(
        creds.contains("RegistrationCard   employer")
            && creds
                .lines()
                .any(|l| l.starts_with("verify ") && l.ends_with("over 200")),
        "{creds}"
    );
    if !cfg!(feature = "bench-http") {
        // The production build carries no HTTP client, so no HTTP load generator either.
        let o = daftar(dir.path(), &["bench", "http"]);
        assert!(
            !o.status.success(),
            "bench http needs the bench-http feature"
        );
        return;
    }
    let http = ok(
        dir.path(),
        &[
            "bench",
            "http",
            "--requests",
            "60",
            "--warmup",
            "5",
            "--concurrency",
            "4",
        ],
    );
    assert!(
        http.contains("answers: 60 × 201 of 60; cases in the database: 65"),
        "{http}"
    );
}

/// A PNG of the QR code of `text` (four-module quiet zone, 6 px a module).
fn qr_png(text: &str, path: &Path) {
    let code =
        qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::Q).unwrap();
    let (w, colors) = (code.width(), code.to_colors());
    let (scale, quiet) = (6u32, 4u32);
    let side = (u32::try_from(w).unwrap() + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < quiet + w as u32
            && my < quiet + w as u32
            && colors[((my - quiet) as usize) * w + (mx - quiet) as usize] == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    img.save(path).unwrap();
}

fn verify(d: &Path, args: &[&str]) -> (i32, String) {
    let o = daftar(d, &[&["verify"], args].concat());
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn keys_and_offline_verification() {
    use daftar_domain::audit::AuditCtx;
    use daftar_domain::permission::{Permission, system_reach, system_scope};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let help = ok(d, &["keys", "--help"]);
    for sub in ["generate", "list", "rotate", "retire", "export"] {
        assert!(help.contains(sub), "{help}");
    }
    assert!(ok(d, &["verify", "--help"]).contains("--image"));
    let made = ok(d, &["keys", "generate"]);
    assert!(
        made.contains("generated root key") && made.contains("generated issuer key"),
        "{made}"
    );
    assert!(ok(d, &["keys", "generate"]).contains("exist already"));
    // The private keys are sealed: the stored column is not the key, and the secret file is
    // readable by its owner only.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("data/key-secret"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "key-secret is {mode:o}");
    }
    office(d);

    // A credential of a person, signed with the active issuer key (as the server does on approval).
    let secret = std::fs::read_to_string(d.join("data/key-secret")).unwrap();
    let store =
        daftar_store::connect(&format!("sqlite://{}", d.join("data/daftar.db").display())).unwrap();
    let ring = daftar_store::keyring::KeyRing::new(secret.trim()).unwrap();
    let ctx = AuditCtx::system("test");
    let office_id = store
        .list_offices(&system_reach(Permission::OfficeRead), Default::default())
        .unwrap()
        .items[0]
        .id;
    let person = store
        .register(
            &ctx,
            &system_scope(office_id, Permission::PersonWrite),
            &daftar_domain::person::PersonDraft {
                given_name: "مریم".into(),
                father_name: "علی".into(),
                sex: daftar_domain::person::Sex::Female,
                nationality: "AFG".into(),
                ..Default::default()
            },
        )
        .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let rec = store
        .issue_credentials(
            &ctx,
            &[daftar_domain::credential::NewCredential {
                id: "0102030405060708".into(),
                person_id: person.id,
                case_id: None,
                office_id,
                issuer: "IR/THR-01".into(),
                kind: daftar_domain::service::CredentialKind::RegistrationCard,
                not_before: now - time::Duration::days(1),
                expires: now + time::Duration::days(30),
                fields: daftar_domain::credential::claims_for(
                    &person,
                    daftar_domain::service::CredentialKind::RegistrationCard,
                    &daftar_domain::credential::Grant::without_case(
                        daftar_domain::service::CredentialKind::RegistrationCard,
                        (now + time::Duration::days(30)).date(),
                    ),
                    now.date(),
                ),
            }],
        )
        .unwrap()
        .remove(0);
    let text = ring.signed_text(store.as_ref(), &rec, "employer").unwrap();

    // Offline: the exported files and nothing else.
    let out = ok(d, &["keys", "export", "--out", "lists"]);
    assert!(
        out.contains("trust-list.cose") && out.contains("root-key.txt"),
        "{out}"
    );
    let (code, out) = verify(d, &["--keys", "lists", &text]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("verdict: valid") && out.contains("given_name: مریم"),
        "{out}"
    );
    assert!(
        !out.contains("birth_date: ") || out.contains("given_name"),
        "{out}"
    );
    let (code, out) = verify(d, &["--keys", "lists", "--json", &text]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(
        (v["verdict"].as_str(), v["purpose"].as_str()),
        (Some("valid"), Some("employer"))
    );
    // The same from a photo of the QR code.
    qr_png(&text, &d.join("qr.png"));
    let (code, out) = verify(d, &["--keys", "lists", "--image", "qr.png"]);
    assert_eq!(code, 0, "{out}");
    // One character changed: never valid; a non-credential: exit 2 with the format's code.
    let mut bent: Vec<char> = text.chars().collect();
    let i = bent.len() / 2;
    bent[i] = if bent[i] == 'A' { 'B' } else { 'A' };
    let bent: String = bent.into_iter().collect();
    let (code, out) = verify(d, &["--keys", "lists", &bent]);
    assert_ne!(code, 0, "{out}");
    assert!(!out.contains("verdict: valid"), "{out}");
    let (code, out) = verify(d, &["--keys", "lists", "hello"]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("credential.prefix.invalid"), "{out}");
    // With --json, errors are JSON too (on standard output).
    let o = daftar(d, &["verify", "--keys", "lists", "--json", "hello"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stdout)));
    assert_eq!(v["error"]["code"], "credential.prefix.invalid", "{v}");
    let o = daftar(d, &["verify", "--keys", "nowhere", "--json", &text]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["error"]["code"].is_string(), "{v}");
    // A reader that stops early (`daftar verify ... | head -1`): no panic on the closed pipe.
    for json in [false, true] {
        let mut args = vec!["verify", "--keys", "lists", &text];
        if json {
            args.push("--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_daftar"))
            .args(&args)
            .current_dir(d)
            .env_remove("DATABASE_URL")
            .env_remove("DAFTAR_DATABASE_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(o.status.code(), Some(0), "{err}");
    }
    // Without the pinned root key, or with another one, nothing is trusted.
    let (code, out) = verify(d, &["--trust-list", "lists/trust-list.cose", &text]);
    assert_eq!(code, 2, "{out}");
    let (code, out) = verify(
        d,
        &["--keys", "lists", "--root-key", &"11".repeat(32), &text],
    );
    assert_eq!(code, 2, "{out}");

    // Revoked: as fresh as the last download. The old status list still says valid; the delta
    // since its version brings the revocation; so does a new export.
    let old_version = store.list_version("status").unwrap();
    std::fs::copy(d.join("lists/status-list.cose"), d.join("old-status.cose")).unwrap();
    store
        .revoke_credential(
            &ctx,
            &system_reach(Permission::CredentialRevoke),
            &rec.id,
            "test",
        )
        .unwrap();
    std::fs::write(
        d.join("delta.cose"),
        ring.status_list_file(store.as_ref(), old_version).unwrap(),
    )
    .unwrap();
    let (code, out) = verify(
        d,
        &["--keys", "lists", "--status-list", "old-status.cose", &text],
    );
    assert_eq!(code, 0, "{out}");
    let (code, out) = verify(
        d,
        &[
            "--keys",
            "lists",
            "--status-list",
            "old-status.cose",
            "--delta",
            "delta.cose",
            &text,
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("verdict: revoked"), "{out}");
    // A delta since the revocation's own version does not hold it: offered as the full list it
    // is refused (it once read "valid").
    let now_version = store.list_version("status").unwrap();
    std::fs::write(
        d.join("late-delta.cose"),
        ring.status_list_file(store.as_ref(), now_version).unwrap(),
    )
    .unwrap();
    let (code, out) = verify(
        d,
        &["--keys", "lists", "--status-list", "late-delta.cose", &text],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("credential.list.not_full"), "{out}");
    // A list older than a version already seen is a rollback.
    let (code, out) = verify(
        d,
        &[
            "--keys",
            "lists",
            "--status-list",
            "old-status.cose",
            "--min-status-version",
            &(now_version).to_string(),
            &text,
        ],
    );
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("credential.list.rollback"), "{out}");
    ok(d, &["keys", "export", "--out", "lists"]);
    let (code, out) = verify(d, &["--keys", "lists", &text]);
    assert_eq!((code, out.contains("verdict: revoked")), (1, true), "{out}");

    // Rotation keeps old credentials verifying; retiring the old key ends that.
    let old_kid = hex::encode(daftar_credential::key_id(
        &ring.issuer(store.as_ref()).unwrap().verifying_key(),
    ));
    assert!(ok(d, &["keys", "rotate"]).contains("now active"));
    let list = ok(d, &["keys", "list"]);
    assert!(
        list.contains(&format!("{old_kid}  issuer  verify_only")),
        "{list}"
    );
    let o = daftar(d, &["keys", "retire", "ffffffff"]);
    assert!(!o.status.success() && String::from_utf8_lossy(&o.stderr).contains("key.not_found"));
    ok(d, &["keys", "retire", &old_kid]);
    ok(d, &["keys", "export", "--out", "lists"]);
    let (code, out) = verify(d, &["--keys", "lists", &text]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("verdict: unknown_issuer"), "{out}");
}

/// `bench candidates` loads, warms up and times the check; with `--keep` a second run reuses
/// the loaded database, and a run with other settings refuses it.
#[test]
fn the_candidate_benchmark_keeps_and_reuses_its_database() {
    let dir = tempfile::tempdir().unwrap();
    let keep = dir.path().join("kept");
    let args = |seed: &str| {
        vec![
            "bench".to_string(),
            "candidates".into(),
            "--persons".into(),
            "3000".into(),
            "--queries".into(),
            "100".into(),
            "--warmup".into(),
            "10".into(),
            "--seed".into(),
            seed.into(),
            "--keep".into(),
            keep.display().to_string(),
        ]
    };
    let first = ok(
        dir.path(),
        &args("3").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(first.contains("persons loaded: 3"), "{first}");
    assert!(
        first.contains("warm-up queries (not counted below): 10 "),
        "{first}"
    );
    assert!(first.contains("candidate queries: 100 "), "{first}");
    assert!(first.contains("own record found: 100.0 %"), "{first}");
    let again = ok(
        dir.path(),
        &args("3").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(again.contains("loaded by an earlier run"), "{again}");
    assert!(again.contains("own record found: 100.0 %"), "{again}");
    let other = daftar(
        dir.path(),
        &args("4").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("other --persons or --seed"));
    // A directory that is not a complete benchmark load (here: a stray file) is refused
    // before anything is opened or written.
    let stray = dir.path().join("stray");
    std::fs::create_dir(&stray).unwrap();
    std::fs::write(stray.join("daftar.db"), b"not a benchmark").unwrap();
    let mut refused = args("3");
    *refused.last_mut().unwrap() = stray.display().to_string();
    let o = daftar(
        dir.path(),
        &refused.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no completely loaded benchmark"));
    assert_eq!(
        std::fs::read(stray.join("daftar.db")).unwrap(),
        b"not a benchmark"
    );
}

/// A row with several problems gets a report line for each of them, not only the first.
#[test]
fn import_reports_every_problem_of_a_row() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    office(d);
    std::fs::write(
        d.join("two.csv"),
        "given_name,father_name,birth_date,sex,phone\nعلی,حسین,2030-01-01,m,abc\n",
    )
    .unwrap();
    let o = daftar(
        d,
        &[
            "import",
            "persons",
            "two.csv",
            "--office",
            "THR-01",
            "--dry-run",
            "--report",
            "r.csv",
            "--locale",
            "en",
        ],
    );
    assert!(!o.status.success());
    let report = std::fs::read_to_string(d.join("r.csv")).unwrap();
    let lines: Vec<&str> = report.lines().skip(1).collect();
    assert_eq!(lines.len(), 2, "{report}");
    assert!(
        lines[0].starts_with("2,phone,person.phone.invalid,"),
        "{report}"
    );
    assert!(
        lines[1].starts_with("2,birth_date,person.birth_date.future,"),
        "{report}"
    );
}

/// A backup killed half-way (SIGKILL, as when the machine stops) leaves nothing under the name
/// asked for, and the same command run again succeeds with a complete backup.
#[test]
fn a_killed_backup_leaves_no_partial_file_and_can_be_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["migrate"]);
    {
        // About 150 MB of pages, so that the copy takes long enough to be interrupted.
        let c = rusqlite::Connection::open(d.join("data/daftar.db")).unwrap();
        c.execute_batch(
            "CREATE TABLE pad (b BLOB); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150) INSERT INTO pad SELECT randomblob(1000000) FROM n;",
        )
        .unwrap();
    }
    let target = d.join("nightly.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_daftar"))
        .args(["backup", "--to", "nightly.db"])
        .current_dir(d)
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as it has started writing (under whatever name).
    let started = std::time::Instant::now();
    let written = |p: &Path| std::fs::metadata(p).is_ok_and(|m| m.len() > 0);
    while !written(&target) && !written(&d.join("nightly.db.partial")) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "the backup never started writing"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        !target.exists(),
        "a killed backup must not leave a file under the target name"
    );
    let out = ok(d, &["backup", "--to", "nightly.db"]);
    assert!(out.contains("backup written"), "{out}");
    assert!(!d.join("nightly.db.partial").exists());
    assert!(!d.join("nightly.db.partial-journal").exists());
    let c = rusqlite::Connection::open(&target).unwrap();
    let pads: i64 = c
        .query_row("SELECT COUNT(*) FROM pad", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pads, 150, "the re-run wrote a complete backup");
}

/// Issue 19.3: the demo's round writes its invitations to the outbox; `daftar notify send`
/// delivers them to `<data_dir>/notifications.jsonl`, each in the person's language, once.
#[test]
fn demo_round_invitations_reach_the_file_in_each_persons_language() {
    let dir = tempfile::tempdir().unwrap();
    ok(
        dir.path(),
        &[
            "demo",
            "--seed-only",
            "--persons",
            "120",
            "--data-dir",
            "demo",
        ],
    );
    let out = ok(dir.path(), &["notify", "send", "--data-dir", "demo"]);
    assert!(out.contains("notifications: "), "{out}");
    let text = std::fs::read_to_string(dir.path().join("demo/notifications.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let invitations: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["kind"] == "round_invitation")
        .collect();
    assert!(!invitations.is_empty(), "{text}");
    let locales: std::collections::BTreeSet<&str> = invitations
        .iter()
        .map(|l| l["locale"].as_str().unwrap())
        .collect();
    assert!(
        locales.contains("fa-AF") && locales.len() >= 2,
        "{locales:?}"
    );
    for l in &invitations {
        let t = l["text"].as_str().unwrap();
        assert!(t.contains("تمدید کارت آمایش ۱۴۰۵"), "{t}");
        assert!(
            !t.contains("2026") && !t.contains("{"),
            "Solar Hijri dates, no placeholder: {t}"
        );
        assert!(l["to"].as_str().unwrap().starts_with("+98912"));
    }
    let ids: std::collections::BTreeSet<&str> =
        lines.iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), lines.len(), "each notice once");
    // Nothing left to send; the opted-out persons' invitations were not written.
    assert!(ok(dir.path(), &["notify", "send", "--data-dir", "demo"]).contains("0 sent"));
    let conn = rusqlite::Connection::open(dir.path().join("demo/daftar.db")).unwrap();
    let count = |status: &str| -> i64 {
        conn.query_row(
            "SELECT count(*) FROM outbox WHERE kind = 'round_invitation' AND status = ?1",
            [status],
            |r| r.get(0),
        )
        .unwrap()
    };
    assert_eq!(count("sent"), invitations.len() as i64);
    assert_eq!(count("pending") + count("sending"), 0);
}
