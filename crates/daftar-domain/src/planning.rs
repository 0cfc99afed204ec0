//! Planning figures for partners (issue 20.2): how many registered persons of each age group
//! live in the catchment of each province, district and office — for a school, a health house
//! or a livelihood programme to decide where it is needed — and the disclosure control that
//! makes such a table safe to show and export.
//!
//! Counts only. Zeros are shown (a zero tells nothing about a person). The disclosure control:
//!
//! 1. *Primary suppression*: every figure (cell or total) of 1–4 (under [`SMALL_CELL`]) is
//!    withheld.
//! 2. *Small hidden sums*: a line (a row with its total, a column with its total, the totals
//!    row or column with the grand total) whose total is shown and whose withheld figures sum
//!    to 1–4 would show them all small: its smallest shown non-zero figure (a cell before a
//!    total) is withheld too.
//! 3. *No exact recovery*: with the totals written negated, every row and column of the
//!    table extended by its totals sums to zero, so the tables agreeing with every published
//!    figure are the true one plus sums of alternating ±1 moves around cycles of withheld
//!    figures (rows and columns as the nodes of a bipartite graph, withheld figures as its
//!    edges). A withheld figure is therefore determined by the published ones — by any
//!    combination of rows, columns and totals, not only by one line — exactly when it lies on
//!    no such cycle (a bridge of the graph). While one does, a further figure is withheld: the
//!    smallest shown non-zero one joining the two sides of the bridge (closing a cycle through
//!    it), else one in its row or column. This is an exact linear-algebra test (the tests
//!    check it against an independent Gauss–Jordan elimination over all the relations).
//! 4. *Linked tables* ([`Linked`], [`Planning`]): a table whose rows other tables break down
//!    (provinces → a province's districts → a district's offices and its persons by sex) is
//!    protected first; each child's totals row is then the parent's row, withheld exactly as
//!    the parent withholds it (a figure withheld above is never a child's shown total), and
//!    the child adds suppressions of its own until (a) the parent's withheld figures of that
//!    row that the parent can move against each other are joined through the child's withheld
//!    figures (so every move of the parent can be followed in the child, and no child
//!    determines a parent's withheld figure), and (b) no withheld figure of the child lies on
//!    no cycle of the child's graph in which the parent's row is one node per group of
//!    figures the parent can move together. Together: no withheld figure of any table in the
//!    tree is determined by all the tree's published figures.
//!
//! What is guaranteed: no withheld figure's exact value follows from the published figures of
//! the table (or of the linked tree) by linear relations, over the rationals; every small
//! cell is withheld; no line with a shown total hides a sum of 1–4. What is *not*: counts are
//! non-negative integers, and a reader can use that to bound a withheld figure — a cycle with
//! a withheld 1 and a withheld 2 moved by ±1 allows only a few tables, so an interval such as
//! "0 to 3" may be all that protects a cell, and a withheld zero on every cycle through a
//! figure can pin it. Interval (audit by linear programming) protection is not enforced, nor
//! are relations with tables outside the tree: the per-round table counts a different
//! population (each round's members on its opening day) and is protected on its own; the
//! medical-needs figures are bounded by the row totals beside them (at most the row's
//! persons), which is no linear relation and is not audited.

use crate::store::PlanningCount;
use serde::Serialize;
use std::collections::BTreeMap;
use time::Date;

/// Counts under this (and above 0) are withheld.
pub const SMALL_CELL: u64 = 5;

/// The age groups, which partition the registered persons (none is left out, none counted
/// twice), by age in whole years on the day the figures are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    /// 0–4: under-fives (health houses, vaccination).
    UnderFive,
    /// 5–17: school age (the preschool year and the twelve grades).
    SchoolAge,
    /// 18–64: working age (livelihood and vocational programmes).
    WorkingAge,
    /// 65 and over: the elderly.
    Elderly,
    /// No birth date recorded.
    Unknown,
}

impl AgeGroup {
    /// Every group, in column order.
    pub const ALL: [AgeGroup; 5] = [
        AgeGroup::UnderFive,
        AgeGroup::SchoolAge,
        AgeGroup::WorkingAge,
        AgeGroup::Elderly,
        AgeGroup::Unknown,
    ];
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            AgeGroup::UnderFive => "under_five",
            AgeGroup::SchoolAge => "school_age",
            AgeGroup::WorkingAge => "working_age",
            AgeGroup::Elderly => "elderly",
            AgeGroup::Unknown => "unknown",
        }
    }
    /// Parses a code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.code() == s)
    }
    /// The youngest age of the group (none for unknown).
    pub fn from_age(self) -> Option<u8> {
        match self {
            AgeGroup::UnderFive => Some(0),
            AgeGroup::SchoolAge => Some(5),
            AgeGroup::WorkingAge => Some(18),
            AgeGroup::Elderly => Some(65),
            AgeGroup::Unknown => None,
        }
    }
}

/// The birth-date bounds of the groups on `today`: a person born after `bounds[0]` is under
/// five, after `bounds[1]` of school age, after `bounds[2]` of working age, otherwise elderly
/// (ISO dates compare as text, so the store can group with these alone).
pub fn birth_bounds(today: Date) -> [Date; 3] {
    let years_ago = |n: i32| {
        let y = today.year() - n;
        // 29 February of a year that is not leap: 28 February.
        Date::from_calendar_date(y, today.month(), today.day())
            .or_else(|_| Date::from_calendar_date(y, today.month(), 28))
            .unwrap_or(today)
    };
    // Born after the day `n` years ago: younger than `n`.
    [years_ago(5), years_ago(18), years_ago(65)]
}

/// A figure as shown: the count, or withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Figure {
    /// The true count (never shown when withheld).
    #[serde(skip)]
    pub count: u64,
    /// Withheld (small, or to protect a small one).
    pub withheld: bool,
}

impl Figure {
    /// The count as shown: `None` when withheld.
    pub fn shown(&self) -> Option<u64> {
        (!self.withheld).then_some(self.count)
    }
}

/// A table of counts with row and column totals, after disclosure control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// Row labels (provinces, districts, offices, sexes).
    pub rows: Vec<String>,
    /// The cells, `rows × AgeGroup::ALL`.
    pub cells: Vec<Vec<Figure>>,
    /// Each row's total.
    pub row_totals: Vec<Figure>,
    /// Each column's total.
    pub column_totals: Vec<Figure>,
    /// The grand total.
    pub total: Figure,
}

impl Table {
    /// Builds a table from `counts` (`rows × columns`) and applies the disclosure control
    /// (see the module's documentation for what it guarantees). A table protected alone: for
    /// tables whose rows another table breaks down, use [`Linked::protect`].
    pub fn protected(rows: Vec<String>, counts: Vec<Vec<u64>>) -> Self {
        let mut g = Grid::new(&counts, None);
        g.protect();
        g.table(rows)
    }

    /// Whether the published figures of this table alone determine a withheld one exactly
    /// (by any combination of its rows, columns and totals). Always false after
    /// [`Table::protected`], and for every table of a [`LinkedTable`] (a child seen alone has
    /// its parent's row as one node, which only adds cycles). Across linked tables see
    /// [`Linked::protect`].
    pub fn leaks(&self) -> bool {
        Grid::from_table(self).has_bridge()
    }

    /// The table extended by its totals: row `i` is the cells then the row's total, the last
    /// row the column totals then the grand total.
    fn extended<T>(&self, f: impl Fn(&Figure) -> T) -> Vec<Vec<T>> {
        let mut out: Vec<Vec<T>> = self
            .cells
            .iter()
            .zip(&self.row_totals)
            .map(|(r, t)| r.iter().chain([t]).map(&f).collect())
            .collect();
        out.push(
            self.column_totals
                .iter()
                .chain([&self.total])
                .map(&f)
                .collect(),
        );
        out
    }
}

/// A table to protect together with the tables that break down its rows: a province table
/// whose rows each have a table of that province's districts, whose rows each have a table of
/// that district's offices and one of its persons by sex.
///
/// A child's column totals and grand total must be its parent row (cells then the row total):
/// the child's totals are then the very figures of the parent's row, withheld exactly as the
/// parent withholds them, and a child whose totals differ is protected as a table of its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Linked {
    /// Row labels.
    pub rows: Vec<String>,
    /// The counts, `rows × columns`.
    pub counts: Vec<Vec<u64>>,
    /// Tables breaking down a row: the row's index and the table (a row may have several).
    pub children: Vec<(usize, Linked)>,
}

/// A [`Linked`] table after disclosure control, with its children in the same order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinkedTable {
    /// The table.
    pub table: Table,
    /// Each child: the parent row's index and its table.
    pub children: Vec<(usize, LinkedTable)>,
}

impl Linked {
    /// Protects the table and all its descendants consistently (see the module's
    /// documentation): parent first, then each child with its totals row fixed as the parent
    /// shows it, so that no withheld figure of any table in the tree is determined by the
    /// published figures of all of them together.
    pub fn protect(self) -> LinkedTable {
        let mut g = Grid::new(&self.counts, None);
        g.protect();
        self.protect_children(g)
    }

    fn protect_children(self, g: Grid) -> LinkedTable {
        let children = self
            .children
            .into_iter()
            .map(|(row, child)| {
                let link = (row < g.n).then(|| Link {
                    counts: g.count[row].clone(),
                    withheld: g.withheld[row].clone(),
                    groups: g.column_groups(row),
                });
                let mut cg = Grid::new(&child.counts, link);
                cg.protect();
                (row, child.protect_children(cg))
            })
            .collect();
        LinkedTable {
            table: g.table(self.rows),
            children,
        }
    }
}

/// A table by age group with, beside it, the persons with registered medical needs of each
/// row: a one-column table, not part of the age groups' sums, so protected as a tree of its
/// own (linked the same way: a province's medical figure is the total of its districts').
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// Rows by age group.
    pub table: Table,
    /// The same rows, persons with medical needs (one column).
    pub medical: Table,
}

/// Every planning table of the country, protected together ([`Linked::protect`]): the
/// provinces, each province's districts, each district's offices and its persons by sex. A
/// page shows one level, but all levels are published (to the same reader), so they must be
/// protected as one: build this from all the counts in reach, not from one province's, and
/// show the level asked.
#[derive(Debug, Clone, PartialEq)]
pub struct Planning {
    provinces: Breakdown,
    districts: BTreeMap<String, Breakdown>,
    offices: BTreeMap<(String, String), Breakdown>,
    sexes: BTreeMap<(String, String), Breakdown>,
}

/// Counts by age group and medical needs, keyed by row label.
type Rows = BTreeMap<String, (Vec<u64>, u64)>;

/// Which counts of a row a tree shows (by age group, or medical needs).
type Value = dyn Fn(&(Vec<u64>, u64)) -> Vec<u64>;

fn add(rows: &mut Rows, key: &str, c: &PlanningCount) {
    let i = AgeGroup::ALL
        .iter()
        .position(|g| *g == c.group)
        .unwrap_or(0);
    let row = rows
        .entry(key.to_owned())
        .or_insert_with(|| (vec![0; AgeGroup::ALL.len()], 0));
    row.0[i] += c.count;
    row.1 += c.medical;
}

impl Planning {
    /// Groups `counts` (every office in reach) by province, district, office and sex, and
    /// protects all the tables together.
    pub fn protect(counts: &[PlanningCount]) -> Self {
        let mut provinces = Rows::new();
        let mut districts: BTreeMap<String, Rows> = BTreeMap::new();
        let mut offices: BTreeMap<(String, String), Rows> = BTreeMap::new();
        let mut sexes: BTreeMap<(String, String), Rows> = BTreeMap::new();
        for c in counts {
            let pd = (c.province.clone(), c.district.clone());
            add(&mut provinces, &c.province, c);
            add(
                districts.entry(c.province.clone()).or_default(),
                &c.district,
                c,
            );
            add(offices.entry(pd.clone()).or_default(), &c.office_code, c);
            add(sexes.entry(pd).or_default(), &c.sex, c);
        }
        let linked = |value: &Value| {
            let table = |rows: &Rows, children: Vec<(usize, Linked)>| Linked {
                rows: rows.keys().cloned().collect(),
                counts: rows.values().map(value).collect(),
                children,
            };
            let empty = Rows::new();
            let per_province = provinces.keys().enumerate().map(|(i, p)| {
                let ds = districts.get(p).unwrap_or(&empty);
                let per_district = ds.keys().enumerate().flat_map(|(j, d)| {
                    let key = (p.clone(), d.clone());
                    [
                        (j, table(offices.get(&key).unwrap_or(&empty), vec![])),
                        (j, table(sexes.get(&key).unwrap_or(&empty), vec![])),
                    ]
                });
                (i, table(ds, per_district.collect()))
            });
            table(&provinces, per_province.collect()).protect()
        };
        let by_age = linked(&|r| r.0.clone());
        let medical = linked(&|r| vec![r.1]);
        let mut out = Planning {
            provinces: Breakdown {
                table: by_age.table.clone(),
                medical: medical.table.clone(),
            },
            districts: BTreeMap::new(),
            offices: BTreeMap::new(),
            sexes: BTreeMap::new(),
        };
        for ((i, d), (_, dm)) in by_age.children.iter().zip(&medical.children) {
            let province = by_age.table.rows[*i].clone();
            for (k, ((j, o), (_, om))) in d.children.iter().zip(&dm.children).enumerate() {
                let key = (province.clone(), d.table.rows[*j].clone());
                let b = Breakdown {
                    table: o.table.clone(),
                    medical: om.table.clone(),
                };
                if k % 2 == 0 {
                    out.offices.insert(key, b);
                } else {
                    out.sexes.insert(key, b);
                }
            }
            out.districts.insert(
                province,
                Breakdown {
                    table: d.table.clone(),
                    medical: dm.table.clone(),
                },
            );
        }
        out
    }

    /// The provinces.
    pub fn provinces(&self) -> &Breakdown {
        &self.provinces
    }

    /// A province's districts.
    pub fn districts(&self, province: &str) -> Option<&Breakdown> {
        self.districts.get(province)
    }

    /// A district's offices (their catchments).
    pub fn offices(&self, province: &str, district: &str) -> Option<&Breakdown> {
        self.offices
            .get(&(province.to_owned(), district.to_owned()))
    }

    /// A district's persons by sex.
    pub fn sexes(&self, province: &str, district: &str) -> Option<&Breakdown> {
        self.sexes.get(&(province.to_owned(), district.to_owned()))
    }
}

/// What a child table takes from its parent row: the row's counts (cells then total), which
/// of them the parent withholds, and for each column the component of the parent's withheld
/// figures (without that row) its withheld figure belongs to: two withheld figures of the row
/// in one component can be moved against each other while the parent's published figures
/// stay (see [`Grid::column_groups`]).
struct Link {
    counts: Vec<u64>,
    withheld: Vec<bool>,
    groups: Vec<usize>,
}

/// A position in the extended table (row, column); row `n` holds the column totals and the
/// grand total, column `w` the row totals.
type At = (usize, usize);

/// The extended table being protected, seen as a bipartite graph: one node for each extended
/// row and each extended column, one edge for each withheld figure. With the totals written
/// negated, every extended row and column sums to zero, so the tables agreeing with the
/// published figures differ from the true one by a sum of alternating ±1 cycles of withheld
/// figures: a withheld figure is determined exactly when its edge lies on no cycle (a bridge).
/// A child's totals row is its parent's row: it is fixed, and its node is split in one node
/// per parent component ([`Link::groups`]), since the parent can move only figures of one
/// component against each other.
struct Grid {
    n: usize,
    w: usize,
    count: Vec<Vec<u64>>,
    withheld: Vec<Vec<bool>>,
    /// The parent's row groups when the totals row is fixed by a parent.
    groups: Option<Vec<usize>>,
}

impl Grid {
    fn new(counts: &[Vec<u64>], link: Option<Link>) -> Self {
        let n = counts.len();
        let w = counts.first().map_or(AgeGroup::ALL.len(), Vec::len);
        let mut count: Vec<Vec<u64>> = counts
            .iter()
            .map(|r| {
                let mut r: Vec<u64> = (0..w).map(|c| r.get(c).copied().unwrap_or(0)).collect();
                r.push(r.iter().sum());
                r
            })
            .collect();
        count.push((0..=w).map(|c| count.iter().map(|r| r[c]).sum()).collect());
        let mut withheld: Vec<Vec<bool>> = count
            .iter()
            .map(|r| r.iter().map(|v| (1..SMALL_CELL).contains(v)).collect())
            .collect();
        let mut groups = None;
        if let Some(l) = link.filter(|l| l.counts == count[n] && l.withheld.len() == w + 1) {
            withheld[n] = l.withheld;
            groups = Some(l.groups);
        }
        Grid {
            n,
            w,
            count,
            withheld,
            groups,
        }
    }

    fn from_table(t: &Table) -> Self {
        Grid {
            n: t.cells.len(),
            w: t.column_totals.len(),
            count: t.extended(|f| f.count),
            withheld: t.extended(|f| f.withheld),
            groups: None,
        }
    }

    fn table(&self, rows: Vec<String>) -> Table {
        let f = |(r, c): At| Figure {
            count: self.count[r][c],
            withheld: self.withheld[r][c],
        };
        Table {
            rows,
            cells: (0..self.n)
                .map(|r| (0..self.w).map(|c| f((r, c))).collect())
                .collect(),
            row_totals: (0..self.n).map(|r| f((r, self.w))).collect(),
            column_totals: (0..self.w).map(|c| f((self.n, c))).collect(),
            total: f((self.n, self.w)),
        }
    }

    /// Whether a position's figure is the parent's (never changed here).
    fn fixed(&self, (r, _): At) -> bool {
        r == self.n && self.groups.is_some()
    }

    fn column_node(&self, c: usize) -> usize {
        self.n + 1 + c
    }

    /// The graph of the withheld figures: node count and edges `(row node, column node, at)`.
    /// `shared`: whether the fixed totals row's edges are included.
    fn graph(&self, shared: bool) -> (usize, Vec<(usize, usize, At)>) {
        let base = self.n + self.w + 2;
        let nodes = base + self.groups.as_ref().map_or(0, |g| g.len());
        let mut edges = vec![];
        for r in 0..=self.n {
            for c in 0..=self.w {
                if !self.withheld[r][c] || (!shared && self.fixed((r, c))) {
                    continue;
                }
                let u = match (&self.groups, r == self.n) {
                    (Some(g), true) => base + g[c],
                    _ => r,
                };
                edges.push((u, self.column_node(c), (r, c)));
            }
        }
        (nodes, edges)
    }

    /// For the child of row `row`: the component of each column's node in the graph of the
    /// withheld figures (shared ones included) without that row's node.
    fn column_groups(&self, row: usize) -> Vec<usize> {
        let (nodes, edges) = self.graph(true);
        let label = components(nodes, &edges, None, Some(row));
        // Numbered densely, in order of first appearance.
        let mut seen: Vec<usize> = vec![];
        (0..=self.w)
            .map(|c| {
                let l = label[self.column_node(c)];
                seen.iter().position(|x| *x == l).unwrap_or_else(|| {
                    seen.push(l);
                    seen.len() - 1
                })
            })
            .collect()
    }

    fn key(&self, at: At) -> (bool, bool, u64) {
        let v = self.count[at.0][at.1];
        (v == 0, at.0 == self.n || at.1 == self.w, v)
    }

    /// The best shown figure (not fixed) among `cands`: the smallest non-zero, a cell before a
    /// total.
    fn best(&self, cands: impl Iterator<Item = At>) -> Option<At> {
        cands
            .filter(|at| !self.withheld[at.0][at.1] && !self.fixed(*at))
            .min_by_key(|at| self.key(*at))
    }

    fn all(&self) -> impl Iterator<Item = At> + '_ {
        (0..=self.n).flat_map(move |r| (0..=self.w).map(move |c| (r, c)))
    }

    /// Applies the rules until none asks for more: primary suppression is done by
    /// [`Grid::new`]; then each step withholds one more figure.
    fn protect(&mut self) {
        loop {
            let next = self
                .sum_fix()
                .or_else(|| self.bridge_fix())
                .or_else(|| self.connect_fix());
            match next {
                Some((r, c)) => self.withheld[r][c] = true,
                None => break,
            }
        }
    }

    /// Every additive line: its items and its total.
    fn lines(&self) -> Vec<(Vec<At>, At)> {
        let (n, w) = (self.n, self.w);
        let mut out: Vec<(Vec<At>, At)> = (0..n)
            .map(|r| ((0..w).map(|c| (r, c)).collect(), (r, w)))
            .collect();
        out.extend((0..w).map(|c| ((0..n).map(|r| (r, c)).collect(), (n, c))));
        out.push(((0..w).map(|c| (n, c)).collect(), (n, w)));
        out.push(((0..n).map(|r| (r, w)).collect(), (n, w)));
        out
    }

    /// A line whose total is shown and whose withheld items sum to 1–4 (which would show
    /// them all small): its best shown item.
    fn sum_fix(&self) -> Option<At> {
        self.lines().into_iter().find_map(|(items, total)| {
            if self.withheld[total.0][total.1] {
                return None;
            }
            let hidden: u64 = items
                .iter()
                .filter(|(r, c)| self.withheld[*r][*c])
                .map(|(r, c)| self.count[*r][*c])
                .sum();
            if !(1..SMALL_CELL).contains(&hidden) {
                return None;
            }
            self.best(items.into_iter())
        })
    }

    fn has_bridge(&self) -> bool {
        let (nodes, edges) = self.graph(true);
        bridges(nodes, &edges)
            .iter()
            .zip(&edges)
            .any(|(b, e)| *b && !self.fixed(e.2))
    }

    /// A withheld figure (not fixed) that is determined: a figure whose withholding puts it
    /// on a cycle. Preferred: one joining the two sides of the bridge (which closes a cycle
    /// through it at once); else the best shown figure of a line through it; else the best
    /// touching either side.
    fn bridge_fix(&self) -> Option<At> {
        let (nodes, edges) = self.graph(true);
        let is_bridge = bridges(nodes, &edges);
        for (i, &(u, v, at)) in edges.iter().enumerate() {
            if !is_bridge[i] || self.fixed(at) {
                continue;
            }
            let label = components(nodes, &edges, Some(i), None);
            let (a, b) = (label[u], label[v]);
            let row_node = |r: usize| match (&self.groups, r == self.n) {
                (Some(_), true) => None,
                _ => Some(r),
            };
            let side = |(r, c): At| {
                let lr = row_node(r).map(|x| label[x]);
                let lc = label[self.column_node(c)];
                (lr, lc)
            };
            let across = self.best(self.all().filter(|at| {
                let (lr, lc) = side(*at);
                (lr == Some(a) && lc == b) || (lr == Some(b) && lc == a)
            }));
            let found = across
                .or_else(|| {
                    self.best(
                        (0..=self.w)
                            .map(|c| (at.0, c))
                            .chain((0..=self.n).map(|r| (r, at.1))),
                    )
                })
                .or_else(|| {
                    self.best(self.all().filter(|x| {
                        let (lr, lc) = side(*x);
                        lr == Some(a) || lr == Some(b) || lc == a || lc == b
                    }))
                });
            if found.is_some() {
                return found;
            }
        }
        None
    }

    /// For a child: the parent's withheld figures of one group must be joined through the
    /// child's own withheld figures (else moving them in the parent could not be followed in
    /// the child, and the child would determine them). The best shown figure joining two parts
    /// that must be joined, else touching one of them.
    fn connect_fix(&self) -> Option<At> {
        let groups = self.groups.as_ref()?;
        let (nodes, edges) = self.graph(false);
        let label = components(nodes, &edges, None, None);
        let mut first: Vec<Option<usize>> = vec![None; nodes];
        for c in 0..=self.w {
            if !self.withheld[self.n][c] {
                continue;
            }
            let here = label[self.column_node(c)];
            let g = groups[c];
            let Some(there) = first[g] else {
                first[g] = Some(here);
                continue;
            };
            if there == here {
                continue;
            }
            let parts = [here, there];
            let body = (0..self.n).flat_map(|r| (0..=self.w).map(move |c| (r, c)));
            let joins = |(r, c): At| {
                let (lr, lc) = (label[r], label[self.column_node(c)]);
                lr != lc && parts.contains(&lr) && parts.contains(&lc)
            };
            let touches = |(r, c): At| {
                parts.contains(&label[r]) || parts.contains(&label[self.column_node(c)])
            };
            let found = self
                .best(body.clone().filter(|x| joins(*x)))
                .or_else(|| self.best(body.filter(|x| touches(*x))));
            if found.is_some() {
                return found;
            }
        }
        None
    }
}

/// Connected components: a label per node, leaving out edge `skip_edge` and node `skip_node`.
fn components(
    nodes: usize,
    edges: &[(usize, usize, At)],
    skip_edge: Option<usize>,
    skip_node: Option<usize>,
) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..nodes).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for (i, &(u, v, _)) in edges.iter().enumerate() {
        if Some(i) == skip_edge || Some(u) == skip_node || Some(v) == skip_node {
            continue;
        }
        let (a, b) = (find(&mut parent, u), find(&mut parent, v));
        parent[a] = b;
    }
    (0..nodes).map(|x| find(&mut parent, x)).collect()
}

/// Which edges are bridges (on no cycle): Tarjan's low-link, iteratively.
fn bridges(nodes: usize, edges: &[(usize, usize, At)]) -> Vec<bool> {
    let mut adj: Vec<Vec<(usize, usize)>> = vec![vec![]; nodes];
    for (i, &(u, v, _)) in edges.iter().enumerate() {
        adj[u].push((v, i));
        adj[v].push((u, i));
    }
    let mut order = vec![usize::MAX; nodes];
    let mut low = vec![0; nodes];
    let mut out = vec![false; edges.len()];
    let mut next = 0;
    for root in 0..nodes {
        if order[root] != usize::MAX {
            continue;
        }
        order[root] = next;
        low[root] = next;
        next += 1;
        // (node, edge it was reached by, next adjacency index)
        let mut stack = vec![(root, usize::MAX, 0usize)];
        while let Some(top) = stack.last_mut() {
            let (x, via, k) = *top;
            if let Some(&(y, e)) = adj[x].get(k) {
                top.2 += 1;
                if e == via {
                    continue;
                }
                if order[y] == usize::MAX {
                    order[y] = next;
                    low[y] = next;
                    next += 1;
                    stack.push((y, e, 0));
                } else {
                    low[x] = low[x].min(order[y]);
                }
            } else {
                stack.pop();
                if let Some(&(p, _, _)) = stack.last() {
                    low[p] = low[p].min(low[x]);
                    if low[x] > order[p] {
                        out[via] = true;
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    // The checks walk the extended table by position (row, column) on several arrays at once.
    #![allow(clippy::needless_range_loop)]
    use super::*;
    use time::macros::date;

    fn table(counts: &[&[u64]]) -> Table {
        Table::protected(
            (0..counts.len()).map(|i| format!("r{i}")).collect(),
            counts.iter().map(|r| r.to_vec()).collect(),
        )
    }

    // ---- An independent audit: exact integer Gauss-Jordan elimination over the published
    // relations (written apart from the implementation's graph method). ----

    /// A system of figures: each with its true count and whether it is withheld, and the
    /// additive relations among them (`items` sum to `total`).
    #[derive(Default)]
    struct System {
        withheld: Vec<bool>,
        relations: Vec<(Vec<usize>, usize)>,
    }

    impl System {
        /// Adds a table's figures and relations; returns the ids of its cells, row totals,
        /// column totals and grand total.
        fn add(&mut self, t: &Table) -> (Vec<Vec<usize>>, Vec<usize>, Vec<usize>, usize) {
            let mut id = |f: &Figure| {
                self.withheld.push(f.withheld);
                self.withheld.len() - 1
            };
            let cells: Vec<Vec<usize>> = t
                .cells
                .iter()
                .map(|r| r.iter().map(&mut id).collect())
                .collect();
            let rows: Vec<usize> = t.row_totals.iter().map(&mut id).collect();
            let cols: Vec<usize> = t.column_totals.iter().map(&mut id).collect();
            let total = id(&t.total);
            for (r, row) in cells.iter().enumerate() {
                self.relations.push((row.clone(), rows[r]));
            }
            for (c, col) in cols.iter().enumerate() {
                self.relations
                    .push((cells.iter().map(|r| r[c]).collect(), *col));
            }
            self.relations.push((rows.clone(), total));
            self.relations.push((cols.clone(), total));
            (cells, rows, cols, total)
        }

        /// The withheld figures whose value the published ones determine.
        fn determined(&self) -> Vec<usize> {
            let unknown: Vec<usize> = (0..self.withheld.len())
                .filter(|i| self.withheld[*i])
                .collect();
            let col = |id: usize| unknown.iter().position(|u| *u == id);
            // Each relation, restricted to the withheld figures (published ones are constants).
            let mut m: Vec<Vec<i128>> = self
                .relations
                .iter()
                .map(|(items, total)| {
                    let mut row = vec![0i128; unknown.len()];
                    for i in items {
                        if let Some(c) = col(*i) {
                            row[c] += 1;
                        }
                    }
                    if let Some(c) = col(*total) {
                        row[c] -= 1;
                    }
                    row
                })
                .collect();
            // Gauss-Jordan with integer rows (each kept divided by its gcd).
            let gcd = |mut a: i128, mut b: i128| {
                a = a.abs();
                b = b.abs();
                while b != 0 {
                    (a, b) = (b, a % b);
                }
                a
            };
            let mut pivot_row = 0;
            for c in 0..unknown.len() {
                let Some(p) = (pivot_row..m.len()).find(|r| m[*r][c] != 0) else {
                    continue;
                };
                m.swap(pivot_row, p);
                for r in 0..m.len() {
                    if r == pivot_row || m[r][c] == 0 {
                        continue;
                    }
                    let (a, b) = (m[pivot_row][c], m[r][c]);
                    let row: Vec<i128> = (0..unknown.len())
                        .map(|k| m[r][k] * a - m[pivot_row][k] * b)
                        .collect();
                    let g = row.iter().fold(0, |g, x| gcd(g, *x));
                    m[r] = row
                        .into_iter()
                        .map(|x| if g > 1 { x / g } else { x })
                        .collect();
                }
                pivot_row += 1;
            }
            // A withheld figure is determined when a reduced relation names it alone.
            m.iter()
                .filter_map(|row| {
                    let mut nz = row.iter().enumerate().filter(|(_, x)| **x != 0);
                    match (nz.next(), nz.next()) {
                        (Some((c, _)), None) => Some(unknown[c]),
                        _ => None,
                    }
                })
                .collect()
        }
    }

    fn audit(t: &Table) -> Vec<usize> {
        let mut s = System::default();
        s.add(t);
        s.determined()
    }

    /// The deterministic sweep's tables (a linear congruential sequence).
    fn sweep(seed: u64, n: usize, max_rows: u64, modulo: u64) -> Vec<Vec<Vec<u64>>> {
        let mut x: u64 = seed;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        (0..n)
            .map(|_| {
                let rows = 1 + (next() % max_rows) as usize;
                (0..rows)
                    .map(|_| (0..5).map(|_| next() % modulo).collect())
                    .collect()
            })
            .collect()
    }

    /// The positions (row, column) in `t` of the ids `audit` returns (cells only; totals as
    /// `usize::MAX` in the column for row totals, rows for column totals).
    fn ids_of(t: &Table) -> Vec<(usize, usize)> {
        let (n, w) = (t.cells.len(), t.column_totals.len());
        let mut out: Vec<(usize, usize)> =
            (0..n).flat_map(|r| (0..w).map(move |c| (r, c))).collect();
        out.extend((0..n).map(|r| (r, w)));
        out.extend((0..w).map(|c| (n, c)));
        out.push((n, w));
        out
    }

    /// What every protected table must satisfy besides the audit: small figures withheld, and
    /// no line with a shown total whose withheld items sum to 1–4.
    fn check_rules(t: &Table) {
        assert!(!t.leaks(), "{t:?}");
        let ext = t.extended(|f| *f);
        let (n, w) = (t.cells.len(), t.column_totals.len());
        for row in &ext {
            for f in row {
                if (1..SMALL_CELL).contains(&f.count) {
                    assert!(f.withheld, "{t:?}");
                }
            }
        }
        let mut g = Grid::from_table(t);
        g.withheld = t.extended(|f| f.withheld);
        for (items, total) in g.lines() {
            if ext[total.0][total.1].withheld {
                continue;
            }
            let hidden: u64 = items
                .iter()
                .map(|(r, c)| ext[*r][*c])
                .filter(|f| f.withheld)
                .map(|f| f.count)
                .sum();
            assert!(
                hidden == 0 || hidden >= SMALL_CELL,
                "{items:?} hides {hidden} in {t:?} ({n}×{w})"
            );
        }
    }

    const EXAMPLE: [&[u64]; 4] = [
        &[2, 7, 8, 0, 4],
        &[8, 1, 11, 9, 6],
        &[1, 5, 1, 10, 7],
        &[0, 2, 8, 11, 2],
    ];

    #[test]
    fn the_audit_finds_a_cell_no_single_line_gives_away() {
        // Two 4-cycles of withheld cells joined by one more: every row and column holds 0 or
        // at least 2 withheld figures, yet the joining cell is determined.
        let mut t = table(&[
            &[10, 10, 10, 10],
            &[10, 10, 10, 10],
            &[10, 10, 10, 10],
            &[10, 10, 10, 10],
        ]);
        for (r, c) in [
            (0, 0),
            (0, 1),
            (1, 0),
            (1, 1),
            (2, 2),
            (2, 3),
            (3, 2),
            (3, 3),
        ] {
            t.cells[r][c].withheld = true;
        }
        assert!(audit(&t).is_empty() && !t.leaks());
        t.cells[1][2].withheld = true;
        let ids = ids_of(&t);
        let found: Vec<(usize, usize)> = audit(&t).into_iter().map(|i| ids[i]).collect();
        assert_eq!(found, vec![(1, 2)]);
        assert!(t.leaks());
    }

    #[test]
    fn the_reviews_example_no_longer_leaks() {
        let t = table(&EXAMPLE);
        assert_eq!(audit(&t), Vec::<usize>::new(), "{t:?}");
        assert!(!t.leaks());
        check_rules(&t);
        // The recovery the review found: column 4, rows 0 and 2, column 1.
        assert!(t.cells[0][4].withheld);
    }

    #[test]
    fn sweep_no_withheld_figure_is_determined() {
        // Seeded sweeps of small tables: the first is the one the old rule leaked in 32 of
        // 2,000 tables (24 of them a small cell).
        for (seed, n, rows, modulo) in [(7, 2_000, 4, 12), (11, 2_000, 8, 20), (13, 1_000, 12, 8)] {
            let (mut withheld, mut cells) = (0, 0);
            for counts in sweep(seed, n, rows, modulo) {
                let t = Table::protected(
                    (0..counts.len()).map(|i| i.to_string()).collect(),
                    counts.clone(),
                );
                assert_eq!(audit(&t), Vec::<usize>::new(), "{counts:?} → {t:?}");
                assert!(!t.leaks());
                check_rules(&t);
                cells += counts.len() * 5;
                withheld += t.cells.iter().flatten().filter(|f| f.withheld).count();
            }
            eprintln!(
                "sweep seed {seed}: {n} tables (≤ {rows} rows, counts < {modulo}): none leaks; {withheld} of {cells} cells withheld"
            );
        }
    }

    /// Synthetic store rows: `p` provinces, each with up to 3 districts of up to 3 offices,
    /// two sexes, five groups.
    fn counts(seed: u64, provinces: u64, modulo: u64) -> Vec<PlanningCount> {
        let mut x = seed;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            x >> 33
        };
        let mut out = vec![];
        for p in 0..1 + next() % provinces {
            for d in 0..1 + next() % 3 {
                for o in 0..1 + next() % 3 {
                    for sex in ["female", "male"] {
                        for group in AgeGroup::ALL {
                            let count = next() % modulo;
                            out.push(PlanningCount {
                                province: format!("p{p}"),
                                district: format!("d{d}"),
                                office_code: format!("o{o}"),
                                sex: sex.into(),
                                group,
                                count,
                                medical: next() % (count + 1),
                            });
                        }
                    }
                }
            }
        }
        out
    }

    /// Every table of `p` in one system, the linked figures tied by equations; checks a
    /// parent's figure and the child's total that is the same figure are withheld alike.
    fn audit_all(p: &Planning, medical: bool) -> usize {
        let pick = |b: &Breakdown| {
            if medical {
                b.medical.clone()
            } else {
                b.table.clone()
            }
        };
        let mut s = System::default();
        let tie = |parent: &Table, row: usize, child: &Table| {
            let prow: Vec<&Figure> = parent.cells[row]
                .iter()
                .chain([&parent.row_totals[row]])
                .collect();
            let ctot: Vec<&Figure> = child.column_totals.iter().chain([&child.total]).collect();
            assert_eq!(
                prow, ctot,
                "a parent's row is its child's totals, withheld alike"
            );
        };
        let provinces = pick(p.provinces());
        let (pc, pr, _, _) = s.add(&provinces);
        for (i, name) in provinces.rows.iter().enumerate() {
            let Some(d) = p.districts(name) else { continue };
            let dt = pick(d);
            tie(&provinces, i, &dt);
            let (dc, dr, dcol, dtot) = s.add(&dt);
            for (c, id) in dcol.iter().enumerate() {
                s.relations.push((vec![*id], pc[i][c]));
            }
            s.relations.push((vec![dtot], pr[i]));
            for (j, dname) in dt.rows.iter().enumerate() {
                for child in [p.offices(name, dname), p.sexes(name, dname)]
                    .into_iter()
                    .flatten()
                {
                    let ct = pick(child);
                    tie(&dt, j, &ct);
                    let (_, _, ccol, ctot) = s.add(&ct);
                    for (c, id) in ccol.iter().enumerate() {
                        s.relations.push((vec![*id], dc[j][c]));
                    }
                    s.relations.push((vec![ctot], dr[j]));
                    check_rules(&ct);
                }
            }
            check_rules(&dt);
        }
        check_rules(&provinces);
        s.determined().len()
    }

    /// The same tables protected each on its own (as the web did): how many withheld figures
    /// all of them together determine.
    fn audit_apart(c: &[PlanningCount]) -> usize {
        let linked = Planning::protect(c);
        let mut apart = linked.clone();
        let redo = |b: &mut Breakdown| {
            for t in [&mut b.table, &mut b.medical] {
                let counts = t
                    .cells
                    .iter()
                    .map(|r| r.iter().map(|f| f.count).collect())
                    .collect();
                *t = Table::protected(t.rows.clone(), counts);
            }
        };
        redo(&mut apart.provinces);
        apart.districts.values_mut().for_each(redo);
        apart.offices.values_mut().for_each(redo);
        apart.sexes.values_mut().for_each(redo);
        // Linked figures may now differ in being withheld: audit with the ties as equations
        // only (no flag check).
        let mut s = System::default();
        let provinces = apart.provinces.table.clone();
        let (pc, pr, _, _) = s.add(&provinces);
        for (i, name) in provinces.rows.iter().enumerate() {
            let dt = apart.districts[name].table.clone();
            let (dc, dr, dcol, dtot) = s.add(&dt);
            for (c, id) in dcol.iter().enumerate() {
                s.relations.push((vec![*id], pc[i][c]));
            }
            s.relations.push((vec![dtot], pr[i]));
            for (j, dname) in dt.rows.iter().enumerate() {
                let key = (name.clone(), dname.clone());
                for ct in [&apart.offices[&key].table, &apart.sexes[&key].table] {
                    let (_, _, ccol, ctot) = s.add(ct);
                    for (c, id) in ccol.iter().enumerate() {
                        s.relations.push((vec![*id], dc[j][c]));
                    }
                    s.relations.push((vec![ctot], dr[j]));
                }
            }
        }
        s.determined().len()
    }

    #[test]
    fn linked_tables_are_protected_together() {
        let (mut before, mut trees) = (0, 0);
        for seed in 0..300u64 {
            let c = counts(seed, 4, if seed % 2 == 0 { 12 } else { 6 });
            let p = Planning::protect(&c);
            assert_eq!(audit_all(&p, false), 0, "seed {seed}: {p:?}");
            assert_eq!(audit_all(&p, true), 0, "seed {seed}: medical {p:?}");
            if audit_apart(&c) > 0 {
                before += 1;
            }
            trees += 1;
            // The builder's tables are the web's: provinces, districts, offices and sexes.
            let total: u64 = c.iter().map(|x| x.count).sum();
            assert_eq!(p.provinces().table.total.count, total);
        }
        eprintln!(
            "linked sweep: {trees} trees (provinces → districts → offices and sexes): none leaks together; protected table by table, {before} leaked"
        );
    }

    #[test]
    fn a_province_figure_is_not_a_districts_shown_total() {
        // The review's case: a school-age count withheld in the province table is the total
        // of that column in the province's district table.
        let mut c = counts(5, 3, 12);
        for x in c
            .iter_mut()
            .filter(|x| x.province == "p0" && x.group == AgeGroup::SchoolAge)
        {
            x.count = 0;
        }
        c[1].count = 3; // p0, d0, o0, female, school age
        let p = Planning::protect(&c);
        let row = p
            .provinces()
            .table
            .rows
            .iter()
            .position(|r| r == "p0")
            .unwrap();
        assert!(p.provinces().table.cells[row][1].withheld);
        let d = p.districts("p0").unwrap();
        assert!(d.table.column_totals[1].withheld);
        assert_eq!(audit_all(&p, false), 0);
    }

    #[test]
    fn a_big_table_is_quick() {
        let mut x: u64 = 3;
        let counts: Vec<Vec<u64>> = (0..300)
            .map(|_| {
                (0..6)
                    .map(|_| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        (x >> 33) % 40
                    })
                    .collect()
            })
            .collect();
        let start = std::time::Instant::now();
        let t = Table::protected((0..300).map(|i| i.to_string()).collect(), counts);
        let took = start.elapsed();
        let withheld = t.cells.iter().flatten().filter(|f| f.withheld).count();
        eprintln!("300 × 6 table protected in {took:?} ({withheld} of 1800 cells withheld)");
        assert!(!t.leaks());
        check_rules(&t);
        // A country: 34 provinces of 12 districts of 3 offices, two sexes.
        let mut c = vec![];
        for p in 0..34 {
            for d in 0..12 {
                for o in 0..3 {
                    for sex in ["female", "male"] {
                        for group in AgeGroup::ALL {
                            x = x
                                .wrapping_mul(6364136223846793005)
                                .wrapping_add(1442695040888963407);
                            let count = (x >> 33) % 30;
                            c.push(PlanningCount {
                                province: format!("p{p}"),
                                district: format!("d{d}"),
                                office_code: format!("o{o}"),
                                sex: sex.into(),
                                group,
                                count,
                                medical: count / 4,
                            });
                        }
                    }
                }
            }
        }
        let start = std::time::Instant::now();
        let p = Planning::protect(&c);
        eprintln!(
            "a country's tree (34 provinces, 408 districts, 1,224 offices) protected in {:?}",
            start.elapsed()
        );
        assert!(!p.provinces().table.leaks());
    }

    /// For the withheld figure at `at` (extended position): a second table, non-negative,
    /// with every published figure the same and that figure different — found by moving ±1
    /// along a shortest cycle of withheld figures through it, and checked here directly
    /// against all the table's sums and shown figures. `None` when no such cycle move stays
    /// non-negative (non-negativity then bounds the figure; see the module's documentation).
    fn witness(t: &Table, at: (usize, usize)) -> Option<Vec<Vec<u64>>> {
        let ext = t.extended(|f| *f);
        let (n, w) = (t.cells.len(), t.column_totals.len());
        let col = |c: usize| n + 1 + c;
        let hidden: Vec<(usize, usize)> = (0..=n)
            .flat_map(|r| (0..=w).map(move |c| (r, c)))
            .filter(|(r, c)| ext[*r][*c].withheld && (*r, *c) != at)
            .collect();
        // Breadth-first from the figure's column node to its row node without it.
        let mut prev: Vec<Option<(usize, (usize, usize))>> = vec![None; n + w + 2];
        let mut queue = std::collections::VecDeque::from([col(at.1)]);
        let mut seen = vec![false; n + w + 2];
        seen[col(at.1)] = true;
        while let Some(x) = queue.pop_front() {
            for &(r, c) in &hidden {
                let y = if x == r {
                    col(c)
                } else if x == col(c) {
                    r
                } else {
                    continue;
                };
                if !seen[y] {
                    seen[y] = true;
                    prev[y] = Some((x, (r, c)));
                    queue.push_back(y);
                }
            }
        }
        let mut cycle = vec![at];
        let mut x = at.0;
        while x != col(at.1) {
            let (p, e) = prev[x]?;
            cycle.push(e);
            x = p;
        }
        // In the extended table with totals negated, ±1 alternately along the cycle.
        let signed = |(r, c): (usize, usize)| if (r == n) == (c == w) { 1i64 } else { -1 };
        for dir in [1i64, -1] {
            let mut v: Vec<Vec<i64>> = ext
                .iter()
                .map(|row| row.iter().map(|f| f.count as i64).collect())
                .collect();
            for (k, (r, c)) in cycle.iter().enumerate() {
                let step = if k % 2 == 0 { dir } else { -dir };
                v[*r][*c] += step * signed((*r, *c));
            }
            if v.iter().flatten().any(|x| *x < 0) {
                continue;
            }
            // Check: the sums hold, the shown figures are the same, the figure differs.
            for r in 0..=n {
                assert_eq!(v[r][..w].iter().sum::<i64>(), v[r][w]);
            }
            for c in 0..=w {
                assert_eq!((0..n).map(|r| v[r][c]).sum::<i64>(), v[n][c]);
            }
            for r in 0..=n {
                for c in 0..=w {
                    if !ext[r][c].withheld {
                        assert_eq!(v[r][c], ext[r][c].count as i64);
                    }
                }
            }
            assert_ne!(v[at.0][at.1], ext[at.0][at.1].count as i64);
            return Some(
                v.iter()
                    .map(|r| r.iter().map(|x| *x as u64).collect())
                    .collect(),
            );
        }
        None
    }

    #[test]
    fn withheld_figures_have_a_second_non_negative_table() {
        let (mut all, mut witnessed, mut small, mut small_witnessed) = (0, 0, 0, 0);
        for counts in sweep(7, 2_000, 4, 12) {
            let t = Table::protected(
                (0..counts.len()).map(|i| i.to_string()).collect(),
                counts.clone(),
            );
            let (n, w) = (t.cells.len(), t.column_totals.len());
            let ext = t.extended(|f| *f);
            for r in 0..=n {
                for c in 0..=w {
                    if !ext[r][c].withheld {
                        continue;
                    }
                    let found = witness(&t, (r, c)).is_some();
                    all += 1;
                    witnessed += usize::from(found);
                    if r < n && c < w && (1..SMALL_CELL).contains(&ext[r][c].count) {
                        small += 1;
                        small_witnessed += usize::from(found);
                    }
                }
            }
        }
        eprintln!(
            "witnesses: {witnessed} of {all} withheld figures ({small_witnessed} of {small} small cells) have a second non-negative table by one cycle move"
        );
        // The review's example: every withheld figure has one.
        let t = table(&EXAMPLE);
        let ext = t.extended(|f| *f);
        for (r, row) in ext.iter().enumerate() {
            for (c, f) in row.iter().enumerate() {
                if f.withheld {
                    assert!(witness(&t, (r, c)).is_some(), "({r}, {c}) in {t:?}");
                }
            }
        }
    }

    #[test]
    fn groups_have_codes_and_bounds() {
        for g in AgeGroup::ALL {
            assert_eq!(AgeGroup::parse(g.code()), Some(g));
        }
        assert_eq!(AgeGroup::parse("adults"), None);
        let b = birth_bounds(date!(2026 - 12 - 05));
        assert_eq!(
            b,
            [
                date!(2021 - 12 - 05),
                date!(2008 - 12 - 05),
                date!(1961 - 12 - 05)
            ]
        );
        // 29 February five years back is 28 February.
        assert_eq!(
            birth_bounds(date!(2028 - 02 - 29))[0],
            date!(2023 - 02 - 28)
        );
    }

    #[test]
    fn large_counts_are_shown_with_their_totals() {
        let t = table(&[&[10, 20, 30, 5, 0], &[7, 8, 9, 10, 11]]);
        assert!(!t.leaks());
        assert_eq!(t.cells[0][1].shown(), Some(20));
        assert_eq!(t.row_totals[0].shown(), Some(65));
        assert_eq!(t.column_totals[0].shown(), Some(17));
        assert_eq!(t.total.shown(), Some(65 + 45));
        assert_eq!(t.cells[0][4].shown(), Some(0), "zeros are shown");
    }

    #[test]
    fn a_small_cell_is_withheld_with_a_partner_in_its_row_and_column() {
        let t = table(&[
            &[3, 20, 30, 6, 9],
            &[7, 8, 9, 10, 11],
            &[12, 13, 14, 15, 16],
        ]);
        assert!(t.cells[0][0].withheld, "3 is small");
        // Its row: the smallest other figure (6) is withheld too; its column: 7.
        assert!(t.cells[0][3].withheld && t.cells[1][0].withheld);
        assert!(!t.leaks(), "{t:?}");
        // Row 0's total minus the shown cells no longer gives the 3.
        let shown: u64 = t.cells[0].iter().filter_map(Figure::shown).sum();
        assert_eq!(t.row_totals[0].shown().unwrap() - shown, 3 + 6);
        // Totals stay shown where they can be.
        assert_eq!(t.total.shown(), Some(t.total.count));
    }

    #[test]
    fn a_single_row_table_withholds_its_small_total() {
        let t = table(&[&[1, 0, 2, 0, 0]]);
        assert!(t.cells[0][0].withheld && t.cells[0][2].withheld);
        assert!(
            t.row_totals[0].withheld && t.total.withheld,
            "3 in all is small"
        );
        assert!(!t.leaks());
    }
}
