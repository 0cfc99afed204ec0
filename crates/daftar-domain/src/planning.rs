//! Planning figures for partners (issue 20.2): how many registered persons of each age group
//! live in the catchment of each province, district and office — for a school, a health house
//! or a livelihood programme to decide where it is needed — and the disclosure control that
//! makes such a table safe to show and export.
//!
//! Counts only. Every cell under [`SMALL_CELL`] (1–4) is withheld (primary suppression), and
//! then, so that no withheld cell can be recovered by subtracting the others from a row's or a
//! column's total, every line of the table (each row with its total, each column with its
//! total, the totals row with the grand total) that holds exactly one withheld figure has a
//! second one withheld: the smallest non-zero figure of that line, a cell before a total
//! (complementary suppression), repeated until no line has exactly one. Zeros are shown (a
//! zero tells nothing about a person).

use serde::Serialize;
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

fn fig(count: u64) -> Figure {
    Figure {
        count,
        withheld: (1..SMALL_CELL).contains(&count),
    }
}

/// A line of the table: positions of its items (cells first, its total last).
#[derive(Debug, Clone, Copy)]
enum Pos {
    Cell(usize, usize),
    RowTotal(usize),
    ColumnTotal(usize),
    Total,
}

impl Table {
    /// Builds a table from `counts` (`rows × columns`) and applies the disclosure control.
    pub fn protected(rows: Vec<String>, counts: Vec<Vec<u64>>) -> Self {
        let width = counts.first().map_or(AgeGroup::ALL.len(), Vec::len);
        let row_totals: Vec<u64> = counts.iter().map(|r| r.iter().sum()).collect();
        let column_totals: Vec<u64> = (0..width)
            .map(|c| counts.iter().map(|r| r[c]).sum())
            .collect();
        let total = row_totals.iter().sum();
        let mut t = Table {
            rows,
            cells: counts
                .iter()
                .map(|r| r.iter().copied().map(fig).collect())
                .collect(),
            row_totals: row_totals.into_iter().map(fig).collect(),
            column_totals: column_totals.into_iter().map(fig).collect(),
            total: fig(total),
        };
        t.complement();
        t
    }

    fn get(&self, p: Pos) -> Figure {
        match p {
            Pos::Cell(r, c) => self.cells[r][c],
            Pos::RowTotal(r) => self.row_totals[r],
            Pos::ColumnTotal(c) => self.column_totals[c],
            Pos::Total => self.total,
        }
    }

    fn withhold(&mut self, p: Pos) {
        match p {
            Pos::Cell(r, c) => self.cells[r][c].withheld = true,
            Pos::RowTotal(r) => self.row_totals[r].withheld = true,
            Pos::ColumnTotal(c) => self.column_totals[c].withheld = true,
            Pos::Total => self.total.withheld = true,
        }
    }

    /// Every additive line: each row and its total, each column and its total, the row
    /// totals with the grand total, the column totals with the grand total.
    fn lines(&self) -> Vec<Vec<Pos>> {
        let width = self.column_totals.len();
        let mut lines = vec![];
        for r in 0..self.rows.len() {
            let mut l: Vec<Pos> = (0..width).map(|c| Pos::Cell(r, c)).collect();
            l.push(Pos::RowTotal(r));
            lines.push(l);
        }
        for c in 0..width {
            let mut l: Vec<Pos> = (0..self.rows.len()).map(|r| Pos::Cell(r, c)).collect();
            l.push(Pos::ColumnTotal(c));
            lines.push(l);
        }
        let mut l: Vec<Pos> = (0..self.rows.len()).map(Pos::RowTotal).collect();
        l.push(Pos::Total);
        lines.push(l);
        let mut l: Vec<Pos> = (0..width).map(Pos::ColumnTotal).collect();
        l.push(Pos::Total);
        lines.push(l);
        lines
    }

    /// Complementary suppression: until no line has exactly one withheld figure, withhold in
    /// each such line its smallest non-zero figure (a cell before a total); a line whose other
    /// figures are all zero withholds a zero (its total then equals the withheld cell, and it
    /// is withheld too on the next pass if it is a total of another line).
    fn complement(&mut self) {
        let lines = self.lines();
        loop {
            let mut changed = false;
            for line in &lines {
                let withheld = line.iter().filter(|p| self.get(**p).withheld).count();
                if withheld != 1 {
                    continue;
                }
                let open = line
                    .iter()
                    .copied()
                    .filter(|p| !self.get(*p).withheld)
                    .min_by_key(|p| {
                        let f = self.get(*p);
                        (
                            f.count == 0,
                            matches!(p, Pos::RowTotal(_) | Pos::ColumnTotal(_) | Pos::Total),
                            f.count,
                        )
                    });
                if let Some(p) = open {
                    self.withhold(p);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Whether any line of the table lets a withheld figure be recovered by subtraction (a
    /// line with exactly one withheld figure). Always false after [`Table::protected`].
    pub fn leaks(&self) -> bool {
        self.lines()
            .iter()
            .any(|l| l.iter().filter(|p| self.get(**p).withheld).count() == 1)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    fn table(counts: &[&[u64]]) -> Table {
        Table::protected(
            (0..counts.len()).map(|i| format!("r{i}")).collect(),
            counts.iter().map(|r| r.to_vec()).collect(),
        )
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
    fn no_line_ever_leaks() {
        // A deterministic sweep over many small tables (a linear congruential sequence).
        let mut x: u64 = 7;
        let mut next = || {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) % 12
        };
        for _ in 0..2_000 {
            let rows = 1 + (next() % 4) as usize;
            let counts: Vec<Vec<u64>> = (0..rows)
                .map(|_| (0..5).map(|_| next()).collect())
                .collect();
            let t = Table::protected((0..rows).map(|i| i.to_string()).collect(), counts.clone());
            assert!(!t.leaks(), "{counts:?} → {t:?}");
            for (r, row) in counts.iter().enumerate() {
                for (c, n) in row.iter().enumerate() {
                    if (1..SMALL_CELL).contains(n) {
                        assert!(t.cells[r][c].withheld, "{counts:?}");
                    }
                }
            }
        }
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
