//! Synthetic registry records for benchmarks, tests and the demo: people with Persian names
//! (from short lists written here, not taken from any registry), families of siblings and
//! twins, each person written one to four times with the noise real offices produce — Arabic
//! letter forms, ZWNJ or spaces in compound names, titles, Latin transliterations, Persian
//! digits, Jalali or Gregorian dates, year-only dates, swapped day and month, dropped family
//! names. Seeded: the same seed gives the same records.

use crate::dedupe::Record;
use daftar_domain::digits::to_persian_digits;
use daftar_domain::jalali::JalaliDate;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const GIVEN_M: &[(&str, &str)] = &[
    ("محمد", "Mohammad"),
    ("احمد", "Ahmad"),
    ("عبدالله", "Abdullah"),
    ("نورالله", "Nurullah"),
    ("حبیب‌الله", "Habibullah"),
    ("غلام‌علی", "Ghulam Ali"),
    ("سلیمان", "Sulaiman"),
    ("یوسف", "Yousuf"),
    ("عمر", "Omar"),
    ("داوود", "Dawood"),
    ("ناصر", "Naser"),
    ("کریم", "Karim"),
    ("رحیم", "Rahim"),
    ("حسین", "Hussain"),
    ("مصطفی", "Mustafa"),
    ("ابراهیم", "Ibrahim"),
    ("اسماعیل", "Ismail"),
    ("شریف", "Sharif"),
    ("فرید", "Farid"),
    ("همایون", "Humayun"),
];
const GIVEN_F: &[(&str, &str)] = &[
    ("فاطمه", "Fatima"),
    ("زینب", "Zainab"),
    ("مریم", "Maryam"),
    ("خدیجه", "Khadija"),
    ("زهرا", "Zahra"),
    ("شکیلا", "Shakila"),
    ("فرشته", "Fereshta"),
    ("نرگس", "Nargis"),
    ("لیلا", "Laila"),
    ("سکینه", "Sakina"),
    ("پروانه", "Parwana"),
    ("هما", "Homa"),
    ("گل‌افروز", "Gulafroz"),
    ("ملالی", "Malalai"),
    ("صدیقه", "Sediqa"),
];
const FAMILY: &[(&str, &str)] = &[
    ("احمدی", "Ahmadi"),
    ("حسینی", "Hosseini"),
    ("محمدی", "Mohammadi"),
    ("کریمی", "Karimi"),
    ("هزاره", "Hazara"),
    ("جعفری", "Jafari"),
    ("نوری", "Noori"),
    ("صالحی", "Salehi"),
    ("قربانی", "Ghorbani"),
    ("موسوی", "Mousavi"),
    ("یعقوبی", "Yaqubi"),
    ("رحیمی", "Rahimi"),
    ("سلطانی", "Soltani"),
    ("عزیزی", "Azizi"),
    ("کابلی", "Kabuli"),
];
const TITLES: &[&str] = &["حاجی", "ملا", "سید"];

/// A noisy copy of `s` (Persian script): Arabic letter forms, removed or spaced ZWNJ, a doubled
/// or dropped letter, tatweel.
fn noisy(rng: &mut StdRng, s: &str) -> String {
    let mut t: String = s.to_owned();
    match rng.random_range(0..6) {
        0 => t = t.replace('ی', "ي").replace('ک', "ك"),
        1 => t = t.replace('\u{200c}', " "),
        2 => t = t.replace('\u{200c}', ""),
        3 => {
            let chars: Vec<char> = t.chars().collect();
            if chars.len() > 3 {
                let i = rng.random_range(1..chars.len() - 1);
                t = chars
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| *j != i)
                    .map(|(_, c)| c)
                    .collect();
            }
        }
        4 => {
            let chars: Vec<char> = t.chars().collect();
            let i = rng.random_range(0..chars.len().max(1));
            t = chars
                .iter()
                .enumerate()
                .flat_map(|(j, c)| {
                    if j == i {
                        vec![*c, '\u{0640}']
                    } else {
                        vec![*c]
                    }
                })
                .collect();
        }
        _ => {}
    }
    t
}

fn pick<'a>(rng: &mut StdRng, list: &'a [(&'a str, &'a str)]) -> (&'a str, &'a str) {
    list[rng.random_range(0..list.len())]
}

/// `count` records (about 1.7 per person), with the true person id of each.
pub fn persons(count: usize, seed: u64) -> Vec<(Record, String)> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(count);
    let start = time::Date::from_calendar_date(1950, time::Month::January, 1)
        .map(|d| d.to_julian_day())
        .unwrap_or(2_433_283);
    let mut person = 0usize;
    while out.len() < count {
        // A family: father, family name (a quarter have none), one to three children.
        let father = pick(&mut rng, GIVEN_M);
        let family = if rng.random_bool(0.25) {
            ("", "")
        } else {
            pick(&mut rng, FAMILY)
        };
        let children = rng.random_range(1..=3);
        let twin_day = start + rng.random_range(0..25_000);
        for c in 0..children {
            let female = rng.random_bool(0.5);
            let given = pick(&mut rng, if female { GIVEN_F } else { GIVEN_M });
            let day = if c == 1 && rng.random_bool(0.2) {
                twin_day
            } else {
                start + rng.random_range(0..25_000)
            };
            let date = time::Date::from_julian_day(day).unwrap_or(time::Date::MIN);
            let year_only = rng.random_bool(0.15);
            let copies = 1
                + usize::from(rng.random_bool(0.5))
                + usize::from(rng.random_bool(0.2))
                + usize::from(rng.random_bool(0.05));
            for _ in 0..copies {
                if out.len() >= count {
                    break;
                }
                let latin = rng.random_bool(0.2);
                let name = |rng: &mut StdRng, n: (&str, &str)| {
                    if latin {
                        n.1.to_owned()
                    } else {
                        noisy(rng, n.0)
                    }
                };
                let mut given_name = name(&mut rng, given);
                if !latin && rng.random_bool(0.05) {
                    given_name =
                        format!("{} {given_name}", TITLES[rng.random_range(0..TITLES.len())]);
                }
                let family_name = if rng.random_bool(0.1) {
                    String::new()
                } else {
                    name(&mut rng, family)
                };
                let father_name = name(&mut rng, father);
                let j = JalaliDate::from_iso(date);
                let birth_date = match (year_only, rng.random_range(0..4)) {
                    (true, 0) => format!("{}", j.year()),
                    (true, _) => format!("{}/01/01", j.year()),
                    (false, 0) => date.to_string(),
                    (false, 1) => to_persian_digits(&j.format_numeric(false)),
                    (false, 2) => {
                        format!("{:04}/{:02}/{:02}", j.year(), j.day().min(12), j.month())
                    }
                    _ => j.format_numeric(false),
                };
                let gender = match rng.random_range(0..5) {
                    0 => String::new(),
                    _ if female => "F".into(),
                    _ => "M".into(),
                };
                let id = format!("r{:08}", out.len());
                out.push((
                    Record {
                        id,
                        given_name,
                        family_name,
                        father_name,
                        birth_date,
                        gender,
                    },
                    format!("p{person:08}"),
                ));
            }
            person += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_sized() {
        let a = persons(500, 7);
        assert_eq!(a.len(), 500);
        assert_eq!(a, persons(500, 7), "same seed, same records");
        assert_ne!(a, persons(500, 8));
        let people: std::collections::BTreeSet<_> = a.iter().map(|(_, p)| p).collect();
        assert!(people.len() < 500, "people appear more than once");
        assert!(
            a.iter().any(|(r, _)| r.given_name.is_ascii()),
            "some Latin transliterations"
        );
        assert!(
            a.iter().any(|(r, _)| r.family_name.is_empty()),
            "some missing family names"
        );
    }

    #[test]
    fn the_engine_finds_most_generated_duplicates() {
        let data = persons(3000, 11);
        let records: Vec<Record> = data.iter().map(|(r, _)| r.clone()).collect();
        let out = crate::dedupe::dedupe(&records, &crate::dedupe::Settings::default(), |_| {});
        let (mut tp, mut fp, mut truth) = (0u64, 0u64, 0u64);
        for i in 0..records.len() {
            for j in i + 1..records.len() {
                let same = data[i].1 == data[j].1;
                let pred = out.clusters[i] == out.clusters[j];
                truth += u64::from(same);
                tp += u64::from(same && pred);
                fp += u64::from(!same && pred);
            }
        }
        let precision = tp as f64 / (tp + fp).max(1) as f64;
        let recall = tp as f64 / truth.max(1) as f64;
        assert!(
            precision > 0.85 && recall > 0.5,
            "precision {precision:.3} recall {recall:.3}"
        );
    }
}
