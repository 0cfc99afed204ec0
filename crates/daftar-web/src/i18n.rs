//! Translations and locale negotiation. Messages live in `locales/<tag>/main.ftl` (Fluent),
//! embedded at build time. Error codes double as message ids with dots turned into dashes.
//! Negotiation order: the user's saved setting → the `daftar_locale` cookie → `Accept-Language`
//! → the configured default (`fa-IR`).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use std::collections::HashMap;
use std::sync::Arc;
use unic_langid::LanguageIdentifier;

/// A supported locale: tag, writing direction, and the name shown in the switcher (in itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocaleInfo {
    /// BCP 47 tag.
    pub tag: &'static str,
    /// `rtl` or `ltr`.
    pub dir: &'static str,
    /// Name of the language in itself.
    pub native_name: &'static str,
}

/// Every supported locale, default first.
pub const LOCALES: [LocaleInfo; 4] = [
    LocaleInfo {
        tag: "fa-IR",
        dir: "rtl",
        native_name: "فارسی",
    },
    LocaleInfo {
        tag: "fa-AF",
        dir: "rtl",
        native_name: "دری",
    },
    LocaleInfo {
        tag: "ps",
        dir: "rtl",
        native_name: "پښتو",
    },
    LocaleInfo {
        tag: "en",
        dir: "ltr",
        native_name: "English",
    },
];

/// The Fluent sources, embedded.
pub const SOURCES: [(&str, &str); 4] = [
    ("fa-IR", include_str!("../../../locales/fa-IR/main.ftl")),
    ("fa-AF", include_str!("../../../locales/fa-AF/main.ftl")),
    ("ps", include_str!("../../../locales/ps/main.ftl")),
    ("en", include_str!("../../../locales/en/main.ftl")),
];

/// Name of the cookie that remembers an explicit language choice.
pub const LOCALE_COOKIE: &str = "daftar_locale";

/// Looks up a supported locale by tag (case-insensitive).
pub fn locale_info(tag: &str) -> Option<LocaleInfo> {
    LOCALES
        .iter()
        .copied()
        .find(|l| l.tag.eq_ignore_ascii_case(tag))
}

/// Message lookups that did not resolve in the locale asked for: an id the locale lacks (the
/// page then shows the default locale's text or the raw id) or a message whose arguments did
/// not fit. Each is logged as a warning; tests hand the server a recorder (through
/// `WebConfig::i18n_misses`) and fail on any entry. Shared by reference between the web nodes of
/// one process only, and only tests read it.
#[derive(Debug, Default)]
pub struct Misses(std::sync::Mutex<Vec<Miss>>);

/// One unresolved lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Miss {
    /// The locale asked for.
    pub locale: String,
    /// The message id.
    pub id: String,
    /// What went wrong (`missing`, or the formatting error).
    pub why: String,
}

impl Misses {
    fn record(&self, miss: Miss) {
        if let Ok(mut v) = self.0.lock() {
            v.push(miss);
        }
    }
    /// Takes the misses recorded so far.
    pub fn take(&self) -> Vec<Miss> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// All translations, loaded once.
pub struct I18n {
    bundles: HashMap<&'static str, FluentBundle<FluentResource>>,
    default: LocaleInfo,
    misses: Option<Arc<Misses>>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("I18n")
            .field("default", &self.default.tag)
            .finish()
    }
}

impl I18n {
    /// Loads every embedded locale. Fails with the parse errors of a broken file.
    pub fn load(default_tag: &str) -> Result<Self, String> {
        let mut bundles = HashMap::new();
        for (tag, src) in SOURCES {
            let res = FluentResource::try_new(src.to_owned())
                .map_err(|(_, errs)| format!("{tag}: {errs:?}"))?;
            let lang: LanguageIdentifier = tag.parse().map_err(|e| format!("{tag}: {e}"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![lang]);
            bundle.set_use_isolating(false);
            bundle
                .add_resource(res)
                .map_err(|errs| format!("{tag}: {errs:?}"))?;
            bundles.insert(tag, bundle);
        }
        let default = locale_info(default_tag).unwrap_or(LOCALES[0]);
        Ok(Self {
            bundles,
            default,
            misses: None,
        })
    }

    /// Records every unresolved lookup in `misses` as well as logging it.
    #[must_use]
    pub fn recording(mut self, misses: Arc<Misses>) -> Self {
        self.misses = Some(misses);
        self
    }

    fn miss(&self, locale: &str, id: &str, why: String) {
        tracing::warn!(locale, id, why, "message did not resolve");
        if let Some(m) = &self.misses {
            m.record(Miss {
                locale: locale.to_owned(),
                id: id.to_owned(),
                why,
            });
        }
    }

    /// The configured default locale.
    pub fn default_locale(&self) -> LocaleInfo {
        self.default
    }

    /// Picks the locale: saved user setting, then cookie, then `Accept-Language`, then default.
    pub fn negotiate(
        &self,
        user: Option<&str>,
        cookie: Option<&str>,
        accept_language: Option<&str>,
    ) -> LocaleInfo {
        if let Some(l) = user
            .and_then(locale_info)
            .or_else(|| cookie.and_then(locale_info))
        {
            return l;
        }
        if let Some(header) = accept_language {
            let requested = fluent_langneg::accepted_languages::parse(header);
            let available: Vec<LanguageIdentifier> =
                LOCALES.iter().filter_map(|l| l.tag.parse().ok()).collect();
            let default: Option<LanguageIdentifier> = self.default.tag.parse().ok();
            let picked = fluent_langneg::negotiate_languages(
                &requested,
                &available,
                default.as_ref(),
                fluent_langneg::NegotiationStrategy::Lookup,
            );
            if let Some(l) = picked.first().and_then(|id| locale_info(&id.to_string())) {
                return l;
            }
        }
        self.default
    }

    /// Translates `id` in `locale` with arguments; falls back to the default locale, then to the
    /// id, and reports either fallback (and any formatting error) as a miss.
    pub fn message(&self, locale: &str, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let fargs = if args.is_empty() {
            None
        } else {
            let mut a = FluentArgs::new();
            for (k, v) in args {
                a.set(*k, v.clone());
            }
            Some(a)
        };
        for tag in [locale, self.default.tag] {
            if let Some(bundle) = self.bundles.get(tag)
                && let Some(pattern) = bundle.get_message(id).and_then(|m| m.value())
            {
                let mut errors = vec![];
                let text = bundle
                    .format_pattern(pattern, fargs.as_ref(), &mut errors)
                    .into_owned();
                if tag != locale {
                    self.miss(locale, id, "missing".into());
                } else if !errors.is_empty() {
                    self.miss(locale, id, format!("{errors:?}"));
                }
                return text;
            }
        }
        self.miss(locale, id, "missing".into());
        id.to_owned()
    }

    /// Whether `locale` has message `id`.
    pub fn has(&self, locale: &str, id: &str) -> bool {
        self.bundles.get(locale).is_some_and(|b| b.has_message(id))
    }
}

/// A translator bound to one locale, handed to templates.
#[derive(Clone, Debug)]
pub struct Tr {
    i18n: Arc<I18n>,
    /// The locale in force.
    pub locale: LocaleInfo,
    /// Clock times are shown at this offset from UTC (the offices' local time).
    offset: time::UtcOffset,
}

impl Tr {
    /// Binds `i18n` to `locale`; clock times in UTC until [`Tr::at_offset`].
    pub fn new(i18n: Arc<I18n>, locale: LocaleInfo) -> Self {
        Self {
            i18n,
            locale,
            offset: time::UtcOffset::UTC,
        }
    }
    /// Shows clock times `minutes` east of UTC (the configured `utc_offset_minutes`).
    #[must_use]
    pub fn at_offset(mut self, minutes: i32) -> Self {
        self.offset =
            time::UtcOffset::from_whole_seconds(minutes.saturating_mul(60)).unwrap_or(self.offset);
        self
    }
    /// Translates a message id.
    pub fn t(&self, id: &str) -> String {
        self.i18n.message(self.locale.tag, id, &[])
    }
    /// Translates with one named argument.
    pub fn t1(&self, id: &str, name: &str, value: &str) -> String {
        self.i18n.message(
            self.locale.tag,
            id,
            &[(name, FluentValue::from(value.to_owned()))],
        )
    }
    /// Translates with several named arguments.
    pub fn ta(&self, id: &str, args: &[(&str, String)]) -> String {
        let args: Vec<(&str, FluentValue<'_>)> = args
            .iter()
            .map(|(k, v)| (*k, FluentValue::from(v.clone())))
            .collect();
        self.i18n.message(self.locale.tag, id, &args)
    }
    /// Translates an error code (`a.b.c` → message `a-b-c`).
    pub fn error(&self, code: &str) -> String {
        debug_assert!(
            daftar_domain::error::codes::is_registered(code),
            "error code {code:?} is not in daftar_domain::error::codes::ALL"
        );
        self.t(&daftar_domain::error::message_id(code))
    }
    /// Formats an ISO date (`YYYY-MM-DD`) as a Jalali date in this locale; returns the input if
    /// it is not a valid date.
    pub fn date(&self, iso: &str) -> String {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(iso, fmt) {
            Ok(d) => daftar_domain::jalali::JalaliDate::from_iso(d).format(self.locale.tag),
            Err(_) => iso.to_owned(),
        }
    }
    /// A date known to a day, month or year: a day with its Jalali month name, a month or year
    /// as numbers in the calendar it was given in, in this locale's digits.
    pub fn partial_date(&self, d: &daftar_domain::birth::PartialDate) -> String {
        if d.precision == daftar_domain::birth::DatePrecision::Day {
            return self.date(&d.iso());
        }
        let text = d.numeric();
        if self.locale.tag == "en" {
            text
        } else {
            daftar_domain::digits::to_persian_digits(&text)
        }
    }
    /// Formats a timestamp as a Jalali date and `HH:MM` at the offices' offset, in this locale.
    pub fn datetime(&self, t: &time::OffsetDateTime) -> String {
        let t = t.to_offset(self.offset);
        let d = daftar_domain::jalali::JalaliDate::from_iso(t.date()).format(self.locale.tag);
        let hm = format!("{:02}:{:02}", t.hour(), t.minute());
        let hm = if self.locale.tag == "en" {
            hm
        } else {
            daftar_domain::digits::to_persian_digits(&hm)
        };
        format!("{d} {hm}")
    }
    /// An amount of money with its unit, in this locale's digits and separators
    /// ("۱٬۲۰۰٬۰۰۰ ریال", "1,200,000 rials"): every amount a page shows goes through here.
    pub fn rials(&self, rials: u64) -> String {
        format!(
            "{} {}",
            daftar_domain::service::format_rials(rials, self.locale.tag != "en"),
            self.t("money-rials")
        )
    }
    /// Text with its digits in this locale's (a clock time "08:00" is "۰۸:۰۰" on a Persian page).
    pub fn digits(&self, text: &str) -> String {
        if self.locale.tag == "en" {
            text.to_owned()
        } else {
            daftar_domain::digits::to_persian_digits(text)
        }
    }
    /// A calendar year in this locale's digits, never with a thousands separator ("۱۴۰۵").
    /// Takes the year by value or by reference, as templates pass it.
    pub fn year(&self, year: impl std::borrow::Borrow<i32>) -> String {
        let text = year.borrow().to_string();
        if self.locale.tag == "en" {
            text
        } else {
            daftar_domain::digits::to_persian_digits(&text)
        }
    }
    /// A number in this locale's digits (takes counts by value or by reference, as templates pass them).
    pub fn num(&self, n: impl AsCount) -> String {
        daftar_domain::digits::format_int(
            i64::try_from(n.as_count()).unwrap_or(i64::MAX),
            self.locale.tag != "en",
        )
    }
}

/// A count as templates hand it over (by value or by reference).
pub trait AsCount {
    /// The count.
    fn as_count(&self) -> u64;
}
impl AsCount for u64 {
    fn as_count(&self) -> u64 {
        *self
    }
}
macro_rules! as_count_from {
    ($($t:ty),*) => {$(
        impl AsCount for $t {
            fn as_count(&self) -> u64 {
                u64::try_from(*self).unwrap_or(0)
            }
        }
    )*};
}
as_count_from!(u8, u16, u32, usize, i64, i32);
impl<T: AsCount + ?Sized> AsCount for &T {
    fn as_count(&self) -> u64 {
        (**self).as_count()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn clock_times_are_shown_at_the_offices_offset() {
        let i18n = Arc::new(I18n::load("en").unwrap());
        let en = locale_info("en").unwrap();
        let t = time::macros::datetime!(2026-12-01 21:00 UTC);
        // 21:00 UTC is 00:30 the next day in Tehran (+3:30): date and time both move.
        let utc = Tr::new(i18n.clone(), en).datetime(&t);
        let tehran = Tr::new(i18n, en).at_offset(210).datetime(&t);
        assert!(utc.ends_with("21:00"), "{utc}");
        assert!(tehran.ends_with("00:30"), "{tehran}");
        assert!(
            utc.starts_with("Azar 10,") && tehran.starts_with("Azar 11,"),
            "{utc} / {tehran}"
        );
    }
}
