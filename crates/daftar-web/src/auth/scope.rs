//! [`InOffice<P>`]: an extractor that proves, before any request body is read, that the caller
//! may exercise permission `P` on the office named by the `{office_id}` path segment. Handlers of
//! office-scoped routes take it and hand its [`OfficeScope`] to the store, so reaching another
//! office's data is impossible without passing the check, and a refused request never gets as far
//! as validating its body.

use super::Staff;
use crate::error::AppError;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use daftar_domain::Error;
use daftar_domain::ids::OfficeId;
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use std::marker::PhantomData;

/// A permission named at the type level.
pub trait Perm: Send + Sync + 'static {
    /// The permission.
    const PERMISSION: Permission;
}

macro_rules! perm {
    ($($name:ident => $p:ident),* $(,)?) => {$(
        #[doc = concat!("Type-level [`Permission::", stringify!($p), "`].")]
        #[derive(Debug)]
        pub struct $name;
        impl Perm for $name {
            const PERMISSION: Permission = Permission::$p;
        }
    )*};
}

perm!(OfficeRead => OfficeRead, PersonRead => PersonRead, PersonWrite => PersonWrite, PersonExport => PersonExport, UserManage => UserManage, CredentialRevoke => CredentialRevoke, KpiRead => KpiRead, PlanSubmit => PlanSubmit, LicenceApply => LicenceApply, HelpdeskAnswer => HelpdeskAnswer);

/// Proof that the caller may use `P` on the path's office.
#[derive(Debug)]
pub struct InOffice<P: Perm> {
    /// The caller.
    pub staff: Staff,
    /// The scope to hand to the store.
    pub scope: OfficeScope,
    _p: PhantomData<P>,
}

impl<P: Perm> InOffice<P> {
    /// Wraps a scope already obtained from `Principal::scope`; `None` unless it was granted
    /// for `P`.
    pub fn from_parts(staff: Staff, scope: OfficeScope) -> Option<Self> {
        (scope.permission() == P::PERMISSION).then_some(Self {
            staff,
            scope,
            _p: PhantomData,
        })
    }

    /// The office id.
    pub fn office_id(&self) -> OfficeId {
        self.scope.office_id()
    }
}

impl<S: Send + Sync, P: Perm> FromRequestParts<S> for InOffice<P> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError(Error::not_found("request.path.invalid")))?;
        let office: OfficeId = raw
            .iter()
            .find(|(k, _)| *k == "office_id")
            .ok_or_else(|| AppError(Error::internal("route has no {office_id}")))?
            .1
            .parse()
            .map_err(|_| AppError(Error::not_found("request.path.invalid")))?;
        let scope = staff.principal().scope(office, P::PERMISSION)?;
        Ok(Self {
            staff,
            scope,
            _p: PhantomData,
        })
    }
}

/// Proof that the caller holds `P` somewhere (in their office, or everywhere): for routes that
/// name no office. Checked before any later extractor (an idempotent replay among them).
#[derive(Debug)]
pub struct Reaching<P: Perm> {
    /// The caller.
    pub staff: Staff,
    /// Where the caller may use `P`.
    pub reach: Reach,
    _p: PhantomData<P>,
}

impl<S: Send + Sync, P: Perm> FromRequestParts<S> for Reaching<P> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let staff = Staff::from_request_parts(parts, state).await?;
        let reach = staff.principal().reach(P::PERMISSION)?;
        Ok(Self {
            staff,
            reach,
            _p: PhantomData,
        })
    }
}
