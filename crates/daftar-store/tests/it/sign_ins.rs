//! Callers' lookups kept between requests (issue 17.4, the store's `sign_ins` module): on
//! PostgreSQL a node keeps what it looked up while it listens for changes, and forgets a
//! session, user or office changed on any node — on its own node before the change returns,
//! on another as soon as the notification arrives. A session's activity is not a change.
//! Losing the listening connection stops the keeping until it is back. SQLite keeps nothing.

use crate::fixtures::{ctx, office};
use daftar_domain::ids::{ApiTokenId, OfficeId, SessionId, UserId};
use daftar_domain::office::OfficeStatus;
use daftar_domain::permission::RoleCode;
use daftar_domain::session::ApiToken;
use daftar_domain::store::{OfficeStore, Store, UserStore};
use daftar_domain::user::{NewUser, UserStatus, Username};
use daftar_store::SqlStore;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

fn user(s: &dyn Store, name: &str, office: OfficeId) -> UserId {
    let new = NewUser {
        username: Username::parse(name).unwrap(),
        display_name: name.into(),
        office_id: Some(office),
        role: RoleCode::parse(RoleCode::CLERK).unwrap(),
        password_hash: "$argon2id$x".into(),
        locale: None,
    };
    s.create_user(&ctx(), &new).unwrap().id
}

/// A new session of `user`, stored; its secret's hash.
fn signed_in(s: &dyn Store, user: UserId) -> (SessionId, String) {
    let session = daftar_testkit::session(user, OffsetDateTime::now_utc());
    s.create_session(&ctx(), &session).unwrap();
    (session.id, session.token_hash)
}

/// Waits up to five seconds for `done`; whether it came.
fn within_5s(done: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    false
}

/// Looks `hash` up on `node` (which keeps it, when it may); whether the node keeps it now.
fn looked_up_and_kept(node: &SqlStore, hash: &str) -> bool {
    assert!(node.signed_in_by_session(hash).unwrap().is_some());
    node.kept_session(hash).is_some()
}

/// Whether `node` comes to keep `hash` when it looks it up (within five seconds: a lookup that
/// overlaps a change the node has not heard of yet, its own included, is not kept).
fn comes_to_keep(node: &SqlStore, hash: &str) -> bool {
    within_5s(|| looked_up_and_kept(node, hash))
}

/// Two stores on one database, each keeping lookups (listening on PostgreSQL).
fn two_nodes(db: &daftar_testkit::TestDb) -> (&SqlStore, SqlStore) {
    let b = daftar_store::postgres::outside_runtime(|| daftar_store::connect_sql(db.location()))
        .unwrap();
    let a = db.sql();
    a.keep_sign_ins().unwrap();
    b.keep_sign_ins().unwrap();
    (a, b)
}

daftar_testkit::both_backends! {
    fn a_change_on_one_node_is_forgotten_on_both(db) {
        let (a, b) = two_nodes(db);
        let o = office(a, "THR-01");
        let u = user(a, "clerk.one", o);
        let (id, hash) = signed_in(a, u);
        if db.location().starts_with("postgres") {
            assert!(within_5s(|| a.sign_in_figures().listening && b.sign_in_figures().listening), "both nodes listen");
        } else {
            // One process serves a SQLite database: nothing is kept, every request asks.
            assert!(!looked_up_and_kept(a, &hash) && !a.sign_in_figures().listening);
            assert_eq!(a.sign_in_figures(), Default::default());
            return;
        }
        assert!(comes_to_keep(a, &hash) && comes_to_keep(&b, &hash));
        let figures = b.sign_in_figures();
        assert!(figures.listening && figures.kept == 1, "{figures:?}");

        // Activity is written once a minute and is not a change: both keep the session, and
        // the node that wrote it keeps the new time.
        let later = daftar_domain::audit::truncate_ms(OffsetDateTime::now_utc() + time::Duration::minutes(2));
        a.touch_session(id, later).unwrap();
        assert_eq!(a.kept_session(&hash).unwrap().credential.last_seen_at, later);
        // Notifications arrive in commit order: once B has heard of a later change, it would
        // have heard of the touch.
        let bystander = user(a, "clerk.three", o);
        let (_, hb) = signed_in(a, bystander);
        assert!(comes_to_keep(&b, &hb));
        a.set_user_status(&ctx(), bystander, UserStatus::Disabled).unwrap();
        assert!(within_5s(|| b.kept_session(&hb).is_none()));
        assert!(b.kept_session(&hash).is_some(), "a touch sends nothing");

        // Signing out on A: A forgets before the call returns, B when it hears of it.
        a.revoke_session(&ctx(), id).unwrap();
        assert!(a.kept_session(&hash).is_none(), "the node that changed it forgets at once");
        assert!(within_5s(|| b.kept_session(&hash).is_none()), "the other node forgets");
        let again = b.signed_in_by_session(&hash).unwrap().unwrap();
        assert!(again.credential.revoked_at.is_some(), "and reads the revocation");

        // A user disabled on B; an office suspended on A; a second factor passed on B.
        let (_, h2) = signed_in(a, u);
        let other = user(a, "clerk.two", o);
        let (sid3, h3) = signed_in(a, other);
        assert!(comes_to_keep(a, &h2) && comes_to_keep(a, &h3));
        b.set_user_status(&ctx(), u, UserStatus::Disabled).unwrap();
        assert!(within_5s(|| a.kept_session(&h2).is_none()), "a disabled user is forgotten");
        assert!(a.kept_session(&h3).is_some(), "another user of the office is not");
        b.update_session_auth(&ctx(), sid3, true, Some(later)).unwrap();
        assert!(within_5s(|| a.kept_session(&h3).is_none()), "a step-up is a change");
        assert!(comes_to_keep(a, &h3) && comes_to_keep(&b, &h3));
        a.set_office_status(&ctx(), o, OfficeStatus::Suspended, None).unwrap();
        assert!(a.kept_session(&h3).is_none());
        assert!(within_5s(|| b.kept_session(&h3).is_none()), "a suspended office's staff are forgotten");
        let seen = b.signed_in_by_session(&h3).unwrap().unwrap();
        assert_eq!(seen.office.unwrap().status, OfficeStatus::Suspended);

        // An API token revoked on A: B forgets it.
        let now = daftar_domain::audit::truncate_ms(OffsetDateTime::now_utc());
        let token = ApiToken {
            id: ApiTokenId::new(),
            user_id: other,
            name: "sync".into(),
            purpose: "nightly sync".into(),
            scopes: vec!["person.read".into()],
            token_hash: "token-hash".into(),
            created_at: now,
            expires_at: Some(now + time::Duration::days(1)),
            revoked_at: None,
        };
        a.create_api_token(&ctx(), &token).unwrap();
        let kept_token = || {
            assert!(b.signed_in_by_token("token-hash").unwrap().is_some());
            b.kept_token("token-hash").is_some()
        };
        assert!(within_5s(kept_token), "B keeps the token's lookup");
        a.revoke_api_token(&ctx(), other, token.id).unwrap();
        assert!(within_5s(|| b.kept_token("token-hash").is_none()), "and forgets it");
        let seen = b.signed_in_by_token("token-hash").unwrap().unwrap();
        assert!(seen.credential.revoked_at.is_some());
    }

    fn a_lost_listening_connection_stops_the_keeping_until_it_is_back(db) {
        if !db.location().starts_with("postgres") {
            return;
        }
        let (a, _b) = two_nodes(db);
        let o = office(a, "THR-01");
        let u = user(a, "clerk.one", o);
        let (_, hash) = signed_in(a, u);
        assert!(within_5s(|| a.sign_in_figures().listening));
        assert!(comes_to_keep(a, &hash));
        // The server ends both listening connections (a restart, a network cut).
        a.execute_raw(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = 'daftar-listen'",
            )
            .unwrap();
        assert!(within_5s(|| !a.sign_in_figures().listening), "the loss is noticed");
        assert!(a.kept_session(&hash).is_none(), "and everything kept is forgotten");
        // A change made while nobody listens is not missed: nothing was kept meanwhile.
        a.execute_raw(&format!("UPDATE sessions SET revoked_at = now() WHERE token_hash = '{hash}'"))
            .unwrap();
        assert!(within_5s(|| a.sign_in_figures().listening), "the node listens again");
        let found = a.signed_in_by_session(&hash).unwrap().unwrap();
        assert!(found.credential.revoked_at.is_some());
        assert!(comes_to_keep(a, &hash), "and keeps again");
    }
}
