//! The planning figures as JSON (issue 20.2): the tables of `/planning` and its exports, from
//! the same protected level ([`super::level`]), with the same permission (`aggregate.read`).
//! A withheld figure is `null` with `withheld: true`, never its number.

use super::{Grouped, Level, PlanningQuery, level};
use crate::auth::Staff;
use crate::error::{ErrorBody, WebResult};
use crate::extract::Query;
use crate::state::AppState;
use axum::extract::State;
use daftar_domain::planning::{AgeGroup, Figure};
use serde::{Deserialize, Serialize};

/// `?province=&district=`: the level asked for (none: the provinces; a province: its
/// districts; both: the district's office catchments and its persons by sex).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct PlanningParams {
    /// A province, as the provinces' table names it.
    pub province: String,
    /// A district of that province, as its districts' table names it.
    pub district: String,
}

/// One published figure.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PlanningFigure)]
pub struct FigureJson {
    /// The count; `null` when withheld.
    pub count: Option<u64>,
    /// Withheld: a count from 1 to 4, or one that would let such a count be worked out.
    pub withheld: bool,
}

impl From<&Figure> for FigureJson {
    fn from(f: &Figure) -> Self {
        let count = f.shown();
        Self {
            count,
            withheld: count.is_none(),
        }
    }
}

/// One row of a table: a place (province, district or office), a sex or a round.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PlanningRow)]
pub struct RowJson {
    /// The row's label (a round's: its name and opening day, ISO).
    pub label: String,
    /// Persons by age group, in the order of `groups`.
    pub cells: Vec<FigureJson>,
    /// The row's persons.
    pub total: FigureJson,
    /// Persons with registered medical needs (not part of the age groups' sums; `null` for
    /// rounds).
    pub medical_needs: Option<FigureJson>,
}

/// A protected table.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PlanningTable)]
pub struct TableJson {
    /// The rows.
    pub rows: Vec<RowJson>,
    /// Column totals, in the order of `groups`.
    pub column_totals: Vec<FigureJson>,
    /// All persons of the table.
    pub total: FigureJson,
    /// All persons with registered medical needs (`null` for rounds).
    pub medical_needs_total: Option<FigureJson>,
}

impl From<&Grouped> for TableJson {
    fn from(g: &Grouped) -> Self {
        let t = &g.table;
        let medical = |i: usize| g.medical.as_ref().map(|m| (&m.cells[i][0]).into());
        Self {
            rows: t
                .rows
                .iter()
                .enumerate()
                .map(|(i, r)| RowJson {
                    label: r.clone(),
                    cells: t.cells[i].iter().map(FigureJson::from).collect(),
                    total: (&t.row_totals[i]).into(),
                    medical_needs: medical(i),
                })
                .collect(),
            column_totals: t.column_totals.iter().map(FigureJson::from).collect(),
            total: (&t.total).into(),
            medical_needs_total: g.medical.as_ref().map(|m| (&m.total).into()),
        }
    }
}

/// The planning figures of one level.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PlanningFigures)]
pub struct PlanningJson {
    /// What `places` holds: `province` (the provinces), `district` (a province's districts)
    /// or `office` (a district's office catchments).
    pub level: &'static str,
    /// The province asked for (empty: every province).
    pub province: String,
    /// The district asked for (empty: every district of the province).
    pub district: String,
    /// The age groups of the cells: `under_five`, `school_age`, `working_age`, `elderly`,
    /// `unknown`.
    pub groups: Vec<&'static str>,
    /// Persons by place and age group.
    pub places: TableJson,
    /// For a district: its persons by sex (`female`, `male`) and age group.
    pub sexes: Option<TableJson>,
    /// The trend per registration round, oldest first: the persons each round called.
    pub rounds: TableJson,
}

impl From<Level> for PlanningJson {
    fn from(l: Level) -> Self {
        let level = l.kind();
        Self {
            level,
            groups: AgeGroup::ALL.iter().map(|g| g.code()).collect(),
            places: (&l.table).into(),
            sexes: l.by_sex.as_ref().map(TableJson::from),
            rounds: (&Grouped {
                table: l.rounds,
                medical: None,
            })
                .into(),
            province: l.province,
            district: l.district,
        }
    }
}

/// Registered persons living in the country by age group — by province, a province's
/// districts, or a district's office catchments and sexes — with the trend per round, as on
/// `/planning` and in its exports (`aggregate.read`: partners and authority roles every office,
/// an office's manager their own catchment; 403 otherwise). Counts only, never a name,
/// document, phone or address; every level protected together, so no withheld figure can be
/// worked out from the published ones.
#[utoipa::path(get, path = "/api/v1/planning", tag = "planning", params(PlanningParams),
    responses((status = 200, body = PlanningJson), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = [])))]
pub async fn figures(
    State(state): State<AppState>,
    staff: Staff,
    Query(q): Query<PlanningParams>,
) -> WebResult<axum::Json<PlanningJson>> {
    let q = PlanningQuery {
        province: q.province,
        district: q.district,
    };
    let l = level(&state, &staff, &q, &daftar_domain::jalali::iso_day).await?;
    Ok(axum::Json(l.into()))
}
