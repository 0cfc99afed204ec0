//! Storage for daftar: one implementation of [`daftar_domain::store::Store`] written once over
//! SQLite (embedded default) and PostgreSQL (production), with migrations for both.
//!
//! Layout: [`sql`] is the small shared SQL layer (values, rows, the `Tx` trait); [`sqlite`] and
//! [`postgres`] are the two backends; `repo` holds the repository code, written once; [`migrate`]
//! holds the migration list and runner.

mod backup;
pub use backup::{NotABackup, check_sqlite_backup};
pub mod blob;
pub mod migrate;
mod pg_tls;
pub mod postgres;
mod prepared;
mod repo;
pub mod sql;
pub mod sqlite;

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
use daftar_domain::{Error, Result};
use std::path::Path;
use std::sync::Arc;
use time::OffsetDateTime;

/// The database behind a [`SqlStore`].
pub(crate) enum Db {
    Sqlite(Box<sqlite::SqliteDb>),
    Postgres(postgres::PgDb),
}

/// The store: the same repository code over either backend.
pub struct SqlStore {
    pub(crate) db: Db,
    /// Registered persons prepared for the enrolment-time duplicate check.
    pub(crate) prepared: prepared::PreparedCache,
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend())
            .finish()
    }
}

/// Opens the store named by `database_url`: `postgres://…` / `postgresql://…` selects
/// PostgreSQL (not migrated here: run `daftar migrate`); `sqlite://PATH` or a plain path selects
/// SQLite (created if missing and migrated).
pub fn connect(database_url: &str) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(connect_sql(database_url)?))
}

/// [`connect`], as the concrete store (for maintenance such as [`SqlStore::execute_raw`]).
pub fn connect_sql(database_url: &str) -> Result<SqlStore> {
    if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        open_postgres(database_url)
    } else {
        let path = database_url
            .strip_prefix("sqlite://")
            .unwrap_or(database_url);
        open_sqlite(Path::new(path))
    }
}

/// Opens (creating if needed) and migrates the SQLite database at `path`.
pub fn open_sqlite(path: &Path) -> Result<SqlStore> {
    let store = SqlStore {
        db: Db::Sqlite(Box::new(sqlite::SqliteDb::open(path)?)),
        prepared: Default::default(),
    };
    store.migrate()?;
    Ok(store)
}

/// Connects to PostgreSQL at `url` (does not migrate).
pub fn open_postgres(url: &str) -> Result<SqlStore> {
    Ok(SqlStore {
        db: Db::Postgres(postgres::PgDb::open(url)?),
        prepared: Default::default(),
    })
}

/// Hides the password of a URL: `postgres://u:secret@h/db` → `postgres://u:***@h/db`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl SqlStore {
    /// Runs raw SQL outside the repository code: for maintenance and for tests that tamper with
    /// the database on purpose. Never used by the application.
    pub fn execute_raw(&self, sql: &str) -> Result<u64> {
        match &self.db {
            Db::Sqlite(d) => d.raw(sql, &[]),
            Db::Postgres(d) => d.write(|tx| {
                tx.batch(sql)?;
                Ok(0)
            }),
        }
    }

    /// Runs a raw read-only query outside the repository code and returns its rows: for tests
    /// and maintenance that read the database's own catalog (the schema comparison of the two
    /// migration trees). Never used by the application. On PostgreSQL every selected column must
    /// be of a type the store reads (text, integers, boolean, timestamptz): cast catalog types
    /// such as `name` or `sql_identifier` with `::text`.
    pub fn query_raw(&self, sql: &str, params: &[sql::Value]) -> Result<Vec<sql::Row>> {
        self.read(|tx| tx.query(sql, params).map_err(Error::from))
    }
}

impl Store for SqlStore {
    fn backend(&self) -> Backend {
        match self.db {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    fn ping(&self) -> Result<()> {
        self.read(|tx| {
            tx.query_one("SELECT 1", &[])
                .map(|_| ())
                .map_err(Error::from)
        })
    }

    fn pool_stats(&self) -> PoolStats {
        match &self.db {
            Db::Sqlite(d) => d.stats(),
            Db::Postgres(d) => d.stats(),
        }
    }

    fn migrate(&self) -> Result<Vec<String>> {
        self.write(migrate::ensure_tracking)?;
        let mut done = vec![];
        for m in migrate::MIGRATIONS {
            if self.write(|tx| migrate::apply(tx, m))? {
                tracing::info!(migration = m.name, "applied migration");
                done.push(m.name.to_owned());
            }
        }
        self.write(migrate::seed_roles)?;
        let keyed = self.backfill_match_keys()?;
        if keyed > 0 {
            tracing::info!(persons = keyed, "computed match keys");
        }
        Ok(done)
    }

    fn prewarm(&self) -> Result<u64> {
        self.prewarm_match_index()
    }

    fn applied_migrations(&self) -> Result<Vec<String>> {
        self.write(migrate::applied)
    }

    fn backup_to(&self, path: &Path) -> Result<()> {
        if path.exists() {
            return Err(Error::conflict("store.backup.exists")
                .with_details(serde_json::json!({ "path": path.display().to_string() })));
        }
        // Written under a temporary name beside the target and moved into place only when
        // complete, so a killed backup never leaves a partial file at `path` (nor blocks a re-run).
        let partial = backup::partial_path(path);
        backup::remove_leftovers(&partial);
        let target = partial
            .to_str()
            .ok_or_else(|| Error::invalid("store.backup.path_invalid"))?;
        let written = match &self.db {
            Db::Sqlite(d) => d.raw("VACUUM INTO $1", &[target.into()]).map(|_| ()),
            Db::Postgres(d) => {
                let out = std::process::Command::new("pg_dump")
                    .args(["--format=custom", "--file", target, d.url()])
                    .output()
                    .map_err(|_| {
                        Error::new(
                            "store.backup.unavailable",
                            daftar_domain::ErrorKind::Unavailable,
                        )
                    })?;
                if out.status.success() {
                    Ok(())
                } else {
                    Err(Error::store(format!(
                        "pg_dump failed: {}",
                        String::from_utf8_lossy(&out.stderr).trim()
                    )))
                }
            }
        };
        let done = written.and_then(|()| backup::publish(&partial, path));
        if done.is_err() {
            backup::remove_leftovers(&partial);
        }
        done
    }

    fn roles(&self) -> Result<Vec<RoleDef>> {
        self.roles_impl()
    }
    fn create_office(&self, ctx: &AuditCtx, new: &NewOffice) -> Result<Office> {
        self.create_office_impl(ctx, new)
    }
    fn list_offices(&self, reach: &Reach, page: PageRequest) -> Result<Page<Office>> {
        self.list_offices_impl(reach, page)
    }
    fn get_office(&self, id: OfficeId) -> Result<Office> {
        self.get_office_impl(id)
    }
    fn set_office_status(
        &self,
        ctx: &AuditCtx,
        id: OfficeId,
        status: OfficeStatus,
        expected: Option<&str>,
    ) -> Result<Office> {
        self.set_office_status_impl(ctx, id, status, expected)
    }
    fn create_user(&self, ctx: &AuditCtx, new: &NewUser) -> Result<User> {
        self.create_user_impl(ctx, new)
    }
    fn get_user(&self, id: UserId) -> Result<User> {
        self.get_user_impl(id)
    }
    fn user_auth_by_username(&self, username: &Username) -> Result<Option<UserAuth>> {
        self.user_auth_by_username_impl(username)
    }
    fn user_auth(&self, id: UserId) -> Result<UserAuth> {
        self.user_auth_impl(id)
    }
    fn list_users(&self, reach: &Reach, page: PageRequest) -> Result<Page<User>> {
        self.list_users_impl(reach, page)
    }
    fn set_user_status(&self, ctx: &AuditCtx, id: UserId, status: UserStatus) -> Result<()> {
        self.set_user_status_impl(ctx, id, status)
    }
    fn set_password(&self, ctx: &AuditCtx, id: UserId, password_hash: &str) -> Result<()> {
        self.set_password_impl(ctx, id, password_hash)
    }
    fn set_locale(&self, ctx: &AuditCtx, id: UserId, locale: Option<&str>) -> Result<()> {
        self.set_locale_impl(ctx, id, locale)
    }
    fn set_totp(&self, ctx: &AuditCtx, id: UserId, secret: Option<&str>) -> Result<()> {
        self.set_totp_impl(ctx, id, secret)
    }
    fn login_throttle(&self, username: &str) -> Result<LoginThrottle> {
        self.login_throttle_impl(username)
    }
    fn record_login_failure(
        &self,
        ctx: &AuditCtx,
        username: &str,
        state: LoginThrottle,
    ) -> Result<()> {
        self.record_login_failure_impl(ctx, username, state)
    }
    fn clear_login_failures(&self, username: &str) -> Result<()> {
        self.clear_login_failures_impl(username)
    }
    fn store_throttles(
        &self,
        ctx: &AuditCtx,
        event: Option<&AuditEvent>,
        states: &[(String, LoginThrottle)],
    ) -> Result<()> {
        self.store_throttles_impl(ctx, event, states)
    }
    fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
        self.use_totp_step_impl(user, step)
    }
    fn create_session(&self, ctx: &AuditCtx, s: &Session) -> Result<()> {
        self.create_session_impl(ctx, s)
    }
    fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<Session>> {
        self.session_by_token_hash_impl(token_hash)
    }
    fn touch_session(&self, id: SessionId, at: OffsetDateTime) -> Result<()> {
        self.touch_session_impl(id, at)
    }
    fn update_session_auth(
        &self,
        ctx: &AuditCtx,
        id: SessionId,
        mfa_ok: bool,
        step_up_at: Option<OffsetDateTime>,
    ) -> Result<()> {
        self.update_session_auth_impl(ctx, id, mfa_ok, step_up_at)
    }
    fn revoke_session(&self, ctx: &AuditCtx, id: SessionId) -> Result<()> {
        self.revoke_session_impl(ctx, id)
    }
    fn revoke_user_sessions(
        &self,
        ctx: &AuditCtx,
        user: UserId,
        except: Option<SessionId>,
    ) -> Result<u64> {
        self.revoke_user_sessions_impl(ctx, user, except)
    }
    fn list_sessions(&self, user: UserId) -> Result<Vec<Session>> {
        self.list_sessions_impl(user)
    }
    fn create_api_token(&self, ctx: &AuditCtx, t: &ApiToken) -> Result<()> {
        self.create_api_token_impl(ctx, t)
    }
    fn api_token_by_hash(&self, token_hash: &str) -> Result<Option<ApiToken>> {
        self.api_token_by_hash_impl(token_hash)
    }
    fn list_api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>> {
        self.list_api_tokens_impl(user)
    }
    fn revoke_api_token(&self, ctx: &AuditCtx, user: UserId, id: ApiTokenId) -> Result<()> {
        self.revoke_api_token_impl(ctx, user, id)
    }
    fn create_person(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewPerson,
    ) -> Result<Person> {
        self.create_person_impl(ctx, scope, new)
    }
    fn list_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        page: PageRequest,
    ) -> Result<Page<Person>> {
        self.list_persons_impl(ctx, scope, page)
    }
    fn get_person(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
    ) -> Result<PersonRecord> {
        self.get_person_impl(ctx, scope, id)
    }
    fn import_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        rows: &[NewPerson],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64> {
        self.import_persons_impl(ctx, scope, rows, progress)
    }
    fn remove_stale_imports(&self, ctx: &AuditCtx, idle: time::Duration) -> Result<u64> {
        self.remove_stale_imports_impl(ctx, idle)
    }
    fn search_persons(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        query: &str,
        page: PageRequest,
    ) -> Result<Page<Person>> {
        self.search_persons_impl(ctx, scope, query, page)
    }
    fn set_person_status(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        change: &NewStatus,
        expected: Option<&str>,
    ) -> Result<PersonRecord> {
        self.set_person_status_impl(ctx, scope, id, change, expected)
    }
    fn add_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        doc: &NewDocument,
        expected: Option<&str>,
    ) -> Result<Document> {
        self.add_document_impl(ctx, scope, id, doc, expected)
    }
    fn person_candidates(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        probe: &NewPerson,
        limit: usize,
    ) -> Result<daftar_domain::person::Candidates> {
        self.person_candidates_impl(ctx, reach, probe, limit)
    }
    fn count_persons_by_office(&self) -> Result<Vec<(OfficeId, u64)>> {
        self.count_persons_by_office_impl()
    }
    fn create_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        head: PersonId,
    ) -> Result<HouseholdView> {
        self.create_household_impl(ctx, scope, head)
    }
    fn list_households(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        page: PageRequest,
    ) -> Result<Page<HouseholdSummary>> {
        self.list_households_impl(ctx, scope, page)
    }
    fn get_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
    ) -> Result<HouseholdView> {
        self.get_household_impl(ctx, scope, id)
    }
    fn person_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Option<HouseholdId>> {
        self.person_household_impl(ctx, scope, person)
    }
    fn add_household_member(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        member: &NewMember,
        expected: Option<&str>,
    ) -> Result<HouseholdView> {
        self.add_household_member_impl(ctx, scope, id, member, expected)
    }
    fn set_member_relationship(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        person: PersonId,
        relationship: &str,
        expected: Option<&str>,
    ) -> Result<HouseholdView> {
        self.set_member_relationship_impl(ctx, scope, id, person, relationship, expected)
    }
    fn split_household(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: HouseholdId,
        split: &Split,
        expected: Option<&str>,
    ) -> Result<HouseholdView> {
        self.split_household_impl(ctx, scope, id, split, expected)
    }
    fn add_suspects(&self, ctx: &AuditCtx, pairs: &[NewSuspect]) -> Result<u64> {
        self.add_suspects_impl(ctx, pairs)
    }
    fn list_suspects(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        status: SuspectStatus,
        page: PageRequest,
    ) -> Result<Page<Suspect>> {
        self.list_suspects_impl(ctx, reach, status, page)
    }
    fn decide_suspect(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: SuspectId,
        decision: &NewDecision,
    ) -> Result<Suspect> {
        self.decide_suspect_impl(ctx, reach, id, decision)
    }
    fn unmerge(&self, ctx: &AuditCtx, reach: &Reach, id: SuspectId) -> Result<Suspect> {
        self.unmerge_impl(ctx, reach, id)
    }
    fn set_photo(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
        photo: &daftar_domain::photo::Photo,
    ) -> Result<()> {
        self.set_photo_impl(ctx, scope, id, photo)
    }
    fn get_photo(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PersonId,
    ) -> Result<Option<daftar_domain::photo::Photo>> {
        self.get_photo_impl(ctx, scope, id)
    }
    fn export_persons(&self, ctx: &AuditCtx, scope: &OfficeScope) -> Result<Vec<Person>> {
        self.export_persons_impl(ctx, scope)
    }
    fn dedupe_persons(&self, ctx: &AuditCtx, office: Option<OfficeId>) -> Result<Vec<Person>> {
        self.dedupe_persons_impl(ctx, office)
    }
    fn load_catalog(&self, ctx: &AuditCtx, catalog: &Catalog) -> Result<u64> {
        self.load_catalog_impl(ctx, catalog)
    }
    fn services(&self) -> Result<Vec<ServiceRecord>> {
        self.services_impl()
    }
    fn service(&self, code: &str) -> Result<ServiceRecord> {
        self.service_impl(code)
    }
    fn update_service(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        def: &ServiceDef,
        expected_version: i64,
        note: &str,
    ) -> Result<ServiceRecord> {
        self.update_service_impl(ctx, reach, def, expected_version, note)
    }
    fn service_history(&self, code: &str) -> Result<Vec<ServiceVersion>> {
        self.service_history_impl(code)
    }
    fn holidays(&self) -> Result<Vec<Holiday>> {
        self.holidays_impl()
    }
    fn load_holidays(&self, ctx: &AuditCtx, holidays: &[Holiday]) -> Result<u64> {
        self.load_holidays_impl(ctx, holidays)
    }
    fn set_holiday(&self, ctx: &AuditCtx, reach: &Reach, h: &Holiday) -> Result<()> {
        self.set_holiday_impl(ctx, reach, h)
    }
    fn remove_holiday(&self, ctx: &AuditCtx, reach: &Reach, day: time::Date) -> Result<()> {
        self.remove_holiday_impl(ctx, reach, day)
    }
    fn open_case(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewCase,
        cal: &WorkCalendar,
        today: time::Date,
    ) -> Result<CaseView> {
        self.open_case_impl(ctx, scope, new, cal, today)
    }
    fn get_case(&self, ctx: &AuditCtx, scope: &OfficeScope, id: CaseId) -> Result<CaseView> {
        self.get_case_impl(ctx, scope, id)
    }
    fn get_case_of(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        person: PersonId,
    ) -> Result<CaseView> {
        self.get_case_of_impl(ctx, scope, id, person)
    }
    #[allow(clippy::too_many_arguments)]
    fn change_case(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        role: &str,
        id: CaseId,
        if_match: i64,
        change: &CaseChange,
        cal: &WorkCalendar,
        today: time::Date,
    ) -> Result<CaseView> {
        self.change_case_impl(ctx, scope, role, id, if_match, change, cal, today)
    }
    fn assign_cases(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        ids: &[CaseId],
        to: Option<UserId>,
    ) -> Result<u64> {
        self.assign_cases_impl(ctx, scope, ids, to)
    }
    fn case_queue(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        filter: QueueFilter,
        today: time::Date,
        page: PageRequest,
    ) -> Result<Page<CaseSummary>> {
        self.case_queue_impl(ctx, scope, filter, today, page)
    }
    fn add_case_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        doc: &CaseDocument,
        blob_key: &str,
    ) -> Result<CaseDocument> {
        self.add_case_document_impl(ctx, scope, id, doc, blob_key)
    }
    fn case_document(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        doc: CaseDocumentId,
    ) -> Result<(CaseDocument, String)> {
        self.case_document_impl(ctx, scope, id, doc)
    }
    fn record_payment(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: CaseId,
        payment: &NewPayment,
        today: time::Date,
    ) -> Result<Payment> {
        self.record_payment_impl(ctx, scope, id, payment, today)
    }
    fn check_receipt(&self, check_code: &str) -> Result<ReceiptCheck> {
        self.check_receipt_impl(check_code)
    }
    fn fee_complaint(
        &self,
        ctx: &AuditCtx,
        check_code: &str,
        asked_rials: u64,
        note: &str,
    ) -> Result<()> {
        self.fee_complaint_impl(ctx, check_code, asked_rials, note)
    }
    fn fee_report(
        &self,
        reach: &Reach,
        from: time::Date,
        to: time::Date,
    ) -> Result<Vec<FeeReportRow>> {
        self.fee_report_impl(reach, from, to)
    }
    fn escalate_overdue(
        &self,
        ctx: &AuditCtx,
        cal: &WorkCalendar,
        today: time::Date,
        authority_after: u32,
    ) -> Result<u64> {
        self.escalate_overdue_impl(ctx, cal, today, authority_after)
    }
    fn add_key(&self, ctx: &AuditCtx, key: &IssuerKey) -> Result<()> {
        self.add_key_impl(ctx, key)
    }
    fn keys(&self) -> Result<Vec<IssuerKey>> {
        self.keys_impl()
    }
    fn retire_key(&self, ctx: &AuditCtx, kid: &str) -> Result<IssuerKey> {
        self.retire_key_impl(ctx, kid)
    }
    fn list_version(&self, name: &str) -> Result<u64> {
        self.list_version_impl(name)
    }
    fn issue_credentials(
        &self,
        ctx: &AuditCtx,
        new: &[NewCredential],
    ) -> Result<Vec<CredentialRecord>> {
        self.issue_credentials_impl(ctx, new)
    }
    fn person_credentials(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<CredentialRecord>> {
        self.person_credentials_impl(ctx, scope, person)
    }
    fn get_credential(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: &str,
    ) -> Result<CredentialRecord> {
        self.get_credential_impl(ctx, scope, id)
    }
    fn get_credential_of(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: &str,
        person: PersonId,
    ) -> Result<CredentialRecord> {
        self.get_credential_of_impl(ctx, scope, id, person)
    }
    fn credential_revoked(&self, id: &str) -> Result<Option<bool>> {
        self.credential_revoked_impl(id)
    }
    fn revoke_credential(
        &self,
        ctx: &AuditCtx,
        reach: &Reach,
        id: &str,
        reason: &str,
    ) -> Result<CredentialRecord> {
        self.revoke_credential_impl(ctx, reach, id, reason)
    }
    fn revoked_since(&self, since: u64, now: OffsetDateTime) -> Result<(u64, Vec<String>)> {
        self.revoked_since_impl(since, now)
    }
    fn create_share_code(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        new: &NewShareCode,
    ) -> Result<ShareCode> {
        self.create_share_code_impl(ctx, scope, new)
    }
    fn share_codes(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<ShareCode>> {
        self.share_codes_impl(ctx, scope, person)
    }
    fn share_code_by_manage(&self, ctx: &AuditCtx, manage_hash: &str) -> Result<ShareCode> {
        self.share_code_by_manage_impl(ctx, manage_hash)
    }
    fn cancel_share_code(
        &self,
        ctx: &AuditCtx,
        id: ShareCodeId,
        access: &ShareAccess,
    ) -> Result<ShareCode> {
        self.cancel_share_code_impl(ctx, id, access)
    }
    fn share_code_for_check(&self, code_hash: &str, now: OffsetDateTime) -> Result<ShareAttempt> {
        self.share_code_for_check_impl(code_hash, now)
    }
    fn record_share_check(
        &self,
        ctx: &AuditCtx,
        id: ShareCodeId,
        check: &ShareCheck,
    ) -> Result<()> {
        self.record_share_check_impl(ctx, id, check)
    }
    fn grant_portal(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        password_hash: &str,
    ) -> Result<User> {
        self.grant_portal_impl(ctx, scope, person, password_hash)
    }
    fn portal_person(&self, user: UserId) -> Result<Option<PersonId>> {
        self.portal_person_impl(user)
    }
    fn person_cases(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
    ) -> Result<Vec<CaseSummary>> {
        self.person_cases_impl(ctx, scope, person)
    }
    fn book_appointment(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        case: CaseId,
        day: time::Date,
        slot: &str,
        per_slot: u32,
    ) -> Result<Appointment> {
        self.book_appointment_impl(ctx, scope, case, day, slot, per_slot)
    }
    fn case_appointment(&self, case: CaseId) -> Result<Option<Appointment>> {
        self.case_appointment_impl(case)
    }
    fn slot_bookings(&self, scope: &OfficeScope, day: time::Date) -> Result<Vec<(String, u32)>> {
        self.slot_bookings_impl(scope, day)
    }
    fn idempotent_response(
        &self,
        principal: &str,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<StoredResponse>> {
        self.idempotent_response_impl(principal, key, now)
    }
    fn answering(
        &self,
        answer: Arc<daftar_domain::idempotency::PendingAnswer>,
        work: &mut (dyn FnMut(&dyn Store) -> Result<()> + Send),
    ) -> Result<bool> {
        self.answering_impl(answer, work)
    }
    fn purge_idempotent_answers(&self, now: OffsetDateTime) -> Result<u64> {
        self.purge_idempotent_answers_impl(now)
    }
    fn append_audit(&self, ctx: &AuditCtx, ev: &AuditEvent) -> Result<AuditRecord> {
        self.write(|tx| repo::audit::append(tx, ctx, ev))
    }
    fn audit_page(&self, filter: &AuditFilter, page: PageRequest) -> Result<Page<AuditRecord>> {
        self.read(|tx| repo::audit::page(tx, filter, page))
    }
    fn verify_audit(&self) -> Result<Result<u64, ChainBreak>> {
        let head = self.read(repo::audit::head)?;
        repo::audit::verify(
            |after| self.read(|tx| repo::audit::batch_after(tx, after)),
            head,
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            super::redact_url("postgres://u:secret@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(super::redact_url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(super::redact_url("./data/daftar.db"), "./data/daftar.db");
    }
}
