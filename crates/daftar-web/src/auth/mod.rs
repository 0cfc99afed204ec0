//! Who is calling. Resolves the session cookie or bearer token into an [`Auth`], and provides
//! the extractors handlers use: [`Staff`] (fully signed in), [`Ctx`] (request context), and the
//! CSRF-checked form [`CsrfForm`].

mod csrf;
pub mod scope;
pub mod secrets;
pub mod throttle;
pub mod totp;

pub use csrf::{CsrfForm, NoFields};
pub use daftar_domain::secret::password;
pub use scope::InOffice;
pub use secrets::{cookie, random_token, same_secret};

use crate::context::RequestCtx;
use crate::error::AppError;
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use daftar_domain::audit::AuditCtx;
use daftar_domain::licence::OfficeStanding;
use daftar_domain::office::Office;
use daftar_domain::permission::{Principal, RoleDef};
use daftar_domain::session::{Session, secret_hash};
use daftar_domain::store::Store;
use daftar_domain::user::{User, UserStatus};
use daftar_domain::{Error, ErrorKind, Result};
use time::Date;

/// Name of the session cookie (holds only a random secret).
pub const SESSION_COOKIE: &str = "daftar_session";

/// An authenticated caller.
#[derive(Clone, Debug)]
pub struct Auth {
    /// The account.
    pub user: User,
    /// Its role definition.
    pub role: RoleDef,
    /// Effective permissions (narrowed for tokens).
    pub principal: Principal,
    /// The session, for cookie-authenticated requests.
    pub session: Option<Session>,
    /// The API token, for bearer-authenticated requests.
    pub token: Option<daftar_domain::ids::ApiTokenId>,
}

impl Auth {
    /// Whether the second factor is still owed (session passed the password only).
    pub fn mfa_pending(&self) -> bool {
        self.session.as_ref().is_some_and(|s| !s.mfa_ok)
    }
    /// Whether the role requires TOTP and none is enrolled yet.
    pub fn must_enrol_totp(&self) -> bool {
        self.role.totp_required && !self.user.totp_enabled
    }
    /// The audit context for an action by this caller.
    pub fn audit(&self, ctx: &RequestCtx, purpose: &str) -> AuditCtx {
        AuditCtx {
            actor_id: Some(self.user.id),
            actor: self.user.username.as_str().to_owned(),
            office_id: self.user.office_id,
            purpose: purpose.to_owned(),
            request_id: ctx.request_id.clone(),
        }
    }
}

/// The caller's session or token with its user and office: what this node keeps (ADR 0005),
/// else `fetch` on a blocking thread. Counted by where it was answered, for `/metrics`.
async fn signed_in<T: Send + 'static>(
    state: &AppState,
    hash: String,
    kept: impl FnOnce(&dyn Store, &str) -> Option<T>,
    fetch: fn(&dyn Store, &str) -> Result<Option<T>>,
) -> Result<Option<T>> {
    let from = |at: &'static str| {
        metrics::counter!("daftar_sign_in_lookups_total", "from" => at).increment(1);
    };
    if let Some(f) = kept(state.store.as_ref(), &hash) {
        from("node");
        return Ok(Some(f));
    }
    from("database");
    state.db(move |s| fetch(s, &hash)).await
}

/// Resolves the caller from a bearer token or the session cookie. A bad bearer token is an
/// error (`auth.token.invalid`); a stale cookie just means "not signed in".
pub async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    request_id: &str,
) -> Result<Option<Auth>> {
    let now = state.clock.now();
    let today = state.clock.date_of(now);
    if let Some(authz) = headers.get(header::AUTHORIZATION) {
        let token = authz
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 128)
            .ok_or_else(|| Error::new("auth.token.invalid", ErrorKind::Unauthenticated))?;
        let hash = secret_hash(token);
        let found = signed_in(
            state,
            hash,
            |s, h| s.kept_token(h),
            |s, h| s.signed_in_by_token(h),
        )
        .await?
        .filter(|f| f.credential.is_live(now))
        .ok_or_else(|| Error::new("auth.token.invalid", ErrorKind::Unauthenticated))?;
        let office_status = standing(found.office.as_ref(), today);
        let (tok, user) = (found.credential, found.user);
        if user.status != UserStatus::Active {
            return Err(Error::new("auth.token.invalid", ErrorKind::Unauthenticated));
        }
        let role = state.role_def(&user.role)?;
        let principal = principal_for(&user, &role, office_status).narrowed(&tok.permissions());
        return Ok(Some(Auth {
            user,
            role,
            principal,
            session: None,
            token: Some(tok.id),
        }));
    }
    let Some(secret) = crate::context::cookie_value(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let hash = secret_hash(&secret);
    let policy = state.config.session;
    let found = signed_in(
        state,
        hash,
        |s, h| s.kept_session(h),
        |s, h| s.signed_in_by_session(h),
    )
    .await?
    .filter(|f| f.credential.is_live(&policy, now) && f.user.status == UserStatus::Active);
    // The session's last activity is written at most once a minute.
    if let Some(f) = &found
        && now - f.credential.last_seen_at > time::Duration::minutes(1)
    {
        let id = f.credential.id;
        state.db(move |s| s.touch_session(id, now)).await?;
    }
    let found = found.map(|f| {
        let status = standing(f.office.as_ref(), today);
        (f.credential, f.user, status)
    });
    let Some((session, user, office_status)) = found else {
        return Ok(None);
    };
    let role = state.role_def(&user.role)?;
    let _ = request_id;
    let principal = principal_for(&user, &role, office_status);
    Ok(Some(Auth {
        user,
        role,
        principal,
        session: Some(session),
        token: None,
    }))
}

/// The status and licence standing of the user's office on the offices' `today`, read on every
/// request so that suspending or closing an office, or a licence that stops serving (suspended,
/// revoked, expired, pending), cuts its staff off at once, on every web node (nothing cuts off
/// users without an office).
pub fn office_status(store: &dyn Store, user: &User, today: Date) -> Result<OfficeStanding> {
    match user.office_id {
        Some(id) => Ok(standing(Some(&store.get_office(id)?), today)),
        None => Ok(standing(None, today)),
    }
}

/// The standing of a user's office (`None`: a user without an office, never cut off).
fn standing(office: Option<&Office>, today: Date) -> OfficeStanding {
    office.map_or(OfficeStanding::FREE, |o| OfficeStanding::of(o, today))
}

/// The principal of a user with its role's permissions, cut down while its office is not
/// active or its licence does not serve (see [`Principal::with_standing`]). This is the one
/// place a staff member's principal is made, so every route sees the office's standing.
pub fn principal_for(user: &User, role: &RoleDef, standing: OfficeStanding) -> Principal {
    Principal::new(
        user.id,
        user.username.as_str().to_owned(),
        user.role.clone(),
        user.office_id,
        role.permissions.clone(),
    )
    .with_standing(standing)
}

/// The request context (always present behind the middleware).
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestCtx);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        _: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .map(Ctx)
            .ok_or_else(|| AppError(Error::internal("request context missing")))
    }
}

/// A fully signed-in staff member (password and, where needed, TOTP). Rejects with
/// `auth.required` (401; pages redirect to the login), `auth.mfa.required` or
/// `auth.totp.enrol_required`.
#[derive(Debug, Clone)]
pub struct Staff {
    /// The caller.
    pub auth: Auth,
    /// The request context.
    pub ctx: RequestCtx,
}

impl Staff {
    /// The principal.
    pub fn principal(&self) -> &Principal {
        &self.auth.principal
    }
    /// The audit context for an action with `purpose`.
    pub fn audit(&self, purpose: &str) -> AuditCtx {
        self.auth.audit(&self.ctx, purpose)
    }
    /// What a single-person read by this caller brings to the bulk-read count: the account
    /// (the user, or the API token the request came with), the limit in force and the purpose
    /// the reader stated (`read.purpose.invalid` for a malformed one).
    pub fn read_guard(
        &self,
        state: &AppState,
        stated: &str,
    ) -> Result<daftar_domain::read_watch::ReadGuard> {
        Ok(daftar_domain::read_watch::ReadGuard {
            account: daftar_domain::read_watch::ReadAccount {
                user: self.auth.user.id,
                token: self.auth.token,
            },
            limit: state.read_limit(),
            purpose: daftar_domain::read_watch::stated_purpose(stated)?,
        })
    }
    /// Fails with `auth.step_up.required` unless the session re-authenticated recently.
    /// Token-authenticated calls cannot step up and are refused (`auth.step_up.session_only`).
    pub fn require_step_up(&self, policy: &daftar_domain::session::SessionPolicy) -> Result<()> {
        match &self.auth.session {
            Some(s) if s.stepped_up(policy, self.ctx.now) => Ok(()),
            Some(_) => Err(Error::new(
                "auth.step_up.required",
                ErrorKind::Unauthenticated,
            )),
            None => Err(Error::forbidden("auth.step_up.session_only")),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = AppError;
    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        let Ctx(ctx) = Ctx::from_request_parts(parts, state).await?;
        let auth = ctx
            .auth
            .clone()
            .ok_or_else(|| AppError(Error::new("auth.required", ErrorKind::Unauthenticated)))?;
        if auth.mfa_pending() {
            let code = if auth.must_enrol_totp() {
                "auth.totp.enrol_required"
            } else {
                "auth.mfa.required"
            };
            return Err(AppError(Error::new(code, ErrorKind::Unauthenticated)));
        }
        Ok(Staff { auth, ctx })
    }
}
