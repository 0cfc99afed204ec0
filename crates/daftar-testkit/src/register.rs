//! Registering persons in tests from the raw [`PersonDraft`] a request would carry: the fixture
//! parses it at the edge as the web layer and the CLI do ([`RegisterPerson::parse`] against
//! today's date), then calls the store. A row of an import that does not parse fails the call
//! with its 1-based `details.row`, as the import command reports it.

use daftar_domain::Result;
use daftar_domain::audit::AuditCtx;
use daftar_domain::clock::Clock;
use daftar_domain::permission::OfficeScope;
use daftar_domain::person::{
    DocumentDraft, MatchProbe, Person, PersonDraft, RegisterPerson, ValidDocument,
};
use daftar_domain::store::PersonStore;

/// Today, for parsing fixtures (UTC: the test databases' clock).
fn today() -> time::Date {
    Clock::system(time::UtcOffset::UTC).today()
}

/// Registers raw persons through the store, parsed at the edge first.
pub trait Register {
    /// Parses `new` and registers it (`PersonStore::create_person`).
    fn register(&self, ctx: &AuditCtx, scope: &OfficeScope, new: &PersonDraft) -> Result<Person>;
    /// Parses every row (the first bad one is the error, with `details.row`) and imports them
    /// (`PersonStore::import_persons`).
    fn register_all(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        rows: &[PersonDraft],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64>;
}

impl<S: PersonStore + ?Sized> Register for S {
    fn register(&self, ctx: &AuditCtx, scope: &OfficeScope, new: &PersonDraft) -> Result<Person> {
        self.create_person(ctx, scope, &RegisterPerson::parse(new.clone(), today())?)
    }

    fn register_all(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        rows: &[PersonDraft],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<u64> {
        let today = today();
        let parsed = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                RegisterPerson::parse(r.clone(), today)
                    .map_err(|e| e.with_detail("row", serde_json::json!(i + 1)))
            })
            .collect::<Result<Vec<_>>>()?;
        self.import_persons(ctx, scope, &parsed, progress)
    }
}

/// A document as a request would carry it (`kind` code, number, issuer), parsed at the edge
/// against today; panics when it does not parse (a fixture's mistake).
pub fn document(kind: &str, number: &str, issuer: &str) -> ValidDocument {
    DocumentDraft {
        kind: kind.into(),
        number: number.into(),
        issuer: issuer.into(),
        ..DocumentDraft::default()
    }
    .validate(today())
    .expect("a fixture document parses")
}

/// What the duplicate check compares `draft` by, parsed at the edge against today; panics when
/// it does not parse (a fixture's mistake).
pub fn probe(draft: &PersonDraft) -> MatchProbe {
    RegisterPerson::parse(draft.clone(), today())
        .expect("a fixture person parses")
        .probe()
}
