//! Staff accreditation (issue 18, part 3): training and exam records per staff member, and which
//! steps of which services need an accreditation — data of the profile
//! (`profiles/ir/accreditations.toml`), checked against the catalogue when loaded. The workflow
//! engine refuses a step that needs an accreditation the actor does not currently hold
//! (`case.step.accreditation`, 403), as it refuses a role. Pure: no clock, no I/O.

use crate::service::{Catalog, ServiceDef};
use crate::{Error, Result, code_enum};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use time::Date;

/// The Iran profile's accreditations.
pub const IRAN_ACCREDITATIONS: &str = include_str!("../../../profiles/ir/accreditations.toml");

code_enum!(
    /// What a record is.
    RecordKind, error = "accreditation.kind.invalid", field = "kind",
    {
        /// A course followed.
        Training = "training",
        /// An exam sat (passed or not).
        Exam = "exam",
    }
);

/// What grants an accreditation: a passed exam or a training of a course, for some days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    /// `training` or `exam`.
    pub kind: RecordKind,
    /// The course or exam code (`CR-101`).
    pub course: String,
    /// Days it is valid from the day taken.
    pub valid_days: u16,
}

/// A step of a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepRef {
    /// Service code.
    pub service: String,
    /// Step code within the service.
    pub step: String,
}

/// One accreditation: what it is called, which steps need it, what grants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accreditation {
    /// Code (`civil_registration`).
    pub code: String,
    /// Names by locale (`fa-IR`, `fa-AF`, `ps`, `en`).
    pub names: BTreeMap<String, String>,
    /// Steps that need it.
    pub steps: Vec<StepRef>,
    /// Records that grant it (any one).
    pub grants: Vec<Grant>,
}

/// Every accreditation of a profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// The accreditations.
    #[serde(default, rename = "accreditation")]
    pub accreditations: Vec<Accreditation>,
}

fn data_error(at: &str, why: &str) -> Error {
    Error::invalid("profile.accreditations.invalid")
        .with_detail("at", serde_json::json!(at))
        .with_detail("reason", serde_json::json!(why))
}

/// A course code: 2–20 of `A-Z`, `a-z`, `0-9`, `-`, `_`, `.`.
pub fn valid_course(s: &str) -> bool {
    (2..=20).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl Rules {
    /// Parses and checks the file's own consistency (codes, names in four locales, at least one
    /// step and one grant, validity 1–3650 days): `profile.accreditations.invalid`.
    pub fn from_toml(text: &str) -> Result<Self> {
        let r: Rules = toml::from_str(text).map_err(|e| data_error("", &e.to_string()))?;
        let mut seen = BTreeSet::new();
        for a in &r.accreditations {
            let ok_code = (2..=40).contains(&a.code.len())
                && a.code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
            if !ok_code || !seen.insert(a.code.clone()) {
                return Err(data_error(&a.code, "code invalid or repeated"));
            }
            for l in ["fa-IR", "fa-AF", "ps", "en"] {
                if a.names.get(l).is_none_or(|n| n.trim().is_empty()) {
                    return Err(data_error(
                        &a.code,
                        "a name in each of fa-IR, fa-AF, ps, en",
                    ));
                }
            }
            if a.steps.is_empty() || a.grants.is_empty() {
                return Err(data_error(&a.code, "at least one step and one grant"));
            }
            for g in &a.grants {
                if !valid_course(&g.course) || !(1..=3650).contains(&g.valid_days) {
                    return Err(data_error(&a.code, "grant course or valid_days invalid"));
                }
            }
        }
        Ok(r)
    }

    /// Checks every step named against the catalogue (`profile.accreditations.invalid`).
    pub fn check_catalog(&self, catalog: &Catalog) -> Result<()> {
        for a in &self.accreditations {
            for s in &a.steps {
                let svc = catalog
                    .get(&s.service)
                    .map_err(|_| data_error(&a.code, &format!("unknown service {}", s.service)))?;
                if !svc.steps.iter().any(|st| st.code == s.step) {
                    return Err(data_error(
                        &a.code,
                        &format!("unknown step {}/{}", s.service, s.step),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The accreditations step `step` of `service` needs (codes, sorted).
    pub fn required(&self, service: &str, step: &str) -> Vec<&str> {
        self.accreditations
            .iter()
            .filter(|a| {
                a.steps
                    .iter()
                    .any(|s| s.service == service && s.step == step)
            })
            .map(|a| a.code.as_str())
            .collect()
    }

    /// The accreditation called `code`.
    pub fn get(&self, code: &str) -> Option<&Accreditation> {
        self.accreditations.iter().find(|a| a.code == code)
    }

    /// The name of accreditation `code` in locale `tag` (English when the profile gives none
    /// in it; the code itself for an unknown accreditation).
    pub fn name(&self, code: &str, tag: &str) -> String {
        self.get(code)
            .and_then(|a| a.names.get(tag).or_else(|| a.names.get("en")))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }
}

/// A training or exam record of a staff member, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = StaffRecord)]
pub struct Record {
    /// Record id.
    pub id: String,
    /// The staff member (user id).
    pub user_id: String,
    /// `training` or `exam`.
    #[schema(value_type = String)]
    pub kind: RecordKind,
    /// Course or exam code.
    pub course: String,
    /// Day taken (ISO).
    #[serde(with = "crate::case::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub taken_on: Date,
    /// Passed (an exam); a training counts as passed.
    pub passed: bool,
    /// Last valid day written on the certificate, if any (ISO).
    #[serde(with = "crate::case::iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub expires_on: Option<Date>,
}

/// A record to add, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// `training` or `exam`.
    pub kind: RecordKind,
    /// Course or exam code.
    pub course: String,
    /// Day taken.
    pub taken_on: Date,
    /// Passed (always true for a training).
    pub passed: bool,
    /// Last valid day on the certificate.
    pub expires_on: Option<Date>,
}

impl NewRecord {
    /// A record from request fields as typed: `accreditation.kind.invalid`,
    /// `accreditation.date.invalid` (`taken_on`, `expires_on`: Solar Hijri or ISO; blank
    /// expiry is none), then [`NewRecord::new`]'s checks.
    pub fn parse(
        kind: &str,
        course: &str,
        taken_on: &str,
        passed: bool,
        expires_on: &str,
        today: Date,
    ) -> Result<Self> {
        let kind = RecordKind::parse(kind.trim())?;
        let day = |s: &str, field: &str| {
            crate::jalali::JalaliDate::parse(s.trim())
                .map(|d| d.iso())
                .map_err(|_| Error::invalid("accreditation.date.invalid").with_field(field))
        };
        let taken = day(taken_on, "taken_on")?;
        let expires = match expires_on.trim() {
            "" => None,
            e => Some(day(e, "expires_on")?),
        };
        Self::new(kind, course, taken, passed, expires, today)
    }

    /// Checks a record: `accreditation.course.invalid` (422), `accreditation.taken.future`
    /// (409, after `today`), `accreditation.expiry.before` (409, expiry before the day taken).
    pub fn new(
        kind: RecordKind,
        course: &str,
        taken_on: Date,
        passed: bool,
        expires_on: Option<Date>,
        today: Date,
    ) -> Result<Self> {
        let course = course.trim();
        if !valid_course(course) {
            return Err(Error::invalid("accreditation.course.invalid").with_field("course"));
        }
        if taken_on > today {
            return Err(Error::conflict("accreditation.taken.future").with_field("taken_on"));
        }
        if expires_on.is_some_and(|e| e < taken_on) {
            return Err(Error::conflict("accreditation.expiry.before").with_field("expires_on"));
        }
        Ok(Self {
            kind,
            course: course.to_owned(),
            taken_on,
            passed: passed || kind == RecordKind::Training,
            expires_on,
        })
    }
}

/// An accreditation held, with its last valid day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = HeldAccreditation)]
pub struct Held {
    /// Accreditation code.
    pub code: String,
    /// Last valid day (ISO).
    #[serde(with = "crate::case::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub until: Date,
    /// Still valid on the day asked.
    pub current: bool,
}

/// A staff member with their records and what they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StaffAccreditation {
    /// User id.
    pub user_id: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role code.
    pub role: String,
    /// Records, newest first.
    pub records: Vec<Record>,
    /// Accreditations granted (current or expired), by code.
    pub held: Vec<Held>,
}

/// What `rec` grants of `a` until when: none when not passed or not a grant of `a`; the last
/// valid day is the earlier of the grant's validity and the certificate's expiry.
fn grants_until(a: &Accreditation, rec: &Record) -> Option<Date> {
    if !rec.passed {
        return None;
    }
    a.grants
        .iter()
        .filter(|g| g.kind == rec.kind && g.course == rec.course)
        .filter_map(|g| {
            let until = rec
                .taken_on
                .checked_add(time::Duration::days(i64::from(g.valid_days) - 1))?;
            Some(rec.expires_on.map_or(until, |e| e.min(until)))
        })
        .max()
}

/// Every accreditation `records` ever granted, with the latest last valid day and whether it
/// is current on `today` (sorted by code).
pub fn held(rules: &Rules, records: &[Record], today: Date) -> Vec<Held> {
    rules
        .accreditations
        .iter()
        .filter_map(|a| {
            let until = records.iter().filter_map(|r| grants_until(a, r)).max()?;
            Some(Held {
                code: a.code.clone(),
                until,
                current: until >= today,
            })
        })
        .collect()
}

/// The accreditations the current step of a case needs that the actor does not hold on
/// `today` (sorted codes; empty when the step needs none or all are held).
pub fn missing(
    rules: &Rules,
    service: &ServiceDef,
    step: usize,
    records: &[Record],
    today: Date,
) -> Vec<String> {
    let Some(st) = service.steps.get(step) else {
        return vec![];
    };
    let required = rules.required(service.code.as_str(), &st.code);
    if required.is_empty() {
        return vec![];
    }
    let have: BTreeSet<String> = held(rules, records, today)
        .into_iter()
        .filter(|h| h.current)
        .map(|h| h.code)
        .collect();
    required
        .into_iter()
        .filter(|c| !have.contains(*c))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn rules() -> Rules {
        Rules::from_toml(IRAN_ACCREDITATIONS).unwrap()
    }

    fn rec(kind: RecordKind, course: &str, taken: Date, passed: bool, exp: Option<Date>) -> Record {
        Record {
            id: "r".into(),
            user_id: "u".into(),
            kind,
            course: course.into(),
            taken_on: taken,
            passed,
            expires_on: exp,
        }
    }

    #[test]
    fn iran_file_is_valid_against_the_catalogue() {
        let r = rules();
        assert!(!r.accreditations.is_empty());
        r.check_catalog(&crate::profile::Profile::iran().unwrap().catalog)
            .unwrap();
        assert_eq!(
            r.required("marriage_registration", "intake"),
            vec!["civil_registration"]
        );
        assert!(r.required("card_renewal", "intake").is_empty());
    }

    #[test]
    fn bad_files_are_refused() {
        let code = |t: &str| Rules::from_toml(t).unwrap_err().code;
        assert_eq!(code("x = 1"), "profile.accreditations.invalid");
        let one = r#"[[accreditation]]
code = "Bad"
names = { "fa-IR" = "a", "fa-AF" = "a", ps = "a", en = "a" }
steps = [{ service = "card_renewal", step = "intake" }]
grants = [{ kind = "exam", course = "CR-1", valid_days = 10 }]
"#;
        assert_eq!(code(one), "profile.accreditations.invalid");
        let unknown = one.replace("Bad", "ok").replace("\"intake\"", "\"nope\"");
        let r = Rules::from_toml(&unknown).unwrap();
        let cat = crate::profile::Profile::iran().unwrap().catalog;
        assert_eq!(
            r.check_catalog(&cat).unwrap_err().code,
            "profile.accreditations.invalid"
        );
        let no_en = one.replace("Bad", "ok").replace(", en = \"a\"", "");
        assert_eq!(code(&no_en), "profile.accreditations.invalid");
        let days = one.replace("Bad", "ok").replace("= 10", "= 0");
        assert_eq!(code(&days), "profile.accreditations.invalid");
    }

    #[test]
    fn held_and_expiry() {
        let r = rules();
        let today = date!(2026 - 06 - 01);
        // Passed exam a year ago: current (valid 730 days).
        let ok = rec(
            RecordKind::Exam,
            "CR-101",
            date!(2025 - 06 - 01),
            true,
            None,
        );
        let h = held(&r, std::slice::from_ref(&ok), today);
        assert_eq!(h.len(), 1);
        assert!(h[0].current);
        assert_eq!(h[0].until, date!(2027 - 05 - 31));
        // Failed exam grants nothing.
        let failed = rec(
            RecordKind::Exam,
            "CR-101",
            date!(2026 - 05 - 01),
            false,
            None,
        );
        assert!(held(&r, &[failed], today).is_empty());
        // Certificate's own earlier expiry wins; the last day still counts, the next not.
        let exp = rec(
            RecordKind::Exam,
            "CR-101",
            date!(2025 - 06 - 01),
            true,
            Some(today),
        );
        assert!(held(&r, std::slice::from_ref(&exp), today)[0].current);
        assert!(!held(&r, &[exp], date!(2026 - 06 - 02))[0].current);
        // Another course grants nothing.
        let other = rec(RecordKind::Exam, "XX-1", today, true, None);
        assert!(held(&r, &[other], today).is_empty());
    }

    #[test]
    fn missing_for_a_step() {
        let r = rules();
        let cat = crate::profile::Profile::iran().unwrap().catalog;
        let svc = cat.get("marriage_registration").unwrap();
        let renew = cat.get("card_renewal").unwrap();
        let today = date!(2026 - 06 - 01);
        assert_eq!(missing(&r, svc, 0, &[], today), vec!["civil_registration"]);
        assert!(missing(&r, renew, 0, &[], today).is_empty());
        // Approval (the manager's) needs none.
        assert!(missing(&r, svc, 1, &[], today).is_empty());
        let old = rec(
            RecordKind::Exam,
            "CR-101",
            date!(2020 - 01 - 01),
            true,
            None,
        );
        assert_eq!(
            missing(&r, svc, 0, std::slice::from_ref(&old), today),
            vec!["civil_registration"]
        );
        let new = rec(
            RecordKind::Training,
            "CR-TRAIN",
            date!(2026 - 05 - 01),
            true,
            None,
        );
        assert!(missing(&r, svc, 0, &[old, new], today).is_empty());
    }

    #[test]
    fn new_record_checks() {
        let today = date!(2026 - 06 - 01);
        let code = |c: &str, t: Date, e: Option<Date>| {
            NewRecord::new(RecordKind::Exam, c, t, true, e, today)
                .unwrap_err()
                .code
        };
        assert_eq!(code("x", today, None), "accreditation.course.invalid");
        assert_eq!(code("a b", today, None), "accreditation.course.invalid");
        assert_eq!(
            code("CR-101", date!(2026 - 06 - 02), None),
            "accreditation.taken.future"
        );
        assert_eq!(
            code("CR-101", today, Some(date!(2026 - 05 - 31))),
            "accreditation.expiry.before"
        );
        let t = NewRecord::new(
            RecordKind::Training,
            " CR-TRAIN ",
            today,
            false,
            None,
            today,
        )
        .unwrap();
        assert!(t.passed);
        assert_eq!(t.course, "CR-TRAIN");
        assert_eq!(
            RecordKind::parse("quiz").unwrap_err().code,
            "accreditation.kind.invalid"
        );
    }
}
