//! The bulk-read alarm in the store (issue 22), on both backends: a staff account's
//! single-person reads are counted in the database; past the limit a read needs a stated
//! purpose, one alarm is raised per window, and every refusal is audited. Two stores opened on
//! the same database (two web nodes) reading at once for one account never let more reads
//! through than the limit.

use crate::fixtures::{ctx, office};
use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::{OfficeId, PersonId, UserId};
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach, RoleCode, system_reach, system_scope};
use daftar_domain::person::{PersonDraft, Sex};
use daftar_domain::read_watch::{ReadAccount, ReadGuard, ReadLimit};
use daftar_domain::store::{AuditFilter, Store};
use daftar_domain::user::{NewUser, Username};
use daftar_testkit::Register;
use std::sync::Arc;

fn clerk(s: &dyn Store, office: OfficeId) -> UserId {
    clerk_named(s, office, "clerk.many")
}

fn clerk_named(s: &dyn Store, office: OfficeId, name: &str) -> UserId {
    let new = NewUser {
        username: Username::parse(name).unwrap(),
        display_name: "clerk".into(),
        office_id: Some(office),
        role: RoleCode::parse("clerk").unwrap(),
        password_hash: "$argon2id$x".into(),
        locale: None,
    };
    s.create_user(&ctx(), &new).unwrap().id
}

fn persons(s: &dyn Store, office: OfficeId, n: usize) -> Vec<PersonId> {
    (0..n)
        .map(|i| {
            let new = PersonDraft {
                given_name: format!("نفر{i}"),
                father_name: "رحیم".into(),
                sex: Sex::Female,
                nationality: "AFG".into(),
                phone: "09121234567".into(),
                address: "کوچهٔ آزمون".into(),
                ..PersonDraft::default()
            };
            s.register(&ctx(), &system_scope(office, Permission::PersonWrite), &new)
                .unwrap()
                .id
        })
        .collect()
}

fn as_clerk(user: UserId, office: OfficeId) -> AuditCtx {
    AuditCtx {
        actor_id: Some(user),
        actor: "clerk.many".into(),
        office_id: Some(office),
        purpose: "service".into(),
        request_id: "test".into(),
    }
}

fn guard(user: UserId, persons: u32, purpose: Option<&str>) -> ReadGuard {
    ReadGuard {
        account: ReadAccount { user, token: None },
        limit: ReadLimit {
            persons,
            window_minutes: 60,
        },
        purpose: purpose.map(str::to_owned),
    }
}

fn audited(s: &dyn Store, action: &str) -> Vec<daftar_domain::audit::AuditRecord> {
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
    .into_iter()
    .filter(|r| r.action == action)
    .collect()
}

daftar_testkit::both_backends! {
    fn reads_past_the_limit_need_a_purpose_and_raise_one_alarm(db) {
        let s = db.store();
        let o = office(s.as_ref(), "THR-01");
        let u = clerk(s.as_ref(), o);
        let ids = persons(s.as_ref(), o, 5);
        let (c, scope) = (as_clerk(u, o), system_scope(o, Permission::PersonRead));
        for id in &ids[..3] {
            s.read_person(&c, &scope, *id, &guard(u, 3, None)).unwrap();
        }
        // The same person again is not a new person.
        s.read_person(&c, &scope, ids[0], &guard(u, 3, None)).unwrap();
        let e = s.read_person(&c, &scope, ids[3], &guard(u, 3, None)).unwrap_err();
        assert_eq!((e.code, e.kind.status()), ("read.purpose.required", 403));
        assert_eq!(e.details["persons"], 4);
        // Past the limit, a person already read needs a purpose too (the account is over).
        let e = s.read_person(&c, &scope, ids[4], &guard(u, 3, None)).unwrap_err();
        assert_eq!(e.code, "read.purpose.required");
        let rec = s.read_person(&c, &scope, ids[3], &guard(u, 3, Some("renewal at the counter"))).unwrap();
        assert_eq!(rec.person.address, "کوچهٔ آزمون");
        assert_eq!(audited(s.as_ref(), "person.read.refused").len(), 2);
        assert_eq!(audited(s.as_ref(), "person.read.alarm").len(), 1, "one alarm per window");
        let stated = audited(s.as_ref(), "person.read");
        assert!(stated.iter().any(|r| r.details.contains("renewal at the counter")), "the stated purpose is in the audit log");
        let since = time::OffsetDateTime::now_utc() - time::Duration::hours(1);
        let alarms = s.read_alarms(&system_reach(Permission::AuditRead), since, 10).unwrap();
        assert_eq!(alarms.len(), 1);
        assert_eq!((alarms[0].username.as_str(), alarms[0].persons, alarms[0].threshold, alarms[0].office_id), ("clerk.many", 4, 3, Some(o)));
        // An office manager's reach sees their office's alarms only.
        let other = office(s.as_ref(), "MHD-01");
        let mine = Reach::Office(system_scope(o, Permission::UserManage));
        let theirs = Reach::Office(system_scope(other, Permission::UserManage));
        assert_eq!(s.read_alarms(&mine, since, 10).unwrap().len(), 1);
        assert!(s.read_alarms(&theirs, since, 10).unwrap().is_empty());
        s.verify_audit().unwrap().unwrap();
    }

    fn two_nodes_count_one_account_into_one_figure(db) {
        let s = db.store();
        let o = office(s.as_ref(), "THR-01");
        let u = clerk(s.as_ref(), o);
        let ids = persons(s.as_ref(), o, 24);
        let nodes: [Arc<dyn Store>; 2] = [db.store(), db.second_store()];
        let limit = 10;
        let handles: Vec<_> = ids
            .chunks(6)
            .enumerate()
            .map(|(i, chunk)| {
                let node = nodes[i % 2].clone();
                let chunk = chunk.to_vec();
                std::thread::spawn(move || {
                    let (c, scope) = (as_clerk(u, o), system_scope(o, Permission::PersonRead));
                    chunk
                        .iter()
                        .map(|id| match node.read_person(&c, &scope, *id, &guard(u, limit, None)) {
                            Ok(_) => 1,
                            Err(e) if e.code == "read.purpose.required" => 0,
                            Err(e) => panic!("{e:?}"),
                        })
                        .sum::<u32>()
                })
            })
            .collect();
        let shown: u32 = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(shown, limit, "exactly the limit is shown without a purpose, whatever the node");
        assert_eq!(audited(s.as_ref(), "person.read.refused").len(), 24 - limit as usize);
        assert_eq!(audited(s.as_ref(), "person.read.alarm").len(), 1);
    }

    fn many_accounts_reading_at_once_are_each_counted_exactly(db) {
        // Reads of different accounts share batches (one transaction for many requests'
        // counts and audit rows); each account's figure stays its own and exact. Each account
        // has its own limit, so an answer handed to the wrong read shows.
        let s = db.store();
        let o = office(s.as_ref(), "THR-01");
        let ids = persons(s.as_ref(), o, 12);
        let users: Vec<(UserId, u32)> = (0..6u32)
            .map(|i| (clerk_named(s.as_ref(), o, &format!("clerk.n{i}")), 4 + i))
            .collect();
        let handles: Vec<_> = users
            .iter()
            .map(|&(u, limit)| {
                let (node, ids) = (s.clone(), ids.clone());
                std::thread::spawn(move || {
                    let (c, scope) = (as_clerk(u, o), system_scope(o, Permission::PersonRead));
                    let mut shown = vec![];
                    for id in &ids {
                        match node.read_person(&c, &scope, *id, &guard(u, limit, None)) {
                            Ok(rec) => shown.push(rec.person.id),
                            Err(e) if e.code == "read.purpose.required" => {}
                            Err(e) => panic!("{e:?}"),
                        }
                    }
                    (limit, shown)
                })
            })
            .collect();
        for h in handles {
            let (limit, shown) = h.join().unwrap();
            assert_eq!(shown, ids[..limit as usize], "each account sees its first persons up to its limit");
        }
        let allowed: usize = (4..10).sum();
        let rows = audited(s.as_ref(), "person.read");
        let reads = rows.len();
        assert_eq!(reads, allowed);
        // Each row written with the batch's carries its own request's fields.
        for r in &rows {
            assert_eq!((r.actor.as_str(), r.office_id, r.purpose.as_str()), ("clerk.many", Some(o), "service"));
            assert!(users.iter().any(|(u, _)| r.actor_id == Some(*u)));
            assert!(ids.iter().any(|p| r.target_id == p.to_string()) && r.target_type == "person");
        }
        let refused = audited(s.as_ref(), "person.read.refused");
        assert!(refused.iter().all(|r| r.details.contains("purpose_required")), "{:?}", refused[0].details);
        assert_eq!(audited(s.as_ref(), "person.read.refused").len(), 6 * 12 - allowed);
        assert_eq!(audited(s.as_ref(), "person.read.alarm").len(), 6);
        // A person who is not there is neither shown nor counted nor audited.
        let (u, limit) = users[0];
        let (c, scope) = (as_clerk(u, o), system_scope(o, Permission::PersonRead));
        let e = s
            .read_person(&c, &scope, PersonId::new(), &guard(u, limit, Some("checking a file")))
            .unwrap_err();
        assert_eq!(e.code, "person.not_found");
        // Nor is another office's person (read in the same statement as the count).
        // (Counts and the accounts' last reads: a count taken and given back would still move
        // the last read.)
        let counted = || {
            let r = db.sql().query_raw("SELECT CAST(sum(reads) AS BIGINT), CAST(max(last_read_at) AS TEXT) FROM read_accounts", &[]).unwrap();
            (r[0].i64(0).unwrap(), r[0].text(1).unwrap())
        };
        let before = counted();
        let elsewhere = office(s.as_ref(), "MHD-01");
        let theirs = persons(s.as_ref(), elsewhere, 1)[0];
        let e = s.read_person(&c, &scope, theirs, &guard(u, limit, Some("checking a file"))).unwrap_err();
        assert_eq!(e.code, "person.not_found");
        assert_eq!(counted(), before, "a read not found is not counted");
        assert_eq!(audited(s.as_ref(), "person.read").len(), reads);
        s.verify_audit().unwrap().unwrap();
    }
}
