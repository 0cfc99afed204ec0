//! Settings the web layer needs, filled by the binary from its layered configuration.

use daftar_domain::session::SessionPolicy;
use daftar_domain::user::LoginPolicy;
use std::path::PathBuf;

/// Web settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (on behind TLS; off for plain-HTTP local demo and tests).
    pub secure_cookies: bool,
    /// Where self-hosted font files are (the setup script fills it); fonts fall back to system
    /// fonts when absent.
    pub font_dir: Option<PathBuf>,
    /// Session lifetimes.
    pub session: SessionPolicy,
    /// Failed-login throttling.
    pub login: LoginPolicy,
    /// Locale when nothing else decides (`fa-IR`).
    pub default_locale: String,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            font_dir: None,
            session: SessionPolicy::default(),
            login: LoginPolicy::default(),
            default_locale: "fa-IR".into(),
        }
    }
}
