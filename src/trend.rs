//! The escalation index over time, from scored article JSONL (`stance score --unit article
//! --format jsonl`): articles are bucketed by day, ISO week or month of their `date`, overall
//! and per `source` when the articles have one.
//!
//! In each bucket the index is the mean of the article indices over the articles that took a
//! side (`counted > 0`, i.e. at least one sentence predicted escalation or de-escalation); an
//! article without such a sentence carries no signal and would only pull the mean towards 0,
//! the same rule as neutral sentences inside an article. A bucket with no such article has an
//! empty index. Lines that are error records, or lack a usable `date` or `escalation_index`,
//! are skipped and counted.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

use crate::error::{Result, StanceError};

/// Bucket width.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Period {
    Day,
    /// ISO 8601 week (Monday to Sunday; week 1 holds the year's first Thursday).
    Week,
    Month,
}

/// The series name of the row over all sources.
pub const ALL_SOURCES: &str = "*";

/// One bucket of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendRow {
    /// `2024-01-12`, `2024-W02` or `2024-01`.
    pub bucket: String,
    /// First day of the bucket, as days since 1970-01-01.
    pub start_day: i64,
    /// [`ALL_SOURCES`] or a source name.
    pub source: String,
    /// Articles in the bucket.
    pub articles: usize,
    /// Articles that took a side (in the mean).
    pub counted: usize,
    /// Mean index over the counted articles; `None` when there are none.
    pub index: Option<f64>,
}

/// A trend and what was skipped to make it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Trend {
    /// Sorted by bucket, then series ([`ALL_SOURCES`] first, then sources by name).
    pub rows: Vec<TrendRow>,
    pub period: Option<Period>,
    /// Articles used.
    pub articles: usize,
    /// Skipped lines: (line, reason).
    pub skipped: Vec<(u64, String)>,
}

impl Trend {
    /// Series names in order ([`ALL_SOURCES`] first).
    pub fn series(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in &self.rows {
            if !names.contains(&r.source) {
                names.push(r.source.clone());
            }
        }
        names.sort_by(|a, b| (a != ALL_SOURCES).cmp(&(b != ALL_SOURCES)).then(a.cmp(b)));
        names
    }
}

#[derive(Default)]
struct Acc {
    articles: usize,
    counted: usize,
    sum: f64,
}

/// Reads scored article JSONL and buckets it.
pub fn compute(input: impl BufRead, period: Period) -> Result<Trend> {
    let mut acc: BTreeMap<(i64, String), (String, Acc)> = BTreeMap::new();
    let mut trend = Trend { period: Some(period), ..Default::default() };
    for (i, line) in input.split(b'\n').enumerate() {
        let n = i as u64 + 1;
        let line = line.map_err(|e| StanceError::Data { path: "trend input".into(), message: format!("read failed: {e}"), remedy: "Check the file and retry.".into() })?;
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                trend.skipped.push((n, format!("not valid JSON: {e}")));
                continue;
            }
        };
        if value.get("error").is_some() {
            trend.skipped.push((n, "an error record".into()));
            continue;
        }
        let Some(index) = value.get("escalation_index").and_then(|v| v.as_f64()) else {
            trend.skipped.push((n, "no escalation_index (is this `stance score --unit article --format jsonl` output?)".into()));
            continue;
        };
        let Some(date) = value.get("date").and_then(|v| v.as_str()) else {
            trend.skipped.push((n, "no date".into()));
            continue;
        };
        let Some(day) = parse_date(date) else {
            trend.skipped.push((n, format!("date '{date}' is not YYYY-MM-DD")));
            continue;
        };
        let counted = value.get("counted").and_then(|v| v.as_u64()).is_none_or(|c| c > 0);
        let (start, label) = bucket(day, period);
        let source = value.get("source").and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty());
        let mut add = |series: &str| {
            let (_, a) = acc.entry((start, series.to_string())).or_insert_with(|| (label.clone(), Acc::default()));
            a.articles += 1;
            if counted {
                a.counted += 1;
                a.sum += index;
            }
        };
        add(ALL_SOURCES);
        if let Some(s) = source {
            add(s);
        }
        trend.articles += 1;
    }
    let mut rows: Vec<TrendRow> = acc
        .into_iter()
        .map(|((start_day, source), (bucket, a))| TrendRow {
            bucket,
            start_day,
            source,
            articles: a.articles,
            counted: a.counted,
            index: (a.counted > 0).then(|| a.sum / a.counted as f64),
        })
        .collect();
    rows.sort_by(|a, b| a.start_day.cmp(&b.start_day).then((a.source != ALL_SOURCES).cmp(&(b.source != ALL_SOURCES))).then(a.source.cmp(&b.source)));
    trend.rows = rows;
    Ok(trend)
}

/// Writes the trend as CSV: `bucket,start,source,articles,counted,escalation_index`.
pub fn write_csv(trend: &Trend, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "bucket,start,source,articles,counted,escalation_index")?;
    for r in &trend.rows {
        let index = r.index.map(|v| format!("{v:.6}")).unwrap_or_default();
        writeln!(out, "{},{},{},{},{},{}", r.bucket, format_day(r.start_day), crate::score::output::csv_field(&r.source), r.articles, r.counted, index)?;
    }
    Ok(())
}

/// Draws the trend as an SVG line chart (one line per series) into `path`.
pub fn write_svg(trend: &Trend, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    let period = trend.period.unwrap_or(Period::Day);
    let chart_err = |e: String| StanceError::Data { path: path.display().to_string(), message: format!("drawing the chart failed: {e}"), remedy: "Check that the path is writable.".into() };
    if trend.rows.is_empty() {
        return Err(StanceError::Data {
            path: path.display().to_string(),
            message: "no dated article to draw".into(),
            remedy: "Score articles that have a date (JSONL with a `date` field or CSV with --date-col) using --unit article --format jsonl.".into(),
        });
    }
    let first = trend.rows.iter().map(|r| r.start_day).min().unwrap_or(0);
    let last = trend.rows.iter().map(|r| r.start_day).max().unwrap_or(0);
    let pad = match period {
        Period::Day => 1,
        Period::Week => 7,
        Period::Month => 31,
    };
    let (x0, x1) = (first - pad, last + pad);
    let root = SVGBackend::new(path, (960, 540)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| chart_err(e.to_string()))?;
    let by = match period {
        Period::Day => "day",
        Period::Week => "ISO week",
        Period::Month => "month",
    };
    let mut chart = ChartBuilder::on(&root)
        .caption(format!("Escalation index by {by}"), ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, -1.0f64..1.0f64)
        .map_err(|e| chart_err(e.to_string()))?;
    let fmt_x = move |d: &i64| match period {
        Period::Month => format_day(*d)[..7].to_string(),
        _ => format_day(*d),
    };
    chart
        .configure_mesh()
        .x_labels(8)
        .y_labels(9)
        .x_label_formatter(&fmt_x)
        .y_desc("escalation index (+ escalating, - de-escalating)")
        .draw()
        .map_err(|e| chart_err(e.to_string()))?;
    chart
        .draw_series(LineSeries::new([(x0, 0.0), (x1, 0.0)], BLACK.mix(0.4)))
        .map_err(|e| chart_err(e.to_string()))?;
    let palette = [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44), RGBColor(148, 103, 189), RGBColor(255, 127, 14), RGBColor(140, 86, 75), RGBColor(227, 119, 194), RGBColor(23, 190, 207)];
    for (i, name) in trend.series().iter().enumerate() {
        let points: Vec<(i64, f64)> = trend.rows.iter().filter(|r| &r.source == name).filter_map(|r| r.index.map(|v| (r.start_day, v))).collect();
        let (color, width, label) = if name == ALL_SOURCES { (BLACK, 3, "all sources".to_string()) } else { (palette[(i - 1) % palette.len()], 2, name.clone()) };
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(width)).point_size(3))
            .map_err(|e| chart_err(e.to_string()))?
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(width)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| chart_err(e.to_string()))?;
    root.present().map_err(|e| chart_err(e.to_string()))?;
    Ok(())
}

/// The first day and the label of the bucket holding `day`.
pub fn bucket(day: i64, period: Period) -> (i64, String) {
    match period {
        Period::Day => (day, format_day(day)),
        Period::Month => {
            let (y, m, _) = civil_from_days(day);
            (days_from_civil(y, m, 1), format!("{y:04}-{m:02}"))
        }
        Period::Week => {
            let weekday = (day + 3).rem_euclid(7); // 0 = Monday (1970-01-01 was a Thursday)
            let monday = day - weekday;
            let thursday = monday + 3;
            let (iso_year, _, _) = civil_from_days(thursday);
            let week = (thursday - days_from_civil(iso_year, 1, 1)) / 7 + 1;
            (monday, format!("{iso_year:04}-W{week:02}"))
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date (anything after the tenth character, such as a
/// time, is ignored); `None` when it is not a valid date.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || (b.len() > 10 && !matches!(b[10], b'T' | b't' | b' ')) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).filter(|x| x.bytes().all(|c| c.is_ascii_digit())).and_then(|x| x.parse::<i64>().ok());
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian; H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_validate() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2024-02-29"), Some(days_from_civil(2024, 2, 29)));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2024-13-01"), None);
        assert_eq!(parse_date("2024-1-01"), None);
        assert_eq!(parse_date("2024-01-12T08:30:00Z"), parse_date("2024-01-12"));
        assert_eq!(parse_date("2024-01-12x"), None);
        for d in [-800_000i64, -1, 0, 1, 19_000, 20_000, 800_000] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(format_day(parse_date("2024-12-31").unwrap()), "2024-12-31");
    }

    #[test]
    fn iso_weeks_cross_years_correctly() {
        let week = |s: &str| bucket(parse_date(s).unwrap(), Period::Week);
        // 2024-01-01 was a Monday: week 1 of 2024.
        assert_eq!(week("2024-01-01"), (parse_date("2024-01-01").unwrap(), "2024-W01".into()));
        assert_eq!(week("2024-01-07").1, "2024-W01");
        assert_eq!(week("2024-01-08").1, "2024-W02");
        // 2021-01-03 (Sunday) belongs to week 53 of 2020; 2024-12-30 (Monday) to week 1 of 2025.
        assert_eq!(week("2021-01-03").1, "2020-W53");
        assert_eq!(week("2024-12-30").1, "2025-W01");
        assert_eq!(week("2026-12-31").1, "2026-W53");
        assert_eq!(bucket(parse_date("2024-03-17").unwrap(), Period::Month), (parse_date("2024-03-01").unwrap(), "2024-03".into()));
    }
}
