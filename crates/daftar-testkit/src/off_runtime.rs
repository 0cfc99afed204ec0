//! [`OffRuntime`]: a store wrapper for async tests that runs every call on a plain thread, so
//! the synchronous PostgreSQL driver never blocks inside the test's tokio runtime.

use daftar_domain::Result;
use daftar_domain::appointment::Appointment;
use daftar_domain::audit::{AuditCtx, AuditEvent, AuditRecord, ChainBreak};
use daftar_domain::calendar::{Holiday, WorkCalendar};
use daftar_domain::case::{
    CaseChange, CaseDocument, CaseSummary, CaseView, FeeReportRow, NewCase, NewPayment, Payment,
    QueueFilter, ReceiptCheck,
};
use daftar_domain::credential::{
    CredentialRecord, IssuerKey, NewCredential, NewShareCode, ShareAttempt, ShareCheck, ShareCode,
};
use daftar_domain::household::{HouseholdSummary, HouseholdView, NewMember, Split};
use daftar_domain::idempotency::StoredResponse;
use daftar_domain::ids::ShareCodeId;
use daftar_domain::ids::{
    ApiTokenId, HouseholdId, OfficeId, PersonId, SessionId, SuspectId, UserId,
};
use daftar_domain::ids::{CaseDocumentId, CaseId};
use daftar_domain::office::{NewOffice, Office, OfficeStatus};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Reach, RoleDef};
use daftar_domain::person::{Document, NewDocument, NewPerson, NewStatus, Person, PersonRecord};
use daftar_domain::review::{NewDecision, NewSuspect, Suspect, SuspectStatus};
use daftar_domain::service::{Catalog, ServiceDef, ServiceRecord, ServiceVersion};
use daftar_domain::session::{ApiToken, Session};
use daftar_domain::store::ShareAccess;
use daftar_domain::store::{AuditFilter, Backend, PoolStats, Store};
use daftar_domain::user::{LoginThrottle, NewUser, User, UserAuth, UserStatus, Username};
use daftar_store::postgres::outside_runtime;
use std::path::Path;
use std::sync::Arc;
use time::OffsetDateTime;

/// Forwards every [`Store`] call to the inner store on a plain thread.
pub struct OffRuntime(pub Arc<dyn Store>);

macro_rules! fwd {
    ($($name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*) => {$(
        fn $name(&self $(, $arg: $ty)*) -> $ret {
            let inner = &self.0;
            outside_runtime(|| inner.$name($($arg),*))
        }
    )*};
}

impl Store for OffRuntime {
    fn backend(&self) -> Backend {
        self.0.backend()
    }
    fn pool_stats(&self) -> PoolStats {
        self.0.pool_stats()
    }
    fwd! {
        book_appointment(&self, ctx: &AuditCtx, scope: &OfficeScope, case: CaseId, day: time::Date, slot: &str, per_slot: u32) -> Result<Appointment>;
        case_appointment(&self, case: CaseId) -> Result<Option<Appointment>>;
        slot_bookings(&self, scope: &OfficeScope, day: time::Date) -> Result<Vec<(String, u32)>>;
        person_cases(&self, ctx: &AuditCtx, scope: &OfficeScope, person: PersonId) -> Result<Vec<CaseSummary>>;
        grant_portal(&self, ctx: &AuditCtx, scope: &OfficeScope, person: PersonId, password_hash: &str) -> Result<User>;
        portal_person(&self, user: UserId) -> Result<Option<PersonId>>;
        add_key(&self, ctx: &AuditCtx, key: &IssuerKey) -> Result<()>;
        keys(&self) -> Result<Vec<IssuerKey>>;
        retire_key(&self, ctx: &AuditCtx, kid: &str) -> Result<IssuerKey>;
        list_version(&self, name: &str) -> Result<u64>;
        issue_credentials(&self, ctx: &AuditCtx, new: &[NewCredential]) -> Result<Vec<CredentialRecord>>;
        person_credentials(&self, ctx: &AuditCtx, scope: &OfficeScope, person: PersonId) -> Result<Vec<CredentialRecord>>;
        get_credential(&self, ctx: &AuditCtx, scope: &OfficeScope, id: &str) -> Result<CredentialRecord>;
        get_credential_of(&self, ctx: &AuditCtx, scope: &OfficeScope, id: &str, person: PersonId) -> Result<CredentialRecord>;
        credential_revoked(&self, id: &str) -> Result<Option<bool>>;
        revoke_credential(&self, ctx: &AuditCtx, reach: &Reach, id: &str, reason: &str) -> Result<CredentialRecord>;
        revoked_since(&self, since: u64, now: OffsetDateTime) -> Result<(u64, Vec<String>)>;
        create_share_code(&self, ctx: &AuditCtx, scope: &OfficeScope, new: &NewShareCode) -> Result<ShareCode>;
        share_codes(&self, ctx: &AuditCtx, scope: &OfficeScope, person: PersonId) -> Result<Vec<ShareCode>>;
        share_code_by_manage(&self, ctx: &AuditCtx, manage_hash: &str) -> Result<ShareCode>;
        cancel_share_code(&self, ctx: &AuditCtx, id: ShareCodeId, access: &ShareAccess) -> Result<ShareCode>;
        share_code_for_check(&self, code_hash: &str, now: OffsetDateTime) -> Result<ShareAttempt>;
        record_share_check(&self, ctx: &AuditCtx, id: ShareCodeId, check: &ShareCheck) -> Result<()>;
        load_catalog(&self, ctx: &AuditCtx, catalog: &Catalog) -> Result<u64>;
        services(&self) -> Result<Vec<ServiceRecord>>;
        service(&self, code: &str) -> Result<ServiceRecord>;
        update_service(&self, ctx: &AuditCtx, reach: &Reach, def: &ServiceDef, expected_version: i64, note: &str) -> Result<ServiceRecord>;
        service_history(&self, code: &str) -> Result<Vec<ServiceVersion>>;
        holidays(&self) -> Result<Vec<Holiday>>;
        load_holidays(&self, ctx: &AuditCtx, holidays: &[Holiday]) -> Result<u64>;
        set_holiday(&self, ctx: &AuditCtx, reach: &Reach, h: &Holiday) -> Result<()>;
        remove_holiday(&self, ctx: &AuditCtx, reach: &Reach, day: time::Date) -> Result<()>;
        open_case(&self, ctx: &AuditCtx, scope: &OfficeScope, new: &NewCase, cal: &WorkCalendar, today: time::Date) -> Result<CaseView>;
        get_case(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId) -> Result<CaseView>;
        get_case_of(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId, person: PersonId) -> Result<CaseView>;
        change_case(&self, ctx: &AuditCtx, scope: &OfficeScope, role: &str, id: CaseId, if_match: i64, change: &CaseChange, cal: &WorkCalendar, today: time::Date) -> Result<CaseView>;
        assign_cases(&self, ctx: &AuditCtx, scope: &OfficeScope, ids: &[CaseId], to: Option<UserId>) -> Result<u64>;
        case_queue(&self, ctx: &AuditCtx, scope: &OfficeScope, filter: QueueFilter, today: time::Date, page: PageRequest) -> Result<Page<CaseSummary>>;
        add_case_document(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId, doc: &CaseDocument, blob_key: &str) -> Result<CaseDocument>;
        case_document(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId, doc: CaseDocumentId) -> Result<(CaseDocument, String)>;
        record_payment(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId, payment: &NewPayment, today: time::Date) -> Result<Payment>;
        check_receipt(&self, check_code: &str) -> Result<ReceiptCheck>;
        fee_complaint(&self, ctx: &AuditCtx, check_code: &str, asked_rials: u64, note: &str) -> Result<()>;
        fee_report(&self, reach: &Reach, from: time::Date, to: time::Date) -> Result<Vec<FeeReportRow>>;
        escalate_overdue(&self, ctx: &AuditCtx, cal: &WorkCalendar, today: time::Date, authority_after: u32) -> Result<u64>;
        idempotent_response(&self, principal: &str, key: &str, now: OffsetDateTime) -> Result<Option<StoredResponse>>;
        answering(&self, answer: Arc<daftar_domain::idempotency::PendingAnswer>, work: &mut (dyn FnMut(&dyn Store) -> Result<()> + Send)) -> Result<bool>;
        purge_idempotent_answers(&self, now: OffsetDateTime) -> Result<u64>;
        ping(&self) -> Result<()>;
        migrate(&self) -> Result<Vec<String>>;
        prewarm(&self) -> Result<u64>;
        applied_migrations(&self) -> Result<Vec<String>>;
        backup_to(&self, path: &Path) -> Result<()>;
        roles(&self) -> Result<Vec<RoleDef>>;
        create_office(&self, ctx: &AuditCtx, new: &NewOffice) -> Result<Office>;
        list_offices(&self, reach: &Reach, page: PageRequest) -> Result<Page<Office>>;
        get_office(&self, id: OfficeId) -> Result<Office>;
        set_office_status(&self, ctx: &AuditCtx, id: OfficeId, status: OfficeStatus, expected: Option<&str>) -> Result<Office>;
        create_user(&self, ctx: &AuditCtx, new: &NewUser) -> Result<User>;
        get_user(&self, id: UserId) -> Result<User>;
        user_auth_by_username(&self, username: &Username) -> Result<Option<UserAuth>>;
        user_auth(&self, id: UserId) -> Result<UserAuth>;
        list_users(&self, reach: &Reach, page: PageRequest) -> Result<Page<User>>;
        set_user_status(&self, ctx: &AuditCtx, id: UserId, status: UserStatus) -> Result<()>;
        set_password(&self, ctx: &AuditCtx, id: UserId, password_hash: &str) -> Result<()>;
        set_locale(&self, ctx: &AuditCtx, id: UserId, locale: Option<&str>) -> Result<()>;
        set_totp(&self, ctx: &AuditCtx, id: UserId, secret: Option<&str>) -> Result<()>;
        login_throttle(&self, username: &str) -> Result<LoginThrottle>;
        record_login_failure(&self, ctx: &AuditCtx, username: &str, state: LoginThrottle) -> Result<()>;
        clear_login_failures(&self, username: &str) -> Result<()>;
        store_throttles(&self, ctx: &AuditCtx, event: Option<&AuditEvent>, states: &[(String, LoginThrottle)]) -> Result<()>;
        use_totp_step(&self, user: UserId, step: i64) -> Result<bool>;
        create_session(&self, ctx: &AuditCtx, s: &Session) -> Result<()>;
        session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>>;
        touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<()>;
        update_session_auth(&self, ctx: &AuditCtx, id: SessionId, mfa_ok: bool, step_up_at: Option<OffsetDateTime>) -> Result<()>;
        revoke_session(&self, ctx: &AuditCtx, id: SessionId) -> Result<()>;
        revoke_user_sessions(&self, ctx: &AuditCtx, user: UserId, except: Option<SessionId>) -> Result<u64>;
        list_sessions(&self, user: UserId) -> Result<Vec<Session>>;
        create_api_token(&self, ctx: &AuditCtx, t: &ApiToken) -> Result<()>;
        api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>>;
        list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>>;
        revoke_api_token(&self, ctx: &AuditCtx, user: UserId, id: ApiTokenId) -> Result<()>;
        create_person(&self, ctx: &AuditCtx, scope: &OfficeScope, new: &NewPerson) -> Result<Person>;
        list_persons(&self, ctx: &AuditCtx, scope: &OfficeScope, page: PageRequest) -> Result<Page<Person>>;
        get_person(&self, ctx: &AuditCtx, scope: &OfficeScope, id: PersonId) -> Result<PersonRecord>;
        import_persons(&self, ctx: &AuditCtx, scope: &OfficeScope, rows: &[NewPerson], progress: &(dyn Fn(u64) + Sync)) -> Result<u64>;
        remove_stale_imports(&self, ctx: &AuditCtx, idle: time::Duration) -> Result<u64>;
        search_persons(&self, ctx: &AuditCtx, scope: &OfficeScope, query: &str, page: PageRequest) -> Result<Page<Person>>;
        set_person_status(&self, ctx: &AuditCtx, scope: &OfficeScope, id: PersonId, change: &NewStatus, expected: Option<&str>) -> Result<PersonRecord>;
        add_document(&self, ctx: &AuditCtx, scope: &OfficeScope, id: PersonId, doc: &NewDocument, expected: Option<&str>) -> Result<Document>;
        count_persons_by_office(&self) -> Result<Vec<(OfficeId, u64)>>;
        person_candidates(&self, ctx: &AuditCtx, reach: &Reach, probe: &NewPerson, limit: usize) -> Result<daftar_domain::person::Candidates>;
        create_household(&self, ctx: &AuditCtx, scope: &OfficeScope, head: PersonId) -> Result<HouseholdView>;
        list_households(&self, ctx: &AuditCtx, scope: &OfficeScope, page: PageRequest) -> Result<Page<HouseholdSummary>>;
        get_household(&self, ctx: &AuditCtx, scope: &OfficeScope, id: HouseholdId) -> Result<HouseholdView>;
        person_household(&self, ctx: &AuditCtx, scope: &OfficeScope, person: PersonId) -> Result<Option<HouseholdId>>;
        add_household_member(&self, ctx: &AuditCtx, scope: &OfficeScope, id: HouseholdId, member: &NewMember, expected: Option<&str>) -> Result<HouseholdView>;
        set_member_relationship(&self, ctx: &AuditCtx, scope: &OfficeScope, id: HouseholdId, person: PersonId, relationship: &str, expected: Option<&str>) -> Result<HouseholdView>;
        split_household(&self, ctx: &AuditCtx, scope: &OfficeScope, id: HouseholdId, split: &Split, expected: Option<&str>) -> Result<HouseholdView>;
        add_suspects(&self, ctx: &AuditCtx, pairs: &[NewSuspect]) -> Result<u64>;
        list_suspects(&self, ctx: &AuditCtx, reach: &Reach, status: SuspectStatus, page: PageRequest) -> Result<Page<Suspect>>;
        decide_suspect(&self, ctx: &AuditCtx, reach: &Reach, id: SuspectId, decision: &NewDecision) -> Result<Suspect>;
        unmerge(&self, ctx: &AuditCtx, reach: &Reach, id: SuspectId) -> Result<Suspect>;
        set_photo(&self, ctx: &AuditCtx, scope: &OfficeScope, id: PersonId, photo: &daftar_domain::photo::Photo) -> Result<()>;
        get_photo(&self, ctx: &AuditCtx, scope: &OfficeScope, id: PersonId) -> Result<Option<daftar_domain::photo::Photo>>;
        export_persons(&self, ctx: &AuditCtx, scope: &OfficeScope) -> Result<Vec<Person>>;
        dedupe_persons(&self, ctx: &AuditCtx, office: Option<OfficeId>) -> Result<Vec<Person>>;
        append_audit(&self, ctx: &AuditCtx, ev: &AuditEvent) -> Result<AuditRecord>;
        audit_page(&self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditRecord>>;
        verify_audit(&self) -> Result<Result<u64, ChainBreak>>;
    }
}
