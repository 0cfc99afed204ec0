//! The persons feature's request bodies as they arrive over HTTP (JSON, with their OpenAPI
//! schemas), and how each turns into what the domain takes: a [`PersonDraft`] that
//! [`daftar_domain::person::RegisterPerson::parse`] checks, a checked document, a status change.

use daftar_domain::person::{
    ChangeStatus, DocumentDraft, DocumentKind, PersonDraft, PersonStatus, Sex, ValidDocument,
};
use serde::{Deserialize, Serialize};

/// What is needed to register a person. Only given name, father's name, sex and nationality are
/// required; the rest may be left empty.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewPerson {
    /// Given name.
    pub given_name: String,
    /// Family name (may be empty).
    pub family_name: String,
    /// Father's name.
    pub father_name: String,
    /// Grandfather's name.
    pub grandfather_name: String,
    /// Given name in Latin letters.
    pub given_name_latin: String,
    /// Family name in Latin letters.
    pub family_name_latin: String,
    /// Birth date: `1370/05/12`, `1370/05`, `1370` (Solar Hijri), `1991-08-03`, `1991`
    /// (Gregorian), Persian digits too; the precision is kept.
    pub birth_date: Option<String>,
    /// Sex.
    pub sex: Sex,
    /// Nationality, alpha-3.
    pub nationality: String,
    /// Phone number.
    pub phone: String,
    /// Province.
    pub province: String,
    /// District or city.
    pub district: String,
    /// Street address.
    pub address: String,
    /// Identity documents held.
    pub documents: Vec<NewDocument>,
}

impl From<NewPerson> for PersonDraft {
    fn from(p: NewPerson) -> Self {
        let NewPerson {
            given_name,
            family_name,
            father_name,
            grandfather_name,
            given_name_latin,
            family_name_latin,
            birth_date,
            sex,
            nationality,
            phone,
            province,
            district,
            address,
            documents,
        } = p;
        PersonDraft {
            given_name,
            family_name,
            father_name,
            grandfather_name,
            given_name_latin,
            family_name_latin,
            birth_date,
            sex,
            nationality,
            phone,
            province,
            district,
            address,
            documents: documents.into_iter().map(Into::into).collect(),
        }
    }
}

/// An identity document to record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewDocument {
    /// Kind.
    #[schema(value_type = DocumentKind)]
    pub kind: String,
    /// Number as printed.
    pub number: String,
    /// Issuing authority or country (may be empty).
    pub issuer: String,
    /// Valid from (date as for birth dates, full day).
    pub valid_from: Option<String>,
    /// Valid until.
    pub valid_until: Option<String>,
}

impl From<NewDocument> for DocumentDraft {
    fn from(d: NewDocument) -> Self {
        let NewDocument {
            kind,
            number,
            issuer,
            valid_from,
            valid_until,
        } = d;
        DocumentDraft {
            kind,
            number,
            issuer,
            valid_from,
            valid_until,
        }
    }
}

impl NewDocument {
    /// The document checked against the office's `today`.
    pub fn parse(self, today: time::Date) -> daftar_domain::Result<ValidDocument> {
        DocumentDraft::from(self).validate(today)
    }
}

/// A status change to make.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewStatus {
    /// New status code.
    #[schema(value_type = PersonStatus)]
    pub status: String,
    /// Why (up to 500 characters).
    pub note: String,
}

impl NewStatus {
    /// The change, checked.
    pub fn parse(&self) -> daftar_domain::Result<ChangeStatus> {
        ChangeStatus::parse(&self.status, &self.note)
    }
}
