//! The home page, per role: who you are and your office; office staff see their office's day
//! (due, overdue, waiting, escalated cases, duplicate pairs to review, fee complaints), authority
//! roles and partners see cases, escalations, fees collected and "asked to pay more" reports per
//! office, with small cells suppressed for those who see aggregates only. Every figure is read by
//! a store method that only counts, so loading a home page writes no audit row.

use crate::auth::Staff;
use crate::error::WebResult;
use crate::i18n::AsCount as _;
use crate::pages::{PageCtx, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use daftar_domain::office::Office;
use daftar_domain::page::PageRequest;
use daftar_domain::permission::{Permission, Reach};

/// Counts below this are shown as "fewer than 5" to roles that see aggregates.
pub const SUPPRESS_BELOW: u64 = 5;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// Days of fees the home pages sum (the last 30 days, as the fee report's default).
const FEE_DAYS: i64 = 30;

/// One row of the per-office figures: persons, then (for those who reach every office) cases
/// and fees; `None` is "fewer than 5" for roles that see aggregates only.
#[derive(Debug)]
struct OfficeFigure {
    office: Office,
    persons: Option<u64>,
    cases: Option<CaseFigures>,
}

/// An office's cases and fees as the authority's home shows them.
#[derive(Debug)]
struct CaseFigures {
    active: Option<u64>,
    overdue: Option<u64>,
    escalated: Option<u64>,
    payments: Option<u64>,
    rials: Option<u64>,
    complaints: Option<u64>,
    extra_rials: Option<u64>,
}

/// Totals over the offices shown (every cell counted, suppressed or not, only for roles that
/// may see every figure).
#[derive(Debug, Default)]
struct Totals {
    active: u64,
    overdue: u64,
    escalated: u64,
    payments: u64,
    rials: u64,
    complaints: u64,
    extra_rials: u64,
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    page: PageCtx,
    office: Option<Office>,
    office_persons: Option<u64>,
    figures: Vec<OfficeFigure>,
    /// Figures across offices include cases and fees (roles that reach every office).
    across: bool,
    /// Totals of the across-offices table (roles that see personal data only).
    totals: Option<Totals>,
    can_persons: bool,
    can_users: bool,
    can_audit: bool,
    can_manage_offices: bool,
    /// Bulk-read alarms (office managers: their office; auditors: every office).
    alarms: Option<Vec<daftar_domain::read_watch::ReadAlarm>>,
    /// The office's day, for its staff who work on persons (issue 21.10).
    today: Option<Today>,
}

/// What an office's clerk or manager has to do today: cases due today and overdue (links to
/// the queue), and for those who review duplicates the open pairs.
#[derive(Debug)]
struct Today {
    due_today: u64,
    overdue: u64,
    /// Waiting for the applicant.
    waiting: u64,
    /// Escalated to the office manager or further (shown to those who review duplicates: the
    /// manager).
    escalated: Option<u64>,
    /// "Asked to pay more" complaints about the office's receipts in the last 30 days (the
    /// manager; roles with `aggregate.read`).
    complaints: Option<u64>,
    open_reviews: Option<u64>,
    /// May register persons (a button to the form).
    can_register: bool,
}

/// Suppresses small cells: `None` means "fewer than 5".
pub fn suppress(n: u64) -> Option<u64> {
    (n >= SUPPRESS_BELOW).then_some(n)
}

async fn home(State(state): State<AppState>, staff: Staff) -> WebResult<Response> {
    let p = staff.principal().clone();
    // A registered person's home is their portal page.
    if p.has(Permission::SelfService) {
        return Ok(axum::response::Redirect::to("/portal").into_response());
    }
    let counts = state.db(|s| s.count_persons_by_office()).await?;
    let office = match staff.auth.user.office_id {
        Some(id) => Some(state.db(move |s| s.get_office(id)).await?),
        None => None,
    };
    let office_persons = office.as_ref().map(|o| {
        counts
            .iter()
            .find(|(id, _)| *id == o.id)
            .map_or(0, |(_, n)| *n)
    });
    let mut figures = vec![];
    let mut totals = None;
    let across = p.has(Permission::AggregateRead) && p.has(Permission::OfficeAll);
    if p.has(Permission::AggregateRead) {
        let reach = p.reach(Permission::AggregateRead)?;
        let offices = {
            state
                .db(move |s| {
                    s.list_offices(
                        &reach,
                        PageRequest {
                            page: 1,
                            per_page: 200,
                        },
                    )
                })
                .await?
        };
        let (cases, fees) = if across {
            let today = state.today();
            let from = today - time::Duration::days(FEE_DAYS);
            let cases = state.db(move |s| s.case_counts(&reach, today)).await?;
            let fees = state.db(move |s| s.fee_report(&reach, from, today)).await?;
            (cases, fees)
        } else {
            (vec![], vec![])
        };
        // Roles without access to personal data see small cells withheld.
        let all_figures = p.has(Permission::PersonRead);
        let cell = |n: u64| if all_figures { Some(n) } else { suppress(n) };
        if across && all_figures {
            let mut t = Totals::default();
            for c in &cases {
                t.active += c.active;
                t.overdue += c.overdue;
                t.escalated += c.escalated_authority;
            }
            for f in &fees {
                t.payments += f.payments;
                t.rials += f.rials;
                t.complaints += f.complaints;
                t.extra_rials += f.complained_extra_rials;
            }
            totals = Some(t);
        }
        figures = offices
            .items
            .into_iter()
            .map(|o| {
                let n = counts
                    .iter()
                    .find(|(id, _)| *id == o.id)
                    .map_or(0, |(_, n)| *n);
                let c = cases.iter().find(|c| c.office_id == o.id);
                let f = fees.iter().find(|f| f.office_id == o.id);
                let case_figures = across.then(|| {
                    let c = c.cloned().unwrap_or_default();
                    let (payments, rials, complaints, extra) = f.map_or((0, 0, 0, 0), |f| {
                        (f.payments, f.rials, f.complaints, f.complained_extra_rials)
                    });
                    let payments_shown = cell(payments);
                    let complaints_shown = cell(complaints);
                    CaseFigures {
                        active: cell(c.active),
                        overdue: cell(c.overdue),
                        escalated: cell(c.escalated_authority),
                        payments: payments_shown,
                        // A sum over a withheld count is withheld with it.
                        rials: payments_shown.map(|_| rials),
                        complaints: complaints_shown,
                        extra_rials: complaints_shown.map(|_| extra),
                    }
                });
                OfficeFigure {
                    office: o,
                    persons: suppress(n),
                    cases: case_figures,
                }
            })
            .collect();
    }
    let today = match staff.auth.user.office_id {
        Some(office) if p.has(Permission::PersonRead) => {
            Some(office_today(&state, &staff, office).await?)
        }
        _ => None,
    };
    let alarms = match crate::features::read_watch::alarm_reach(&p) {
        Some(reach) => Some(crate::features::read_watch::recent_alarms(&state, reach).await?),
        None => None,
    };
    let page = PageCtx::new(&state, &staff.ctx);
    Ok(render(
        StatusCode::OK,
        &HomePage {
            page,
            office,
            office_persons,
            figures,
            across,
            totals,
            can_persons: p.has(Permission::PersonRead) && staff.auth.user.office_id.is_some(),
            can_users: p.has(Permission::UserManage),
            can_audit: p.has(Permission::AuditRead),
            can_manage_offices: p.has(Permission::OfficeManage),
            alarms,
            today,
        },
    ))
}

/// The office's day, counted by store methods that only count (nothing audited, nothing
/// written): cases due today, overdue, waiting and escalated, open review pairs, and fee
/// complaints of the last 30 days.
async fn office_today(
    state: &AppState,
    staff: &Staff,
    office: daftar_domain::ids::OfficeId,
) -> WebResult<Today> {
    let p = staff.principal().clone();
    let reach = Reach::Office(p.scope(office, Permission::PersonRead)?);
    let today = state.today();
    let counts = state
        .db(move |s| s.case_counts(&reach, today))
        .await?
        .into_iter()
        .next()
        .unwrap_or_default();
    let open_reviews = if p.has(Permission::PersonMerge) {
        let reach = p.reach(Permission::PersonMerge)?;
        Some(
            state
                .db(move |s| s.count_suspects(&reach, daftar_domain::review::SuspectStatus::Open))
                .await?,
        )
    } else {
        None
    };
    let complaints = if p.has(Permission::AggregateRead) {
        let reach = Reach::Office(p.scope(office, Permission::AggregateRead)?);
        let from = today - time::Duration::days(FEE_DAYS);
        let rows = state.db(move |s| s.fee_report(&reach, from, today)).await?;
        Some(rows.iter().map(|r| r.complaints).sum())
    } else {
        None
    };
    Ok(Today {
        due_today: counts.due_today,
        overdue: counts.overdue,
        waiting: counts.waiting,
        escalated: open_reviews
            .is_some()
            .then_some(counts.escalated_manager + counts.escalated_authority),
        complaints,
        open_reviews,
        can_register: p.has(Permission::PersonWrite),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn small_cells_are_suppressed() {
        assert_eq!(super::suppress(4), None);
        assert_eq!(super::suppress(0), None);
        assert_eq!(super::suppress(5), Some(5));
    }
}
