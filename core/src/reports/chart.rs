//! The chart of a report's days: registrations and validations per day as pairs of bars,
//! drawn here as SVG (no script, no styles: attributes only). It carries a `<title>` and a
//! `<desc>` with the period's figures, and the screen shows the same figures in a table
//! beside it, so nothing is only in the picture.

use super::{DayFigures, Report};
use std::fmt::Write;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 36.0;
const BOTTOM: f64 = 40.0;
/// Dark enough on white for text and for bars beside each other (WCAG non-text contrast).
const REGISTRATIONS: &str = "#1d4f91";
const VALIDATIONS: &str = "#2e7031";
const INK: &str = "#1f2328";
const GRID: &str = "#8c959f";

/// `text` safe inside an SVG element or attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round top for the scale: 1, 2, 5, 10, 20, 50… at or above `max`.
fn scale_top(max: u32) -> u32 {
    let mut step = 1;
    loop {
        for factor in [1, 2, 5] {
            if step * factor >= max.max(1) {
                return step * factor;
            }
        }
        step *= 10;
    }
}

/// `27/11/2026` as `27/11`.
fn short_day(day: &str) -> &str {
    day.get(..5).unwrap_or(day)
}

/// What the chart says, in words.
pub fn description(report: &Report) -> String {
    let totals = &report.totals;
    let busiest = report
        .days
        .iter()
        .filter(|d| d.figures.registrations > 0)
        .max_by_key(|d| d.figures.registrations);
    let mut text = format!(
        "Del {} al {}: {} registros y {} validaciones en total.",
        report.first_day, report.last_day, totals.registrations, totals.validations
    );
    if let Some(DayFigures { day, figures }) = busiest {
        let _ = write!(
            text,
            " El día con más registros fue el {day} ({}).",
            figures.registrations
        );
    }
    match totals.promise_percent {
        Some(percent) => {
            let _ = write!(
                text,
                " El correo de validación salió en {} minutos o menos en {} de {} registros ({percent:.1} %).",
                report.promise_minutes, totals.promise_kept, totals.promise_judged
            );
        }
        None => {
            text.push_str(" Todavía no hay registros para medir el tiempo de envío del correo.")
        }
    }
    text
}

/// The SVG document of `report.days`.
pub fn svg(report: &Report) -> String {
    let days = &report.days;
    let top = scale_top(
        days.iter()
            .map(|d| d.figures.registrations.max(d.figures.validations))
            .max()
            .unwrap_or(0),
    );
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = plot_width / days.len().max(1) as f64;
    let bar = (slot - 4.0).max(2.0) / 2.0;
    let y = |value: u32| TOP + plot_height - plot_height * f64::from(value) / f64::from(top);

    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="grafica-reporte-titulo grafica-reporte-desc" font-family="sans-serif" font-size="12" fill="{INK}">"#
    );
    let _ = write!(
        out,
        r#"<title id="grafica-reporte-titulo">Registros y validaciones por día, del {} al {}</title><desc id="grafica-reporte-desc">{}</desc>"#,
        escape(&report.first_day),
        escape(&report.last_day),
        escape(&description(report))
    );
    // Legend.
    for (i, (color, label)) in [(REGISTRATIONS, "Registros"), (VALIDATIONS, "Validaciones")]
        .into_iter()
        .enumerate()
    {
        let x = LEFT + 130.0 * i as f64;
        let _ = write!(
            out,
            r#"<rect x="{x}" y="8" width="14" height="14" fill="{color}"/><text x="{}" y="20">{label}</text>"#,
            x + 20.0
        );
    }
    // Scale: zero, half (when it is a whole number above zero) and top.
    let mut marks = vec![0, top / 2, top];
    marks.dedup();
    for value in marks {
        let at = y(value);
        let _ = write!(
            out,
            r#"<line x1="{LEFT}" y1="{at:.1}" x2="{}" y2="{at:.1}" stroke="{GRID}" stroke-width="1"/><text x="{}" y="{:.1}" text-anchor="end">{value}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            at + 4.0
        );
    }
    for (i, day) in days.iter().enumerate() {
        let x = LEFT + slot * i as f64 + 2.0;
        for (j, (value, color)) in [
            (day.figures.registrations, REGISTRATIONS),
            (day.figures.validations, VALIDATIONS),
        ]
        .into_iter()
        .enumerate()
        {
            if value == 0 {
                continue;
            }
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{:.1}" width="{bar:.1}" height="{:.1}" fill="{color}"/>"#,
                x + bar * j as f64,
                y(value),
                TOP + plot_height - y(value)
            );
        }
        // Every fifth day and the last one, under its bars.
        if i % 5 == 0 || i + 1 == days.len() {
            let _ = write!(
                out,
                r#"<text x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + bar,
                HEIGHT - BOTTOM + 18.0,
                escape(short_day(&day.day))
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_ends_on_a_round_number() {
        assert_eq!(scale_top(0), 1);
        assert_eq!(scale_top(3), 5);
        assert_eq!(scale_top(7), 10);
        assert_eq!(scale_top(11), 20);
        assert_eq!(scale_top(120), 200);
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("<a & \"b\">"), "&lt;a &amp; &quot;b&quot;&gt;");
    }
}
