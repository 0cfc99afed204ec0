//! Referrals to partner services: `ReferralStore` (rules in `daftar_domain::referral`). The
//! shared attributes are a JSON array of `[attribute, value]` pairs copied when the referral is
//! made and emptied when consent is withdrawn; a partner's list leaves them out, so the only
//! way a partner sees anything of a person is one referral at a time, audited with the referral
//! as target (it is then in the person's access log).

use super::{all, audit, paged};
use crate::SqlStore;
use crate::sql::{Row, Tx, Value, params};
use daftar_domain::audit::{AuditCtx, AuditEvent, truncate_ms};
use daftar_domain::ids::{OfficeId, PersonId, UserId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::OfficeScope;
use daftar_domain::referral::{Action, Attribute, Consent, Referral, ReferralState, ReferralType};
use daftar_domain::store::{ReferralActor, ReferralStore};
use daftar_domain::{Error, Result};
use time::Date;

const COLS: &str = "id, reference, type_code, partner_code, person_id, office_id, state, consent, attributes, note, created_at, updated_at";

fn referral(r: &Row) -> Result<Referral> {
    let pairs: Vec<(String, String)> = serde_json::from_str(&r.text(8)?)
        .map_err(|e| Error::internal(format!("referral attributes: {e}")))?;
    Ok(Referral {
        id: r.text(0)?,
        reference: r.text(1)?,
        type_code: r.text(2)?,
        partner: r.text(3)?,
        person_id: r.parse(4)?,
        office_id: r.parse(5)?,
        state: ReferralState::parse(&r.text(6)?)?,
        consent: Consent::parse(&r.text(7)?)?,
        attributes: pairs
            .into_iter()
            .map(|(a, v)| Ok((Attribute::parse(&a)?, v)))
            .collect::<Result<_>>()?,
        note: r.text(9)?,
        created_at: r.ts(10)?,
        updated_at: r.ts(11)?,
    })
}

/// The referral `id`, or `referral.not_found`.
fn load(tx: &mut dyn Tx, id: &str) -> Result<Referral> {
    let r = tx
        .query_opt(
            &format!("SELECT {COLS} FROM referrals WHERE id = $1"),
            params![id],
        )?
        .ok_or_else(|| Error::not_found("referral.not_found"))?;
    referral(&r)
}

/// The partner the acting user is bound to (`referral.partner.none`, 403, if none).
fn partner_of(tx: &mut dyn Tx, user: UserId) -> Result<String> {
    tx.query_opt(
        "SELECT partner_code FROM users WHERE id = $1",
        params![user.to_string()],
    )?
    .and_then(|r| r.opt_text(0).transpose())
    .transpose()?
    .ok_or_else(|| Error::forbidden("referral.partner.none"))
}

/// The acting user (`referral.partner.none` for the system or an anonymous caller).
fn acting(ctx: &AuditCtx) -> Result<UserId> {
    ctx.actor_id
        .ok_or_else(|| Error::forbidden("referral.partner.none"))
}

fn event(action: &str, r: &Referral) -> AuditEvent {
    AuditEvent::new(action, "referral", &r.id).with_details(serde_json::json!({
        "reference": r.reference,
        "type": r.type_code,
        "partner": r.partner,
        "state": r.state.code(),
    }))
}

impl ReferralStore for SqlStore {
    fn create_referral(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        person: PersonId,
        ty: &ReferralType,
        consent: Consent,
        today: Date,
    ) -> Result<Referral> {
        let id = ulid::Ulid::new().to_string();
        let reference = format!("RF-{}", &id[id.len() - 8..]);
        self.write(|tx| {
            let row = tx
                .query_opt(
                    &format!(
                        "SELECT {} FROM persons WHERE id = $1 AND office_id = $2 AND {}{}",
                        super::persons::COLS,
                        person_visible!(),
                        tx.dialect().for_update()
                    ),
                    params![person.to_string(), scope.office_id().to_string()],
                )?
                .ok_or_else(|| Error::not_found("person.not_found"))?;
            let p = super::persons::person(&row)?;
            ty.check_eligible(&p, today)?;
            // One open referral of a type per person: a retry (after a lost answer, on any node;
            // the person's row is locked above) finds the first instead of making a second.
            if let Some(open) = tx.query_opt(
                "SELECT reference FROM referrals WHERE person_id = $1 AND type_code = $2 AND state IN ('pending', 'accepted')",
                params![person.to_string(), ty.code.as_str()],
            )? {
                return Err(Error::conflict("referral.open")
                    .with_detail("reference", serde_json::json!(open.text(0)?)));
            }
            let shared: Vec<(&str, String)> = ty
                .snapshot(&p)
                .into_iter()
                .map(|(a, v)| (a.code(), v))
                .collect();
            let shared = serde_json::to_string(&shared)
                .map_err(|e| Error::internal(format!("referral attributes: {e}")))?;
            let now = truncate_ms(tx.now());
            tx.exec(
                "INSERT INTO referrals (id, reference, type_code, partner_code, person_id, office_id, state, consent, attributes, note, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, '', $9, $10, $10)",
                params![
                    id.as_str(),
                    reference.as_str(),
                    ty.code.as_str(),
                    ty.partner.as_str(),
                    person.to_string(),
                    scope.office_id().to_string(),
                    consent.code(),
                    shared,
                    ctx.actor.as_str(),
                    now
                ],
            )?;
            let r = load(tx, &id)?;
            audit::append(
                tx,
                ctx,
                &event("referral.create", &r).with_details(serde_json::json!({
                    "reference": r.reference,
                    "type": r.type_code,
                    "partner": r.partner,
                    "consent": consent.code(),
                    "attributes": ty.attributes.iter().map(|a| a.code()).collect::<Vec<_>>(),
                })),
            )?;
            super::idempotency::attach(tx, r)
        })
    }

    fn person_referrals(
        &self,
        ctx: &AuditCtx,
        office: Option<OfficeId>,
        person: PersonId,
    ) -> Result<Vec<Referral>> {
        self.write(|tx| {
            let mut args: Vec<Value> = vec![person.to_string().into()];
            let cond = match office {
                Some(o) => {
                    args.push(o.to_string().into());
                    " AND office_id = $2"
                }
                None => "",
            };
            let found = all(
                tx.query(
                    &format!(
                        "SELECT {COLS} FROM referrals WHERE person_id = $1{cond} ORDER BY created_at DESC, id DESC LIMIT 200"
                    ),
                    &args,
                )?,
                referral,
            )?;
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("referral.list", "person", person)
                    .with_details(serde_json::json!({ "count": found.len() })),
            )?;
            Ok(found)
        })
    }

    fn partner_referrals(
        &self,
        ctx: &AuditCtx,
        state: Option<ReferralState>,
        req: PageRequest,
    ) -> Result<(String, Page<Referral>)> {
        let actor = acting(ctx)?;
        self.write(|tx| {
            let partner = partner_of(tx, actor)?;
            let mut args: Vec<Value> = vec![partner.as_str().into()];
            let cond = match state {
                Some(s) => {
                    args.push(s.code().into());
                    " AND state = $2"
                }
                None => "",
            };
            let mut page = paged(
                tx,
                COLS,
                &format!("FROM referrals WHERE partner_code = $1{cond}"),
                "created_at DESC, id DESC",
                args,
                req,
                referral,
            )?;
            // A list names no one: the shared attributes are only on a referral's own page.
            for r in &mut page.items {
                r.attributes.clear();
            }
            audit::append(
                tx,
                ctx,
                &AuditEvent::new("referral.inbox", "partner", &partner).with_details(
                    serde_json::json!({ "state": state.map(|s| s.code()), "page": page.page }),
                ),
            )?;
            Ok((partner, page))
        })
    }

    fn partner_referral(&self, ctx: &AuditCtx, id: &str) -> Result<Referral> {
        let actor = acting(ctx)?;
        self.write(|tx| {
            let partner = partner_of(tx, actor)?;
            let r = load(tx, id)?;
            if r.partner != partner {
                return Err(Error::not_found("referral.not_found"));
            }
            audit::append(tx, ctx, &event("referral.read", &r))?;
            Ok(r)
        })
    }

    fn act_on_referral(
        &self,
        ctx: &AuditCtx,
        actor: ReferralActor,
        id: &str,
        action: Action,
        note: &str,
    ) -> Result<Referral> {
        let note = daftar_domain::referral::parse_note(action, note)?;
        self.write(|tx| {
            let r = load(tx, id)?;
            let mine = match actor {
                ReferralActor::Partner => {
                    let user = acting(ctx)?;
                    partner_of(tx, user)? == r.partner
                }
                ReferralActor::Office(o, p) => o == r.office_id && p == r.person_id,
                ReferralActor::Person(p) => p == r.person_id,
            };
            if !mine {
                return Err(Error::not_found("referral.not_found"));
            }
            let partner_step =
                matches!(action, Action::Accept | Action::Decline | Action::Complete);
            if partner_step != (actor == ReferralActor::Partner) {
                return Err(Error::forbidden("referral.action.forbidden"));
            }
            step(tx, ctx, &r, action, &note)
        })
    }

    fn set_user_partner(&self, ctx: &AuditCtx, user: UserId, partner: Option<&str>) -> Result<()> {
        self.update_user(
            ctx,
            user,
            "partner_code",
            partner.map_or(Value::Null, Value::from),
            AuditEvent::new("user.partner", "user", user)
                .with_details(serde_json::json!({ "partner": partner })),
            |_| Ok(()),
        )
    }
}

/// Takes `action` on referral `r` (as loaded in this transaction; the caller checked who acts):
/// `referral.state.conflict` when it moved meanwhile. Withdrawn consent erases what was shared;
/// it keeps the partner's note (an outcome) and stores no reason of the person's, which the
/// partner would read. Audited `referral.<action>`.
pub(crate) fn step(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    r: &Referral,
    action: Action,
    note: &str,
) -> Result<Referral> {
    let next = r.state.after(action)?;
    let now = truncate_ms(tx.now());
    let n = tx.exec(
        "UPDATE referrals SET state = $1, note = CASE WHEN $1 = 'withdrawn' THEN note ELSE $2 END, updated_at = $3, \
         attributes = CASE WHEN $1 = 'withdrawn' THEN '[]' ELSE attributes END \
         WHERE id = $4 AND state = $5",
        params![next.code(), note, now, r.id.as_str(), r.state.code()],
    )?;
    if n == 0 {
        return Err(Error::conflict("referral.state.conflict"));
    }
    let r = load(tx, &r.id)?;
    audit::append(tx, ctx, &event(&format!("referral.{}", action.code()), &r))?;
    Ok(r)
}

/// Withdraws every referral of `person` that can still be withdrawn (the person left the
/// country: the partners keep nothing of them). Returns how many.
pub(crate) fn withdraw_all(tx: &mut dyn Tx, ctx: &AuditCtx, person: &str) -> Result<usize> {
    let ids: Vec<String> = tx
        .query(
            "SELECT id FROM referrals WHERE person_id = $1 AND state <> 'withdrawn' ORDER BY id",
            params![person],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_>>()?;
    let mut n = 0;
    for id in ids {
        let r = load(tx, &id)?;
        if r.state.after(Action::Withdraw).is_ok() {
            step(tx, ctx, &r, Action::Withdraw, "")?;
            n += 1;
        }
    }
    Ok(n)
}
