//! `daftar notify send` killed with SIGKILL while it sends, on SQLite and PostgreSQL: after
//! every kill, each notice recorded as sent is in the file transport's file and no notice is in
//! it twice; restarted, the sender finishes, settles the notices a killed run wrote but did not
//! record (found in the file, not written again), and every notice is in the file exactly once.

use daftar_domain::notify::{Kind, NewNotice};
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_testkit::{Register, TestDb, both_backends};
use std::collections::{HashMap, HashSet};
use std::process::{Command, Stdio};
use std::time::Duration;

/// Notices waiting before the sender starts (enough to send for a few seconds).
const NOTICES: usize = 30_000;

fn url(db: &TestDb) -> String {
    match db.store().backend() {
        daftar_domain::store::Backend::Sqlite => format!("sqlite://{}", db.location()),
        daftar_domain::store::Backend::Postgres => db.location().to_owned(),
    }
}

fn sender(db: &TestDb, dir: &std::path::Path, file: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_daftar"));
    c.arg("--database-url")
        .arg(url(db))
        .args(["notify", "send", "--batch", "200"])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("DAFTAR_DATABASE_URL")
        .env("DAFTAR_NOTIFY_FILE", file)
        .env("DAFTAR_NOTIFY_WORKER", "kill-test")
        .env("NO_COLOR", "1");
    c
}

/// The ids of the file's complete lines, each with how often it occurs.
fn in_file(file: &std::path::Path) -> HashMap<String, usize> {
    // Bytes, not a string: a line torn by the kill may end inside a Persian letter, and the
    // file as a whole is then no UTF-8 (reading it as a string once made every line vanish).
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => panic!("reading {}: {e}", file.display()),
    };
    let mut ids = HashMap::new();
    for line in bytes
        .split_inclusive(|b| *b == b'\n')
        .filter(|l| l.ends_with(b"\n"))
    {
        let v: serde_json::Value = serde_json::from_slice(line).expect("a complete line is JSON");
        *ids.entry(v["id"].as_str().unwrap().to_owned()).or_insert(0) += 1;
    }
    ids
}

/// Ids of the outbox by status.
fn by_status(db: &TestDb, status: &str) -> HashSet<String> {
    db.sql()
        .query_raw("SELECT id FROM outbox WHERE status = $1", &[status.into()])
        .unwrap()
        .iter()
        .map(|r| r.text(0).unwrap())
        .collect()
}

/// Nothing doubled, nothing recorded as sent that is not in the file.
fn consistent(db: &TestDb, file: &std::path::Path) -> (usize, usize) {
    let ids = in_file(file);
    let doubled: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        doubled.is_empty(),
        "{} notices written twice, e.g. {:?}",
        doubled.len(),
        &doubled[..doubled.len().min(3)]
    );
    let sent = by_status(db, "sent");
    let missing = sent.iter().filter(|id| !ids.contains_key(*id)).count();
    assert_eq!(missing, 0, "notices recorded as sent but not in the file");
    (sent.len(), ids.len())
}

both_backends! {
    fn killing_the_sender_loses_and_doubles_no_notice(db) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("out").join("notifications.jsonl");
        let s = db.store();
        let office = s
            .create_office(
                &daftar_domain::audit::AuditCtx::system("test"),
                &daftar_domain::office::CreateOffice::parse(
                    daftar_domain::office::OfficeCode::parse("THR-01").unwrap(),
                    "دفتر", "Office", "تهران", "تهران",
                )
                .unwrap(),
            )
            .unwrap()
            .id;
        let persons: Vec<_> = (0..20)
            .map(|i| {
                s.register(
                    &daftar_domain::audit::AuditCtx::system("test"),
                    &system_scope(office, Permission::PersonWrite),
                    &PersonDraft {
                        given_name: "مریم".into(),
                        family_name: format!("کریمی{i}"),
                        father_name: "حسن".into(),
                        sex: Sex::Female,
                        nationality: if i % 2 == 0 { "AFG" } else { "IRN" }.into(),
                        phone: format!("09120000{i:03}"),
                        ..PersonDraft::default()
                    },
                )
                .unwrap()
                .id
            })
            .collect();
        let mut params = serde_json::Map::new();
        params.insert("round".into(), "تمدید".into());
        params.insert("opens_on".into(), "2026-12-05".into());
        params.insert("closes_on".into(), "2027-01-05".into());
        let due = time::OffsetDateTime::now_utc() - time::Duration::minutes(1);
        let notices: Vec<NewNotice> = (0..NOTICES)
            .map(|i| NewNotice {
                person: persons[i % persons.len()],
                kind: Kind::RoundInvitation,
                subject: "r".into(),
                params: params.clone(),
                due,
            })
            .collect();
        for chunk in notices.chunks(5000) {
            s.enqueue_notices(chunk).unwrap();
        }
        let all = by_status(db, "pending");
        assert_eq!(all.len(), NOTICES);

        let mut hit_while_sending = 0;
        for delay in [300u64, 600, 900, 1200, 1600] {
            let mut child = sender(db, dir.path(), &file)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            std::thread::sleep(Duration::from_millis(delay));
            let running = child.try_wait().unwrap().is_none();
            child.kill().unwrap(); // SIGKILL
            let _ = child.wait();
            let (sent, written) = consistent(db, &file);
            if running && written > 0 && written < NOTICES {
                hit_while_sending += 1;
            }
            assert!(sent <= written);
        }
        assert!(hit_while_sending >= 1, "no kill landed while the sender was at work");

        // Restarted: it finishes, settling what a killed run wrote without recording it.
        let o = sender(db, dir.path(), &file).output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
        consistent(db, &file);
        let ids = in_file(&file);
        assert_eq!(ids.len(), NOTICES, "every notice in the file");
        assert!(ids.values().all(|n| *n == 1));
        assert_eq!(ids.keys().cloned().collect::<HashSet<_>>(), all);
        assert_eq!(by_status(db, "sent").len(), NOTICES, "every notice recorded as sent");
        // The file is whole JSON lines, the texts in the persons' languages.
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.ends_with('\n'));
        let locales: HashSet<String> = text
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["locale"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(locales, ["fa-AF".to_owned(), "fa-IR".to_owned()].into_iter().collect());
        // A second run has nothing to do.
        let o = sender(db, dir.path(), &file).output().unwrap();
        assert!(String::from_utf8_lossy(&o.stdout).contains("notifications: 0 sent"), "{}", String::from_utf8_lossy(&o.stdout));
    }
}
