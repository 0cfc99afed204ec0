//! The help desk (issue 20, part 4): inquiries, complaints about an office or a member of its
//! staff (overcharging, demands for bribes, discourtesy, delays) and reports of exploitation by
//! the person concerned (unpaid wages, confiscated documents). A ticket is filed on the portal,
//! at an office (any office, not only the person's own) or by a phone operator on the person's
//! behalf, routed by its kind and category to an office or to the authority, and answered there
//! within a number of working days. Rules here, pure:
//!
//! - routing ([`route`]): an inquiry goes to the person's office (or the office where it was
//!   filed, or the office a caller asks about; with none of these, to the authority); a complaint of discourtesy or delay goes to the office complained about, which
//!   must put it right; overcharging, bribes, other complaints and every exploitation report go
//!   to the authority, never to the office they are about;
//! - the complainant may stay anonymous to the office complained about ([`Ticket::hides_from`]):
//!   that office's staff then see neither name, registry number nor phone (the authority does,
//!   to investigate and answer);
//! - the answer is visible to the complainant on the portal.

use crate::calendar::WorkCalendar;
use crate::ids::{OfficeId, PersonId};
use crate::{Error, Result};
use time::{Date, OffsetDateTime};

/// What a ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketKind {
    /// A question.
    Inquiry,
    /// A complaint about an office or a member of its staff.
    Complaint,
    /// Exploitation reported by the person concerned.
    Exploitation,
}

/// Why: each kind has its own categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Any question (inquiries).
    Question,
    /// Charged more than the published fee.
    Overcharging,
    /// Asked for a bribe.
    Bribe,
    /// Treated discourteously.
    Discourtesy,
    /// Kept waiting past the service's time.
    Delay,
    /// Another complaint.
    OtherComplaint,
    /// Wages not paid.
    UnpaidWages,
    /// Identity or travel documents taken away.
    ConfiscatedDocuments,
    /// Another form of exploitation.
    OtherExploitation,
}

/// Where it was filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// By the person on the portal.
    Portal,
    /// At an office's counter.
    Office,
    /// By a phone operator on the person's behalf.
    Phone,
}

/// Where a ticket is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// By this office.
    Office(OfficeId),
    /// By the authority.
    Authority,
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Waiting for an answer.
    Open,
    /// Answered; the answer is visible to the complainant.
    Answered,
}

use crate::code_impl as codes;

codes!(TicketKind { Inquiry => "inquiry", Complaint => "complaint", Exploitation => "exploitation" } "helpdesk.kind.invalid");
codes!(Category {
    Question => "question",
    Overcharging => "overcharging",
    Bribe => "bribe",
    Discourtesy => "discourtesy",
    Delay => "delay",
    OtherComplaint => "other_complaint",
    UnpaidWages => "unpaid_wages",
    ConfiscatedDocuments => "confiscated_documents",
    OtherExploitation => "other_exploitation",
} "helpdesk.category.invalid");
codes!(Channel { Portal => "portal", Office => "office", Phone => "phone" } "helpdesk.channel.invalid");
codes!(TicketState { Open => "open", Answered => "answered" } "helpdesk.state.invalid");

impl Category {
    /// The kind this category belongs to.
    pub fn kind(self) -> TicketKind {
        match self {
            Self::Question => TicketKind::Inquiry,
            Self::Overcharging
            | Self::Bribe
            | Self::Discourtesy
            | Self::Delay
            | Self::OtherComplaint => TicketKind::Complaint,
            Self::UnpaidWages | Self::ConfiscatedDocuments | Self::OtherExploitation => {
                TicketKind::Exploitation
            }
        }
    }
}

impl TicketKind {
    /// Working days within which a ticket of this kind is answered: exploitation first.
    pub fn sla_days(self) -> u32 {
        match self {
            Self::Exploitation => 3,
            Self::Inquiry => 5,
            Self::Complaint => 10,
        }
    }
}

/// Longest text of a ticket or an answer, in characters.
pub const MAX_TEXT: usize = 4000;
/// Longest description of a staff member complained about.
pub const MAX_STAFF: usize = 200;

/// A ticket as filed, before it is checked.
#[derive(Debug, Clone, Default)]
pub struct TicketDraft {
    /// Category code (its kind follows from it).
    pub category: String,
    /// The office complained about (complaints), by id.
    pub about_office: Option<OfficeId>,
    /// The staff member complained about, as the person describes them (a name, a desk).
    pub about_staff: String,
    /// What happened or what is asked.
    pub body: String,
    /// Stay anonymous to the office complained about.
    pub anonymous: bool,
    /// Name to answer to when no registered person files (a phone caller).
    pub contact_name: String,
    /// Phone to answer to.
    pub contact_phone: String,
}

/// A checked ticket, ready to file.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTicket {
    /// Category.
    pub category: Category,
    /// How it came.
    pub channel: Channel,
    /// The registered person it is from, if known.
    pub person: Option<PersonId>,
    /// That person's office (inquiries go there).
    pub person_office: Option<OfficeId>,
    /// The office where it was filed (counter filings).
    pub filed_at: Option<OfficeId>,
    /// The office complained about.
    pub about_office: Option<OfficeId>,
    /// The staff member complained about.
    pub about_staff: String,
    /// Text.
    pub body: String,
    /// Anonymous to the office complained about.
    pub anonymous: bool,
    /// Contact name (phone filings without a registered person).
    pub contact_name: String,
    /// Contact phone.
    pub contact_phone: String,
}

impl NewTicket {
    /// Checks a draft: a known category; a complaint names the office it is about; text of 1 to
    /// [`MAX_TEXT`] characters; a filing with no registered person gives a name and a phone to
    /// answer to (field errors `helpdesk.*`).
    pub fn parse(
        d: TicketDraft,
        channel: Channel,
        person: Option<(PersonId, OfficeId)>,
        filed_at: Option<OfficeId>,
    ) -> Result<Self> {
        let category = Category::parse(d.category.trim()).map_err(|e| e.with_field("category"))?;
        let body = d.body.trim().to_owned();
        if body.is_empty() {
            return Err(Error::invalid("helpdesk.body.required").with_field("body"));
        }
        if body.chars().count() > MAX_TEXT {
            return Err(Error::invalid("helpdesk.body.too_long").with_field("body"));
        }
        let about_staff = d.about_staff.trim().to_owned();
        if about_staff.chars().count() > MAX_STAFF {
            return Err(Error::invalid("helpdesk.staff.too_long").with_field("about_staff"));
        }
        let kind = category.kind();
        let about_office = match kind {
            TicketKind::Complaint => Some(d.about_office.ok_or_else(|| {
                Error::invalid("helpdesk.office.required").with_field("about_office")
            })?),
            // An inquiry is about an office only when nothing else says where it goes (a
            // caller with no office of their own asking a given office).
            TicketKind::Inquiry if person.is_some() || filed_at.is_some() => None,
            _ => d.about_office,
        };
        let (contact_name, contact_phone) = (d.contact_name.trim(), d.contact_phone.trim());
        if person.is_none() && (contact_name.is_empty() || contact_phone.is_empty()) {
            return Err(Error::invalid("helpdesk.contact.required").with_field("contact_name"));
        }
        if !contact_phone.is_empty()
            && !contact_phone
                .chars()
                .all(|c| c.is_ascii_digit() || "+ -".contains(c) || ('۰'..='۹').contains(&c))
        {
            return Err(Error::invalid("helpdesk.phone.invalid").with_field("contact_phone"));
        }
        let ticket = Self {
            category,
            channel,
            person: person.map(|p| p.0),
            person_office: person.map(|p| p.1),
            filed_at,
            about_office,
            about_staff,
            body,
            anonymous: d.anonymous && kind != TicketKind::Inquiry,
            contact_name: contact_name.to_owned(),
            contact_phone: contact_phone.to_owned(),
        };
        // An inquiry that names no office and comes from no office's person or counter (a
        // phone caller who is not registered, asking in general) goes to the authority
        // ([`route`]); it used to be refused while the form offered "no office" (found by a
        // walk of the demo).
        Ok(ticket)
    }

    fn inquiry_office(&self) -> Option<OfficeId> {
        self.person_office.or(self.filed_at).or(self.about_office)
    }

    /// Where the ticket is answered (see the module comment).
    pub fn route(&self) -> Route {
        route(self.category, self.about_office, self.inquiry_office())
    }

    /// The day by which it is answered: [`TicketKind::sla_days`] working days after `today`.
    pub fn due_on(&self, cal: &WorkCalendar, today: Date) -> Result<Date> {
        cal.add_working_days(today, self.category.kind().sla_days())
    }
}

/// Where a ticket of `category` is answered: see the module comment. `inquiry_office` is the
/// person's office (or where the ticket was filed).
pub fn route(
    category: Category,
    about_office: Option<OfficeId>,
    inquiry_office: Option<OfficeId>,
) -> Route {
    match (category, about_office) {
        (Category::Question, _) => inquiry_office.map_or(Route::Authority, Route::Office),
        (Category::Discourtesy | Category::Delay, Some(o)) => Route::Office(o),
        _ => Route::Authority,
    }
}

/// A ticket as stored and shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Ticket {
    /// Id (ULID).
    pub id: String,
    /// Reference the person quotes (`HD-` and a number).
    pub reference: String,
    /// Kind.
    pub kind: TicketKind,
    /// Category.
    pub category: Category,
    /// How it came.
    pub channel: Channel,
    /// Registered person it is from (hidden from the office complained about when anonymous).
    #[schema(value_type = Option<String>)]
    pub person: Option<PersonId>,
    /// The person's name, or the contact name (hidden likewise).
    pub name: String,
    /// The person's registry number (hidden likewise).
    pub registry_no: String,
    /// Phone to answer to (hidden likewise).
    pub phone: String,
    /// Anonymous to the office complained about.
    pub anonymous: bool,
    /// The office complained about.
    #[schema(value_type = Option<String>)]
    pub about_office: Option<OfficeId>,
    /// The staff member complained about, as described.
    pub about_staff: String,
    /// Text.
    pub body: String,
    /// The answering office; `None`: the authority.
    #[schema(value_type = Option<String>)]
    pub route_office: Option<OfficeId>,
    /// Where it stands.
    pub state: TicketState,
    /// Answer by this day (ISO).
    #[schema(value_type = String)]
    #[serde(with = "crate::case::iso_date")]
    pub due_on: Date,
    /// The answer.
    pub answer: String,
    /// The answerer's role (never their name).
    pub answered_role: String,
    /// When it was filed.
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When it was answered.
    #[schema(value_type = Option<String>)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
}

impl Ticket {
    /// Whether staff of `viewer_office` may not see who filed it: an anonymous ticket, seen by
    /// the office it is about.
    pub fn hides_from(&self, viewer_office: Option<OfficeId>) -> bool {
        self.anonymous && self.about_office.is_some() && viewer_office == self.about_office
    }

    /// The ticket as `viewer_office` may see it: the complainant's person id, name, registry
    /// number and phone blanked when [`Ticket::hides_from`].
    pub fn seen_by(mut self, viewer_office: Option<OfficeId>) -> Self {
        if self.hides_from(viewer_office) {
            self.person = None;
            self.name.clear();
            self.registry_no.clear();
            self.phone.clear();
        }
        self
    }

    /// The route.
    pub fn route(&self) -> Route {
        self.route_office.map_or(Route::Authority, Route::Office)
    }

    /// Whether the answer is late on `today`.
    pub fn overdue(&self, today: Date) -> bool {
        self.state == TicketState::Open && today > self.due_on
    }
}

/// A ticket in a list: no phone and no registry number (those are on the ticket's own page,
/// for the one who answers it).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct TicketLine {
    /// Id (ULID).
    pub id: String,
    /// Reference the person quotes.
    pub reference: String,
    /// Kind.
    pub kind: TicketKind,
    /// Category.
    pub category: Category,
    /// How it came.
    pub channel: Channel,
    /// Who filed it (empty when hidden from the viewer).
    pub name: String,
    /// Anonymous to the office complained about.
    pub anonymous: bool,
    /// The office complained about.
    #[schema(value_type = Option<String>)]
    pub about_office: Option<OfficeId>,
    /// The answering office; `None`: the authority.
    #[schema(value_type = Option<String>)]
    pub route_office: Option<OfficeId>,
    /// Where it stands.
    pub state: TicketState,
    /// Answer by this day (ISO).
    #[schema(value_type = String)]
    #[serde(with = "crate::case::iso_date")]
    pub due_on: Date,
    /// When it was filed.
    #[schema(value_type = String)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

impl From<Ticket> for TicketLine {
    fn from(t: Ticket) -> Self {
        Self {
            id: t.id,
            reference: t.reference,
            kind: t.kind,
            category: t.category,
            channel: t.channel,
            name: t.name,
            anonymous: t.anonymous,
            about_office: t.about_office,
            route_office: t.route_office,
            state: t.state,
            due_on: t.due_on,
            created_at: t.created_at,
        }
    }
}

/// Checks an answer's text: 1 to [`MAX_TEXT`] characters.
pub fn parse_answer(text: &str) -> Result<String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Error::invalid("helpdesk.answer.required").with_field("answer"));
    }
    if t.chars().count() > MAX_TEXT {
        return Err(Error::invalid("helpdesk.body.too_long").with_field("answer"));
    }
    Ok(t.to_owned())
}

/// Whether a staff member of `office` (`None`: authority-level, every office) may answer a
/// ticket routed by `route`.
pub fn may_answer(route: Route, office: Option<OfficeId>) -> bool {
    match (route, office) {
        (_, None) => true,
        (Route::Office(r), Some(o)) => r == o,
        (Route::Authority, Some(_)) => false,
    }
}

/// Whether the authority may forward `t` to office `to` (issue 20.4): only an open ticket the
/// authority answers (`auth.forbidden` for one routed to an office), never to the office a
/// complaint is about (`helpdesk.forward.about_office`: the office complained about does not
/// answer its own complaint, and an anonymous complainant stays hidden from it).
pub fn may_forward(t: &Ticket, to: OfficeId) -> Result<()> {
    if t.state != TicketState::Open {
        return Err(Error::conflict("helpdesk.ticket.answered"));
    }
    if t.route_office.is_some() {
        return Err(Error::forbidden("auth.forbidden"));
    }
    if t.about_office == Some(to) {
        return Err(Error::invalid("helpdesk.forward.about_office").with_field("office"));
    }
    Ok(())
}

/// What a caller learns of their ticket by its reference and the phone they left (issue 20.4:
/// tickets filed at a counter or by phone reach their filer by phone; this lets them look):
/// where it stands and the answer — never a name, the text, or an office.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TicketStatus {
    /// The reference.
    pub reference: String,
    /// Category.
    pub category: Category,
    /// Where it stands.
    pub state: TicketState,
    /// When it was filed.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Answer by this day.
    #[serde(with = "crate::case::iso_date")]
    pub due_on: Date,
    /// The answer (empty while open).
    pub answer: String,
    /// The answerer's role.
    pub answered_role: String,
}

/// A phone number's comparable form: its digits (Persian and Arabic-Indic folded), the last
/// ten (`0912…`, `+98 912…` and `98912…` are one number).
pub fn phone_key(s: &str) -> String {
    let digits: Vec<char> = crate::digits::fold_digits(s)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    digits[digits.len().saturating_sub(10)..].iter().collect()
}

/// `helpdesk.status.not_found` (404): no such reference, or not with this phone (the two are
/// not told apart, so a reference cannot be confirmed without its phone).
pub fn status_not_found() -> Error {
    Error::not_found("helpdesk.status.not_found")
}

impl Ticket {
    /// The status of the ticket for a caller who gave `phone`: the ticket's phone (the
    /// contact's, or the registered person's) must be the same number, with at least seven
    /// digits on both sides.
    pub fn status_for(&self, phone: &str) -> Result<TicketStatus> {
        let (given, kept) = (phone_key(phone), phone_key(&self.phone));
        if given.len() < 7 || given != kept {
            return Err(status_not_found());
        }
        Ok(TicketStatus {
            reference: self.reference.clone(),
            category: self.category,
            state: self.state,
            created_at: self.created_at,
            due_on: self.due_on,
            answer: self.answer.clone(),
            answered_role: self.answered_role.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(category: &str, about: Option<OfficeId>) -> TicketDraft {
        TicketDraft {
            category: category.into(),
            about_office: about,
            body: "کارمند گفت باید پول بیشتری بدهم".into(),
            anonymous: true,
            ..Default::default()
        }
    }

    #[test]
    fn complaints_go_to_the_office_only_for_discourtesy_and_delay() {
        let (mine, other) = (OfficeId::new(), OfficeId::new());
        let me = Some((PersonId::new(), mine));
        let t = |c| NewTicket::parse(draft(c, Some(other)), Channel::Portal, me, None).unwrap();
        assert_eq!(t("discourtesy").route(), Route::Office(other));
        assert_eq!(t("delay").route(), Route::Office(other));
        assert_eq!(t("overcharging").route(), Route::Authority);
        assert_eq!(t("bribe").route(), Route::Authority);
        assert_eq!(t("other_complaint").route(), Route::Authority);
        assert_eq!(t("unpaid_wages").route(), Route::Authority);
        assert_eq!(
            t("question").route(),
            Route::Office(mine),
            "inquiries go home"
        );
        assert!(!t("question").anonymous, "an inquiry is never anonymous");
    }

    #[test]
    fn a_general_inquiry_by_phone_goes_to_the_authority() {
        let mut d = draft("question", None);
        d.contact_name = "رحیم".into();
        d.contact_phone = "09121234567".into();
        let t = NewTicket::parse(d.clone(), Channel::Phone, None, None).unwrap();
        assert_eq!(t.route(), Route::Authority);
        let office = OfficeId::new();
        d.about_office = Some(office);
        let t = NewTicket::parse(d, Channel::Phone, None, None).unwrap();
        assert_eq!(t.route(), Route::Office(office), "asking a given office");
    }

    #[test]
    fn a_complaint_names_its_office_and_a_stranger_leaves_a_contact() {
        let me = Some((PersonId::new(), OfficeId::new()));
        let e = NewTicket::parse(draft("bribe", None), Channel::Portal, me, None).unwrap_err();
        assert_eq!(e.code, "helpdesk.office.required");
        assert_eq!(e.details["field"], "about_office");
        let e =
            NewTicket::parse(draft("unpaid_wages", None), Channel::Phone, None, None).unwrap_err();
        assert_eq!(e.code, "helpdesk.contact.required");
        let mut d = draft("unpaid_wages", None);
        d.contact_name = "رحیم".into();
        d.contact_phone = "۰۹۱۲ ۱۲۳ ۴۵۶۷".into();
        assert!(NewTicket::parse(d.clone(), Channel::Phone, None, None).is_ok());
        d.contact_phone = "call me".into();
        let e = NewTicket::parse(d, Channel::Phone, None, None).unwrap_err();
        assert_eq!(e.code, "helpdesk.phone.invalid");
        let mut d = draft("nonsense", None);
        d.body = " ".into();
        let e = NewTicket::parse(d, Channel::Portal, me, None).unwrap_err();
        assert_eq!(e.code, "helpdesk.category.invalid");
        let e = NewTicket::parse(
            TicketDraft {
                body: "x".repeat(MAX_TEXT + 1),
                ..draft("delay", Some(OfficeId::new()))
            },
            Channel::Portal,
            me,
            None,
        )
        .unwrap_err();
        assert_eq!(e.code, "helpdesk.body.too_long");
    }

    #[test]
    fn the_office_complained_about_does_not_see_an_anonymous_complainant() {
        let (about, authority_view, other) = (OfficeId::new(), None, Some(OfficeId::new()));
        let t = Ticket {
            id: "t".into(),
            reference: "HD-1".into(),
            kind: TicketKind::Complaint,
            category: Category::Delay,
            channel: Channel::Portal,
            person: Some(PersonId::new()),
            name: "زهرا احمدی".into(),
            registry_no: "THR-01-000001".into(),
            phone: "0912".into(),
            anonymous: true,
            about_office: Some(about),
            about_staff: String::new(),
            body: "دیر".into(),
            route_office: Some(about),
            state: TicketState::Open,
            due_on: time::macros::date!(2026 - 12 - 10),
            answer: String::new(),
            answered_role: String::new(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            answered_at: None,
        };
        let seen = t.clone().seen_by(Some(about));
        assert_eq!(
            (
                seen.person,
                seen.name.as_str(),
                seen.registry_no.as_str(),
                seen.phone.as_str()
            ),
            (None, "", "", "")
        );
        assert_eq!(
            t.clone().seen_by(authority_view),
            t,
            "the authority sees who"
        );
        assert_eq!(t.clone().seen_by(other), t);
        let open = Ticket {
            anonymous: false,
            ..t.clone()
        };
        assert_eq!(
            open.clone().seen_by(Some(about)),
            open,
            "not anonymous: shown"
        );
        assert!(t.overdue(time::macros::date!(2026 - 12 - 11)));
        assert!(!t.overdue(time::macros::date!(2026 - 12 - 10)));
    }

    #[test]
    fn only_the_routed_office_or_the_authority_answers() {
        let (a, b) = (OfficeId::new(), OfficeId::new());
        assert!(may_answer(Route::Office(a), Some(a)));
        assert!(!may_answer(Route::Office(a), Some(b)));
        assert!(!may_answer(Route::Authority, Some(a)));
        assert!(may_answer(Route::Authority, None));
        assert!(may_answer(Route::Office(a), None));
        assert_eq!(
            parse_answer("  ").unwrap_err().code,
            "helpdesk.answer.required"
        );
    }

    #[test]
    fn codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.code()).unwrap(), *c);
        }
        for k in TicketKind::ALL {
            assert_eq!(TicketKind::parse(k.code()).unwrap(), *k);
        }
    }

    /// An open phone complaint of delay to the authority, for the rules' tests.
    fn ticket() -> Ticket {
        Ticket {
            id: "01J".into(),
            reference: "HD-1".into(),
            kind: TicketKind::Complaint,
            category: Category::Delay,
            channel: Channel::Phone,
            person: None,
            name: "رحیم".into(),
            registry_no: String::new(),
            phone: String::new(),
            anonymous: false,
            about_office: None,
            about_staff: String::new(),
            body: "متن".into(),
            route_office: None,
            state: TicketState::Open,
            due_on: time::macros::date!(2026 - 12 - 10),
            answer: String::new(),
            answered_role: String::new(),
            created_at: OffsetDateTime::UNIX_EPOCH,
            answered_at: None,
        }
    }

    #[test]
    fn a_status_needs_the_same_phone() {
        assert_eq!(phone_key("۰۹۱۲ ۱۲۳ ۴۵۶۷"), "9121234567");
        assert_eq!(phone_key("+98 912-123-4567"), "9121234567");
        assert_eq!(phone_key(""), "");
        let t = Ticket {
            phone: "09121234567".into(),
            ..ticket()
        };
        let s = t.status_for("+98 912 123 4567").unwrap();
        assert_eq!((s.reference.as_str(), s.state), ("HD-1", TicketState::Open));
        assert_eq!(
            t.status_for("09121234568").unwrap_err().code,
            "helpdesk.status.not_found"
        );
        assert_eq!(
            t.status_for("4567").unwrap_err().code,
            "helpdesk.status.not_found"
        );
        let mut no_phone = t.clone();
        no_phone.phone = String::new();
        assert_eq!(
            no_phone.status_for("").unwrap_err().code,
            "helpdesk.status.not_found"
        );
    }

    #[test]
    fn the_authority_forwards_an_open_ticket_but_not_to_the_office_complained_about() {
        let (a, b) = (OfficeId::new(), OfficeId::new());
        let t = Ticket {
            category: Category::Bribe,
            channel: Channel::Portal,
            anonymous: true,
            about_office: Some(b),
            ..ticket()
        };
        assert!(may_forward(&t, a).is_ok());
        assert_eq!(
            may_forward(&t, b).unwrap_err().code,
            "helpdesk.forward.about_office"
        );
        let routed = Ticket {
            route_office: Some(a),
            ..t.clone()
        };
        assert_eq!(may_forward(&routed, b).unwrap_err().code, "auth.forbidden");
        let answered = Ticket {
            state: TicketState::Answered,
            ..t
        };
        assert_eq!(
            may_forward(&answered, a).unwrap_err().code,
            "helpdesk.ticket.answered"
        );
    }
}
