//! Help-desk tickets on SQLite and PostgreSQL: filed, routed, listed for the office they are
//! routed to or about (an anonymous complainant blanked there, shown to the authority), answered
//! once, and every call audited.

use crate::fixtures::{ctx, office};
use daftar_domain::helpdesk::{Channel, NewTicket, TicketDraft, TicketState};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_domain::store::{AuditFilter, Store};
use daftar_testkit::{Register, both_backends};

fn page() -> PageRequest {
    PageRequest {
        page: 1,
        per_page: 50,
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

both_backends! {
    fn tickets_are_routed_hidden_from_the_office_complained_about_and_answered_once(db) {
        let s = db.store();
        let (home, other) = (office(s.as_ref(), "THR-01"), office(s.as_ref(), "THR-02"));
        let p = s
            .register(
                &ctx(),
                &system_scope(home, Permission::PersonWrite),
                &PersonDraft {
                    given_name: "زهرا".into(),
                    family_name: "احمدی".into(),
                    father_name: "محمد".into(),
                    birth_date: Some("1990-01-02".into()),
                    sex: Sex::Female,
                    nationality: "AFG".into(),
                    phone: "09121234567".into(),
                    ..PersonDraft::default()
                },
            )
            .unwrap();
        let today = daftar_domain::clock::Clock::default().today();
        let file = |category: &str, anonymous: bool| {
            let t = NewTicket::parse(
                TicketDraft {
                    category: category.into(),
                    about_office: Some(other),
                    body: "سه هفته منتظر ماندم".into(),
                    anonymous,
                    ..Default::default()
                },
                Channel::Portal,
                Some((p.id, home)),
                None,
            )
            .unwrap();
            s.file_ticket(&ctx(), &t, today).unwrap()
        };
        let delay = file("delay", true);
        let bribe = file("bribe", true);
        let question = file("question", false);
        assert_eq!(delay.route_office, Some(other));
        assert_eq!(bribe.route_office, None, "bribes go to the authority");
        assert_eq!(question.route_office, Some(home));
        assert_eq!((delay.name.as_str(), delay.registry_no.as_str()), ("زهرا احمدی", p.registry_no.as_str()));
        assert!(delay.reference.starts_with("HD-"));

        // The office complained about sees both complaints about it, without who filed them.
        let seen = s.ticket_inbox(&ctx(), Some(other), true, page()).unwrap();
        assert_eq!(seen.total, 2);
        for t in &seen.items {
            assert_eq!((t.person, t.name.as_str(), t.registry_no.as_str(), t.phone.as_str()), (None, "", "", ""), "{}", t.reference);
        }
        // The person's own office sees its inquiry only; the authority sees everything, with names.
        let mine = s.ticket_inbox(&ctx(), Some(home), true, page()).unwrap();
        assert_eq!(mine.items.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), [question.id.as_str()]);
        let all = s.ticket_inbox(&ctx(), None, true, page()).unwrap();
        assert_eq!(all.total, 3);
        assert!(all.items.iter().all(|t| t.name == "زهرا احمدی"));
        assert_eq!(s.get_ticket(&ctx(), Some(home), &delay.id).unwrap_err().code, "helpdesk.ticket.not_found");
        assert_eq!(s.get_ticket(&ctx(), Some(other), &delay.id).unwrap().name, "");

        // Only the routed office or the authority answers, once.
        assert_eq!(s.answer_ticket(&ctx(), Some(other), "office_manager", &bribe.id, "نه").unwrap_err().code, "auth.forbidden");
        let done = s.answer_ticket(&ctx(), Some(other), "office_manager", &delay.id, "پوزش؛ پرونده امروز انجام شد").unwrap();
        assert_eq!((done.state, done.answered_role.as_str()), (TicketState::Answered, "office_manager"));
        assert_eq!(done.name, "", "still hidden from the office");
        assert_eq!(s.answer_ticket(&ctx(), None, "authority_officer", &delay.id, "دوباره").unwrap_err().code, "helpdesk.ticket.answered");
        assert_eq!(s.ticket_inbox(&ctx(), Some(other), true, page()).unwrap().total, 1, "answered ones leave the open list");
        assert_eq!(s.ticket_inbox(&ctx(), Some(other), false, page()).unwrap().total, 2);

        // The person sees their tickets and the answer.
        let own = s.own_tickets(&ctx(), p.id).unwrap();
        assert_eq!(own.len(), 3);
        let answered = own.iter().find(|t| t.id == delay.id).unwrap();
        assert_eq!(answered.answer, "پوزش؛ پرونده امروز انجام شد");

        for action in ["helpdesk.file", "helpdesk.list", "helpdesk.read", "helpdesk.answer", "helpdesk.own"] {
            assert!(audited(s.as_ref(), action) > 0, "{action} audited");
        }
    }

    fn a_callers_ticket_keeps_the_contact_they_left(db) {
        let s = db.store();
        let at = office(s.as_ref(), "THR-01");
        let t = NewTicket::parse(
            TicketDraft {
                category: "confiscated_documents".into(),
                body: "کارفرما گذرنامه‌ام را گرفته".into(),
                contact_name: "رحیم".into(),
                contact_phone: "0912 000 1111".into(),
                ..Default::default()
            },
            Channel::Phone,
            None,
            Some(at),
        )
        .unwrap();
        let today = daftar_domain::clock::Clock::default().today();
        let filed = s.file_ticket(&ctx(), &t, today).unwrap();
        assert_eq!((filed.person, filed.name.as_str(), filed.phone.as_str()), (None, "رحیم", "0912 000 1111"));
        assert_eq!(filed.route_office, None, "exploitation goes to the authority");
        assert_eq!(s.ticket_inbox(&ctx(), Some(at), true, page()).unwrap().total, 0);
    }
}
