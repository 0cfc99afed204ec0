//! The home page, per role: who you are and your office; office staff see their office's
//! figures, authority roles and partners see figures per office with small cells suppressed.

use crate::auth::Staff;
use crate::error::WebResult;
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
use daftar_domain::permission::Permission;

/// Counts below this are shown as "fewer than 5" to roles that see aggregates.
pub const SUPPRESS_BELOW: u64 = 5;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(home))
}

/// One row of the per-office figures.
#[derive(Debug)]
struct OfficeFigure {
    office: Office,
    persons: Option<u64>,
}

#[derive(Template)]
#[template(path = "home/home.html")]
struct HomePage {
    page: PageCtx,
    office: Option<Office>,
    office_persons: Option<u64>,
    figures: Vec<OfficeFigure>,
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
    if p.has(Permission::AggregateRead) {
        let reach = p.reach(Permission::AggregateRead)?;
        let offices = state
            .db(move |s| {
                s.list_offices(
                    &reach,
                    PageRequest {
                        page: 1,
                        per_page: 200,
                    },
                )
            })
            .await?;
        figures = offices
            .items
            .into_iter()
            .map(|o| {
                let n = counts
                    .iter()
                    .find(|(id, _)| *id == o.id)
                    .map_or(0, |(_, n)| *n);
                OfficeFigure {
                    office: o,
                    persons: suppress(n),
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
            can_persons: p.has(Permission::PersonRead) && staff.auth.user.office_id.is_some(),
            can_users: p.has(Permission::UserManage),
            can_audit: p.has(Permission::AuditRead),
            can_manage_offices: p.has(Permission::OfficeManage),
            alarms,
            today,
        },
    ))
}

/// Counts of the office's queue (read as the queue page reads it, audited) and of open review
/// pairs.
async fn office_today(
    state: &AppState,
    staff: &Staff,
    office: daftar_domain::ids::OfficeId,
) -> WebResult<Today> {
    use daftar_domain::case::QueueFilter;
    let p = staff.principal().clone();
    let scope = p.scope(office, Permission::PersonRead)?;
    let today = state.today();
    let one = PageRequest {
        page: 1,
        per_page: 1,
    };
    let mut counts = vec![];
    for filter in [QueueFilter::DueToday, QueueFilter::Overdue] {
        let (ctx, scope) = (staff.audit(daftar_domain::audit::purpose::SERVICE), scope);
        let n = state
            .db(move |s| {
                s.case_queue(&ctx, &scope, filter, today, one)
                    .map(|pg| pg.total)
            })
            .await?;
        counts.push(n);
    }
    let open_reviews = if p.has(Permission::PersonMerge) {
        let reach = p.reach(Permission::PersonMerge)?;
        let ctx = staff.audit(daftar_domain::audit::purpose::SERVICE);
        Some(
            state
                .db(move |s| {
                    s.list_suspects(
                        &ctx,
                        &reach,
                        daftar_domain::review::SuspectStatus::Open,
                        one,
                    )
                    .map(|pg| pg.total)
                })
                .await?,
        )
    } else {
        None
    };
    Ok(Today {
        due_today: counts.first().copied().unwrap_or(0),
        overdue: counts.get(1).copied().unwrap_or(0),
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
