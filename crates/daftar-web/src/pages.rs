//! What every HTML page shares: the [`PageCtx`] handed to templates (translator, locale and
//! direction, CSRF token, CSP nonce, the signed-in user for the navigation), the error page, and
//! small helpers for `next=` redirects.

use crate::context::RequestCtx;
use crate::i18n::{LOCALES, LocaleInfo, Tr};
use crate::state::AppState;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use daftar_domain::permission::Permission;

/// A link in the navigation bar.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Target.
    pub href: String,
    /// Message id of the label.
    pub label: &'static str,
}

/// Common context of every page.
#[derive(Debug, Clone)]
pub struct PageCtx {
    /// Translator for the request's locale.
    pub tr: Tr,
    /// Locale in force.
    pub locale: LocaleInfo,
    /// Locales for the switcher.
    pub locales: &'static [LocaleInfo],
    /// CSRF token for forms.
    pub csrf: String,
    /// CSP nonce.
    pub nonce: String,
    /// Display name of the signed-in user, if fully signed in.
    pub user_name: Option<String>,
    /// Role message id of the signed-in user.
    pub role_label: Option<String>,
    /// Navigation for the user's role.
    pub nav: Vec<NavLink>,
    /// Current path and query (for the switcher's `next=`).
    pub here: String,
}

impl PageCtx {
    /// Builds the page context of a request.
    pub fn new(state: &AppState, ctx: &RequestCtx) -> Self {
        let tr = Tr::new(state.i18n.clone(), ctx.locale).at_offset(state.config.utc_offset_minutes);
        let full = ctx.auth.as_ref().filter(|a| !a.mfa_pending());
        let mut nav = vec![];
        if let Some(a) = full {
            let p = &a.principal;
            nav.push(NavLink {
                href: "/".into(),
                label: "nav-home",
            });
            if let Some(office) = a.user.office_id {
                if p.has(Permission::PersonRead) {
                    nav.push(NavLink {
                        href: format!("/offices/{office}/persons"),
                        label: "nav-persons",
                    });
                    nav.push(NavLink {
                        href: format!("/offices/{office}/households"),
                        label: "nav-households",
                    });
                    nav.push(NavLink {
                        href: format!("/offices/{office}/cases"),
                        label: "nav-cases",
                    });
                }
                if p.has(Permission::UserManage) {
                    nav.push(NavLink {
                        href: format!("/offices/{office}/users"),
                        label: "nav-users",
                    });
                }
            }
            if p.has(Permission::SelfService) {
                nav.push(NavLink {
                    href: "/portal".into(),
                    label: "nav-portal",
                });
            }
            if p.has(Permission::PersonMerge) {
                nav.push(NavLink {
                    href: "/review".into(),
                    label: "nav-review",
                });
            }
            if p.has(Permission::OfficeRead) {
                nav.push(NavLink {
                    href: "/offices".into(),
                    label: "nav-offices",
                });
            }
            if p.has(Permission::AuditRead) {
                nav.push(NavLink {
                    href: "/audit".into(),
                    label: "nav-audit",
                });
            }
            nav.push(NavLink {
                href: "/services".into(),
                label: "nav-services",
            });
            nav.push(NavLink {
                href: "/profile".into(),
                label: "nav-profile",
            });
        }
        Self {
            locale: ctx.locale,
            locales: &LOCALES,
            csrf: ctx.csrf_token().to_owned(),
            nonce: ctx.nonce.clone(),
            user_name: full.map(|a| a.user.display_name.clone()),
            role_label: full.map(|a| format!("role-{}", a.user.role.as_str())),
            nav,
            here: encode_next(&ctx.path_and_query),
            tr,
        }
    }
    /// Translates a message id.
    pub fn t(&self, id: &str) -> String {
        self.tr.t(id)
    }
    /// Translates the message `<prefix>-<key>` (for enumerations such as statuses).
    pub fn tk(&self, prefix: &str, key: &str) -> String {
        self.tr.t(&format!("{prefix}-{key}"))
    }
}

/// Renders a template to a response (500 `internal` if rendering fails).
pub fn render<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    page: PageCtx,
    status: u16,
    code: String,
    message: String,
}

/// Renders the translated error page.
pub fn error_page(page: PageCtx, status: StatusCode, code: &str, message: String) -> Response {
    render(
        status,
        &ErrorPage {
            page,
            status: status.as_u16(),
            code: code.to_owned(),
            message,
        },
    )
}

/// Percent-encodes a local path for a `next=` parameter.
pub fn encode_next(path: &str) -> String {
    serde_urlencoded::to_string([("n", path)])
        .map(|s| s.trim_start_matches("n=").to_owned())
        .unwrap_or_else(|_| "%2F".into())
}

/// A safe local redirect target: only paths on this site (`/x`, not `//host` or `http:`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next(Some("/offices?page=2")), "/offices?page=2");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(encode_next("/a b?x=1&y"), "%2Fa+b%3Fx%3D1%26y");
    }
}

/// Links and text for a paginated list.
#[derive(Debug, Clone)]
pub struct Pager {
    /// Link to the previous page, if any.
    pub prev: Option<String>,
    /// Link to the next page, if any.
    pub next: Option<String>,
    /// Current page (1-based).
    pub page: u32,
    /// Number of pages.
    pub pages: u64,
    /// Total items.
    pub total: u64,
}

impl Pager {
    /// "Page X of Y · N items" in the page's locale and digits.
    pub fn status(&self, tr: &Tr) -> String {
        tr.ta(
            "pager-status",
            &[
                ("page", tr.num(self.page)),
                ("pages", tr.num(self.pages)),
                ("total", tr.num(self.total)),
            ],
        )
    }

    /// Builds the pager for `page` of a list at `base` (a path, possibly with a query).
    pub fn new<T>(base: &str, page: &daftar_domain::page::Page<T>) -> Self {
        let pages = page.pages();
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |n: u32| format!("{base}{sep}page={n}&per_page={}", page.per_page);
        Self {
            prev: (page.page > 1).then(|| link(page.page - 1)),
            next: (u64::from(page.page) < pages).then(|| link(page.page + 1)),
            page: page.page,
            pages,
            total: page.total,
        }
    }
}
