//! The Store contract, run on SQLite and on PostgreSQL (`TEST_DATABASE_URL`): offices, users,
//! throttling, sessions, tokens, persons scoped by office, audit rows for every write and
//! personal-data read, the audit chain (intact, edited, deleted, truncated), migrations, backup.

use crate::fixtures::{ctx, office};
use daftar_domain::audit::{AuditCtx, purpose};
use daftar_domain::birth::DatePrecision;
use daftar_domain::ids::{ApiTokenId, OfficeId, SessionId, UserId};
use daftar_domain::office::{CreateOffice, OfficeCode, OfficeStatus};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{
    OfficeScope, Permission, Principal, RoleCode, system_reach, system_scope,
};
use daftar_domain::person::{
    ChangeStatus, DocumentDraft, DocumentKind, IMPORT_BATCH, PersonDraft, PersonStatus, Sex,
};
use daftar_domain::session::{ApiToken, Session};
use daftar_domain::store::{AuditFilter, AuditStore, OfficeStore, Store};
use daftar_domain::user::{LoginThrottle, NewUser, UserStatus, Username};
use daftar_testkit::Register;
use daftar_testkit::{TestDb, both_backends};
use time::{Duration, OffsetDateTime};

fn user(s: &dyn Store, name: &str, role: &str, office: Option<OfficeId>) -> UserId {
    let new = NewUser {
        username: Username::parse(name).unwrap(),
        display_name: name.into(),
        office_id: office,
        role: RoleCode::parse(role).unwrap(),
        password_hash: "$argon2id$x".into(),
        locale: None,
    };
    s.create_user(&ctx(), &new).unwrap().id
}

fn person(name: &str) -> PersonDraft {
    PersonDraft {
        given_name: name.into(),
        family_name: "".into(),
        father_name: "رحیم".into(),
        birth_date: Some("1999-01-02".into()),
        sex: Sex::Male,
        nationality: "IRQ".into(),
        ..PersonDraft::default()
    }
}

/// The one number `sql` (a `SELECT count(*) …`) answers, read past the store's own code.
fn count(db: &TestDb, sql: &str) -> i64 {
    db.sql().query_raw(sql, &[]).unwrap()[0].i64(0).unwrap()
}

/// The details of the latest `person.import.removed` audit row.
fn last_removal(s: &dyn Store) -> serde_json::Value {
    let removed = s
        .audit_page(
            &AuditFilter {
                action_prefix: Some("person.import.removed".into()),
                ..Default::default()
            },
            PageRequest::default(),
        )
        .unwrap();
    serde_json::from_str(&removed.items[0].details).unwrap()
}

/// Asserts that no duplicate-check or search row points at a person who does not exist (what a
/// removed or rolled-back import could leave).
fn no_rows_left_behind(db: &TestDb) {
    for (table, orphan) in [
        (
            "person_match_blocks",
            "pk NOT IN (SELECT pk FROM person_match)",
        ),
        ("person_match", "person_id NOT IN (SELECT id FROM persons)"),
        (
            "person_name_tokens",
            "person_id NOT IN (SELECT id FROM persons)",
        ),
    ] {
        // A count (on PostgreSQL `execute_raw` does not report how many rows it touched).
        let left = count(db, &format!("SELECT count(*) FROM {table} WHERE {orphan}"));
        assert_eq!(left, 0, "no row of {table} is left behind");
    }
}

fn session(user: UserId) -> Session {
    let now = daftar_domain::audit::truncate_ms(OffsetDateTime::now_utc());
    Session {
        id: SessionId::new(),
        token_hash: format!("h-{}", SessionId::new()),
        user_id: user,
        csrf_token: "c".into(),
        mfa_ok: false,
        created_at: now,
        last_seen_at: now,
        step_up_at: None,
        revoked_at: None,
        user_agent: "ua".into(),
    }
}

fn actions(s: &dyn Store) -> Vec<String> {
    let mut out: Vec<String> = s
        .audit_page(
            &AuditFilter::default(),
            PageRequest {
                page: 1,
                per_page: 200,
            },
        )
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.action)
        .collect();
    out.reverse();
    out
}

both_backends! {
    fn offices_round_trip_and_codes_are_unique(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        office(s.as_ref(), "MHD-01");
        let dup = CreateOffice::parse(OfficeCode::parse("thr-01").unwrap(), "x", "x", "x", "x").unwrap();
        assert_eq!(s.create_office(&ctx(), &dup).unwrap_err().code, "office.code.taken");
        let list = s.list_offices(&system_reach(Permission::OfficeRead), PageRequest::default()).unwrap();
        assert_eq!(list.total, 2);
        assert_eq!(list.items[0].code.as_str(), "MHD-01", "ordered by code");
        let one = s.list_offices(&daftar_domain::permission::Reach::Office(system_scope(a, Permission::OfficeRead)), PageRequest::default()).unwrap();
        assert_eq!(one.total, 1);
        let o = s.set_office_status(&ctx(), a, OfficeStatus::Suspended, None).unwrap();
        assert_eq!(o.status, OfficeStatus::Suspended);
        assert_eq!(s.get_office(a).unwrap().status, OfficeStatus::Suspended);
        assert_eq!(s.get_office(OfficeId::new()).unwrap_err().code, "office.not_found");
        let page2 = s.list_offices(&system_reach(Permission::OfficeRead), PageRequest { page: 2, per_page: 1 }).unwrap();
        assert_eq!((page2.items.len(), page2.pages()), (1, 2));
        assert_eq!(actions(s.as_ref()), vec!["office.create", "office.create", "office.status"]);
    }

    fn users_roles_and_secrets(db) {
        let s = db.store();
        let roles = s.roles().unwrap();
        assert_eq!(roles.len(), 10, "seven built-in staff roles, applicant, association, protection officer");
        assert!(roles.iter().find(|r| r.code.as_str() == "system_admin").unwrap().totp_required);
        let o = office(s.as_ref(), "THR-01");
        let u = user(s.as_ref(), "clerk.one", "clerk", Some(o));
        let again = NewUser { username: Username::parse("CLERK.ONE").unwrap(), display_name: "x".into(), office_id: Some(o), role: RoleCode::parse("clerk").unwrap(), password_hash: "h".into(), locale: None };
        assert_eq!(s.create_user(&ctx(), &again).unwrap_err().code, "user.username.taken");
        let no_office = NewUser { username: Username::parse("clerk.two").unwrap(), office_id: None, ..again.clone() };
        assert_eq!(s.create_user(&ctx(), &no_office).unwrap_err().code, "user.office_required");
        let bad_role = NewUser { username: Username::parse("x.three").unwrap(), role: RoleCode::parse("nobody").unwrap(), ..again };
        assert_eq!(s.create_user(&ctx(), &bad_role).unwrap_err().code, "role.unknown");
        s.set_password(&ctx(), u, "$argon2id$new").unwrap();
        s.set_locale(&ctx(), u, Some("fa-AF")).unwrap();
        s.set_totp(&ctx(), u, Some("JBSWY3DPEHPK3PXP")).unwrap();
        let a = s.user_auth_by_username(&Username::parse("clerk.one").unwrap()).unwrap().unwrap();
        assert_eq!(a.password_hash, "$argon2id$new");
        assert_eq!(a.user.locale.as_deref(), Some("fa-AF"));
        assert!(a.user.totp_enabled);
        assert_eq!(a.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
        assert!(s.user_auth_by_username(&Username::parse("nobody.here").unwrap()).unwrap().is_none());
        assert_eq!(s.get_user(UserId::new()).unwrap_err().code, "user.not_found");
        let in_office = s.list_users(&daftar_domain::permission::Reach::Office(system_scope(o, Permission::UserManage)), PageRequest::default()).unwrap();
        assert_eq!(in_office.total, 1);
        assert_eq!(actions(s.as_ref()), vec!["office.create", "user.create", "user.password", "user.locale", "user.totp"]);
    }

    fn login_throttle_round_trip(db) {
        let s = db.store();
        assert_eq!(s.login_throttle("who").unwrap(), LoginThrottle { failures: 0, locked_until: None });
        let until = daftar_domain::audit::truncate_ms(OffsetDateTime::now_utc() + Duration::minutes(15));
        s.record_login_failure(&ctx(), "who", LoginThrottle { failures: 5, locked_until: Some(until) }).unwrap();
        assert_eq!(s.login_throttle("who").unwrap(), LoginThrottle { failures: 5, locked_until: Some(until) });
        s.clear_login_failures("who").unwrap();
        assert_eq!(s.login_throttle("who").unwrap().failures, 0);
        assert_eq!(actions(s.as_ref()), vec!["auth.login.failed"]);
    }

    fn sessions_and_tokens_and_disabling(db) {
        let s = db.store();
        let o = office(s.as_ref(), "THR-01");
        let u = user(s.as_ref(), "clerk.one", "clerk", Some(o));
        let (a, b) = (session(u), session(u));
        s.create_session(&ctx(), &a).unwrap();
        s.create_session(&ctx(), &b).unwrap();
        assert_eq!(s.session_by_token_hash(&a.token_hash).unwrap().unwrap(), a);
        let later = daftar_domain::audit::truncate_ms(OffsetDateTime::now_utc() + Duration::minutes(3));
        s.touch_session(a.id, later).unwrap();
        s.update_session_auth(&ctx(), a.id, true, Some(later)).unwrap();
        let got = s.session_by_token_hash(&a.token_hash).unwrap().unwrap();
        assert_eq!((got.last_seen_at, got.mfa_ok, got.step_up_at), (later, true, Some(later)));
        assert_eq!(s.revoke_user_sessions(&ctx(), u, Some(a.id)).unwrap(), 1);
        assert!(s.session_by_token_hash(&b.token_hash).unwrap().unwrap().revoked_at.is_some());
        assert!(s.session_by_token_hash(&a.token_hash).unwrap().unwrap().revoked_at.is_none());
        s.revoke_session(&AuditCtx { purpose: purpose::AUTHENTICATION.into(), ..ctx() }, a.id).unwrap();
        assert_eq!(s.revoke_session(&ctx(), a.id).unwrap_err().code, "session.not_found", "revoking twice");
        assert_eq!(s.list_sessions(u).unwrap().len(), 2);

        let now = daftar_domain::audit::truncate_ms(OffsetDateTime::now_utc());
        let t = ApiToken { id: ApiTokenId::new(), user_id: u, name: "sync".into(), purpose: "nightly sync".into(), scopes: vec!["person.read".into()], token_hash: "th".into(), created_at: now, expires_at: Some(now + Duration::days(1)), revoked_at: None };
        s.create_api_token(&ctx(), &t).unwrap();
        assert_eq!(s.api_token_by_hash("th").unwrap().unwrap(), t);
        assert_eq!(s.list_api_tokens(u).unwrap().len(), 1);
        let other = user(s.as_ref(), "clerk.two", "clerk", Some(o));
        assert_eq!(s.revoke_api_token(&ctx(), other, t.id).unwrap_err().code, "token.not_found", "only the owner revokes");
        let c = session(u);
        s.create_session(&ctx(), &c).unwrap();
        let t2 = ApiToken { id: ApiTokenId::new(), token_hash: "th2".into(), ..t.clone() };
        s.create_api_token(&ctx(), &t2).unwrap();
        s.set_user_status(&ctx(), u, UserStatus::Disabled).unwrap();
        assert!(s.session_by_token_hash(&c.token_hash).unwrap().unwrap().revoked_at.is_some(), "disabling revokes sessions");
        assert!(s.api_token_by_hash("th2").unwrap().unwrap().revoked_at.is_some(), "and tokens");
        assert_eq!(s.get_user(u).unwrap().status, UserStatus::Disabled);
        let acts = actions(s.as_ref());
        for a in ["auth.login", "auth.step_up", "session.revoke_all", "auth.logout", "token.create", "user.status"] {
            assert!(acts.iter().any(|x| x == a), "{a} not audited: {acts:?}");
        }
    }

    fn persons_are_scoped_and_reads_audited(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MHD-01");
        let pa = s.register(&ctx(), &system_scope(a, Permission::PersonWrite), &person("علی")).unwrap();
        let pb = s.register(&ctx(), &system_scope(b, Permission::PersonWrite), &person("حسن")).unwrap();
        assert_eq!(pa.registry_no, "THR-01-000001");
        let pa2 = s.register(&ctx(), &system_scope(a, Permission::PersonWrite), &person("رضا")).unwrap();
        assert_eq!(pa2.registry_no, "THR-01-000002");
        // A clerk of office A, through the only door there is.
        let roles = s.roles().unwrap();
        let clerk_role = roles.iter().find(|r| r.code.as_str() == "clerk").unwrap();
        let clerk = Principal::new(UserId::new(), "clerk.a".into(), clerk_role.code.clone(), Some(a), clerk_role.permissions.clone());
        assert_eq!(clerk.scope(b, Permission::PersonRead).unwrap_err().code, "office.scope.denied");
        let scope = clerk.scope(a, Permission::PersonRead).unwrap();
        let reader = AuditCtx { actor_id: Some(clerk.user_id), actor: "clerk.a".into(), office_id: Some(a), purpose: purpose::SERVICE.into(), request_id: "r1".into() };
        let list = s.list_persons(&reader, &scope, PageRequest::default()).unwrap();
        assert_eq!(list.total, 2);
        assert!(list.items.iter().all(|p| p.office_id == a));
        assert_eq!(s.get_person(&reader, &scope, pa.id).unwrap().person.given_name, "علی");
        assert_eq!(s.get_person(&reader, &scope, pb.id).unwrap_err().code, "person.not_found", "another office's person is invisible");
        assert_eq!(s.register(&reader, &scope, &person("x")).unwrap_err().code, "auth.forbidden", "a read scope cannot write");
        let bad = PersonDraft { birth_date: Some("2099-01-01".into()), ..person("x") };
        assert_eq!(s.register(&ctx(), &system_scope(a, Permission::PersonWrite), &bad).unwrap_err().code, "person.birth_date.future");
        let counts = s.count_persons_by_office().unwrap();
        assert_eq!(counts.iter().find(|(o, _)| *o == a).unwrap().1, 2);
        let reads = s.audit_page(&AuditFilter { actor_id: Some(clerk.user_id), ..Default::default() }, PageRequest::default()).unwrap();
        let acts: Vec<_> = reads.items.iter().map(|r| (r.action.as_str(), r.office_id, r.purpose.as_str(), r.request_id.as_str())).collect();
        assert_eq!(acts, vec![("person.read", Some(a), "service", "r1"), ("person.list", Some(a), "service", "r1")]);
        let by_prefix = s.audit_page(&AuditFilter { action_prefix: Some("person.".into()), ..Default::default() }, PageRequest::default()).unwrap();
        assert_eq!(by_prefix.total, 5);
    }

    fn audit_chain_detects_edits_deletions_and_truncation(db) {
        let s = db.store();
        for i in 0..6 {
            office(s.as_ref(), &format!("OF-{i}"));
        }
        assert_eq!(s.verify_audit().unwrap(), Ok(6));
        let raw = db.sql();
        // The log refuses changes through SQL...
        assert!(raw.execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").is_err());
        // ...and the chain catches whoever removes the guard.
        let drop_guard = match s.backend() {
            daftar_domain::store::Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;",
            daftar_domain::store::Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log;",
        };
        raw.execute_raw(drop_guard).unwrap();
        raw.execute_raw("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").unwrap();
        let broken = s.verify_audit().unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.reason), (3, "edited"));
        raw.execute_raw("UPDATE audit_log SET actor = 'system' WHERE seq = 3").unwrap();
        assert_eq!(s.verify_audit().unwrap(), Ok(6), "restoring the row restores the chain");
        raw.execute_raw("DELETE FROM audit_log WHERE seq = 4").unwrap();
        let broken = s.verify_audit().unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.reason), (4, "deleted"));
        let d2 = TestDb::sqlite();
        let s2 = d2.store();
        for i in 0..3 {
            office(s2.as_ref(), &format!("OF-{i}"));
        }
        assert_eq!(s2.verify_audit().unwrap(), Ok(3), "verifying seals the waiting rows first");
        d2.sql().execute_raw("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 3").unwrap();
        let broken = s2.verify_audit().unwrap().unwrap_err();
        assert_eq!((broken.seq, broken.reason), (3, "truncated"));
    }

    fn migrations_are_idempotent(db) {
        let s = db.store();
        assert_eq!(s.applied_migrations().unwrap(), vec!["0001_foundation".to_string(), "0002_person_match_keys".to_string(), "0003_person_details".to_string(), "0004_households".to_string(), "0005_duplicate_review".to_string(), "0006_person_photos".to_string(), "0007_services_cases".to_string(), "0008_credentials".to_string(), "0009_portal".to_string(), "0010_appointments".to_string(), "0011_match_index".to_string(), "0012_selective_match_keys".to_string(), "0013_totp_last_step".to_string(), "0014_idempotency_answers".to_string(), "0015_case_employer".to_string(), "0016_person_imports".to_string(), "0017_bulk_read_alarm".to_string(), "0018_audit_sealer".to_string(), "0019_rate_limits".to_string(), "0020_office_licences".to_string(), "0021_audit_target".to_string(), "0022_kpi".to_string(), "0023_rounds".to_string(), "0024_helpdesk".to_string(), "0025_notify".to_string(), "0026_dashboard".to_string(), "0027_kpi_complaints".to_string(), "0028_referrals".to_string(), "0029_voluntary_return".to_string(), "0030_medical_needs".to_string(), "0031_notify_email".to_string(), "0032_reminder_backfill".to_string(), "0033_appointment_attendance".to_string(), "0034_office_plans".to_string(), "0035_consultations".to_string(), "0036_staff_accreditation".to_string(), "0037_office_address".to_string(), "0038_dashboard_provinces".to_string(), "0039_sign_in_changes".to_string()]);
        assert!(s.migrate().unwrap().is_empty(), "nothing left to apply");
        assert_eq!(s.roles().unwrap().len(), 10, "seeding roles twice adds nothing");
        s.ping().unwrap();
        assert!(s.pool_stats().connections >= 1);
    }
}

#[test]
fn sqlite_backup_opens_and_holds_the_data() {
    let db = TestDb::sqlite();
    let s = db.store();
    office(s.as_ref(), "THR-01");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("backup.db");
    s.backup_to(&path).unwrap();
    assert_eq!(s.backup_to(&path).unwrap_err().code, "store.backup.exists");
    let restored = daftar_store::open_sqlite(&path).unwrap();
    assert_eq!(
        restored
            .list_offices(
                &system_reach(Permission::OfficeRead),
                PageRequest::default()
            )
            .unwrap()
            .total,
        1
    );
    assert_eq!(restored.verify_audit().unwrap(), Ok(1));
}

both_backends! {
    fn the_duplicate_check_never_shows_a_person_of_an_unfinished_import(db) {
        // The check reads only the matching rows while no import's persons are hidden, and
        // tests each candidate against `persons` while some are (issue 17.4).
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let w = system_scope(a, Permission::PersonWrite);
        let draft = PersonDraft { given_name: "نجیب‌الله".into(), family_name: "رحیمی".into(), father_name: "نظام‌الدین".into(), birth_date: Some("1993-08-04".into()), sex: Sex::Male, nationality: "AFG".into(), ..PersonDraft::default() };
        let najib = s.register(&ctx(), &w, &draft).unwrap();
        let reach = daftar_domain::permission::Reach::Office(system_scope(a, Permission::PersonRead));
        let shown = || s.person_candidates(&ctx(), &reach, &daftar_testkit::probe(&draft), 10).unwrap().candidates.iter().map(|c| c.person.id).collect::<Vec<_>>();
        assert_eq!(shown(), [najib.id]);
        // The person belongs to an import still running (as a batch of one does on SQLite).
        let now = "2026-12-05T10:00:00.000Z";
        db.sql().execute_raw(&format!("INSERT INTO person_imports (id, office_id, actor, state, total, written, started_at, updated_at) VALUES ('imp-1', '{a}', 'test', 'running', 1, 1, '{now}', '{now}')")).unwrap();
        db.sql().execute_raw(&format!("UPDATE persons SET import_id = 'imp-1' WHERE id = '{}'", najib.id)).unwrap();
        assert!(shown().is_empty(), "hidden while the import runs");
        // Another import that is done hides nobody; the running one still hides its person.
        db.sql().execute_raw(&format!("INSERT INTO person_imports (id, office_id, actor, state, total, written, started_at, updated_at) VALUES ('imp-0', '{a}', 'test', 'done', 1, 1, '{now}', '{now}')")).unwrap();
        assert!(shown().is_empty());
        // While some persons are hidden, the others are still shown (each candidate is tested).
        let twin = s.register(&ctx(), &w, &draft).unwrap();
        assert_eq!(shown(), [twin.id], "a visible person is shown beside a hidden one");
        db.sql().execute_raw("UPDATE person_imports SET state = 'done' WHERE id = 'imp-1'").unwrap();
        let mut both = shown();
        both.sort();
        let mut want = vec![najib.id, twin.id];
        want.sort();
        assert_eq!(both, want, "shown once the import is done");
    }

    fn the_duplicate_check_skips_a_block_larger_than_the_batch_engines(db) {
        // A key shared by more persons than the batch engine compares (a very common name) is
        // skipped, as `daftar dedupe` skips it: up to the limit the block's persons are found,
        // one more and none of the probe's keys is small enough to find anybody by.
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let draft = PersonDraft { given_name: "محمد".into(), family_name: "احمدی".into(), father_name: "علی".into(), birth_date: Some("1990-03-21".into()), sex: Sex::Male, nationality: "AFG".into(), ..PersonDraft::default() };
        let cap = daftar_match::dedupe::Settings::default().max_block;
        s.register_all(&ctx(), &system_scope(a, Permission::PersonWrite), &vec![draft.clone(); cap], &|_| {}).unwrap();
        let reach = daftar_domain::permission::Reach::Office(system_scope(a, Permission::PersonRead));
        let shown = |limit| s.person_candidates(&ctx(), &reach, &daftar_testkit::probe(&draft), limit).unwrap().candidates.len();
        assert_eq!(shown(10), 10, "at the cap the block is compared; the limit bounds what is shown");
        assert_eq!(shown(cap + 5), cap);
        s.register(&ctx(), &system_scope(a, Permission::PersonWrite), &draft).unwrap();
        assert_eq!(shown(10), 0, "one past the cap, every block of the probe is skipped");
    }

    fn the_person_sharing_most_keys_is_compared_before_three_hundred_sharing_one(db) {
        // The check compares at most 250 persons, those sharing the most keys with the probe
        // first. 300 persons share one key each (150 the birth day, 150 the given and family
        // name; each block under the cap), the twin registered last shares all of them: it
        // is found only if the ranking puts it before the others (by row order it would be
        // the 301st).
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let probe = PersonDraft { given_name: "محمد".into(), family_name: "احمدی".into(), father_name: "علی".into(), birth_date: Some("1990-03-21".into()), sex: Sex::Male, nationality: "AFG".into(), ..PersonDraft::default() };
        let letters: Vec<char> = "بپتجچخدرژشفکگلمن".chars().collect();
        let name = |i: usize, shape: &str| {
            let (x, y) = (letters[i / letters.len()], letters[i % letters.len()]);
            shape.replace('x', &x.to_string()).replace('y', &y.to_string())
        };
        let mut drafts = vec![];
        for i in 0..150 {
            // Only the birth day in common.
            drafts.push(PersonDraft { given_name: name(i, "xایان"), family_name: name(i, "yوxی"), father_name: name(i, "xyید"), ..probe.clone() });
        }
        for i in 0..150 {
            // Only the given and family name in common (another father, year, month and day).
            let born = format!("{}-{:02}-{:02}", 1950 + i % 39, 4 + i % 8, 1 + i % 28);
            drafts.push(PersonDraft { father_name: name(i, "xyید"), birth_date: Some(born), ..probe.clone() });
        }
        let w = system_scope(a, Permission::PersonWrite);
        s.register_all(&ctx(), &w, &drafts, &|_| {}).unwrap();
        let twin = s.register(&ctx(), &w, &probe).unwrap();
        let reach = daftar_domain::permission::Reach::Office(system_scope(a, Permission::PersonRead));
        let found = s.person_candidates(&ctx(), &reach, &daftar_testkit::probe(&probe), 10).unwrap();
        assert!(found.candidates.iter().any(|c| c.person.id == twin.id), "{:?}", found.candidates.iter().map(|c| &c.person.given_name).collect::<Vec<_>>());
    }

    fn candidates_come_from_match_keys_within_reach(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MHD-01");
        let w = |o| system_scope(o, Permission::PersonWrite);
        let p = |g: &str, f: &str, fa: &str, d: &str, sex| PersonDraft { given_name: g.into(), family_name: f.into(), father_name: fa.into(), birth_date: Some(d.into()), sex, nationality: "AFG".into(), ..PersonDraft::default() };
        let najib = s.register(&ctx(), &w(a), &p("نجیب‌الله", "رحیمی", "نظام‌الدین", "1993-08-04", Sex::Male)).unwrap();
        s.register(&ctx(), &w(a), &p("زهرا", "رحیمی", "نظام‌الدین", "1993-08-04", Sex::Female)).unwrap();
        s.register(&ctx(), &w(b), &p("نجيب الله", "رحيمي", "نزام الدين", "1993-08-04", Sex::Male)).unwrap();
        let probe = p("Najibullah", "Rahimi", "Nizamuddin", "1993-08-04", Sex::Male);
        let reach = daftar_domain::permission::Reach::Office(system_scope(a, Permission::PersonRead));
        let found = s.person_candidates(&ctx(), &reach, &daftar_testkit::probe(&probe), 10).unwrap();
        assert_eq!(found.candidates.len(), 1, "the sister is not a candidate");
        assert_eq!(found.candidates[0].person.id, najib.id);
        assert!(found.candidates[0].reasons.father && found.candidates[0].reasons.birth_date);
        assert_eq!(found.elsewhere, 1, "the record in the other office is only counted");
        let all = s.person_candidates(&ctx(), &system_reach(Permission::PersonRead), &daftar_testkit::probe(&probe), 10).unwrap();
        assert_eq!((all.candidates.len(), all.elsewhere), (2, 0));
        let none = s.person_candidates(&ctx(), &reach, &daftar_testkit::probe(&p("مریم", "احمدی", "رحیم", "1970-01-02", Sex::Female)), 10).unwrap();
        assert!(none.candidates.is_empty());
        let wrong = daftar_domain::permission::Reach::Office(system_scope(a, Permission::PersonWrite));
        assert_eq!(s.person_candidates(&ctx(), &wrong, &daftar_testkit::probe(&probe), 10).unwrap_err().code, "auth.forbidden");
        assert!(actions(s.as_ref()).iter().filter(|a| *a == "person.candidates").count() >= 3, "every check is audited");
    }
}

both_backends! {
    fn the_match_index_is_rebuilt_from_persons_when_a_migration_asks(db) {
        // A database from before the match index (or one whose derived tables were lost): the
        // pending backfill rebuilds matching rows, key hashes and search tokens from persons,
        // merged persons included but marked, and then is no longer pending.
        use daftar_domain::review::{Decision, NewSuspect};
        use daftar_domain::permission::Reach;
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let w = system_scope(a, Permission::PersonWrite);
        let r = system_scope(a, Permission::PersonRead);
        let one = s.register(&ctx(), &w, &person("نجیب‌الله")).unwrap();
        let two = s.register(&ctx(), &w, &person("نجيب الله")).unwrap();
        let other = s.register(&ctx(), &w, &person("عبدالرحمن")).unwrap();
        let suspect = NewSuspect { a: one.id, b: two.id, score: 7.5, reasons: Default::default(), source: "batch" };
        s.add_suspects(&ctx(), &[suspect]).unwrap();
        let mine = Reach::Office(system_scope(a, Permission::PersonMerge));
        let pair = s.list_suspects(&ctx(), &mine, daftar_domain::review::SuspectStatus::Open, PageRequest::default()).unwrap().items[0].id;
        s.decide_suspect(&ctx(), &mine, pair, Decision::Merge { survivor: one.id }).unwrap();
        for sql in ["DELETE FROM person_match_blocks", "DELETE FROM person_match", "DELETE FROM person_name_tokens"] {
            db.sql().execute_raw(sql).unwrap();
        }
        let ids = |found: daftar_domain::person::Candidates| found.candidates.into_iter().map(|c| c.person.id).collect::<Vec<_>>();
        assert!(ids(s.person_candidates(&ctx(), &Reach::Office(r), &daftar_testkit::probe(&person("نجیب الله")), 10).unwrap()).is_empty(), "nothing to match against");
        db.sql().execute_raw("INSERT INTO store_backfills (name) VALUES ('match_index')").unwrap();
        s.migrate().unwrap();
        assert_eq!(ids(s.person_candidates(&ctx(), &Reach::Office(r), &daftar_testkit::probe(&person("نجیب الله")), 10).unwrap()), vec![one.id], "the merged record stays out");
        assert_eq!(s.search_persons(&ctx(), &r, "عبد الرحمن", PageRequest::default()).unwrap().items[0].id, other.id);
        s.unmerge(&ctx(), &mine, pair).unwrap();
        let mut both = ids(s.person_candidates(&ctx(), &Reach::Office(r), &daftar_testkit::probe(&person("نجیب الله")), 10).unwrap());
        both.sort();
        let mut expected = vec![one.id, two.id];
        expected.sort();
        assert_eq!(both, expected, "back in the check after unmerge");
        assert_eq!(db.sql().execute_raw("DELETE FROM store_backfills").unwrap(), 0, "the backfill is done");
    }
}

both_backends! {
    fn prewarming_reads_every_row_of_the_check_tables(db) {
        let s = db.store();
        assert_eq!(s.prewarm().unwrap(), 0, "an empty registry");
        let a = office(s.as_ref(), "THR-01");
        let w = system_scope(a, Permission::PersonWrite);
        for name in ["نجیب‌الله", "عبدالرحمن", "زهرا"] {
            s.register(&ctx(), &w, &person(name)).unwrap();
        }
        let rows = s.prewarm().unwrap();
        assert!(rows >= 3 + 3 * 5, "a matching row and several key rows per person: {rows}");
        db.sql().execute_raw("DELETE FROM person_match_blocks").unwrap();
        assert_eq!(s.prewarm().unwrap(), 3, "one matching row per person");
    }
}

both_backends! {
    fn the_check_finds_a_person_whose_common_name_blocks_are_all_too_large(db) {
        // Every two-field block of the probe's names and date holds more persons than the check
        // reads (200): namesakes born the same year, others born the same day, namesakes born
        // on the same day of other years. The three-field keys (given name with birth day)
        // still lead to the person's own record.
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let w = system_scope(a, Permission::PersonWrite);
        let np = |given: &str, family: &str, father: &str, date: time::Date| PersonDraft {
            given_name: given.into(),
            family_name: family.into(),
            father_name: father.into(),
            birth_date: Some(date.to_string()),
            sex: Sex::Male,
            nationality: "AFG".into(),
            ..PersonDraft::default()
        };
        let letters = ["ب", "پ", "ت", "ج", "چ", "د", "ر", "ز", "س", "ش", "ف", "ک", "گ", "ل", "م", "ن"];
        let made_up = |i: usize| format!("{}ا{}و{}", letters[i % 16], letters[(i / 16) % 16], letters[(i / 256) % 16]);
        let day = time::Date::from_calendar_date(1990, time::Month::May, 6).unwrap();
        let mut rows = vec![];
        for k in 0..205 {
            let d = time::Date::from_calendar_date(1990, time::Month::April, 1).unwrap() + time::Duration::days(k);
            if d != day {
                rows.push(np("محمد", "احمدی", "علی", d));
            }
            rows.push(np(&made_up(k as usize), "", &made_up(k as usize + 300), day));
            let other_year = day.replace_year(1950 + (k as i32 % 40)).unwrap();
            rows.push(np("محمد", "", &made_up(k as usize + 600), other_year));
        }
        let probe = np("محمد", "احمدی", "علی", day);
        rows.push(probe.clone());
        s.register_all(&ctx(), &w, &rows, &|_| {}).unwrap();
        let reach = daftar_domain::permission::Reach::Office(system_scope(a, Permission::PersonRead));
        let found = s.person_candidates(&ctx(), &reach, &daftar_testkit::probe(&probe), 10).unwrap();
        assert_eq!(found.candidates.len(), 1, "the own record is found; namesakes born on other days are not candidates");
        let c = &found.candidates[0];
        assert_eq!((c.person.given_name.as_str(), c.person.father_name.as_str(), c.person.birth_date.as_deref()), ("محمد", "علی", Some("1990-05-06")));
    }
}

fn full_person(given: &str, family: &str, doc: &str) -> PersonDraft {
    PersonDraft {
        given_name: given.into(),
        family_name: family.into(),
        father_name: "غلام حیدر".into(),
        grandfather_name: "عبدالرحمن".into(),
        given_name_latin: "Abdullah".into(),
        family_name_latin: "Karimi".into(),
        birth_date: Some("۱۳۷۰".into()),
        sex: Sex::Male,
        nationality: "AFG".into(),
        phone: "۰۹۱۲ ۳۴۵ ۶۷۸۹".into(),
        province: "تهران".into(),
        district: "ری".into(),
        address: "خیابان ۱۵ خرداد".into(),
        documents: vec![DocumentDraft {
            kind: "passport".into(),
            number: doc.into(),
            issuer: "AFG".into(),
            valid_from: Some("1400/01/15".into()),
            valid_until: Some("2031-04-04".into()),
        }],
    }
}

both_backends! {
    fn a_full_record_keeps_precision_documents_and_history(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let (w, r) = (system_scope(a, Permission::PersonWrite), system_scope(a, Permission::PersonRead));
        let p = s.register(&ctx(), &w, &full_person("عبدالله", "کریمی", "P-0123 456")).unwrap();
        assert_eq!((p.birth_date.as_deref(), p.birth_date_precision), (Some("1991-03-21"), Some(DatePrecision::Year)));
        assert_eq!(p.birth().unwrap().numeric(), "1370", "shown again as it was given");
        assert_eq!(p.phone, "09123456789");
        let rec = s.get_person(&ctx(), &r, p.id).unwrap();
        assert_eq!(rec.person, p);
        assert_eq!(rec.documents.len(), 1);
        assert_eq!((rec.documents[0].kind, rec.documents[0].number.as_str()), (DocumentKind::Passport, "P-0123 456"));
        assert_eq!(rec.documents[0].valid_from.as_deref(), Some("2021-04-04"));
        assert_eq!(rec.history.len(), 1);
        assert_eq!(rec.history[0].status, PersonStatus::Registered);
        assert_eq!(rec.history[0].at, p.created_at, "the change's time read back as written");
        assert!(!rec.medical_needs);
        // The same passport number (written differently) cannot be recorded twice.
        let dup = s.register(&ctx(), &w, &full_person("رضا", "کریمی", "p0123456")).unwrap_err();
        assert_eq!((dup.code, dup.kind.status()), ("document.number.taken", 409));
        let other = daftar_testkit::document("registration_card", "۱۲۳۴۵۶۷۸۹", "");
        let d = s.add_document(&ctx(), &w, p.id, &other, None).unwrap();
        assert_eq!(d.number, "۱۲۳۴۵۶۷۸۹", "the number is kept as written");
        let bad = DocumentDraft { kind: "driving_licence".into(), number: "1".into(), ..DocumentDraft::default() };
        assert_eq!(bad.validate(OffsetDateTime::UNIX_EPOCH.date()).unwrap_err().code, "document.kind.invalid", "refused at the edge");
        // Status changes keep the history; deceased is final.
        let change = |st: &str| ChangeStatus::parse(st, "round 1404").unwrap();
        assert_eq!(s.set_person_status(&ctx(), &w, p.id, &change("registered"), None).unwrap_err().code, "person.status.unchanged");
        let rec = s.set_person_status(&ctx(), &w, p.id, &change("renewed"), None).unwrap();
        assert_eq!(rec.person.status, PersonStatus::Renewed);
        s.set_person_status(&ctx(), &w, p.id, &change("deceased"), None).unwrap();
        assert_eq!(s.set_person_status(&ctx(), &w, p.id, &change("registered"), None).unwrap_err().code, "person.status.final");
        let rec = s.get_person(&ctx(), &r, p.id).unwrap();
        let seen: Vec<_> = rec.history.iter().map(|h| (h.status, h.note.as_str())).collect();
        assert_eq!(seen, vec![(PersonStatus::Registered, ""), (PersonStatus::Renewed, "round 1404"), (PersonStatus::Deceased, "round 1404")]);
        assert_eq!(rec.documents.len(), 2);
        // Another office cannot change or read this person.
        let b = office(s.as_ref(), "MHD-01");
        let wb = system_scope(b, Permission::PersonWrite);
        assert_eq!(s.set_person_status(&ctx(), &wb, p.id, &change("lapsed"), None).unwrap_err().code, "person.not_found");
        assert_eq!(s.add_document(&ctx(), &wb, p.id, &other, None).unwrap_err().code, "person.not_found");
        let acts = actions(s.as_ref());
        for a in ["person.status", "person.document.add", "person.read"] {
            assert!(acts.iter().any(|x| x == a), "{a} audited");
        }
    }

    fn search_finds_names_in_either_script_and_numbers_within_the_office(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MHD-01");
        let (wa, ra) = (system_scope(a, Permission::PersonWrite), system_scope(a, Permission::PersonRead));
        let abd = s.register(&ctx(), &wa, &full_person("عبدالله", "کریمی", "P1")).unwrap();
        let mut zahra = full_person("زهرا", "احمدی", "P2");
        zahra.given_name_latin = String::new();
        zahra.family_name_latin = String::new();
        let zahra = s.register(&ctx(), &wa, &zahra).unwrap();
        s.register(&ctx(), &system_scope(b, Permission::PersonWrite), &full_person("عبدالله", "کریمی", "P3")).unwrap();
        let ids = |q: &str| -> Vec<_> {
            s.search_persons(&ctx(), &ra, q, PageRequest::default()).unwrap().items.into_iter().map(|p| p.id).collect()
        };
        for q in ["عبدالله", "عبد الله", "عبدالله كريمي", "Abdullah", "ABDULLAH karimi", "Abdollah", "کریمی"] {
            assert_eq!(ids(q), vec![abd.id], "query {q}");
        }
        assert_eq!(ids("Ahmadi"), vec![zahra.id], "Latin query finds a name written only in Persian");
        assert_eq!(ids(&abd.registry_no.to_lowercase()), vec![abd.id], "registry number");
        assert_eq!(ids("p 2"), vec![zahra.id], "document number, spaces and case ignored");
        assert_eq!(ids("P3"), Vec::<daftar_domain::ids::PersonId>::new(), "another office's document is not found");
        assert!(ids("مریم").is_empty());
        let both = ids("غلام حیدر");
        assert_eq!(both.len(), 2, "father's name matches both persons of this office");
        assert_eq!(s.search_persons(&ctx(), &ra, "  ", PageRequest::default()).unwrap_err().code, "search.query.invalid");
        let paged = s.search_persons(&ctx(), &ra, "غلام", PageRequest { page: 2, per_page: 1 }).unwrap();
        assert_eq!((paged.total, paged.items.len()), (2, 1));
        let searches = s.audit_page(&AuditFilter { action_prefix: Some("person.search".into()), ..Default::default() }, PageRequest::default()).unwrap();
        assert!(searches.total >= 10, "every search is audited");
        let details: serde_json::Value = serde_json::from_str(&searches.items[0].details).unwrap();
        assert!(details["persons"].is_array());
    }

    fn import_writes_all_rows_or_none(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let w = system_scope(a, Permission::PersonWrite);
        let first = s.register(&ctx(), &w, &person("اول")).unwrap();
        let mut rows: Vec<PersonDraft> = (0..25).map(|i| PersonDraft { given_name: format!("نام{i}"), ..person("x") }).collect();
        rows[17].birth_date = Some("1370/13/01".into());
        let err = s.register_all(&ctx(), &w, &rows, &|_| {}).unwrap_err();
        assert_eq!(err.code, "person.birth_date.invalid");
        assert_eq!(err.details["row"], 18);
        assert_eq!(err.details["field"], "birth_date");
        // A conflict found only while writing (same document twice) also leaves nothing behind.
        rows[17].birth_date = None;
        let doc = DocumentDraft { kind: "passport".into(), number: "X1".into(), ..DocumentDraft::default() };
        rows[3].documents = vec![doc.clone()];
        rows[20].documents = vec![doc];
        let err = s.register_all(&ctx(), &w, &rows, &|_| {}).unwrap_err();
        assert_eq!((err.code, err.details["row"].as_u64()), ("document.number.taken", Some(21)));
        assert_eq!(s.count_persons_by_office().unwrap()[0].1, 1, "nothing written");
        no_rows_left_behind(db);
        rows[20].documents.clear();
        let seen = std::sync::atomic::AtomicU64::new(0);
        let n = s.register_all(&ctx(), &w, &rows, &|k| seen.store(k, std::sync::atomic::Ordering::Relaxed)).unwrap();
        assert_eq!(n, 25);
        assert_eq!(seen.into_inner(), 25);
        let list = s.list_persons(&ctx(), &system_scope(a, Permission::PersonRead), PageRequest::default()).unwrap();
        assert_eq!(list.total, 26);
        // The import that failed while writing took numbers 2-26 (an import takes its numbers
        // before writing them: per batch on SQLite, all at once on PostgreSQL): they stay unused.
        assert_eq!(list.items[0].registry_no, "THR-01-000051", "numbers continue after the last one taken");
        assert_eq!(first.registry_no, "THR-01-000001");
        let found = s.search_persons(&ctx(), &system_scope(a, Permission::PersonRead), "thr-01-000044", PageRequest::default()).unwrap();
        assert_eq!(found.items[0].given_name, "نام17", "imported persons are searchable");
        let imports = s.audit_page(&AuditFilter { action_prefix: Some("person.import".into()), ..Default::default() }, PageRequest::default()).unwrap();
        let actions: Vec<&str> = imports.items.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["person.import", "person.import.removed"], "the failed import is audited as removed");
        let details: serde_json::Value = serde_json::from_str(&imports.items[0].details).unwrap();
        assert_eq!(details["count"], 25);
    }

    fn an_import_lets_other_writers_in_and_shows_its_persons_only_when_done(db) {
        // Issue 15.16: an import used to hold the write lock (SQLite) or the office's counter
        // row (PostgreSQL) for its whole run. Another process's registrations now go through
        // while it runs, and get numbers between the import's batches.
        let s = db.store();
        let other = db.second_store();
        let a = office(s.as_ref(), "THR-01");
        let (w, r) = (system_scope(a, Permission::PersonWrite), system_scope(a, Permission::PersonRead));
        let n = 2 * IMPORT_BATCH + IMPORT_BATCH / 2; // three batches, the last one half full
        let rows = numbered(n);
        let done = std::sync::atomic::AtomicBool::new(false);
        let (imported, during) = std::thread::scope(|t| {
            let writer = t.spawn(|| {
                let mut numbers = vec![];
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    let p = other.register(&ctx(), &w, &person("همزمان")).expect("a registration while an import runs succeeds");
                    numbers.push(p.registry_no);
                }
                numbers
            });
            let imported = s.register_all(&ctx(), &w, &rows, &|k| {
                if k < rows.len() as u64 {
                    // Between batches: what is written so far is hidden from every reader.
                    let page = other.list_persons(&ctx(), &r, PageRequest::default()).unwrap();
                    assert!(page.items.iter().all(|p| p.given_name == "همزمان"), "an unfinished import's persons are hidden");
                    let found = other.search_persons(&ctx(), &r, "وارد1", PageRequest::default()).unwrap();
                    assert_eq!(found.total, 0, "and cannot be found");
                }
            });
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            (imported, writer.join().unwrap())
        });
        assert_eq!(imported.unwrap(), n as u64);
        assert!(!during.is_empty());
        let seq = |no: &str| no.rsplit('-').next().unwrap().parse::<u64>().unwrap();
        let postgres = db.backend() == daftar_testkit::Backend::Postgres;
        let mut numbers = vec![];
        for page in 1.. {
            let got = s.list_persons(&ctx(), &r, PageRequest { page, per_page: 200 }).unwrap();
            numbers.extend(got.items.iter().filter(|p| p.given_name.starts_with("وارد")).map(|p| seq(&p.registry_no)));
            if got.items.len() < 200 {
                break;
            }
        }
        assert_eq!(numbers.len(), n);
        let (first, last) = (*numbers.iter().min().unwrap(), *numbers.iter().max().unwrap());
        if postgres {
            // COPY: the import's numbers are one range reserved before it,
            // and registrations went on while it ran (they took the numbers after it).
            assert_eq!(last - first + 1, n as u64, "one range");
            assert!(
                during.iter().any(|no| seq(no) > last),
                "registrations were written while the import ran ({first}..{last}: {during:?})"
            );
            // The duplicate check's tables were vacuumed after the load (their rows marked
            // visible to all, so the key index is read without visiting the table).
            let vacuumed = |table: &str| {
                db.sql()
                    .query_raw("SELECT vacuum_count + autovacuum_count FROM pg_stat_user_tables WHERE relname = $1", &[table.into()])
                    .unwrap()[0]
                    .i64(0)
                    .unwrap()
            };
            assert!(vacuumed("person_match_blocks") >= 1 && vacuumed("person_match") >= 1);
        } else {
            assert!(
                during.iter().any(|no| (first..last).contains(&seq(no))),
                "some registrations were written between the import's batches ({first}..{last}: {during:?})"
            );
        }
        let total = s.count_persons_by_office().unwrap()[0].1;
        assert_eq!(total, (n + during.len()) as u64, "every person is visible once the import is done");
    }

    fn an_import_cut_off_is_removed_whole(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let w = system_scope(a, Permission::PersonWrite);
        s.register(&ctx(), &w, &person("اول")).unwrap();
        let (n, killed_at) = (2 * IMPORT_BATCH + IMPORT_BATCH / 2, 2 * IMPORT_BATCH as u64);
        let mut rows = numbered(n);
        // One whose names no other person shares, for the duplicate check (the others share
        // every key, in blocks too large to compare).
        rows[n - 1] = PersonDraft { family_name: "یکتاپور".into(), ..person("یگانه") };
        // The process dies after the second batch (a panic in the progress callback stands in
        // for the kill: nothing after it runs).
        let cut = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            s.register_all(&ctx(), &w, &rows, &|k| assert!(k < killed_at, "killed"))
        }));
        assert!(cut.is_err());
        assert_eq!(s.count_persons_by_office().unwrap()[0].1, 1, "the cut-off import's persons are not seen");
        assert_eq!(s.remove_stale_imports(&ctx(), Duration::minutes(10)).unwrap(), 0, "a recent import may still be running");
        if db.backend() == daftar_testkit::Backend::Postgres {
            // The progress is counted as the persons are copied, in a transaction that had not
            // committed when the process died: there is no person to remove.
            assert_eq!(s.remove_stale_imports(&ctx(), Duration::ZERO).unwrap(), 0, "nothing was written");
            let states = db.sql().query_raw("SELECT state FROM person_imports", &[]).unwrap();
            assert_eq!(states.len(), 1);
            assert_eq!(states[0].text(0).unwrap(), "removed", "the cut-off import was taken for a stale one");
        } else {
            assert_eq!(s.remove_stale_imports(&ctx(), Duration::ZERO).unwrap(), killed_at, "an idle one is removed whole");
            assert_eq!(s.remove_stale_imports(&ctx(), Duration::ZERO).unwrap(), 0);
            assert_eq!(last_removal(s.as_ref())["removed"], killed_at);
        }
        // The same file again: written whole.
        assert_eq!(s.register_all(&ctx(), &w, &rows, &|_| {}).unwrap(), n as u64);
        assert_eq!(s.count_persons_by_office().unwrap()[0].1, n as u64 + 1);
        // An import cut off after everything was written but before it was marked done (on
        // PostgreSQL: between its two streams' commits and the mark, or after only the persons'
        // stream committed): its persons are hidden, and it is removed whole with its key rows
        // (written last) once stale.
        let offered = || s.person_candidates(&ctx(), &system_reach(Permission::PersonRead), &daftar_testkit::probe(&rows[n - 1]), 10).unwrap().candidates.len();
        assert!(offered() > 0, "a done import's persons are offered by the duplicate check");
        db.sql().execute_raw("UPDATE person_imports SET state = 'running' WHERE state = 'done'").unwrap();
        assert_eq!(s.count_persons_by_office().unwrap()[0].1, 1, "an import not marked done is not seen");
        assert_eq!(offered(), 0, "nor offered by the duplicate check");
        assert_eq!(s.remove_stale_imports(&ctx(), Duration::ZERO).unwrap(), n as u64);
        no_rows_left_behind(db);
        s.verify_audit().unwrap().unwrap();
    }
}

/// `n` persons to import, named وارد0, وارد1, …
fn numbered(n: usize) -> Vec<PersonDraft> {
    (0..n)
        .map(|i| PersonDraft {
            given_name: format!("وارد{i}"),
            ..person("x")
        })
        .collect()
}

/// A fresh PostgreSQL database (`None`: skipped) with office THR-01 holding one registered
/// person, and the office's write scope: where the PostgreSQL-only import tests start.
fn postgres_with_one_person() -> Option<(TestDb, OfficeScope)> {
    let db = TestDb::on(daftar_testkit::Backend::Postgres)?;
    let s = db.store();
    let w = system_scope(office(s.as_ref(), "THR-01"), Permission::PersonWrite);
    s.register(&ctx(), &w, &person("اول")).unwrap();
    Some((db, w))
}

/// PostgreSQL's import copies in two streams (the persons; their matching rows, key rows and
/// search tokens). When the second fails (here: a matching row's key taken by hand inside the
/// range the import reserves), the persons' stream is rolled back too: nothing is seen or left
/// behind, the import is recorded removed with the cause, and the error says why (not merely
/// that the other stream stopped). SQLite writes in batches on one connection (no streams).
#[test]
fn an_import_whose_second_stream_fails_leaves_nothing_and_says_why() {
    let Some((db, w)) = postgres_with_one_person() else {
        return;
    };
    let s = db.store();
    let last = db
        .sql()
        .query_raw(
            "SELECT nextval(pg_get_serial_sequence('person_match', 'pk'))",
            &[],
        )
        .unwrap()[0]
        .i64(0)
        .unwrap();
    // The import reserves the keys after `last`; its third person's key is taken already.
    db.sql()
        .execute_raw(&format!(
            "INSERT INTO person_match (pk, person_id, office_id, given_name, family_name, father_name, birth, gender) OVERRIDING SYSTEM VALUE VALUES ({}, 'taken-by-hand', '', '', '', '', '', '')",
            last + 3
        ))
        .unwrap();
    let rows = numbered(10);
    let err = s.register_all(&ctx(), &w, &rows, &|_| {}).unwrap_err();
    let why = err.internal.clone().unwrap_or_default();
    assert!(
        why.contains("person_match_pkey"),
        "the failing stream's own error: {why}"
    );
    assert_eq!(
        s.count_persons_by_office().unwrap()[0].1,
        1,
        "no person of the import is seen"
    );
    let written = count(&db, "SELECT count(*) FROM persons");
    assert_eq!(written, 1, "the persons' stream was rolled back");
    db.sql()
        .execute_raw("DELETE FROM person_match WHERE person_id = 'taken-by-hand'")
        .unwrap();
    no_rows_left_behind(&db);
    let states = db
        .sql()
        .query_raw("SELECT state FROM person_imports", &[])
        .unwrap();
    assert_eq!(states[0].text(0).unwrap(), "removed");
    let details = last_removal(s.as_ref());
    assert_eq!(
        (details["removed"].as_u64(), details["code"].as_str()),
        (Some(0), Some(err.code))
    );
    // The same file again, once the key is free: written whole.
    assert_eq!(s.register_all(&ctx(), &w, &rows, &|_| {}).unwrap(), 10);
    assert_eq!(s.count_persons_by_office().unwrap()[0].1, 11);
    s.verify_audit().unwrap().unwrap();
}

/// Another node's housekeeping marks a running PostgreSQL import removed while it copies (it
/// took the import for a stale one). Each stream holds the import's record before it commits.
/// If the mark comes first, neither stream may commit: nothing of the import was ever committed
/// (the removal audits 0 persons removed), nothing is seen or left behind. If a stream holds
/// the record already, the mark waits (and here gives up after 300 ms, as housekeeping would
/// after its lock timeout) and the import finishes whole. Which comes first depends on the two
/// streams' pace; either way the import is all or nothing.
#[test]
fn an_import_removed_by_another_node_while_it_copies_is_all_or_nothing() {
    let Some((db, w)) = postgres_with_one_person() else {
        return;
    };
    let s = db.store();
    let rows = numbered(200);
    let marked = std::sync::OnceLock::new();
    let done = s.register_all(&ctx(), &w, &rows, &|_| {
        marked.get_or_init(|| {
            let running = db.sql().query_raw("SELECT count(*) FROM person_imports WHERE state = 'running'", &[]).unwrap()[0].i64(0).unwrap();
            assert_eq!(running, 1, "the import is recorded running while it copies");
            db.sql()
                .execute_raw("SET LOCAL lock_timeout = '300ms'; UPDATE person_imports SET state = 'removed' WHERE state = 'running'")
                .is_ok()
        });
    });
    let written = count(&db, "SELECT count(*) FROM persons");
    if *marked.get().unwrap() {
        assert_eq!(done.unwrap_err().code, "import.removed");
        assert_eq!(s.count_persons_by_office().unwrap()[0].1, 1);
        assert_eq!(written, 1);
        assert_eq!(
            last_removal(s.as_ref())["removed"],
            0,
            "no person of the import was ever committed"
        );
    } else {
        assert_eq!(
            done.unwrap(),
            200,
            "the mark waited for the held record and gave up"
        );
        assert_eq!(s.count_persons_by_office().unwrap()[0].1, 201);
        assert_eq!(written, 201);
    }
    no_rows_left_behind(&db);
}

/// Imports `rows` into a new office `code` through `s` and counts, past the store's code, what
/// that office's import wrote: search tokens (and distinct ones), key rows, matching rows,
/// status entries, persons.
fn import_tally(db: &TestDb, s: &dyn Store, code: &str, rows: &[PersonDraft]) -> Vec<i64> {
    let a = office(s, code);
    let w = system_scope(a, Permission::PersonWrite);
    assert_eq!(
        s.register_all(&ctx(), &w, rows, &|_| {}).unwrap(),
        rows.len() as u64
    );
    let mine = format!("(SELECT id FROM persons WHERE office_id = '{a}')");
    [
        format!("person_name_tokens WHERE person_id IN {mine}"),
        format!("(SELECT DISTINCT token, person_id FROM person_name_tokens WHERE person_id IN {mine}) t"),
        format!("person_match_blocks WHERE pk IN (SELECT pk FROM person_match WHERE person_id IN {mine})"),
        format!("person_match WHERE person_id IN {mine}"),
        format!("person_status_history WHERE person_id IN {mine}"),
        format!("persons WHERE id IN {mine}"),
    ]
    .iter()
    .map(|t| count(db, &format!("SELECT count(*) FROM {t}")))
    .collect()
}

/// Persons with varied names (several search tokens and key rows each).
fn import_rows(n: usize) -> Vec<PersonDraft> {
    let mut rows = numbered(n);
    for (i, r) in rows.iter_mut().enumerate() {
        r.family_name = format!("خانواده{}", i % 97);
    }
    rows
}

/// PostgreSQL's import shares the search tokens between its two streams piece by piece and
/// checks its foreign keys once for the import instead of once per row; SQLite writes the same
/// import in batches on one connection. The same 25,000 persons (several pieces of every
/// table) leave the same rows on both: each token, key row, matching row and status entry
/// once. The per-row checks are off only inside the import's own transactions: afterwards a
/// status entry for nobody is refused on every pooled connection.
#[test]
fn an_import_on_postgres_writes_what_the_same_import_writes_on_sqlite() {
    let Some(pg) = TestDb::on(daftar_testkit::Backend::Postgres) else {
        return;
    };
    let lite = TestDb::on(daftar_testkit::Backend::Sqlite).unwrap();
    let rows = import_rows(25_000);
    let on_pg = import_tally(&pg, pg.store().as_ref(), "THR-01", &rows);
    let on_lite = import_tally(&lite, lite.store().as_ref(), "THR-01", &rows);
    assert_eq!(
        on_pg, on_lite,
        "tokens, distinct tokens, key rows, matching rows, status entries, persons"
    );
    assert!(on_pg[0] > 2 * 25_000, "several tokens a person: {on_pg:?}");
    no_rows_left_behind(&pg);
    std::thread::scope(|t| {
        for _ in 0..16 {
            t.spawn(|| {
                // Each holds its connection a moment, so the sixteen use different ones.
                let orphan = pg.sql().execute_raw(
                    "SELECT pg_sleep(0.2); INSERT INTO person_status_history (person_id, seq, status, at, actor, note) VALUES ('nobody', 1, 'registered', now(), 'test', '')",
                );
                let why = orphan.expect_err("a status entry for nobody is refused").internal.unwrap_or_default();
                assert!(why.contains("foreign key"), "{why}");
            });
        }
    });
}

/// `url` (`postgres://user@host/db`) with `user` as its user.
fn with_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host = authority.rfind('@').map_or(rest, |i| &rest[i + 1..]);
    format!("{scheme}://{user}@{host}")
}

/// A database role that may not turn off the per-row foreign-key checks (no superuser, no `SET`
/// granted on `session_replication_role`): its import checks every row, and writes the same as
/// an import by a role that may (the test's own, a superuser: it must, or the tests above never
/// took the path that checks once), into another office of the same database.
#[test]
fn an_import_by_a_role_that_may_not_skip_row_checks_checks_every_row() {
    let role = format!(
        "daftar_plain_{}",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    /// Drops the role once the test database (and its grants) is gone.
    struct DropRole(String);
    impl Drop for DropRole {
        fn drop(&mut self) {
            let Some(url) = daftar_testkit::test_database_url() else {
                return; // no PostgreSQL: the test skipped, no role was made
            };
            let sql = format!("DROP ROLE IF EXISTS {}", self.0);
            let _ = daftar_store::postgres::outside_runtime(|| {
                daftar_store::open_postgres(&url).and_then(|s| s.execute_raw(&sql))
            });
        }
    }
    let _role = DropRole(role.clone()); // dropped after `db`, where the role holds grants
    let Some(db) = TestDb::on(daftar_testkit::Backend::Postgres) else {
        return;
    };
    db.sql()
        .execute_raw(&format!(
            "CREATE ROLE {role} LOGIN; GRANT ALL ON SCHEMA public TO {role}; GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}; GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}"
        ))
        .unwrap();
    let plain = daftar_store::postgres::outside_runtime(|| {
        daftar_store::open_postgres(&with_user(db.location(), &role))
    })
    .unwrap();
    assert!(
        plain
            .execute_raw("SET LOCAL session_replication_role = replica")
            .is_err(),
        "the plain role may not turn the checks off"
    );
    assert!(
        !plain.may_check_keys_once(),
        "and its import checks every row"
    );
    assert!(
        db.sql().may_check_keys_once(),
        "the test's own role (a superuser) checks once"
    );
    let rows = import_rows(300);
    let by_plain = import_tally(&db, &plain, "THR-01", &rows);
    let by_super = import_tally(&db, db.store().as_ref(), "MHD-01", &rows);
    assert_eq!(by_plain, by_super);
    assert_eq!(by_plain[5], 300);
    no_rows_left_behind(&db);
}

both_backends! {
    fn households_add_move_and_split_members_with_history(db) {
        use daftar_domain::household::{AddMember, Relationship, SplitHousehold};
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MHD-01");
        let (w, r) = (system_scope(a, Permission::PersonWrite), system_scope(a, Permission::PersonRead));
        let p = |name: &str| s.register(&ctx(), &w, &person(name)).unwrap();
        let (father, wife, son, daughter_in_law, cousin) = (p("رحیم"), p("فاطمه"), p("احمد"), p("مریم"), p("یوسف"));
        let h = s.create_household(&ctx(), &w, father.id).unwrap();
        assert_eq!(h.members.len(), 1);
        assert_eq!(h.members[0].relationship, Relationship::Head);
        let add = |id, who: &daftar_domain::person::Person, rel: &str, mv: bool| {
            s.add_household_member(&ctx(), &w, id, &AddMember::parse(None, &who.registry_no.to_lowercase(), rel, mv)?, None)
        };
        add(h.household.id, &wife, "spouse", false).unwrap();
        add(h.household.id, &son, "child", false).unwrap();
        let view = add(h.household.id, &daughter_in_law, "other_relative", false).unwrap();
        let rels: Vec<_> = view.members.iter().map(|m| m.relationship).collect();
        assert_eq!(rels[0], Relationship::Head, "head first");
        assert_eq!(view.members.len(), 4);
        assert_eq!(add(h.household.id, &son, "child", false).unwrap_err().code, "household.member.already");
        assert_eq!(add(h.household.id, &cousin, "head", false).unwrap_err().code, "household.relationship.head");
        // A second household; taking its member needs `move`, and a head cannot be moved.
        let h2 = s.create_household(&ctx(), &w, cousin.id).unwrap();
        assert_eq!(s.create_household(&ctx(), &w, wife.id).unwrap_err().code, "household.member.taken");
        assert_eq!(add(h2.household.id, &wife, "other", false).unwrap_err().code, "household.member.taken");
        assert_eq!(add(h2.household.id, &father, "other", true).unwrap_err().code, "household.member.head");
        let moved = add(h2.household.id, &wife, "other", true).unwrap();
        assert_eq!(moved.members.len(), 2);
        add(h.household.id, &wife, "spouse", true).unwrap();
        // The son splits off with his wife.
        let split = SplitHousehold::parse(vec![son.id, daughter_in_law.id], Some(son.id)).unwrap();
        let new = s.split_household(&ctx(), &w, h.household.id, &split, None).unwrap();
        assert_eq!(new.household.head_person_id, son.id);
        assert_eq!(new.members.len(), 2);
        let old = s.get_household(&ctx(), &r, h.household.id).unwrap();
        let left: Vec<_> = old.members.iter().map(|m| m.person.id).collect();
        assert_eq!(left, vec![father.id, wife.id]);
        assert_eq!(s.person_household(&ctx(), &r, son.id).unwrap(), Some(new.household.id));
        let bad = SplitHousehold::parse(vec![father.id], Some(father.id)).unwrap();
        assert_eq!(s.split_household(&ctx(), &w, h.household.id, &bad, None).unwrap_err().code, "household.split.head");
        let bad = SplitHousehold::parse(vec![cousin.id], Some(cousin.id)).unwrap();
        assert_eq!(s.split_household(&ctx(), &w, h.household.id, &bad, None).unwrap_err().code, "household.split.not_member");
        let list = s.list_households(&ctx(), &r, PageRequest::default()).unwrap();
        assert_eq!(list.total, 3);
        let counts: Vec<u64> = list.items.iter().map(|h| h.members).collect();
        assert_eq!(counts.iter().sum::<u64>(), 5, "every person in exactly one household");
        // Another office sees none of it.
        let rb = system_scope(b, Permission::PersonRead);
        assert_eq!(s.get_household(&ctx(), &rb, h.household.id).unwrap_err().code, "household.not_found");
        let wb = system_scope(b, Permission::PersonWrite);
        assert_eq!(s.create_household(&ctx(), &wb, son.id).unwrap_err().code, "person.not_found");
        let acts = actions(s.as_ref());
        for a in ["household.create", "household.member.add", "household.member.move", "household.split", "household.read", "household.list", "household.lookup"] {
            assert!(acts.iter().any(|x| x == a), "{a} audited");
        }
    }
}

both_backends! {
    fn review_merges_keep_both_records_and_can_be_undone(db) {
        use daftar_domain::review::{Decision, NewSuspect, SuspectStatus};
        use daftar_domain::permission::Reach;
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MHD-01");
        let w = system_scope(a, Permission::PersonWrite);
        let r = system_scope(a, Permission::PersonRead);
        let one = s.register(&ctx(), &w, &person("نجیب‌الله")).unwrap();
        let two = s.register(&ctx(), &w, &person("نجيب الله")).unwrap();
        let three = s.register(&ctx(), &w, &person("Najibullah")).unwrap();
        let far = s.register(&ctx(), &system_scope(b, Permission::PersonWrite), &person("نجیب")).unwrap();
        let pair = |x: &daftar_domain::person::Person, y: &daftar_domain::person::Person| NewSuspect { a: x.id, b: y.id, score: 7.5, reasons: Default::default(), source: "batch" };
        assert_eq!(s.add_suspects(&ctx(), &[pair(&one, &two), pair(&two, &one), pair(&two, &three), pair(&one, &far)]).unwrap(), 3, "a pair is stored once, in either order");
        let mine = Reach::Office(system_scope(a, Permission::PersonMerge));
        let open = s.list_suspects(&ctx(), &mine, SuspectStatus::Open, PageRequest::default()).unwrap();
        assert_eq!(open.total, 2, "the cross-office pair is not in one office's queue");
        let all = s.list_suspects(&ctx(), &system_reach(Permission::PersonMerge), SuspectStatus::Open, PageRequest::default()).unwrap();
        assert_eq!(all.total, 3);
        assert_eq!(s.list_suspects(&ctx(), &Reach::Office(r), SuspectStatus::Open, PageRequest::default()).unwrap_err().code, "auth.forbidden");
        // The home page's count (issue 21.10) agrees with the queue and is not audited.
        let rows = |s: &dyn daftar_domain::store::Store| s.audit_page(&daftar_domain::store::AuditFilter::default(), PageRequest { page: 1, per_page: 1 }).unwrap().total;
        let before = rows(s.as_ref());
        assert_eq!(s.count_suspects(&mine, SuspectStatus::Open).unwrap(), 2);
        assert_eq!(s.count_suspects(&system_reach(Permission::PersonMerge), SuspectStatus::Open).unwrap(), 3);
        assert_eq!(s.count_suspects(&mine, SuspectStatus::Merged).unwrap(), 0);
        assert_eq!(s.count_suspects(&Reach::Office(r), SuspectStatus::Open).unwrap_err().code, "auth.forbidden");
        assert_eq!(rows(s.as_ref()), before);
        let p12 = open.items.iter().find(|x| [x.a.id, x.b.id].contains(&one.id)).unwrap().id;
        let p23 = open.items.iter().find(|x| [x.a.id, x.b.id].contains(&three.id)).unwrap().id;
        let in_check = |id| s.person_candidates(&ctx(), &Reach::Office(r), &daftar_testkit::probe(&person("نجیب الله")), 10).unwrap().candidates.iter().any(|c| c.person.id == id);
        assert!(in_check(two.id), "a candidate before the merge");
        let merge = |survivor| Decision::Merge { survivor };
        assert_eq!(s.decide_suspect(&ctx(), &mine, p12, merge(three.id)).unwrap_err().code, "review.survivor.invalid");
        let done = s.decide_suspect(&ctx(), &mine, p12, merge(one.id)).unwrap();
        assert_eq!((done.status, done.survivor), (SuspectStatus::Merged, Some(one.id)));
        assert_eq!(s.decide_suspect(&ctx(), &mine, p12, merge(one.id)).unwrap_err().code, "review.decided");
        // The merged record leaves lists, search and the duplicate check, but is kept.
        let listed: Vec<_> = s.list_persons(&ctx(), &r, PageRequest::default()).unwrap().items.into_iter().map(|p| p.id).collect();
        assert!(!listed.contains(&two.id) && listed.contains(&one.id));
        assert_eq!(s.get_person(&ctx(), &r, two.id).unwrap().person.id, two.id, "still readable by id");
        assert!(s.search_persons(&ctx(), &r, &two.registry_no, PageRequest::default()).unwrap().items.is_empty());
        let found = s.person_candidates(&ctx(), &Reach::Office(r), &daftar_testkit::probe(&person("نجیب الله")), 10).unwrap();
        assert!(found.candidates.iter().all(|c| c.person.id != two.id));
        // A record merged away cannot be merged again until the merge is undone.
        assert_eq!(s.decide_suspect(&ctx(), &mine, p23, merge(three.id)).unwrap_err().code, "review.already_merged");
        let undone = s.unmerge(&ctx(), &mine, p12).unwrap();
        assert_eq!((undone.status, undone.survivor), (SuspectStatus::Open, None));
        assert_eq!(s.unmerge(&ctx(), &mine, p12).unwrap_err().code, "review.not_merged");
        assert!(s.list_persons(&ctx(), &r, PageRequest::default()).unwrap().items.iter().any(|p| p.id == two.id), "back after unmerge");
        assert!(in_check(two.id), "back in the duplicate check after unmerge");
        let distinct = s.decide_suspect(&ctx(), &mine, p23, Decision::Distinct).unwrap();
        assert_eq!(distinct.status, SuspectStatus::Distinct);
        // Another office's reviewer cannot see or decide this office's pairs.
        let theirs = Reach::Office(system_scope(b, Permission::PersonMerge));
        assert_eq!(s.unmerge(&ctx(), &theirs, p12).unwrap_err().code, "review.not_found");
        let acts = actions(s.as_ref());
        for a in ["review.suspects.add", "review.list", "review.merge", "review.unmerge", "review.distinct"] {
            assert!(acts.iter().any(|x| x == a), "{a} audited");
        }
        assert_eq!(s.dedupe_persons(&ctx(), Some(a)).unwrap().len(), 3);
    }
}

/// `sslmode`/`sslrootcert` in the URL: the connection is encrypted and the server's certificate
/// verified. Uses the local server's own certificate (Debian's `ssl-cert-snakeoil`, issued to
/// `localhost`) as the CA: with it the connection is TLS; with other CAs, or under a name the
/// certificate does not carry, it is refused.
#[test]
fn postgres_tls_is_verified() {
    use daftar_store::postgres::PgDb;
    const CA: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
    let Some(url) = daftar_testkit::test_database_url() else {
        assert!(
            !daftar_testkit::in_ci(),
            "CI=true but TEST_DATABASE_URL is not set"
        );
        daftar_testkit::skip("PostgreSQL TLS: TEST_DATABASE_URL not set");
        return;
    };
    let Some(rest) = url
        .split_once("@127.0.0.1")
        .or_else(|| url.split_once("@localhost"))
    else {
        daftar_testkit::skip("PostgreSQL TLS: the test server is not on this machine");
        return;
    };
    let at = |host: &str, query: &str| format!("{}@{host}{}?{query}", rest.0, rest.1);
    let plain = PgDb::open(&url).expect("plain connection");
    let server_ssl = plain
        .read(|tx| tx.query_one("SHOW ssl", &[])?.text(0))
        .unwrap();
    if server_ssl != "on" || !std::path::Path::new(CA).exists() {
        daftar_testkit::skip(format!(
            "PostgreSQL TLS: the server has no TLS or {CA} is missing"
        ));
        return;
    }
    let in_tls = |db: &PgDb| {
        db.read(|tx| {
            tx.query_one(
                "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                &[],
            )?
            .bool(0)
        })
        .unwrap()
    };
    assert!(!in_tls(&plain), "no sslmode: plain, as before");

    let tls = PgDb::open(&at(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={CA}"),
    ))
    .expect("TLS with the server's CA");
    assert!(in_tls(&tls), "the connection is encrypted");
    let require = PgDb::open(&at(
        "localhost",
        &format!("sslmode=require&sslrootcert={CA}"),
    ));
    assert!(in_tls(&require.unwrap()));

    // The public CAs do not vouch for the server's self-issued certificate. (Not the system
    // roots themselves here: Debian's certificate directory holds the snakeoil certificate too.)
    const PUBLIC_CAS: &str = "/etc/ssl/certs/ca-certificates.crt";
    if std::path::Path::new(PUBLIC_CAS).exists() {
        let err = PgDb::open(&at(
            "localhost",
            &format!("sslmode=require&sslrootcert={PUBLIC_CAS}"),
        ))
        .err()
        .expect("unknown issuer");
        assert!(err.to_string().contains("cannot connect"), "{err}");
    }
    let err = PgDb::open(&at(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={CA}"),
    ))
    .err()
    .expect("the certificate names localhost, not 127.0.0.1");
    assert!(err.to_string().contains("cannot connect"), "{err}");
}

both_backends! {
    // "Who saw my record" (issue 20.5): every read of a person's record, a list or search that
    // showed them, and reads of their household, with the acting office and role and never the
    // staff member's name; another person's reads and another office's lists stay out.
    fn a_persons_access_log_shows_every_read_of_their_record(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MHD-01");
        let (w, r) = (system_scope(a, Permission::PersonWrite), system_scope(a, Permission::PersonRead));
        let me = s.register(&ctx(), &w, &person("نجیب")).unwrap();
        let other = s.register(&ctx(), &w, &person("یوسف")).unwrap();
        s.register(&ctx(), &system_scope(b, Permission::PersonWrite), &person("نجیب")).unwrap();
        let clerk = user(s.as_ref(), "clerk.log", "clerk", Some(a));
        let as_clerk = AuditCtx { actor_id: Some(clerk), actor: "clerk.log".into(), office_id: Some(a), purpose: "service".into(), request_id: "r1".into() };
        s.get_person(&as_clerk, &r, me.id).unwrap();
        s.get_person(&as_clerk, &r, other.id).unwrap();
        s.list_persons(&as_clerk, &r, PageRequest::default()).unwrap();
        s.search_persons(&as_clerk, &r, "یوسف", PageRequest::default()).unwrap();
        s.list_persons(&as_clerk, &system_scope(b, Permission::PersonRead), PageRequest::default()).unwrap();
        let h = s.create_household(&as_clerk, &w, me.id).unwrap();
        s.get_household(&as_clerk, &r, h.household.id).unwrap();
        let log = s.person_access_log(&ctx(), &r, me.id, PageRequest { page: 1, per_page: 100 }).unwrap();
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        for seen in ["person.create", "person.read", "person.list", "household.create", "household.read"] {
            assert!(actions.contains(&seen), "{seen} in {actions:?}");
        }
        assert!(!actions.contains(&"person.search"), "a search that did not show them: {actions:?}");
        assert_eq!(actions.iter().filter(|a| **a == "person.read").count(), 1, "the other person's read stays out: {actions:?}");
        assert_eq!(actions.iter().filter(|a| **a == "person.list").count(), 1, "the other office's list stays out: {actions:?}");
        let read = log.items.iter().find(|e| e.action == "person.read").unwrap();
        assert_eq!((read.office_code.as_str(), read.role.as_str(), read.purpose.as_str()), ("THR-01", "clerk", "service"));
        assert!(log.items.windows(2).all(|w| w[0].at >= w[1].at), "newest first");
        assert!(!serde_json::to_string(&log.items).unwrap().contains("clerk.log"), "no staff name");
        // Viewing the log is itself a read that the next view shows; other offices cannot ask.
        let again = s.person_access_log(&ctx(), &r, me.id, PageRequest { page: 1, per_page: 100 }).unwrap();
        assert!(again.items.iter().any(|e| e.action == "person.access_log"));
        assert_eq!(again.total, log.total + 1);
        let e = s.person_access_log(&ctx(), &system_scope(b, Permission::PersonRead), me.id, PageRequest::default()).unwrap_err();
        assert_eq!(e.code, "person.not_found");
        assert_eq!(s.person_access_log(&ctx(), &w, me.id, PageRequest::default()).unwrap_err().code, "auth.forbidden");
        // Sealed rows count as well as waiting ones.
        s.seal_audit().unwrap();
        assert_eq!(s.person_access_log(&ctx(), &r, me.id, PageRequest { page: 1, per_page: 100 }).unwrap().total, again.total + 1);
    }
}
