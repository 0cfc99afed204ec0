//! The storage interface. One trait, implemented once in `daftar-store` over SQLite and
//! PostgreSQL. Methods are synchronous (the web layer calls them on blocking threads). Every
//! write takes an [`AuditCtx`] and records its audit event in the same transaction; every read
//! of personal data does too. Office data is reached only through an [`OfficeScope`] or [`Reach`].

use crate::Result;
use crate::audit::{AuditCtx, AuditEvent, AuditRecord, ChainBreak};
use crate::household::{HouseholdSummary, HouseholdView, NewMember, Split};
use crate::ids::{ApiTokenId, HouseholdId, OfficeId, PersonId, SessionId, SuspectId, UserId};
use crate::office::{NewOffice, Office, OfficeStatus};
use crate::page::{Page, PageRequest};
use crate::permission::{OfficeScope, Reach, RoleDef};
use crate::person::{
    Candidates, Document, NewDocument, NewPerson, NewStatus, Person, PersonRecord,
};
use crate::review::{NewDecision, NewSuspect, Suspect, SuspectStatus};
use crate::session::{ApiToken, Session};
use crate::user::{LoginThrottle, NewUser, User, UserAuth, UserStatus, Username};
use std::path::Path;
use time::OffsetDateTime;

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

/// Everything daftar stores. Errors: `*.not_found` (404), `*.taken` (409), `store.unavailable` (503).
pub trait Store: Send + Sync + 'static {
    // ---- housekeeping ----
    /// The backend in use.
    fn backend(&self) -> Backend;
    /// Checks the database answers (for `/healthz`).
    fn ping(&self) -> Result<()>;
    /// Pool figures.
    fn pool_stats(&self) -> PoolStats;
    /// Applies pending migrations; returns the names applied now.
    fn migrate(&self) -> Result<Vec<String>>;
    /// Names of applied migrations, in order.
    fn applied_migrations(&self) -> Result<Vec<String>>;
    /// Writes a consistent copy of the database to `path` (SQLite `VACUUM INTO`; PostgreSQL
    /// `pg_dump` in custom format when it is on PATH, else `store.backup.unavailable`).
    fn backup_to(&self, path: &Path) -> Result<()>;

    // ---- roles ----
    /// The role table with each role's permissions.
    fn roles(&self) -> Result<Vec<RoleDef>>;

    // ---- offices ----
    /// Creates an office (`office.code.taken` if the code exists). Audited `office.create`.
    fn create_office(&self, ctx: &AuditCtx, new: &NewOffice) -> Result<Office>;
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
    ) -> Result<Office>;

    // ---- users ----
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

    // ---- login throttling ----
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

    // ---- sessions ----
    /// Stores a new session. Audited `auth.login`.
    fn create_session(&self, ctx: &AuditCtx, s: &Session) -> Result<()>;
    /// A session by the hash of its secret.
    fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>>;
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

    // ---- API tokens ----
    /// Stores a token. Audited `token.create`.
    fn create_api_token(&self, ctx: &AuditCtx, t: &ApiToken) -> Result<()>;
    /// A token by the hash of its secret.
    fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;
    /// A user's tokens, newest first.
    fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;
    /// Revokes a token of `user` (`token.not_found` if it is not theirs). Audited `token.revoke`.
    fn revoke_api_token(&self, ctx: &AuditCtx, user: UserId, id: ApiTokenId) -> Result<()>;

    // ---- persons (personal data: reads are audited too) ----
    /// Registers a person in the scope's office (scope must be for `person.write`). Audited `person.create`.
    fn create_person(&self, ctx: &AuditCtx, scope: &OfficeScope, new: &NewPerson)
    -> Result<Person>;
    /// Persons of the scope's office, newest first (scope for `person.read`). Audited `person.list`.
    fn list_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        page: PageRequest,
    ) -> Result<Page<Person>>;
    /// One person of the scope's office with documents and status history; a person of another
    /// office is `person.not_found`. Audited `person.read`.
    fn get_person(&self, ctx: &AuditCtx, scope: &OfficeScope, id: PersonId)
    -> Result<PersonRecord>;
    /// Registers many persons in one transaction (scope for `person.write`): all or nothing;
    /// the first bad row fails the whole call with `details.row`. `progress` is called with the
    /// rows written so far. Audited once, `person.import`.
    fn import_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        rows: &[NewPerson],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64>;
    /// Persons of the scope's office matching `query`: registry number, document number, or
    /// every word of a name (either script, normalised); newest first. Audited `person.search`.
    fn search_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        query: &str,
        page: PageRequest,
    ) -> Result<Page<Person>>;
    /// Changes a person's status (`person.status.unchanged`, `person.status.final`), keeping
    /// the history. Audited `person.status`.
    fn set_person_status(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        change: &NewStatus,
    ) -> Result<PersonRecord>;
    /// Records an identity document of a person (`document.number.taken` when that kind and
    /// number are already recorded). Audited `person.document.add`.
    fn add_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        doc: &NewDocument,
    ) -> Result<Document>;
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
    /// Likely duplicates of `probe` (at most `limit`) among persons within `reach` (which must be
    /// for `person.read`), found through the persons' match keys, plus the number of matches in
    /// offices outside the reach. Audited `person.candidates` with the ids shown.
    fn person_candidates(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        probe: &NewPerson,
        limit: usize,
    ) -> Result<Candidates>;
    /// Number of persons per office (aggregate, no personal data).
    fn count_persons_by_office(&self) -> Result<Vec<(OfficeId, u64)>>;

    // ---- households (personal data: reads are audited too) ----
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
        member: &NewMember,
    ) -> Result<HouseholdView>;
    /// Changes a current member's relationship to the head (`household.member.not_found`,
    /// `household.relationship.head`). Audited `household.member.relationship`.
    fn set_member_relationship(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        person: PersonId,
        relationship: &str,
    ) -> Result<HouseholdView>;
    /// Moves members (not the head) into a new household headed by one of them; returns the new
    /// household. Audited `household.split`.
    fn split_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        split: &Split,
    ) -> Result<HouseholdView>;

    // ---- duplicate review ----
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
    /// Decides an open pair: merge (the other record points to the survivor and leaves lists,
    /// search and the duplicate check; nothing is deleted) or distinct. Errors:
    /// `review.not_found`, `review.decided`, `review.already_merged`. Audited `review.merge` /
    /// `review.distinct`.
    fn decide_suspect(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: SuspectId,
        decision: &NewDecision,
    ) -> Result<Suspect>;
    /// Undoes a merge; the pair is open again (`review.not_merged`). Audited `review.unmerge`.
    fn unmerge(&self, ctx: &AuditCtx, reach: &Reach, id: SuspectId) -> Result<Suspect>;
    /// The persons of the scope's office (scope for `person.export`), not merged away, in
    /// registry order, for a download. Audited `person.export` with the count.
    fn export_persons(&self, ctx: &AuditCtx, scope: &OfficeScope) -> Result<Vec<Person>>;
    /// Every person not merged away (of one office, or all), for batch duplicate detection.
    /// Audited `person.dedupe.read` with the count.
    fn dedupe_persons(&self, ctx: &AuditCtx, office: Option<OfficeId>) -> Result<Vec<Person>>;

    // ---- audit ----
    /// Appends an event on its own (for reads and events with no other write).
    fn append_audit(&self, ctx: &AuditCtx, ev: &AuditEvent) -> Result<AuditRecord>;
    /// Audit rows matching `filter`, newest first.
    fn audit_page(&self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditRecord>>;
    /// Walks the whole chain in order (in batches) and checks it, including that the stored chain
    /// head matches the last row. `Ok(Ok(n))`: n rows verified; `Ok(Err(b))`: the first break.
    fn verify_audit(&self) -> Result<Result<u64, ChainBreak>>;
}
