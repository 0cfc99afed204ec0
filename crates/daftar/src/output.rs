//! Terminal output: English messages for domain errors (the CLI is an operator tool), and
//! plain aligned tables.

use daftar_domain::Error;
use std::io::Write;

/// The English message of a domain error, from the same Fluent files the web uses.
pub fn message(e: &Error) -> String {
    match daftar_web::i18n::I18n::load("en") {
        Ok(i) => {
            let m = i.message("en", &e.message_id(), &[]);
            match &e.internal {
                Some(detail) => format!("{m} ({detail})"),
                None => m,
            }
        }
        Err(_) => e.to_string(),
    }
}

/// Prints rows as a table with a header, columns padded to the widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(c.chars().count());
            }
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c:<w$}", w = widths.get(i).copied().unwrap_or(0)))
            .collect();
        // A closed pipe (`| head`) is not an error worth a panic.
        let _ = writeln!(std::io::stdout().lock(), "{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    line(widths.iter().map(|w| "-".repeat(*w)).collect());
    for r in rows {
        line(r.clone());
    }
}

/// A progress bar on standard error when it is a terminal (hidden otherwise, so that logs and
/// pipes stay clean).
pub fn progress(len: u64, msg: &'static str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let b = indicatif::ProgressBar::new(len);
    b.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    b.set_message(msg);
    b
}
