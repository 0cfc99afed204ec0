//! Voluntary return on SQLite and PostgreSQL: a wish registered with a household member, seen
//! by its office only; a flagged screening blocks the permit until a protection officer clears
//! it; the departure revokes the persons' active credentials (status list bumped) and nothing
//! before it does; withdrawal from the portal; every step audited with the person as target.

use crate::fixtures::{ctx, office, person};
use daftar_domain::credential::NewCredential;
use daftar_domain::household::AddMember;
use daftar_domain::ids::{OfficeId, PersonId};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach, system_reach, system_scope};
use daftar_domain::profile::Profile;
use daftar_domain::service::CredentialKind;
use daftar_domain::store::{AuditFilter, ReturnAccess, Store};
use daftar_domain::voluntary_return::{
    NewReturn, Permit, ReturnChannel, ReturnState, Review, Screening,
};
use daftar_testkit::both_backends;
use std::collections::BTreeMap;

fn page() -> PageRequest {
    PageRequest {
        page: 1,
        per_page: 50,
    }
}

fn staff(office: OfficeId, p: Permission) -> ReturnAccess {
    ReturnAccess::Staff(Reach::Office(system_scope(office, p)))
}

/// Audit rows of `action` whose target is `person`.
fn audited_for(s: &dyn Store, action: &str, person: PersonId) -> usize {
    s.audit_page(
        &AuditFilter {
            action_prefix: Some(action.into()),
            ..Default::default()
        },
        PageRequest {
            page: 1,
            per_page: 200,
        },
    )
    .unwrap()
    .items
    .iter()
    .filter(|r| {
        r.action == action && r.target_type == "person" && r.target_id == person.to_string()
    })
    .count()
}

/// A head and a child in one household at `o`, the head holding a card valid for a year.
fn family(s: &dyn Store, o: OfficeId) -> (PersonId, PersonId, String) {
    let head: PersonId = person(s, o, "زهرا").parse().unwrap();
    let child: PersonId = person(s, o, "سارا").parse().unwrap();
    let scope = system_scope(o, Permission::PersonWrite);
    let h = s.create_household(&ctx(), &scope, head).unwrap();
    s.add_household_member(
        &ctx(),
        &scope,
        h.household.id,
        &AddMember::parse(Some(child), "", "child", false).unwrap(),
        None,
    )
    .unwrap();
    let now = time::OffsetDateTime::now_utc();
    let card = s
        .issue_credentials(
            &ctx(),
            &[NewCredential {
                id: format!("{:016x}", rand_id(&head)),
                person_id: head,
                case_id: None,
                office_id: o,
                issuer: "IR/THR-01".into(),
                kind: CredentialKind::RegistrationCard,
                not_before: now,
                expires: now + time::Duration::days(365),
                fields: BTreeMap::new(),
            }],
        )
        .unwrap();
    (head, child, card[0].id.clone())
}

/// A credential id from a person id (16 hex digits, distinct per person).
fn rand_id(p: &PersonId) -> u64 {
    p.to_string()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        })
}

fn answers(profile: &Profile, flag: Option<&str>) -> Screening {
    let a: BTreeMap<String, bool> = profile
        .voluntary_return
        .questions
        .iter()
        .map(|q| (q.code.clone(), Some(q.code.as_str()) == flag))
        .collect();
    Screening::parse(&profile.voluntary_return, &a, "گفتگو در دفتر").unwrap()
}

both_backends! {
    fn a_flag_blocks_the_permit_until_cleared_and_departure_revokes_credentials(db) {
        let s = db.store();
        let profile = Profile::iran().unwrap();
        let (home, other) = (office(s.as_ref(), "THR-01"), office(s.as_ref(), "THR-02"));
        let (head, child, card) = family(s.as_ref(), home);
        let stranger: PersonId = person(s.as_ref(), home, "نرگس").parse().unwrap();
        let today = daftar_domain::clock::Clock::default().today();
        let new = |members: &[PersonId]| {
            NewReturn::parse(&profile.voluntary_return, today, head, members, today + time::Duration::days(10), "dogharoun", ReturnChannel::Office).unwrap()
        };
        let write = staff(home, Permission::PersonWrite);
        // Only members of the household; another office's staff cannot register.
        assert_eq!(s.register_return(&ctx(), &write, &new(&[stranger])).unwrap_err().code, "return.member.not_household");
        assert_eq!(s.register_return(&ctx(), &staff(other, Permission::PersonWrite), &new(&[])).unwrap_err().code, "person.not_found");
        assert_eq!(s.register_return(&ctx(), &staff(home, Permission::PersonRead), &new(&[])).unwrap_err().code, "auth.forbidden");
        let c = s.register_return(&ctx(), &write, &new(&[child])).unwrap();
        assert!(c.reference.starts_with("VR-"));
        assert_eq!((c.state, c.members.len(), c.events.len()), (ReturnState::Registered, 1, 1));
        let id = c.id.parse().unwrap();
        assert_eq!(s.register_return(&ctx(), &write, &new(&[])).unwrap_err().code, "return.case.open");

        // Office scope: another office does not see it; the authority does.
        assert_eq!(s.return_case(&ctx(), &staff(other, Permission::PersonRead), id).unwrap_err().code, "return.case.not_found");
        assert_eq!(s.return_cases(&ctx(), &Reach::Office(system_scope(other, Permission::PersonRead)), true, page()).unwrap().total, 0);
        assert_eq!(s.return_cases(&ctx(), &system_reach(Permission::PersonRead), true, page()).unwrap().total, 1);
        assert_eq!(s.return_case(&ctx(), &staff(home, Permission::PersonRead), id).unwrap().members[0].person_id, child);
        // A protection officer sees nothing until a flag is raised.
        let protection = ReturnAccess::Staff(system_reach(Permission::ProtectionReview));
        assert_eq!(s.return_case(&ctx(), &protection, id).unwrap_err().code, "return.case.not_found");

        // No permit before the screening; a clerk's reach cannot screen.
        assert_eq!(s.issue_exit_permit(&ctx(), &write, id, &Permit::parse("EP-1", today, today).unwrap()).unwrap_err().code, "return.screening.missing");
        assert_eq!(s.screen_return(&ctx(), &write, id, &answers(&profile, None)).unwrap_err().code, "auth.forbidden");
        let screen = staff(home, Permission::ReturnScreen);
        let c = s.screen_return(&ctx(), &screen, id, &answers(&profile, Some("medical_needs"))).unwrap();
        assert_eq!((c.state, c.flagged), (ReturnState::Flagged, true));
        let e = s.issue_exit_permit(&ctx(), &write, id, &Permit::parse("EP-1", today, today).unwrap()).unwrap_err();
        assert_eq!((e.code, e.kind.status()), ("return.screening.blocked", 409));
        assert_eq!(s.screen_return(&ctx(), &screen, id, &answers(&profile, None)).unwrap_err().code, "return.screening.done");

        // The protection officer: a referral keeps it blocked, a clearance unblocks it; the
        // office cannot review.
        assert_eq!(s.review_return(&ctx(), &write, id, &Review::parse("clear", "").unwrap()).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.return_cases(&ctx(), &system_reach(Permission::ProtectionReview), true, page()).unwrap().total, 1);
        let c = s.review_return(&ctx(), &protection, id, &Review::parse("refer", "ارجاع به پزشک").unwrap()).unwrap();
        assert_eq!(c.state, ReturnState::Referred);
        assert_eq!(s.issue_exit_permit(&ctx(), &write, id, &Permit::parse("EP-1", today, today).unwrap()).unwrap_err().code, "return.screening.blocked");
        let c = s.review_return(&ctx(), &protection, id, &Review::parse("clear", "درمان ادامه دارد").unwrap()).unwrap();
        assert_eq!(c.state, ReturnState::Cleared);

        // Nothing is revoked before the departure.
        assert_eq!(s.credential_revoked(&card).unwrap(), Some(false));
        let c = s.issue_exit_permit(&ctx(), &write, id, &Permit::parse("ep-۷۷", today + time::Duration::days(30), today).unwrap()).unwrap();
        assert_eq!((c.state, c.permit_no.as_str()), (ReturnState::PermitIssued, "EP-77"));
        assert_eq!(s.credential_revoked(&card).unwrap(), Some(false));
        assert_eq!(s.withdraw_return(&ctx(), &ReturnAccess::Own(stranger), id, "").unwrap_err().code, "return.case.not_found");

        // The departure (the authority) revokes the head's card and bumps the status list.
        let version = s.list_version(daftar_domain::usecase::rotate_keys::STATUS_LIST).unwrap();
        let (c, revoked) = s.confirm_departure(&ctx(), &ReturnAccess::Staff(system_reach(Permission::CredentialRevoke)), id).unwrap();
        assert_eq!(c.state, ReturnState::Departed);
        assert_eq!(revoked, vec![card.clone()]);
        assert_eq!(s.credential_revoked(&card).unwrap(), Some(true));
        assert_eq!(s.list_version(daftar_domain::usecase::rotate_keys::STATUS_LIST).unwrap(), version + 1);
        let (v, ids) = s.revoked_since(version, time::OffsetDateTime::now_utc()).unwrap();
        assert_eq!((v, ids), (version + 1, vec![card.clone()]));
        assert_eq!(s.withdraw_return(&ctx(), &write, id, "").unwrap_err().code, "return.departed");
        let steps: Vec<&str> = c.events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(steps, ["register", "screen", "review", "review", "permit", "depart"]);

        // Audited for both persons of the case (their access logs show it).
        for action in ["return.register", "return.read", "return.screen", "return.review", "return.permit", "return.depart", "return.list"] {
            assert!(audited_for(s.as_ref(), action, head) > 0, "{action} for the head");
            assert!(audited_for(s.as_ref(), action, child) > 0, "{action} for the child");
        }
        assert_eq!(s.audit_page(&AuditFilter { action_prefix: Some("credential.revoke".into()), ..Default::default() }, page()).unwrap().total, 1);
        let log = s.person_access_log(&ctx(), &system_scope(home, Permission::PersonRead), child, page()).unwrap();
        assert!(log.items.iter().any(|e| e.action == "return.depart"), "{:?}", log.items);
    }

    fn withdrawal_is_possible_in_every_state_before_departure_from_the_portal_too(db) {
        let s = db.store();
        let profile = Profile::iran().unwrap();
        let home = office(s.as_ref(), "THR-01");
        let (head, _, card) = family(s.as_ref(), home);
        let today = daftar_domain::clock::Clock::default().today();
        let r = NewReturn::parse(&profile.voluntary_return, today, head, &[], today, "milak", ReturnChannel::Portal).unwrap();
        let own = ReturnAccess::Own(head);
        let c = s.register_return(&ctx(), &own, &r).unwrap();
        let id = c.id.parse().unwrap();
        // The registrant may withdraw but not screen.
        assert_eq!(s.screen_return(&ctx(), &own, id, &answers(&profile, None)).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.person_returns(&ctx(), &own, head).unwrap().len(), 1);
        let c = s.screen_return(&ctx(), &staff(home, Permission::ReturnScreen), id, &answers(&profile, Some("risk_on_return"))).unwrap();
        assert_eq!(c.state, ReturnState::Flagged);
        let c = s.withdraw_return(&ctx(), &own, id, "تصمیمم عوض شد").unwrap();
        assert_eq!(c.state, ReturnState::Withdrawn);
        assert_eq!(c.events.last().unwrap().role, "", "the system context has no role");
        assert_eq!(s.withdraw_return(&ctx(), &own, id, "").unwrap_err().code, "return.withdrawn");
        assert_eq!(s.credential_revoked(&card).unwrap(), Some(false), "withdrawal has no consequence");
        assert!(audited_for(s.as_ref(), "return.withdraw", head) > 0);
        // A new wish may follow a withdrawn one.
        let again = s.register_return(&ctx(), &staff(home, Permission::PersonWrite), &NewReturn { channel: ReturnChannel::Office, ..r }).unwrap();
        assert_eq!(again.state, ReturnState::Registered);
        let mine = s.person_returns(&ctx(), &own, head).unwrap();
        assert_eq!(mine.len(), 2);
    }
}
