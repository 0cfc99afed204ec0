//! Server-rendered SVG charts (bar and line) with the same figures in a table beside them: no
//! script, no external resource, drawn right to left on right-to-left pages (the first label
//! at the right), accessible (`role="img"`, `<title>` and `<desc>` named by `aria-labelledby`,
//! a `<title>` on every bar and point, the table for screen readers and print). Colours are
//! presentation attributes, not styles, so the page's CSP needs nothing more.
//!
//! Two ways to draw: [`Chart::render`] writes the whole `<figure>` (SVG and table; the KPI
//! pages), and [`bars`] computes only the geometry of a bar chart so that a template writes
//! the rectangles itself (the coverage page and the round report).

use std::fmt::Write;

/// Bars or lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One bar per label (per series, side by side).
    Bar,
    /// One line per series; a missing value breaks the line.
    Line,
}

/// One series of figures, one per label (`None`: no figure).
#[derive(Debug, Clone)]
pub struct Series {
    /// Its name (legend and table header).
    pub name: String,
    /// The figures.
    pub values: Vec<Option<f64>>,
}

/// A chart and its table.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Element id prefix (unique on the page).
    pub id: String,
    /// Title (shown as the figure's caption and as the SVG's `<title>`).
    pub title: String,
    /// What it shows, for screen readers (`<desc>`).
    pub desc: String,
    /// Header of the table's first column.
    pub label_header: String,
    /// Labels along the axis (months, offices), first to last.
    pub labels: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// Bars or lines.
    pub kind: Kind,
    /// Drawn right to left.
    pub rtl: bool,
}

const W: f64 = 640.0;
const H: f64 = 260.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 48.0;
const SIDE: f64 = 48.0;
const COLOURS: [&str; 5] = ["#1f5f8b", "#c2571a", "#2e7d32", "#6a3d9a", "#8c6d1f"];

/// Escapes text for XML and HTML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A round upper bound of the axis for `max`.
fn nice_max(max: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let mag = 10f64.powf(max.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= max {
            return m * mag;
        }
    }
    10.0 * mag
}

impl Chart {
    fn x_of(&self, i: usize) -> f64 {
        let n = self.labels.len().max(1) as f64;
        let step = (W - 2.0 * SIDE) / n;
        let from_start = SIDE + step * (i as f64 + 0.5);
        if self.rtl { W - from_start } else { from_start }
    }

    /// The `<figure>`: the SVG, then the table with the same figures (`fmt` writes a figure in
    /// the page's digits; the table shows `missing` where there is none).
    pub fn render(&self, fmt: &dyn Fn(f64) -> String, missing: &str) -> String {
        self.render_with_total(fmt, missing, None)
    }

    /// [`Chart::render`] with a last row of the table under `total`'s label (one figure per
    /// series; `None`: `missing`), not drawn in the SVG.
    pub fn render_with_total(
        &self,
        fmt: &dyn Fn(f64) -> String,
        missing: &str,
        total: Option<(&str, &[Option<f64>])>,
    ) -> String {
        let max = self
            .series
            .iter()
            .flat_map(|s| s.values.iter().flatten())
            .fold(0.0f64, |a, b| a.max(*b));
        let top = nice_max(max);
        let y_of = |v: f64| H - BOTTOM - (v / top) * (H - TOP - BOTTOM);
        let id = escape(&self.id);
        let mut svg = String::new();
        let _ = write!(
            svg,
            r#"<svg class="chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" viewBox="0 0 {W} {H}" width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg" direction="{dir}" data-kind="{kind}"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>"#,
            dir = if self.rtl { "rtl" } else { "ltr" },
            kind = match self.kind {
                Kind::Bar => "bar",
                Kind::Line => "line",
            },
            title = escape(&self.title),
            desc = escape(&self.desc),
        );
        // Grid and axis figures (at the start side: right on right-to-left pages).
        let (axis_x, anchor) = if self.rtl {
            (W - SIDE + 6.0, "start")
        } else {
            (SIDE - 6.0, "end")
        };
        for k in 0..=4 {
            let v = top * f64::from(k) / 4.0;
            let y = y_of(v);
            let _ = write!(
                svg,
                r##"<line x1="{SIDE}" x2="{x2}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d7de" stroke-width="1"/><text x="{axis_x}" y="{ty:.1}" font-size="11" text-anchor="{anchor}" fill="#444">{t}</text>"##,
                x2 = W - SIDE,
                ty = y + 4.0,
                t = escape(&fmt(v)),
            );
        }
        let n = self.labels.len().max(1) as f64;
        let step = (W - 2.0 * SIDE) / n;
        let every = ((self.labels.len() as f64) / 13.0).ceil().max(1.0) as usize;
        for (i, l) in self.labels.iter().enumerate() {
            if i % every != 0 {
                continue;
            }
            let _ = write!(
                svg,
                r##"<text class="x-label" x="{x:.1}" y="{y:.1}" font-size="10" text-anchor="middle" fill="#444">{l}</text>"##,
                x = self.x_of(i),
                y = H - BOTTOM + 16.0 + if i % 2 == 1 { 12.0 } else { 0.0 },
                l = escape(l),
            );
        }
        let k = self.series.len().max(1) as f64;
        for (si, s) in self.series.iter().enumerate() {
            let colour = COLOURS[si % COLOURS.len()];
            match self.kind {
                Kind::Bar => {
                    let bw = (step * 0.7) / k;
                    for (i, v) in s.values.iter().enumerate() {
                        let Some(v) = v else { continue };
                        let offset = (si as f64 - (k - 1.0) / 2.0) * bw;
                        let offset = if self.rtl { -offset } else { offset };
                        let x = self.x_of(i) + offset - bw / 2.0;
                        let y = y_of(*v);
                        let _ = write!(
                            svg,
                            r#"<rect class="bar" x="{x:.1}" y="{y:.1}" width="{bw:.1}" height="{h:.1}" fill="{colour}"><title>{t}</title></rect>"#,
                            h = (H - BOTTOM - y).max(0.0),
                            t = escape(&format!(
                                "{} — {}: {}",
                                self.labels.get(i).map_or("", |l| l),
                                s.name,
                                fmt(*v)
                            )),
                        );
                    }
                }
                Kind::Line => {
                    let mut run: Vec<(f64, f64)> = vec![];
                    let flush = |svg: &mut String, run: &mut Vec<(f64, f64)>| {
                        if run.len() > 1 {
                            let pts = run
                                .iter()
                                .map(|(x, y)| format!("{x:.1},{y:.1}"))
                                .collect::<Vec<_>>()
                                .join(" ");
                            let _ = write!(
                                svg,
                                r#"<polyline class="line" points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>"#
                            );
                        }
                        run.clear();
                    };
                    for (i, v) in s.values.iter().enumerate() {
                        match v {
                            Some(v) => run.push((self.x_of(i), y_of(*v))),
                            None => flush(&mut svg, &mut run),
                        }
                    }
                    flush(&mut svg, &mut run);
                    for (i, v) in s.values.iter().enumerate() {
                        let Some(v) = v else { continue };
                        let _ = write!(
                            svg,
                            r#"<circle class="point" cx="{x:.1}" cy="{y:.1}" r="3" fill="{colour}"><title>{t}</title></circle>"#,
                            x = self.x_of(i),
                            y = y_of(*v),
                            t = escape(&format!(
                                "{} — {}: {}",
                                self.labels.get(i).map_or("", |l| l),
                                s.name,
                                fmt(*v)
                            )),
                        );
                    }
                }
            }
        }
        // Legend (narrower steps for more than four series, so that five fit).
        let gap = if self.series.len() > 4 { 110.0 } else { 150.0 };
        for (si, s) in self.series.iter().enumerate() {
            let x = if self.rtl {
                W - SIDE - gap * si as f64
            } else {
                SIDE + gap * si as f64
            };
            let (sx, tx, anchor) = if self.rtl {
                (x - 10.0, x - 14.0, "end")
            } else {
                (x, x + 14.0, "start")
            };
            let _ = write!(
                svg,
                r##"<rect x="{sx:.1}" y="{y:.1}" width="10" height="10" fill="{c}"/><text x="{tx:.1}" y="{ty:.1}" font-size="11" text-anchor="{anchor}" fill="#222">{name}</text>"##,
                y = H - 14.0,
                ty = H - 5.0,
                c = COLOURS[si % COLOURS.len()],
                name = escape(&s.name),
            );
        }
        svg.push_str("</svg>");

        let mut table = String::new();
        let _ = write!(
            table,
            r#"<div class="table-wrap"><table class="chart-data" id="{id}-table"><caption>{t}</caption><thead><tr><th scope="col">{h}</th>"#,
            t = escape(&self.title),
            h = escape(&self.label_header),
        );
        for s in &self.series {
            let _ = write!(table, r#"<th scope="col">{}</th>"#, escape(&s.name));
        }
        table.push_str("</tr></thead><tbody>");
        for (i, l) in self.labels.iter().enumerate() {
            let _ = write!(table, r#"<tr><th scope="row">{}</th>"#, escape(l));
            for s in &self.series {
                let cell = s
                    .values
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or_else(|| missing.to_owned(), fmt);
                let _ = write!(table, "<td>{}</td>", escape(&cell));
            }
            table.push_str("</tr>");
        }
        table.push_str("</tbody>");
        if let Some((label, figures)) = total {
            let _ = write!(
                table,
                r#"<tfoot><tr class="total"><th scope="row">{}</th>"#,
                escape(label)
            );
            for i in 0..self.series.len() {
                let cell = figures
                    .get(i)
                    .copied()
                    .flatten()
                    .map_or_else(|| missing.to_owned(), fmt);
                let _ = write!(table, "<td>{}</td>", escape(&cell));
            }
            table.push_str("</tr></tfoot>");
        }
        table.push_str("</table></div>");
        format!(
            r#"<figure class="chart-figure" id="{id}-figure"><figcaption>{t}</figcaption>{svg}{table}</figure>"#,
            t = escape(&self.title)
        )
    }
}

/// Width of a [`bars`] chart's drawing area in SVG units.
pub const BARS_WIDTH: u64 = 600;
/// Height of a [`bars`] chart's bar area in SVG units (labels go below).
pub const BARS_HEIGHT: u64 = 160;

/// One bar of [`bars`]: its rectangle, its label and its value as shown.
pub struct Bar {
    /// Left edge.
    pub x: u64,
    /// Top edge.
    pub y: u64,
    /// Width.
    pub w: u64,
    /// Height.
    pub h: u64,
    /// Centre, for the label under the bar.
    pub cx: u64,
    /// Label (a province, a day).
    pub label: String,
    /// The value as the page shows it.
    pub value: String,
}

/// Bars for `(label, value, shown)` against `max`, in reading order for the page's direction
/// (right to left pages put the first bar on the right): the geometry only, for a template
/// that writes the rectangles.
pub fn bars(items: &[(String, u64, String)], max: u64, rtl: bool) -> Vec<Bar> {
    let n = items.len() as u64;
    if n == 0 {
        return vec![];
    }
    let slot = (BARS_WIDTH / n).max(1);
    let w = (slot * 7 / 10).max(1);
    items
        .iter()
        .enumerate()
        .map(|(i, (label, v, shown))| {
            let i = i as u64;
            let pos = if rtl { n - 1 - i } else { i };
            let h = (v.min(&max) * BARS_HEIGHT).checked_div(max).unwrap_or(0);
            let x = pos * slot + (slot - w) / 2;
            Bar {
                x,
                y: BARS_HEIGHT - h,
                w,
                h,
                cx: x + w / 2,
                label: label.clone(),
                value: shown.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(kind: Kind, rtl: bool) -> Chart {
        Chart {
            id: "c".into(),
            title: String::from("Cases <opened>"),
            desc: "per month".into(),
            label_header: "Month".into(),
            labels: vec!["Farvardin".into(), "Ordibehesht".into(), "Khordad".into()],
            series: vec![Series {
                name: "opened".into(),
                values: vec![Some(10.0), None, Some(30.0)],
            }],
            kind,
            rtl,
        }
    }

    #[test]
    fn bars_are_drawn_right_to_left_with_a_table_of_the_same_figures() {
        let fmt = |v: f64| format!("{v:.0}");
        let ltr = chart(Kind::Bar, false).render(&fmt, "—");
        let rtl = chart(Kind::Bar, true).render(&fmt, "—");
        assert!(rtl.contains(r#"direction="rtl""#));
        assert!(rtl.contains("Cases &lt;opened&gt;"), "escaped title");
        assert!(rtl.contains(r#"aria-labelledby="c-title c-desc""#));
        assert_eq!(
            rtl.matches(r#"class="bar""#).count(),
            2,
            "no bar for a missing figure"
        );
        // The first month is at the right on a right-to-left page, at the left otherwise.
        let first_x = |svg: &str| -> f64 {
            let at = svg.find(r#"class="x-label" x=""#).unwrap() + r#"class="x-label" x=""#.len();
            svg[at..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(first_x(&rtl) > W / 2.0 && first_x(&ltr) < W / 2.0);
        assert!(
            rtl.contains("<td>10</td>")
                && rtl.contains("<td>—</td>")
                && rtl.contains("<td>30</td>")
        );
        assert!(!rtl.contains("<script"));
        assert!(!rtl.contains("<tfoot>"));
        let with_total =
            chart(Kind::Bar, true).render_with_total(&fmt, "—", Some(("Total", &[Some(40.0)])));
        assert!(with_total.contains(
            r#"<tfoot><tr class="total"><th scope="row">Total</th><td>40</td></tr></tfoot>"#
        ));
    }

    #[test]
    fn a_line_breaks_where_a_figure_is_missing() {
        let svg = chart(Kind::Line, true).render(&|v| format!("{v}"), "—");
        // Two single points either side of the gap: no polyline joins them.
        assert_eq!(svg.matches("<polyline").count(), 0);
        assert_eq!(svg.matches(r#"class="point""#).count(), 2);
        assert_eq!(nice_max(37.0), 50.0);
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(0.23), 0.25);
    }

    #[test]
    fn bars_scale_and_follow_the_direction() {
        let items = vec![
            ("a".to_owned(), 500, "50%".to_owned()),
            ("b".to_owned(), 1000, "100%".to_owned()),
        ];
        let ltr = bars(&items, 1000, false);
        assert_eq!((ltr[0].h, ltr[1].h), (BARS_HEIGHT / 2, BARS_HEIGHT));
        assert!(ltr[0].x < ltr[1].x);
        let rtl = bars(&items, 1000, true);
        assert!(rtl[0].x > rtl[1].x, "the first bar is on the right");
        assert_eq!(rtl[1].y, 0);
        assert!(bars(&[], 1, true).is_empty());
    }
}
