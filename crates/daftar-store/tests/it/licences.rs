//! Office licences on SQLite and PostgreSQL: the lifecycle written with its timeline, the
//! office's licence columns and an audit row per step; the scope's permission, the version and
//! a number held by another office refused with their codes; the standing (pending, valid,
//! suspended, expired) as every request reads it; where else applicants may go.

use crate::fixtures::{ctx, office};
use daftar_domain::clock::Clock;
use daftar_domain::ids::OfficeId;
use daftar_domain::licence::{
    Application, LicenceCommand, LicenceNumber, LicenceState, NewLicence, NewVisit, OfficeStanding,
    Standing, parse_reason,
};
use daftar_domain::membership::{NewMembership, figures};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, system_reach, system_scope};
use daftar_domain::service::{Catalog, ServiceCode};
use daftar_domain::store::{AuditFilter, Store};
use daftar_testkit::both_backends;
use std::collections::BTreeSet;
use time::Duration;

const SERVICES: &str = include_str!("../../../../profiles/ir/services.toml");

fn apply() -> LicenceCommand {
    LicenceCommand::Apply(
        Application::parse(
            &["Lease deed".into(), "Floor plan".into()],
            "Main St 1",
            "Ali Rezaei",
        )
        .unwrap(),
    )
}

fn visit(s: &dyn Store, all: bool) -> LicenceCommand {
    let items = s.licence_checklist().unwrap();
    assert_eq!(items.len(), 6);
    let passed: BTreeSet<String> = items
        .iter()
        .skip(usize::from(!all))
        .map(|i| i.code.clone())
        .collect();
    let today = Clock::default().today();
    LicenceCommand::Inspect(
        NewVisit::parse(
            today,
            passed,
            vec![("Fee board faded".into(), today + Duration::days(30))],
        )
        .unwrap(),
    )
}

fn issue(number: &str, days: i64) -> LicenceCommand {
    let today = Clock::default().today();
    LicenceCommand::Issue(NewLicence {
        number: LicenceNumber::parse(number).unwrap(),
        valid_from: today,
        valid_until: today + Duration::days(days),
        services: [ServiceCode::parse("card_renewal").unwrap()].into(),
    })
}

/// Takes `cmd` on `office` with a scope for its step's permission, at the current version.
fn take(s: &dyn Store, office: OfficeId, cmd: &LicenceCommand) -> daftar_domain::Result<i64> {
    let scope = system_scope(office, cmd.step().permission());
    let version = s
        .office_licence(&system_scope(office, Permission::OfficeRead))?
        .licence
        .map(|l| l.version);
    s.take_licence_step(&ctx(), &scope, cmd, version)
        .map(|v| v.version())
}

/// Records `office`'s membership, with this year's dues when `paid`.
pub fn member(s: &dyn Store, office: OfficeId, number: &str, paid: bool) {
    let scope = system_scope(office, Permission::MembershipManage);
    s.record_membership(
        &ctx(),
        &scope,
        &NewMembership::parse(number, "تهران").unwrap(),
    )
    .unwrap();
    if paid {
        let year = daftar_domain::jalali::JalaliDate::from_iso(Clock::default().today()).year();
        s.record_dues(&ctx(), &scope, year).unwrap();
    }
}

fn standing(s: &dyn Store, office: OfficeId) -> OfficeStanding {
    OfficeStanding::of(&s.get_office(office).unwrap(), Clock::default().today())
}

both_backends! {
    fn an_office_is_licensed_after_a_passed_inspection(db) {
        let s = db.store();
        s.load_catalog(&ctx(), &Catalog::from_toml(SERVICES).unwrap()).unwrap();
        let a = office(s.as_ref(), "THR-01");
        assert_eq!(standing(s.as_ref(), a).licence, Standing::Unregulated);

        // A scope for another permission is refused, and nothing is written.
        let wrong = system_scope(a, Permission::OfficeRead);
        assert_eq!(s.take_licence_step(&ctx(), &wrong, &apply(), None).unwrap_err().code, "auth.forbidden");

        assert_eq!(take(s.as_ref(), a, &apply()).unwrap(), 1);
        assert_eq!(standing(s.as_ref(), a).licence, Standing::Pending);
        assert!(!standing(s.as_ref(), a).serves());
        assert_eq!(take(s.as_ref(), a, &issue("LIC-THR-1", 365)).unwrap_err().code, "licence.step.not_allowed");
        take(s.as_ref(), a, &visit(s.as_ref(), false)).unwrap();
        assert_eq!(take(s.as_ref(), a, &issue("LIC-THR-1", 365)).unwrap_err().code, "licence.inspection.failed");
        take(s.as_ref(), a, &visit(s.as_ref(), true)).unwrap();
        // A stale version is refused.
        let decide = system_scope(a, Permission::LicenceDecide);
        assert_eq!(s.take_licence_step(&ctx(), &decide, &issue("LIC-THR-1", 365), Some(1)).unwrap_err().code, "licence.version.stale");
        assert_eq!(take(s.as_ref(), a, &issue("LIC-THR-1", 365)).unwrap(), 4);

        let o = s.get_office(a).unwrap();
        assert_eq!(o.licence_state, Some(LicenceState::Licensed));
        assert_eq!(standing(s.as_ref(), a).licence, Standing::Valid);
        let view = s.office_licence(&system_scope(a, Permission::OfficeRead)).unwrap();
        let l = view.licence.clone().unwrap();
        assert_eq!(l.number.as_deref(), Some("LIC-THR-1"));
        assert_eq!(l.services, ["card_renewal"]);
        assert_eq!(l.application.unwrap().documents, ["Lease deed", "Floor plan"]);
        let steps: Vec<_> = view.events.iter().map(|e| (e.seq, e.step.code(), e.to_state.code())).collect();
        assert_eq!(steps, [
            (1, "apply", "applied"),
            (2, "inspect", "inspecting"),
            (3, "inspect", "inspecting"),
            (4, "issue", "licensed"),
        ]);
        assert_eq!(view.events[1].details["passed"], false);
        assert_eq!(view.events[1].details["findings"][0]["text"], "Fee board faded");
        assert_eq!(view.events[0].actor, "system");

        // Every step is audited, with its outcome.
        let audit = s.audit_page(&AuditFilter { action_prefix: Some("licence.".into()), ..Default::default() }, PageRequest::default()).unwrap();
        let mut actions: Vec<_> = audit.items.iter().map(|r| r.action.clone()).collect();
        actions.reverse();
        assert_eq!(actions, ["licence.apply", "licence.inspect", "licence.inspect", "licence.issue"]);

        // A number held by another office is refused.
        let b = office(s.as_ref(), "THR-02");
        take(s.as_ref(), b, &apply()).unwrap();
        take(s.as_ref(), b, &visit(s.as_ref(), true)).unwrap();
        assert_eq!(take(s.as_ref(), b, &issue("lic-thr-1", 365)).unwrap_err().code, "licence.number.taken");
        assert_eq!(take(s.as_ref(), b, &issue("LIC-THR-2", 365)).unwrap(), 3);
    }

    fn suspension_cuts_off_and_sends_applicants_elsewhere(db) {
        let s = db.store();
        s.load_catalog(&ctx(), &Catalog::from_toml(SERVICES).unwrap()).unwrap();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "THR-02");
        let c = office(s.as_ref(), "THR-03");
        for (o, n) in [(a, "LIC-A"), (b, "LIC-B")] {
            take(s.as_ref(), o, &apply()).unwrap();
            take(s.as_ref(), o, &visit(s.as_ref(), true)).unwrap();
            take(s.as_ref(), o, &issue(n, 1)).unwrap();
        }
        // C applied and waits: it does not serve.
        take(s.as_ref(), c, &apply()).unwrap();
        let near = |o| -> Vec<OfficeId> { s.offices_serving_near(o, 10).unwrap().into_iter().map(|o| o.id).collect() };
        assert_eq!(near(c), [a, b]);

        let reason = parse_reason("Overcharging applicants").unwrap();
        take(s.as_ref(), a, &LicenceCommand::Suspend(reason.clone())).unwrap();
        assert_eq!(standing(s.as_ref(), a).licence, Standing::Suspended);
        assert_eq!(near(c), [b]);
        assert_eq!(take(s.as_ref(), a, &LicenceCommand::Renew { valid_until: Clock::default().today() + Duration::days(400) }).unwrap_err().code, "licence.step.not_allowed");
        take(s.as_ref(), a, &LicenceCommand::Reinstate(reason)).unwrap();
        assert_eq!(standing(s.as_ref(), a).licence, Standing::Valid);
        assert_eq!(near(c), [a, b]);

        // A licence valid one more day has expired the day after (by the offices' date).
        let o = s.get_office(b).unwrap();
        let tomorrow = Clock::default().today() + Duration::days(2);
        assert_eq!(OfficeStanding::of(&o, tomorrow).licence, Standing::Expired);
        // Renewal needs a current membership of the association (part 2).
        let renew = LicenceCommand::Renew { valid_until: Clock::default().today() + Duration::days(365) };
        assert_eq!(take(s.as_ref(), b, &renew).unwrap_err().code, "licence.membership.required");
        member(s.as_ref(), b, "KAN-B", true);
        take(s.as_ref(), b, &renew).unwrap();
        let o = s.get_office(b).unwrap();
        assert_eq!(OfficeStanding::of(&o, tomorrow).licence, Standing::Valid);
        let view = s.office_licence(&system_scope(b, Permission::OfficeRead)).unwrap();
        assert_eq!(view.events.last().unwrap().step.code(), "renew");
    }

    fn memberships_and_dues_are_recorded_and_seen_by_the_association(db) {
        let s = db.store();
        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "THR-02");
        let c = office(s.as_ref(), "THR-03");
        let manage = |o| system_scope(o, Permission::MembershipManage);
        // The scope's permission is checked.
        assert_eq!(s.record_membership(&ctx(), &system_scope(a, Permission::OfficeRead), &NewMembership::parse("K-1", "تهران").unwrap()).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.record_dues(&ctx(), &manage(a), 1405).unwrap_err().code, "membership.none");
        member(s.as_ref(), a, "KAN-A", true);
        member(s.as_ref(), b, "KAN-B", false);
        assert_eq!(s.record_membership(&ctx(), &manage(c), &NewMembership::parse("kan-a", "فارس").unwrap()).unwrap_err().code, "membership.number.taken");
        let year = daftar_domain::jalali::JalaliDate::from_iso(Clock::default().today()).year();
        assert_eq!(s.record_dues(&ctx(), &manage(a), year).unwrap_err().code, "membership.dues.paid");
        s.record_dues(&ctx(), &manage(b), year - 1).unwrap();
        // A new number or branch replaces the old one.
        let m = s.record_membership(&ctx(), &manage(b), &NewMembership::parse("KAN-B2", "البرز").unwrap()).unwrap();
        assert_eq!((m.number.as_str(), m.branch.as_str(), m.dues_years.clone()), ("KAN-B2", "البرز", vec![year - 1]));
        assert_eq!(s.office_membership(&system_scope(b, Permission::OfficeRead)).unwrap(), Some(m));

        // Every office, with its licence standing and membership; one office's reach is refused.
        assert_eq!(s.members(&daftar_domain::permission::Reach::Office(system_scope(a, Permission::OfficeRead))).unwrap_err().code, "auth.forbidden");
        let members = s.members(&system_reach(Permission::OfficeRead)).unwrap();
        let row: Vec<_> = members.iter().map(|m| (m.office.code.as_str(), m.current, m.membership.as_ref().map(|x| x.number.clone()))).collect();
        assert_eq!(row, [("THR-01", true, Some("KAN-A".into())), ("THR-02", false, Some("KAN-B2".into())), ("THR-03", false, None)]);
        let f = figures(&members);
        assert_eq!((f.offices, f.members, f.current, f.flagged), (3, 2, 1, 2));
        assert_eq!(f.by_standing["unregulated"], 3);

        let audit = s.audit_page(&AuditFilter { action_prefix: Some("membership.".into()), ..Default::default() }, PageRequest::default()).unwrap();
        assert_eq!(audit.items.len(), 5);
    }
}
