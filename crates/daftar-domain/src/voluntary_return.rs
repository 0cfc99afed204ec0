//! Voluntary return (issue 20, part 3): a person registers the wish to go home, alone or with
//! members of their household, on a date and through a border point of the country profile
//! (`return.toml`). Rules here, pure:
//!
//! - the state machine ([`ReturnState::after`]): registered → screened (no flag) or flagged
//!   (any flag) → a protection officer clears (→ cleared) or refers (→ referred, still
//!   blocked; a later review may clear) → exit permit → departure. Withdrawal is possible in
//!   every state before departure, without consequence;
//! - the exit permit is refused (409) while the screening is missing
//!   (`return.screening.missing`) or blocked by a flag (`return.screening.blocked`);
//! - credentials are revoked on the confirmed departure and on nothing else
//!   ([`Action::revokes_credentials`]);
//! - who may take which action ([`Action::permissions`]): screening `return.screen`, review
//!   `protection.review`, permit and withdrawal the office (`person.write`), departure the
//!   office or the authority (`person.write` or `credential.revoke`); the person withdraws
//!   their own wish on the portal.

use crate::ids::{OfficeId, PersonId};
use crate::permission::Permission;
use crate::{Error, Result};
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Where a return case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnState {
    /// The wish is registered; no screening yet.
    Registered,
    /// Screened without a flag: a permit may be issued.
    Screened,
    /// The screening raised a flag: blocked until a protection officer reviews it.
    Flagged,
    /// The protection officer referred the case: still blocked.
    Referred,
    /// The protection officer cleared the flag: a permit may be issued.
    Cleared,
    /// The exit permit is issued.
    PermitIssued,
    /// The departure is confirmed (final).
    Departed,
    /// The person withdrew (final).
    Withdrawn,
}

/// Where the wish was registered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReturnChannel {
    /// At an office, by its staff.
    Office,
    /// On the portal, by the person.
    Portal,
}

/// A protection officer's decision on a flagged case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The flag does not stand in the way of return.
    Clear,
    /// Referred (to a partner or a procedure); the case stays blocked.
    Refer,
}

use crate::code_impl as codes;

codes!(ReturnState {
    Registered => "registered",
    Screened => "screened",
    Flagged => "flagged",
    Referred => "referred",
    Cleared => "cleared",
    PermitIssued => "permit_issued",
    Departed => "departed",
    Withdrawn => "withdrawn",
} "return.state.invalid");
codes!(ReturnChannel { Office => "office", Portal => "portal" } "return.channel.invalid");
codes!(Decision { Clear => "clear", Refer => "refer" } "return.decision.invalid");

/// Something done to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The protection screening; `flagged` when any answer is yes.
    Screen {
        /// Any flag raised.
        flagged: bool,
    },
    /// The protection officer's review.
    Review(Decision),
    /// The office issues the exit permit.
    IssuePermit,
    /// The departure is confirmed.
    Depart,
    /// The person withdraws.
    Withdraw,
}

impl Action {
    /// The action's code (audit and timeline).
    pub fn code(self) -> &'static str {
        match self {
            Self::Screen { .. } => "screen",
            Self::Review(_) => "review",
            Self::IssuePermit => "permit",
            Self::Depart => "depart",
            Self::Withdraw => "withdraw",
        }
    }

    /// The staff permissions any of which allows the action (the person withdraws their own
    /// wish on the portal without one).
    pub fn permissions(self) -> &'static [Permission] {
        match self {
            Self::Screen { .. } => &[Permission::ReturnScreen],
            Self::Review(_) => &[Permission::ProtectionReview],
            Self::IssuePermit | Self::Withdraw => &[Permission::PersonWrite],
            Self::Depart => &[Permission::PersonWrite, Permission::CredentialRevoke],
        }
    }

    /// Whether the action revokes the returning persons' credentials: only the confirmed
    /// departure does.
    pub fn revokes_credentials(self) -> bool {
        self == Self::Depart
    }
}

/// The staff permissions that let one read a case (those with `protection.review` only the
/// cases whose screening raised a flag).
pub const READ_PERMISSIONS: [Permission; 4] = [
    Permission::PersonRead,
    Permission::ReturnScreen,
    Permission::ProtectionReview,
    Permission::CredentialRevoke,
];

impl ReturnState {
    /// Whether the case is still open (not departed, not withdrawn).
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Departed | Self::Withdrawn)
    }

    /// Whether a flag blocks the case.
    pub fn blocked(self) -> bool {
        matches!(self, Self::Flagged | Self::Referred)
    }

    /// Whether an exit permit may be issued to the case's persons in this state (screened
    /// without a flag, cleared, or the permit already recorded): what a service with
    /// `return_clearance` (the catalogue's exit permit) requires of its applicant.
    pub fn permits_exit(self) -> bool {
        Self::PERMITTING_EXIT.contains(&self)
    }

    /// Every state that [`ReturnState::permits_exit`].
    pub const PERMITTING_EXIT: [Self; 3] = [Self::Screened, Self::Cleared, Self::PermitIssued];

    /// The state after `action`, or why it cannot be taken now: `return.withdrawn` or
    /// `return.departed` on a closed case, `return.screening.done` for a second screening,
    /// `return.review.unneeded` for a review without a flag, `return.screening.missing` and
    /// `return.screening.blocked` for a permit, `return.permit.issued` for a second one,
    /// `return.permit.missing` for a departure without a permit (all 409).
    pub fn after(self, action: Action) -> Result<Self> {
        use ReturnState::*;
        match self {
            Withdrawn => return Err(Error::conflict("return.withdrawn")),
            Departed => return Err(Error::conflict("return.departed")),
            _ => {}
        }
        let next = match (self, action) {
            (_, Action::Withdraw) => Withdrawn,
            (Registered, Action::Screen { flagged: true }) => Flagged,
            (Registered, Action::Screen { flagged: false }) => Screened,
            (_, Action::Screen { .. }) => return Err(Error::conflict("return.screening.done")),
            (Flagged | Referred, Action::Review(Decision::Clear)) => Cleared,
            (Flagged | Referred, Action::Review(Decision::Refer)) => Referred,
            (_, Action::Review(_)) => return Err(Error::conflict("return.review.unneeded")),
            (Screened | Cleared, Action::IssuePermit) => PermitIssued,
            (Registered, Action::IssuePermit) => {
                return Err(Error::conflict("return.screening.missing"));
            }
            (Flagged | Referred, Action::IssuePermit) => {
                return Err(Error::conflict("return.screening.blocked"));
            }
            (_, Action::IssuePermit) => return Err(Error::conflict("return.permit.issued")),
            (PermitIssued, Action::Depart) => Departed,
            (_, Action::Depart) => return Err(Error::conflict("return.permit.missing")),
        };
        Ok(next)
    }
}

/// A name or text in the four locales of the pages.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    /// Persian (Iran).
    #[serde(rename = "fa-IR")]
    pub fa_ir: String,
    /// Dari (Afghanistan).
    #[serde(rename = "fa-AF")]
    pub fa_af: String,
    /// Pashto.
    pub ps: String,
    /// English.
    pub en: String,
}

impl Localized {
    /// The text in the locale `tag` (`fa-IR`, `fa-AF`, `ps`, `en`), Persian otherwise.
    pub fn get(&self, tag: &str) -> &str {
        match tag {
            "fa-AF" => &self.fa_af,
            "ps" => &self.ps,
            "en" => &self.en,
            _ => &self.fa_ir,
        }
    }
}

/// A border point a returning person may leave through.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BorderPoint {
    /// Stable code.
    pub code: String,
    /// Name.
    pub name: Localized,
}

/// A yes/no question of the protection screening; yes raises a flag.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Stable code.
    pub code: String,
    /// The question.
    pub text: Localized,
}

/// `return.toml` of the country profile: the border points and the screening questions.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(deny_unknown_fields)]
pub struct ReturnProfile {
    /// Border points, in display order.
    #[serde(default, rename(deserialize = "border_point"))]
    pub border_points: Vec<BorderPoint>,
    /// Screening questions, in display order.
    #[serde(default, rename(deserialize = "question"))]
    pub questions: Vec<Question>,
}

fn code_ok(c: &str) -> bool {
    (2..=40).contains(&c.len())
        && c.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

impl ReturnProfile {
    /// Parses and checks `return.toml` (`profile.return.invalid`: not TOML of this shape, a
    /// code that is not `a-z0-9_`, a code repeated, or an empty name or text).
    pub fn from_toml(text: &str) -> Result<Self> {
        let bad = |reason: String| {
            Error::invalid("profile.return.invalid")
                .with_detail("reason", serde_json::json!(reason))
        };
        let p: ReturnProfile = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut seen = std::collections::BTreeSet::new();
        let all = p
            .border_points
            .iter()
            .map(|b| ("border_point", &b.code, &b.name))
            .chain(p.questions.iter().map(|q| ("question", &q.code, &q.text)));
        for (what, code, text) in all {
            if !code_ok(code) || !seen.insert((what, code.clone())) {
                return Err(bad(format!("{what} code {code:?}")));
            }
            if [&text.fa_ir, &text.fa_af, &text.ps, &text.en]
                .iter()
                .any(|t| t.trim().is_empty())
            {
                return Err(bad(format!("{what} {code}: a locale is empty")));
            }
        }
        Ok(p)
    }

    /// The border point with `code`.
    pub fn border_point(&self, code: &str) -> Option<&BorderPoint> {
        self.border_points.iter().find(|b| b.code == code)
    }
}

/// Most household members one case takes.
pub const MAX_MEMBERS: usize = 30;
/// Longest note (screening, review, withdrawal), in characters.
pub const MAX_NOTE: usize = 2000;
/// Days ahead a departure date may be chosen.
pub const MAX_DAYS_AHEAD: i64 = 366;

/// A checked registration of the wish to return.
#[derive(Debug, Clone, PartialEq)]
pub struct NewReturn {
    /// The registrant.
    pub person: PersonId,
    /// Household members who go with them (never the registrant; each once).
    pub members: Vec<PersonId>,
    /// The chosen departure day.
    pub departure_on: Date,
    /// The border point's code.
    pub border_point: String,
    /// Where it was registered.
    pub channel: ReturnChannel,
}

impl NewReturn {
    /// Checks a registration against the profile and `today`: a known border point
    /// (`return.border.unknown`), a day from today up to [`MAX_DAYS_AHEAD`] days ahead
    /// (`return.date.past`, `return.date.too_far`), at most [`MAX_MEMBERS`] members
    /// (`return.members.too_many`); the registrant and repeated members are dropped from the
    /// members.
    pub fn parse(
        profile: &ReturnProfile,
        today: Date,
        person: PersonId,
        members: &[PersonId],
        departure_on: Date,
        border_point: &str,
        channel: ReturnChannel,
    ) -> Result<Self> {
        let border_point = border_point.trim();
        if profile.border_point(border_point).is_none() {
            return Err(Error::conflict("return.border.unknown").with_field("border_point"));
        }
        if departure_on < today {
            return Err(Error::conflict("return.date.past").with_field("departure_on"));
        }
        if departure_on > today + time::Duration::days(MAX_DAYS_AHEAD) {
            return Err(Error::conflict("return.date.too_far").with_field("departure_on"));
        }
        let mut seen = std::collections::BTreeSet::from([person]);
        let members: Vec<PersonId> = members
            .iter()
            .copied()
            .filter(|m| seen.insert(*m))
            .collect();
        if members.len() > MAX_MEMBERS {
            return Err(Error::conflict("return.members.too_many").with_field("members"));
        }
        Ok(Self {
            person,
            members,
            departure_on,
            border_point: border_point.to_owned(),
            channel,
        })
    }
}

fn note(text: &str, field: &'static str) -> Result<String> {
    let t = text.trim();
    if t.chars().count() > MAX_NOTE {
        return Err(Error::invalid("return.note.too_long").with_field(field));
    }
    Ok(t.to_owned())
}

/// A completed protection screening: one yes/no answer per question of the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screening {
    /// Answers by question code (`true`: a flag).
    pub answers: BTreeMap<String, bool>,
    /// The officer's note.
    pub note: String,
}

impl Screening {
    /// Checks the answers: every question of the profile answered
    /// (`return.screening.incomplete`, the question in `details.field`), no other
    /// (`return.question.unknown`), a note of at most [`MAX_NOTE`] characters.
    pub fn parse(
        profile: &ReturnProfile,
        answers: &BTreeMap<String, bool>,
        text: &str,
    ) -> Result<Self> {
        if let Some(q) = answers
            .keys()
            .find(|k| !profile.questions.iter().any(|q| &q.code == *k))
        {
            return Err(Error::conflict("return.question.unknown")
                .with_detail("question", serde_json::json!(q)));
        }
        if let Some(q) = profile
            .questions
            .iter()
            .find(|q| !answers.contains_key(&q.code))
        {
            return Err(Error::conflict("return.screening.incomplete").with_field(&q.code));
        }
        Ok(Self {
            answers: answers.clone(),
            note: note(text, "note")?,
        })
    }

    /// Whether any answer raised a flag.
    pub fn flagged(&self) -> bool {
        self.answers.values().any(|a| *a)
    }
}

/// A protection officer's review: a referral needs a note (`return.note.required`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    /// The decision.
    pub decision: Decision,
    /// The note (where the case was referred, why it was cleared).
    pub note: String,
}

impl Review {
    /// Checks a review.
    pub fn parse(decision: &str, text: &str) -> Result<Self> {
        let decision = Decision::parse(decision.trim()).map_err(|e| e.with_field("decision"))?;
        let note = note(text, "note")?;
        if decision == Decision::Refer && note.is_empty() {
            return Err(Error::conflict("return.note.required").with_field("note"));
        }
        Ok(Self { decision, note })
    }
}

/// An exit permit as issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    /// Its number: 1 to 40 of `A-Z`, `0-9`, `-`, `/` (upper-cased).
    pub number: String,
    /// Valid until this day (from today).
    pub valid_until: Date,
}

impl Permit {
    /// Checks a permit (`return.permit.number.invalid`, `return.permit.expired`).
    pub fn parse(number: &str, valid_until: Date, today: Date) -> Result<Self> {
        let number = crate::digits::fold_digits(number.trim()).to_ascii_uppercase();
        if number.is_empty()
            || number.len() > 40
            || !number
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'/')
        {
            return Err(Error::invalid("return.permit.number.invalid").with_field("number"));
        }
        if valid_until < today {
            return Err(Error::conflict("return.permit.expired").with_field("valid_until"));
        }
        Ok(Self {
            number,
            valid_until,
        })
    }
}

/// Checks a withdrawal's reason (optional; the person owes no explanation).
pub fn parse_reason(text: &str) -> Result<String> {
    note(text, "reason")
}

/// A person a case concerns.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReturnPerson {
    /// Person id.
    #[schema(value_type = String)]
    pub person_id: PersonId,
    /// Given and family name.
    pub name: String,
    /// Registry number.
    pub registry_no: String,
}

/// One answer of a screening as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Answer {
    /// Question code.
    pub question: String,
    /// Yes: a flag.
    pub flag: bool,
}

/// One step in a case's timeline.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReturnEvent {
    /// When.
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// What (`register`, `screen`, `review`, `permit`, `depart`, `withdraw`).
    pub action: String,
    /// The state it led to.
    pub state: ReturnState,
    /// The actor's role (never their name; `applicant` on the portal).
    pub role: String,
    /// A note.
    pub note: String,
}

/// A return case as stored and shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReturnCase {
    /// Id (ULID).
    pub id: String,
    /// Reference the person quotes (`VR-` and a number).
    pub reference: String,
    /// The registrant's office.
    #[schema(value_type = String)]
    pub office_id: OfficeId,
    /// The registrant.
    pub person: ReturnPerson,
    /// Household members who go with them.
    pub members: Vec<ReturnPerson>,
    /// Where it was registered.
    pub channel: ReturnChannel,
    /// Chosen departure day (ISO).
    #[schema(value_type = String)]
    #[serde(with = "crate::case::iso_date")]
    pub departure_on: Date,
    /// Border point code.
    pub border_point: String,
    /// Where it stands.
    pub state: ReturnState,
    /// Whether the screening raised a flag (it stays true after a review).
    pub flagged: bool,
    /// Screening answers (empty before the screening).
    pub answers: Vec<Answer>,
    /// The screening officer's note.
    pub screening_note: String,
    /// The protection officer's last decision.
    pub decision: Option<Decision>,
    /// Its note.
    pub review_note: String,
    /// Exit permit number (empty before it is issued).
    pub permit_no: String,
    /// Exit permit valid until (ISO).
    #[schema(value_type = Option<String>)]
    #[serde(with = "crate::case::iso_date::option")]
    pub permit_valid_until: Option<Date>,
    /// When it was registered.
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The timeline, oldest first.
    pub events: Vec<ReturnEvent>,
}

/// The staff permissions that let one see the screening's answers and the protection notes
/// (the officers who screen and review); others see only whether a flag was raised.
pub const SCREENING_READERS: [Permission; 2] =
    [Permission::ReturnScreen, Permission::ProtectionReview];

impl ReturnCase {
    /// The case without the screening's answers and the protection notes (for staff who
    /// neither screen nor review, and for the person on the portal); whether a flag was raised
    /// and where the case stands remain.
    pub fn without_screening(mut self) -> Self {
        self.answers.clear();
        self.screening_note.clear();
        self.review_note.clear();
        for e in &mut self.events {
            if e.action == "screen" || e.action == "review" {
                e.note.clear();
            }
        }
        self
    }

    /// Everyone the case concerns: the registrant, then the members.
    pub fn persons(&self) -> impl Iterator<Item = PersonId> + '_ {
        std::iter::once(self.person.person_id).chain(self.members.iter().map(|m| m.person_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReturnState::*;

    const BEFORE_DEPARTURE: [ReturnState; 6] = [
        Registered,
        Screened,
        Flagged,
        Referred,
        Cleared,
        PermitIssued,
    ];

    #[test]
    fn withdrawal_is_possible_in_every_state_before_departure() {
        for s in BEFORE_DEPARTURE {
            assert_eq!(s.after(Action::Withdraw), Ok(Withdrawn), "{s:?}");
        }
        assert_eq!(
            Departed.after(Action::Withdraw).unwrap_err().code,
            "return.departed"
        );
        assert_eq!(
            Withdrawn.after(Action::Withdraw).unwrap_err().code,
            "return.withdrawn"
        );
        for s in ReturnState::ALL {
            assert_eq!(s.is_open(), BEFORE_DEPARTURE.contains(s));
        }
    }

    #[test]
    fn a_flagged_screening_blocks_the_permit_until_cleared() {
        let flagged = Registered.after(Action::Screen { flagged: true }).unwrap();
        assert_eq!(flagged, Flagged);
        assert!(flagged.blocked());
        let e = flagged.after(Action::IssuePermit).unwrap_err();
        assert_eq!((e.code, e.kind.status()), ("return.screening.blocked", 409));
        let referred = flagged.after(Action::Review(Decision::Refer)).unwrap();
        assert_eq!(referred, Referred, "a referral keeps it blocked");
        assert_eq!(
            referred.after(Action::IssuePermit).unwrap_err().code,
            "return.screening.blocked"
        );
        let cleared = referred.after(Action::Review(Decision::Clear)).unwrap();
        assert_eq!(cleared, Cleared);
        assert!(!cleared.blocked());
        assert_eq!(cleared.after(Action::IssuePermit), Ok(PermitIssued));
        assert_eq!(
            Registered.after(Action::IssuePermit).unwrap_err().code,
            "return.screening.missing"
        );
        let screened = Registered.after(Action::Screen { flagged: false }).unwrap();
        assert_eq!(screened.after(Action::IssuePermit), Ok(PermitIssued));
        assert_eq!(
            screened
                .after(Action::Review(Decision::Clear))
                .unwrap_err()
                .code,
            "return.review.unneeded"
        );
        assert_eq!(
            Flagged
                .after(Action::Screen { flagged: false })
                .unwrap_err()
                .code,
            "return.screening.done",
            "a flag cannot be screened away"
        );
        assert_eq!(
            PermitIssued.after(Action::IssuePermit).unwrap_err().code,
            "return.permit.issued"
        );
    }

    #[test]
    fn credentials_are_revoked_only_on_departure_and_only_after_a_permit() {
        let all = [
            Action::Screen { flagged: true },
            Action::Screen { flagged: false },
            Action::Review(Decision::Clear),
            Action::Review(Decision::Refer),
            Action::IssuePermit,
            Action::Depart,
            Action::Withdraw,
        ];
        for a in all {
            assert_eq!(a.revokes_credentials(), a == Action::Depart, "{a:?}");
        }
        for s in [Registered, Screened, Flagged, Referred, Cleared] {
            assert_eq!(
                s.after(Action::Depart).unwrap_err().code,
                "return.permit.missing",
                "{s:?}"
            );
        }
        assert_eq!(PermitIssued.after(Action::Depart), Ok(Departed));
        assert!(
            Action::Depart
                .permissions()
                .contains(&Permission::CredentialRevoke)
        );
        assert_eq!(
            Action::IssuePermit.permissions(),
            &[Permission::PersonWrite]
        );
    }

    fn profile() -> ReturnProfile {
        ReturnProfile::from_toml(crate::profile::IRAN_RETURN).unwrap()
    }

    #[test]
    fn the_iran_profile_has_border_points_and_the_five_questions() {
        let p = profile();
        assert!(p.border_point("dogharoun").is_some());
        let codes: Vec<&str> = p.questions.iter().map(|q| q.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "separated_children",
                "medical_needs",
                "risk_on_return",
                "gender_based_violence",
                "family_reunification"
            ]
        );
        let e = ReturnProfile::from_toml("[[border_point]]\ncode = \"A B\"\nname = { fa-IR = \"x\", fa-AF = \"x\", ps = \"x\", en = \"x\" }\n").unwrap_err();
        assert_eq!(e.code, "profile.return.invalid");
        assert!(ReturnProfile::from_toml("nonsense = 1").is_err());
    }

    #[test]
    fn registrations_screenings_reviews_and_permits_are_checked() {
        let p = profile();
        let today = time::macros::date!(2026 - 12 - 05);
        let (me, kid) = (PersonId::new(), PersonId::new());
        let r = NewReturn::parse(
            &p,
            today,
            me,
            &[kid, me, kid],
            today,
            "milak",
            ReturnChannel::Portal,
        )
        .unwrap();
        assert_eq!(r.members, vec![kid]);
        let err = |d: Date, b: &str| {
            NewReturn::parse(&p, today, me, &[], d, b, ReturnChannel::Office)
                .unwrap_err()
                .code
        };
        assert_eq!(err(today, "nowhere"), "return.border.unknown");
        assert_eq!(
            err(today - time::Duration::days(1), "milak"),
            "return.date.past"
        );
        assert_eq!(
            err(today + time::Duration::days(400), "milak"),
            "return.date.too_far"
        );

        let mut answers: BTreeMap<String, bool> = p
            .questions
            .iter()
            .map(|q| (q.code.clone(), false))
            .collect();
        assert!(!Screening::parse(&p, &answers, "").unwrap().flagged());
        answers.insert("risk_on_return".into(), true);
        assert!(Screening::parse(&p, &answers, " ").unwrap().flagged());
        answers.remove("medical_needs");
        let e = Screening::parse(&p, &answers, "").unwrap_err();
        assert_eq!(
            (e.code, e.details["field"].as_str()),
            ("return.screening.incomplete", Some("medical_needs"))
        );
        answers.insert("weather".into(), false);
        assert_eq!(
            Screening::parse(&p, &answers, "").unwrap_err().code,
            "return.question.unknown"
        );

        assert_eq!(
            Review::parse("refer", " ").unwrap_err().code,
            "return.note.required"
        );
        assert_eq!(
            Review::parse("ok", "x").unwrap_err().code,
            "return.decision.invalid"
        );
        assert_eq!(
            Review::parse("clear", "").unwrap().decision,
            Decision::Clear
        );

        assert_eq!(
            Permit::parse("ep-۱۲۳", today, today).unwrap().number,
            "EP-123"
        );
        assert_eq!(
            Permit::parse("", today, today).unwrap_err().code,
            "return.permit.number.invalid"
        );
        assert_eq!(
            Permit::parse("EP 1", today, today).unwrap_err().code,
            "return.permit.number.invalid"
        );
        assert_eq!(
            Permit::parse("EP1", today - time::Duration::days(1), today)
                .unwrap_err()
                .code,
            "return.permit.expired"
        );
        assert_eq!(
            parse_reason(&"x".repeat(MAX_NOTE + 1)).unwrap_err().code,
            "return.note.too_long"
        );
    }

    #[test]
    fn the_screening_is_hidden_from_who_neither_screens_nor_reviews() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let event = |action: &str, note: &str| ReturnEvent {
            at,
            action: action.into(),
            state: Flagged,
            role: "office_manager".into(),
            note: note.into(),
        };
        let c = ReturnCase {
            id: "01J".into(),
            reference: "VR-1".into(),
            office_id: OfficeId::new(),
            person: ReturnPerson {
                person_id: PersonId::new(),
                name: "زهرا".into(),
                registry_no: "THR-01-000001".into(),
            },
            members: vec![],
            channel: ReturnChannel::Office,
            departure_on: time::macros::date!(2026 - 12 - 20),
            border_point: "milak".into(),
            state: Flagged,
            flagged: true,
            answers: vec![Answer {
                question: "gender_based_violence".into(),
                flag: true,
            }],
            screening_note: "گفت".into(),
            decision: Some(Decision::Refer),
            review_note: "ارجاع".into(),
            permit_no: String::new(),
            permit_valid_until: None,
            created_at: at,
            events: vec![event("screen", "گفت"), event("withdraw", "دلیل")],
        };
        let hidden = c.clone().without_screening();
        assert!(hidden.answers.is_empty());
        assert_eq!(
            (hidden.screening_note.as_str(), hidden.review_note.as_str()),
            ("", "")
        );
        assert_eq!(hidden.events[0].note, "");
        assert_eq!(
            hidden.events[1].note, "دلیل",
            "a withdrawal's reason is not protection data"
        );
        assert_eq!(
            (hidden.flagged, hidden.state, hidden.decision),
            (true, Flagged, c.decision)
        );
    }

    #[test]
    fn codes_round_trip() {
        for s in ReturnState::ALL {
            assert_eq!(ReturnState::parse(s.code()).unwrap(), *s);
        }
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.code()).unwrap(), *d);
        }
        for c in ReturnChannel::ALL {
            assert_eq!(ReturnChannel::parse(c.code()).unwrap(), *c);
        }
    }
}
