//! Roles and permissions. Roles are data (a table seeded by migration and extendable by an
//! administrator); permissions are the fixed set of things the code checks. A [`Principal`] is
//! the authenticated actor with its effective permissions; office data is reachable only through
//! an [`OfficeScope`], a value that only [`Principal::scope`] hands out after checking.

use crate::ids::{OfficeId, UserId};
use crate::licence::{OfficeStanding, Standing};
use crate::office::OfficeStatus;
use crate::{Error, Result};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Something the code checks before acting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Permission {
    /// See the office record(s) in scope.
    OfficeRead,
    /// Reach every office, not only one's own (authority-level roles).
    OfficeAll,
    /// Create offices and change their status.
    OfficeManage,
    /// Manage staff accounts in scope.
    UserManage,
    /// Read personal data of persons in scope.
    PersonRead,
    /// Register and change persons in scope.
    PersonWrite,
    /// Read the audit log.
    AuditRead,
    /// See aggregate figures (small cells suppressed).
    AggregateRead,
    /// Create API tokens for oneself.
    TokenManage,
    /// Review suspected duplicates in scope: merge, unmerge, mark distinct.
    PersonMerge,
    /// Download the persons of an office as a file (no contact or address columns).
    PersonExport,
    /// Change the service catalog and the holiday calendar.
    CatalogManage,
    /// Revoke credentials issued by offices in scope.
    CredentialRevoke,
    /// Act on one's own record through the portal (registered persons).
    SelfService,
    /// Apply for an office's licence (its operator; the authority on their behalf).
    LicenceApply,
    /// Record inspection visits of offices and warn them.
    LicenceInspect,
    /// Issue, renew, suspend, revoke and reinstate office licences.
    LicenceDecide,
    /// Record offices' association memberships and dues (association staff).
    MembershipManage,
    /// Answer help-desk tickets routed to one's office (or, with `office.all`, any), and file
    /// tickets on a person's behalf.
    HelpdeskAnswer,
    /// Open registration rounds and extend them (the authority).
    RoundManage,
    /// See offices' KPI series (counts of cases only): every office with `office.all`
    /// (association staff: their members), one's own office otherwise.
    KpiRead,
    /// See, accept, decline and complete the referrals addressed to one's partner service
    /// (partner users bound to a partner); never a person record.
    ReferralReceive,
    /// Complete the protection screening of a voluntary-return case (trained officers: office
    /// managers of the case's office, authority officers).
    ReturnScreen,
    /// Review return cases whose screening raised a flag, across offices, and clear or refer
    /// them (protection officers).
    ProtectionReview,
    /// Write one's office's one-year and three-year plans and submit them (office managers).
    PlanSubmit,
    /// Review offices' plans (approve, or return with a comment) and follow them up (the
    /// authority's officers).
    PlanReview,
    /// Publish consultations on the offices' directive (drafts, revisions, the final version),
    /// read every comment, and answer the branches' problems and proposals (the authority).
    ConsultationManage,
    /// Comment on a consultation's draft section by section, for one's own office (office
    /// managers) or one's province branch (association staff bound to a branch).
    ConsultationComment,
    /// File problems and proposals to the authority for one's province branch (association
    /// staff bound to a branch).
    ProposalFile,
    /// Record staff members' training and exam records, which grant the accreditations some
    /// steps of the workflow need (the authority's officers; an office does not certify its own
    /// staff).
    AccreditationManage,
}

impl Permission {
    /// Every permission, in a stable order.
    pub const ALL: [Permission; 30] = [
        Permission::OfficeRead,
        Permission::OfficeAll,
        Permission::OfficeManage,
        Permission::UserManage,
        Permission::PersonRead,
        Permission::PersonWrite,
        Permission::AuditRead,
        Permission::AggregateRead,
        Permission::TokenManage,
        Permission::PersonMerge,
        Permission::PersonExport,
        Permission::CatalogManage,
        Permission::CredentialRevoke,
        Permission::SelfService,
        Permission::LicenceApply,
        Permission::LicenceInspect,
        Permission::LicenceDecide,
        Permission::MembershipManage,
        Permission::HelpdeskAnswer,
        Permission::RoundManage,
        Permission::KpiRead,
        Permission::ReferralReceive,
        Permission::ReturnScreen,
        Permission::ProtectionReview,
        Permission::PlanSubmit,
        Permission::PlanReview,
        Permission::ConsultationManage,
        Permission::ConsultationComment,
        Permission::ProposalFile,
        Permission::AccreditationManage,
    ];

    /// The stable code stored in the permission table and used as API token scope.
    pub fn code(self) -> &'static str {
        match self {
            Permission::OfficeRead => "office.read",
            Permission::OfficeAll => "office.all",
            Permission::OfficeManage => "office.manage",
            Permission::UserManage => "user.manage",
            Permission::PersonRead => "person.read",
            Permission::PersonWrite => "person.write",
            Permission::AuditRead => "audit.read",
            Permission::AggregateRead => "aggregate.read",
            Permission::TokenManage => "token.manage",
            Permission::PersonMerge => "person.merge",
            Permission::PersonExport => "person.export",
            Permission::CatalogManage => "catalog.manage",
            Permission::CredentialRevoke => "credential.revoke",
            Permission::SelfService => "self.service",
            Permission::LicenceApply => "licence.apply",
            Permission::LicenceInspect => "licence.inspect",
            Permission::LicenceDecide => "licence.decide",
            Permission::MembershipManage => "membership.manage",
            Permission::HelpdeskAnswer => "helpdesk.answer",
            Permission::RoundManage => "round.manage",
            Permission::KpiRead => "kpi.read",
            Permission::ReferralReceive => "referral.receive",
            Permission::ReturnScreen => "return.screen",
            Permission::ProtectionReview => "protection.review",
            Permission::PlanSubmit => "plan.submit",
            Permission::PlanReview => "plan.review",
            Permission::ConsultationManage => "consultation.manage",
            Permission::ConsultationComment => "consultation.comment",
            Permission::ProposalFile => "proposal.file",
            Permission::AccreditationManage => "accreditation.manage",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Permission {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Permission::ALL
            .into_iter()
            .find(|p| p.code() == s)
            .ok_or_else(|| {
                Error::invalid("permission.unknown")
                    .with_details(serde_json::json!({ "permission": s }))
            })
    }
}

/// A role code such as `clerk`. Roles are rows in the role table.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct RoleCode(String);

impl RoleCode {
    /// Front-desk staff of one office.
    pub const CLERK: &'static str = "clerk";
    /// Manager of one office.
    pub const OFFICE_MANAGER: &'static str = "office_manager";
    /// Authority inspector of offices.
    pub const INSPECTOR: &'static str = "inspector";
    /// Officer of the migration authority.
    pub const AUTHORITY_OFFICER: &'static str = "authority_officer";
    /// Partner service (school, health, livelihood): aggregates only.
    pub const PARTNER: &'static str = "partner";
    /// Auditor: reads and verifies the audit log.
    pub const AUDITOR: &'static str = "auditor";
    /// System administrator.
    pub const SYSTEM_ADMIN: &'static str = "system_admin";
    /// A registered person using the portal (account made at their office; not a staff role).
    pub const APPLICANT: &'static str = "applicant";
    /// Staff of the association of offices: memberships and dues, members' licence standing
    /// and aggregate figures; never person data.
    pub const ASSOCIATION: &'static str = "association";
    /// Protection officer: reviews flagged voluntary-return cases across offices (not bound to
    /// an office); no other person data.
    pub const PROTECTION_OFFICER: &'static str = "protection_officer";
    /// The built-in roles, in display order.
    pub const BUILT_IN: [&'static str; 9] = [
        Self::CLERK,
        Self::OFFICE_MANAGER,
        Self::INSPECTOR,
        Self::AUTHORITY_OFFICER,
        Self::PARTNER,
        Self::AUDITOR,
        Self::SYSTEM_ADMIN,
        Self::ASSOCIATION,
        Self::PROTECTION_OFFICER,
    ];

    /// Validates a role code: 2–32 of `a-z`, `0-9`, `_`.
    pub fn parse(s: &str) -> Result<Self> {
        let ok = (2..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(Error::invalid("role.code.invalid").with_field("role"))
        }
    }
    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl TryFrom<String> for RoleCode {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Self::parse(&s)
    }
}
impl From<RoleCode> for String {
    fn from(r: RoleCode) -> String {
        r.0
    }
}

/// A role as stored: its code, whether staff in it must use TOTP, and its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleDef {
    /// The role code.
    pub code: RoleCode,
    /// Staff in this role must enrol and use TOTP.
    pub totp_required: bool,
    /// Whether users of this role must belong to an office.
    pub office_bound: bool,
    /// What the role may do.
    pub permissions: BTreeSet<Permission>,
}

/// What the principal of an office that is not active keeps: the office's own record,
/// aggregate figures (no personal data), and a registered person's access to their own record
/// (`self.service`; the portal refuses its writes separately, see
/// [`Principal::require_office_active`]). Everything else, every write and every read of
/// personal data, is withheld with `office.inactive`.
pub const KEPT_WHILE_OFFICE_INACTIVE: [Permission; 3] = [
    Permission::OfficeRead,
    Permission::AggregateRead,
    Permission::SelfService,
];

/// The authenticated actor of a request, with the permissions in force for it (a user's role
/// permissions, narrowed to the token's scopes when the request came with an API token, and
/// cut down to [`KEPT_WHILE_OFFICE_INACTIVE`] while the user's office is suspended or closed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The user.
    pub user_id: UserId,
    /// Login name, recorded in the audit log.
    pub username: String,
    /// The user's role.
    pub role: RoleCode,
    /// The office the user belongs to, if any.
    pub office_id: Option<OfficeId>,
    permissions: BTreeSet<Permission>,
    /// The status of the user's office (active when it has none).
    office_status: OfficeStatus,
    /// Permissions of the role held back because the office is not active.
    withheld: BTreeSet<Permission>,
    /// The licence standing that cut the office off, if that is why.
    licence_cut: Option<Standing>,
}

impl Principal {
    /// Builds a principal from a user's role permissions.
    pub fn new(
        user_id: UserId,
        username: String,
        role: RoleCode,
        office_id: Option<OfficeId>,
        permissions: BTreeSet<Permission>,
    ) -> Self {
        Self {
            user_id,
            username,
            role,
            office_id,
            permissions,
            office_status: OfficeStatus::Active,
            withheld: BTreeSet::new(),
            licence_cut: None,
        }
    }

    /// Applies the office's status and licence standing: a licence that does not serve
    /// (pending, expired, suspended, revoked; [`Standing::serves`]) cuts the office's staff off as
    /// a suspended office does, and the `office.inactive` errors name the licence's standing.
    pub fn with_standing(mut self, standing: OfficeStanding) -> Self {
        if !standing.licence.serves() {
            self.licence_cut = Some(standing.licence);
        }
        self.with_office_status(standing.effective_status())
    }

    /// The licence standing that cut the principal's office off, if that is why.
    pub fn licence_cut(&self) -> Option<Standing> {
        self.licence_cut
    }

    /// Applies the status of the principal's office: while it is suspended or closed, an
    /// office-bound principal (one without [`Permission::OfficeAll`]; authority roles are not
    /// cut off) keeps only [`KEPT_WHILE_OFFICE_INACTIVE`]; checks of the withheld permissions
    /// fail with 403 `office.inactive`.
    pub fn with_office_status(mut self, status: OfficeStatus) -> Self {
        self.office_status = status;
        if status != OfficeStatus::Active
            && self.office_id.is_some()
            && !self.permissions.contains(&Permission::OfficeAll)
        {
            let (kept, withheld) = self
                .permissions
                .iter()
                .partition(|p| KEPT_WHILE_OFFICE_INACTIVE.contains(p));
            self.permissions = kept;
            self.withheld.extend::<BTreeSet<Permission>>(withheld);
        }
        self
    }

    /// Narrows the permissions to `scopes` (for API tokens): a token never exceeds its user.
    pub fn narrowed(mut self, scopes: &BTreeSet<Permission>) -> Self {
        self.permissions = self.permissions.intersection(scopes).copied().collect();
        self.withheld = self.withheld.intersection(scopes).copied().collect();
        self
    }

    /// The status of the principal's office (active for principals without one).
    pub fn office_status(&self) -> OfficeStatus {
        self.office_status
    }

    /// Whether the principal is office staff cut off from everything but the office's own
    /// record because the office is not active (sign-in is refused for them).
    pub fn cut_off(&self) -> bool {
        !self.withheld.is_empty() && !self.permissions.contains(&Permission::SelfService)
    }

    /// Fails with 403 `office.inactive` when the principal belongs to an office that is not
    /// active and is not an authority role. For writes that no permission check covers (the
    /// portal's applications, bookings and share codes).
    pub fn require_office_active(&self) -> Result<()> {
        match (self.office_id, self.office_status) {
            (Some(office), status)
                if status != OfficeStatus::Active && !self.has(Permission::OfficeAll) =>
            {
                Err(office_inactive(office, status, self.licence_cut))
            }
            _ => Ok(()),
        }
    }

    /// The effective permissions.
    pub fn permissions(&self) -> &BTreeSet<Permission> {
        &self.permissions
    }

    /// Whether the principal holds `p`.
    pub fn has(&self, p: Permission) -> bool {
        self.permissions.contains(&p)
    }

    /// Fails with `auth.forbidden` unless the principal holds `p`; with `office.inactive` when
    /// its role grants `p` but its office is suspended or closed.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.has(p) {
            Ok(())
        } else if let (true, Some(office)) = (self.withheld.contains(&p), self.office_id) {
            Err(office_inactive(
                office,
                self.office_status,
                self.licence_cut,
            ))
        } else {
            Err(Error::forbidden("auth.forbidden")
                .with_details(serde_json::json!({ "permission": p.code() })))
        }
    }

    /// The only way to obtain an [`OfficeScope`]: the principal must hold `p`, and the office
    /// must be its own unless it holds [`Permission::OfficeAll`]. Fails with `office.scope.denied`.
    pub fn scope(&self, office: OfficeId, p: Permission) -> Result<OfficeScope> {
        self.require(p)?;
        if self.office_id == Some(office) || self.has(Permission::OfficeAll) {
            Ok(OfficeScope {
                office_id: office,
                permission: p,
                actor: self.user_id,
            })
        } else {
            Err(Error::forbidden("office.scope.denied")
                .with_details(serde_json::json!({ "office_id": office.to_string() })))
        }
    }

    /// How far `p` reaches for this principal: every office with [`Permission::OfficeAll`],
    /// else its own office. Used by lists that span offices.
    pub fn reach(&self, p: Permission) -> Result<Reach> {
        self.require(p)?;
        if self.has(Permission::OfficeAll) {
            Ok(Reach::All(AllOffices { permission: p }))
        } else {
            Ok(Reach::Office(self.own_scope(p)?))
        }
    }

    /// The scope of the principal's own office for `p`; `office.none` when it has no office.
    pub fn own_scope(&self, p: Permission) -> Result<OfficeScope> {
        let office = self
            .office_id
            .ok_or_else(|| Error::forbidden("office.none"))?;
        self.scope(office, p)
    }
}

/// 403 `office.inactive`: the caller's office is suspended or closed, or its licence does not
/// serve (`licence`: its standing, then).
fn office_inactive(office: OfficeId, status: OfficeStatus, licence: Option<Standing>) -> Error {
    let mut details = serde_json::json!({
        "office_id": office.to_string(),
        "status": status.code(),
    });
    if let Some(l) = licence {
        details["licence"] = serde_json::json!(l.code());
    }
    Error::forbidden("office.inactive").with_details(details)
}

/// Proof that an actor may exercise one permission on one office's data. It has no public
/// constructor: storage methods that touch office data take it, so a handler cannot reach
/// another office's data without going through [`Principal::scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OfficeScope {
    office_id: OfficeId,
    permission: Permission,
    actor: UserId,
}

impl OfficeScope {
    /// The office this scope opens.
    pub fn office_id(&self) -> OfficeId {
        self.office_id
    }
    /// The permission it was granted for.
    pub fn permission(&self) -> Permission {
        self.permission
    }
    /// The user it was granted to.
    pub fn actor(&self) -> UserId {
        self.actor
    }
    /// Fails unless this scope was granted for `p`.
    pub fn require(&self, p: Permission) -> Result<()> {
        if self.permission == p {
            Ok(())
        } else {
            Err(Error::forbidden("auth.forbidden"))
        }
    }
}

/// Proof that an actor may exercise one permission on every office. No public constructor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllOffices {
    permission: Permission,
}

impl AllOffices {
    /// The permission it was granted for.
    pub fn permission(&self) -> Permission {
        self.permission
    }
}

/// How far a list may reach: one office or all of them. Obtained from [`Principal::reach`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Every office.
    All(AllOffices),
    /// One office.
    Office(OfficeScope),
}

impl Reach {
    /// The office it is limited to, if any.
    pub fn office_id(&self) -> Option<OfficeId> {
        match self {
            Reach::All(_) => None,
            Reach::Office(s) => Some(s.office_id()),
        }
    }
    /// The permission it was granted for.
    pub fn permission(&self) -> Permission {
        match self {
            Reach::All(a) => a.permission(),
            Reach::Office(s) => s.permission(),
        }
    }
}

/// Grants for the system itself (CLI and seeding), which acts outside any user's scope.
/// Kept explicit so that a search for it finds every place the scope check is bypassed.
pub fn system_scope(office: OfficeId, p: Permission) -> OfficeScope {
    OfficeScope {
        office_id: office,
        permission: p,
        actor: UserId::default(),
    }
}

/// The every-office reach of the system itself (CLI listings), see [`system_scope`].
pub fn system_reach(p: Permission) -> Reach {
    Reach::All(AllOffices { permission: p })
}

/// The default permission table seeded into a new database (role, TOTP required, office-bound,
/// permissions). Administrators may add roles; these are the built-in ones.
pub fn default_roles() -> Vec<RoleDef> {
    use Permission::*;
    let def = |code: &str, totp: bool, office_bound: bool, perms: &[Permission]| RoleDef {
        code: RoleCode(code.to_owned()),
        totp_required: totp,
        office_bound,
        permissions: perms.iter().copied().collect(),
    };
    vec![
        def(
            RoleCode::CLERK,
            false,
            true,
            &[OfficeRead, PersonRead, PersonWrite],
        ),
        def(
            RoleCode::OFFICE_MANAGER,
            false,
            true,
            &[
                OfficeRead,
                PersonRead,
                PersonWrite,
                PersonMerge,
                PersonExport,
                UserManage,
                AggregateRead,
                TokenManage,
                CredentialRevoke,
                LicenceApply,
                HelpdeskAnswer,
                KpiRead,
                ReturnScreen,
                PlanSubmit,
                ConsultationComment,
            ],
        ),
        def(
            RoleCode::INSPECTOR,
            false,
            false,
            &[
                OfficeRead,
                OfficeAll,
                AggregateRead,
                LicenceInspect,
                KpiRead,
            ],
        ),
        def(
            RoleCode::AUTHORITY_OFFICER,
            true,
            false,
            &[
                OfficeRead,
                OfficeAll,
                PersonRead,
                PersonMerge,
                AggregateRead,
                TokenManage,
                CatalogManage,
                CredentialRevoke,
                LicenceApply,
                LicenceInspect,
                LicenceDecide,
                HelpdeskAnswer,
                RoundManage,
                KpiRead,
                ReturnScreen,
                PlanReview,
                ConsultationManage,
                AccreditationManage,
            ],
        ),
        def(
            RoleCode::PARTNER,
            false,
            false,
            &[AggregateRead, OfficeAll, ReferralReceive],
        ),
        def(
            RoleCode::PROTECTION_OFFICER,
            true,
            false,
            &[OfficeRead, OfficeAll, ProtectionReview],
        ),
        def(
            RoleCode::ASSOCIATION,
            false,
            false,
            &[
                OfficeRead,
                OfficeAll,
                AggregateRead,
                MembershipManage,
                KpiRead,
                ConsultationComment,
                ProposalFile,
            ],
        ),
        def(RoleCode::APPLICANT, false, true, &[SelfService]),
        def(
            RoleCode::AUDITOR,
            false,
            false,
            &[OfficeRead, OfficeAll, AuditRead],
        ),
        def(
            RoleCode::SYSTEM_ADMIN,
            true,
            false,
            &[
                OfficeRead,
                OfficeAll,
                OfficeManage,
                UserManage,
                AuditRead,
                TokenManage,
                CatalogManage,
            ],
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(office: Option<OfficeId>, perms: &[Permission]) -> Principal {
        Principal::new(
            UserId::new(),
            "u".into(),
            RoleCode("clerk".into()),
            office,
            perms.iter().copied().collect(),
        )
    }

    #[test]
    fn scope_is_own_office_only_without_office_all() {
        let a = OfficeId::new();
        let b = OfficeId::new();
        let p = principal(Some(a), &[Permission::PersonRead]);
        assert_eq!(
            p.scope(a, Permission::PersonRead).map(|s| s.office_id()),
            Ok(a)
        );
        assert_eq!(
            p.scope(b, Permission::PersonRead).map_err(|e| e.code),
            Err("office.scope.denied")
        );
        assert_eq!(
            p.scope(a, Permission::PersonWrite).map_err(|e| e.code),
            Err("auth.forbidden")
        );
    }

    #[test]
    fn office_all_reaches_every_office() {
        let p = principal(None, &[Permission::PersonRead, Permission::OfficeAll]);
        assert!(p.scope(OfficeId::new(), Permission::PersonRead).is_ok());
        assert_eq!(
            p.own_scope(Permission::PersonRead).map_err(|e| e.code),
            Err("office.none")
        );
    }

    #[test]
    fn token_scopes_never_exceed_the_user() {
        let p = principal(None, &[Permission::PersonRead]);
        let n = p.narrowed(
            &[Permission::PersonRead, Permission::OfficeManage]
                .into_iter()
                .collect(),
        );
        assert!(n.has(Permission::PersonRead));
        assert!(!n.has(Permission::OfficeManage));
    }

    #[test]
    fn an_inactive_office_keeps_only_its_record_and_aggregates() {
        let a = OfficeId::new();
        let all = [
            Permission::OfficeRead,
            Permission::PersonRead,
            Permission::PersonWrite,
            Permission::AggregateRead,
            Permission::TokenManage,
        ];
        for status in [OfficeStatus::Suspended, OfficeStatus::Closed] {
            let p = principal(Some(a), &all).with_office_status(status);
            assert!(p.cut_off());
            assert!(p.scope(a, Permission::OfficeRead).is_ok());
            assert!(p.reach(Permission::AggregateRead).is_ok());
            for denied in [
                Permission::PersonRead,
                Permission::PersonWrite,
                Permission::TokenManage,
            ] {
                assert!(!p.has(denied));
                assert_eq!(
                    p.scope(a, denied).map_err(|e| e.code),
                    Err("office.inactive")
                );
            }
            assert_eq!(
                p.require(Permission::AuditRead).map_err(|e| e.code),
                Err("auth.forbidden")
            );
            assert_eq!(
                p.require_office_active().map_err(|e| e.code),
                Err("office.inactive")
            );
        }
        let active = principal(Some(a), &all).with_office_status(OfficeStatus::Active);
        assert!(active.scope(a, Permission::PersonWrite).is_ok());
        assert!(!active.cut_off());
        // Authority roles are not cut off by an office's status.
        let authority = principal(Some(a), &[Permission::PersonRead, Permission::OfficeAll])
            .with_office_status(OfficeStatus::Closed);
        assert!(authority.scope(a, Permission::PersonRead).is_ok());
        assert!(authority.require_office_active().is_ok());
        // An applicant keeps their own record.
        let applicant = principal(Some(a), &[Permission::SelfService])
            .with_office_status(OfficeStatus::Suspended);
        assert!(applicant.has(Permission::SelfService));
        assert!(!applicant.cut_off());
    }

    #[test]
    fn a_licence_that_does_not_serve_cuts_the_office_off_and_says_why() {
        let a = OfficeId::new();
        let perms = [Permission::OfficeRead, Permission::PersonRead];
        for licence in [
            Standing::Pending,
            Standing::Expired,
            Standing::Suspended,
            Standing::Revoked,
        ] {
            let p = principal(Some(a), &perms).with_standing(OfficeStanding {
                status: OfficeStatus::Active,
                licence,
            });
            assert!(p.cut_off());
            assert_eq!(p.licence_cut(), Some(licence));
            let e = p.scope(a, Permission::PersonRead).unwrap_err();
            assert_eq!(e.code, "office.inactive");
            assert_eq!(e.details["licence"], licence.code());
            assert!(p.scope(a, Permission::OfficeRead).is_ok());
        }
        for licence in [Standing::Valid, Standing::Unregulated] {
            let p = principal(Some(a), &perms).with_standing(OfficeStanding {
                status: OfficeStatus::Active,
                licence,
            });
            assert!(!p.cut_off());
            assert!(p.scope(a, Permission::PersonRead).is_ok());
        }
    }

    #[test]
    fn permission_codes_round_trip() {
        for p in Permission::ALL {
            assert_eq!(p.code().parse::<Permission>(), Ok(p));
        }
        assert!("nope".parse::<Permission>().is_err());
    }
}
