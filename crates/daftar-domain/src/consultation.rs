//! Consultations on the offices' directive (issue 18, part 6). The authority publishes a draft
//! directive — a title and a text in numbered sections — with a comment deadline; offices (their
//! managers, for their own office) and the association's province branches comment section by
//! section until the deadline; the authority may publish revised drafts (version 2, 3, …) and
//! finally the final version with a summary of what changed. Every published version is kept
//! and never changed. Provincial branches also file problems and proposals that the authority
//! answers, with a status. Rules here, pure:
//!
//! - a consultation is `draft` (its latest version is a draft) or `final`; comments are taken
//!   only on a draft, up to and including its deadline day (the offices' today), and on the
//!   latest version only ([`Consultation::check_comment`]);
//! - a revision or the final version is refused once final (`consultation.final`);
//! - the change between the last draft and the final version is computed here, per section and
//!   word by word ([`diff`]);
//! - a proposal's status moves freely among open, under review and answered; closed is the end;
//!   "answered" needs an answer ([`Proposal::check_update`]).
//!
//! Commenters are offices or branches, never persons: a comment names the office (its code) or
//! the branch, not the staff member who wrote it (the audit log does).

use crate::ids::OfficeId;
use crate::jalali::JalaliDate;
use crate::text::Text;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};

/// Longest title, in characters.
pub const MAX_TITLE: usize = 200;
/// Most sections in a version.
pub const MAX_SECTIONS: usize = 60;
/// Longest section heading.
pub const MAX_HEADING: usize = 200;
/// Longest section text.
pub const MAX_SECTION_TEXT: usize = 8000;
/// Longest comment, summary of changes, proposal text or answer.
pub const MAX_TEXT: usize = 4000;
/// Longest proposal subject.
pub const MAX_SUBJECT: usize = 200;
/// How far ahead a comment deadline may be, in days.
pub const MAX_DEADLINE_DAYS: i64 = 366;

/// Whether the latest version is a draft or the final text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConsultationState {
    /// A draft is out for comment (or its deadline passed, awaiting the final version).
    Draft,
    /// The final version is published; no more comments or revisions.
    Final,
}

/// What a caller can do now (derived from the state and the offices' today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Comments are taken (a draft, deadline not passed).
    Open,
    /// The deadline passed; the authority may revise or publish the final version.
    Closed,
    /// The final version is published.
    Final,
}

/// A version's kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// A draft for comment.
    Draft,
    /// The final text.
    Final,
}

/// Whether a problem or a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalKind {
    /// A problem the branch's offices meet.
    Problem,
    /// A proposal to the authority.
    Proposal,
}

/// Where a proposal stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    /// Filed, not looked at yet.
    Open,
    /// The authority is looking into it.
    UnderReview,
    /// Answered; the branch sees the answer.
    Answered,
    /// Closed: no further change.
    Closed,
}

use crate::code_impl as codes;

codes!(ConsultationState { Draft => "draft", Final => "final" } "consultation.state.invalid");
codes!(Phase { Open => "open", Closed => "closed", Final => "final" } "consultation.state.invalid");
codes!(VersionKind { Draft => "draft", Final => "final" } "consultation.state.invalid");
codes!(ProposalKind { Problem => "problem", Proposal => "proposal" } "proposal.kind.invalid");
codes!(ProposalStatus {
    Open => "open",
    UnderReview => "under_review",
    Answered => "answered",
    Closed => "closed",
} "proposal.status.invalid");

/// One numbered section of a version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConsultationSection {
    /// Its number (1, 2, …, in order).
    pub number: u32,
    /// Heading (may be empty).
    pub heading: String,
    /// Text (paragraphs separated by line breaks).
    pub text: String,
}

/// Parses sections as typed (heading, text), numbered in order: 1 to [`MAX_SECTIONS`] of them
/// (`consultation.sections.invalid`), each with a text of at most [`MAX_SECTION_TEXT`] characters
/// and a heading of at most [`MAX_HEADING`] (`consultation.section.invalid`, naming the
/// section's number). Sections left wholly blank are dropped first (a form's empty rows).
pub fn parse_sections(input: &[(String, String)]) -> Result<Vec<ConsultationSection>> {
    let kept: Vec<&(String, String)> = input
        .iter()
        .filter(|(h, t)| !h.trim().is_empty() || !t.trim().is_empty())
        .collect();
    if kept.is_empty() || kept.len() > MAX_SECTIONS {
        return Err(Error::invalid("consultation.sections.invalid")
            .with_field("sections")
            .with_detail("max", serde_json::json!(MAX_SECTIONS)));
    }
    kept.into_iter()
        .enumerate()
        .map(|(i, (h, t))| {
            let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let bad = |e: Error| e.with_detail("section", serde_json::json!(number));
            let heading =
                Text::<MAX_HEADING>::optional(h, "consultation.section.invalid", "sections")
                    .map_err(bad)?;
            let text =
                Text::<MAX_SECTION_TEXT>::required(t, "consultation.section.invalid", "sections")
                    .map_err(bad)?;
            Ok(ConsultationSection {
                number,
                heading: heading.into_string(),
                text: text.into_string(),
            })
        })
        .collect()
}

/// Parses a comment deadline (ISO or Solar Hijri; `consultation.deadline.invalid`, 422) that
/// must lie from `today` (the offices') to [`MAX_DEADLINE_DAYS`] ahead
/// (`consultation.deadline.past` / `consultation.deadline.too_far`, 409).
pub fn parse_deadline(s: &str, today: Date) -> Result<Date> {
    let d = JalaliDate::parse(s.trim())
        .map(|d| d.iso())
        .map_err(|_| Error::invalid("consultation.deadline.invalid").with_field("deadline"))?;
    if d < today {
        return Err(Error::conflict("consultation.deadline.past").with_field("deadline"));
    }
    if d > today + time::Duration::days(MAX_DEADLINE_DAYS) {
        return Err(Error::conflict("consultation.deadline.too_far").with_field("deadline"));
    }
    Ok(d)
}

/// A draft directive to publish (version 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsultation {
    /// Title.
    pub title: Text<MAX_TITLE>,
    /// The draft's sections.
    pub sections: Vec<ConsultationSection>,
    /// The last day comments are taken.
    pub deadline: Date,
}

impl NewConsultation {
    /// Parses title (`consultation.title.invalid`), sections and deadline.
    pub fn parse(
        title: &str,
        sections: &[(String, String)],
        deadline: &str,
        today: Date,
    ) -> Result<Self> {
        Ok(Self {
            title: Text::required(title, "consultation.title.invalid", "title")?,
            sections: parse_sections(sections)?,
            deadline: parse_deadline(deadline, today)?,
        })
    }
}

/// A revised draft: its sections and (new or kept) deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    /// Sections of the revised draft.
    pub sections: Vec<ConsultationSection>,
    /// The last day comments are taken on it.
    pub deadline: Date,
}

impl Revision {
    /// Parses sections and deadline.
    pub fn parse(sections: &[(String, String)], deadline: &str, today: Date) -> Result<Self> {
        Ok(Self {
            sections: parse_sections(sections)?,
            deadline: parse_deadline(deadline, today)?,
        })
    }
}

/// The final version: its sections and the summary of what changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finalisation {
    /// Sections of the final text.
    pub sections: Vec<ConsultationSection>,
    /// What changed since the last draft, in the authority's words
    /// (`consultation.summary.invalid`: required, at most [`MAX_TEXT`]).
    pub summary: Text<MAX_TEXT>,
}

impl Finalisation {
    /// Parses sections and summary.
    pub fn parse(sections: &[(String, String)], summary: &str) -> Result<Self> {
        Ok(Self {
            sections: parse_sections(sections)?,
            summary: Text::required(summary, "consultation.summary.invalid", "summary")?,
        })
    }
}

/// A comment to make on one section of the version the commenter read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    /// The version read (must be the latest draft).
    pub version: u32,
    /// The section's number.
    pub section: u32,
    /// The comment (`consultation.comment.invalid`).
    pub body: Text<MAX_TEXT>,
}

impl NewComment {
    /// Parses the comment's text; version and section are checked against the consultation
    /// ([`Consultation::check_comment`]).
    pub fn parse(version: u32, section: u32, body: &str) -> Result<Self> {
        Ok(Self {
            version,
            section,
            body: Text::required(body, "consultation.comment.invalid", "body")?,
        })
    }
}

/// Who comments or files: an office (by its manager) or a province branch of the association
/// (by its staff). Never a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Commenter {
    /// An office.
    Office(OfficeId),
    /// A province branch of the association, by name.
    Branch(String),
}

/// A published version, never changed once published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConsultationVersion {
    /// 1, 2, …
    pub number: u32,
    /// Draft or final.
    pub kind: VersionKind,
    /// Its sections.
    pub sections: Vec<ConsultationSection>,
    /// The comment deadline of a draft (ISO; the final version keeps the last draft's).
    #[serde(with = "crate::case::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub deadline: Date,
    /// The summary of what changed (the final version only; empty for drafts).
    pub summary: String,
    /// When it was published.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub published_at: OffsetDateTime,
}

/// A consultation as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Consultation {
    /// Id (ULID).
    pub id: String,
    /// Title.
    pub title: String,
    /// Draft or final.
    pub state: ConsultationState,
    /// The number of the latest version (also the `ETag`).
    pub version: u32,
    /// The latest draft's comment deadline (ISO).
    #[serde(with = "crate::case::iso_date")]
    #[schema(value_type = String, format = Date)]
    pub deadline: Date,
    /// When version 1 was published.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When the latest version was published.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl Consultation {
    /// What can be done on `today` (the offices' date).
    pub fn phase(&self, today: Date) -> Phase {
        match self.state {
            ConsultationState::Final => Phase::Final,
            ConsultationState::Draft if today > self.deadline => Phase::Closed,
            ConsultationState::Draft => Phase::Open,
        }
    }

    /// A revision or the final version may be published while the latest version is a draft
    /// (`consultation.final`, 409, once final).
    pub fn check_draft(&self) -> Result<()> {
        match self.state {
            ConsultationState::Final => Err(Error::conflict("consultation.final")),
            ConsultationState::Draft => Ok(()),
        }
    }

    /// A revision must change the text or the deadline (`consultation.revision.unchanged`).
    pub fn check_revision(&self, current: &[ConsultationSection], r: &Revision) -> Result<()> {
        self.check_draft()?;
        if r.sections == current && r.deadline == self.deadline {
            return Err(Error::conflict("consultation.revision.unchanged"));
        }
        Ok(())
    }

    /// Whether a comment may be made on `today`: not on the final version
    /// (`consultation.final`), not after the deadline (`consultation.closed`), only on the
    /// latest version (`consultation.version.superseded`, with the latest) and on one of its
    /// sections (`consultation.section.unknown`). All 409: well-formed, refused by the state.
    pub fn check_comment(
        &self,
        sections: &[ConsultationSection],
        c: &NewComment,
        today: Date,
    ) -> Result<()> {
        match self.phase(today) {
            Phase::Final => return Err(Error::conflict("consultation.final")),
            Phase::Closed => {
                return Err(Error::conflict("consultation.closed").with_detail(
                    "deadline",
                    serde_json::json!(crate::jalali::iso_day(self.deadline)),
                ));
            }
            Phase::Open => {}
        }
        if c.version != self.version {
            return Err(Error::conflict("consultation.version.superseded")
                .with_detail("version", serde_json::json!(self.version)));
        }
        if !sections.iter().any(|s| s.number == c.section) {
            return Err(Error::conflict("consultation.section.unknown")
                .with_field("section")
                .with_detail("section", serde_json::json!(c.section)));
        }
        Ok(())
    }
}

/// A comment as stored: on which version and section, from which office or branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConsultationComment {
    /// Id (ULID).
    pub id: String,
    /// The version it was made on.
    pub version: u32,
    /// The section's number.
    pub section: u32,
    /// The commenting office's code (empty for a branch).
    pub office_code: String,
    /// The commenting branch (empty for an office).
    pub branch: String,
    /// The comment.
    pub body: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// How a section changed between the last draft and the final version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The same heading and text.
    Unchanged,
    /// Heading or text changed.
    Changed,
    /// Only in the final version.
    Added,
    /// Only in the draft.
    Removed,
}

/// A run of words in a word-by-word comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PieceKind {
    /// In both.
    Same,
    /// Only in the final version.
    Added,
    /// Only in the draft.
    Removed,
}

/// A run of text of one kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DiffPiece {
    /// Same, added or removed.
    pub kind: PieceKind,
    /// The words, with the spaces after them.
    pub text: String,
}

/// One section's change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SectionDiff {
    /// The section's number.
    pub number: u32,
    /// How it changed.
    pub change: Change,
    /// Heading in the draft (empty when added).
    pub heading_before: String,
    /// Heading in the final version (empty when removed).
    pub heading_after: String,
    /// The text word by word (all `same` when unchanged).
    pub pieces: Vec<DiffPiece>,
}

/// Words with the whitespace after each (a leading run of spaces is a token of its own).
fn tokens(s: &str) -> Vec<&str> {
    let mut out = vec![];
    let mut start = 0;
    let mut in_space = s.starts_with(char::is_whitespace);
    for (i, c) in s.char_indices() {
        let space = c.is_whitespace();
        if in_space && !space {
            if i > start {
                out.push(&s[start..i]);
            }
            start = i;
        }
        in_space = space;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// Longest comparison table ([`word_diff`] falls back to "all removed, all added" beyond).
const MAX_CELLS: usize = 4_000_000;

fn push(out: &mut Vec<DiffPiece>, kind: PieceKind, text: &str) {
    if text.is_empty() {
        return;
    }
    match out.last_mut() {
        Some(last) if last.kind == kind => last.text.push_str(text),
        _ => out.push(DiffPiece {
            kind,
            text: text.to_owned(),
        }),
    }
}

/// `before` and `after` compared word by word (longest common subsequence of words; a word's
/// trailing spaces are compared with it only as a word, so a changed line break is no change).
pub fn word_diff(before: &str, after: &str) -> Vec<DiffPiece> {
    let (a, b) = (tokens(before), tokens(after));
    let key = |t: &str| t.trim_end().to_owned();
    let (ka, kb): (Vec<String>, Vec<String>) = (
        a.iter().map(|t| key(t)).collect(),
        b.iter().map(|t| key(t)).collect(),
    );
    let mut out = vec![];
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > MAX_CELLS {
        push(&mut out, PieceKind::Removed, before);
        push(&mut out, PieceKind::Added, after);
        return out;
    }
    // lcs[i][j]: the longest common run of a[i..] and b[j..].
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if ka[i] == kb[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && ka[i] == kb[j] {
            push(&mut out, PieceKind::Same, b[j]);
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            // Removed words come before the words added in their place.
            push(&mut out, PieceKind::Removed, a[i]);
            i += 1;
        } else {
            push(&mut out, PieceKind::Added, b[j]);
            j += 1;
        }
    }
    out
}

/// The change from `draft` to `final_` section by section (matched by number), in number order.
pub fn diff(draft: &[ConsultationSection], final_: &[ConsultationSection]) -> Vec<SectionDiff> {
    let max = draft
        .iter()
        .chain(final_)
        .map(|s| s.number)
        .max()
        .unwrap_or(0);
    (1..=max)
        .filter_map(|n| {
            let before = draft.iter().find(|s| s.number == n);
            let after = final_.iter().find(|s| s.number == n);
            let (change, pieces) = match (before, after) {
                (None, None) => return None,
                (Some(b), None) => (
                    Change::Removed,
                    vec![DiffPiece {
                        kind: PieceKind::Removed,
                        text: b.text.clone(),
                    }],
                ),
                (None, Some(a)) => (
                    Change::Added,
                    vec![DiffPiece {
                        kind: PieceKind::Added,
                        text: a.text.clone(),
                    }],
                ),
                (Some(b), Some(a)) if b.heading == a.heading && b.text == a.text => (
                    Change::Unchanged,
                    vec![DiffPiece {
                        kind: PieceKind::Same,
                        text: a.text.clone(),
                    }],
                ),
                (Some(b), Some(a)) => (Change::Changed, word_diff(&b.text, &a.text)),
            };
            Some(SectionDiff {
                number: n,
                change,
                heading_before: before.map(|s| s.heading.clone()).unwrap_or_default(),
                heading_after: after.map(|s| s.heading.clone()).unwrap_or_default(),
                pieces,
            })
        })
        .collect()
}

/// A consultation with every version, its phase on the offices' today, and (once final) the
/// change from the last draft to the final version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ConsultationView {
    /// The consultation.
    pub consultation: Consultation,
    /// Its phase today.
    pub phase: Phase,
    /// Every version, oldest first.
    pub versions: Vec<ConsultationVersion>,
    /// The change from the last draft to the final version (empty before).
    pub changes: Vec<SectionDiff>,
}

impl ConsultationView {
    /// Builds the view; the changes are computed when the latest version is final.
    pub fn new(
        consultation: Consultation,
        versions: Vec<ConsultationVersion>,
        today: Date,
    ) -> Self {
        let changes = match versions.as_slice() {
            [.., draft, last] if last.kind == VersionKind::Final => {
                diff(&draft.sections, &last.sections)
            }
            _ => vec![],
        };
        Self {
            phase: consultation.phase(today),
            consultation,
            versions,
            changes,
        }
    }

    /// The latest version.
    pub fn latest(&self) -> Option<&ConsultationVersion> {
        self.versions.last()
    }
}

/// A problem or proposal to file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProposal {
    /// Problem or proposal.
    pub kind: ProposalKind,
    /// Subject (`proposal.subject.invalid`).
    pub subject: Text<MAX_SUBJECT>,
    /// Text (`proposal.body.invalid`).
    pub body: Text<MAX_TEXT>,
}

impl NewProposal {
    /// Parses kind, subject and text.
    pub fn parse(kind: &str, subject: &str, body: &str) -> Result<Self> {
        Ok(Self {
            kind: ProposalKind::parse(kind.trim()).map_err(|e| e.with_field("kind"))?,
            subject: Text::required(subject, "proposal.subject.invalid", "subject")?,
            body: Text::required(body, "proposal.body.invalid", "body")?,
        })
    }
}

/// The authority's answer and status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalUpdate {
    /// The new status.
    pub status: ProposalStatus,
    /// A new answer (empty: the answer stands).
    pub answer: Text<MAX_TEXT>,
}

impl ProposalUpdate {
    /// Parses status (`proposal.status.invalid`) and answer (`proposal.answer.invalid`).
    pub fn parse(status: &str, answer: &str) -> Result<Self> {
        Ok(Self {
            status: ProposalStatus::parse(status.trim()).map_err(|e| e.with_field("status"))?,
            answer: Text::optional(answer, "proposal.answer.invalid", "answer")?,
        })
    }
}

/// A problem or proposal filed by a province branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    /// Id (ULID).
    pub id: String,
    /// The filing branch.
    pub branch: String,
    /// Problem or proposal.
    pub kind: ProposalKind,
    /// Subject.
    pub subject: String,
    /// Text.
    pub body: String,
    /// Where it stands.
    pub status: ProposalStatus,
    /// The authority's answer (empty until answered).
    pub answer: String,
    /// When it was last answered.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub answered_at: Option<OffsetDateTime>,
    /// Version (the `ETag`; send it in `If-Match` with an answer).
    pub version: i64,
    /// When filed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// When last changed.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

impl Proposal {
    /// Whether the authority may set `u`: not once closed (`proposal.closed`); "answered" needs
    /// an answer, given now or before (`proposal.answer.required`). Both 409.
    pub fn check_update(&self, u: &ProposalUpdate) -> Result<()> {
        if self.status == ProposalStatus::Closed {
            return Err(Error::conflict("proposal.closed"));
        }
        if u.status == ProposalStatus::Answered && u.answer.is_empty() && self.answer.is_empty() {
            return Err(Error::conflict("proposal.answer.required").with_field("answer"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::{date, datetime};

    fn secs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(h, t)| ((*h).to_owned(), (*t).to_owned()))
            .collect()
    }

    fn consultation(state: ConsultationState, deadline: Date, version: u32) -> Consultation {
        Consultation {
            id: "01JD0000000000000000000000".into(),
            title: String::from("آیین‌نامه"),
            state,
            version,
            deadline,
            created_at: datetime!(2026-01-01 0:00 UTC),
            updated_at: datetime!(2026-01-01 0:00 UTC),
        }
    }

    #[test]
    fn sections_are_numbered_in_order_and_blank_rows_dropped() {
        let s = parse_sections(&secs(&[("کلیات", " متن یک "), ("", ""), ("", "متن دو")])).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].number, s[0].heading.as_str(), s[0].text.as_str()),
            (1, "کلیات", "متن یک")
        );
        assert_eq!((s[1].number, s[1].heading.as_str()), (2, ""));
        assert_eq!(
            parse_sections(&secs(&[("", " ")])).unwrap_err().code,
            "consultation.sections.invalid"
        );
        let many: Vec<_> = (0..=MAX_SECTIONS)
            .map(|_| ("".to_owned(), "x".to_owned()))
            .collect();
        assert_eq!(
            parse_sections(&many).unwrap_err().code,
            "consultation.sections.invalid"
        );
        let e = parse_sections(&secs(&[("a", "x"), ("heading only", "")])).unwrap_err();
        assert_eq!(
            (e.code, e.details["section"].as_u64()),
            ("consultation.section.invalid", Some(2))
        );
        let e = parse_sections(&secs(&[("", "bad\u{0}")])).unwrap_err();
        assert_eq!(e.code, "consultation.section.invalid");
        let long = "x".repeat(MAX_SECTION_TEXT + 1);
        assert!(parse_sections(&[(String::new(), long)]).is_err());
    }

    #[test]
    fn the_deadline_is_a_day_from_today_within_a_year() {
        let today = date!(2026 - 03 - 20);
        assert_eq!(
            parse_deadline("1405/01/10", today).unwrap(),
            date!(2026 - 03 - 30)
        );
        assert_eq!(
            parse_deadline("۱۴۰۵/۰۱/۱۰", today).unwrap(),
            date!(2026 - 03 - 30)
        );
        assert_eq!(parse_deadline("2026-03-20", today).unwrap(), today);
        assert_eq!(
            parse_deadline("2026-03-19", today).unwrap_err().code,
            "consultation.deadline.past"
        );
        assert_eq!(
            parse_deadline("2027-04-01", today).unwrap_err().code,
            "consultation.deadline.too_far"
        );
        for bad in ["", "tomorrow", "1405/13/01"] {
            assert_eq!(
                parse_deadline(bad, today).unwrap_err().code,
                "consultation.deadline.invalid"
            );
        }
    }

    #[test]
    fn comments_are_taken_on_the_latest_draft_until_the_deadline_day() {
        let deadline = date!(2026 - 03 - 20);
        let c = consultation(ConsultationState::Draft, deadline, 2);
        let sections = parse_sections(&secs(&[("", "a"), ("", "b")])).unwrap();
        let ok = NewComment::parse(2, 2, "نظر").unwrap();
        assert_eq!(c.phase(deadline), Phase::Open);
        assert!(c.check_comment(&sections, &ok, deadline).is_ok());
        // The day after the deadline: closed.
        let next = deadline + time::Duration::days(1);
        assert_eq!(c.phase(next), Phase::Closed);
        assert_eq!(
            c.check_comment(&sections, &ok, next).unwrap_err().code,
            "consultation.closed"
        );
        // An older version, an unknown section.
        let old = NewComment::parse(1, 1, "x").unwrap();
        let e = c.check_comment(&sections, &old, deadline).unwrap_err();
        assert_eq!(
            (e.code, e.details["version"].as_u64()),
            ("consultation.version.superseded", Some(2))
        );
        let nowhere = NewComment::parse(2, 3, "x").unwrap();
        assert_eq!(
            c.check_comment(&sections, &nowhere, deadline)
                .unwrap_err()
                .code,
            "consultation.section.unknown"
        );
        // Final: no comment, even before the deadline.
        let f = consultation(ConsultationState::Final, deadline, 3);
        assert_eq!(f.phase(deadline), Phase::Final);
        assert_eq!(
            f.check_comment(
                &sections,
                &NewComment::parse(3, 1, "x").unwrap(),
                deadline - time::Duration::days(5)
            )
            .unwrap_err()
            .code,
            "consultation.final"
        );
        assert_eq!(
            NewComment::parse(2, 1, "  ").unwrap_err().code,
            "consultation.comment.invalid"
        );
    }

    #[test]
    fn revisions_and_the_final_version_only_while_a_draft() {
        let today = date!(2026 - 03 - 01);
        let deadline = date!(2026 - 03 - 20);
        let c = consultation(ConsultationState::Draft, deadline, 1);
        let current = parse_sections(&secs(&[("", "a")])).unwrap();
        let same = Revision::parse(&secs(&[("", "a")]), "2026-03-20", today).unwrap();
        assert_eq!(
            c.check_revision(&current, &same).unwrap_err().code,
            "consultation.revision.unchanged"
        );
        let later = Revision::parse(&secs(&[("", "a")]), "2026-03-25", today).unwrap();
        assert!(c.check_revision(&current, &later).is_ok());
        let f = consultation(ConsultationState::Final, deadline, 2);
        assert_eq!(
            f.check_revision(&current, &later).unwrap_err().code,
            "consultation.final"
        );
        assert_eq!(f.check_draft().unwrap_err().code, "consultation.final");
        assert_eq!(
            Finalisation::parse(&secs(&[("", "a")]), " ")
                .unwrap_err()
                .code,
            "consultation.summary.invalid"
        );
        assert_eq!(
            NewConsultation::parse(" ", &secs(&[("", "a")]), "2026-03-20", today)
                .unwrap_err()
                .code,
            "consultation.title.invalid"
        );
    }

    #[test]
    fn word_diff_marks_added_and_removed_words() {
        let d = word_diff(
            "دفتر باید تا ساعت ۱۴ باز باشد",
            "دفتر باید تا ساعت ۱۶ باز باشد",
        );
        let kinds: Vec<(PieceKind, &str)> = d.iter().map(|p| (p.kind, p.text.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (PieceKind::Same, "دفتر باید تا ساعت "),
                (PieceKind::Removed, "۱۴ "),
                (PieceKind::Added, "۱۶ "),
                (PieceKind::Same, "باز باشد"),
            ]
        );
        // The final text is the same and added pieces; the draft the same and removed ones.
        let after: String = d
            .iter()
            .filter(|p| p.kind != PieceKind::Removed)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!(after, "دفتر باید تا ساعت ۱۶ باز باشد");
        assert_eq!(
            word_diff("", "a b"),
            vec![DiffPiece {
                kind: PieceKind::Added,
                text: "a b".into()
            }]
        );
        assert_eq!(
            word_diff("a", "a"),
            vec![DiffPiece {
                kind: PieceKind::Same,
                text: "a".into()
            }]
        );
        // A changed line break alone is not a change of words.
        assert!(
            word_diff("a b\nc", "a b c")
                .iter()
                .all(|p| p.kind == PieceKind::Same)
        );
    }

    #[test]
    fn diff_is_per_section_by_number() {
        let draft =
            parse_sections(&secs(&[("کلیات", "یک"), ("ساعات", "تا ۱۴"), ("حذف", "سه")])).unwrap();
        let final_ = parse_sections(&secs(&[("کلیات", "یک"), ("ساعات کار", "تا ۱۶")])).unwrap();
        let d = diff(&draft, &final_);
        let changes: Vec<(u32, Change)> = d.iter().map(|s| (s.number, s.change)).collect();
        assert_eq!(
            changes,
            [
                (1, Change::Unchanged),
                (2, Change::Changed),
                (3, Change::Removed)
            ]
        );
        assert_eq!(
            (d[1].heading_before.as_str(), d[1].heading_after.as_str()),
            ("ساعات", "ساعات کار")
        );
        let added = diff(&final_, &draft);
        assert_eq!(added[2].change, Change::Added);
        // A heading change alone is a change, its text all the same.
        let h = diff(
            &draft[..1],
            &parse_sections(&secs(&[("مقدمه", "یک")])).unwrap(),
        );
        assert_eq!(h[0].change, Change::Changed);
        assert!(h[0].pieces.iter().all(|p| p.kind == PieceKind::Same));
    }

    #[test]
    fn the_view_shows_changes_once_final() {
        let v = |n: u32, kind, text: &str| ConsultationVersion {
            number: n,
            kind,
            sections: parse_sections(&secs(&[("", text)])).unwrap(),
            deadline: date!(2026 - 03 - 20),
            summary: String::new(),
            published_at: datetime!(2026-01-01 0:00 UTC),
        };
        let today = date!(2026 - 03 - 01);
        let draft = ConsultationView::new(
            consultation(ConsultationState::Draft, date!(2026 - 03 - 20), 2),
            vec![v(1, VersionKind::Draft, "a"), v(2, VersionKind::Draft, "b")],
            today,
        );
        assert!(draft.changes.is_empty());
        assert_eq!(draft.phase, Phase::Open);
        let fin = ConsultationView::new(
            consultation(ConsultationState::Final, date!(2026 - 03 - 20), 3),
            vec![
                v(1, VersionKind::Draft, "a"),
                v(2, VersionKind::Draft, "b"),
                v(3, VersionKind::Final, "c"),
            ],
            today,
        );
        // Against the last draft (b), not the first.
        assert_eq!(
            fin.changes[0].pieces[0],
            DiffPiece {
                kind: PieceKind::Removed,
                text: "b".into()
            }
        );
        assert_eq!(fin.phase, Phase::Final);
        assert_eq!(fin.latest().unwrap().number, 3);
    }

    #[test]
    fn proposals_move_until_closed_and_an_answer_comes_with_answered() {
        let p = Proposal {
            id: "x".into(),
            branch: "تهران".into(),
            kind: ProposalKind::Problem,
            subject: "s".into(),
            body: "b".into(),
            status: ProposalStatus::Open,
            answer: String::new(),
            answered_at: None,
            version: 1,
            created_at: datetime!(2026-01-01 0:00 UTC),
            updated_at: datetime!(2026-01-01 0:00 UTC),
        };
        let u = |s: &str, a: &str| ProposalUpdate::parse(s, a).unwrap();
        assert!(p.check_update(&u("under_review", "")).is_ok());
        assert_eq!(
            p.check_update(&u("answered", " ")).unwrap_err().code,
            "proposal.answer.required"
        );
        assert!(p.check_update(&u("answered", "پاسخ")).is_ok());
        let answered = Proposal {
            answer: "پاسخ".into(),
            status: ProposalStatus::Answered,
            ..p.clone()
        };
        assert!(answered.check_update(&u("answered", "")).is_ok());
        assert!(answered.check_update(&u("closed", "")).is_ok());
        let closed = Proposal {
            status: ProposalStatus::Closed,
            ..answered
        };
        assert_eq!(
            closed.check_update(&u("open", "")).unwrap_err().code,
            "proposal.closed"
        );
        assert_eq!(
            ProposalUpdate::parse("done", "").unwrap_err().code,
            "proposal.status.invalid"
        );
        assert_eq!(
            NewProposal::parse("idea", "s", "b").unwrap_err().code,
            "proposal.kind.invalid"
        );
        assert_eq!(
            NewProposal::parse("problem", "", "b").unwrap_err().code,
            "proposal.subject.invalid"
        );
        assert_eq!(
            NewProposal::parse("proposal", "s", "").unwrap_err().code,
            "proposal.body.invalid"
        );
        assert_eq!(
            NewProposal::parse(" proposal ", "s", "b").unwrap().kind,
            ProposalKind::Proposal
        );
    }
}
