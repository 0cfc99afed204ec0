//! Offices' plans: `PlanStore`. A plan's content (targets, staffing, hours, outreach) is kept as
//! JSON in `office_plans`; each change is one transaction with the plan row (its version
//! advanced), a `plan_events` row and the audit row. The follow-up reads the plans covering a
//! year and the offices' KPI rows of that year; the comparison is `daftar_domain::plan`.

use super::audit;
use super::kpi::{KPI_COLS, kpi_row};
use super::offices::{OFFICE_COLS, office};
use crate::SqlStore;
use crate::sql::{Row, Tx, params};
use daftar_domain::audit::{AuditCtx, AuditEvent};
use daftar_domain::ids::PlanId;
use daftar_domain::jalali::JalaliDate;
use daftar_domain::kpi::KpiRow;
use daftar_domain::office::Office;
use daftar_domain::permission::{OfficeScope, Permission, Reach};
use daftar_domain::plan::{
    Plan, PlanContent, PlanEvent, PlanKind, PlanState, PlanStep, check_start_year, check_version,
    editable, next_state, parse_comment,
};
use daftar_domain::{Error, Result};

const PLAN_COLS: &str = "id, office_id, kind, start_year, state, version, content, created_at";

fn json_err(e: serde_json::Error) -> Error {
    Error::store(format!("plan JSON: {e}"))
}

fn plan(r: &Row) -> Result<Plan> {
    Ok(Plan {
        id: r.parse(0)?,
        office_id: r.parse(1)?,
        kind: PlanKind::parse(&r.text(2)?)?,
        start_year: i32::try_from(r.i64(3)?).map_err(|_| Error::store("plan year"))?,
        state: PlanState::parse(&r.text(4)?)?,
        version: r.i64(5)?,
        content: serde_json::from_str(&r.text(6)?).map_err(json_err)?,
        created_at: r.ts(7)?,
    })
}

/// Either plan permission opens the office's plans for reading.
fn readable(scope: &OfficeScope) -> Result<()> {
    match scope.permission() {
        Permission::PlanSubmit | Permission::PlanReview => Ok(()),
        _ => Err(Error::forbidden("auth.forbidden")),
    }
}

fn load(tx: &mut dyn Tx, scope: &OfficeScope, id: PlanId, lock: bool) -> Result<Plan> {
    let lock = if lock { tx.dialect().for_update() } else { "" };
    let r = tx
        .query_opt(
            &format!("SELECT {PLAN_COLS} FROM office_plans WHERE id = $1 AND office_id = $2{lock}"),
            params![id.to_string(), scope.office_id().to_string()],
        )?
        .ok_or_else(|| Error::not_found("plan.not_found"))?;
    plan(&r)
}

fn content_json(c: &PlanContent) -> Result<String> {
    serde_json::to_string(c).map_err(json_err)
}

/// Appends the timeline row and the audit row of a change to `p` (already as it is after).
fn record(
    tx: &mut dyn Tx,
    ctx: &AuditCtx,
    p: &Plan,
    step: &str,
    comment: &str,
    now: time::OffsetDateTime,
) -> Result<()> {
    let seq: i64 = tx
        .query_opt(
            "SELECT COALESCE(MAX(seq), 0) FROM plan_events WHERE plan_id = $1",
            params![p.id.to_string()],
        )?
        .map(|r| r.i64(0))
        .transpose()?
        .unwrap_or(0)
        + 1;
    tx.exec(
        "INSERT INTO plan_events (plan_id, seq, step, state, actor_id, actor, at, comment) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![
            p.id.to_string(),
            seq,
            step,
            p.state.code(),
            ctx.actor_id.map(|u| u.to_string()),
            ctx.actor.as_str(),
            now,
            comment
        ],
    )?;
    audit::append(
        tx,
        ctx,
        &AuditEvent::new(&format!("plan.{step}"), "plan", p.id).with_details(serde_json::json!({
            "office_id": p.office_id.to_string(),
            "kind": p.kind.code(),
            "start_year": p.start_year,
            "state": p.state.code(),
            "version": p.version,
        })),
    )
}

fn save(tx: &mut dyn Tx, p: &Plan, now: time::OffsetDateTime) -> Result<()> {
    tx.exec(
        "UPDATE office_plans SET state = $2, version = $3, content = $4, updated_at = $5 WHERE id = $1",
        params![
            p.id.to_string(),
            p.state.code(),
            p.version,
            content_json(&p.content)?,
            now
        ],
    )?;
    Ok(())
}

impl daftar_domain::store::PlanStore for SqlStore {
    fn create_plan(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        kind: PlanKind,
        start_year: i32,
        content: &PlanContent,
    ) -> Result<Plan> {
        scope.require(Permission::PlanSubmit)?;
        let clock = self.clock.clone();
        self.write(|tx| {
            let now = tx.now();
            check_start_year(start_year, JalaliDate::from_iso(clock.date_of(now)).year())?;
            let taken = tx
                .query_opt(
                    "SELECT id FROM office_plans WHERE office_id = $1 AND kind = $2 AND start_year = $3",
                    params![scope.office_id().to_string(), kind.code(), i64::from(start_year)],
                )?
                .map(|r| r.text(0))
                .transpose()?;
            if let Some(id) = taken {
                return Err(Error::conflict("plan.taken").with_detail("plan_id", serde_json::json!(id)));
            }
            let p = Plan {
                id: PlanId::new(),
                office_id: scope.office_id(),
                kind,
                start_year,
                state: PlanState::Draft,
                version: 1,
                content: content.clone(),
                created_at: now,
            };
            tx.exec(
                "INSERT INTO office_plans (id, office_id, kind, start_year, end_year, state, version, content, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                params![
                    p.id.to_string(),
                    p.office_id.to_string(),
                    kind.code(),
                    i64::from(start_year),
                    i64::from(*p.years().end()),
                    p.state.code(),
                    p.version,
                    content_json(content)?,
                    now
                ],
            )
            .map_err(|e| match e {
                crate::sql::DbError::ForeignKey(_) => Error::not_found("office.not_found"),
                e => e.into_error("plan.taken"),
            })?;
            record(tx, ctx, &p, "create", "", now)?;
            Ok(p)
        })
    }

    fn office_plans(&self, scope: &OfficeScope) -> Result<Vec<Plan>> {
        readable(scope)?;
        self.read(|tx| {
            tx.query(
                &format!("SELECT {PLAN_COLS} FROM office_plans WHERE office_id = $1 ORDER BY start_year DESC, kind"),
                params![scope.office_id().to_string()],
            )?
            .iter()
            .map(plan)
            .collect()
        })
    }

    fn office_plan(&self, scope: &OfficeScope, id: PlanId) -> Result<(Plan, Vec<PlanEvent>)> {
        readable(scope)?;
        self.read(|tx| {
            let p = load(tx, scope, id, false)?;
            let events = tx
                .query(
                    "SELECT seq, step, state, actor, at, comment FROM plan_events WHERE plan_id = $1 ORDER BY seq",
                    params![id.to_string()],
                )?
                .iter()
                .map(|r| {
                    Ok(PlanEvent {
                        seq: r.i64(0)?,
                        step: r.text(1)?,
                        state: PlanState::parse(&r.text(2)?)?,
                        actor: r.text(3)?,
                        at: r.ts(4)?,
                        comment: r.text(5)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok((p, events))
        })
    }

    fn edit_plan(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PlanId,
        content: &PlanContent,
        if_match: Option<i64>,
    ) -> Result<Plan> {
        scope.require(Permission::PlanSubmit)?;
        self.write(|tx| {
            let now = tx.now();
            let mut p = load(tx, scope, id, true)?;
            check_version(&p, if_match)?;
            if !editable(p.state) {
                return Err(Error::conflict("plan.not_editable")
                    .with_detail("state", serde_json::json!(p.state.code())));
            }
            if content.targets.iter().any(|t| t.year > p.kind.years()) {
                return Err(Error::conflict("plan.target.year").with_field("targets"));
            }
            p.content = content.clone();
            p.version += 1;
            save(tx, &p, now)?;
            record(tx, ctx, &p, "edit", "", now)?;
            Ok(p)
        })
    }

    fn plan_step(
        &self,
        ctx: &AuditCtx,
        scope: &OfficeScope,
        id: PlanId,
        step: PlanStep,
        comment: &str,
        if_match: Option<i64>,
    ) -> Result<Plan> {
        scope.require(step.permission())?;
        let comment = parse_comment(step, comment)?;
        self.write(|tx| {
            let now = tx.now();
            let mut p = load(tx, scope, id, true)?;
            check_version(&p, if_match)?;
            p.state = next_state(p.state, step)?;
            p.version += 1;
            save(tx, &p, now)?;
            record(tx, ctx, &p, step.code(), &comment, now)?;
            Ok(p)
        })
    }

    fn plans_follow_up(
        &self,
        reach: &Reach,
        province: Option<&str>,
        year: i32,
    ) -> Result<(Vec<Office>, Vec<Plan>, Vec<KpiRow>)> {
        if reach.office_id().is_some() || reach.permission() != Permission::PlanReview {
            return Err(Error::forbidden("auth.forbidden"));
        }
        let province = province.unwrap_or_default().to_owned();
        let cols = |prefix: &str, cols: &str| {
            cols.split(", ")
                .map(|c| format!("{prefix}.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        self.read(|tx| {
            let offices = tx
                .query(
                    &format!("SELECT {OFFICE_COLS} FROM offices WHERE ($1 = '' OR province = $1) ORDER BY code"),
                    params![province.clone()],
                )?
                .iter()
                .map(office)
                .collect::<Result<Vec<_>>>()?;
            let plans = tx
                .query(
                    &format!(
                        "SELECT {} FROM office_plans p JOIN offices ON offices.id = p.office_id \
                         WHERE ((p.start_year <= $2 AND p.end_year >= $2) OR p.state = 'submitted') AND ($1 = '' OR offices.province = $1) \
                         ORDER BY p.office_id, p.kind",
                        cols("p", PLAN_COLS)
                    ),
                    params![province.clone(), i64::from(year)],
                )?
                .iter()
                .map(plan)
                .collect::<Result<Vec<_>>>()?;
            let rows = tx
                .query(
                    &format!(
                        "SELECT {} FROM kpi_monthly k JOIN offices ON offices.id = k.office_id \
                         WHERE k.month <= $3 AND (k.month >= $5 OR (k.service_code = '' AND k.month >= $2)) \
                           AND ($1 = '' OR offices.province = $1) \
                           AND EXISTS (SELECT 1 FROM office_plans p WHERE p.office_id = k.office_id \
                                       AND p.state = 'approved' AND p.start_year <= $4 AND p.end_year >= $4) \
                         ORDER BY k.month",
                        cols("k", KPI_COLS)
                    ),
                    params![
                        province,
                        // From the year before: the seasonality index spans 12 months.
                        i64::from(year - 1) * 100 + 1,
                        i64::from(year) * 100 + 12,
                        i64::from(year),
                        i64::from(year) * 100 + 1
                    ],
                )?
                .iter()
                .map(kpi_row)
                .collect::<Result<Vec<_>>>()?;
            Ok((offices, plans, rows))
        })
    }
}
