//! Roles, offices, users, login throttling, sessions and API tokens.

use super::offices::{OFFICE_COLS, office};
use super::{all, audit, paged};
use crate::SqlStore;
use crate::sign_ins::{Change, SignIns};
use crate::sql::{Dialect, Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent, truncate_ms};
use daftar_domain::ids::{ApiTokenId, SessionId, UserId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{Reach, RoleCode};
use daftar_domain::session::{ApiToken, Session, SignedIn};
use daftar_domain::user::{LoginThrottle, NewUser, User, UserAuth, UserStatus, Username};
use daftar_domain::{Error, Result};
use time::OffsetDateTime;

const USER_COLS: &str = "id, username, display_name, office_id, role, locale, status, totp_secret, created_at, password_hash";

fn user(r: &Row) -> Result<User> {
    Ok(User {
        id: r.parse(0)?,
        username: Username::parse(&r.text(1)?)?,
        display_name: r.text(2)?,
        office_id: r.opt_parse(3)?,
        role: RoleCode::parse(&r.text(4)?)?,
        locale: r.opt_text(5)?,
        status: UserStatus::parse(&r.text(6)?)?,
        totp_enabled: r.opt_text(7)?.is_some(),
        created_at: r.ts(8)?,
    })
}

fn user_auth(r: &Row) -> Result<UserAuth> {
    Ok(UserAuth {
        user: user(r)?,
        totp_secret: r.opt_text(7)?,
        password_hash: r.text(9)?,
    })
}

const SESSION_COLS: &str = "id, token_hash, user_id, csrf_token, mfa_ok, created_at, last_seen_at, step_up_at, revoked_at, user_agent";

fn session(r: &Row) -> Result<Session> {
    Ok(Session {
        id: r.parse(0)?,
        token_hash: r.text(1)?,
        user_id: r.parse(2)?,
        csrf_token: r.text(3)?,
        mfa_ok: r.bool(4)?,
        created_at: r.ts(5)?,
        last_seen_at: r.ts(6)?,
        step_up_at: r.opt_ts(7)?,
        revoked_at: r.opt_ts(8)?,
        user_agent: r.text(9)?,
    })
}

pub(crate) const TOKEN_COLS: &str =
    "id, user_id, name, scopes, token_hash, created_at, expires_at, revoked_at, purpose";

pub(crate) fn token(r: &Row) -> Result<ApiToken> {
    Ok(ApiToken {
        id: r.parse(0)?,
        user_id: r.parse(1)?,
        name: r.text(2)?,
        scopes: r
            .text(3)?
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        token_hash: r.text(4)?,
        created_at: r.ts(5)?,
        expires_at: r.opt_ts(6)?,
        revoked_at: r.opt_ts(7)?,
        purpose: r.text(8)?,
    })
}

pub(crate) fn get_user_in(tx: &mut dyn Tx, id: UserId) -> Result<UserAuth> {
    let r = tx.query_opt(
        &format!("SELECT {USER_COLS} FROM users WHERE id = $1"),
        params![id.to_string()],
    )?;
    user_auth(&r.ok_or_else(|| Error::not_found("user.not_found"))?)
}

/// The row of `table` (`sessions` or `api_tokens`, columns `cols`, read by `credential`) whose
/// `token_hash` is `hash`, with its user and their office: one statement.
fn signed_in<T>(
    tx: &mut dyn Tx,
    table: &str,
    cols: &str,
    hash: &str,
    credential: fn(&Row) -> Result<T>,
) -> Result<Option<SignedIn<T>>> {
    let prefixed = |alias: &str, cols: &str| {
        cols.split(", ")
            .map(|c| format!("{alias}.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sql = format!(
        "SELECT {}, {}, {} FROM {table} c JOIN users u ON u.id = c.user_id LEFT JOIN offices o ON o.id = u.office_id WHERE c.token_hash = $1",
        prefixed("c", cols),
        prefixed("u", USER_COLS),
        prefixed("o", OFFICE_COLS),
    );
    let Some(r) = tx.query_opt(&sql, params![hash])? else {
        return Ok(None);
    };
    let (c, rest) = r.split_at(cols.split(", ").count());
    let (u, o) = rest.split_at(USER_COLS.split(", ").count());
    let user = user(&u)?;
    let office = match (user.office_id, o.0.first()) {
        (None, _) => None,
        (Some(_), Some(Value::Null) | None) => return Err(Error::not_found("office.not_found")),
        (Some(_), Some(_)) => Some(office(&o)?),
    };
    Ok(Some(SignedIn {
        credential: credential(&c)?,
        user,
        office,
    }))
}

/// `WHERE` clause and parameters for a reach over a table with an `office_id` column.
fn reach_filter(reach: &Reach) -> (String, Vec<Value>) {
    match reach.office_id() {
        None => (String::new(), vec![]),
        Some(o) => (" WHERE office_id = $1".into(), vec![o.to_string().into()]),
    }
}

impl SqlStore {
    /// The credential of `table` whose secret hashes to `hash` with its user and office
    /// ([`signed_in`]), kept by `keep` when this node keeps lookups and nothing changed while it
    /// was read (ADR 0005).
    fn looked_up<T: Send>(
        &self,
        hash: &str,
        table: &str,
        cols: &str,
        credential: fn(&Row) -> Result<T>,
        keep: fn(&SignIns, &str, &SignedIn<T>, u64),
    ) -> Result<Option<SignedIn<T>>> {
        let generation = self.sign_ins.generation();
        let found = self.read(|tx| signed_in(tx, table, cols, hash, credential))?;
        if let (Some(f), Some(g)) = (&found, generation) {
            keep(&self.sign_ins, hash, f, g);
        }
        Ok(found)
    }

    /// Updates one user column and audits it; `user.not_found` if no such user. Every lookup
    /// of the user's callers is forgotten (ADR 0005).
    pub(crate) fn update_user(
        &self,
        ctx: &AuditCtx,
        id: UserId,
        set: &str,
        value: Value,
        ev: AuditEvent,
        also: impl FnOnce(&mut dyn Tx) -> Result<()> + Send,
    ) -> Result<()> {
        self.changing_sign_ins(Change::User(id), || {
            self.write(|tx| {
                let n = tx.exec(
                    &format!("UPDATE users SET {set} = $1 WHERE id = $2"),
                    &[value, id.to_string().into()],
                )?;
                if n == 0 {
                    return Err(Error::not_found("user.not_found"));
                }
                also(tx)?;
                audit::append(tx, ctx, &ev)?;
                Ok(())
            })
        })
    }
}

/// Inserts an account inside `tx` (checks the display name, the role and the office). Audited.
pub(crate) fn insert_user(tx: &mut dyn Tx, ctx: &AuditCtx, new: &NewUser) -> Result<User> {
    let display_name = daftar_domain::user::check_display_name(&new.display_name)?;
    let role = tx.query_opt(
        "SELECT office_bound FROM roles WHERE code = $1",
        params![new.role.as_str()],
    )?;
    let office_bound = role
        .ok_or_else(|| Error::invalid("role.unknown").with_field("role"))?
        .bool(0)?;
    if office_bound && new.office_id.is_none() {
        return Err(Error::invalid("user.office_required").with_field("office_id"));
    }
    if let Some(o) = new.office_id
        && tx
            .query_opt(
                "SELECT id FROM offices WHERE id = $1",
                params![o.to_string()],
            )?
            .is_none()
    {
        return Err(Error::invalid("user.office.invalid").with_field("office_id"));
    }
    let u = User {
        id: UserId::new(),
        username: new.username.clone(),
        display_name: display_name.clone(),
        office_id: new.office_id,
        role: new.role.clone(),
        locale: new.locale.clone(),
        status: UserStatus::Active,
        totp_enabled: false,
        created_at: tx.now(),
    };
    tx.exec(
        &format!(
            "INSERT INTO users ({USER_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ),
        params![
            u.id.to_string(),
            u.username.as_str(),
            u.display_name.as_str(),
            u.office_id.map(|o| o.to_string()),
            u.role.as_str(),
            u.locale.clone(),
            u.status.code(),
            Option::<String>::None,
            u.created_at,
            new.password_hash.as_str(),
        ],
    )
    .map_err(|e| e.into_error("user.username.taken"))?;
    audit::append(
        tx,
        ctx,
        &AuditEvent::new("user.create", "user", u.id).with_details(
            serde_json::json!({ "username": u.username.as_str(), "role": u.role.as_str() }),
        ),
    )?;
    Ok(u)
}

/// Writes the throttle state of one key (a name, a name from an address, or an address).
fn put_throttle(tx: &mut dyn Tx, key: &str, state: &LoginThrottle) -> Result<()> {
    tx.exec(
        "INSERT INTO login_throttle (username, failures, locked_until) VALUES ($1, $2, $3) \
         ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until",
        params![key, i64::from(state.failures), state.locked_until.map(truncate_ms)],
    )?;
    Ok(())
}

impl daftar_domain::store::UserStore for SqlStore {
    fn create_user(&self, ctx: &AuditCtx, new: &NewUser) -> Result<User> {
        self.write(|tx| insert_user(tx, ctx, new))
    }

    fn get_user(&self, id: UserId) -> Result<User> {
        self.read(|tx| get_user_in(tx, id).map(|a| a.user))
    }

    fn user_auth(&self, id: UserId) -> Result<UserAuth> {
        self.read(|tx| get_user_in(tx, id))
    }

    fn user_auth_by_username(&self, username: &Username) -> Result<Option<UserAuth>> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {USER_COLS} FROM users WHERE username = $1"),
                params![username.as_str()],
            )?
            .as_ref()
            .map(user_auth)
            .transpose()
        })
    }

    fn list_users(&self, reach: &Reach, req: PageRequest) -> Result<Page<User>> {
        let (wh, args) = reach_filter(reach);
        self.read(|tx| {
            paged(
                tx,
                USER_COLS,
                &format!("FROM users{wh}"),
                "username",
                args,
                req,
                user,
            )
        })
    }

    fn set_user_status(&self, ctx: &AuditCtx, id: UserId, status: UserStatus) -> Result<()> {
        let ev = AuditEvent::new("user.status", "user", id)
            .with_details(serde_json::json!({ "status": status.code() }));
        self.update_user(ctx, id, "status", status.code().into(), ev, |tx| {
            if status == UserStatus::Disabled {
                let t = tx.now();
                tx.exec("UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", params![t, id.to_string()])?;
                tx.exec("UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL", params![t, id.to_string()])?;
            }
            Ok(())
        })
    }

    fn set_password(&self, ctx: &AuditCtx, id: UserId, hash: &str) -> Result<()> {
        self.update_user(
            ctx,
            id,
            "password_hash",
            hash.into(),
            AuditEvent::new("user.password", "user", id),
            |_| Ok(()),
        )
    }

    fn set_locale(&self, ctx: &AuditCtx, id: UserId, locale: Option<&str>) -> Result<()> {
        let ev = AuditEvent::new("user.locale", "user", id)
            .with_details(serde_json::json!({ "locale": locale }));
        self.update_user(
            ctx,
            id,
            "locale",
            locale.map(str::to_owned).into(),
            ev,
            |_| Ok(()),
        )
    }

    fn set_totp(&self, ctx: &AuditCtx, id: UserId, secret: Option<&str>) -> Result<()> {
        let ev = AuditEvent::new("user.totp", "user", id)
            .with_details(serde_json::json!({ "enabled": secret.is_some() }));
        self.update_user(
            ctx,
            id,
            "totp_secret",
            secret.map(str::to_owned).into(),
            ev,
            |_| Ok(()),
        )
    }

    fn login_throttle(&self, username: &str) -> Result<LoginThrottle> {
        self.read(|tx| {
            let r = tx.query_opt(
                "SELECT failures, locked_until FROM login_throttle WHERE username = $1",
                params![username],
            )?;
            Ok(match r {
                Some(r) => LoginThrottle {
                    failures: u32::try_from(r.i64(0)?).unwrap_or(u32::MAX),
                    locked_until: r.opt_ts(1)?,
                },
                None => LoginThrottle {
                    failures: 0,
                    locked_until: None,
                },
            })
        })
    }

    fn record_login_failure(
        &self,
        ctx: &AuditCtx,
        username: &str,
        state: LoginThrottle,
    ) -> Result<()> {
        self.write(|tx| {
            put_throttle(tx, username, &state)?;
            let ev = AuditEvent::new("auth.login.failed", "username", username)
                .with_details(serde_json::json!({ "failures": state.failures, "locked": state.locked_until.is_some() }));
            audit::append(tx, ctx, &ev)?;
            Ok(())
        })
    }

    /// Clears the name's own counter and its per-address counters (`name @address`, see
    /// daftar-web's `auth::throttle`).
    fn clear_login_failures(&self, username: &str) -> Result<()> {
        let escaped: String = username
            .chars()
            .flat_map(|c| match c {
                '!' | '%' | '_' => vec!['!', c],
                c => vec![c],
            })
            .collect();
        self.write(|tx| {
            tx.exec(
                "DELETE FROM login_throttle WHERE username = $1 OR username LIKE $2 ESCAPE '!'",
                params![username, format!("{escaped} @%")],
            )?;
            Ok(())
        })
    }

    fn store_throttles(
        &self,
        ctx: &AuditCtx,
        event: Option<&AuditEvent>,
        states: &[(String, LoginThrottle)],
    ) -> Result<()> {
        self.write(|tx| {
            for (key, state) in states {
                if state.failures == 0 && state.locked_until.is_none() {
                    tx.exec(
                        "DELETE FROM login_throttle WHERE username = $1",
                        params![key.as_str()],
                    )?;
                    continue;
                }
                put_throttle(tx, key, state)?;
            }
            if let Some(event) = event {
                audit::append(tx, ctx, event)?;
            }
            Ok(())
        })
    }

    fn count_failure(
        &self,
        ctx: &AuditCtx,
        keys: &[String],
        next: &daftar_domain::store::NextThrottles,
    ) -> Result<Vec<LoginThrottle>> {
        self.write(|tx| {
            let lock = match tx.dialect() {
                Dialect::Postgres => " FOR UPDATE",
                Dialect::Sqlite => "",
            };
            let mut order: Vec<usize> = (0..keys.len()).collect();
            order.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
            let mut before = vec![LoginThrottle { failures: 0, locked_until: None }; keys.len()];
            for i in order {
                // A row to lock even for a key seen for the first time.
                tx.exec(
                    "INSERT INTO login_throttle (username, failures, locked_until) VALUES ($1, 0, NULL) ON CONFLICT (username) DO NOTHING",
                    params![keys[i].as_str()],
                )?;
                let r = tx.query_one(
                    &format!("SELECT failures, locked_until FROM login_throttle WHERE username = $1{lock}"),
                    params![keys[i].as_str()],
                )?;
                before[i] = LoginThrottle {
                    failures: u32::try_from(r.i64(0)?).unwrap_or(u32::MAX),
                    locked_until: r.opt_ts(1)?,
                };
            }
            let (after, event) = next(&before);
            for (key, state) in keys.iter().zip(&after) {
                if state.failures == 0 && state.locked_until.is_none() {
                    tx.exec("DELETE FROM login_throttle WHERE username = $1", params![key.as_str()])?;
                } else {
                    put_throttle(tx, key, state)?;
                }
            }
            audit::append(tx, ctx, &event)?;
            Ok(after)
        })
    }

    fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
        self.write(|tx| {
            let n = tx.exec(
                "UPDATE users SET totp_last_step = $1 \
                 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
                params![step, user.to_string()],
            )?;
            Ok(n == 1)
        })
    }

    fn create_session(&self, ctx: &AuditCtx, s: &Session) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                &format!("INSERT INTO sessions ({SESSION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"),
                params![
                    s.id.to_string(),
                    s.token_hash.as_str(),
                    s.user_id.to_string(),
                    s.csrf_token.as_str(),
                    s.mfa_ok,
                    truncate_ms(s.created_at),
                    truncate_ms(s.last_seen_at),
                    s.step_up_at.map(truncate_ms),
                    s.revoked_at.map(truncate_ms),
                    s.user_agent.as_str(),
                ],
            )?;
            audit::append(tx, ctx, &AuditEvent::new("auth.login", "session", s.id).with_details(serde_json::json!({ "mfa_ok": s.mfa_ok })))?;
            Ok(())
        })
    }

    fn session_by_token_hash(&self, hash: &str) -> Result<Option<Session>> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {SESSION_COLS} FROM sessions WHERE token_hash = $1"),
                params![hash],
            )?
            .as_ref()
            .map(session)
            .transpose()
        })
    }

    fn signed_in_by_session(&self, hash: &str) -> Result<Option<SignedIn<Session>>> {
        self.looked_up(
            hash,
            "sessions",
            SESSION_COLS,
            session,
            SignIns::keep_session,
        )
    }

    fn kept_session(&self, hash: &str) -> Option<SignedIn<Session>> {
        self.sign_ins.session(hash)
    }

    fn kept_token(&self, hash: &str) -> Option<SignedIn<ApiToken>> {
        self.sign_ins.token(hash)
    }

    fn keep_sign_ins(&self) -> Result<()> {
        self.listen_for_sign_in_changes()
    }

    fn sign_in_figures(&self) -> daftar_domain::session::SignInFigures {
        self.sign_ins.figures()
    }

    fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<()> {
        let at = truncate_ms(at);
        self.write(|tx| {
            tx.exec(
                "UPDATE sessions SET last_seen_at = $1 WHERE id = $2",
                params![at, id.to_string()],
            )?;
            Ok(())
        })?;
        self.sign_ins.touched(id, at);
        Ok(())
    }

    fn update_session_auth(
        &self,
        ctx: &AuditCtx,
        id: SessionId,
        mfa_ok: bool,
        step_up_at: Option<OffsetDateTime>,
    ) -> Result<()> {
        self.changing_sign_ins(Change::Session(id), || {
            self.write(|tx| {
                let n = tx.exec(
                    "UPDATE sessions SET mfa_ok = $1, step_up_at = $2 WHERE id = $3",
                    params![mfa_ok, step_up_at.map(truncate_ms), id.to_string()],
                )?;
                if n == 0 {
                    return Err(Error::not_found("session.not_found"));
                }
                audit::log(
                    tx,
                    ctx,
                    if step_up_at.is_some() {
                        "auth.step_up"
                    } else {
                        "auth.mfa"
                    },
                    "session",
                    id,
                )?;
                Ok(())
            })
        })
    }

    fn revoke_session(&self, ctx: &AuditCtx, id: SessionId) -> Result<()> {
        self.changing_sign_ins(Change::Session(id), || {
            self.write(|tx| {
                let n = tx.exec(
                    "UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                    params![tx.now(), id.to_string()],
                )?;
                if n == 0 {
                    return Err(Error::not_found("session.not_found"));
                }
                let action = if ctx.purpose == daftar_domain::audit::purpose::AUTHENTICATION {
                    "auth.logout"
                } else {
                    "session.revoke"
                };
                audit::log(tx, ctx, action, "session", id)?;
                Ok(())
            })
        })
    }

    fn revoke_user_sessions(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        except: Option<SessionId>,
    ) -> Result<u64> {
        self.changing_sign_ins(Change::User(user), || self.write(|tx| {
            let n = tx.exec(
                "UPDATE sessions SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL AND (CAST($3 AS TEXT) IS NULL OR id <> $3)",
                params![tx.now(), user.to_string(), except.map(|e| e.to_string())],
            )?;
            audit::append(tx, ctx, &AuditEvent::new("session.revoke_all", "user", user).with_details(serde_json::json!({ "revoked": n })))?;
            Ok(n)
        }))
    }

    fn list_sessions(&self, user: UserId) -> Result<Vec<Session>> {
        self.read(|tx| all(tx.query(&format!("SELECT {SESSION_COLS} FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 50"), params![user.to_string()])?, session))
    }

    fn create_api_token(&self, ctx: &AuditCtx, t: &ApiToken) -> Result<()> {
        self.write(|tx| {
            tx.exec(
                &format!(
                    "INSERT INTO api_tokens ({TOKEN_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
                ),
                params![
                    t.id.to_string(),
                    t.user_id.to_string(),
                    t.name.as_str(),
                    t.scopes.join(" "),
                    t.token_hash.as_str(),
                    truncate_ms(t.created_at),
                    t.expires_at.map(truncate_ms),
                    t.revoked_at.map(truncate_ms),
                    t.purpose.as_str(),
                ],
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("token.create", "api_token", t.id).with_details(
                    serde_json::json!({ "scopes": t.scopes, "purpose": t.purpose, "expires_at": t.expires_at.map(|e| e.unix_timestamp()) }),
                ),
            )?;
            Ok(())
        })
    }

    fn api_token_by_hash(&self, hash: &str) -> Result<Option<ApiToken>> {
        self.read(|tx| {
            tx.query_opt(
                &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1"),
                params![hash],
            )?
            .as_ref()
            .map(token)
            .transpose()
        })
    }

    fn signed_in_by_token(&self, hash: &str) -> Result<Option<SignedIn<ApiToken>>> {
        self.looked_up(hash, "api_tokens", TOKEN_COLS, token, SignIns::keep_token)
    }

    fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.read(|tx| all(tx.query(&format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC"), params![user.to_string()])?, token))
    }

    fn revoke_api_token(&self, ctx: &AuditCtx, user: UserId, id: ApiTokenId) -> Result<()> {
        self.changing_sign_ins(Change::User(user), || self.write(|tx| {
            let n = tx.exec("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL", params![tx.now(), id.to_string(), user.to_string()])?;
            if n == 0 {
                return Err(Error::not_found("token.not_found"));
            }
            audit::log(tx, ctx, "token.revoke", "api_token", id)?;
            Ok(())
        }))
    }
}
