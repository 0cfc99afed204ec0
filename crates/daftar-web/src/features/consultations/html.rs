//! The pages: `/consultations` (list), `/consultations/new`, `/consultations/{id}` (the latest
//! text with a comment form per section while open, comments by section, earlier versions,
//! the revision and final forms for the authority, and the change once final), and
//! `/consultations/proposals…`.

use super::{Role, path_id, proposal_reach, require_authority, role};
use crate::auth::{CsrfForm, Staff};
use crate::conditional;
use crate::error::WebResult;
use crate::extract::{Path, Query};
use crate::pages::{PageCtx, Pager, form_error, render};
use crate::state::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use daftar_domain::audit::purpose;
use daftar_domain::consultation::{
    Change, Commenter, ConsultationComment, ConsultationSection, ConsultationState,
    ConsultationView, Finalisation, MAX_SECTIONS, NewComment, NewConsultation, NewProposal, Phase,
    PieceKind, Proposal, ProposalKind, ProposalStatus, ProposalUpdate, Revision,
};
use daftar_domain::jalali::{JalaliDate, iso_day};
use daftar_domain::page::PageRequest;
use daftar_domain::{Error, Result};
use serde::Deserialize;

/// Blank section rows a form offers after the sections it is prefilled with.
const BLANK_ROWS: usize = 3;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    page: Option<u32>,
    per_page: Option<u32>,
}

impl ListQuery {
    fn request(&self) -> PageRequest {
        PageRequest {
            page: self.page.unwrap_or(1).max(1),
            per_page: self.per_page.unwrap_or(50),
        }
    }
}

/// A consultation in the list.
struct Line {
    id: String,
    title: String,
    phase: String,
    phase_code: &'static str,
    version: String,
    deadline: String,
    updated: String,
}

#[derive(Template)]
#[template(path = "consultations/list.html")]
struct ListPage {
    page: PageCtx,
    lines: Vec<Line>,
    pager: Pager,
    authority: bool,
    proposals: bool,
}

pub async fn list(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let who = role(&state, &staff).await?;
    let req = q.request();
    let found = state.db(move |s| s.consultations(req)).await?;
    let page = PageCtx::new(&state, &staff.ctx);
    let today = state.today();
    let tr = &page.tr;
    let lines = found
        .items
        .iter()
        .map(|c| {
            let phase = c.phase(today);
            Line {
                id: c.id.clone(),
                title: c.title.clone(),
                phase: tr.t(&format!("consult-phase-{}", phase.code())),
                phase_code: phase.code(),
                version: tr.num(u64::from(c.version)),
                deadline: tr.date(&iso_day(c.deadline)),
                updated: tr.datetime(&c.updated_at),
            }
        })
        .collect();
    let authority = who == Role::Authority;
    let proposals = authority
        || matches!(who, Role::Commenter(Commenter::Branch(_)))
            && staff
                .principal()
                .has(daftar_domain::permission::Permission::ProposalFile);
    Ok(render(
        StatusCode::OK,
        &ListPage {
            pager: Pager::new("/consultations", &found),
            page,
            lines,
            authority,
            proposals,
        },
    ))
}

/// A section row of a form.
struct Row {
    n: usize,
    shown: String,
    heading: String,
    text: String,
}

fn rows(tr: &crate::i18n::Tr, sections: &[ConsultationSection]) -> Vec<Row> {
    let filled = sections.iter().map(|s| (s.heading.clone(), s.text.clone()));
    filled
        .chain(std::iter::repeat_n(
            (String::new(), String::new()),
            BLANK_ROWS,
        ))
        .take(MAX_SECTIONS)
        .enumerate()
        .map(|(i, (heading, text))| Row {
            n: i + 1,
            shown: tr.num(i as u64 + 1),
            heading,
            text,
        })
        .collect()
}

/// The sections of a form: `heading_N`, `text_N` (blank rows are dropped by the parser).
fn sections_of(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let one = |n: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let last = pairs
        .iter()
        .filter_map(|(k, _)| {
            k.strip_prefix("text_")
                .or_else(|| k.strip_prefix("heading_"))
        })
        .filter_map(|n| n.parse::<usize>().ok())
        .max()
        .unwrap_or(0)
        .min(MAX_SECTIONS + BLANK_ROWS);
    (1..=last)
        .map(|i| (one(&format!("heading_{i}")), one(&format!("text_{i}"))))
        .collect()
}

fn field(pairs: &[(String, String)], name: &str) -> String {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "consultations/new.html")]
struct NewPage {
    page: PageCtx,
    title: String,
    deadline: String,
    rows: Vec<Row>,
    error: Option<String>,
}

pub async fn new_page(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    require_authority(&staff)?;
    let page = PageCtx::new(&state, &staff.ctx);
    let rows = rows(&page.tr, &[]);
    Ok(render(
        StatusCode::OK,
        &NewPage {
            page,
            title: String::new(),
            deadline: JalaliDate::from_iso(state.today() + time::Duration::days(30)).to_string(),
            rows,
            error: None,
        },
    ))
}

pub async fn publish(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    require_authority(&staff)?;
    let (title, deadline) = (field(&pairs, "title"), field(&pairs, "deadline"));
    let sections = sections_of(&pairs);
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let parsed = NewConsultation::parse(&title, &sections, &deadline, state.today());
    match state
        .db_parsed(parsed, move |s, new| s.publish_consultation(&ctx, &new))
        .await
    {
        Ok(v) => Ok(Redirect::to(&format!("/consultations/{}", v.consultation.id)).into_response()),
        Err(e) => {
            let (msg, status) = form_error(&state, &staff.ctx, e)?;
            let page = PageCtx::new(&state, &staff.ctx);
            let typed: Vec<ConsultationSection> = sections
                .iter()
                .enumerate()
                .map(|(i, (h, t))| ConsultationSection {
                    number: u32::try_from(i + 1).unwrap_or(0),
                    heading: h.clone(),
                    text: t.clone(),
                })
                .collect();
            let rows = rows(&page.tr, &typed);
            Ok(render(
                status,
                &NewPage {
                    page,
                    title,
                    deadline,
                    rows,
                    error: Some(msg),
                },
            ))
        }
    }
}

/// A comment as shown: who (an office's code or a branch) and what.
struct CommentRow {
    who: String,
    office: bool,
    version: String,
    body: String,
    at: String,
}

/// A section of the latest version with its comments.
struct SectionRow {
    number: u32,
    number_shown: String,
    heading: String,
    text: String,
    comments: Vec<CommentRow>,
}

/// A piece of a section's change.
struct PieceRow {
    kind: &'static str,
    text: String,
}

/// A section's change as shown.
struct ChangeRow {
    number: String,
    change: String,
    change_code: &'static str,
    heading_before: String,
    heading_after: String,
    pieces: Vec<PieceRow>,
}

/// An earlier version, folded.
struct VersionRow {
    title: String,
    sections: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "consultations/show.html")]
struct ShowPage {
    page: PageCtx,
    id: String,
    title: String,
    phase: String,
    phase_code: &'static str,
    version: u32,
    version_shown: String,
    kind: String,
    deadline: String,
    published: String,
    summary: String,
    sections: Vec<SectionRow>,
    changes: Vec<ChangeRow>,
    earlier: Vec<VersionRow>,
    authority: bool,
    can_comment: bool,
    can_edit: bool,
    comments_total: String,
    rows: Vec<Row>,
    deadline_input: String,
    error: Option<String>,
}

fn comment_row(page: &PageCtx, c: &ConsultationComment) -> CommentRow {
    let tr = &page.tr;
    let office = !c.office_code.is_empty();
    CommentRow {
        who: if office {
            c.office_code.clone()
        } else {
            tr.t1("consult-branch-of", "branch", &c.branch)
        },
        office,
        version: tr.t1(
            "consult-on-version",
            "version",
            &tr.num(u64::from(c.version)),
        ),
        body: c.body.clone(),
        at: tr.datetime(&c.created_at),
    }
}

async fn show_render(
    state: &AppState,
    staff: &Staff,
    id: String,
    error: Option<(String, StatusCode)>,
    typed: Option<Vec<ConsultationSection>>,
) -> WebResult<Response> {
    let who = role(state, staff).await?;
    let filter = match &who {
        Role::Authority => None,
        Role::Commenter(c) => Some(c.clone()),
    };
    let (v, comments): (ConsultationView, Vec<ConsultationComment>) = state
        .db(move |s| {
            Ok((
                s.consultation(&id)?,
                s.consultation_comments(&id, filter.as_ref())?,
            ))
        })
        .await?;
    let page = PageCtx::new(state, &staff.ctx);
    let tr = &page.tr;
    let c = &v.consultation;
    let latest = v.latest().cloned();
    let latest_sections = latest
        .as_ref()
        .map(|l| l.sections.clone())
        .unwrap_or_default();
    let heading_of = |n: u32| {
        latest_sections
            .iter()
            .find(|s| s.number == n)
            .map(|s| s.heading.clone())
    };
    let mut sections: Vec<SectionRow> = latest_sections
        .iter()
        .map(|s| SectionRow {
            number: s.number,
            number_shown: tr.num(u64::from(s.number)),
            heading: s.heading.clone(),
            text: s.text.clone(),
            comments: vec![],
        })
        .collect();
    // Comments on sections the latest version no longer has stay visible, under their number.
    for cm in &comments {
        if heading_of(cm.section).is_none() && !sections.iter().any(|s| s.number == cm.section) {
            sections.push(SectionRow {
                number: cm.section,
                number_shown: tr.num(u64::from(cm.section)),
                heading: String::new(),
                text: String::new(),
                comments: vec![],
            });
        }
        if let Some(s) = sections.iter_mut().find(|s| s.number == cm.section) {
            s.comments.push(comment_row(&page, cm));
        }
    }
    let changes = v
        .changes
        .iter()
        .map(|d| ChangeRow {
            number: tr.num(u64::from(d.number)),
            change: tr.t(&format!("consult-change-{}", change_code(d.change))),
            change_code: change_code(d.change),
            heading_before: d.heading_before.clone(),
            heading_after: d.heading_after.clone(),
            pieces: d
                .pieces
                .iter()
                .map(|p| PieceRow {
                    kind: match p.kind {
                        PieceKind::Same => "same",
                        PieceKind::Added => "added",
                        PieceKind::Removed => "removed",
                    },
                    text: p.text.clone(),
                })
                .collect(),
        })
        .collect();
    let earlier = v
        .versions
        .iter()
        .rev()
        .skip(1)
        .map(|ver| VersionRow {
            title: tr.ta(
                "consult-version-of",
                &[
                    ("version", tr.num(u64::from(ver.number))),
                    ("published", tr.datetime(&ver.published_at)),
                ],
            ),
            sections: ver
                .sections
                .iter()
                .map(|s| {
                    (
                        tr.num(u64::from(s.number)),
                        s.heading.clone(),
                        s.text.clone(),
                    )
                })
                .collect(),
        })
        .collect();
    let phase = v.phase;
    let authority = who == Role::Authority;
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    let form_sections = typed.unwrap_or_else(|| latest_sections.clone());
    Ok(render(
        status,
        &ShowPage {
            id: c.id.clone(),
            title: c.title.clone(),
            phase: tr.t(&format!("consult-phase-{}", phase.code())),
            phase_code: phase.code(),
            version: c.version,
            version_shown: tr.num(u64::from(c.version)),
            kind: tr.t(&format!(
                "consult-kind-{}",
                latest.as_ref().map_or("draft", |l| l.kind.code())
            )),
            deadline: tr.date(&iso_day(c.deadline)),
            published: latest
                .as_ref()
                .map(|l| tr.datetime(&l.published_at))
                .unwrap_or_default(),
            summary: latest
                .as_ref()
                .map(|l| l.summary.clone())
                .unwrap_or_default(),
            sections,
            changes,
            earlier,
            can_comment: !authority && phase == Phase::Open,
            can_edit: authority && c.state == ConsultationState::Draft,
            comments_total: tr.num(comments.len() as u64),
            authority,
            rows: rows(tr, &form_sections),
            deadline_input: JalaliDate::from_iso(c.deadline.max(state.today())).to_string(),
            error: error.map(|e| e.0),
            page,
        },
    ))
}

fn change_code(c: Change) -> &'static str {
    match c {
        Change::Unchanged => "unchanged",
        Change::Changed => "changed",
        Change::Added => "added",
        Change::Removed => "removed",
    }
}

pub async fn show(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = path_id(&id, "consultation.not_found")?;
    show_render(&state, &staff, id, None, None).await
}

/// After a form: back to the page, or the page with the error (and what was typed).
async fn after<T>(
    state: &AppState,
    staff: &Staff,
    id: String,
    done: Result<T>,
    typed: Option<Vec<ConsultationSection>>,
) -> WebResult<Response> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/consultations/{id}")).into_response()),
        Err(e) => {
            let shown = form_error(state, &staff.ctx, e)?;
            show_render(state, staff, id, Some(shown), typed).await
        }
    }
}

fn number(s: &str) -> Result<u32> {
    daftar_domain::digits::fold_digits(s.trim())
        .parse::<u32>()
        .map_err(|_| Error::invalid("consultation.target.invalid"))
}

pub async fn comment(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = path_id(&id, "consultation.not_found")?;
    let Role::Commenter(who) = role(&state, &staff).await? else {
        return Err(Error::forbidden("auth.forbidden").into());
    };
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let parsed = (|| {
        NewComment::parse(
            number(&field(&pairs, "version"))?,
            number(&field(&pairs, "section"))?,
            &field(&pairs, "body"),
        )
    })();
    let cid = id.clone();
    let done = state
        .db_parsed(parsed, move |s, c| {
            s.comment_on_consultation(&ctx, &cid, &who, &c)
        })
        .await;
    after(&state, &staff, id, done, None).await
}

fn typed(pairs: &[(String, String)]) -> Vec<ConsultationSection> {
    sections_of(pairs)
        .into_iter()
        .enumerate()
        .map(|(i, (heading, text))| ConsultationSection {
            number: u32::try_from(i + 1).unwrap_or(0),
            heading,
            text,
        })
        .collect()
}

fn form_version(pairs: &[(String, String)]) -> Result<u32> {
    let v = conditional::parse(&field(pairs, "version"))?;
    Ok(u32::try_from(v).unwrap_or(u32::MAX))
}

pub async fn revise(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = path_id(&id, "consultation.not_found")?;
    require_authority(&staff)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let today = state.today();
    let parsed = (|| {
        Ok((
            form_version(&pairs)?,
            Revision::parse(&sections_of(&pairs), &field(&pairs, "deadline"), today)?,
        ))
    })();
    let cid = id.clone();
    let done = state
        .db_parsed(parsed, move |s, (version, r)| {
            s.revise_consultation(&ctx, &cid, &r, version)
        })
        .await;
    after(&state, &staff, id, done, Some(typed(&pairs))).await
}

pub async fn finalise(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = path_id(&id, "consultation.not_found")?;
    require_authority(&staff)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let parsed = (|| {
        Ok((
            form_version(&pairs)?,
            Finalisation::parse(&sections_of(&pairs), &field(&pairs, "summary"))?,
        ))
    })();
    let cid = id.clone();
    let done = state
        .db_parsed(parsed, move |s, (version, f)| {
            s.finalise_consultation(&ctx, &cid, &f, version)
        })
        .await;
    after(&state, &staff, id, done, Some(typed(&pairs))).await
}

/// A proposal as shown.
struct ProposalRow {
    id: String,
    branch: String,
    kind: String,
    subject: String,
    body: String,
    status: String,
    status_code: &'static str,
    answer: String,
    answered: String,
    filed: String,
    version: i64,
}

fn proposal_row(page: &PageCtx, p: &Proposal) -> ProposalRow {
    let tr = &page.tr;
    ProposalRow {
        id: p.id.clone(),
        branch: p.branch.clone(),
        kind: tr.t(&format!("proposal-kind-{}", p.kind.code())),
        subject: p.subject.clone(),
        body: p.body.clone(),
        status: tr.t(&format!("proposal-status-{}", p.status.code())),
        status_code: p.status.code(),
        answer: p.answer.clone(),
        answered: p.answered_at.map(|a| tr.datetime(&a)).unwrap_or_default(),
        filed: tr.datetime(&p.created_at),
        version: p.version,
    }
}

#[derive(Template)]
#[template(path = "consultations/proposals.html")]
struct ProposalsPage {
    page: PageCtx,
    rows: Vec<ProposalRow>,
    pager: Pager,
    branch: Option<String>,
    kinds: Vec<(&'static str, String)>,
    error: Option<String>,
}

async fn proposals_render(
    state: &AppState,
    staff: &Staff,
    q: &ListQuery,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let branch = proposal_reach(state, staff).await?;
    let req = q.request();
    let b = branch.clone();
    let found = state.db(move |s| s.proposals(b.as_deref(), req)).await?;
    let page = PageCtx::new(state, &staff.ctx);
    let rows = found.items.iter().map(|p| proposal_row(&page, p)).collect();
    let kinds = ProposalKind::ALL
        .iter()
        .map(|k| (k.code(), page.t(&format!("proposal-kind-{}", k.code()))))
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    Ok(render(
        status,
        &ProposalsPage {
            pager: Pager::new("/consultations/proposals", &found),
            page,
            rows,
            branch,
            kinds,
            error: error.map(|e| e.0),
        },
    ))
}

pub async fn proposals(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    proposals_render(&state, &staff, &q, None).await
}

pub async fn file(
    State(state): State<AppState>,
    staff: Staff,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let Some(branch) = proposal_reach(&state, &staff).await? else {
        return Err(Error::forbidden("auth.forbidden").into());
    };
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let parsed = NewProposal::parse(
        &field(&pairs, "kind"),
        &field(&pairs, "subject"),
        &field(&pairs, "body"),
    );
    match state
        .db_parsed(parsed, move |s, p| s.file_proposal(&ctx, &branch, &p))
        .await
    {
        Ok(p) => Ok(Redirect::to(&format!("/consultations/proposals/{}", p.id)).into_response()),
        Err(e) => {
            let shown = form_error(&state, &staff.ctx, e)?;
            proposals_render(&state, &staff, &ListQuery::default(), Some(shown)).await
        }
    }
}

#[derive(Template)]
#[template(path = "consultations/proposal.html")]
struct ProposalPage {
    page: PageCtx,
    p: ProposalRow,
    can_answer: bool,
    statuses: Vec<(&'static str, String)>,
    error: Option<String>,
}

async fn proposal_render(
    state: &AppState,
    staff: &Staff,
    id: String,
    error: Option<(String, StatusCode)>,
) -> WebResult<Response> {
    let branch = proposal_reach(state, staff).await?;
    let p = state
        .db(move |s| s.proposal(branch.as_deref(), &id))
        .await?;
    let page = PageCtx::new(state, &staff.ctx);
    let can_answer = staff
        .principal()
        .has(daftar_domain::permission::Permission::ConsultationManage)
        && p.status != ProposalStatus::Closed;
    let statuses = ProposalStatus::ALL
        .iter()
        .map(|s| (s.code(), page.t(&format!("proposal-status-{}", s.code()))))
        .collect();
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.1);
    Ok(render(
        status,
        &ProposalPage {
            p: proposal_row(&page, &p),
            page,
            can_answer,
            statuses,
            error: error.map(|e| e.0),
        },
    ))
}

pub async fn proposal(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = path_id(&id, "proposal.not_found")?;
    proposal_render(&state, &staff, id, None).await
}

pub async fn answer(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> WebResult<Response> {
    let id = path_id(&id, "proposal.not_found")?;
    require_authority(&staff)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let parsed = (|| {
        Ok((
            conditional::parse(&field(&pairs, "version"))?,
            ProposalUpdate::parse(&field(&pairs, "status"), &field(&pairs, "answer"))?,
        ))
    })();
    let pid = id.clone();
    match state
        .db_parsed(parsed, move |s, (version, u)| {
            s.answer_proposal(&ctx, &pid, &u, version)
        })
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/consultations/proposals/{id}")).into_response()),
        Err(e) => {
            let shown = form_error(&state, &staff.ctx, e)?;
            proposal_render(&state, &staff, id, Some(shown)).await
        }
    }
}
