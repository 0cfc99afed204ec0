//! Referrals on SQLite and PostgreSQL: made with consent for an eligible person of the office,
//! listed for their partner without the shared attributes, read one at a time (audited, in the
//! person's access log), answered by the partner only, and withdrawn by the person, which
//! erases what was shared.

use crate::fixtures::{ctx, office, person};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::{PersonId, UserId};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, RoleCode, system_scope};
use daftar_domain::referral::{Action, Attribute, Consent, ReferralState, Referrals};
use daftar_domain::store::{ReferralActor, Store};
use daftar_domain::user::{NewUser, Username};
use daftar_testkit::both_backends;

fn page() -> PageRequest {
    PageRequest {
        page: 1,
        per_page: 50,
    }
}

fn partner_user(s: &dyn Store, name: &str, partner: Option<&str>) -> AuditCtx {
    let u = s
        .create_user(
            &ctx(),
            &NewUser {
                username: Username::parse(name).unwrap(),
                display_name: name.into(),
                office_id: None,
                role: RoleCode::parse("partner").unwrap(),
                password_hash: "$argon2id$x".into(),
                locale: None,
            },
        )
        .unwrap();
    if let Some(p) = partner {
        s.set_user_partner(&ctx(), u.id, Some(p)).unwrap();
    }
    as_user(u.id, name)
}

fn as_user(id: UserId, name: &str) -> AuditCtx {
    AuditCtx {
        actor_id: Some(id),
        actor: name.into(),
        ..ctx()
    }
}

fn today() -> time::Date {
    daftar_domain::clock::Clock::default().today()
}

both_backends! {
    fn a_referral_shares_only_its_attributes_with_its_partner_until_consent_is_withdrawn(db) {
        let s = db.store();
        let s = s.as_ref();
        let refs = Referrals::from_toml(daftar_domain::referral::IRAN_REFERRALS).unwrap();
        let (home, other) = (office(s, "THR-01"), office(s, "THR-02"));
        let adult: PersonId = person(s, home, "زهرا").parse().unwrap();
        let scope = system_scope(home, Permission::PersonWrite);
        let health = refs.get("health_house").unwrap();
        let school = refs.get("school_enrolment").unwrap();

        // Eligibility: an adult is not referred to a school; another office's staff cannot
        // refer this person.
        assert_eq!(
            s.create_referral(&ctx(), &scope, adult, school, Consent::Office, today()).unwrap_err().code,
            "referral.ineligible.age"
        );
        let elsewhere = system_scope(other, Permission::PersonWrite);
        assert_eq!(
            s.create_referral(&ctx(), &elsewhere, adult, health, Consent::Office, today()).unwrap_err().code,
            "person.not_found"
        );

        let r = s.create_referral(&ctx(), &scope, adult, health, Consent::Office, today()).unwrap();
        assert!(r.reference.starts_with("RF-"));
        // A retry (the first answer lost) does not make a second open referral of the type.
        let again = s.create_referral(&ctx(), &scope, adult, health, Consent::Office, today()).unwrap_err();
        assert_eq!((again.code, again.details["reference"].as_str()), ("referral.open", Some(r.reference.as_str())));
        assert_eq!((r.state, r.partner.as_str()), (ReferralState::Pending, "health-tehran"));
        let shared: Vec<Attribute> = r.attributes.iter().map(|(a, _)| *a).collect();
        assert_eq!(shared, health.attributes);
        assert!(r.attributes.iter().any(|(a, v)| *a == Attribute::GivenName && v == "زهرا"));

        // The partner's list names no one; its own page shows what was shared; another
        // partner and an unbound account see nothing.
        let nurse = partner_user(s, "nurse.one", Some("health-tehran"));
        let teacher = partner_user(s, "teacher.one", Some("edu-tehran"));
        let nobody = partner_user(s, "unbound.one", None);
        let (code, list) = s.partner_referrals(&nurse, None, page()).unwrap();
        assert_eq!((code.as_str(), list.total), ("health-tehran", 1));
        assert!(list.items[0].attributes.is_empty(), "a list names no one");
        assert_eq!(s.partner_referrals(&teacher, None, page()).unwrap().1.total, 0);
        assert_eq!(s.partner_referrals(&nobody, None, page()).unwrap_err().code, "referral.partner.none");
        assert_eq!(s.partner_referral(&teacher, &r.id).unwrap_err().code, "referral.not_found");
        let seen = s.partner_referral(&nurse, &r.id).unwrap();
        assert_eq!(seen.attributes, r.attributes);
        let pending = s.partner_referrals(&nurse, Some(ReferralState::Pending), page()).unwrap().1;
        assert_eq!(pending.total, 1);

        // Only the partner answers; the office and the person only withdraw.
        assert_eq!(
            s.act_on_referral(&ctx(), ReferralActor::Office(home, adult), &r.id, Action::Accept, "").unwrap_err().code,
            "referral.action.forbidden"
        );
        assert_eq!(
            s.act_on_referral(&teacher, ReferralActor::Partner, &r.id, Action::Accept, "").unwrap_err().code,
            "referral.not_found"
        );
        assert_eq!(
            s.act_on_referral(&nurse, ReferralActor::Partner, &r.id, Action::Complete, "done").unwrap_err().code,
            "referral.state.conflict"
        );
        let accepted = s.act_on_referral(&nurse, ReferralActor::Partner, &r.id, Action::Accept, "").unwrap();
        assert_eq!(accepted.state, ReferralState::Accepted);
        assert_eq!(
            s.act_on_referral(&nurse, ReferralActor::Partner, &r.id, Action::Complete, " ").unwrap_err().code,
            "referral.note.required"
        );
        let done = s.act_on_referral(&nurse, ReferralActor::Partner, &r.id, Action::Complete, "واکسن زده شد").unwrap();
        assert_eq!((done.state, done.note.as_str()), (ReferralState::Completed, "واکسن زده شد"));

        // Another office cannot withdraw it, nor its own office through another person; the
        // person can, even after completion, and the partner then sees nothing of them.
        assert_eq!(
            s.act_on_referral(&ctx(), ReferralActor::Office(other, adult), &r.id, Action::Withdraw, "").unwrap_err().code,
            "referral.not_found"
        );
        let neighbour: PersonId = person(s, home, "مهتاب").parse().unwrap();
        assert_eq!(
            s.act_on_referral(&ctx(), ReferralActor::Office(home, neighbour), &r.id, Action::Withdraw, "").unwrap_err().code,
            "referral.not_found"
        );
        let gone = s.act_on_referral(&ctx(), ReferralActor::Person(adult), &r.id, Action::Withdraw, "").unwrap();
        assert_eq!(gone.state, ReferralState::Withdrawn);
        // Closed (withdrawn), so the person may be referred again.
        let second = s.create_referral(&ctx(), &scope, adult, health, Consent::Office, today()).unwrap();
        assert_ne!(second.id, r.id);
        s.act_on_referral(&ctx(), ReferralActor::Person(adult), &second.id, Action::Withdraw, "").unwrap();
        assert!(s.partner_referral(&nurse, &r.id).unwrap().attributes.is_empty());
        assert_eq!(
            s.act_on_referral(&ctx(), ReferralActor::Person(adult), &r.id, Action::Withdraw, "").unwrap_err().code,
            "referral.state.conflict"
        );

        // The person's own list and their office's; another office's list is empty.
        assert_eq!(s.person_referrals(&ctx(), None, adult).unwrap().len(), 2);
        assert_eq!(s.person_referrals(&ctx(), Some(home), adult).unwrap().len(), 2);
        assert_eq!(s.person_referrals(&ctx(), Some(other), adult).unwrap().len(), 0);

        // Every step is in the person's access log, the partner's reads with the partner role.
        s.seal_audit().unwrap();
        let read = system_scope(home, Permission::PersonRead);
        let log = s.person_access_log(&ctx(), &read, adult, PageRequest { page: 1, per_page: 100 }).unwrap();
        let actions: Vec<&str> = log.items.iter().map(|e| e.action.as_str()).collect();
        for a in ["referral.create", "referral.read", "referral.accept", "referral.complete", "referral.withdraw"] {
            assert!(actions.contains(&a), "{a} missing from {actions:?}");
        }
        assert!(log.items.iter().any(|e| e.action == "referral.read" && e.role == "partner"));
    }
}
