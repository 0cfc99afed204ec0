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
    /// Whether the user is staff of `office` who sees its notifications (their navigation
    /// links `/offices/{office}/notifications`): the person pages link the notices only then.
    pub fn sees_notifications_of(&self, office: &impl std::fmt::Display) -> bool {
        let href = format!("/offices/{office}/notifications");
        self.nav.iter().any(|n| n.href == href)
    }

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
                    nav.push(NavLink {
                        href: format!("/offices/{office}/notifications"),
                        label: "nav-notifications",
                    });
                }
                if p.has(Permission::UserManage) {
                    nav.push(NavLink {
                        href: format!("/offices/{office}/users"),
                        label: "nav-users",
                    });
                    nav.push(NavLink {
                        href: format!("/offices/{office}/accreditations"),
                        label: "nav-accreditations",
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
            if p.has(Permission::OfficeAll)
                && (p.has(Permission::MembershipManage) || p.has(Permission::LicenceDecide))
            {
                nav.push(NavLink {
                    href: "/association".into(),
                    label: "nav-association",
                });
            }
            if p.has(Permission::OfficeAll) && p.has(Permission::PersonRead) {
                nav.push(NavLink {
                    href: "/notifications".into(),
                    label: "nav-notifications",
                });
            }
            if p.has(Permission::ReferralReceive) {
                nav.push(NavLink {
                    href: "/referrals".into(),
                    label: "nav-referrals",
                });
            }
            if p.has(Permission::ProtectionReview) {
                nav.push(NavLink {
                    href: "/returns/protection".into(),
                    label: "nav-protection",
                });
            } else if p.has(Permission::ReturnScreen)
                || (a.user.office_id.is_some() && p.has(Permission::PersonRead))
            {
                nav.push(NavLink {
                    href: "/returns".into(),
                    label: "nav-returns",
                });
            }
            if p.has(Permission::ConsultationManage) || p.has(Permission::ConsultationComment) {
                nav.push(NavLink {
                    href: "/consultations".into(),
                    label: "nav-consultations",
                });
            }
            if p.has(Permission::HelpdeskAnswer) {
                nav.push(NavLink {
                    href: "/helpdesk".into(),
                    label: "nav-helpdesk",
                });
            }
            if p.has(Permission::RoundManage)
                || p.has(Permission::AggregateRead)
                || p.has(Permission::PersonRead)
            {
                nav.push(NavLink {
                    href: "/rounds".into(),
                    label: "nav-rounds",
                });
            }
            if p.has(Permission::AggregateRead) && p.has(Permission::OfficeAll) {
                nav.push(NavLink {
                    href: "/planning".into(),
                    label: "nav-planning",
                });
            }
            if p.has(Permission::KpiRead) {
                let href = match (p.has(Permission::OfficeAll), a.user.office_id) {
                    (false, Some(office)) => format!("/offices/{office}/kpi"),
                    _ => "/kpi".to_owned(),
                };
                nav.push(NavLink {
                    href,
                    label: "nav-kpi",
                });
            }
            if p.has(Permission::PlanReview) || p.has(Permission::PlanSubmit) {
                let href = match (p.has(Permission::PlanReview), a.user.office_id) {
                    (false, Some(office)) => format!("/offices/{office}/plans"),
                    _ => "/plans".to_owned(),
                };
                nav.push(NavLink {
                    href,
                    label: "nav-plans",
                });
            }
            if p.has(Permission::AggregateRead) {
                nav.push(NavLink {
                    href: "/dashboard".into(),
                    label: "nav-dashboard",
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
                href: "/directory".into(),
                label: "nav-directory",
            });
            nav.push(NavLink {
                href: "/information".into(),
                label: "nav-information",
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

/// An error a form shows on its own page, translated, with its status (a user's mistake), or
/// the error itself when it must end the request (a server fault, a refusal, no sign-in).
pub fn form_error(
    state: &AppState,
    ctx: &RequestCtx,
    e: daftar_domain::Error,
) -> std::result::Result<(String, StatusCode), daftar_domain::Error> {
    let status = e.kind.status();
    if status >= 500 || status == 403 || status == 401 {
        return Err(e);
    }
    let msg = PageCtx::new(state, ctx).tr.error(e.code);
    Ok((
        msg,
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
    ))
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

/// A safe local redirect target: only paths on this site. `next` is resolved against a
/// placeholder origin with the WHATWG URL parser (the `url` crate, what browsers run): it drops
/// tabs and newlines and reads `\` as `/` as a browser would, so `/\t/evil.example` or
/// `/\\evil.example` are seen as the other host they are. Anything that leaves the origin, and
/// anything whose percent-decoded path would (`/%2F%2Fevil.example`) or holds a control
/// character, gives `/`. The answer is the parser's serialisation (path, query, fragment),
/// always a valid `Location` value, so a redirect never fails.
pub fn safe_next(next: Option<&str>) -> String {
    const BASE: &str = "http://daftar.invalid/";
    let Some(n) = next.filter(|n| n.starts_with('/') && n.len() <= 2048) else {
        return "/".to_owned();
    };
    let Ok(base) = url::Url::parse(BASE) else {
        return "/".to_owned();
    };
    let Ok(target) = base.join(n) else {
        return "/".to_owned();
    };
    if target.origin() != base.origin() {
        return "/".to_owned();
    }
    let decoded: String = url::form_urlencoded::parse(format!("p={}", target.path()).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    if decoded.starts_with("//")
        || decoded.starts_with("/\\")
        || decoded.chars().any(char::is_control)
    {
        return "/".to_owned();
    }
    let mut out = target.path().to_owned();
    if let Some(q) = target.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = target.fragment() {
        out.push('#');
        out.push_str(f);
    }
    out
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
        // Defect 15.12: what a browser reads as another host, or cannot be a header value.
        for bad in [
            "/\t/evil.example/x",
            "/\n/evil.example/x",
            "/\r\n/evil.example",
            "/\\evil.example",
            "/\t\\evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%5Cevil.example",
            "/%0a/x",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        // What stays is same-origin and always a valid header value.
        for ok in ["/a b", "/x?\u{7f}=1", "/p#\u{1}", "/persons/%41"] {
            let out = safe_next(Some(ok));
            assert!(out.starts_with('/') && !out.starts_with("//"), "{ok:?}");
            assert!(axum::http::HeaderValue::from_str(&out).is_ok(), "{ok:?}");
        }
        assert_eq!(
            safe_next(Some("/persons?q=مریم")),
            "/persons?q=%D9%85%D8%B1%DB%8C%D9%85"
        );
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
                // The plural category for languages that inflect ("1 item", "2 items").
                (
                    "n",
                    if self.total == 1 { "one" } else { "other" }.to_owned(),
                ),
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
