//! Staff accreditation on SQLite and PostgreSQL: the profile's rules stored once, training and
//! exam records written by the authority for a staff member of the office only, the staff list
//! with what each holds, and the workflow refusing a step that needs an accreditation the actor
//! lacks (none, failed, expired) in the step's own transaction, then allowing it.

use crate::fixtures::{calendar, ctx, day, office, person};
use daftar_domain::accreditation::{NewRecord, RecordKind, Rules};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::{OfficeId, UserId};
use daftar_domain::permission::{Permission, RoleCode, system_scope};
use daftar_domain::store::Store;
use daftar_domain::usecase::decide_step::DecideStep;
use daftar_domain::usecase::open_case::OpenCase;
use daftar_domain::user::{NewUser, Username};
use daftar_testkit::both_backends;

const RULES: &str = r#"
[[accreditation]]
code = "status_letters"
names = { "fa-IR" = "گواهی وضعیت", "fa-AF" = "تصدیق وضعیت", ps = "د حالت تصدیق", en = "Status certificates" }
steps = [{ service = "registration_status_certificate", step = "intake" }]
grants = [{ kind = "exam", course = "RS-1", valid_days = 30 }]
"#;

fn clerk(s: &dyn Store, office: OfficeId, name: &str) -> UserId {
    let new = NewUser {
        username: Username::parse(name).unwrap(),
        display_name: name.into(),
        office_id: Some(office),
        role: RoleCode::parse("clerk").unwrap(),
        password_hash: "$argon2id$x".into(),
        locale: None,
    };
    s.create_user(&ctx(), &new).unwrap().id
}

fn exam(course: &str, taken: time::Date, passed: bool, today: time::Date) -> NewRecord {
    NewRecord::new(RecordKind::Exam, course, taken, passed, None, today).unwrap()
}

both_backends! {
    fn a_step_needing_an_accreditation_waits_for_a_current_one(db) {
        let s = db.store();
        let cal = calendar(s.as_ref());
        let rules = Rules::from_toml(RULES).unwrap();
        assert_eq!(s.accreditation_rules().unwrap(), Rules::default());
        s.load_accreditation_rules(&ctx(), &rules).unwrap();
        s.load_accreditation_rules(&ctx(), &rules).unwrap();
        assert_eq!(s.accreditation_rules().unwrap(), rules);

        let a = office(s.as_ref(), "THR-01");
        let b = office(s.as_ref(), "MSH-01");
        let u = clerk(s.as_ref(), a, "clerk.acc");
        let stranger = clerk(s.as_ref(), b, "clerk.other");
        let pid = person(s.as_ref(), a, "مریم");
        let write = system_scope(a, Permission::PersonWrite);
        let read = system_scope(a, Permission::PersonRead);
        let today = day("1405/02/10");
        let open = OpenCase::parse("registration_status_certificate", &pid, false, false, None, "").unwrap();
        let v = s.open_case(&ctx(), &write, &open, &cal, today).unwrap();
        let id = v.case.id;
        let as_clerk = AuditCtx { actor_id: Some(u), actor: "clerk.acc".into(), ..ctx() };
        let ret = DecideStep::parse("return", None, "bring the card", false).unwrap();
        let step = |version: i64| s.change_case(&as_clerk, &read, "clerk", id, version, &ret, &cal, today, "IR");

        // No record: refused (403) with what is missing; nothing written.
        let e = step(v.case.version).unwrap_err();
        assert_eq!(e.code, "case.step.accreditation");
        assert_eq!(e.details["accreditations"], serde_json::json!(["status_letters"]));
        assert_eq!(s.get_case(&ctx(), &read, id).unwrap().case.version, v.case.version);

        // Only the authority's scope records, and only for the office's own staff.
        let manage = system_scope(a, Permission::AccreditationManage);
        let rec = exam("RS-1", day("1405/02/01"), false, today);
        assert_eq!(s.record_accreditation(&ctx(), &write, u, &rec).unwrap_err().code, "auth.forbidden");
        assert_eq!(s.record_accreditation(&ctx(), &manage, stranger, &rec).unwrap_err().code, "accreditation.user.not_found");
        // A failed exam, another course and an expired pass grant nothing.
        s.record_accreditation(&ctx(), &manage, u, &rec).unwrap();
        s.record_accreditation(&ctx(), &manage, u, &exam("XX-9", today, true, today)).unwrap();
        s.record_accreditation(&ctx(), &manage, u, &exam("RS-1", day("1405/01/05"), true, today)).unwrap();
        assert_eq!(step(v.case.version).unwrap_err().code, "case.step.accreditation");

        // A current pass: the step goes through.
        let r = s.record_accreditation(&ctx(), &manage, u, &exam("RS-1", day("1405/02/09"), true, today)).unwrap();
        assert_eq!((r.course.as_str(), r.passed, r.taken_on), ("RS-1", true, day("1405/02/09")));
        let done = step(v.case.version).unwrap();
        assert_eq!(done.case.state.code(), "returned");
        // A step that needs none is unchanged for anyone (resume).
        let plain = AuditCtx { actor_id: Some(stranger), ..ctx() };
        let resume = DecideStep::parse("resume", None, "", false).unwrap();
        s.change_case(&plain, &read, "clerk", id, done.case.version, &resume, &cal, today, "IR").unwrap();

        // The staff list: each staff member with records (newest first) and what they hold.
        let list = s.staff_accreditations(&ctx(), &manage).unwrap();
        assert_eq!(list.len(), 1, "only the office's own staff");
        assert_eq!(list[0].username, "clerk.acc");
        assert_eq!(list[0].records.len(), 4);
        assert_eq!(list[0].records[0].taken_on, today);
        assert_eq!(list[0].held.len(), 1);
        assert_eq!(list[0].held[0].code, "status_letters");
        assert_eq!(list[0].held[0].until, day("1405/03/07"));
        let mgr = system_scope(a, Permission::UserManage);
        assert_eq!(s.staff_accreditations(&ctx(), &mgr).unwrap().len(), 1);
        assert_eq!(s.staff_accreditations(&ctx(), &read).unwrap_err().code, "auth.forbidden");
        let other = system_scope(b, Permission::AccreditationManage);
        let theirs = s.staff_accreditations(&ctx(), &other).unwrap();
        assert_eq!(theirs.len(), 1);
        assert!(theirs[0].records.is_empty() && theirs[0].held.is_empty());
    }
}
