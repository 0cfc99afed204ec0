//! Sorting names for people (issue 21.10): a sort key that puts Persian, Dari and Pashto text
//! in alphabet order (آ ا ب پ ت … گ ل م ن و ه ی, with the Pashto letters beside their
//! neighbours), where Unicode order would put پ چ ژ گ after ی, and Latin text case-insensitively.
//! ZWNJ and diacritics do not count; Arabic forms of ی and ک sort as the Persian ones.

/// The Persian alphabet with the Pashto letters after the letter they extend.
const ALPHABET: &str = "آاأإبپتټثجچځڅحخدډذرړزژږسشښصضطظعغفقکګگلمنڼوؤهۀةیيېۍئ";

/// The sort key of `text`.
pub fn sort_key(text: &str) -> Vec<u32> {
    text.chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{200C}' | '\u{200D}'
            )
        })
        .map(|c| {
            let c = match c {
                'ي' | 'ى' => 'ی',
                'ك' => 'ک',
                _ => c,
            };
            match ALPHABET.chars().position(|a| a == c) {
                // Letters after the space and the digits, before anything else non-Latin.
                Some(i) => 0x1_0000 + u32::try_from(i).unwrap_or(0),
                None => u32::from(c.to_lowercase().next().unwrap_or(c)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persian_letters_sort_in_alphabet_order() {
        let mut names = vec![
            "گواهی",
            "پروانه",
            "ثبت",
            "یادداشت",
            "آموزش",
            "چاپ",
            "تمدید",
            "کارت",
        ];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(
            names,
            [
                "آموزش",
                "پروانه",
                "تمدید",
                "ثبت",
                "چاپ",
                "کارت",
                "گواهی",
                "یادداشت"
            ]
        );
    }

    #[test]
    fn latin_ignores_case_and_arabic_forms_match() {
        let mut names = vec!["work", "Bank", "address"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, ["address", "Bank", "work"]);
        assert_eq!(sort_key("كيف"), sort_key("کیف"));
        assert_eq!(sort_key("می‌روم"), sort_key("میروم"));
    }
}
