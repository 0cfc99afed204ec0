//! What one server process used to keep to itself, held in the database so that several web
//! nodes on one database act as one (issue 17.3): failed checks of a secret counted without a
//! lost update, and rate limits every node counts into. Each test opens a second store on the
//! same database (a second node) and races them.

use crate::fixtures::ctx;
use daftar_domain::audit::AuditEvent;
use daftar_domain::store::Store;
use daftar_domain::user::LoginThrottle;
use std::sync::Arc;

daftar_testkit::both_backends! {
    fn two_nodes_count_failed_sign_ins_without_losing_one(db) {
        let nodes: [Arc<dyn Store>; 2] = [db.store(), db.second_store()];
        let keys = vec!["amina".to_owned(), "amina @10.0.0.9".to_owned(), "@10.0.0.9".to_owned()];
        let next = |b: &[LoginThrottle]| {
            let after = b.iter().map(|t| LoginThrottle { failures: t.failures + 1, locked_until: None }).collect();
            (after, AuditEvent::new("auth.login.failed", "username", "amina"))
        };
        std::thread::scope(|sc| {
            for i in 0..8 {
                let (node, keys) = (nodes[i % 2].clone(), keys.clone());
                sc.spawn(move || {
                    for _ in 0..5 {
                        node.count_failure(&ctx(), &keys, &next).unwrap();
                    }
                });
            }
        });
        for k in &keys {
            assert_eq!(nodes[0].login_throttle(k).unwrap().failures, 40, "{k}: every failure counted");
        }
        // A zero state deletes the key.
        let zero = |b: &[LoginThrottle]| (vec![LoginThrottle { failures: 0, locked_until: None }; b.len()], AuditEvent::new("auth.login.failed", "username", "amina"));
        nodes[1].count_failure(&ctx(), &keys, &zero).unwrap();
        assert_eq!(nodes[0].login_throttle(&keys[0]).unwrap().failures, 0);
    }

    fn two_nodes_share_one_rate_limit(db) {
        let nodes: [Arc<dyn Store>; 2] = [db.store(), db.second_store()];
        let window = time::Duration::minutes(15);
        let taken: usize = std::thread::scope(|sc| {
            let runs: Vec<_> = (0..6)
                .map(|i| {
                    let node = nodes[i % 2].clone();
                    sc.spawn(move || (0..5).filter(|_| node.take_slot("share.check", "10.0.0.7", 10, window).unwrap()).count())
                })
                .collect();
            runs.into_iter().map(|r| r.join().unwrap()).sum()
        });
        assert_eq!(taken, 10, "30 attempts on two nodes, 10 slots");
        assert!(!nodes[0].take_slot("share.check", "10.0.0.7", 10, window).unwrap());
        // Another address and another scope have their own counts.
        assert!(nodes[1].take_slot("share.check", "10.0.0.8", 10, window).unwrap());
        assert!(nodes[1].take_slot("login", "10.0.0.7", 10, window).unwrap());
        // A window that has run out starts again.
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(nodes[0].take_slot("share.check", "10.0.0.7", 10, time::Duration::milliseconds(10)).unwrap());
        for _ in 0..9 {
            assert!(nodes[1].take_slot("share.check", "10.0.0.7", 10, window).unwrap());
        }
        assert!(!nodes[1].take_slot("share.check", "10.0.0.7", 10, window).unwrap());
    }

    fn a_slot_given_back_can_be_taken_again(db) {
        let s = db.store();
        let window = time::Duration::minutes(15);
        assert!(s.take_slot("share.check", "a", 1, window).unwrap());
        assert!(!s.take_slot("share.check", "a", 1, window).unwrap());
        // The refused attempt counted too; two give-backs free the one slot.
        s.give_slot("share.check", "a").unwrap();
        s.give_slot("share.check", "a").unwrap();
        assert!(s.take_slot("share.check", "a", 1, window).unwrap());
        s.give_slot("share.check", "nobody").unwrap();
    }
}
