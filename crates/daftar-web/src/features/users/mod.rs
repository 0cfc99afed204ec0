//! Staff accounts of an office: office managers manage their own office's clerks and managers,
//! system administrators any office's staff. Disabling, enabling and resetting a password need a
//! recent step-up; a user of another office is out of scope (403), and nobody acts on themself.

use crate::auth::scope::UserManage;
use crate::auth::{CsrfForm, InOffice, Staff, password};
use crate::error::{AppError, ErrorBody, WebResult};
use crate::extract::{Json, Path, Query};
use crate::pages::{PageCtx, Pager, render};
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use daftar_domain::Error;
use daftar_domain::audit::purpose;
use daftar_domain::ids::{OfficeId, UserId};
use daftar_domain::page::{Page, PageRequest};
use daftar_domain::permission::{OfficeScope, Permission, Reach, RoleCode, RoleDef};
use daftar_domain::user::{
    NewUser, User, UserStatus, Username, check_display_name, check_password_policy,
};
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/offices/{office_id}/users", get(list).post(create))
        .route("/users/{user_id}/disable", post(disable))
        .route("/users/{user_id}/enable", post(enable))
        .route("/users/{user_id}/reset-password", post(reset_password))
        .route(
            "/api/v1/offices/{office_id}/users",
            get(api_list).post(api_create),
        )
}

/// Roles the caller may give: office-bound roles; a manager only `clerk` and `office_manager`.
async fn assignable_roles(state: &AppState, staff: &Staff) -> WebResult<Vec<RoleDef>> {
    let all_offices = staff.principal().has(Permission::OfficeAll);
    let roles = state.db(|s| s.roles()).await?;
    Ok(roles
        .into_iter()
        .filter(|r| {
            r.office_bound
                && (all_offices
                    || [RoleCode::CLERK, RoleCode::OFFICE_MANAGER].contains(&r.code.as_str()))
        })
        .collect())
}

/// A request to create an account in an office.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NewStaff {
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// Role code (office roles only).
    pub role: String,
    /// Initial password (at least 10 characters).
    pub password: String,
}

async fn create_in(
    state: &AppState,
    staff: &Staff,
    scope: &OfficeScope,
    req: NewStaff,
) -> Result<User, Error> {
    let role = RoleCode::parse(req.role.trim())?;
    let allowed = assignable_roles(state, staff).await.map_err(|e| e.0)?;
    if !allowed.iter().any(|r| r.code == role) {
        return Err(Error::forbidden("user.role.not_assignable").with_field("role"));
    }
    let username = Username::parse(&req.username)?;
    let display_name = check_display_name(if req.display_name.trim().is_empty() {
        username.as_str()
    } else {
        &req.display_name
    })?;
    check_password_policy(&req.password)?;
    let pw = req.password.clone();
    let password_hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| Error::internal(e.to_string()))??;
    let new = NewUser {
        username,
        display_name,
        office_id: Some(scope.office_id()),
        role,
        password_hash,
        locale: None,
    };
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state.db(move |s| s.create_user(&ctx, &new)).await
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    page: PageCtx,
    office_id: OfficeId,
    users: Vec<User>,
    pager: Pager,
    roles: Vec<RoleDef>,
    me: UserId,
    error: Option<String>,
    new_password: Option<(String, String)>,
}

async fn list_page(
    state: &AppState,
    at: &InOffice<UserManage>,
    req: PageRequest,
    error: Option<String>,
    new_password: Option<(String, String)>,
    status: StatusCode,
) -> WebResult<Response> {
    let reach = Reach::Office(at.scope);
    let users = state
        .db(move |s| s.list_users(&reach, req.clamped()))
        .await?;
    let office = at.office_id();
    let roles = assignable_roles(state, &at.staff).await?;
    Ok(render(
        status,
        &ListPage {
            page: PageCtx::new(state, &at.staff.ctx),
            office_id: office,
            pager: Pager::new(&format!("/offices/{office}/users"), &users),
            users: users.items,
            roles,
            me: at.staff.auth.user.id,
            error,
            new_password,
        },
    ))
}

async fn list(
    State(state): State<AppState>,
    at: InOffice<UserManage>,
    Query(req): Query<PageRequest>,
) -> WebResult<Response> {
    list_page(&state, &at, req, None, None, StatusCode::OK).await
}

async fn create(
    State(state): State<AppState>,
    at: InOffice<UserManage>,
    CsrfForm(form): CsrfForm<NewStaff>,
) -> WebResult<Response> {
    match create_in(&state, &at.staff, &at.scope, form).await {
        Ok(_) => Ok(Redirect::to(&format!("/offices/{}/users", at.office_id())).into_response()),
        Err(e) if e.kind.status() < 500 => {
            let msg = PageCtx::new(&state, &at.staff.ctx).tr.error(e.code);
            list_page(
                &state,
                &at,
                PageRequest::default(),
                Some(msg),
                None,
                StatusCode::from_u16(e.kind.status()).unwrap_or(StatusCode::BAD_REQUEST),
            )
            .await
        }
        Err(e) => Err(AppError(e)),
    }
}

/// Loads the target user and checks the caller may manage them (scope on the user's office;
/// users without an office need the every-office reach). Refuses acting on oneself.
async fn target(
    state: &AppState,
    staff: &Staff,
    id: UserId,
) -> WebResult<(User, Option<OfficeScope>)> {
    let user = state.db(move |s| s.get_user(id)).await?;
    if user.id == staff.auth.user.id {
        return Err(AppError(Error::conflict("user.self_action")));
    }
    let scope = match user.office_id {
        Some(office) => Some(staff.principal().scope(office, Permission::UserManage)?),
        None => match staff.principal().reach(Permission::UserManage)? {
            Reach::All(_) => None,
            Reach::Office(_) => return Err(AppError(Error::forbidden("office.scope.denied"))),
        },
    };
    Ok((user, scope))
}

fn back(user: &User) -> String {
    user.office_id
        .map_or_else(|| "/".to_owned(), |o| format!("/offices/{o}/users"))
}

#[derive(Debug, Deserialize)]
struct Empty {}

async fn set_status(
    state: AppState,
    staff: Staff,
    id: UserId,
    status: UserStatus,
) -> WebResult<Response> {
    let (user, _scope) = target(&state, &staff, id).await?;
    staff.require_step_up(&state.config.session)?;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    state
        .db(move |s| s.set_user_status(&ctx, id, status))
        .await?;
    Ok(Redirect::to(&back(&user)).into_response())
}

async fn disable(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<UserId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> WebResult<Response> {
    set_status(state, staff, id, UserStatus::Disabled).await
}

async fn enable(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<UserId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> WebResult<Response> {
    set_status(state, staff, id, UserStatus::Active).await
}

async fn reset_password(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<UserId>,
    CsrfForm(_): CsrfForm<Empty>,
) -> WebResult<Response> {
    let (user, scope) = target(&state, &staff, id).await?;
    staff.require_step_up(&state.config.session)?;
    let new = crate::auth::random_token(15);
    let pw = new.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pw))
        .await
        .map_err(|e| Error::internal(e.to_string()))??;
    let ctx = staff.audit(purpose::ADMINISTRATION);
    let name = user.username.as_str().to_owned();
    state
        .db(move |s| {
            s.set_password(&ctx, id, &hash)?;
            s.revoke_user_sessions(&ctx, id, None)?;
            s.clear_login_failures(&name)
        })
        .await?;
    match scope.and_then(|scope| InOffice::<UserManage>::from_parts(staff, scope)) {
        Some(at) => {
            list_page(
                &state,
                &at,
                PageRequest::default(),
                None,
                Some((user.username.as_str().to_owned(), new)),
                StatusCode::OK,
            )
            .await
        }
        None => Ok(Redirect::to(&back(&user)).into_response()),
    }
}

/// Staff of an office.
#[utoipa::path(get, path = "/api/v1/offices/{office_id}/users", tag = "users", params(("office_id" = String, Path, description = "Office id"), PageRequest),
    responses((status = 200, body = Page<User>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
pub async fn api_list(
    State(state): State<AppState>,
    at: InOffice<UserManage>,
    Query(req): Query<PageRequest>,
) -> WebResult<axum::Json<Page<User>>> {
    let (reach, req) = (Reach::Office(at.scope), req.checked()?);
    Ok(axum::Json(
        state.db(move |s| s.list_users(&reach, req)).await?,
    ))
}

/// Creates an account in an office.
#[utoipa::path(post, path = "/api/v1/offices/{office_id}/users", tag = "users", params(("office_id" = String, Path, description = "Office id")), request_body = NewStaff,
    responses((status = 201, body = User), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
pub async fn api_create(
    State(state): State<AppState>,
    at: InOffice<UserManage>,
    Json(req): Json<NewStaff>,
) -> WebResult<(StatusCode, axum::Json<User>)> {
    let user = create_in(&state, &at.staff, &at.scope, req).await?;
    Ok((StatusCode::CREATED, axum::Json(user)))
}
