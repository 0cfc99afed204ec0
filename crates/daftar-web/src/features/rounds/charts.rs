//! Server-rendered SVG bar charts (no script): the geometry of each bar, computed here so the
//! template only writes rectangles. Right to left pages put the first bar on the right.

/// Width of a chart's drawing area in SVG units.
pub const WIDTH: u64 = 600;
/// Height of the bars' area in SVG units (labels go below).
pub const HEIGHT: u64 = 160;

/// One bar: its rectangle, its label and its value as shown.
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

/// Bars for `(label, value, shown)` against `max`, in reading order for the page's direction.
pub fn bars(items: &[(String, u64, String)], max: u64, rtl: bool) -> Vec<Bar> {
    let n = items.len() as u64;
    if n == 0 {
        return vec![];
    }
    let slot = (WIDTH / n).max(1);
    let w = (slot * 7 / 10).max(1);
    items
        .iter()
        .enumerate()
        .map(|(i, (label, v, shown))| {
            let i = i as u64;
            let pos = if rtl { n - 1 - i } else { i };
            let h = (v.min(&max) * HEIGHT).checked_div(max).unwrap_or(0);
            let x = pos * slot + (slot - w) / 2;
            Bar {
                x,
                y: HEIGHT - h,
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

    #[test]
    fn bars_scale_and_follow_the_direction() {
        let items = vec![
            ("a".to_owned(), 500, "50%".to_owned()),
            ("b".to_owned(), 1000, "100%".to_owned()),
        ];
        let ltr = bars(&items, 1000, false);
        assert_eq!((ltr[0].h, ltr[1].h), (HEIGHT / 2, HEIGHT));
        assert!(ltr[0].x < ltr[1].x);
        let rtl = bars(&items, 1000, true);
        assert!(rtl[0].x > rtl[1].x, "the first bar is on the right");
        assert_eq!(rtl[1].y, 0);
        assert!(bars(&[], 1, true).is_empty());
    }
}
