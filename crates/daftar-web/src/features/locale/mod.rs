//! The language switcher: `GET /locale/{tag}?next=/path` remembers the choice in a cookie and,
//! for a signed-in user, in their saved setting (which wins in negotiation), then goes back.

use crate::auth::{self, Ctx};
use crate::error::{AppError, WebResult};
use crate::extract::{Path, Query};
use crate::i18n::{LOCALE_COOKIE, locale_info};
use crate::pages::safe_next;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use daftar_domain::Error;
use daftar_domain::audit::purpose;
use serde::Deserialize;

/// Routes of this feature.
pub fn routes() -> Router<AppState> {
    Router::new().route("/locale/{tag}", get(switch))
}

#[derive(Debug, Deserialize)]
struct Next {
    next: Option<String>,
}

async fn switch(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(tag): Path<String>,
    Query(q): Query<Next>,
) -> WebResult<Response> {
    let info = locale_info(&tag).ok_or_else(|| AppError(Error::not_found("locale.unknown")))?;
    if let Some(a) = ctx
        .auth
        .as_ref()
        .filter(|a| a.user.locale.as_deref() != Some(info.tag))
    {
        let (actx, id) = (a.audit(&ctx, purpose::ADMINISTRATION), a.user.id);
        state
            .db(move |s| s.set_locale(&actx, id, Some(info.tag)))
            .await?;
    }
    let cookie = auth::cookie(
        LOCALE_COOKIE,
        info.tag,
        state.config.secure_cookies,
        Some(365 * 24 * 3600),
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.next.as_deref())),
    )
        .into_response())
}
