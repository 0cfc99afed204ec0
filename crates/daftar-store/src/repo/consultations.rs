//! Consultations and the branches' proposals: `ConsultationStore` (rules in
//! `daftar_domain::consultation`). A version's sections are a JSON array written once; the
//! consultation row holds the latest version's number, which a revision or the final version
//! must name (`If-Match`) and moves on in the same statement (`WHERE version = $n`), so two
//! officers publishing at once cannot both win. No person data: comments and proposals name an
//! office or a branch.

use super::{all, audit, paged};
use crate::SqlStore;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent, truncate_ms};
use daftar_domain::consultation::{
    Commenter, Consultation, ConsultationComment, ConsultationSection, ConsultationState,
    ConsultationVersion, ConsultationView, Finalisation, NewComment, NewConsultation, NewProposal,
    Proposal, ProposalKind, ProposalStatus, ProposalUpdate, Revision, VersionKind,
};
use daftar_domain::ids::UserId;
use daftar_domain::jalali::iso_day;
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::store::ConsultationStore;
use daftar_domain::{Error, Result};
use time::Date;

const COLS: &str = "id, title, state, version, deadline, created_at, updated_at";
const VERSION_COLS: &str = "number, kind, sections, deadline, summary, published_at";
const COMMENT_COLS: &str = "c.id, c.version, c.section, o.code, c.branch, c.body, c.created_at";
const PROPOSAL_COLS: &str =
    "id, branch, kind, subject, body, status, answer, answered_at, version, created_at, updated_at";

fn number(n: i64) -> Result<u32> {
    u32::try_from(n).map_err(|_| Error::internal("consultation number out of range"))
}

fn consultation(r: &Row) -> Result<Consultation> {
    Ok(Consultation {
        id: r.text(0)?,
        title: r.text(1)?,
        state: ConsultationState::parse(&r.text(2)?)?,
        version: number(r.i64(3)?)?,
        deadline: super::cases::date(&r.text(4)?)?,
        created_at: r.ts(5)?,
        updated_at: r.ts(6)?,
    })
}

fn version(r: &Row) -> Result<ConsultationVersion> {
    let sections: Vec<ConsultationSection> = serde_json::from_str(&r.text(2)?)
        .map_err(|e| Error::internal(format!("consultation sections: {e}")))?;
    Ok(ConsultationVersion {
        number: number(r.i64(0)?)?,
        kind: VersionKind::parse(&r.text(1)?)?,
        sections,
        deadline: super::cases::date(&r.text(3)?)?,
        summary: r.text(4)?,
        published_at: r.ts(5)?,
    })
}

fn comment(r: &Row) -> Result<ConsultationComment> {
    Ok(ConsultationComment {
        id: r.text(0)?,
        version: number(r.i64(1)?)?,
        section: number(r.i64(2)?)?,
        office_code: r.opt_text(3)?.unwrap_or_default(),
        branch: r.opt_text(4)?.unwrap_or_default(),
        body: r.text(5)?,
        created_at: r.ts(6)?,
    })
}

fn proposal(r: &Row) -> Result<Proposal> {
    Ok(Proposal {
        id: r.text(0)?,
        branch: r.text(1)?,
        kind: ProposalKind::parse(&r.text(2)?)?,
        subject: r.text(3)?,
        body: r.text(4)?,
        status: ProposalStatus::parse(&r.text(5)?)?,
        answer: r.text(6)?,
        answered_at: r.opt_ts(7)?,
        version: r.i64(8)?,
        created_at: r.ts(9)?,
        updated_at: r.ts(10)?,
    })
}

/// The consultation `id` (`consultation.not_found`), locked for the write where locks exist.
fn load(tx: &mut dyn Tx, id: &str, lock: bool) -> Result<Consultation> {
    let lock = if lock { tx.dialect().for_update() } else { "" };
    let r = tx
        .query_opt(
            &format!("SELECT {COLS} FROM consultations WHERE id = $1{lock}"),
            params![id],
        )?
        .ok_or_else(|| Error::not_found("consultation.not_found"))?;
    consultation(&r)
}

fn versions(tx: &mut dyn Tx, id: &str) -> Result<Vec<ConsultationVersion>> {
    let rows = tx.query(
        &format!(
            "SELECT {VERSION_COLS} FROM consultation_versions WHERE consultation_id = $1 ORDER BY number"
        ),
        params![id],
    )?;
    all(rows, version)
}

fn view(tx: &mut dyn Tx, id: &str, today: Date) -> Result<ConsultationView> {
    let c = load(tx, id, false)?;
    let v = versions(tx, id)?;
    Ok(ConsultationView::new(c, v, today))
}

fn sections_json(s: &[ConsultationSection]) -> Result<String> {
    serde_json::to_string(s).map_err(|e| Error::internal(format!("consultation sections: {e}")))
}

/// Writes version `n` (never updated afterwards).
fn insert_version(
    tx: &mut dyn Tx,
    id: &str,
    n: u32,
    kind: VersionKind,
    sections: &[ConsultationSection],
    deadline: Date,
    summary: &str,
) -> Result<()> {
    let now = truncate_ms(tx.now());
    tx.exec(
        "INSERT INTO consultation_versions (consultation_id, number, kind, sections, deadline, summary, published_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        params![
            id,
            i64::from(n),
            kind.code(),
            sections_json(sections)?,
            iso_day(deadline),
            summary,
            now
        ],
    )?;
    Ok(())
}

/// Moves the consultation to version `n` from `n - 1` (the one read), or 412.
fn advance(
    tx: &mut dyn Tx,
    id: &str,
    n: u32,
    state: ConsultationState,
    deadline: Date,
) -> Result<()> {
    let now = truncate_ms(tx.now());
    let done = tx.exec(
        "UPDATE consultations SET version = $1, state = $2, deadline = $3, updated_at = $4 WHERE id = $5 AND version = $6",
        params![
            i64::from(n),
            state.code(),
            iso_day(deadline),
            now,
            id,
            i64::from(n - 1)
        ],
    )?;
    if done == 0 {
        return Err(Error::new(
            "consultation.version.stale",
            daftar_domain::ErrorKind::PreconditionFailed,
        ));
    }
    Ok(())
}

fn stale(current: u32, if_match: u32) -> Result<()> {
    if current == if_match {
        Ok(())
    } else {
        Err(Error::new(
            "consultation.version.stale",
            daftar_domain::ErrorKind::PreconditionFailed,
        )
        .with_detail("version", serde_json::json!(current)))
    }
}

fn event(action: &str, c: &Consultation) -> AuditEvent {
    AuditEvent::new(action, "consultation", &c.id).with_details(serde_json::json!({
        "version": c.version,
        "state": c.state.code(),
        "deadline": iso_day(c.deadline),
    }))
}

/// The branch `user` is bound to.
fn branch_of(tx: &mut dyn Tx, user: UserId) -> Result<Option<String>> {
    Ok(tx
        .query_opt(
            "SELECT branch FROM users WHERE id = $1",
            params![user.to_string()],
        )?
        .map(|r| r.opt_text(0))
        .transpose()?
        .flatten())
}

/// The condition and argument that select `who`'s comments.
fn commenter_cond(who: &Commenter) -> (&'static str, Value) {
    match who {
        Commenter::Office(o) => ("c.office_id = $2", Value::from(o.to_string())),
        Commenter::Branch(b) => ("c.branch = $2", Value::from(b.as_str())),
    }
}

impl ConsultationStore for SqlStore {
    fn publish_consultation(
        &self,
        ctx: &AuditCtx,
        new: &NewConsultation,
    ) -> Result<ConsultationView> {
        let id = ulid::Ulid::new().to_string();
        let clock = self.clock.clone();
        self.write(|tx| {
            let now = truncate_ms(tx.now());
            tx.exec(
                "INSERT INTO consultations (id, title, state, version, deadline, created_at, updated_at) VALUES ($1, $2, 'draft', 1, $3, $4, $4)",
                params![id.as_str(), new.title.as_str(), iso_day(new.deadline), now],
            )?;
            insert_version(
                tx,
                &id,
                1,
                VersionKind::Draft,
                &new.sections,
                new.deadline,
                "",
            )?;
            let today = clock.date_of(tx.now());
            let v = view(tx, &id, today)?;
            audit::append(tx, ctx, &event("consultation.publish", &v.consultation))?;
            Ok(v)
        })
    }

    fn revise_consultation(
        &self,
        ctx: &AuditCtx,
        id: &str,
        revision: &Revision,
        if_match: u32,
    ) -> Result<ConsultationView> {
        let clock = self.clock.clone();
        self.write(|tx| {
            let c = load(tx, id, true)?;
            c.check_draft()?;
            stale(c.version, if_match)?;
            let current = versions(tx, id)?
                .pop()
                .map(|v| v.sections)
                .unwrap_or_default();
            c.check_revision(&current, revision)?;
            let n = c.version + 1;
            insert_version(
                tx,
                id,
                n,
                VersionKind::Draft,
                &revision.sections,
                revision.deadline,
                "",
            )?;
            advance(tx, id, n, ConsultationState::Draft, revision.deadline)?;
            let today = clock.date_of(tx.now());
            let v = view(tx, id, today)?;
            audit::append(tx, ctx, &event("consultation.revise", &v.consultation))?;
            Ok(v)
        })
    }

    fn finalise_consultation(
        &self,
        ctx: &AuditCtx,
        id: &str,
        finalisation: &Finalisation,
        if_match: u32,
    ) -> Result<ConsultationView> {
        let clock = self.clock.clone();
        self.write(|tx| {
            let c = load(tx, id, true)?;
            c.check_draft()?;
            stale(c.version, if_match)?;
            let n = c.version + 1;
            insert_version(
                tx,
                id,
                n,
                VersionKind::Final,
                &finalisation.sections,
                c.deadline,
                finalisation.summary.as_str(),
            )?;
            advance(tx, id, n, ConsultationState::Final, c.deadline)?;
            let today = clock.date_of(tx.now());
            let v = view(tx, id, today)?;
            let mut ev = event("consultation.finalise", &v.consultation);
            ev.details["changed"] = serde_json::json!(
                v.changes
                    .iter()
                    .filter(|d| d.change != daftar_domain::consultation::Change::Unchanged)
                    .count()
            );
            audit::append(tx, ctx, &ev)?;
            Ok(v)
        })
    }

    fn consultations(&self, req: PageRequest) -> Result<Page<Consultation>> {
        self.read(|tx| {
            paged(
                tx,
                COLS,
                "FROM consultations",
                "created_at DESC, id DESC",
                vec![],
                req,
                consultation,
            )
        })
    }

    fn consultation(&self, id: &str) -> Result<ConsultationView> {
        let clock = self.clock.clone();
        self.read(|tx| {
            let today = clock.date_of(tx.now());
            view(tx, id, today)
        })
    }

    fn comment_on_consultation(
        &self,
        ctx: &AuditCtx,
        id: &str,
        who: &Commenter,
        new: &NewComment,
    ) -> Result<ConsultationComment> {
        let clock = self.clock.clone();
        let cid = ulid::Ulid::new().to_string();
        self.write(|tx| {
            let today = clock.date_of(tx.now());
            let c = load(tx, id, true)?;
            let sections = versions(tx, id)?
                .pop()
                .map(|v| v.sections)
                .unwrap_or_default();
            c.check_comment(&sections, new, today)?;
            let (office, branch) = match who {
                Commenter::Office(o) => (Value::from(o.to_string()), Value::Null),
                Commenter::Branch(b) => (Value::Null, Value::from(b.as_str())),
            };
            let now = truncate_ms(tx.now());
            tx.exec(
                "INSERT INTO consultation_comments (id, consultation_id, version, section, office_id, branch, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    Value::from(cid.as_str()),
                    Value::from(id),
                    Value::from(i64::from(new.version)),
                    Value::from(i64::from(new.section)),
                    office,
                    branch,
                    Value::from(new.body.as_str()),
                    Value::from(now),
                ],
            )
            .map_err(|e| match e {
                crate::sql::DbError::ForeignKey(_) => Error::not_found("office.not_found"),
                e => e.into(),
            })?;
            let r = tx
                .query_one(
                    &format!(
                        "SELECT {COMMENT_COLS} FROM consultation_comments c LEFT JOIN offices o ON o.id = c.office_id WHERE c.id = $1"
                    ),
                    params![cid.as_str()],
                )?;
            let made = comment(&r)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("consultation.comment", "consultation", id).with_details(
                    serde_json::json!({
                        "comment": made.id,
                        "version": made.version,
                        "section": made.section,
                        "office": made.office_code,
                        "branch": made.branch,
                    }),
                ),
            )?;
            Ok(made)
        })
    }

    fn consultation_comments(
        &self,
        id: &str,
        who: Option<&Commenter>,
    ) -> Result<Vec<ConsultationComment>> {
        self.read(|tx| {
            load(tx, id, false)?;
            let mut args = vec![Value::from(id)];
            let cond = match who {
                Some(w) => {
                    let (cond, arg) = commenter_cond(w);
                    args.push(arg);
                    format!(" AND {cond}")
                }
                None => String::new(),
            };
            let rows = tx.query(
                &format!(
                    "SELECT {COMMENT_COLS} FROM consultation_comments c LEFT JOIN offices o ON o.id = c.office_id WHERE c.consultation_id = $1{cond} ORDER BY c.section, c.created_at, c.id"
                ),
                &args,
            )?;
            all(rows, comment)
        })
    }

    fn file_proposal(&self, ctx: &AuditCtx, branch: &str, new: &NewProposal) -> Result<Proposal> {
        let id = ulid::Ulid::new().to_string();
        self.write(|tx| {
            let now = truncate_ms(tx.now());
            tx.exec(
                "INSERT INTO proposals (id, branch, kind, subject, body, status, answer, answered_at, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'open', '', NULL, 1, $6, $6)",
                params![
                    id.as_str(),
                    branch,
                    new.kind.code(),
                    new.subject.as_str(),
                    new.body.as_str(),
                    now
                ],
            )?;
            let p = load_proposal(tx, None, &id)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("proposal.file", "proposal", &p.id).with_details(
                    serde_json::json!({ "branch": p.branch, "kind": p.kind.code() }),
                ),
            )?;
            Ok(p)
        })
    }

    fn proposals(&self, branch: Option<&str>, req: PageRequest) -> Result<Page<Proposal>> {
        self.read(|tx| match branch {
            Some(b) => paged(
                tx,
                PROPOSAL_COLS,
                "FROM proposals WHERE branch = $1",
                "created_at DESC, id DESC",
                vec![Value::from(b)],
                req,
                proposal,
            ),
            None => paged(
                tx,
                PROPOSAL_COLS,
                "FROM proposals",
                "created_at DESC, id DESC",
                vec![],
                req,
                proposal,
            ),
        })
    }

    fn proposal(&self, branch: Option<&str>, id: &str) -> Result<Proposal> {
        self.read(|tx| load_proposal(tx, branch, id))
    }

    fn answer_proposal(
        &self,
        ctx: &AuditCtx,
        id: &str,
        update: &ProposalUpdate,
        if_match: i64,
    ) -> Result<Proposal> {
        self.write(|tx| {
            let p = load_proposal(tx, None, id)?;
            p.check_update(update)?;
            let now = truncate_ms(tx.now());
            let answered = !update.answer.is_empty();
            let done = tx.exec(
                "UPDATE proposals SET status = $1, \
                 answer = CASE WHEN $2 = '' THEN answer ELSE $2 END, \
                 answered_at = CASE WHEN $2 = '' THEN answered_at ELSE $3 END, \
                 version = version + 1, updated_at = $3 WHERE id = $4 AND version = $5",
                params![
                    update.status.code(),
                    update.answer.as_str(),
                    now,
                    id,
                    if_match
                ],
            )?;
            if done == 0 {
                return Err(Error::new(
                    "proposal.version.stale",
                    daftar_domain::ErrorKind::PreconditionFailed,
                )
                .with_detail("version", serde_json::json!(p.version)));
            }
            let p = load_proposal(tx, None, id)?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("proposal.answer", "proposal", &p.id).with_details(
                    serde_json::json!({
                        "branch": p.branch,
                        "status": p.status.code(),
                        "answered": answered,
                    }),
                ),
            )?;
            Ok(p)
        })
    }

    fn user_branch(&self, user: UserId) -> Result<Option<String>> {
        self.read(|tx| branch_of(tx, user))
    }

    fn set_user_branch(&self, ctx: &AuditCtx, user: UserId, branch: Option<&str>) -> Result<()> {
        self.update_user(
            ctx,
            user,
            "branch",
            branch.map_or(Value::Null, Value::from),
            AuditEvent::new("user.branch", "user", user)
                .with_details(serde_json::json!({ "branch": branch })),
            |_| Ok(()),
        )
    }
}

/// The proposal `id`, if `branch` filed it (`None`: any); `proposal.not_found` otherwise.
fn load_proposal(tx: &mut dyn Tx, branch: Option<&str>, id: &str) -> Result<Proposal> {
    let r = match branch {
        Some(b) => tx.query_opt(
            &format!("SELECT {PROPOSAL_COLS} FROM proposals WHERE id = $1 AND branch = $2"),
            params![id, b],
        )?,
        None => tx.query_opt(
            &format!("SELECT {PROPOSAL_COLS} FROM proposals WHERE id = $1"),
            params![id],
        )?,
    };
    proposal(&r.ok_or_else(|| Error::not_found("proposal.not_found"))?)
}
