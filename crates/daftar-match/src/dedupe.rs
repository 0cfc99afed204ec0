//! The duplicate-detection engine: prepare each record's keys once, generate candidate pairs by
//! blocking on name skeletons (cross-script) and birth years, grade each field of a pair
//! (names: exact, same skeleton, a slip, somewhat similar, different, missing in one or both;
//! dates: see [`DateLevel`]), add the grades up as evidence points weighted by how rare the
//! names are in the input, accept pairs above a threshold with precision first (merging two
//! people is worse than missing a duplicate), and cluster the accepted pairs strongest first
//! with union-find, refusing merges that would put conflicting records together.

use crate::date::{DateLevel, FuzzyDate, level};
use crate::normalize::{is_latin_name, persian_key, rasm, skeleton};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// How well two names agree, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameLevel {
    /// The same spelling (after unifying letter forms).
    Exact,
    /// The same sound skeleton or dot-less shape (another script or spelling).
    Skeleton,
    /// A small slip: one letter, or a high Jaro-Winkler similarity.
    Close,
    /// Given names only: equal once a leading "Mohammad" is dropped from one.
    Prefix,
    /// Somewhat similar.
    Weak,
    /// Different names.
    Differ,
    /// Missing in one record only.
    Missing,
    /// Missing in both (as in families without a family name).
    Absent,
}

impl NameLevel {
    /// Whether the names are taken to agree.
    fn agrees(self) -> bool {
        matches!(
            self,
            Self::Exact | Self::Skeleton | Self::Close | Self::Prefix
        )
    }
}

/// Grades two names: `close` is the lowest Jaro-Winkler similarity of a slip, `weak` of a
/// somewhat similar name. Persian-script pairs compare their keys, pairs involving a Latin
/// spelling their skeletons.
fn name_level(a: &Name, b: &Name, close: f64, weak: f64) -> NameLevel {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return NameLevel::Absent,
        (true, false) | (false, true) => return NameLevel::Missing,
        (false, false) => {}
    }
    if a.latin == b.latin && a.key == b.key {
        return NameLevel::Exact;
    }
    if a.skel == b.skel || (!a.latin && !b.latin && a.rasm == b.rasm) {
        return NameLevel::Skeleton;
    }
    let (x, y) = if !a.latin && !b.latin {
        (&a.key, &b.key)
    } else {
        (&a.skel, &b.skel)
    };
    let sim = strsim::jaro_winkler(x, y);
    let short = x.chars().count().min(y.chars().count());
    if sim >= close || (short >= 3 && strsim::levenshtein(x, y) <= 1) || one_dropped(x, y) {
        NameLevel::Close
    } else if sim >= weak {
        NameLevel::Weak
    } else {
        NameLevel::Differ
    }
}

/// Whether one spelling is the other with one letter dropped (لال for جلال, Edis for Edris),
/// the longer having at least three letters.
fn one_dropped(x: &str, y: &str) -> bool {
    let (x, y): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
    let (long, short) = if x.len() > y.len() { (x, y) } else { (y, x) };
    if long.len() != short.len() + 1 || long.len() < 3 {
        return false;
    }
    let i = long.iter().zip(&short).take_while(|(a, b)| a == b).count();
    long[i + 1..] == short[i..]
}

/// Given names may also differ by a dropped "Mohammad" prefix.
fn given_level(a: &Name, b: &Name, s: &Settings) -> NameLevel {
    let level = name_level(a, b, s.threshold, s.other_names - 0.05);
    if level.agrees() {
        return level;
    }
    match (&a.alt_skel, &b.alt_skel) {
        (Some(x), _) if *x == b.skel => NameLevel::Prefix,
        (_, Some(y)) if *y == a.skel => NameLevel::Prefix,
        _ => level,
    }
}

/// Family and fathers' names.
fn other_level(a: &Name, b: &Name, s: &Settings) -> NameLevel {
    name_level(a, b, s.threshold, s.other_names - 0.05)
}

/// A record with its keys.
#[derive(Debug, Clone)]
struct Prepared {
    given: Name,
    family: Name,
    father: Name,
    date: Option<FuzzyDate>,
    gender: Option<char>,
    /// How many records of the input share this record's given and father's name (0: not
    /// counted).
    look_alikes: u32,
}

/// `M`, `F` or unknown, from a record's gender as written.
fn gender_of(s: &str) -> Option<char> {
    match s.trim().to_ascii_uppercase().as_str() {
        "M" | "MALE" | "مرد" => Some('M'),
        "F" | "FEMALE" | "زن" => Some('F'),
        _ => None,
    }
}

/// How two birth dates agree, or `None` when sex or date rule the pair out whatever the names:
/// different sex, different birth dates, a year-only date against a full date of that year.
fn possible(
    (ga, da): (Option<char>, Option<&FuzzyDate>),
    (gb, db): (Option<char>, Option<&FuzzyDate>),
) -> Option<DateLevel> {
    if let (Some(x), Some(y)) = (ga, gb)
        && x != y
    {
        return None;
    }
    match level(da, db) {
        DateLevel::YearDay | DateLevel::SameYearOtherDay | DateLevel::Conflict => None,
        l => Some(l),
    }
}

fn prepare(r: &Record) -> Prepared {
    let gender = gender_of(&r.gender);
    Prepared {
        given: Name::new(&r.given_name),
        family: Name::new(&r.family_name),
        father: Name::new(&r.father_name),
        date: FuzzyDate::parse(&r.birth_date),
        gender,
        look_alikes: 0,
    }
}

/// Counts, for each record, the records sharing its given and father's name (see
/// [`Prepared::look_alikes`]).
fn count_look_alikes(prepared: &mut [Prepared]) {
    let key = |p: &Prepared| {
        (!p.given.skel.is_empty() && !p.father.skel.is_empty())
            .then(|| (p.given.skel.clone(), p.father.skel.clone()))
    };
    let mut counts: HashMap<(String, String), u32> = HashMap::new();
    for k in prepared.iter().filter_map(key) {
        *counts.entry(k).or_default() += 1;
    }
    for p in prepared.iter_mut() {
        p.look_alikes = key(p).and_then(|k| counts.get(&k).copied()).unwrap_or(0);
    }
}

/// Tuning of the pair rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Lowest Jaro-Winkler similarity of two spellings taken for the same name (a slip).
    pub threshold: f64,
    /// Blocks larger than this are too common to compare pairwise and are skipped.
    pub max_block: usize,
    /// Names less similar than `other_names - 0.05` count as different (against a match);
    /// between that and `threshold` they count as somewhat similar.
    pub other_names: f64,
    /// Evidence (log-odds points, see `decide`) needed to take a pair for one person.
    pub min_points: f64,
    /// Weight of the given name's rarity relative to the family and father's names.
    pub given_rarity: f64,
    /// Points per unit of a name's rarity, `ln(typical count / count)` (0: rarity ignored).
    pub rarity_scale: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            threshold: 0.9,
            max_block: 200,
            other_names: 0.85,
            min_points: 3.55,
            given_rarity: 1.0,
            rarity_scale: 0.3,
        }
    }
}

/// Why a pair matched (the agreeing fields), for review screens.
pub use daftar_domain::person::MatchReasons as Reasons;

/// Evidence points (roughly log-odds) of each way two records can agree. Set by measuring on
/// the public registry sample; they weigh kinds of agreement, never particular names.
struct Weights {
    /// The same birth day.
    date_exact: f64,
    /// Birth dates equal after a day/month swap or a year slip.
    date_near: f64,
    /// Both year-only, the same year.
    date_year: f64,
    /// Year-only, one year apart.
    date_year_adjacent: f64,
    /// A birth date missing.
    date_unknown: f64,
    /// Given names spelt alike, or one lacking a leading "Mohammad".
    given: [f64; 4],
    /// Family or father's name spelt alike, or a slip.
    other: [f64; 3],
    /// A family name somewhat similar, different, missing in one, missing in both.
    family_weak: f64,
    family_differ: f64,
    family_missing: f64,
    family_absent: f64,
    /// A father's name somewhat similar, different, missing in one, missing in both.
    father_weak: f64,
    father_differ: f64,
    father_missing: f64,
    father_absent: f64,
    /// Given and family name swapped.
    swapped: f64,
    /// Neither family nor father's name to compare.
    no_other_names: f64,
    /// Per unit of `ln(look-alikes / 2)` of given and father's name.
    crowd: f64,
}

const WEIGHTS: Weights = Weights {
    date_exact: 5.75,
    date_near: 3.5,
    date_year: 2.0,
    date_year_adjacent: 0.35,
    date_unknown: 0.5,
    given: [1.0, 1.0, 0.8, 0.6],
    other: [2.0, 2.0, 1.6],
    family_weak: -1.0,
    family_differ: -6.0,
    family_missing: -0.1,
    family_absent: 0.8,
    father_weak: -0.5,
    father_differ: -6.0,
    father_missing: 0.25,
    father_absent: 0.0,
    swapped: -0.3,
    no_other_names: -1.5,
    crowd: 0.1,
};

/// Decides one pair; `Some((reasons, score))` when the records are taken for the same person.
///
/// The score adds up evidence roughly as log-odds: the birth date counts most (the same day,
/// then a plausible slip, then the same year when both hold only a year), then agreeing
/// family and fathers' names, then the given name; agreeing on a rare name counts more than
/// agreeing on a common one (`freq`), a present but different name counts against, and a given
/// and father's name carried by many records of the input counts less (more people to tell
/// apart). Different sex, different birth dates, and a year-only date against a full date of
/// that year (offices record a person's date the same way each time) rule a pair out; a given
/// name that differs is only accepted as given and family name swapped.
fn decide(
    a: &Prepared,
    b: &Prepared,
    s: &Settings,
    freq: Option<&Frequencies>,
) -> Option<(Reasons, f64)> {
    let w = &WEIGHTS;
    let date = possible((a.gender, a.date.as_ref()), (b.gender, b.date.as_ref()))?;
    let date_points = match date {
        DateLevel::Exact => w.date_exact,
        DateLevel::Near => w.date_near,
        DateLevel::YearBoth => w.date_year,
        DateLevel::YearAdjacent => w.date_year_adjacent,
        DateLevel::Unknown => w.date_unknown,
        // Ruled out by `possible` already.
        DateLevel::YearDay | DateLevel::SameYearOtherDay | DateLevel::Conflict => return None,
    };
    let mut given = given_level(&a.given, &b.given, s);
    let mut family = other_level(&a.family, &b.family, s);
    let (mut given_name, mut family_name) = (&b.given, &b.family);
    let mut swapped = false;
    if !given.agrees() && !matches!(given, NameLevel::Missing | NameLevel::Absent) {
        let g = given_level(&a.given, &b.family, s);
        let f = other_level(&a.family, &b.given, s);
        if !g.agrees() || !(f.agrees() || matches!(f, NameLevel::Missing | NameLevel::Absent)) {
            return None;
        }
        (given, family, swapped) = (g, f, true);
        (given_name, family_name) = (&b.family, &b.given);
    }
    let father = other_level(&a.father, &b.father, s);
    let rarity = |x: &Name, y: &Name, level: NameLevel| {
        if level.agrees() {
            freq.map_or(0.0, |f| f.rarity(&x.skel, &y.skel))
        } else {
            0.0
        }
    };
    let given_points = match given {
        NameLevel::Exact => w.given[0],
        NameLevel::Skeleton => w.given[1],
        NameLevel::Close => w.given[2],
        NameLevel::Prefix => w.given[3],
        _ => 0.0,
    };
    let family_points = match family {
        NameLevel::Exact => w.other[0],
        NameLevel::Skeleton => w.other[1],
        NameLevel::Close | NameLevel::Prefix => w.other[2],
        NameLevel::Weak => w.family_weak,
        NameLevel::Differ => w.family_differ,
        NameLevel::Missing => w.family_missing,
        NameLevel::Absent => w.family_absent,
    };
    let father_points = match father {
        NameLevel::Exact => w.other[0],
        NameLevel::Skeleton => w.other[1],
        NameLevel::Close | NameLevel::Prefix => w.other[2],
        NameLevel::Weak => w.father_weak,
        NameLevel::Differ => w.father_differ,
        NameLevel::Missing => w.father_missing,
        NameLevel::Absent => w.father_absent,
    };
    let mut points = date_points
        + given_points
        + family_points
        + father_points
        + s.rarity_scale * s.given_rarity * rarity(&a.given, given_name, given)
        + s.rarity_scale
            * (rarity(&a.family, family_name, family) + rarity(&a.father, &b.father, father));
    // Many records sharing the same given and father's (or family) name: more people to
    // tell apart.
    if given.agrees() && father.agrees() {
        let crowd = f64::from(a.look_alikes.max(b.look_alikes).max(2)) / 2.0;
        points -= w.crowd * crowd.ln();
    }
    if swapped {
        points += w.swapped;
    }
    let missing = |l: NameLevel| matches!(l, NameLevel::Missing | NameLevel::Absent);
    if missing(family) && missing(father) {
        points += w.no_other_names;
    }
    (points >= s.min_points).then_some((
        Reasons {
            given: given.agrees(),
            family: family.agrees(),
            father: father.agrees(),
            birth_date: matches!(
                date,
                DateLevel::Exact | DateLevel::Near | DateLevel::YearBoth
            ),
            swapped,
        },
        points,
    ))
}

/// Whether two records cannot be the same person whatever else agrees: different sex,
/// different birth dates, or clearly different given or fathers' names.
fn conflict(a: &Prepared, b: &Prepared, s: &Settings) -> bool {
    if possible((a.gender, a.date.as_ref()), (b.gender, b.date.as_ref())).is_none() {
        return true;
    }
    let given = given_level(&a.given, &b.given, s);
    let swapped = given_level(&a.given, &b.family, s);
    if given == NameLevel::Differ && !swapped.agrees() {
        return true;
    }
    other_level(&a.father, &b.father, s) == NameLevel::Differ
        || (other_level(&a.family, &b.family, s) == NameLevel::Differ && !swapped.agrees())
}

/// The Gregorian year of a Julian day number (0 when out of range).
fn gregorian_year(jd: i32) -> i32 {
    time::Date::from_julian_day(jd).map_or(0, |d| d.year())
}

/// The Gregorian years a date of year or month precision may fall in (a Solar Hijri year
/// touches two).
fn years_of(d: &FuzzyDate) -> std::ops::RangeInclusive<i32> {
    gregorian_year(d.year_range.0)..=gregorian_year(d.year_range.1)
}

/// Blocking keys of a record: records sharing a key are compared. At most nine short strings:
/// the birth day; given name with birth year, and with month and day (so that a slipped year
/// still meets); father's name with birth year; given name with father's name, and with family
/// name; family with father's name. A year-only date only meets other year-only dates (a
/// year-only person is recorded so every time), so its year keys are kept apart and cover both
/// Gregorian years a Solar Hijri year touches.
fn keys(p: &Prepared) -> Vec<String> {
    let mut out = vec![];
    let given = p.given.skel.as_str();
    let givens: Vec<&str> = std::iter::once(given)
        .chain(p.given.alt_skel.as_deref())
        .filter(|g| !g.is_empty())
        .collect();
    let (tag, years): (&str, Vec<i32>) = match &p.date {
        Some(d) if d.precision == crate::date::Precision::Day => {
            out.push(format!("d|{}", d.day));
            if let (Ok(day), false) = (time::Date::from_julian_day(d.day), given.is_empty()) {
                out.push(format!(
                    "gmd|{given}|{}|{}",
                    u8::from(day.month()),
                    day.day()
                ));
            }
            ("y", vec![gregorian_year(d.day)])
        }
        Some(d) => ("Y", years_of(d).collect()),
        None => ("", vec![]),
    };
    let father = p.father.skel.as_str();
    let family = p.family.skel.as_str();
    for y in &years {
        if !father.is_empty() {
            out.push(format!("f{tag}|{father}|{y}"));
        }
        if !given.is_empty() {
            out.push(format!("g{tag}|{given}|{y}"));
        }
    }
    if !father.is_empty() && !family.is_empty() {
        out.push(format!("ff|{family}|{father}"));
    }
    for g in &givens {
        if !father.is_empty() {
            out.push(format!("gf|{g}|{father}"));
        }
        if !family.is_empty() {
            let (x, y) = if *g <= family {
                (*g, family)
            } else {
                (family, *g)
            };
            out.push(format!("gn|{x}|{y}"));
        }
    }
    out
}

/// The keys stored for the enrolment-time check: [`keys`] and three-field keys that stay small
/// when a registry holds millions of persons with common names (where the two-field blocks,
/// and the birth day alone, grow past `max_block` and are skipped): the given name with the
/// birth day, with father's (or else family) name and the year of a year-only date, and with
/// father's and family name.
fn stored_keys(p: &Prepared) -> Vec<String> {
    let mut out = keys(p);
    let given = p.given.skel.as_str();
    if given.is_empty() {
        return out;
    }
    let (father, family) = (p.father.skel.as_str(), p.family.skel.as_str());
    match &p.date {
        Some(d) if d.precision == crate::date::Precision::Day => {
            out.push(format!("gd|{given}|{}", d.day));
        }
        Some(d) => {
            let (tag, other) = if father.is_empty() {
                ("gnY", family)
            } else {
                ("gfY", father)
            };
            if !other.is_empty() {
                out.extend(years_of(d).map(|y| format!("{tag}|{given}|{other}|{y}")));
            }
        }
        None => {}
    }
    if !father.is_empty() && !family.is_empty() {
        out.push(format!("gff|{given}|{father}|{family}"));
    }
    out
}

/// Candidate blocks: the records sharing each key (keys hashed to 64 bits; a rare collision only
/// adds comparisons), and each record's blocks of a usable size (2..=`max_block` records).
struct Blocks {
    members: Vec<Vec<u32>>,
    of_record: Vec<Vec<u32>>,
}

impl Blocks {
    #[allow(clippy::cast_possible_truncation)]
    fn of(prepared: &[Prepared], max_block: usize) -> Self {
        use std::hash::{Hash, Hasher};
        let mut by_key: HashMap<u64, u32> = HashMap::new();
        let mut members: Vec<Vec<u32>> = vec![];
        let mut of_record: Vec<Vec<u32>> = Vec::with_capacity(prepared.len());
        for (i, p) in prepared.iter().enumerate() {
            let mut mine = vec![];
            for k in keys(p) {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut h);
                let b = *by_key.entry(h.finish()).or_insert_with(|| {
                    members.push(vec![]);
                    (members.len() - 1) as u32
                });
                if members[b as usize].last() != Some(&(i as u32)) {
                    members[b as usize].push(i as u32);
                }
                mine.push(b);
            }
            of_record.push(mine);
        }
        for mine in &mut of_record {
            mine.retain(|&b| (2..=max_block).contains(&members[b as usize].len()));
            mine.sort_unstable();
            mine.dedup();
        }
        Self { members, of_record }
    }

    /// The records after `i` that share a usable block with it, each once.
    #[allow(clippy::cast_possible_truncation)]
    fn later_neighbours(&self, i: usize, out: &mut Vec<u32>) {
        out.clear();
        for &b in &self.of_record[i] {
            let m = &self.members[b as usize];
            let after = m.partition_point(|&j| j as usize <= i);
            out.extend_from_slice(&m[after..]);
        }
        out.sort_unstable();
        out.dedup();
    }
}

/// How often each name skeleton occurs in the input: agreeing on a rare name is stronger
/// evidence than agreeing on a common one. Counted from the records being compared, so it
/// adapts to any population (no built-in name lists).
#[derive(Debug, Default)]
pub struct Frequencies {
    counts: HashMap<String, u32>,
    reference: f64,
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
        // A name carried by 300 records counts as typical (rarity 0). The count, not the share:
        // in a larger input more people share a name, so agreeing on it says less.
        let reference = 300.0;
        Self { counts, reference }
    }

    /// How much rarer than a typical name a name is, `ln(reference / count)` bounded to
    /// -4..=4: 0 for a typical name, positive for rarer names, negative for commoner ones. Of
    /// two spellings the commoner counts.
    fn rarity(&self, a: &str, b: &str) -> f64 {
        let count = |s: &str| self.counts.get(s).copied().unwrap_or(1).max(1);
        let n = f64::from(count(a).max(count(b)));
        (self.reference / n).ln().clamp(-4.0, 4.0)
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
    let mut prepared: Vec<Prepared> = records.iter().map(prepare).collect();
    count_look_alikes(&mut prepared);
    let freq = Frequencies::of(&prepared);
    let blocks = Blocks::of(&prepared, settings.max_block);
    // Records are compared in chunks by all cores; each record with the records after it that
    // share a block, so no list of all candidate pairs is ever held.
    const CHUNK: usize = 512;
    let next = AtomicUsize::new(0);
    let compare_chunks = |report: &mut dyn FnMut(usize)| {
        let mut found: Vec<(f64, usize, usize, Reasons)> = vec![];
        let mut compared = 0u64;
        let mut near: Vec<u32> = vec![];
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= prepared.len() {
                break;
            }
            for i in start..(start + CHUNK).min(prepared.len()) {
                blocks.later_neighbours(i, &mut near);
                compared += near.len() as u64;
                for &j in &near {
                    let j = j as usize;
                    if let Some((reasons, score)) =
                        decide(&prepared[i], &prepared[j], settings, Some(&freq))
                    {
                        found.push((score, i, j, reasons));
                    }
                }
            }
            report(start + CHUNK);
        }
        (found, compared)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    let (mut scored, candidate_pairs) = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads)
            .map(|_| scope.spawn(|| compare_chunks(&mut |_| {})))
            .collect();
        let mut own = |done: usize| progress(done.min(records.len()));
        let (mut all, mut count) = compare_chunks(&mut own);
        for h in helpers {
            let (found, compared) = h.join().unwrap_or_default();
            all.extend(found);
            count += compared;
        }
        (all, count)
    });
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
        candidate_pairs,
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
    let mut k = stored_keys(&prepare(r));
    k.sort();
    k.dedup();
    k
}

/// The stored form of a blocking key: its 64-bit FNV-1a hash, a fixed published function, so
/// hashes stored by one build are found by the next (a collision, about one in 2^64 per pair of
/// keys, only adds a comparison). Eight bytes instead of the key's text keeps the stored key
/// index small enough to stay in memory at millions of persons.
#[allow(clippy::cast_possible_wrap)]
pub fn key_hash(key: &str) -> i64 {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(key.as_bytes());
    h.finish() as i64
}

/// The blocking keys of a record as stored hashes ([`key_hash`]), sorted and without repeats.
pub fn match_key_hashes(r: &Record) -> Vec<i64> {
    let mut k: Vec<i64> = stored_keys(&prepare(r))
        .iter()
        .map(|k| key_hash(k))
        .collect();
    k.sort_unstable();
    k.dedup();
    k
}

/// A record prepared once for comparing against many (the enrolment-time check compares one
/// new person with every person of its blocks).
pub struct Probe(Prepared);

impl Probe {
    /// Prepares `r`.
    pub fn new(r: &Record) -> Self {
        Self(prepare(r))
    }
    /// Whether a record with this birth date and gender (as written in a [`Record`]) can be
    /// the probe's person at all: a quick test before its names are prepared and compared.
    pub fn may_match(&self, birth_date: &str, gender: &str) -> bool {
        possible(
            (self.0.gender, self.0.date.as_ref()),
            (gender_of(gender), FuzzyDate::parse(birth_date).as_ref()),
        )
        .is_some()
    }
    /// Decides the pair of this probe and `other`, as [`compare`] does.
    pub fn compare(&self, other: &Record, settings: &Settings) -> Option<(Reasons, f64)> {
        decide(&self.0, &prepare(other), settings, None)
    }
}

/// A stored record prepared once, to be kept between enrolment-time checks (a registered
/// person's matching fields do not change, so the preparation can be reused).
pub struct Candidate(Prepared);

impl Candidate {
    /// Prepares `r`.
    pub fn new(r: &Record) -> Self {
        Self(prepare(r))
    }
}

impl Probe {
    /// Decides the pair of this probe and an already prepared record, as [`compare`] does.
    pub fn compare_prepared(
        &self,
        other: &Candidate,
        settings: &Settings,
    ) -> Option<(Reasons, f64)> {
        decide(&self.0, &other.0, settings, None)
    }
}

/// Decides one pair: `Some((reasons, score))` when `a` and `b` look like the same person.
pub fn compare(a: &Record, b: &Record, settings: &Settings) -> Option<(Reasons, f64)> {
    decide(&prepare(a), &prepare(b), settings, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_key_hashes_are_fnv1a_64() {
        // Reference values of FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3):
        // a stored database depends on this function never changing.
        assert_eq!(key_hash("") as u64, 0xcbf2_9ce4_8422_2325);
        assert_eq!(key_hash("a") as u64, 0xaf63_dc4c_8601_ec8c);
        assert_eq!(key_hash("foobar") as u64, 0x8594_4171_f739_67e8);
        let a = r("1", "محمد", "رضایی", "علی", "1990-01-02", "M");
        let hashes = match_key_hashes(&a);
        let mut expected: Vec<i64> = match_keys(&a).iter().map(|k| key_hash(k)).collect();
        expected.sort_unstable();
        assert_eq!(hashes, expected);
        assert!(hashes.len() >= 5, "{hashes:?}");
    }

    #[test]
    fn a_prepared_candidate_decides_as_the_record_itself() {
        let a = r("1", "محمد", "رضایی", "علی", "1990-01-02", "M");
        let b = r("2", "Mohammad", "Rezaei", "Ali", "1990-01-02", "M");
        let c = r("3", "زهرا", "احمدی", "حسن", "1985-05-05", "F");
        let s = Settings::default();
        let probe = Probe::new(&a);
        for other in [&b, &c] {
            let plain = probe.compare(other, &s).map(|(_, x)| x);
            let prepared = probe
                .compare_prepared(&Candidate::new(other), &s)
                .map(|(_, x)| x);
            assert_eq!(plain, prepared);
        }
    }

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
    fn each_noise_kind_is_matched() {
        // (kind, record, its noisy copy)
        let cases = [
            (
                "Arabic letter forms",
                r("1", "رقیه", "کریمی", "یوسف", "1365/04/02", "F"),
                r("2", "رقيه", "كريمي", "يوسف", "1365/04/02", "F"),
            ),
            (
                "doubled letter",
                r("1", "جلال", "قندهاری", "الیاس", "1358/07/20", "M"),
                r("2", "ججلال", "قندهارری", "الیاس", "1358/07/20", "M"),
            ),
            (
                "Latin with q/k",
                r("1", "جلال", "قندهاری", "الیاس", "1358/07/20", "M"),
                r("2", "Jalal", "KANDAHARI", "Ilyas", "1979-10-12", "M"),
            ),
            (
                "Gregorian year slip seen in Solar Hijri",
                r("1", "فرزانه", "رحیمی", "فضل‌الرحمن", "1399/03/06", "F"),
                r("2", "فرزانه", "رحیمی", "فضل الرحمن", "1398/03/05", "F"),
            ),
            (
                "1/1 of the other calendar is a real day",
                r("1", "جلال", "حیدری", "ضیاءالحق", "1960-03-21", "M"),
                r("2", "جلال", "حیدری", "ضیاءالحق", "1339/01/01", "M"),
            ),
            (
                "year-only in both calendars",
                r("1", "پلوشه", "صدیقی", "نصیر", "1349", "F"),
                r("2", "Palwasha", "Siddiqi", "Nasir", "1970", "F"),
            ),
            (
                "missing family and father, exact date",
                r("1", "ذبیح‌الله", "", "", "1363/07/28", "M"),
                r("2", "Zabihullah", "", "", "1984-10-20", "M"),
            ),
            (
                "dropped Mohammad",
                r("1", "محمدابراهیم", "یوسفزی", "گل‌احمد", "1340/02/11", "M"),
                r("2", "ابراهیم", "یوسفزی", "گل احمد", "1340/02/11", "M"),
            ),
        ];
        for (kind, a, b) in cases {
            assert!(same(&a, &b), "{kind}: {a:?} {b:?}");
        }
    }

    #[test]
    fn hard_negatives_stay_apart() {
        let cases = [
            (
                "siblings share father and family name",
                r("1", "نسرین", "هاشمی", "داوود", "1368/05/02", "F"),
                r("2", "شبنم", "هاشمی", "داوود", "1371/11/20", "F"),
            ),
            (
                "twins share a birth date",
                r("1", "احمد", "هاشمی", "داوود", "1368/05/02", "M"),
                r("2", "محمود", "هاشمی", "داوود", "1368/05/02", "M"),
            ),
            (
                "same names, other day of the same year",
                r("1", "مریم", "احمدی", "رحیم", "1370/02/10", "F"),
                r("2", "مریم", "احمدی", "رحیم", "1370/09/14", "F"),
            ),
            (
                "year-only person against a full date of that year",
                r("1", "مریم", "احمدی", "رحیم", "1370", "F"),
                r("2", "مریم", "احمدی", "رحیم", "1370/09/14", "F"),
            ),
            (
                "different fathers",
                r("1", "مریم", "احمدی", "رحیم", "1370/02/10", "F"),
                r("2", "مریم", "احمدی", "یوسف", "1370/02/10", "F"),
            ),
            (
                "only a given name and a year in common",
                r("1", "مریم", "", "", "1370", "F"),
                r("2", "مریم", "", "", "1370", "F"),
            ),
        ];
        for (kind, a, b) in cases {
            assert!(!same(&a, &b), "{kind}: {a:?} {b:?}");
        }
    }

    #[test]
    fn name_levels() {
        let s = Settings::default();
        let cases = [
            ("محمد", "محمد", NameLevel::Exact),
            ("علي", "علی", NameLevel::Exact),
            ("محمد", "Mohammad", NameLevel::Skeleton),
            ("قندهاری", "Kandahari", NameLevel::Skeleton),
            ("نظری", "تظری", NameLevel::Skeleton),
            ("شریفه", "ریفه", NameLevel::Close),
            ("محمدابراهیم", "Ibrahim", NameLevel::Prefix),
            ("مریم", "زهرا", NameLevel::Differ),
            ("مریم", "", NameLevel::Missing),
            ("", "", NameLevel::Absent),
        ];
        for (a, b, want) in cases {
            assert_eq!(
                given_level(&Name::new(a), &Name::new(b), &s),
                want,
                "{a} ~ {b}"
            );
        }
    }

    #[test]
    fn one_dropped_letter() {
        let cases = [
            ("جلال", "لال", true),
            ("میرویس", "میویس", true),
            ("edris", "edis", true),
            ("jll", "ll", true),
            ("ab", "a", false),
            ("جلال", "جلال", false),
            ("جلال", "کمال", false),
            ("مریم", "ریمم", false),
        ];
        for (a, b, want) in cases {
            assert_eq!(one_dropped(a, b), want, "{a} ~ {b}");
            assert_eq!(one_dropped(b, a), want, "{b} ~ {a}");
        }
    }

    #[test]
    fn common_and_crowded_names_count_less() {
        // One year-only person without a family name, once in each script.
        let pair = [
            r("1", "سمیرا", "", "نصیر", "1361", "F"),
            r("2", "Samira", "", "Nasir", "1982", "F"),
        ];
        let s = Settings::default();
        // The score of the pair when `n` other records carry the same given and father's name.
        let score = |n: usize| {
            let mut records = pair.to_vec();
            for i in 0..n {
                let year = 1300 + i % 40;
                records.push(r(
                    &format!("c{i}"),
                    "سمیرا",
                    "",
                    "نصیر",
                    &year.to_string(),
                    "F",
                ));
            }
            let mut prepared: Vec<Prepared> = records.iter().map(prepare).collect();
            count_look_alikes(&mut prepared);
            let freq = Frequencies::of(&prepared);
            decide(&prepared[0], &prepared[1], &s, Some(&freq)).map_or(f64::MIN, |(_, p)| p)
        };
        let (alone, common, crowded) = (score(0), score(400), score(4000));
        assert!(alone >= s.min_points, "alone they match: {alone}");
        assert!(
            alone > common && common > crowded,
            "{alone} {common} {crowded}"
        );
        assert!(
            crowded < s.min_points,
            "among thousands they do not: {crowded}"
        );
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
