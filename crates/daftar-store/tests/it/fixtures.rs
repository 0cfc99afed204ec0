//! Fixtures every store test module needs: the audit context of a test and an office.

use daftar_domain::audit::AuditCtx;
use daftar_domain::ids::OfficeId;
use daftar_domain::office::{CreateOffice, OfficeCode};
use daftar_domain::store::Store;

/// The audit context of a test.
pub fn ctx() -> AuditCtx {
    AuditCtx::system("test")
}

/// A new office with code `code`.
pub fn office(s: &dyn Store, code: &str) -> OfficeId {
    let new = CreateOffice::parse(
        OfficeCode::parse(code).unwrap(),
        "دفتر",
        "Office",
        "تهران",
        "مرکزی",
    )
    .unwrap();
    s.create_office(&ctx(), &new).unwrap().id
}
