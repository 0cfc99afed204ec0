//! Referrals to partner services (issue 20, part 1): an office refers a person — often a
//! household member, a child to a school — to a partner (a school, a health house, an insurer,
//! a livelihood or vocational program). Partners and referral types are data (the profile's
//! `referrals.toml`): each type names its partner, the attributes of the person the service
//! needs (and nothing else: no address, district or province can even be named) and who is
//! eligible. Rules here, pure:
//!
//! - **consent first** ([`Consent`]): a referral is made only with the person's recorded
//!   consent, at the counter or on the portal; the person withdraws it at any time, and then the
//!   partner keeps nothing of them in daftar (the shared attributes are erased);
//! - **only what the service needs** ([`ReferralType::snapshot`]): the partner sees the
//!   attributes the type names, copied when the referral is made, and never the person record;
//! - **the partner's steps** ([`ReferralState::after`]): accept or decline a pending referral,
//!   complete an accepted one with an outcome.

use crate::code_enum;
use crate::person::{Person, PersonStatus};
use crate::service::Names;
use crate::{Error, Result};
use serde::Deserialize;
use time::Date;

/// The embedded Iran partners and referral types.
pub const IRAN_REFERRALS: &str = include_str!("../../../profiles/ir/referrals.toml");

code_enum!(
    /// What kind of service a partner runs.
    PartnerKind, error = "referral.partner_kind.invalid", field = "kind",
    {
        /// Schools (enrolment).
        School = "school",
        /// Health houses and clinics.
        Health = "health",
        /// Health insurance.
        Insurance = "insurance",
        /// Livelihood and vocational programs.
        Livelihood = "livelihood",
    }
);

code_enum!(
    /// An attribute of a person a referral type may share. Address, district, province and
    /// documents are deliberately not attributes: a partner never learns where a person lives.
    Attribute, error = "referral.attribute.invalid", field = "attributes",
    {
        /// Registry number (so the partner can quote it back to the office).
        RegistryNo = "registry_no",
        /// Given name.
        GivenName = "given_name",
        /// Family name.
        FamilyName = "family_name",
        /// Father's name.
        FatherName = "father_name",
        /// Birth date (ISO, as precise as recorded).
        BirthDate = "birth_date",
        /// Sex.
        Sex = "sex",
        /// Nationality.
        Nationality = "nationality",
        /// Phone, to be called for an appointment.
        Phone = "phone",
    }
);

impl Attribute {
    /// The person's value of this attribute.
    pub fn of(self, p: &Person) -> String {
        match self {
            Self::RegistryNo => p.registry_no.clone(),
            Self::GivenName => p.given_name.clone(),
            Self::FamilyName => p.family_name.clone(),
            Self::FatherName => p.father_name.clone(),
            Self::BirthDate => p.birth_date.clone().unwrap_or_default(),
            Self::Sex => p.sex.code().to_owned(),
            Self::Nationality => p.nationality.clone(),
            Self::Phone => p.phone.clone(),
        }
    }
}

code_enum!(
    /// Where a referral stands.
    ReferralState, error = "referral.state.invalid", field = "state",
    {
        /// Made; waiting for the partner.
        Pending = "pending",
        /// The partner took it on.
        Accepted = "accepted",
        /// The partner declined it (with a reason).
        Declined = "declined",
        /// The partner completed it (with an outcome).
        Completed = "completed",
        /// The person withdrew their consent; nothing of them is shared any more.
        Withdrawn = "withdrawn",
    }
);

code_enum!(
    /// What someone does to a referral.
    Action, error = "referral.action.invalid", field = "action",
    {
        /// The partner accepts a pending referral.
        Accept = "accept",
        /// The partner declines a pending referral (reason required).
        Decline = "decline",
        /// The partner completes an accepted referral (outcome required).
        Complete = "complete",
        /// The person (or their office for them) withdraws consent.
        Withdraw = "withdraw",
    }
);

code_enum!(
    /// How the person's consent was given.
    Consent, error = "referral.consent.invalid", field = "consent",
    {
        /// In person at the office's counter, recorded by staff.
        Office = "office",
        /// By the person on the portal.
        Portal = "portal",
    }
);

impl ReferralState {
    /// The state after `action`, or `referral.state.conflict` (409) when it does not apply:
    /// accept and decline only a pending referral, complete only an accepted one; consent can
    /// be withdrawn from any state but withdrawn (even after completion: the shared attributes
    /// are erased).
    pub fn after(self, action: Action) -> Result<Self> {
        use ReferralState as S;
        let next = match (self, action) {
            (S::Pending, Action::Accept) => S::Accepted,
            (S::Pending, Action::Decline) => S::Declined,
            (S::Accepted, Action::Complete) => S::Completed,
            (s, Action::Withdraw) if s != S::Withdrawn => S::Withdrawn,
            _ => {
                return Err(Error::conflict("referral.state.conflict")
                    .with_detail("state", serde_json::json!(self.code()))
                    .with_detail("action", serde_json::json!(action.code())));
            }
        };
        Ok(next)
    }

    /// Whether the partner still has something to do.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Accepted)
    }
}

/// Checks the partner's note for `action`: a reason to decline and an outcome to complete are
/// required (1–500 characters, `referral.note.required` / `referral.note.invalid`); accept
/// and withdraw take an optional note of at most 500.
pub fn parse_note(action: Action, note: &str) -> Result<String> {
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(Error::invalid("referral.note.invalid").with_field("note"));
    }
    if note.is_empty() && matches!(action, Action::Decline | Action::Complete) {
        return Err(Error::conflict("referral.note.required").with_field("note"));
    }
    Ok(note.to_owned())
}

/// A partner service (data).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    /// Stable code, e.g. `edu-tehran`.
    pub code: String,
    /// Kind of service.
    pub kind: PartnerKind,
    /// Name in the four locales.
    pub names: Names,
}

/// Who may be referred.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Youngest age in whole years, if any.
    #[serde(default)]
    pub min_age: Option<u32>,
    /// Oldest age in whole years, if any.
    #[serde(default)]
    pub max_age: Option<u32>,
    /// Registry statuses allowed (empty: registered, renewed).
    #[serde(default)]
    pub statuses: Vec<String>,
}

/// A kind of referral (data): to which partner, sharing what, for whom.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferralType {
    /// Stable code, e.g. `school_enrolment`.
    pub code: String,
    /// The partner's code.
    pub partner: String,
    /// Name in the four locales.
    pub names: Names,
    /// What the partner is told about the person (nothing else).
    pub attributes: Vec<Attribute>,
    /// Who may be referred.
    #[serde(default)]
    pub eligibility: Eligibility,
}

impl ReferralType {
    /// Whether `p` may be referred on `today`: `referral.ineligible.age` (with the bounds) or
    /// `referral.ineligible.status` (409).
    pub fn check_eligible(&self, p: &Person, today: Date) -> Result<()> {
        let allowed = if self.eligibility.statuses.is_empty() {
            vec![PersonStatus::Registered, PersonStatus::Renewed]
        } else {
            self.eligibility
                .statuses
                .iter()
                .filter_map(|s| PersonStatus::parse(s).ok())
                .collect()
        };
        if !allowed.contains(&p.status) {
            return Err(Error::conflict("referral.ineligible.status")
                .with_detail("status", serde_json::json!(p.status.code())));
        }
        let e = &self.eligibility;
        if e.min_age.is_some() || e.max_age.is_some() {
            let age = p
                .birth()
                .map(|b| b.start)
                .and_then(|b| crate::workflow::age_on(b, today));
            let fits = age.is_some_and(|a| {
                e.min_age.is_none_or(|m| a >= m) && e.max_age.is_none_or(|m| a <= m)
            });
            if !fits {
                return Err(Error::conflict("referral.ineligible.age")
                    .with_detail("min_age", serde_json::json!(e.min_age))
                    .with_detail("max_age", serde_json::json!(e.max_age)));
            }
        }
        Ok(())
    }

    /// The attributes shared with the partner, copied from `p` now, in the type's order.
    pub fn snapshot(&self, p: &Person) -> Vec<(Attribute, String)> {
        self.attributes.iter().map(|a| (*a, a.of(p))).collect()
    }
}

/// `referrals.toml`: the partners and the referral types of a country.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Referrals {
    /// Partner services.
    #[serde(default, rename = "partner")]
    pub partners: Vec<Partner>,
    /// Referral types.
    #[serde(default, rename = "referral")]
    pub types: Vec<ReferralType>,
}

fn data_error(at: &str, why: &str) -> Error {
    Error::invalid("profile.referrals.invalid")
        .with_detail("at", serde_json::json!(at))
        .with_detail("reason", serde_json::json!(why))
}

fn valid_code(s: &str) -> bool {
    (2..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

impl Referrals {
    /// Parses and checks `referrals.toml` (`profile.referrals.invalid` with where and why): codes
    /// unique, every type's partner known, 1–8 distinct attributes, sane ages.
    pub fn from_toml(text: &str) -> Result<Self> {
        let r: Referrals = toml::from_str(text).map_err(|e| data_error("", &e.to_string()))?;
        let mut seen = std::collections::BTreeSet::new();
        for p in &r.partners {
            if !valid_code(&p.code) || !seen.insert(p.code.clone()) {
                return Err(data_error(&p.code, "partner code invalid or repeated"));
            }
        }
        let mut types = std::collections::BTreeSet::new();
        for t in &r.types {
            if !valid_code(&t.code) || !types.insert(t.code.clone()) {
                return Err(data_error(&t.code, "referral code invalid or repeated"));
            }
            if !seen.contains(&t.partner) {
                return Err(data_error(&t.code, "unknown partner"));
            }
            let distinct: std::collections::BTreeSet<_> = t.attributes.iter().collect();
            if t.attributes.is_empty()
                || t.attributes.len() > 8
                || distinct.len() != t.attributes.len()
            {
                return Err(data_error(&t.code, "1 to 8 distinct attributes"));
            }
            if let (Some(a), Some(b)) = (t.eligibility.min_age, t.eligibility.max_age)
                && a > b
            {
                return Err(data_error(&t.code, "min_age above max_age"));
            }
            for s in &t.eligibility.statuses {
                PersonStatus::parse(s).map_err(|_| data_error(&t.code, "unknown status"))?;
            }
        }
        Ok(r)
    }

    /// The referral type `code` (`referral.type.unknown`, 409).
    pub fn get(&self, code: &str) -> Result<&ReferralType> {
        self.types
            .iter()
            .find(|t| t.code == code)
            .ok_or_else(|| Error::conflict("referral.type.unknown").with_field("type"))
    }

    /// The partner `code`, if known.
    pub fn partner(&self, code: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| p.code == code)
    }
}

/// A referral as stored. `attributes` is empty once consent is withdrawn.
#[derive(Debug, Clone, PartialEq)]
pub struct Referral {
    /// Id (ULID).
    pub id: String,
    /// Reference quoted between office, partner and person (`RF-…`).
    pub reference: String,
    /// The referral type's code.
    pub type_code: String,
    /// The partner's code.
    pub partner: String,
    /// The person referred.
    pub person_id: crate::ids::PersonId,
    /// The referring office.
    pub office_id: crate::ids::OfficeId,
    /// Where it stands.
    pub state: ReferralState,
    /// How consent was given.
    pub consent: Consent,
    /// What the partner is told (empty after withdrawal).
    pub attributes: Vec<(Attribute, String)>,
    /// The partner's reason or outcome, or the withdrawal note.
    pub note: String,
    /// Made (UTC).
    pub created_at: time::OffsetDateTime,
    /// Last changed (UTC).
    pub updated_at: time::OffsetDateTime,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn the_partner_steps_follow_the_states() {
        use ReferralState as S;
        assert_eq!(S::Pending.after(Action::Accept).unwrap(), S::Accepted);
        assert_eq!(S::Pending.after(Action::Decline).unwrap(), S::Declined);
        assert_eq!(S::Accepted.after(Action::Complete).unwrap(), S::Completed);
        for (s, a) in [
            (S::Pending, Action::Complete),
            (S::Accepted, Action::Accept),
            (S::Accepted, Action::Decline),
            (S::Declined, Action::Accept),
            (S::Completed, Action::Complete),
            (S::Withdrawn, Action::Accept),
        ] {
            assert_eq!(s.after(a).unwrap_err().code, "referral.state.conflict");
        }
    }

    #[test]
    fn consent_can_be_withdrawn_from_every_state_but_withdrawn() {
        for s in ReferralState::ALL {
            let r = s.after(Action::Withdraw);
            if *s == ReferralState::Withdrawn {
                assert!(r.is_err());
            } else {
                assert_eq!(r.unwrap(), ReferralState::Withdrawn);
            }
        }
    }

    #[test]
    fn decline_and_complete_need_a_note() {
        assert_eq!(
            parse_note(Action::Decline, "  ").unwrap_err().code,
            "referral.note.required"
        );
        assert_eq!(
            parse_note(Action::Complete, "").unwrap_err().code,
            "referral.note.required"
        );
        assert_eq!(parse_note(Action::Accept, "").unwrap(), "");
        assert_eq!(
            parse_note(Action::Complete, &"x".repeat(501))
                .unwrap_err()
                .code,
            "referral.note.invalid"
        );
    }

    #[test]
    fn the_shipped_file_parses_and_no_type_shares_a_location() {
        let r = Referrals::from_toml(IRAN_REFERRALS).unwrap();
        assert!(r.types.len() >= 4);
        for k in PartnerKind::ALL {
            assert!(r.partners.iter().any(|p| p.kind == *k), "{k}");
        }
        // An address cannot even be named.
        let bad = IRAN_REFERRALS.replacen("\"phone\"", "\"address\"", 1);
        assert_ne!(bad, IRAN_REFERRALS);
        assert_eq!(
            Referrals::from_toml(&bad).unwrap_err().code,
            "profile.referrals.invalid"
        );
    }

    #[test]
    fn a_type_naming_an_unknown_partner_is_refused() {
        let text = r#"
[[partner]]
code = "a"
kind = "school"
names = { "fa-IR" = "a", "fa-AF" = "a", ps = "a", en = "a" }
[[referral]]
code = "x1"
partner = "nobody"
names = { "fa-IR" = "a", "fa-AF" = "a", ps = "a", en = "a" }
attributes = ["given_name"]
"#;
        let e = Referrals::from_toml(text).unwrap_err();
        assert_eq!(e.code, "profile.referrals.invalid");
        assert!(
            Referrals::from_toml(
                &text
                    .replace("nobody", "aa")
                    .replace("code = \"a\"", "code = \"aa\"")
            )
            .is_ok()
        );
    }

    fn child(birth: &str, status: PersonStatus) -> Person {
        Person {
            id: crate::ids::PersonId::new(),
            office_id: crate::ids::OfficeId::new(),
            registry_no: "THR01-1405-000001".into(),
            given_name: "زهرا".into(),
            family_name: "احمدی".into(),
            father_name: "محمد".into(),
            grandfather_name: String::new(),
            given_name_latin: String::new(),
            family_name_latin: String::new(),
            birth_date: Some(birth.into()),
            birth_date_precision: Some(crate::birth::DatePrecision::Day),
            sex: crate::person::Sex::Female,
            nationality: "AFG".into(),
            phone: "09120000000".into(),
            province: "تهران".into(),
            district: "ری".into(),
            address: "خیابان ۱".into(),
            status,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn eligibility_checks_age_and_status() {
        let r = Referrals::from_toml(IRAN_REFERRALS).unwrap();
        let school = r.get("school_enrolment").unwrap();
        let today = time::macros::date!(2026 - 12 - 05);
        school
            .check_eligible(&child("2017-03-01", PersonStatus::Registered), today)
            .unwrap();
        assert_eq!(
            school
                .check_eligible(&child("1990-03-01", PersonStatus::Registered), today)
                .unwrap_err()
                .code,
            "referral.ineligible.age"
        );
        assert_eq!(
            school
                .check_eligible(&child("2017-03-01", PersonStatus::Departed), today)
                .unwrap_err()
                .code,
            "referral.ineligible.status"
        );
        let snap = school.snapshot(&child("2017-03-01", PersonStatus::Registered));
        assert_eq!(snap.len(), school.attributes.len());
        assert!(
            snap.iter()
                .any(|(a, v)| *a == Attribute::BirthDate && v == "2017-03-01")
        );
        assert_eq!(r.get("nope").unwrap_err().code, "referral.type.unknown");
    }
}
