//! Bounded text: the one place a free-text field's rules live (trimmed, a length limit in
//! characters, no control characters, required or not). A command that holds a [`Text`] cannot
//! hold text that breaks them, so the layers behind the edge never check lengths again.

use crate::{Error, Result};
use std::fmt;

/// Text of at most `MAX` characters after trimming, without control characters (line breaks
/// are allowed: notes have paragraphs). Empty only where the field is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Text<const MAX: usize>(String);

impl<const MAX: usize> Text<MAX> {
    /// Parses a required field: empty, too long or with control characters is `code` (422)
    /// naming `field`, with the limit in the details.
    pub fn required(s: &str, code: &'static str, field: &str) -> Result<Self> {
        let t = Self::optional(s, code, field)?;
        if t.0.is_empty() {
            return Err(Self::error(code, field));
        }
        Ok(t)
    }

    /// Parses an optional field (empty is allowed).
    pub fn optional(s: &str, code: &'static str, field: &str) -> Result<Self> {
        let t = s.trim();
        if t.chars().count() > MAX
            || t.chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(Self::error(code, field));
        }
        Ok(Self(t.to_owned()))
    }

    fn error(code: &'static str, field: &str) -> Error {
        Error::invalid(code)
            .with_field(field)
            .with_detail("max", serde_json::json!(MAX))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is empty (an optional field left blank).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The text, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl<const MAX: usize> fmt::Display for Text<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<const MAX: usize> AsRef<str> for Text<MAX> {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A reference code people copy from paper (licence and membership numbers): trimmed and
/// upper-cased, `min..=32` characters of `A-Z`, `0-9`, `-` and `/`, starting with a letter or
/// digit; otherwise the invalid-input error `error` on field `number`.
pub fn reference_code(s: &str, min: usize, error: &'static str) -> Result<String> {
    let s = s.trim().to_ascii_uppercase();
    let ok = (min..=32).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'/')
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphanumeric());
    if ok {
        Ok(s)
    } else {
        Err(Error::invalid(error).with_field("number"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    type Note = Text<5>;

    #[test]
    fn text_is_trimmed_and_counted_in_characters_not_bytes() {
        assert_eq!(
            Note::required("  سلام  ", "case.note.invalid", "note")
                .unwrap()
                .as_str(),
            "سلام"
        );
        assert!(Note::required("سلامت", "case.note.invalid", "note").is_ok());
        let e = Note::required("سلامتی", "case.note.invalid", "note").unwrap_err();
        assert_eq!(e.code, "case.note.invalid");
        assert_eq!(e.details["field"], "note");
        assert_eq!(e.details["max"], 5);
    }

    #[test]
    fn required_text_is_not_blank_and_optional_text_may_be() {
        assert!(Note::required("   ", "case.note.invalid", "note").is_err());
        assert!(
            Note::optional("   ", "case.note.invalid", "note")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept() {
        assert!(Note::optional("a\u{0}b", "case.note.invalid", "note").is_err());
        assert!(Note::optional("a\u{1b}b", "case.note.invalid", "note").is_err());
        assert_eq!(
            Note::optional("a\nb", "case.note.invalid", "note")
                .unwrap()
                .as_str(),
            "a\nb"
        );
    }
}
