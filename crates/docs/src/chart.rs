//! Charts as SVG text, drawn on the server so they read without JavaScript and print as they
//! look: bars against a target line, trend lines, stacked status bars. Values arrive with
//! their labels already formatted (Vietnamese numbers, `1.234,5`); geometry alone uses `f64`.
//! Written by hand: a chart crate would bring a font rasteriser and far more than three shapes.

use std::fmt::Write;

/// One bar: its label, its value (for the length), the value as shown, and its target.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: Option<f64>,
    pub shown: String,
    pub target: Option<f64>,
    /// CSS class of the bar ("green", "amber", "red", "none").
    pub tone: String,
}

/// One line of a trend chart.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(i16, Option<f64>)>,
}

/// One stacked bar: a label and its segments (name, count).
#[derive(Debug, Clone)]
pub struct Stack {
    pub label: String,
    pub segments: Vec<(String, i64)>,
}

/// A label cut to `n` characters with an ellipsis (the full text is in the bar's tooltip and
/// the table beside the chart).
fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n - 1).collect::<String>().trim_end()) }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn open(out: &mut String, id: &str, title: &str, width: f64, height: f64) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{id}" viewBox="0 0 {width} {height}" width="100%" role="img" aria-labelledby="{id}-t"><title id="{id}-t">{}</title>"#,
        esc(title)
    );
}

/// Horizontal bars with each bar's target as a dark tick; the scale runs to the largest of
/// the values, the targets and `max` (100 for percentages).
pub fn bars(id: &str, title: &str, bars: &[Bar], max: Option<f64>) -> String {
    let (label_w, bar_w, row_h, top) = (310.0, 300.0, 26.0, 8.0);
    let width = label_w + bar_w + 90.0;
    let height = top * 2.0 + row_h * bars.len().max(1) as f64;
    let scale = bars.iter().flat_map(|b| [b.value, b.target]).flatten().fold(max.unwrap_or(0.0), f64::max).max(f64::MIN_POSITIVE);
    let mut s = String::new();
    open(&mut s, id, title, width, height);
    for (i, b) in bars.iter().enumerate() {
        let y = top + row_h * i as f64;
        let len = b.value.map(|v| (v.max(0.0) / scale * bar_w).min(bar_w)).unwrap_or(0.0);
        let label = short(&b.label, 40);
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text><rect x="{label_w}" y="{}" width="{bar_w}" height="16" class="track"/><rect x="{label_w}" y="{}" width="{len:.1}" height="16" class="bar {}"><title>{}: {}</title></rect><text x="{}" y="{}" class="value">{}</text>"#,
            label_w - 8.0,
            y + 13.0,
            esc(&label),
            y + 2.0,
            y + 2.0,
            esc(&b.tone),
            esc(&b.label),
            esc(&b.shown),
            label_w + bar_w + 8.0,
            y + 14.0,
            esc(&b.shown)
        );
        if let Some(t) = b.target {
            let x = label_w + (t / scale * bar_w).min(bar_w);
            let _ = write!(s, r#"<line x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}" class="target"/>"#, y - 1.0, y + 21.0);
        }
    }
    s.push_str("</svg>");
    s
}

/// Lines over years, with an optional target as a dashed line.
pub fn trend(id: &str, title: &str, series: &[Series], target: Option<(f64, String)>, unit_max: Option<f64>) -> String {
    let (left, right, top, bottom, width, height) = (48.0, 150.0, 12.0, 28.0, 560.0, 220.0);
    let years: Vec<i16> = {
        let mut y: Vec<i16> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
        y.sort_unstable();
        y.dedup();
        y
    };
    let max = series
        .iter()
        .flat_map(|s| s.points.iter().filter_map(|p| p.1))
        .chain(target.as_ref().map(|t| t.0))
        .fold(unit_max.unwrap_or(0.0), f64::max)
        .max(f64::MIN_POSITIVE);
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let x_of = |year: i16| -> f64 {
        match years.iter().position(|y| *y == year) {
            Some(i) if years.len() > 1 => left + plot_w * i as f64 / (years.len() - 1) as f64,
            _ => left + plot_w / 2.0,
        }
    };
    let y_of = |v: f64| top + plot_h - v / max * plot_h;
    let mut s = String::new();
    open(&mut s, id, title, width, height);
    let _ = write!(
        s,
        r#"<line x1="{left}" x2="{left}" y1="{top}" y2="{}" class="axis"/><line x1="{left}" x2="{}" y1="{}" y2="{}" class="axis"/>"#,
        top + plot_h,
        left + plot_w,
        top + plot_h,
        top + plot_h
    );
    for y in &years {
        let _ = write!(s, r#"<text x="{:.1}" y="{}" text-anchor="middle" class="label">{y}</text>"#, x_of(*y), height - 8.0);
    }
    if let Some((t, label)) = &target {
        let yy = y_of(*t);
        let _ = write!(
            s,
            r#"<line x1="{left}" x2="{}" y1="{yy:.1}" y2="{yy:.1}" class="target dashed"/><text x="{}" y="{:.1}" class="label">{}</text>"#,
            left + plot_w,
            left + plot_w + 6.0,
            yy + 4.0,
            esc(label)
        );
    }
    for (k, se) in series.iter().enumerate() {
        let pts: Vec<String> = se.points.iter().filter_map(|(y, v)| v.map(|v| format!("{:.1},{:.1}", x_of(*y), y_of(v)))).collect();
        let _ = write!(s, r#"<polyline points="{}" class="line s{k}"/>"#, pts.join(" "));
        for (y, v) in &se.points {
            if let Some(v) = v {
                let _ = write!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" class="dot s{k}"><title>{} {y}</title></circle>"#,
                    x_of(*y),
                    y_of(*v),
                    esc(&se.name)
                );
            }
        }
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="label s{k}">{}</text>"#,
            left + plot_w + 6.0,
            top + 14.0 + 16.0 * k as f64 + if target.is_some() { 18.0 } else { 0.0 },
            esc(&se.name)
        );
    }
    s.push_str("</svg>");
    s
}

/// Stacked horizontal bars (e.g. dossiers by state for each child unit), with a legend.
pub fn stacked(id: &str, title: &str, stacks: &[Stack]) -> String {
    let (label_w, bar_w, row_h, top) = (230.0, 330.0, 24.0, 30.0);
    let width = label_w + bar_w + 60.0;
    let height = top + 8.0 + row_h * stacks.len().max(1) as f64;
    let total_max = stacks.iter().map(|s| s.segments.iter().map(|x| x.1).sum::<i64>()).max().unwrap_or(0).max(1) as f64;
    let mut s = String::new();
    open(&mut s, id, title, width, height);
    let names: Vec<&str> = stacks.first().map(|s| s.segments.iter().map(|x| x.0.as_str()).collect()).unwrap_or_default();
    let mut lx = label_w;
    for (k, n) in names.iter().enumerate() {
        let _ = write!(
            s,
            r#"<rect x="{lx}" y="6" width="10" height="10" class="seg k{k}"/><text x="{}" y="15" class="label">{}</text>"#,
            lx + 14.0,
            esc(n)
        );
        lx += 24.0 + 7.0 * n.chars().count() as f64;
    }
    for (i, st) in stacks.iter().enumerate() {
        let y = top + row_h * i as f64;
        let label = short(&st.label, 34);
        let _ = write!(s, r#"<text x="{}" y="{}" text-anchor="end" class="label">{}</text>"#, label_w - 8.0, y + 13.0, esc(&label));
        let mut x = label_w;
        for (k, (name, n)) in st.segments.iter().enumerate() {
            let w = *n as f64 / total_max * bar_w;
            if w > 0.0 {
                let _ = write!(
                    s,
                    r#"<rect x="{x:.1}" y="{}" width="{w:.1}" height="16" class="seg k{k}"><title>{}: {} {n}</title></rect>"#,
                    y + 2.0,
                    esc(&st.label),
                    esc(name)
                );
            }
            x += w;
        }
        let total: i64 = st.segments.iter().map(|x| x.1).sum();
        let _ = write!(s, r#"<text x="{:.1}" y="{}" class="value">{total}</text>"#, x + 6.0, y + 14.0);
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_chart_draws_each_bar_its_target_and_escapes_labels() {
        let svg = bars(
            "gdht",
            "Tỷ lệ <GĐHT>",
            &[
                Bar { label: "Xã A".into(), value: Some(50.0), shown: "50,0%".into(), target: Some(70.0), tone: "amber".into() },
                Bar { label: "Xã \"B\"".into(), value: None, shown: "—".into(), target: None, tone: "none".into() },
            ],
            Some(100.0),
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains("Tỷ lệ &lt;GĐHT&gt;") && svg.contains("Xã &quot;B&quot;"));
        assert_eq!(svg.matches("class=\"bar ").count(), 2);
        assert_eq!(svg.matches("class=\"target\"").count(), 1);
        // 50 of 100 on a 300-wide track.
        assert!(svg.contains("width=\"150.0\""), "{svg}");
    }

    #[test]
    fn a_trend_skips_missing_years_and_draws_the_target() {
        let svg = trend(
            "t",
            "Xu hướng",
            &[Series { name: "GĐHT".into(), points: vec![(2023, Some(40.0)), (2024, None), (2025, Some(70.0))] }],
            Some((70.0, "Chỉ tiêu 70%".into())),
            Some(100.0),
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert!(svg.contains("dashed") && svg.contains("Chỉ tiêu 70%"));
    }

    #[test]
    fn stacked_bars_have_a_legend_and_totals() {
        let svg = stacked("s", "Tiến độ", &[Stack { label: "Xã A".into(), segments: vec![("Đã nộp".into(), 3), ("Chưa nộp".into(), 1)] }]);
        assert!(svg.contains("Đã nộp") && svg.contains(">4</text>"));
    }
}
