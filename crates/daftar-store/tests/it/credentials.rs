//! Credential records on SQLite and on PostgreSQL: keys (rotation demotes, retiring needs a
//! rotated-out key, the trust list version moves, two nodes rotating at once are serialised), issuing (repeatable per case, person and
//! kind), office scoping of reads, revocation (reach, reason, once only, status list full and
//! delta), share codes (scope, cancel by office or holder token, checks and the lock count).

use crate::fixtures::{ctx, office};
use daftar_domain::credential::{
    IssuerKey, KeyRole, KeyState, NewCredential, NewShareCode, SHARE_MAX_FAILURES, ShareCheck,
    VerifierType,
};
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::permission::{Permission, system_reach, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_domain::service::CredentialKind;
use daftar_domain::store::{ShareAccess, Store};
use daftar_testkit::Register;
use daftar_testkit::both_backends;
use time::{Duration, OffsetDateTime};

fn person(s: &dyn Store, office: OfficeId) -> PersonId {
    s.register(
        &ctx(),
        &system_scope(office, Permission::PersonWrite),
        &PersonDraft {
            given_name: "مریم".into(),
            family_name: "احمدی".into(),
            father_name: "علی".into(),
            birth_date: Some("1370/05/12".into()),
            sex: Sex::Female,
            nationality: "AFG".into(),
            ..PersonDraft::default()
        },
    )
    .unwrap()
    .id
}

fn key(kid: &str, role: KeyRole) -> IssuerKey {
    IssuerKey {
        kid: kid.into(),
        role,
        public_key: format!("{kid}{}", "0".repeat(56)),
        sealed: vec![1, 2, 3],
        state: KeyState::Active,
        created_at: OffsetDateTime::now_utc(),
        changed_at: None,
    }
}

fn credential(id: &str, office: OfficeId, p: PersonId, days: i64) -> NewCredential {
    let now = OffsetDateTime::now_utc();
    NewCredential {
        id: id.into(),
        person_id: p,
        case_id: None,
        office_id: office,
        issuer: "IR/THR-01".into(),
        kind: CredentialKind::RegistrationCard,
        not_before: now - Duration::days(1),
        expires: now + Duration::days(days),
        fields: [("given_name".to_owned(), "مریم".to_owned())].into(),
    }
}

both_backends! {
    fn keys_rotate_and_retire(db) {
        let s = db.store();
        assert_eq!(s.list_version("trust").unwrap(), 0);
        s.add_key(&ctx(), &key("aaaa0001", KeyRole::Root)).unwrap();
        s.add_key(&ctx(), &key("bbbb0001", KeyRole::Issuer)).unwrap();
        s.add_key(&ctx(), &key("bbbb0002", KeyRole::Issuer)).unwrap();
        let keys = s.keys().unwrap();
        let state = |kid: &str| keys.iter().find(|k| k.kid == kid).unwrap().state;
        // Rotation demoted the older issuer key; the root key is untouched.
        assert_eq!(state("bbbb0001"), KeyState::VerifyOnly);
        assert_eq!(state("bbbb0002"), KeyState::Active);
        assert_eq!(state("aaaa0001"), KeyState::Active);
        assert_eq!(keys.iter().find(|k| k.kid == "bbbb0002").unwrap().sealed, vec![1, 2, 3]);
        assert_eq!(s.list_version("trust").unwrap(), 3);
        // The signing key cannot be retired; the rotated-out one can, once.
        assert_eq!(s.retire_key(&ctx(), "bbbb0002").unwrap_err().code, "key.active");
        assert_eq!(s.retire_key(&ctx(), "BBBB0001").unwrap().state, KeyState::Retired);
        assert_eq!(s.retire_key(&ctx(), "bbbb0001").unwrap_err().code, "key.retired");
        assert_eq!(s.retire_key(&ctx(), "ffffffff").unwrap_err().code, "key.not_found");
        assert_eq!(s.list_version("trust").unwrap(), 4);
        assert_eq!(s.add_key(&ctx(), &key("bbbb0002", KeyRole::Issuer)).unwrap_err().code, "key.kid.taken");
    }

    fn two_nodes_rotating_at_once_keep_one_active_key_per_role(db) {
        // Two nodes changing keys at once decide one after the other (`rotate_keys` over the
        // keys read after the trust list's row is taken): never two root keys, never two
        // active issuer keys.
        let (s, t) = (db.store(), db.second_store());
        let both = |x: IssuerKey, y: IssuerKey| {
            std::thread::scope(|sc| {
                let a = sc.spawn(|| s.add_key(&ctx(), &x));
                let b = sc.spawn(|| t.add_key(&ctx(), &y));
                [a.join().unwrap(), b.join().unwrap()]
            })
        };
        let roots = both(key("aaaa0001", KeyRole::Root), key("aaaa0002", KeyRole::Root));
        assert_eq!(roots.iter().filter(|r| r.is_ok()).count(), 1, "{roots:?}");
        assert!(roots.iter().any(|r| r.as_ref().is_err_and(|e| e.code == "key.root.exists")), "{roots:?}");
        for round in 0..8 {
            let issuers = both(key(&format!("bbbb1{round:03}"), KeyRole::Issuer), key(&format!("bbbb2{round:03}"), KeyRole::Issuer));
            assert!(issuers.iter().all(Result::is_ok), "{issuers:?}");
        }
        let keys = s.keys().unwrap();
        let active = |role| keys.iter().filter(|k| k.role == role && k.state == KeyState::Active).count();
        assert_eq!((active(KeyRole::Root), active(KeyRole::Issuer)), (1, 1), "{keys:?}");
        assert_eq!(keys.iter().filter(|k| k.role == KeyRole::Issuer && k.state == KeyState::VerifyOnly).count(), 15);
        // Every change moved the trust list's version once.
        assert_eq!(s.list_version("trust").unwrap(), 17);
    }

    fn issue_read_in_scope_and_revoke(db) {
        let s = db.store();
        let (a, b) = (office(s.as_ref(), "THR-01"), office(s.as_ref(), "MHD-01"));
        let p = person(s.as_ref(), a);
        let read_a = system_scope(a, Permission::PersonRead);
        let read_b = system_scope(b, Permission::PersonRead);
        let issued = s
            .issue_credentials(&ctx(), &[credential("00112233445566aa", a, p, 365)])
            .unwrap();
        assert_eq!(issued[0].fields["given_name"], "مریم");
        assert_eq!(issued[0].cti(), vec![0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0xaa]);
        assert_eq!(s.person_credentials(&ctx(), &read_a, p).unwrap().len(), 1);
        // Another office sees neither the person's credentials nor the credential.
        assert_eq!(s.person_credentials(&ctx(), &read_b, p).unwrap_err().code, "person.not_found");
        assert_eq!(
            s.get_credential(&ctx(), &read_b, "00112233445566aa").unwrap_err().code,
            "credential.not_found"
        );
        assert_eq!(s.get_credential(&ctx(), &read_a, "00112233445566AA").unwrap().id, "00112233445566aa");
        assert_eq!(s.credential_revoked("00112233445566aa").unwrap(), Some(false));
        assert_eq!(s.credential_revoked("not-an-id").unwrap(), None);

        // Revocation: the permission, the office, a reason; once.
        let revoke_b = daftar_domain::permission::Reach::Office(system_scope(b, Permission::CredentialRevoke));
        let revoke_all = system_reach(Permission::CredentialRevoke);
        assert_eq!(
            s.revoke_credential(&ctx(), &system_reach(Permission::PersonWrite), "00112233445566aa", "x").unwrap_err().code,
            "auth.forbidden"
        );
        assert_eq!(s.revoke_credential(&ctx(), &revoke_b, "00112233445566aa", "lost").unwrap_err().code, "credential.not_found");
        assert_eq!(s.revoke_credential(&ctx(), &revoke_all, "00112233445566aa", "  ").unwrap_err().code, "credential.reason.invalid");
        let (v0, none) = s.revoked_since(0, OffsetDateTime::now_utc()).unwrap();
        assert!(none.is_empty());
        let r = s.revoke_credential(&ctx(), &revoke_all, "00112233445566aa", "card reported stolen").unwrap();
        assert!(r.revoked_at.is_some());
        assert_eq!(s.credential_revoked("00112233445566aa").unwrap(), Some(true));
        assert_eq!(s.revoke_credential(&ctx(), &revoke_all, "00112233445566aa", "again").unwrap_err().code, "credential.revoked");
        // The status list: the full list and the delta since the earlier version both hold it;
        // a delta from the current version is empty; an expired revoked credential leaves the
        // full list but not a delta.
        let (v1, full) = s.revoked_since(0, OffsetDateTime::now_utc()).unwrap();
        assert_eq!((v1, full.clone()), (v0 + 1, vec!["00112233445566aa".to_owned()]));
        assert_eq!(s.revoked_since(v0, OffsetDateTime::now_utc()).unwrap().1, full);
        assert!(s.revoked_since(v1, OffsetDateTime::now_utc()).unwrap().1.is_empty());
        let later = OffsetDateTime::now_utc() + Duration::days(400);
        assert!(s.revoked_since(0, later).unwrap().1.is_empty());
    }

    fn issuing_twice_for_a_case_keeps_the_first(db) {
        use daftar_domain::usecase::open_case::OpenCase;
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let p = person(s.as_ref(), a);
        // A case row to hang the credential on (issuing is keyed by case, person and kind).
        let catalog = daftar_domain::service::Catalog::from_toml(include_str!("../../../../profiles/ir/services.toml")).unwrap();
        s.load_catalog(&ctx(), &catalog).unwrap();
        let cal_profile = daftar_domain::calendar::CalendarProfile::from_toml(include_str!("../../../../profiles/ir/calendar.toml")).unwrap();
        s.load_holidays(&ctx(), &cal_profile.holidays).unwrap();
        let cal = cal_profile.with_holidays(s.holidays().unwrap()).unwrap();
        let today = time::macros::date!(2026 - 01 - 10);
        let case = s
            .open_case(
                &ctx(),
                &system_scope(a, Permission::PersonWrite),
                &OpenCase::parse("registration_status_certificate", &p.to_string(), false, false, None, "").unwrap(),
                &cal,
                today,
            )
            .unwrap()
            .case
            .id;
        let mut first = credential("0000000000000001", a, p, 30);
        first.case_id = Some(case);
        let mut second = credential("0000000000000002", a, p, 30);
        second.case_id = Some(case);
        let one = s.issue_credentials(&ctx(), &[first]).unwrap();
        let again = s.issue_credentials(&ctx(), &[second]).unwrap();
        assert_eq!(one[0].id, "0000000000000001");
        assert_eq!(again[0].id, "0000000000000001", "the case's credential is kept");
        assert_eq!(s.person_credentials(&ctx(), &system_scope(a, Permission::PersonRead), p).unwrap().len(), 1);
    }

    fn share_codes_scope_cancel_checks_and_lock(db) {
        let s = db.store();
        let (a, b) = (office(s.as_ref(), "THR-01"), office(s.as_ref(), "MHD-01"));
        let p = person(s.as_ref(), a);
        s.issue_credentials(&ctx(), &[credential("00000000000000c1", a, p, 365)]).unwrap();
        let new = |code: &str, manage: &str| NewShareCode {
            code_hash: code.into(),
            manage_hash: manage.into(),
            person_id: p,
            credential_id: "00000000000000c1".into(),
            verifier: VerifierType::Employer,
            expires_at: OffsetDateTime::now_utc() + Duration::days(30),
        };
        let write_a = system_scope(a, Permission::PersonWrite);
        let write_b = system_scope(b, Permission::PersonWrite);
        assert_eq!(s.create_share_code(&ctx(), &write_b, &new("h1", "m1")).unwrap_err().code, "person.not_found");
        assert_eq!(
            s.create_share_code(&ctx(), &system_scope(a, Permission::PersonRead), &new("h1", "m1")).unwrap_err().code,
            "auth.forbidden"
        );
        let share = s.create_share_code(&ctx(), &write_a, &new("h1", "m1")).unwrap();
        assert_eq!(s.create_share_code(&ctx(), &write_a, &new("h1", "m2")).unwrap_err().code, "share.code.taken");
        let now = OffsetDateTime::now_utc();
        // Each check attempt is counted before anything is compared; the answer is the code as
        // it was before the attempt.
        let first = s.share_code_for_check("h1", now).unwrap();
        let (found, birth, cred) = (first.share, first.birth, first.credential);
        assert_eq!((found.id, found.failures), (share.id, 0));
        assert_eq!(birth.unwrap().1, "day");
        assert_eq!(cred.id, "00000000000000c1");
        assert_eq!(s.share_code_for_check("nope", now).unwrap_err().code, "share.not_found");
        let check = |outcome: &str| ShareCheck {
            at: OffsetDateTime::now_utc(),
            verifier: VerifierType::Employer,
            verifier_name: "شرکت نمونه".into(),
            outcome: outcome.into(),
        };
        s.record_share_check(&ctx(), share.id, &check("birth_date_wrong")).unwrap();
        assert_eq!(s.share_code_for_check("h1", now).unwrap().share.failures, 1);
        s.record_share_check(&ctx(), share.id, &check("birth_date_wrong")).unwrap();
        // A shown check clears the count.
        assert_eq!(s.share_code_for_check("h1", now).unwrap().share.failures, 2);
        s.record_share_check(&ctx(), share.id, &check("shown")).unwrap();
        for n in 0..SHARE_MAX_FAILURES {
            let c = s.share_code_for_check("h1", now).unwrap().share;
            assert_eq!(c.failures, n);
            assert!(c.usable(now).is_ok());
            s.record_share_check(&ctx(), share.id, &check("birth_date_wrong")).unwrap();
        }
        // Locked: further attempts are not counted and the code is refused.
        let locked = s.share_code_for_check("h1", now).unwrap().share;
        assert_eq!(locked.failures, SHARE_MAX_FAILURES);
        assert!(locked.locked());
        assert_eq!(locked.usable(now).unwrap_err().code, "share.code.locked");
        assert_eq!(s.share_code_for_check("h1", now).unwrap().share.failures, SHARE_MAX_FAILURES);
        assert_eq!(locked.checks.len(), 3 + SHARE_MAX_FAILURES as usize);
        // The holder reads their own code by token; the office lists it; another office cannot.
        assert_eq!(s.share_code_by_manage(&ctx(), "m1").unwrap().id, share.id);
        assert_eq!(s.share_code_by_manage(&ctx(), "m9").unwrap_err().code, "share.not_found");
        assert_eq!(s.share_codes(&ctx(), &system_scope(a, Permission::PersonRead), p).unwrap().len(), 1);
        assert_eq!(s.share_codes(&ctx(), &system_scope(b, Permission::PersonRead), p).unwrap_err().code, "person.not_found");
        // Cancel: not by another office, not with a wrong token; by the holder; once.
        assert_eq!(s.cancel_share_code(&ctx(), share.id, &ShareAccess::Office(write_b)).unwrap_err().code, "share.not_found");
        assert_eq!(s.cancel_share_code(&ctx(), share.id, &ShareAccess::Holder("m9".into())).unwrap_err().code, "share.not_found");
        let c = s.cancel_share_code(&ctx(), share.id, &ShareAccess::Holder("m1".into())).unwrap();
        assert!(c.cancelled_at.is_some());
        assert_eq!(c.usable(OffsetDateTime::now_utc()).unwrap_err().code, "share.code.cancelled");
        assert_eq!(s.cancel_share_code(&ctx(), share.id, &ShareAccess::Office(write_a)).unwrap_err().code, "share.code.cancelled");
        // A revoked credential gets no new code.
        s.revoke_credential(&ctx(), &system_reach(Permission::CredentialRevoke), "00000000000000c1", "withdrawn").unwrap();
        assert_eq!(s.create_share_code(&ctx(), &write_a, &new("h2", "m2")).unwrap_err().code, "credential.revoked");
    }
}
