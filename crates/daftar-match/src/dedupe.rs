//! The duplicate-detection engine: prepare each record's keys once, generate candidate pairs by
//! blocking on name skeletons (cross-script) and birth years, decide each pair with rules that
//! favour precision (merging two people is worse than missing a duplicate), and cluster the
//! accepted pairs with union-find.

use crate::date::{DateAgreement, FuzzyDate, agreement};
use crate::normalize::{is_latin_name, persian_key, rasm, skeleton};
use std::collections::HashMap;

/// One input record (as read from a file or the database).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// Caller's id.
    pub id: String,
    /// Given name.
    pub given_name: String,
    /// Family name (may be empty).
    pub family_name: String,
    /// Father's name (may be empty).
    pub father_name: String,
    /// Birth date as written (may be empty).
    pub birth_date: String,
    /// `M`, `F` or empty.
    pub gender: String,
}

/// A name prepared for comparison.
#[derive(Debug, Clone, Default)]
struct Name {
    key: String,
    rasm: String,
    skel: String,
    /// Skeleton without a leading "Mohammad" (compound given names often lose it).
    alt_skel: Option<String>,
    latin: bool,
}

impl Name {
    fn new(s: &str) -> Self {
        let key = persian_key(s);
        let skel = skeleton(s);
        let alt_skel = skel
            .strip_prefix("mhmd")
            .filter(|r| r.len() >= 2)
            .map(str::to_owned);
        Self {
            rasm: rasm(&key),
            key,
            skel,
            alt_skel,
            latin: is_latin_name(s),
        }
    }
    fn is_empty(&self) -> bool {
        self.skel.is_empty() && self.key.is_empty()
    }
}

/// How similar two names are, 0..=1; `None` when either is missing.
fn name_sim(a: &Name, b: &Name) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    if !a.latin && !b.latin {
        if a.key == b.key {
            return Some(1.0);
        }
        let jw = strsim::jaro_winkler(&a.key, &b.key);
        let floor = if a.skel == b.skel || a.rasm == b.rasm {
            0.93
        } else {
            0.0
        };
        return Some(jw.max(floor));
    }
    if a.skel == b.skel {
        return Some(if a.latin && b.latin && a.key == b.key {
            1.0
        } else {
            0.95
        });
    }
    Some(strsim::jaro_winkler(&a.skel, &b.skel) * 0.97)
}

/// Given names may also differ by a dropped "Mohammad" prefix.
fn given_sim(a: &Name, b: &Name) -> Option<f64> {
    let base = name_sim(a, b)?;
    let alt = match (&a.alt_skel, &b.alt_skel) {
        (Some(x), _) if *x == b.skel => 0.9,
        (_, Some(y)) if *y == a.skel => 0.9,
        _ => 0.0,
    };
    Some(base.max(alt))
}

/// A record with its keys.
#[derive(Debug, Clone)]
struct Prepared {
    given: Name,
    family: Name,
    father: Name,
    date: Option<FuzzyDate>,
    gender: Option<char>,
}

fn prepare(r: &Record) -> Prepared {
    let gender = match r.gender.trim().to_ascii_uppercase().as_str() {
        "M" | "MALE" | "مرد" => Some('M'),
        "F" | "FEMALE" | "زن" => Some('F'),
        _ => None,
    };
    Prepared {
        given: Name::new(&r.given_name),
        family: Name::new(&r.family_name),
        father: Name::new(&r.father_name),
        date: FuzzyDate::parse(&r.birth_date),
        gender,
    }
}

/// Tuning of the pair rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Lowest given-name similarity for a match.
    pub threshold: f64,
    /// Blocks larger than this are too common to compare pairwise and are skipped.
    pub max_block: usize,
    /// Lowest similarity of family and fathers' names, when both records have them.
    pub other_names: f64,
    /// Evidence needed besides the given name (see `decide`).
    pub min_points: f64,
    /// Weight of a given name's rarity in the evidence.
    pub given_rarity: f64,
    /// How strongly rarity scales the evidence (0: not at all).
    pub rarity_scale: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold: 0.9,
            max_block: 300,
            other_names: 0.85,
            min_points: 4.0,
            given_rarity: 1.5,
            rarity_scale: 0.5,
        }
    }
}

/// Why a pair matched (the agreeing fields), for review screens.
pub use daftar_domain::person::MatchReasons as Reasons;

/// Decides one pair; `Some((reasons, score))` when the records are taken for the same person.
fn decide(
    a: &Prepared,
    b: &Prepared,
    s: &Settings,
    freq: Option<&Frequencies>,
) -> Option<(Reasons, f64)> {
    if let (Some(x), Some(y)) = (a.gender, b.gender)
        && x != y
    {
        return None;
    }
    let straight = (
        given_sim(&a.given, &b.given),
        name_sim(&a.family, &b.family),
    );
    let swapped = (
        given_sim(&a.given, &b.family),
        name_sim(&a.family, &b.given),
    );
    let (g, fam, was_swapped) = match (straight, swapped) {
        ((Some(g), f), _) if g >= s.threshold => (g, f, false),
        (_, (Some(g), Some(f))) if g >= s.threshold && f >= s.threshold => (g, Some(f), true),
        _ => return None,
    };
    let fath = name_sim(&a.father, &b.father);
    if fam.is_some_and(|f| f < s.other_names) || fath.is_some_and(|f| f < s.other_names) {
        return None;
    }
    let date = agreement(a.date.as_ref(), b.date.as_ref());
    let date_points = match date {
        DateAgreement::Conflict => return None,
        DateAgreement::Exact => 3.0,
        DateAgreement::Near => 2.0,
        DateAgreement::SameYear => 1.0,
        DateAgreement::Unknown => 0.0,
    };
    // Evidence beyond the given name: a present, agreeing father's name counts most, then the
    // birth date, then the family name; a missing field counts nothing either way.
    let rare = |name: &Name| freq.map_or(1.0, |f| f.rarity(&name.skel, s.rarity_scale));
    let points = date_points
        + fath.map_or(0.0, |f| 2.0 * f * rare(&a.father))
        + fam.map_or(0.0, |f| 1.5 * f * rare(&a.family))
        + (g - s.threshold) * 5.0
        + (rare(&a.given) - 1.0) * s.given_rarity;
    (points >= s.min_points).then_some((
        Reasons {
            given: true,
            family: fam.is_some(),
            father: fath.is_some(),
            birth_date: date >= DateAgreement::SameYear,
            swapped: was_swapped,
        },
        points,
    ))
}

/// Whether two records cannot be the same person whatever else agrees: different sex,
/// different full birth dates, or clearly different given names.
fn conflict(a: &Prepared, b: &Prepared, s: &Settings) -> bool {
    if let (Some(x), Some(y)) = (a.gender, b.gender)
        && x != y
    {
        return true;
    }
    if agreement(a.date.as_ref(), b.date.as_ref()) == DateAgreement::Conflict {
        return true;
    }
    let g = given_sim(&a.given, &b.given)
        .unwrap_or(1.0)
        .max(given_sim(&a.given, &b.family).unwrap_or(0.0));
    if g < s.threshold - 0.1 {
        return true;
    }
    let differ = |x: &Name, y: &Name| name_sim(x, y).is_some_and(|v| v < s.other_names - 0.05);
    differ(&a.father, &b.father) || (differ(&a.family, &b.family) && differ(&a.given, &b.family))
}

/// Blocking keys of a record: records sharing a key are compared.
fn keys(p: &Prepared) -> Vec<String> {
    let mut out = vec![];
    let givens: Vec<&str> = std::iter::once(p.given.skel.as_str())
        .chain(p.given.alt_skel.as_deref())
        .filter(|g| !g.is_empty())
        .collect();
    let years: Vec<i32> = match &p.date {
        Some(d) => {
            // Gregorian years the date's own year overlaps.
            let year_of = |jd: i32| {
                time::Date::from_julian_day(jd)
                    .map(|d| d.year())
                    .unwrap_or(0)
            };
            let (y0, y1) = (year_of(d.year_range.0), year_of(d.year_range.1));
            (y0..=y1).collect()
        }
        None => vec![],
    };
    if let Some(d) = p
        .date
        .as_ref()
        .filter(|d| d.precision == crate::date::Precision::Day)
    {
        out.push(format!("d|{}", d.day));
    }
    if !p.father.skel.is_empty() {
        for y in &years {
            out.push(format!("fy|{}|{y}", p.father.skel));
        }
        if !p.family.skel.is_empty() {
            out.push(format!("ff|{}|{}", p.family.skel, p.father.skel));
        }
    }
    for g in &givens {
        for y in &years {
            out.push(format!("gy|{g}|{y}"));
        }
        if !p.father.skel.is_empty() {
            out.push(format!("gf|{g}|{}", p.father.skel));
        }
        if !p.family.skel.is_empty() {
            let (x, y) = if *g <= p.family.skel.as_str() {
                (*g, p.family.skel.as_str())
            } else {
                (p.family.skel.as_str(), *g)
            };
            out.push(format!("gn|{x}|{y}"));
        }
    }
    out
}

/// How often each name skeleton occurs in the input: agreeing on a rare name is stronger
/// evidence than agreeing on a common one. Counted from the records being compared, so it
/// adapts to any population (no built-in name lists).
#[derive(Debug, Default)]
pub struct Frequencies {
    counts: HashMap<String, u32>,
    median: f64,
}

impl Frequencies {
    fn of(prepared: &[Prepared]) -> Self {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for p in prepared {
            for n in [&p.given, &p.family, &p.father] {
                if !n.skel.is_empty() {
                    *counts.entry(n.skel.clone()).or_default() += 1;
                }
            }
        }
        // Median over records (each record's name counts once), so it tracks typical names.
        let mut per_record: Vec<u32> = prepared
            .iter()
            .filter_map(|p| counts.get(&p.given.skel).copied())
            .collect();
        per_record.sort_unstable();
        let median = f64::from(
            per_record
                .get(per_record.len() / 2)
                .copied()
                .unwrap_or(1)
                .max(1),
        );
        Self { counts, median }
    }

    /// 1 for a name of the median frequency of names in the input, more for rarer names, less
    /// for commoner ones: `1 + scale * ln(median / count)`, bounded to 0.5..=1.5.
    fn rarity(&self, skel: &str, scale: f64) -> f64 {
        let n = f64::from(self.counts.get(skel).copied().unwrap_or(1).max(1));
        (1.0 + scale * (self.median / n).ln() / 3.0).clamp(0.5, 1.5)
    }
}

/// Union-find over record indexes, with each root's members (to check merges).
struct Clusters {
    parent: Vec<usize>,
    members: Vec<Vec<usize>>,
}

impl Clusters {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            members: (0..n).map(|i| vec![i]).collect(),
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    /// Merges the clusters of `a` and `b` unless `conflicts` says some member of one cannot be
    /// the same person as some member of the other; returns whether they are now one cluster.
    fn union_if(&mut self, a: usize, b: usize, conflicts: impl Fn(usize, usize) -> bool) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return true;
        }
        if self.members[ra]
            .iter()
            .any(|&x| self.members[rb].iter().any(|&y| conflicts(x, y)))
        {
            return false;
        }
        let (keep, gone) = (ra.min(rb), ra.max(rb));
        self.parent[gone] = keep;
        let moved = std::mem::take(&mut self.members[gone]);
        self.members[keep].extend(moved);
        true
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Cluster number of each input record, in input order (numbered from 0 by first record).
    pub clusters: Vec<usize>,
    /// Candidate pairs compared.
    pub candidate_pairs: u64,
    /// Pairs accepted as the same person.
    pub matched_pairs: u64,
    /// Number of clusters (singletons included).
    pub cluster_count: usize,
    /// The accepted pairs (record indexes) with their reasons, for a review queue.
    pub pairs: Vec<(usize, usize, Reasons)>,
}

/// Runs deduplication over `records`; `progress` is called with the number of records whose
/// pairs have been compared so far.
pub fn dedupe(records: &[Record], settings: &Settings, mut progress: impl FnMut(usize)) -> Outcome {
    let prepared: Vec<Prepared> = records.iter().map(prepare).collect();
    let freq = Frequencies::of(&prepared);
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, p) in prepared.iter().enumerate() {
        for k in keys(p) {
            blocks.entry(k).or_default().push(i);
        }
    }
    let mut pairs: Vec<(usize, usize)> = vec![];
    for members in blocks.values() {
        if members.len() < 2 || members.len() > settings.max_block {
            continue;
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                pairs.push(if i < j { (i, j) } else { (j, i) });
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    let mut scored = vec![];
    let step = (pairs.len() / 100).max(1);
    for (n, &(i, j)) in pairs.iter().enumerate() {
        if let Some((reasons, score)) = decide(&prepared[i], &prepared[j], settings, Some(&freq)) {
            scored.push((score, i, j, reasons));
        }
        if n % step == 0 {
            progress(n * records.len() / pairs.len().max(1));
        }
    }
    // Strongest evidence first, so that a weak link cannot pull a record away from its best match.
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut uf = Clusters::new(records.len());
    let mut accepted = vec![];
    for (_, i, j, reasons) in scored {
        if uf.union_if(i, j, |x, y| conflict(&prepared[x], &prepared[y], settings)) {
            accepted.push((i, j, reasons));
        }
    }
    progress(records.len());
    let mut numbers: HashMap<usize, usize> = HashMap::new();
    let clusters: Vec<usize> = (0..records.len())
        .map(|i| {
            let root = uf.find(i);
            let next = numbers.len();
            *numbers.entry(root).or_insert(next)
        })
        .collect();
    Outcome {
        cluster_count: numbers.len(),
        clusters,
        candidate_pairs: pairs.len() as u64,
        matched_pairs: accepted.len() as u64,
        pairs: accepted,
    }
}

/// Candidates for one new record among existing ones, best first, with the reasons they match
/// (for the enrolment-time check).
pub fn candidates<'a>(
    new: &Record,
    existing: &'a [Record],
    settings: &Settings,
) -> Vec<(&'a Record, Reasons)> {
    let p = prepare(new);
    let mut found: Vec<(f64, &Record, Reasons)> = existing
        .iter()
        .filter_map(|e| decide(&p, &prepare(e), settings, None).map(|(r, score)| (score, e, r)))
        .collect();
    found.sort_by(|a, b| b.0.total_cmp(&a.0));
    found.into_iter().map(|(_, e, r)| (e, r)).collect()
}

/// The blocking keys of a record, as stored for the enrolment-time check: two records can only
/// match if they share a key.
pub fn match_keys(r: &Record) -> Vec<String> {
    let mut k = keys(&prepare(r));
    k.sort();
    k.dedup();
    k
}

/// Decides one pair: `Some((reasons, score))` when `a` and `b` look like the same person.
pub fn compare(a: &Record, b: &Record, settings: &Settings) -> Option<(Reasons, f64)> {
    decide(&prepare(a), &prepare(b), settings, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(id: &str, g: &str, f: &str, fa: &str, d: &str, s: &str) -> Record {
        Record {
            id: id.into(),
            given_name: g.into(),
            family_name: f.into(),
            father_name: fa.into(),
            birth_date: d.into(),
            gender: s.into(),
        }
    }

    fn same(a: &Record, b: &Record) -> bool {
        let out = dedupe(&[a.clone(), b.clone()], &Settings::default(), |_| {});
        out.clusters[0] == out.clusters[1]
    }

    #[test]
    fn noise_kinds_are_matched() {
        let base = r("1", "نجیب‌الله", "رحیمی", "نظام‌الدین", "1372/05/13", "M");
        for other in [
            r("2", "نجيب‌الله", "رحيمي", "نزام الدين", "۱۳۷۲/۰۵/۱۳", "M"),
            r("3", "نجیب الله", "رحیمی", "نظام الدین", "1993-08-04", ""),
            r("4", "Najibullah", "Rahimi", "Nizamuddin", "1993-08-04", "M"),
            r(
                "5",
                "حاجی نجیب‌الله",
                "رحیمی",
                "نظام‌الدین",
                "1372/05/13",
                "M",
            ),
            r("6", "رحیمی", "نجیب‌الله", "نظام‌الدین", "1372/05/13", "M"),
            r("7", "نجیب‌الله", "", "نظام‌الدین", "1372/05/13", "M"),
            r("8", "نجیب‌الله", "رحیمی", "نظام‌الدین", "1372/13/05", "M"),
        ] {
            assert!(same(&base, &other), "{other:?}");
        }
    }

    #[test]
    fn siblings_and_twins_stay_apart() {
        let a = r("1", "مریم", "احمدی", "رحیم", "1370/02/10", "F");
        let twin = r("2", "زهرا", "احمدی", "رحیم", "1370/02/10", "F");
        let sibling = r("3", "مریم", "احمدی", "رحیم", "1374/06/01", "F");
        let brother = r("4", "مریم", "احمدی", "رحیم", "1370/02/10", "M");
        assert!(
            !same(&a, &twin),
            "twins share a birth date, not a given name"
        );
        assert!(!same(&a, &sibling), "same name, different birth date");
        assert!(!same(&a, &brother), "sex differs");
    }

    #[test]
    fn candidates_give_reasons() {
        let existing = vec![
            r("1", "Mohammad", "Karimi", "Ali", "1990-01-05", "M"),
            r("2", "زهرا", "احمدی", "رحیم", "1370/02/10", "F"),
        ];
        let found = candidates(
            &r("x", "محمد", "کریمی", "علی", "1368/10/15", "M"),
            &existing,
            &Settings::default(),
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0.id, "1");
        assert!(found[0].1.father && found[0].1.birth_date);
    }
}
