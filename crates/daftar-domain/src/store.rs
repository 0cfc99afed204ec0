//! The storage interface: one trait per area (`PersonStore`, `CaseStore`, `CredentialStore`, …;
//! the pattern of lldap's backend handlers), each implemented once in `daftar-store`'s
//! `repo/<area>.rs` over SQLite and PostgreSQL, and [`Store`], every area at once, which callers
//! hold as `Arc<dyn Store>`. Adding a method touches this file and the area's repo file. Methods
//! are synchronous (the web layer calls them on blocking threads). Every
//! write takes an [`AuditCtx`] and records its audit event in the same transaction; every read
//! of personal data does too. Office data is reached only through an [`OfficeScope`] or [`Reach`].

use crate::Result;
use crate::appointment::Appointment;
use crate::audit::{
    AccessEntry, AuditCheckpoint, AuditCtx, AuditEvent, AuditHead, AuditRecord, ChainBreak,
    SealReport,
};
use crate::calendar::{Holiday, WorkCalendar};
use crate::case::{
    CaseDocument, CaseSummary, CaseView, FeeReportRow, OfficeCaseCounts, Payment, QueueFilter,
    ReceiptCheck, RecordPayment,
};
use crate::consultation::{
    Commenter, Consultation, ConsultationComment, ConsultationView, Finalisation, NewComment,
    NewConsultation, NewProposal, Proposal, ProposalUpdate, Revision,
};
use crate::credential::{
    CredentialRecord, IssuerKey, NewCredential, NewShareCode, ShareAttempt, ShareCheck, ShareCode,
};
use crate::helpdesk::{NewTicket, Ticket};
use crate::household::{AddMember, HouseholdSummary, HouseholdView, Relationship, SplitHousehold};
use crate::idempotency::StoredResponse;
use crate::ids::{
    ApiTokenId, CaseDocumentId, CaseId, HouseholdId, OfficeId, PersonId, PlanId, ReturnId, RoundId,
    SessionId, ShareCodeId, SuspectId, UserId,
};
use crate::kpi::{KpiRow, SolarMonth};
use crate::licence::{ChecklistItem, DirectoryEntry, LicenceCommand, LicenceView, PublicAddress};
use crate::membership::{Member, Membership, NewMembership};
use crate::notify::{Claimed, Filter, NewNotice, Notice, OfficeCount, Outcome};
use crate::office::{CreateOffice, Office, OfficeStatus};
use crate::page::{Page, PageRequest};
use crate::permission::{OfficeScope, Reach, RoleDef};
use crate::person::{
    Candidates, ChangeStatus, Document, MatchProbe, Person, PersonRecord, PersonSummary,
    RegisterPerson, ValidDocument,
};
use crate::plan::{Plan, PlanContent, PlanEvent, PlanKind, PlanStep};
use crate::read_watch::{ReadAlarm, ReadGuard, TokenUsage};
use crate::review::{Decision, NewSuspect, Suspect, SuspectStatus};
use crate::round::{Coverage, ExtendRound, NewRound, NotSeen, Round, RoundView};
use crate::service::{Catalog, ServiceDef, ServiceRecord, ServiceVersion};
use crate::session::{ApiToken, Session, SignedIn};
use crate::user::{LoginThrottle, NewUser, User, UserAuth, UserStatus, Username};
use std::path::Path;
use time::{Date, OffsetDateTime};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (default).
    Sqlite,
    /// PostgreSQL server (production).
    Postgres,
}

/// Connection pool figures for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PoolStats {
    /// Open connections.
    pub connections: u32,
    /// Idle connections.
    pub idle: u32,
}

/// How a share code is reached to cancel it.
#[derive(Debug, Clone)]
pub enum ShareAccess {
    /// Staff of an office that may read the holder.
    Office(OfficeScope),
    /// The holder, by the hash of the management token printed with the code.
    Holder(String),
}

/// Filter for audit listings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only this actor.
    pub actor_id: Option<UserId>,
    /// Only this office.
    pub office_id: Option<OfficeId>,
    /// Only actions starting with this prefix.
    pub action_prefix: Option<String>,
}

/// What [`UserStore::count_failure`] asks: from the locked states of the keys, the states to
/// write and the audit event of the failure.
pub type NextThrottles = dyn Fn(&[LoginThrottle]) -> (Vec<LoginThrottle>, AuditEvent) + Sync;

/// Housekeeping: the backend, health, pool figures, migrations, prewarming and backups.
pub trait SystemStore: Send + Sync {
    /// The backend in use.
    fn backend(&self) -> Backend;

    /// Checks the database answers (for `/healthz`).
    fn ping(&self) -> Result<()>;

    /// Pool figures.
    fn pool_stats(&self) -> PoolStats;

    /// Applies pending migrations; returns the names applied now.
    fn migrate(&self) -> Result<Vec<String>>;

    /// Reads the tables of the enrolment-time duplicate check once from end to end, so that the
    /// operating system's cache holds them (the idea of PostgreSQL's `pg_prewarm`, done with
    /// plain scans); the server runs it in the background at start. Returns the rows read.
    fn prewarm(&self) -> Result<u64>;

    /// Names of applied migrations, in order.
    fn applied_migrations(&self) -> Result<Vec<String>>;

    /// Writes a consistent copy of the database to `path` (SQLite `VACUUM INTO`; PostgreSQL
    /// `pg_dump` in custom format when it is on PATH, else `store.backup.unavailable`).
    fn backup_to(&self, path: &Path) -> Result<()>;

    /// Takes one slot of the rate limit `scope` for `key` in the current window of `window`
    /// (a window that ran out starts again): `false` when `max` slots are taken already. One
    /// upsert, so every web node on the database counts into the same figure.
    fn take_slot(&self, scope: &str, key: &str, max: u32, window: time::Duration) -> Result<bool>;

    /// Gives a slot back (the attempt it was taken for did not count against the limit).
    fn give_slot(&self, scope: &str, key: &str) -> Result<()>;
}

/// Roles and offices (the office network).
pub trait OfficeStore: Send + Sync {
    /// The role table with each role's permissions.
    fn roles(&self) -> Result<Vec<RoleDef>>;

    /// Creates an office (`office.code.taken` if the code exists). Audited `office.create`.
    fn create_office(&self, ctx: &AuditCtx, new: &CreateOffice) -> Result<Office>;

    /// Offices within `reach`, ordered by code.
    fn list_offices(&self, reach: &Reach, page: PageRequest) -> Result<Page<Office>>;

    /// One office (`office.not_found`). Office records are not personal data.
    fn get_office(&self, id: OfficeId) -> Result<Office>;

    /// Changes an office's status. Audited `office.status`.
    fn set_office_status(
        &self,
        ctx: &AuditCtx,
        id: OfficeId,
        status: OfficeStatus,
        expected: Option<&str>,
    ) -> Result<Office>;
}

/// Office licences (issue 18, part 1): the lifecycle of each office's licence and its timeline.
/// Licence records and their timelines are not personal data (the application names the
/// office's manager, a staff member acting in office); they are reached through an
/// [`OfficeScope`] like any office data.
pub trait LicenceStore: Send + Sync {
    /// The inspection checklist (data: `licence_checklist`), in order.
    fn licence_checklist(&self) -> Result<Vec<ChecklistItem>>;

    /// The licence of the scope's office with its timeline and its standing on the offices'
    /// today (`office.not_found`). Needs a scope for `office.read`.
    fn office_licence(&self, scope: &OfficeScope) -> Result<LicenceView>;

    /// Takes a step (`usecase::licence_step` decides over the record, checklist and catalog
    /// read in the same transaction): writes the record, the timeline event, the office's
    /// licence columns (which cut its staff off on their next request) and the audit row
    /// `licence.<step>` in one transaction. The scope must be granted for the step's
    /// permission (`auth.forbidden`); `if_match` is the version read (`licence.version.stale`);
    /// a licence number already used is `licence.number.taken`.
    fn take_licence_step(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        cmd: &LicenceCommand,
        if_match: Option<i64>,
    ) -> Result<LicenceView>;

    /// The office's public address, if set (office data; no scope needed, it is public).
    fn public_address(&self, office: OfficeId) -> Result<Option<String>>;

    /// Sets the office's public address, shown in the directory (a scope for `licence.apply`:
    /// the office's manager or the authority); `None` removes it. Audited `office.address`.
    fn set_public_address(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        address: Option<&PublicAddress>,
    ) -> Result<()>;

    /// Offices that serve on the offices' today (active, licence valid or unregulated) in the
    /// province of `office`, other than it, those of its district first: where to send the
    /// applicants of an office that is cut off. Office records only.
    fn offices_serving_near(&self, office: OfficeId, limit: u32) -> Result<Vec<Office>>;

    /// Every office for the public directory, by province, district and code, with its standing
    /// on the offices' today and the services its licence allows. Public: office records only,
    /// not audited.
    fn office_directory(&self) -> Result<Vec<DirectoryEntry>>;
}

/// Association membership of offices (issue 18, part 2). Office records only: no person data.
pub trait MembershipStore: Send + Sync {
    /// Records (or changes the number and branch of) the scope's office's membership
    /// (`membership.number.taken`). The scope must be for `membership.manage`. Audited
    /// `membership.record`.
    fn record_membership(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewMembership,
    ) -> Result<Membership>;

    /// Records the dues of Solar Hijri `year` as paid today (`membership.none` without a
    /// membership, `membership.dues.paid` when already recorded). Scope for
    /// `membership.manage`. Audited `membership.dues`.
    fn record_dues(&self, ctx: &AuditCtx, scope: &OfficeScope, year: i32) -> Result<Membership>;

    /// The scope's office's membership, if any (scope for `office.read`).
    fn office_membership(&self, scope: &OfficeScope) -> Result<Option<Membership>>;

    /// Every office with its licence standing and membership on the offices' today, by code
    /// (needs a reach over every office for `office.read`: authority roles and association
    /// staff; `auth.forbidden` for one office's reach).
    fn members(&self, reach: &Reach) -> Result<Vec<Member>>;
}

/// Staff accreditation (issue 18, part 3): training and exam records per staff member and the
/// profile's accreditation rules; [`CaseStore::change_case`] reads both in its transaction.
pub trait AccreditationStore: Send + Sync {
    /// Stores the profile's accreditation rules, replacing the previous ones (at start).
    fn load_accreditation_rules(
        &self,
        ctx: &AuditCtx,
        rules: &crate::accreditation::Rules,
    ) -> Result<()>;

    /// The stored rules (none before any were loaded).
    fn accreditation_rules(&self) -> Result<crate::accreditation::Rules>;

    /// Records a training or exam of `user`, a staff member of the scope's office
    /// (`accreditation.user.not_found`). Scope for `accreditation.manage`. Audited
    /// `accreditation.record` (the user as target).
    fn record_accreditation(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        user: UserId,
        rec: &crate::accreditation::NewRecord,
    ) -> Result<crate::accreditation::Record>;

    /// Every active staff member of the scope's office with their records (newest first) and
    /// the accreditations they hold on the offices' today. Scope for `accreditation.manage` or
    /// `user.manage` (the office's manager). Audited `accreditation.read`.
    fn staff_accreditations(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
    ) -> Result<Vec<crate::accreditation::StaffAccreditation>>;

    /// The rules and `user`'s own records: what the step check in `CaseStore::change_case`
    /// reads, for the case page to offer only steps its viewer may take. Not audited (a staff
    /// member's own records, read for their own page, as the check reads them).
    fn own_accreditation_records(
        &self,
        user: UserId,
    ) -> Result<(
        crate::accreditation::Rules,
        Vec<crate::accreditation::Record>,
    )>;

    /// Withdraws a record entered in error (deleted; the audit row `accreditation.withdraw`
    /// keeps every field of it and `reason`). `accreditation.record.not_found` when no record
    /// of a staff member of the scope's office has that id. Scope for `accreditation.manage`.
    fn withdraw_accreditation(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        record: &str,
        reason: &str,
    ) -> Result<crate::accreditation::Record>;
}

/// Registration rounds (issue 19): opening a round assigns and invites every eligible person;
/// coverage counters move in the transaction that approves a case of the round's services
/// (`CaseStore::change_case`), so no batch job is needed.
pub trait RoundStore: Send + Sync {
    /// Opens a round: resolves the quota lines' offices (`round.quota.office`), a previous
    /// round named by the eligibility (`round.eligibility.previous`), evaluates the eligibility
    /// over the registry (persons not merged, visible), assigns each admitted person to the
    /// office holding their record with their current household, records the invitation
    /// (who, when) and the offices' counters, and audits `round.open` — one transaction. Needs
    /// a reach over every office for `round.manage` (`auth.forbidden` otherwise).
    fn open_round(&self, ctx: &AuditCtx, reach: &Reach, new: &NewRound) -> Result<RoundView>;

    /// Extends a round's close date (`round.not_found`; the new day must be after the current
    /// one: `round.extension.invalid`; `if_match` the version read: `round.version.stale`).
    /// Audited `round.extend`. Reach over every office for `round.manage`.
    fn extend_round(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: RoundId,
        ext: &ExtendRound,
        if_match: i64,
    ) -> Result<RoundView>;

    /// Every round, the newest opening first. Round records are not personal data.
    fn rounds(&self) -> Result<Vec<Round>>;

    /// One round with its extensions (`round.not_found`).
    fn round(&self, id: RoundId) -> Result<RoundView>;

    /// Coverage of a round within `reach` (`aggregate.read`: every office, or the reach's
    /// office only; `person.read` for one office: its own staff): the offices' counters and the
    /// persons seen per day. Counts only: not audited.
    fn round_coverage(&self, reach: &Reach, id: RoundId) -> Result<Coverage>;

    /// The persons of the scope's office not yet seen in the round, a household's members
    /// together (heads first), paginated. Names, registry number and phone only. Needs a scope
    /// for `person.read`; every page shown is audited `round.not_seen` with the persons on it.
    fn round_not_seen(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: RoundId,
        page: PageRequest,
    ) -> Result<Page<NotSeen>>;
}

/// What one pass of the KPI job did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KpiRun {
    /// Months computed.
    pub months: u64,
    /// Rows written (per office and service, and per office in total).
    pub rows: u64,
}

/// KPIs per office (issue 18, part 4): monthly series computed from the cases by the KPI job and
/// kept in `kpi_monthly`. Counts of cases only, never a person: reads are not audited (as the
/// home pages' counts are not); each computation writes one audit row.
pub trait KpiStore: Send + Sync {
    /// Recomputes the rows of `months` (offices' time zone, working days from `cal`) and
    /// replaces what was kept for them; one pass at a time across nodes (PostgreSQL advisory
    /// lock): `None` when another node's pass holds it. Audited `kpi.compute`.
    fn compute_kpis(
        &self,
        ctx: &AuditCtx,
        cal: &WorkCalendar,
        months: &[SolarMonth],
    ) -> Result<Option<KpiRun>>;

    /// Every row (per service and in total) of the scope's office from `from` to `to`
    /// inclusive, by month and service. Scope for `kpi.read`.
    fn office_kpis(
        &self,
        scope: &OfficeScope,
        from: SolarMonth,
        to: SolarMonth,
    ) -> Result<Vec<KpiRow>>;

    /// The offices of `province` (every province when `None`; only the association's members
    /// when `members_only`), by code, each with its all-services rows from `from` to `to`.
    /// Needs a reach over every office for `kpi.read` (`auth.forbidden` otherwise).
    fn province_kpis(
        &self,
        reach: &Reach,
        province: Option<&str>,
        members_only: bool,
        from: SolarMonth,
        to: SolarMonth,
    ) -> Result<Vec<(Office, Vec<KpiRow>)>>;

    /// The provinces that have offices (of the association's members when `members_only`),
    /// sorted. Reach over every office for `kpi.read`.
    fn kpi_provinces(&self, reach: &Reach, members_only: bool) -> Result<Vec<String>>;
}

/// Offices' one-year and three-year plans and their review (issue 18, part 5).
pub trait PlanStore: Send + Sync {
    /// Makes a draft plan for the scope's office (`plan.submit`); `plan.taken` (409) when the
    /// office has a plan of that kind starting that year, `plan.year.out_of_range` (409) outside
    /// the offices' current year to three years ahead. Audited `plan.create`.
    fn create_plan(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        kind: PlanKind,
        start_year: i32,
        content: &PlanContent,
    ) -> Result<Plan>;

    /// The office's plans, latest start year first (scope for `plan.submit` or `plan.review`).
    fn office_plans(&self, scope: &OfficeScope) -> Result<Vec<Plan>>;

    /// One plan of the scope's office and its timeline (`plan.not_found` otherwise).
    fn office_plan(&self, scope: &OfficeScope, id: PlanId) -> Result<(Plan, Vec<PlanEvent>)>;

    /// Replaces a draft or returned plan's content (`plan.submit`; `plan.not_editable`, 409;
    /// `If-Match` with the plan's version). Audited `plan.edit`.
    fn edit_plan(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PlanId,
        content: &PlanContent,
        if_match: Option<i64>,
    ) -> Result<Plan>;

    /// Takes a step: `submit` with a scope for `plan.submit`, `approve` and `return` with one
    /// for `plan.review` (`auth.forbidden` otherwise); `If-Match` with the plan's version.
    /// Audited `plan.<step>`.
    fn plan_step(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PlanId,
        step: PlanStep,
        comment: &str,
        if_match: Option<i64>,
    ) -> Result<Plan>;

    /// For the follow-up of `year`: the offices of `province` (all when `None`) by code, their
    /// plans covering the year and those awaiting review, and the KPI rows of the year (per
    /// service and in total; the all-services rows of the year before too, for seasonality) of
    /// the offices with an approved plan covering it. Reach over every office for
    /// `plan.review`.
    fn plans_follow_up(
        &self,
        reach: &Reach,
        province: Option<&str>,
        year: i32,
    ) -> Result<(Vec<Office>, Vec<Plan>, Vec<KpiRow>)>;
}

/// Staff accounts: users, sign-in throttling, sessions and API tokens.
pub trait UserStore: Send + Sync {
    /// Creates a user (`user.username.taken`). Audited `user.create`.
    fn create_user(&self, ctx: &AuditCtx, new: &NewUser) -> Result<User>;

    /// One user (`user.not_found`).
    fn get_user(&self, id: UserId) -> Result<User>;

    /// A user with secrets, by login name, for authentication.
    fn user_auth_by_username(&self, username: &Username) -> Result<Option<UserAuth>>;

    /// A user with secrets, by id (`user.not_found`).
    fn user_auth(&self, id: UserId) -> Result<UserAuth>;

    /// Users within `reach`, ordered by username.
    fn list_users(&self, reach: &Reach, page: PageRequest) -> Result<Page<User>>;

    /// Enables or disables a user; disabling revokes all their sessions and tokens in the same
    /// transaction. Audited `user.status`.
    fn set_user_status(&self, ctx: &AuditCtx, id: UserId, status: UserStatus) -> Result<()>;

    /// Replaces the password hash. Audited `user.password`.
    fn set_password(&self, ctx: &AuditCtx, id: UserId, password_hash: &str) -> Result<()>;

    /// Sets the preferred locale. Audited `user.locale`.
    fn set_locale(&self, ctx: &AuditCtx, id: UserId, locale: Option<&str>) -> Result<()>;

    /// Enrols (Some) or removes (None) the TOTP secret. Audited `user.totp`.
    fn set_totp(&self, ctx: &AuditCtx, id: UserId, secret: Option<&str>) -> Result<()>;

    /// Failed-login state for a login name (existing or not).
    fn login_throttle(&self, username: &str) -> Result<LoginThrottle>;

    /// Stores the state after a failure. Audited `auth.login.failed`.
    fn record_login_failure(
        &self,
        ctx: &AuditCtx,
        username: &str,
        state: LoginThrottle,
    ) -> Result<()>;

    /// Forgets failures after a successful login or an admin unlock.
    fn clear_login_failures(&self, username: &str) -> Result<()>;

    /// Stores the new state of several throttle keys (a zero count deletes the key) and, after
    /// a failed check of a secret, appends `event` (`auth.login.failed`, `auth.reauth.failed`,
    /// …), in one transaction.
    fn store_throttles(
        &self,
        ctx: &AuditCtx,
        event: Option<&AuditEvent>,
        states: &[(String, LoginThrottle)],
    ) -> Result<()>;

    /// Counts a failed check of a secret atomically, across web nodes: locks the throttle rows
    /// of `keys` in the writing transaction (in key order, so two counts never wait on each
    /// other in a circle), hands their states (in the order of `keys`) to `next`, and writes the
    /// states it returns (a zero count deletes the key) with its audit event. Returns the new
    /// states. Two nodes counting one key at once both count (no lost update).
    fn count_failure(
        &self,
        ctx: &AuditCtx,
        keys: &[String],
        next: &NextThrottles,
    ) -> Result<Vec<LoginThrottle>>;

    /// Records that `user` used the TOTP time step `step`; `false` (nothing written) when that
    /// step or a later one was used already, so a code works once. Atomic across web nodes.
    fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool>;

    /// Stores a new session. Audited `auth.login`.
    fn create_session(&self, ctx: &AuditCtx, s: &Session) -> Result<()>;

    /// A session by the hash of its secret.
    fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>>;

    /// A session by the hash of its secret, with its user and their office, in one trip (read
    /// on every request).
    fn signed_in_by_session(&self, token_hash: &str) -> Result<Option<SignedIn<Session>>>;

    /// What [`UserStore::signed_in_by_session`] last found for `token_hash`, if this node keeps
    /// it and it cannot have changed since (see [`UserStore::keep_sign_ins`]). Never touches
    /// the database, so it may be called on an async thread; `None` means: ask the database.
    fn kept_session(&self, token_hash: &str) -> Option<SignedIn<Session>> {
        let _ = token_hash;
        None
    }

    /// As [`UserStore::kept_session`], for an API token.
    fn kept_token(&self, token_hash: &str) -> Option<SignedIn<ApiToken>> {
        let _ = token_hash;
        None
    }

    /// What this node keeps of its callers' lookups now (nothing where it keeps none).
    fn sign_in_figures(&self) -> crate::session::SignInFigures {
        crate::session::SignInFigures::default()
    }

    /// Starts keeping the callers' lookups (session or token, user, office) between requests
    /// where every node can be told of a change at once (PostgreSQL: a connection listening for
    /// the changes' notifications); elsewhere it does nothing. A web server calls it at start.
    fn keep_sign_ins(&self) -> Result<()> {
        Ok(())
    }

    /// Records activity (not audited).
    fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<()>;

    /// Records a passed second factor and/or a step-up. Audited `auth.mfa` / `auth.step_up`.
    fn update_session_auth(
        &self,
        ctx: &AuditCtx,
        id: SessionId,
        mfa_ok: bool,
        step_up_at: Option<OffsetDateTime>,
    ) -> Result<()>;

    /// Revokes one session. Audited `auth.logout` (or `session.revoke`, per `ctx` purpose).
    fn revoke_session(&self, ctx: &AuditCtx, id: SessionId) -> Result<()>;

    /// Revokes every session of a user except `except`; returns how many. Audited `session.revoke_all`.
    fn revoke_user_sessions(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        except: Option<SessionId>,
    ) -> Result<u64>;

    /// A user's live and past sessions, newest first (at most 50).
    fn list_sessions(&self, user: UserId) -> Result<Vec<Session>>;

    /// Stores a token. Audited `token.create`.
    fn create_api_token(&self, ctx: &AuditCtx, t: &ApiToken) -> Result<()>;

    /// A token by the hash of its secret.
    fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;

    /// A token by the hash of its secret, with its user and their office, in one trip (read on
    /// every API request).
    fn signed_in_by_token(&self, token_hash: &str) -> Result<Option<SignedIn<ApiToken>>>;

    /// A user's tokens, newest first.
    fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;

    /// Revokes a token of `user` (`token.not_found` if it is not theirs). Audited `token.revoke`.
    fn revoke_api_token(&self, ctx: &AuditCtx, user: UserId, id: ApiTokenId) -> Result<()>;
}

/// The registry of persons (personal data: reads are audited too).
pub trait PersonStore: Send + Sync {
    /// Registers a person, checked at the edge, in the scope's office (scope must be for
    /// `person.write`). Audited `person.create`.
    fn create_person(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &RegisterPerson,
    ) -> Result<Person>;

    /// Persons of the scope's office, newest first (scope for `person.read`), as summaries (no
    /// contact or address). Audited `person.list`.
    fn list_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        page: PageRequest,
    ) -> Result<Page<PersonSummary>>;

    /// One person of the scope's office with documents and status history; a person of another
    /// office is `person.not_found`. Audited `person.read`.
    fn get_person(&self, ctx: &AuditCtx, scope: &OfficeScope, id: PersonId)
    -> Result<PersonRecord>;

    /// A staff member's single-person read (page or API): [`PersonStore::get_person`] counted
    /// for the bulk-read alarm (`crate::read_watch`) in the same transaction, under a lock on
    /// the account's counter row so that reads on several web nodes are counted one after
    /// another. Past the limit the first read raises an alarm (audited `person.read.alarm`)
    /// and every read without a stated purpose is refused with `read.purpose.required`
    /// (audited `person.read.refused`, committed although the answer is an error). A read
    /// shown is audited `person.read` with the stated purpose, if any.
    fn read_person(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        guard: &ReadGuard,
    ) -> Result<PersonRecord>;

    /// Registers many persons, checked at the edge (scope for `person.write`): all or nothing;
    /// a row the database refuses (a document number already recorded) fails the whole call
    /// with `details.row`. Written in batches
    /// of short transactions (other writers are not blocked for the run); the persons stay
    /// hidden until the last batch is written, and a failed import is removed.
    /// `progress` is called with the rows written so far. Audited once, `person.import`.
    fn import_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        rows: &[RegisterPerson],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64>;

    /// Removes imports that stopped without finishing (no batch written for `idle`: a killed
    /// process) with every person they wrote; returns how many persons were removed. Audited
    /// `person.import.removed` per import.
    fn remove_stale_imports(&self, ctx: &AuditCtx, idle: time::Duration) -> Result<u64>;

    /// Persons of the scope's office matching `query`: registry number, document number, or
    /// every word of a name (either script, normalised); newest first. Audited `person.search`.
    fn search_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        query: &str,
        page: PageRequest,
    ) -> Result<Page<PersonSummary>>;

    /// Records whether a person of the scope's office (scope for `person.write`) has registered
    /// medical needs; `person.not_found` otherwise; with `expected`, the record's ETag must
    /// match (`person.version.stale`). Audited `person.medical_needs` when it changes.
    fn set_medical_needs(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        medical_needs: bool,
        expected: Option<&str>,
    ) -> Result<PersonRecord>;

    /// Changes a person's status (`person.status.unchanged`, `person.status.final`), keeping
    /// the history. Audited `person.status`.
    fn set_person_status(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        change: &ChangeStatus,
        expected: Option<&str>,
    ) -> Result<PersonRecord>;

    /// Records an identity document of a person (`document.number.taken` when that kind and
    /// number are already recorded). Audited `person.document.add`.
    fn add_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        doc: &ValidDocument,
        expected: Option<&str>,
    ) -> Result<Document>;

    /// Likely duplicates of `probe` (at most `limit`) among persons within `reach` (which must be
    /// for `person.read`), found through the persons' match keys, plus the number of matches in
    /// offices outside the reach. Audited `person.candidates` with the ids shown.
    fn person_candidates(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        probe: &MatchProbe,
        limit: usize,
    ) -> Result<Candidates>;

    /// Number of persons per office (aggregate, no personal data).
    fn count_persons_by_office(&self) -> Result<Vec<(OfficeId, u64)>>;

    /// The persons of the scope's office (scope for `person.export`), not merged away, in
    /// registry order, for a download. Audited `person.export` with the count.
    fn export_persons(&self, ctx: &AuditCtx, scope: &OfficeScope) -> Result<Vec<PersonSummary>>;
}

/// A person's photo (personal data: reads are audited too).
pub trait PhotoStore: Send + Sync {
    /// Replaces the photo of a person of the scope's office. Audited `person.photo.set`.
    fn set_photo(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        photo: &crate::photo::Photo,
    ) -> Result<()>;

    /// The photo of a person of the scope's office, if any. Audited `person.photo.read`.
    fn get_photo(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
    ) -> Result<Option<crate::photo::Photo>>;
}

/// Households (personal data: reads are audited too).
pub trait HouseholdStore: Send + Sync {
    /// Creates a household headed by a person of the office who has none
    /// (`household.member.taken`). Audited `household.create`.
    fn create_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        head: PersonId,
    ) -> Result<HouseholdView>;

    /// Households of the office, newest first, with head and member count. Audited
    /// `household.list`.
    fn list_households(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        page: PageRequest,
    ) -> Result<Page<HouseholdSummary>>;

    /// One household with its current members and their statuses (`household.not_found`).
    /// Audited `household.read`.
    fn get_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
    ) -> Result<HouseholdView>;

    /// The current household of a person of the office, if any. Audited `household.lookup`.
    fn person_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Option<HouseholdId>>;

    /// Adds a person of the office (by id or registry number); with `move`, takes them out of
    /// their current household. Errors: `household.member.taken`, `household.member.already`,
    /// `household.member.head` (a head cannot be moved). Audited `household.member.add` or
    /// `household.member.move`.
    fn add_household_member(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        member: &AddMember,
        expected: Option<&str>,
    ) -> Result<HouseholdView>;

    /// Changes a current member's relationship to the head (`household.member.not_found`,
    /// `household.relationship.head`). Audited `household.member.relationship`.
    fn set_member_relationship(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        person: PersonId,
        relationship: Relationship,
        expected: Option<&str>,
    ) -> Result<HouseholdView>;

    /// Moves members (not the head) into a new household headed by one of them; returns the new
    /// household. Audited `household.split`.
    fn split_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        split: &SplitHousehold,
        expected: Option<&str>,
    ) -> Result<HouseholdView>;
}

/// Duplicate review: suspected pairs, decisions, merges and the dedupe read.
pub trait ReviewStore: Send + Sync {
    /// Puts suspected duplicate pairs in the queue (pairs already there are kept as they are);
    /// returns how many are new. Audited `review.suspects.add`.
    fn add_suspects(&self, ctx: &AuditCtx, pairs: &[NewSuspect]) -> Result<u64>;

    /// Pairs with `status` whose two persons are both within `reach` (for `person.merge`),
    /// strongest first. Audited `review.list`.
    fn list_suspects(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        status: SuspectStatus,
        page: PageRequest,
    ) -> Result<Page<Suspect>>;

    /// How many pairs with `status` have both persons within `reach` (`person.merge`). A count
    /// only: not audited.
    fn count_suspects(&self, reach: &Reach, status: SuspectStatus) -> Result<u64>;

    /// Decides an open pair: merge (the other record points to the survivor and leaves lists,
    /// search and the duplicate check; nothing is deleted) or distinct. Errors:
    /// `review.not_found`, `review.decided`, `review.already_merged`. Audited `review.merge` /
    /// `review.distinct`.
    fn decide_suspect(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: SuspectId,
        decision: Decision,
    ) -> Result<Suspect>;

    /// Undoes a merge; the pair is open again (`review.not_merged`). Audited `review.unmerge`.
    fn unmerge(&self, ctx: &AuditCtx, reach: &Reach, id: SuspectId) -> Result<Suspect>;

    /// Every person not merged away (of one office, or all), for batch duplicate detection.
    /// Audited `person.dedupe.read` with the count.
    fn dedupe_persons(
        &self,
        ctx: &AuditCtx,
        office: Option<OfficeId>,
    ) -> Result<Vec<PersonSummary>>;
}

/// The service catalog and the work calendar (public data, not personal).
pub trait ServiceStore: Send + Sync {
    /// Adds the services of `catalog` that the store does not have (first start, or a profile
    /// that gained services); existing ones are left as edited. Returns how many were added.
    /// Audited `service.load`.
    fn load_catalog(&self, ctx: &AuditCtx, catalog: &Catalog) -> Result<u64>;

    /// The current version of every service, by code.
    fn services(&self) -> Result<Vec<ServiceRecord>>;

    /// One service's current version (`service.not_found`).
    fn service(&self, code: &str) -> Result<ServiceRecord>;

    /// Stores a new version of a service if `expected_version` is still current
    /// (`service.version.stale`, 412). Needs `catalog.manage`. Audited `service.update`.
    fn update_service(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        def: &ServiceDef,
        expected_version: i64,
        note: &crate::service::ServiceNote,
    ) -> Result<ServiceRecord>;

    /// Every version of a service, newest first (`service.not_found`).
    fn service_history(&self, code: &str) -> Result<Vec<ServiceVersion>>;

    /// The stored official holidays, by date.
    fn holidays(&self) -> Result<Vec<Holiday>>;

    /// Seeds the holidays of every year of the profile that has none stored yet (a year the
    /// admins have touched is theirs); returns how many were added.
    fn load_holidays(&self, ctx: &AuditCtx, holidays: &[Holiday]) -> Result<u64>;

    /// Adds or renames a holiday. Needs `catalog.manage`. Audited `holiday.set`.
    fn set_holiday(&self, ctx: &AuditCtx, reach: &Reach, h: &Holiday) -> Result<()>;

    /// Removes a holiday (`holiday.not_found`). Needs `catalog.manage`. Audited `holiday.remove`.
    fn remove_holiday(&self, ctx: &AuditCtx, reach: &Reach, day: time::Date) -> Result<()>;
}

/// Cases, their documents, fees and receipts (personal data).
pub trait CaseStore: Send + Sync {
    /// Opens a case at the scope's office for a person of that office: loads the facts, lets
    /// [`crate::usecase::open_case::decide`] decide (who applies, eligibility of everyone
    /// covered, employer, due date from `cal`, fees) and writes the plan, refusing a second
    /// open case of the service for the person (`case.duplicate`, checked in the writing
    /// transaction). Audited `case.open`.
    fn open_case(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        cmd: &crate::usecase::open_case::OpenCase,
        cal: &WorkCalendar,
        today: time::Date,
    ) -> Result<CaseView>;

    /// A case of the scope's office with its timeline (`case.not_found`). Audited `case.read`.
    fn get_case(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId) -> Result<CaseView>;

    /// A case of the scope's office only if `person` is its applicant or a member (the
    /// portal's read). Audited `case.read` when shown; otherwise `case.not_found`, audited
    /// `case.read.refused` (the attempt, not a read), committed although the answer is an error.
    fn get_case_of(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        person: PersonId,
    ) -> Result<CaseView>;

    /// Applies a change through the workflow engine, acting as `role`, if the case is still at
    /// `if_match` (`case.version.stale`, 412). Audited with the transition's event. An approval
    /// issues the credentials the case grants in the same transaction (as
    /// [`CredentialStore::grant_credentials`] does, `country` being the issuer's), so the
    /// approval, its credentials and an idempotent answer commit together or not at all.
    #[allow(clippy::too_many_arguments)]
    fn change_case(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        role: &str,
        id: CaseId,
        if_match: i64,
        cmd: &crate::usecase::decide_step::DecideStep,
        cal: &WorkCalendar,
        today: time::Date,
        country: &str,
    ) -> Result<CaseView>;

    /// Assigns cases of the scope's office to a staff member of the office (or nobody); returns
    /// how many changed. Audited `case.assign`.
    fn assign_cases(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        ids: &[CaseId],
        to: Option<UserId>,
    ) -> Result<u64>;

    /// The office's work queue, most urgent first. Audited `case.list`.
    fn case_queue(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        filter: QueueFilter,
        today: time::Date,
        page: PageRequest,
    ) -> Result<Page<CaseSummary>>;

    /// The cases of a person in scope (as applicant or member), newest first (at most 200).
    /// Audited.
    fn person_cases(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<CaseSummary>>;

    /// Records evidence uploaded for an open case (the bytes are already in the blob store
    /// under `blob_key`). Audited `case.document.add`.
    fn add_case_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        doc: &CaseDocument,
        blob_key: &str,
    ) -> Result<CaseDocument>;

    /// One document's record and blob key (`case.document.not_found`). Audited
    /// `case.document.read`.
    fn case_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        doc: CaseDocumentId,
    ) -> Result<(CaseDocument, String)>;

    /// Records a payment on a fee line and numbers its receipt; an amount above what is still
    /// owed under the published schedule is refused (`payment.amount.above_schedule`).
    /// Audited `case.payment`.
    fn record_payment(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        payment: &RecordPayment,
        today: time::Date,
    ) -> Result<Payment>;

    /// The public facts of a receipt by its check code (`receipt.not_found`). No personal data.
    fn check_receipt(&self, check_code: &str) -> Result<ReceiptCheck>;

    /// An applicant's "I was asked to pay more" complaint about a receipt. Audited
    /// `fee.complaint`.
    fn fee_complaint(
        &self,
        ctx: &AuditCtx,
        check_code: &str,
        asked_rials: u64,
        note: &str,
    ) -> Result<()>;

    /// Per office: payments, sum, and complaints in a period (aggregates, no personal data).
    fn fee_report(
        &self,
        reach: &Reach,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<FeeReportRow>>;

    /// Case counts per office within `reach` (`person.read` or `aggregate.read`) on `today`,
    /// ordered by office code. Counts only: no personal data, not audited, so a home page that
    /// shows them writes nothing.
    fn case_counts(&self, reach: &Reach, today: time::Date) -> Result<Vec<OfficeCaseCounts>>;

    /// Escalates open cases past due: to the office manager when past due, to the authority
    /// when `authority_after` working days past due. Returns how many changed. Audited
    /// `case.escalate`.
    fn escalate_overdue(
        &self,
        ctx: &AuditCtx,
        cal: &WorkCalendar,
        today: time::Date,
        authority_after: u32,
    ) -> Result<u64>;
}

/// How long after a check of an office's share code showed the credential the office may read
/// the holder's access log with it (`AuditStore::shared_access_log`).
pub const SHARED_LOG_MINUTES: i64 = 15;

/// Credentials, issuer keys, revocation lists and share codes.
pub trait CredentialStore: Send + Sync {
    /// Stores a key; an `active` key demotes the role's other active keys to `verify_only`
    /// (rotation) in the same transaction. Bumps the trust list version. Audited.
    fn add_key(&self, ctx: &AuditCtx, key: &IssuerKey) -> Result<()>;

    /// Every key, newest first.
    fn keys(&self) -> Result<Vec<IssuerKey>>;

    /// Takes a key out of the trust list (`key.not_found`, `key.active` for the key that signs:
    /// rotate first). Bumps the trust list version. Audited.
    fn retire_key(&self, ctx: &AuditCtx, kid: &str) -> Result<IssuerKey>;

    /// The version of a published list, `trust` or `status`.
    fn list_version(&self, name: &str) -> Result<u64>;

    /// Stores credentials; one already issued for the same case, person and kind is kept (the
    /// call is safe to repeat). Returns the stored records of every entry. Audited.
    fn issue_credentials(
        &self,
        ctx: &AuditCtx,
        new: &[NewCredential],
    ) -> Result<Vec<CredentialRecord>>;

    /// Issues the credentials the case `case` of the scope's office (`person.write`) grants, as
    /// [`crate::usecase::grant_credential`] decides over the case, its office and the holders'
    /// records read in the transaction that stores them (each holder's read audited
    /// `person.read`); `country` is the first half of the issuer claim, `today` the day of
    /// issue. Nothing for a case that is not approved or grants no credential; one already
    /// issued for the case, holder and kind is kept (safe to repeat). Audited
    /// `credential.issue`.
    fn grant_credentials(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        case: CaseId,
        country: &str,
        today: time::Date,
    ) -> Result<Vec<CredentialRecord>>;

    /// A person's credentials (person in scope), newest first. Audited read.
    fn person_credentials(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<CredentialRecord>>;

    /// One credential of a person in scope. Audited read.
    fn get_credential(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: &str,
    ) -> Result<CredentialRecord>;

    /// One credential of a person in scope, only if it is `person`'s. Audited
    /// `credential.read` when found; otherwise `credential.not_found`, audited
    /// `credential.read.refused` (the attempt, not a read).
    fn get_credential_of(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: &str,
        person: PersonId,
    ) -> Result<CredentialRecord>;

    /// Whether a credential is revoked (`None`: not issued here). No personal data.
    fn credential_revoked(&self, id: &str) -> Result<Option<bool>>;

    /// Revokes a credential of an office in reach (`credential.revoke`); `credential.revoked`
    /// when it already is. Bumps the status list version. Audited.
    fn revoke_credential(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: &str,
        reason: &str,
    ) -> Result<CredentialRecord>;

    /// The status list: ids revoked after version `since` (0: every revoked credential not yet
    /// expired at `now`), ascending, with the current version.
    fn revoked_since(&self, since: u64, now: OffsetDateTime) -> Result<(u64, Vec<String>)>;

    /// Stores a share code for a credential of a person in scope. Audited.
    fn create_share_code(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewShareCode,
    ) -> Result<ShareCode>;

    /// A person's share codes with their checks, newest first. Audited read.
    fn share_codes(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<ShareCode>>;

    /// The share code whose holder token hashes to `manage_hash` (`share.not_found`). Audited
    /// (the holder reading their own log).
    fn share_code_by_manage(&self, ctx: &AuditCtx, manage_hash: &str) -> Result<ShareCode>;

    /// Cancels a share code, reached by an office scope of its holder or by the holder's token
    /// hash. Audited.
    fn cancel_share_code(
        &self,
        ctx: &AuditCtx,
        id: ShareCodeId,
        access: &ShareAccess,
    ) -> Result<ShareCode>;

    /// Starts a check of the share code with `code_hash`: a usable code's failure count goes up
    /// in the same transaction (so parallel guesses cannot pass the lock; a `shown` check
    /// resets it). Returns the code as it was before this attempt, the holder's stored birth
    /// date and precision, and the credential it shows (`share.not_found`).
    fn share_code_for_check(&self, code_hash: &str, now: OffsetDateTime) -> Result<ShareAttempt>;

    /// Records a check of a share code (`shown`, `birth_date_wrong`, `refused`); `shown` resets
    /// the failure count and is audited as a read of the holder's data.
    fn record_share_check(&self, ctx: &AuditCtx, id: ShareCodeId, check: &ShareCheck)
    -> Result<()>;
}

/// Appointments at the counter.
pub trait AppointmentStore: Send + Sync {
    /// Books (or moves) the appointment of an open case of the scope's office for `day` and
    /// `slot` (already checked against the rules), if fewer than `per_slot` others hold that
    /// slot (`appointment.slot.full`, `appointment.case.closed`). Audited.
    fn book_appointment(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        case: CaseId,
        day: time::Date,
        slot: &str,
        per_slot: u32,
    ) -> Result<Appointment>;

    /// Records that the person came to the appointment of `case` (of `scope`'s office, scope
    /// for `person.write`): only on its day and once ([`crate::appointment::check_arrival`]);
    /// `appointment.not_found` without one. Audited `appointment.arrived`. An appointment
    /// whose day passes without it is a no-show in the office's KPIs.
    fn record_arrival(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        case: CaseId,
    ) -> Result<Appointment>;

    /// The appointment of a case, if booked.
    fn case_appointment(&self, case: CaseId) -> Result<Option<Appointment>>;

    /// How many appointments each slot of a day holds at the scope's office (no personal data).
    fn slot_bookings(&self, scope: &OfficeScope, day: time::Date) -> Result<Vec<(String, u32)>>;
}

/// Portal accounts of registered persons.
pub trait PortalStore: Send + Sync {
    /// Gives a person in scope (`person.write`) a portal account: username = registry number,
    /// role `applicant`, the person's office, `password_hash`. If the person has one, sets the
    /// new password, reactivates it and ends its sessions. `portal.person.deceased` for a
    /// deceased person. Audited.
    fn grant_portal(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        password_hash: &str,
    ) -> Result<User>;

    /// The person a portal account acts for (`None` for any other account).
    fn portal_person(&self, user: UserId) -> Result<Option<PersonId>>;
}

/// The bulk-read alarm's figures (`crate::read_watch`); the counting itself is part of
/// [`PersonStore::read_person`].
pub trait ReadWatchStore: Send + Sync {
    /// Alarms raised since `since` for accounts of offices within `reach` (every office for an
    /// all-office reach), newest first, at most `limit`.
    fn read_alarms(
        &self,
        reach: &Reach,
        since: OffsetDateTime,
        limit: usize,
    ) -> Result<Vec<ReadAlarm>>;

    /// Every API token of users of offices within `reach` (with every user without an office
    /// for an all-office reach) with its owner and its single-person reads (for the auditor),
    /// newest first; `persons_in_window` counts the `window` before `now`.
    fn token_usage(
        &self,
        reach: &Reach,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> Result<Vec<TokenUsage>>;
}

/// Stored answers behind `Idempotency-Key`.
pub trait IdempotencyStore: Send + Sync {
    /// The unexpired answer stored for `principal`'s `key`, if any.
    fn idempotent_response(
        &self,
        principal: &str,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<StoredResponse>>;

    /// Runs `work` (store calls, on the store it is handed) with `answer` pending: the write that
    /// makes the request's change (the ones that accept an `Idempotency-Key`) stores the answer
    /// built from its result in its own transaction, so both commit or neither does. A key
    /// already answered meanwhile fails that write with `idempotency.key.in_use` (409). Returns
    /// whether the answer was stored.
    fn answering(
        &self,
        answer: std::sync::Arc<crate::idempotency::PendingAnswer>,
        work: &mut (dyn FnMut(&dyn Store) -> Result<()> + Send),
    ) -> Result<bool>;

    /// Deletes answers expired at `now`; returns how many.
    fn purge_idempotent_answers(&self, now: OffsetDateTime) -> Result<u64>;
}

/// The audit log and its chain.
pub trait AuditStore: Send + Sync {
    /// Appends an event on its own (for reads and events with no other write). Like every
    /// audit row it is written unsealed; the sealer puts it into the chain.
    fn append_audit(&self, ctx: &AuditCtx, ev: &AuditEvent) -> Result<()>;

    /// Audit rows matching `filter`, newest first: the rows still waiting for the sealer
    /// (`seq` 0) before the sealed ones.
    fn audit_page(&self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditRecord>>;

    /// The access log of one person of the scope's office (scope for `person.read`), newest
    /// first, sealed or still waiting for the sealer: every audit row whose target is the
    /// person, one of their cases (as applicant or member), credentials or households, every
    /// list, search or duplicate check of their office that showed them, and every export of
    /// their office since they were registered. Audited `person.access_log` (so viewing the
    /// log shows in it).
    fn person_access_log(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        page: PageRequest,
    ) -> Result<Page<AccessEntry>>;

    /// The access log of the holder of share code `share`, for the staff of any office the
    /// holder gave it to: only a code made for an office (`verifier = office`), right after
    /// the caller's own check of it showed the credential (the holder's consent, checked with
    /// their birth date): `checked_at` is that check's time as recorded, and it must be at most
    /// [`SHARED_LOG_MINUTES`] old by the store's clock; anything else is `share.not_found`.
    /// The same entries as [`AuditStore::person_access_log`]; audited `person.access_log` with
    /// the caller's office.
    fn shared_access_log(
        &self,
        ctx: &AuditCtx,
        share: ShareCodeId,
        checked_at: OffsetDateTime,
        page: PageRequest,
    ) -> Result<Page<AccessEntry>>;

    /// Seals the waiting rows that can no longer be overtaken, in batches, until none is left
    /// (one sealer at a time across nodes; `ran` false when another one holds the lock).
    fn seal_audit(&self) -> Result<SealReport>;

    /// Seals until every row that was waiting when called is sealed, or `wait` has passed (a
    /// row waits as long as an older transaction — on PostgreSQL, in any database of the
    /// cluster — is open). `waiting` counts what is left.
    fn drain_audit(&self, wait: std::time::Duration) -> Result<SealReport>;

    /// The chain's head (last sealed row).
    fn audit_head(&self) -> Result<AuditHead>;

    /// The hash of sealed row `seq`, if there is one.
    fn audit_hash_at(&self, seq: i64) -> Result<Option<String>>;

    /// Keeps a signed checkpoint of the head (the newest are listed by [`Self::audit_checkpoints`]).
    fn record_audit_checkpoint(&self, cp: &AuditCheckpoint) -> Result<()>;

    /// The kept checkpoints, newest first, at most `limit`.
    fn audit_checkpoints(&self, limit: u32) -> Result<Vec<AuditCheckpoint>>;

    /// Drains the sealer (up to a few seconds, [`AuditStore::drain_audit`]), then walks the chain up to its head in order (in batches) and
    /// checks it, including that the stored head matches the last row, and that every kept
    /// checkpoint names a row with its hash. `Ok(Ok(n))`: n rows verified; `Ok(Err(b))`: the
    /// first break.
    fn verify_audit(&self) -> Result<Result<u64, ChainBreak>>;
}

/// A count of the planning figures (issue 20.2): registered persons living in the country
/// (registered, renewed or lapsed; not merged, not in a running import) served by one office,
/// of one sex and age group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanningCount {
    /// The office's province.
    pub province: String,
    /// The office's district.
    pub district: String,
    /// The office's code (its catchment).
    pub office_code: String,
    /// `female` or `male`.
    pub sex: String,
    /// The age group on the day asked.
    pub group: crate::planning::AgeGroup,
    /// Persons.
    pub count: u64,
    /// Of those, persons with registered medical needs.
    pub medical: u64,
}

/// The persons a registration round called, in one age group on the round's opening day
/// ([`PlanningStore::planning_rounds`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundPlanningCount {
    /// The round's name.
    pub round: String,
    /// The day it opened.
    pub opens_on: Date,
    /// The age group on that day.
    pub group: crate::planning::AgeGroup,
    /// Persons called.
    pub count: u64,
}

/// Planning figures for partners (issue 20.2; rules in [`crate::planning`]): counts only, with
/// `aggregate.read`; an office's reach counts its own catchment only.
pub trait PlanningStore: Send + Sync {
    /// The counts by office, sex and age group on `today`, of one province or all.
    fn planning_counts(
        &self,
        reach: &Reach,
        today: time::Date,
        province: Option<&str>,
    ) -> Result<Vec<PlanningCount>>;

    /// The trend per round: for every registration round, oldest first, the persons it called
    /// (its members, assigned to offices in reach) by age group on its opening day, within
    /// `province` and `district` when given. Counts only.
    fn planning_rounds(
        &self,
        reach: &Reach,
        province: Option<&str>,
        district: Option<&str>,
    ) -> Result<Vec<RoundPlanningCount>>;
}

/// Help-desk tickets (issue 20.4; rules in [`crate::helpdesk`]). Every call is audited; a
/// ticket comes back as its viewer may see it ([`Ticket::seen_by`]).
pub trait HelpdeskStore: Send + Sync {
    /// Files a ticket, routed and due as [`NewTicket`] says. Audited `helpdesk.file`.
    fn file_ticket(&self, ctx: &AuditCtx, t: &NewTicket, due_on: Date) -> Result<Ticket>;

    /// A registered person's own tickets, newest first (the portal). Audited `helpdesk.own`.
    fn own_tickets(&self, ctx: &AuditCtx, person: PersonId) -> Result<Vec<Ticket>>;

    /// Tickets `viewer` may see, newest first: those routed to its office and complaints about
    /// it (`Some(office)`), or every ticket (`None`, authority roles); `open_only` leaves out
    /// answered ones. Audited `helpdesk.list`.
    fn ticket_inbox(
        &self,
        ctx: &AuditCtx,
        viewer: Option<OfficeId>,
        open_only: bool,
        req: PageRequest,
    ) -> Result<Page<Ticket>>;

    /// One ticket, if `viewer` may see it (`helpdesk.ticket.not_found` otherwise). Audited
    /// `helpdesk.read`.
    fn get_ticket(&self, ctx: &AuditCtx, viewer: Option<OfficeId>, id: &str) -> Result<Ticket>;

    /// Answers an open ticket that `viewer` may answer ([`crate::helpdesk::may_answer`]);
    /// `helpdesk.ticket.answered` when it was answered already. Audited `helpdesk.answer`.
    fn answer_ticket(
        &self,
        ctx: &AuditCtx,
        viewer: Option<OfficeId>,
        role: &str,
        id: &str,
        answer: &str,
    ) -> Result<Ticket>;
    /// The authority forwards an open ticket it answers to office `to`, which then sees and
    /// answers it ([`crate::helpdesk::may_forward`]); `office.not_found` for an unknown office.
    /// Audited `helpdesk.forward`.
    fn forward_ticket(&self, ctx: &AuditCtx, id: &str, to: OfficeId) -> Result<Ticket>;

    /// A ticket's status for a caller who gives its reference and the phone they left
    /// ([`crate::helpdesk::Ticket::status_for`]); audited `helpdesk.status` when shown.
    fn ticket_status(
        &self,
        ctx: &AuditCtx,
        reference: &str,
        phone: &str,
    ) -> Result<crate::helpdesk::TicketStatus>;
}

/// Who acts on a referral ([`ReferralStore::act_on_referral`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralActor {
    /// A user of the partner the referral is addressed to (the store finds the acting user's
    /// partner): accept, decline, complete.
    Partner,
    /// Staff of the referring office, for the person at the counter (the referral must be this
    /// office's and this person's): withdraw.
    Office(OfficeId, PersonId),
    /// The person themself on the portal: withdraw.
    Person(PersonId),
}

/// Referrals to partner services (issue 20.1; rules in [`crate::referral`]). A partner user
/// reaches only referrals addressed to their partner (`users.partner_code`), and of a person
/// only the attributes the referral shared; never a person record. Every call is audited, and
/// every read or change of one referral names the referral as target, so it is in the person's
/// access log.
pub trait ReferralStore: Send + Sync {
    /// Refers a person of `scope`'s office to `ty`'s partner with the consent given: the
    /// person must exist in that office (`person.not_found`), be eligible on `today`
    /// ([`crate::referral::ReferralType::check_eligible`]) and have no open referral of the
    /// type (`referral.open`, 409, with its reference); the type's attributes are copied.
    /// Audited `referral.create`.
    fn create_referral(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        ty: &crate::referral::ReferralType,
        consent: crate::referral::Consent,
        today: Date,
    ) -> Result<crate::referral::Referral>;

    /// A person's referrals, newest first, as their office (`Some`, only referrals it made) or
    /// the person themself (`None`) sees them. Audited `referral.list_person`.
    fn person_referrals(
        &self,
        ctx: &AuditCtx,
        office: Option<OfficeId>,
        person: PersonId,
    ) -> Result<Vec<crate::referral::Referral>>;

    /// The referrals addressed to the acting user's partner, newest first, optionally in one
    /// state, **without** their attributes (a list names no one); with the partner's code.
    /// `referral.partner.none` (403) for a user bound to no partner. Audited `referral.list`.
    fn partner_referrals(
        &self,
        ctx: &AuditCtx,
        state: Option<crate::referral::ReferralState>,
        req: PageRequest,
    ) -> Result<(String, Page<crate::referral::Referral>)>;

    /// One referral addressed to the acting user's partner, with what it shares
    /// (`referral.not_found` otherwise). Audited `referral.read`.
    fn partner_referral(&self, ctx: &AuditCtx, id: &str) -> Result<crate::referral::Referral>;

    /// Applies `action` ([`crate::referral::ReferralState::after`]) with its note: the partner
    /// accepts, declines or completes; the office or the person withdraws consent, which
    /// erases the shared attributes. Anyone else: `referral.not_found`; a step the actor may
    /// not take: `referral.action.forbidden` (403). Audited `referral.<action>`.
    fn act_on_referral(
        &self,
        ctx: &AuditCtx,
        actor: ReferralActor,
        id: &str,
        action: crate::referral::Action,
        note: &str,
    ) -> Result<crate::referral::Referral>;

    /// Binds a user account to a partner (or unbinds it with `None`); `user.not_found`.
    /// Audited `user.partner`.
    fn set_user_partner(&self, ctx: &AuditCtx, user: UserId, partner: Option<&str>) -> Result<()>;
}

/// Notifications (issue 19.3; rules in [`crate::notify`]): the outbox the events write to in
/// their own transactions, and what the sender worker and staff do with it.
pub trait NotifyStore: Send + Sync {
    /// Writes notices planned for their persons ([`crate::notify::plan`] over the registry's
    /// phone, nationality, chosen locale and opt-out) in one transaction; returns how many.
    /// For tests, the bench and events without a transaction of their own.
    fn enqueue_notices(&self, notices: &[NewNotice]) -> Result<u64>;

    /// Claims up to `limit` notices due now for `worker`: pending ones whose time came, and
    /// ones left `sending` by this worker (it died before recording them) or by any worker
    /// whose claim is older than `lease`. Two workers never hold the same row (PostgreSQL:
    /// `FOR UPDATE SKIP LOCKED`; SQLite: one writer). A claimed notice of a person who opted
    /// out meanwhile (and not legally required) becomes `opted_out` instead.
    fn claim_notices(
        &self,
        worker: &str,
        limit: usize,
        lease: time::Duration,
    ) -> Result<Vec<Claimed>>;

    /// Records what sending claimed notices came to: sent, or failed (retried after
    /// [`crate::notify::backoff`], or failed for good). Only rows still claimed by `worker`.
    fn finish_notices(&self, worker: &str, outcomes: &[(String, Outcome)]) -> Result<u64>;

    /// One office's notices, newest first, without addresses (office staff). Audited
    /// `notify.list`.
    fn office_notices(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        filter: &Filter,
        req: PageRequest,
    ) -> Result<Page<Notice>>;

    /// Notices per office and status (counts only, every office).
    fn notice_counts(&self) -> Result<Vec<OfficeCount>>;

    /// A person's own notices with their addresses, newest first (the person's page at their
    /// office, the portal), with the person's choice (opted out, chosen locale, e-mail); the person must
    /// be of `scope`'s office (`person.not_found` otherwise). Audited `notify.read`.
    fn person_notices(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<(Vec<Notice>, crate::notify::Prefs)>;

    /// Sets the person's choice (a person of `scope`'s office): opt-out, language and e-mail
    /// for notices. Audited `notify.prefs` (whether an e-mail is given, not the address).
    fn set_notify_prefs(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        prefs: &crate::notify::Prefs,
    ) -> Result<()>;
}

/// The authority's dashboard (issue 19, part 4): aggregates only, never a person, so reads are
/// not audited (as the KPI and coverage pages are not). Case figures come from `kpi_monthly`,
/// registrations, receipts and complaints from `dashboard_monthly` (both written by the KPI
/// job, [`KpiStore::compute_kpis`]), coverage from the rounds' live counters. Every method
/// takes a reach for `aggregate.read`: every office, or one office (its manager).
pub trait DashboardStore: Send + Sync {
    /// Cases opened, approved, rejected, cancelled, returned and breached per place at the
    /// filter's level, month and service.
    fn dashboard_cases(
        &self,
        reach: &Reach,
        filter: &crate::dashboard::Filter,
    ) -> Result<Vec<crate::dashboard::Fact>>;

    /// Registrations, receipts (count and rials) and complaints (per category) per place at
    /// the filter's level and month.
    fn dashboard_counts(
        &self,
        reach: &Reach,
        filter: &crate::dashboard::Filter,
    ) -> Result<Vec<crate::dashboard::Fact>>;

    /// The rounds open on some day of the filter's months, with expected and renewed persons
    /// per place at the filter's level, newest opening first.
    fn dashboard_coverage(
        &self,
        reach: &Reach,
        filter: &crate::dashboard::Filter,
    ) -> Result<Vec<crate::dashboard::RoundPlaces>>;

    /// The offices within reach, by province, district and code (for the filter's choices).
    fn dashboard_offices(&self, reach: &Reach) -> Result<Vec<Office>>;
}

/// Who reads or acts on a voluntary-return case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnAccess {
    /// Staff, as far as the reach of the permission they act with goes (one office, or every
    /// office; with `protection.review` only the cases whose screening raised a flag).
    Staff(Reach),
    /// The registrant on the portal: their own cases only.
    Own(PersonId),
}

/// Voluntary return (issue 20.3; rules in [`crate::voluntary_return`]). Every call is audited
/// with each person of the case as target (so their access log shows it); a case `access`
/// may not see is `return.case.not_found`, an action its permission does not allow
/// `auth.forbidden`.
pub trait ReturnStore: Send + Sync {
    /// Registers the wish to return: staff with `person.write` for the registrant's office, or
    /// the registrant themself (`Own`). Members must belong to the registrant's current
    /// household (`return.member.not_household`); nobody may be in another open case
    /// (`return.case.open`). Audited `return.register`.
    fn register_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        r: &crate::voluntary_return::NewReturn,
    ) -> Result<crate::voluntary_return::ReturnCase>;

    /// The cases `reach` sees, open or blocked ones first then newest (`open_only`: not
    /// departed or withdrawn). Audited `return.list` per person listed.
    fn return_cases(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        open_only: bool,
        req: PageRequest,
    ) -> Result<Page<crate::voluntary_return::ReturnCase>>;

    /// The cases of one person (as registrant or member) that `access` sees, newest first.
    /// Audited `return.list`.
    fn person_returns(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        person: PersonId,
    ) -> Result<Vec<crate::voluntary_return::ReturnCase>>;

    /// One case with its timeline. Audited `return.read`.
    fn return_case(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
    ) -> Result<crate::voluntary_return::ReturnCase>;

    /// Records the protection screening (`return.screen`). Audited `return.screen`.
    fn screen_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        s: &crate::voluntary_return::Screening,
    ) -> Result<crate::voluntary_return::ReturnCase>;

    /// Records a protection officer's review of a flagged case (`protection.review`). Audited
    /// `return.review`.
    fn review_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        r: &crate::voluntary_return::Review,
    ) -> Result<crate::voluntary_return::ReturnCase>;

    /// Issues the exit permit (the office): 409 while the screening is missing or blocked.
    /// Audited `return.permit`.
    fn issue_exit_permit(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        p: &crate::voluntary_return::Permit,
    ) -> Result<crate::voluntary_return::ReturnCase>;

    /// Confirms the departure (the office or the authority) and, in the same transaction,
    /// revokes every active credential of the registrant and the members as
    /// [`CredentialStore::revoke_credential`] does (status list version bumped, audited
    /// `credential.revoke`). Audited `return.depart`. Returns the case and the revoked ids.
    fn confirm_departure(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
    ) -> Result<(crate::voluntary_return::ReturnCase, Vec<String>)>;

    /// A household member on a return case takes themself off it (on the portal), in any
    /// state before departure, without consequence: no longer on the case (not covered by its
    /// permit, their credentials not revoked by its departure); the case goes on for the
    /// others. `return.case.not_found` when `person` is not a member of the case,
    /// `return.departed` / `return.withdrawn` once it is closed. No reason is asked (it could
    /// be one the screening asks about). Audited `return.leave` (the member as target).
    fn leave_return(&self, ctx: &AuditCtx, person: PersonId, id: ReturnId) -> Result<()>;

    /// Withdraws the wish, in any state before departure, without consequence (the office or
    /// the registrant). Audited `return.withdraw`.
    fn withdraw_return(
        &self,
        ctx: &AuditCtx,
        access: &ReturnAccess,
        id: ReturnId,
        reason: &str,
    ) -> Result<crate::voluntary_return::ReturnCase>;
}

/// Consultations on the offices' directive and the association branches' problems and
/// proposals (issue 18, part 6; rules in [`crate::consultation`]). No person data: a comment or
/// proposal names an office or a province branch. The web layer checks the permissions
/// (`consultation.manage`, `consultation.comment`, `proposal.file`); every write is audited
/// (`consultation.publish|revise|finalise|comment`, `proposal.file|answer`, `user.branch`), and
/// the rules that depend on the day use the offices' today (the store's clock).
pub trait ConsultationStore: Send + Sync {
    /// Publishes a new consultation with its first draft (version 1).
    fn publish_consultation(
        &self,
        ctx: &AuditCtx,
        new: &NewConsultation,
    ) -> Result<ConsultationView>;

    /// Publishes a revised draft (version n+1) if the latest version is `if_match`
    /// (`consultation.version.stale`, 412) and a draft (`consultation.final`);
    /// `consultation.not_found` for an unknown id.
    fn revise_consultation(
        &self,
        ctx: &AuditCtx,
        id: &str,
        revision: &Revision,
        if_match: u32,
    ) -> Result<ConsultationView>;

    /// Publishes the final version with the summary of what changed, as
    /// [`ConsultationStore::revise_consultation`]; no comment is taken after it.
    fn finalise_consultation(
        &self,
        ctx: &AuditCtx,
        id: &str,
        finalisation: &Finalisation,
        if_match: u32,
    ) -> Result<ConsultationView>;

    /// Consultations, newest first.
    fn consultations(&self, req: PageRequest) -> Result<Page<Consultation>>;

    /// One consultation with every version (`consultation.not_found`).
    fn consultation(&self, id: &str) -> Result<ConsultationView>;

    /// A comment of `who` on a section of the latest draft
    /// ([`Consultation::check_comment`] on the offices' today, in the transaction).
    fn comment_on_consultation(
        &self,
        ctx: &AuditCtx,
        id: &str,
        who: &Commenter,
        comment: &NewComment,
    ) -> Result<ConsultationComment>;

    /// The comments on a consultation by section and time: `who`'s own, or every one (`None`,
    /// the authority).
    fn consultation_comments(
        &self,
        id: &str,
        who: Option<&Commenter>,
    ) -> Result<Vec<ConsultationComment>>;

    /// Files a problem or proposal for `branch`.
    fn file_proposal(&self, ctx: &AuditCtx, branch: &str, new: &NewProposal) -> Result<Proposal>;

    /// Proposals, newest first: `branch`'s own, or every one (`None`, the authority).
    fn proposals(&self, branch: Option<&str>, req: PageRequest) -> Result<Page<Proposal>>;

    /// One proposal, if `branch` filed it (`None`: any); `proposal.not_found` otherwise.
    fn proposal(&self, branch: Option<&str>, id: &str) -> Result<Proposal>;

    /// The authority answers and sets the status ([`Proposal::check_update`]) if the proposal's
    /// version is `if_match` (`proposal.version.stale`).
    fn answer_proposal(
        &self,
        ctx: &AuditCtx,
        id: &str,
        update: &ProposalUpdate,
        if_match: i64,
    ) -> Result<Proposal>;

    /// The province branch an association account is bound to, if any.
    fn user_branch(&self, user: UserId) -> Result<Option<String>>;

    /// Binds (or unbinds) an account to a province branch (`user.not_found`).
    fn set_user_branch(&self, ctx: &AuditCtx, user: UserId, branch: Option<&str>) -> Result<()>;
}

/// Declares [`Store`] over the area traits, with the blanket impl for every type that has them
/// all (one list, not two).
macro_rules! every_area {
    ($($area:ident),+) => {
        /// Everything daftar stores: every area trait. Implemented by `daftar-store` over SQLite
        /// and PostgreSQL; callers hold an `Arc<dyn Store>` and call any area's methods on it.
        pub trait Store: $($area +)+ 'static {}

        impl<T: $($area +)+ 'static> Store for T {}
    };
}

every_area!(
    SystemStore,
    OfficeStore,
    LicenceStore,
    MembershipStore,
    RoundStore,
    KpiStore,
    PlanStore,
    DashboardStore,
    UserStore,
    PersonStore,
    PhotoStore,
    HouseholdStore,
    ReviewStore,
    ServiceStore,
    CaseStore,
    CredentialStore,
    AppointmentStore,
    PortalStore,
    ReadWatchStore,
    IdempotencyStore,
    HelpdeskStore,
    ReferralStore,
    ReturnStore,
    PlanningStore,
    NotifyStore,
    ConsultationStore,
    AccreditationStore,
    AuditStore
);
