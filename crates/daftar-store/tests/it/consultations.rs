//! Consultations and proposals on SQLite and PostgreSQL: a draft published, revised and made
//! final (each version kept as published; a stale version refused), comments from an office
//! and a branch on the latest draft only, until the deadline, each commenter seeing its own;
//! the branches' proposals answered with a status; everything audited.

use crate::fixtures::{ctx, office};
use daftar_domain::consultation::{
    Change, Commenter, ConsultationState, Finalisation, NewComment, NewConsultation, NewProposal,
    Phase, ProposalStatus, ProposalUpdate, Revision, VersionKind,
};
use daftar_domain::page::PageRequest;
use daftar_domain::store::{AuditFilter, Store};
use daftar_testkit::both_backends;

fn page() -> PageRequest {
    PageRequest {
        page: 1,
        per_page: 50,
    }
}

fn today() -> time::Date {
    daftar_domain::clock::Clock::default().today()
}

fn day(offset: i64) -> String {
    daftar_domain::jalali::iso_day(today() + time::Duration::days(offset))
}

fn secs(v: &[&str]) -> Vec<(String, String)> {
    v.iter()
        .enumerate()
        .map(|(i, t)| (format!("بند {}", i + 1), (*t).to_owned()))
        .collect()
}

fn audited(s: &dyn Store, action: &str) -> usize {
    s.audit_page(
        &AuditFilter {
            action_prefix: Some(action.into()),
            ..Default::default()
        },
        page(),
    )
    .unwrap()
    .items
    .iter()
    .filter(|r| r.action == action)
    .count()
}

both_backends! {
    fn a_consultation_goes_from_draft_to_final_with_comments_until_the_deadline(db) {
        let s = db.store();
        let s = s.as_ref();
        let thr = office(s, "THR-01");
        let mhd = office(s, "MHD-01");
        let new = NewConsultation::parse(
            "آیین‌نامهٔ دفاتر",
            &secs(&["ساعات کار از ۸ تا ۱۴", "تعرفه‌ها", "بازرسی"]),
            &day(10),
            today(),
        )
        .unwrap();
        let v = s.publish_consultation(&ctx(), &new).unwrap();
        let id = v.consultation.id.clone();
        assert_eq!((v.consultation.version, v.consultation.state), (1, ConsultationState::Draft));
        assert_eq!(v.phase, Phase::Open);
        assert_eq!(v.versions[0].sections.len(), 3);

        // An office and a branch comment on the draft; each sees its own.
        let office_c = Commenter::Office(thr);
        let branch_c = Commenter::Branch("تهران".into());
        let c = s
            .comment_on_consultation(&ctx(), &id, &office_c, &NewComment::parse(1, 1, "تا ۱۶ باشد").unwrap())
            .unwrap();
        assert_eq!((c.office_code.as_str(), c.branch.as_str(), c.section), ("THR-01", "", 1));
        s.comment_on_consultation(&ctx(), &id, &branch_c, &NewComment::parse(1, 2, "نظر کانون").unwrap())
            .unwrap();
        assert_eq!(s.consultation_comments(&id, Some(&office_c)).unwrap().len(), 1);
        let own = s.consultation_comments(&id, Some(&branch_c)).unwrap();
        assert_eq!((own.len(), own[0].branch.as_str()), (1, "تهران"));
        assert!(s.consultation_comments(&id, Some(&Commenter::Office(mhd))).unwrap().is_empty());
        assert_eq!(s.consultation_comments(&id, None).unwrap().len(), 2);
        // A section the draft does not have.
        assert_eq!(
            s.comment_on_consultation(&ctx(), &id, &office_c, &NewComment::parse(1, 9, "x").unwrap())
                .unwrap_err()
                .code,
            "consultation.section.unknown"
        );

        // A revision needs the version read and a change.
        let r = Revision::parse(&secs(&["ساعات کار از ۸ تا ۱۶", "تعرفه‌ها", "بازرسی"]), &day(12), today()).unwrap();
        assert_eq!(s.revise_consultation(&ctx(), &id, &r, 7).unwrap_err().code, "consultation.version.stale");
        let same = Revision::parse(&secs(&["ساعات کار از ۸ تا ۱۴", "تعرفه‌ها", "بازرسی"]), &day(10), today()).unwrap();
        assert_eq!(s.revise_consultation(&ctx(), &id, &same, 1).unwrap_err().code, "consultation.revision.unchanged");
        let v2 = s.revise_consultation(&ctx(), &id, &r, 1).unwrap();
        assert_eq!((v2.consultation.version, v2.versions.len()), (2, 2));
        // Version 1 is kept as published.
        assert_eq!(v2.versions[0].sections[0].text, "ساعات کار از ۸ تا ۱۴");
        // Comments go on the latest draft only.
        let e = s
            .comment_on_consultation(&ctx(), &id, &office_c, &NewComment::parse(1, 1, "دیر").unwrap())
            .unwrap_err();
        assert_eq!(e.code, "consultation.version.superseded");

        // After the deadline: closed (the offices' today is past it).
        db.sql()
            .execute_raw(&format!(
                "UPDATE consultations SET deadline = '{}' WHERE id = '{id}'",
                day(-1)
            ))
            .unwrap();
        assert_eq!(s.consultation(&id).unwrap().phase, Phase::Closed);
        assert_eq!(
            s.comment_on_consultation(&ctx(), &id, &office_c, &NewComment::parse(2, 1, "دیر").unwrap())
                .unwrap_err()
                .code,
            "consultation.closed"
        );

        // The final version, with the change from the last draft.
        let f = Finalisation::parse(&secs(&["ساعات کار از ۸ تا ۱۷", "تعرفه‌ها"]), "ساعات کار تا ۱۷؛ بند بازرسی حذف شد").unwrap();
        assert_eq!(s.finalise_consultation(&ctx(), &id, &f, 1).unwrap_err().code, "consultation.version.stale");
        let fin = s.finalise_consultation(&ctx(), &id, &f, 2).unwrap();
        assert_eq!((fin.consultation.state, fin.phase, fin.consultation.version), (ConsultationState::Final, Phase::Final, 3));
        assert_eq!(fin.versions[2].kind, VersionKind::Final);
        let changes: Vec<Change> = fin.changes.iter().map(|d| d.change).collect();
        assert_eq!(changes, [Change::Changed, Change::Unchanged, Change::Removed]);
        // Once final: no comment, revision or second final version.
        db.sql()
            .execute_raw(&format!("UPDATE consultations SET deadline = '{}' WHERE id = '{id}'", day(5)))
            .unwrap();
        assert_eq!(
            s.comment_on_consultation(&ctx(), &id, &office_c, &NewComment::parse(3, 1, "x").unwrap())
                .unwrap_err()
                .code,
            "consultation.final"
        );
        assert_eq!(s.revise_consultation(&ctx(), &id, &r, 3).unwrap_err().code, "consultation.final");
        assert_eq!(s.finalise_consultation(&ctx(), &id, &f, 3).unwrap_err().code, "consultation.final");
        assert_eq!(s.consultation("01JD0000000000000000000000").unwrap_err().code, "consultation.not_found");

        let list = s.consultations(page()).unwrap();
        assert_eq!((list.total, list.items[0].id.as_str()), (1, id.as_str()));
        for (action, n) in [
            ("consultation.publish", 1),
            ("consultation.revise", 1),
            ("consultation.comment", 2),
            ("consultation.finalise", 1),
        ] {
            assert_eq!(audited(s, action), n, "{action}");
        }
    }

    fn proposals_are_answered_with_a_status_and_seen_by_their_branch(db) {
        let s = db.store();
        let s = s.as_ref();
        let p = s
            .file_proposal(&ctx(), "تهران", &NewProposal::parse("problem", "کمبود کارشناس", "دفاتر کارشناس کافی ندارند").unwrap())
            .unwrap();
        s.file_proposal(&ctx(), "فارس", &NewProposal::parse("proposal", "ساعات", "متن").unwrap())
            .unwrap();
        assert_eq!((p.status, p.version), (ProposalStatus::Open, 1));
        assert_eq!(s.proposals(Some("تهران"), page()).unwrap().total, 1);
        assert_eq!(s.proposals(None, page()).unwrap().total, 2);
        // Another branch does not see it.
        assert_eq!(s.proposal(Some("فارس"), &p.id).unwrap_err().code, "proposal.not_found");
        assert_eq!(s.proposal(Some("تهران"), &p.id).unwrap().id, p.id);

        let review = ProposalUpdate::parse("under_review", "").unwrap();
        assert_eq!(s.answer_proposal(&ctx(), &p.id, &review, 9).unwrap_err().code, "proposal.version.stale");
        let p = s.answer_proposal(&ctx(), &p.id, &review, 1).unwrap();
        assert_eq!((p.status, p.version, p.answered_at), (ProposalStatus::UnderReview, 2, None));
        let bare = ProposalUpdate::parse("answered", "").unwrap();
        assert_eq!(s.answer_proposal(&ctx(), &p.id, &bare, 2).unwrap_err().code, "proposal.answer.required");
        let p = s
            .answer_proposal(&ctx(), &p.id, &ProposalUpdate::parse("answered", "دو کارشناس اعزام می‌شوند").unwrap(), 2)
            .unwrap();
        assert_eq!((p.status, p.answer.as_str()), (ProposalStatus::Answered, "دو کارشناس اعزام می‌شوند"));
        assert!(p.answered_at.is_some());
        // Closing keeps the answer; then nothing changes.
        let p = s.answer_proposal(&ctx(), &p.id, &ProposalUpdate::parse("closed", "").unwrap(), 3).unwrap();
        assert_eq!((p.status, p.answer.as_str()), (ProposalStatus::Closed, "دو کارشناس اعزام می‌شوند"));
        assert_eq!(
            s.answer_proposal(&ctx(), &p.id, &ProposalUpdate::parse("open", "").unwrap(), 4).unwrap_err().code,
            "proposal.closed"
        );
        assert_eq!(audited(s, "proposal.file"), 2);
        assert_eq!(audited(s, "proposal.answer"), 3);
    }

    fn an_association_account_is_bound_to_a_branch(db) {
        let s = db.store();
        let s = s.as_ref();
        let u = s
            .create_user(
                &ctx(),
                &daftar_domain::user::NewUser {
                    username: daftar_domain::user::Username::parse("kanoon").unwrap(),
                    display_name: "kanoon".into(),
                    office_id: None,
                    role: daftar_domain::permission::RoleCode::parse("association").unwrap(),
                    password_hash: "$argon2id$x".into(),
                    locale: None,
                },
            )
            .unwrap();
        assert_eq!(s.user_branch(u.id).unwrap(), None);
        s.set_user_branch(&ctx(), u.id, Some("تهران")).unwrap();
        assert_eq!(s.user_branch(u.id).unwrap().as_deref(), Some("تهران"));
        assert_eq!(
            s.set_user_branch(&ctx(), daftar_domain::ids::UserId::new(), Some("x")).unwrap_err().code,
            "user.not_found"
        );
        assert_eq!(audited(s, "user.branch"), 1);
        // The built-in roles hold the new permissions.
        let roles = s.roles().unwrap();
        let holds = |role: &str, p: &str| {
            roles.iter().any(|r| r.code.as_str() == role && r.permissions.iter().any(|x| x.code() == p))
        };
        assert!(holds("authority_officer", "consultation.manage"));
        assert!(holds("office_manager", "consultation.comment"));
        assert!(holds("association", "consultation.comment") && holds("association", "proposal.file"));
        assert!(!holds("clerk", "consultation.comment") && !holds("partner", "consultation.comment"));
    }
}
