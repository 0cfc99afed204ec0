//! The notifications outbox on SQLite and PostgreSQL: notices written by the events themselves
//! (a round's invitations, an appointment's reminder and its replacement, a case's decision, the
//! credentials ready to collect), planned by locale and opt-out, claimed by one worker at a time
//! (a dead worker's claim taken back by its name, or by another after the lease), retried with
//! backoff, listed for the office without addresses, and every read audited.

use crate::fixtures::{ctx, office};
use crate::rounds::{PHONE, everyone, household, new_round, profile, renew};
use daftar_domain::clock::Clock;
use daftar_domain::ids::PersonId;
use daftar_domain::notify::{Filter, Kind, NewNotice, Outcome, Status};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, system_reach, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_domain::store::{AuditFilter, Store};
use daftar_domain::usecase::open_case::OpenCase;
use daftar_testkit::{Register, both_backends};

fn page() -> PageRequest {
    PageRequest {
        page: 1,
        per_page: 100,
    }
}

fn audited(s: &dyn Store, action: &str) -> u64 {
    s.audit_page(
        &AuditFilter {
            action_prefix: Some(action.into()),
            ..Default::default()
        },
        page(),
    )
    .unwrap()
    .total
}

/// Every notice of the office as (kind, status, person).
fn notices(s: &dyn Store, o: daftar_domain::ids::OfficeId) -> Vec<(Kind, Status, PersonId)> {
    s.office_notices(
        &ctx(),
        &system_scope(o, Permission::PersonRead),
        &Filter::default(),
        page(),
    )
    .unwrap()
    .items
    .into_iter()
    .map(|n| (n.kind, n.status, n.person_id))
    .collect()
}

fn person(
    s: &dyn Store,
    o: daftar_domain::ids::OfficeId,
    name: &str,
    nationality: &str,
    phone: &str,
) -> PersonId {
    s.register(
        &ctx(),
        &system_scope(o, Permission::PersonWrite),
        &PersonDraft {
            given_name: name.into(),
            family_name: "رضایی".into(),
            father_name: "علی".into(),
            birth_date: Some("1985-03-04".into()),
            sex: Sex::Male,
            nationality: nationality.into(),
            phone: phone.into(),
            ..PersonDraft::default()
        },
    )
    .unwrap()
    .id
}

fn notice(p: PersonId, kind: Kind) -> NewNotice {
    let mut params = serde_json::Map::new();
    params.insert("round".into(), "طرح".into());
    NewNotice {
        person: p,
        kind,
        subject: "s".into(),
        params,
        due: Clock::default().now() - time::Duration::seconds(1),
    }
}

fn prefs(opted_out: bool, locale: Option<&str>) -> daftar_domain::notify::Prefs {
    daftar_domain::notify::Prefs {
        opted_out,
        locale: locale.map(str::to_owned),
        email: None,
    }
}

both_backends! {
    fn events_write_their_notices_in_their_own_transactions(db) {
        let s = db.store();
        let cal = profile(s.as_ref());
        let today = Clock::default().today();
        let o = office(s.as_ref(), "THR-01");
        let (head, others) = household(s.as_ref(), o, "NT");
        // The round: one invitation for the household, to its head, in Dari (an Afghan national).
        s.open_round(&ctx(), &system_reach(Permission::RoundManage), &new_round("تمدید", today, everyone(), "")).unwrap();
        assert_eq!(notices(s.as_ref(), o), vec![(Kind::RoundInvitation, Status::Pending, head.id)]);
        let (mine, p) = s
            .person_notices(&ctx(), &system_scope(o, Permission::PersonRead), head.id)
            .unwrap();
        assert_eq!((p.opted_out, p.locale, p.email), (false, None, None));
        assert_eq!(mine[0].locale, "fa-AF");
        assert_eq!(mine[0].address.as_deref(), Some(PHONE));
        assert_eq!(audited(s.as_ref(), "notify.read"), 1);
        // Another office's scope does not reach the person.
        let other = office(s.as_ref(), "THR-02");
        assert_eq!(
            s.person_notices(&ctx(), &system_scope(other, Permission::PersonRead), head.id).unwrap_err().code,
            "person.not_found"
        );

        // An appointment: a reminder the evening before; moving it cancels the old one.
        let write = system_scope(o, Permission::PersonWrite);
        let cmd = OpenCase::parse("registration_status_certificate", &others[0].id.to_string(), false, false, None, "").unwrap();
        let case = s.open_case(&ctx(), &write, &cmd, &cal, today).unwrap().case;
        let day = today + time::Duration::days(5);
        s.book_appointment(&ctx(), &write, case.id, day, "09:00", 10).unwrap();
        s.book_appointment(&ctx(), &write, case.id, day + time::Duration::days(1), "10:00", 10).unwrap();
        let reminders: Vec<_> = s
            .person_notices(&ctx(), &system_scope(o, Permission::PersonRead), others[0].id)
            .unwrap()
            .0
            .into_iter()
            .filter(|n| n.kind == Kind::AppointmentReminder)
            .collect();
        assert_eq!(reminders.len(), 2);
        let statuses: Vec<Status> = reminders.iter().map(|n| n.status).collect();
        assert!(statuses.contains(&Status::Cancelled) && statuses.contains(&Status::Pending), "{statuses:?}");
        let pending = reminders.iter().find(|n| n.status == Status::Pending).unwrap();
        // 18:00 office time (UTC in tests) the day before the new date.
        assert_eq!(pending.next_attempt_at.date(), day);
        assert_eq!(pending.next_attempt_at.hour(), 18);

        // Booked before the outbox existed: the backfill (migration 0032's, run by `migrate`)
        // writes the missing reminder once, and only for appointments still to come.
        db.sql().execute_raw("DELETE FROM outbox WHERE kind = 'appointment_reminder'").unwrap();
        db.sql().execute_raw("INSERT INTO store_backfills (name) VALUES ('appointment_reminders')").unwrap();
        s.migrate().unwrap();
        let again = |s: &dyn Store| -> Vec<_> {
            s.person_notices(&ctx(), &system_scope(o, Permission::PersonRead), others[0].id)
                .unwrap()
                .0
                .into_iter()
                .filter(|n| n.kind == Kind::AppointmentReminder)
                .collect()
        };
        let back = again(s.as_ref());
        assert_eq!(back.len(), 1, "{back:?}");
        assert_eq!((back[0].status, back[0].next_attempt_at), (Status::Pending, pending.next_attempt_at));
        s.migrate().unwrap();
        assert_eq!(again(s.as_ref()).len(), 1, "once only");

        // A renewal approved and issued: the decision (legally required) and "ready to collect".
        renew(s.as_ref(), o, &head, &cal, today);
        let kinds: Vec<(Kind, Status)> = notices(s.as_ref(), o)
            .into_iter()
            .filter(|n| n.2 == head.id)
            .map(|n| (n.0, n.1))
            .collect();
        assert!(kinds.contains(&(Kind::CaseDecision, Status::Pending)), "{kinds:?}");
        assert!(kinds.contains(&(Kind::CredentialReady, Status::Pending)), "{kinds:?}");
        assert_eq!(kinds.iter().filter(|k| k.0 == Kind::CaseDecision).count(), 1);
    }
}

both_backends! {
    fn claims_are_exclusive_retried_with_backoff_and_respect_opt_outs(db) {
        let s = db.store();
        let o = office(s.as_ref(), "THR-01");
        let write = system_scope(o, Permission::PersonWrite);
        let a = person(s.as_ref(), o, "احمد", "AFG", "0912000001");
        let b = person(s.as_ref(), o, "بهرام", "IRN", "0912000002");
        let c = person(s.as_ref(), o, "کاوه", "IRN", "");
        s.set_notify_prefs(&ctx(), &write, b, &prefs(true, Some("ps"))).unwrap();
        assert_eq!(audited(s.as_ref(), "notify.prefs"), 1);
        assert_eq!(
            s.set_notify_prefs(&ctx(), &system_scope(office(s.as_ref(), "THR-09"), Permission::PersonWrite), b, &prefs(false, None)).unwrap_err().code,
            "person.not_found"
        );
        let n = s
            .enqueue_notices(&[
                notice(a, Kind::RoundInvitation),
                notice(b, Kind::RoundInvitation),
                notice(b, Kind::CaseDecision),
                notice(c, Kind::CredentialReady),
            ])
            .unwrap();
        assert_eq!(n, 4);
        let all = notices(s.as_ref(), o);
        let status = |p: PersonId, k: Kind| all.iter().find(|n| n.2 == p && n.0 == k).unwrap().1;
        assert_eq!(status(b, Kind::RoundInvitation), Status::OptedOut);
        assert_eq!(status(b, Kind::CaseDecision), Status::Pending, "legally required");
        assert_eq!(status(c, Kind::CredentialReady), Status::Failed, "no phone");

        let lease = time::Duration::minutes(5);
        let first = s.claim_notices("w1", 10, lease).unwrap();
        assert_eq!(first.len(), 2);
        assert!(first.iter().all(|c| c.attempts == 1));
        let pashto = first.iter().find(|c| c.kind == Kind::CaseDecision).unwrap();
        assert_eq!((pashto.locale.as_str(), pashto.address.as_str()), ("ps", "0912000002"));
        // Another worker gets nothing while w1 holds them; w1 after a restart takes them back.
        assert!(s.claim_notices("w2", 10, lease).unwrap().is_empty());
        let again = s.claim_notices("w1", 10, lease).unwrap();
        assert_eq!(again.len(), 2);
        assert!(again.iter().all(|c| c.attempts == 2));
        // ... and any worker once the lease is over.
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(s.claim_notices("w2", 10, time::Duration::ZERO).unwrap().len(), 2);
        // w1's late outcome is ignored: the rows are w2's now.
        assert_eq!(s.finish_notices("w1", &[(first[0].id.clone(), Outcome::Sent)]).unwrap(), 0);
        let (sent, failed) = (&again[0], &again[1]);
        s.finish_notices(
            "w2",
            &[(sent.id.clone(), Outcome::Sent), (failed.id.clone(), Outcome::Failed("gateway: HTTP 503".into()))],
        )
        .unwrap();
        let rows = s
            .office_notices(&ctx(), &system_scope(o, Permission::PersonRead), &Filter::default(), page())
            .unwrap()
            .items;
        let sent_row = rows.iter().find(|n| n.id == sent.id).unwrap();
        assert_eq!(sent_row.status, Status::Sent);
        assert!(sent_row.sent_at.is_some());
        assert_eq!(sent_row.address, None, "no address in a list");
        let failed_row = rows.iter().find(|n| n.id == failed.id).unwrap();
        assert_eq!((failed_row.status, failed_row.last_error.as_str()), (Status::Pending, "gateway: HTTP 503"));
        assert!(failed_row.next_attempt_at > Clock::default().now(), "retried later");
        assert!(s.claim_notices("w1", 10, lease).unwrap().is_empty(), "not before its time");

        // Opting out after a notice was written: a courtesy notice is not sent.
        let late = s.enqueue_notices(&[notice(a, Kind::CredentialReady)]).unwrap();
        assert_eq!(late, 1);
        s.set_notify_prefs(&ctx(), &write, a, &prefs(true, None)).unwrap();
        assert!(s.claim_notices("w1", 10, lease).unwrap().is_empty());
        let by_status = |st: Status| {
            s.office_notices(&ctx(), &system_scope(o, Permission::PersonRead), &Filter { status: Some(st), kind: None }, page())
                .unwrap()
                .total
        };
        assert_eq!(by_status(Status::OptedOut), 2);
        assert_eq!(by_status(Status::Sent), 1);
        let counts = s.notice_counts().unwrap();
        assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 5);
        assert!(audited(s.as_ref(), "notify.list") >= 3);
    }
}
