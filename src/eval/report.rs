//! Reports a person would rather look at than read: an HTML page with the metrics tables and
//! SVG pictures drawn with plotters (confusion heatmap, ROC and precision-recall curves,
//! per-label bars; for comparisons, the ranking). Files are referenced by relative paths, so the
//! directory can be moved or served as it is. SVG text is plain `<text>`: no fonts needed.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::compare::Comparison;
use super::curves::{pr_curve, roc_curve};
use super::cv::CvResult;
use super::metrics::Confusion;
use crate::error::{Result, StanceError};
use crate::model::Balance;

/// Context printed at the top of a report.
#[derive(Debug, Clone, Default)]
pub struct ReportContext {
    /// The command line that produced the report.
    pub command: String,
    /// The data file.
    pub data_path: String,
}

const BLUE: RGBColor = RGBColor(33, 102, 172);
const ORANGE: RGBColor = RGBColor(230, 126, 34);
const GREEN: RGBColor = RGBColor(39, 174, 96);
const GREY: RGBColor = RGBColor(150, 150, 150);
const FONT: &str = "sans-serif";

type Plot = std::result::Result<(), Box<dyn std::error::Error>>;

fn plot_error(e: impl std::fmt::Display) -> StanceError {
    StanceError::Training(format!("drawing a report picture failed: {e}"))
}

/// Renders an SVG picture into a string.
fn svg(width: u32, height: u32, draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> Plot) -> Result<String> {
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_error)?;
        draw(&root).map_err(plot_error)?;
        root.present().map_err(plot_error)?;
    }
    Ok(buf)
}

/// plotters' SVG backend writes `font-size = size / 1.24`; sizes here are CSS pixels.
fn px(size: u32) -> f64 {
    size as f64 * 1.24
}

fn text_style(size: u32, color: &RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    (FONT, px(size)).into_font().color(color).pos(Pos::new(h, v))
}

fn short(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let cut: String = label.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Confusion matrix heatmap: counts, coloured by the share of each true label's row.
pub fn confusion_svg(confusion: &Confusion) -> Result<String> {
    let k = confusion.labels.len() as i32;
    let cell = (480 / k).clamp(48, 130);
    let (left, top) = (150, 90);
    let width = ((left + cell * k + 40) as u32).max(520);
    let height = (top + cell * k + 40) as u32;
    svg(width, height, |root| {
        root.draw(&Text::new(
            "Confusion matrix (row shares in %)",
            (width as i32 / 2, 14),
            text_style(17, &BLACK, HPos::Center, VPos::Top),
        ))?;
        root.draw(&Text::new("predicted", (left + cell * k / 2, 42), text_style(14, &GREY, HPos::Center, VPos::Top)))?;
        root.draw(&Text::new(
            "true",
            (18, top + cell * k / 2),
            text_style(14, &GREY, HPos::Center, VPos::Center).transform(FontTransform::Rotate270),
        ))?;
        for (c, label) in confusion.labels.iter().enumerate() {
            let x = left + cell * c as i32 + cell / 2;
            root.draw(&Text::new(short(label, 14), (x, top - 8), text_style(13, &BLACK, HPos::Center, VPos::Bottom)))?;
        }
        for (r, row) in confusion.matrix.iter().enumerate() {
            let total: u64 = row.iter().sum();
            let y = top + cell * r as i32;
            root.draw(&Text::new(
                short(&confusion.labels[r], 16),
                (left - 8, y + cell / 2),
                text_style(13, &BLACK, HPos::Right, VPos::Center),
            ))?;
            for (c, &count) in row.iter().enumerate() {
                let share = if total > 0 { count as f64 / total as f64 } else { 0.0 };
                let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * share).round() as u8;
                let fill = RGBColor(mix(247, BLUE.0), mix(251, BLUE.1), mix(255, BLUE.2));
                let x = left + cell * c as i32;
                root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], fill.filled()))?;
                root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], WHITE.stroke_width(2)))?;
                let ink = if share > 0.5 { WHITE } else { BLACK };
                root.draw(&Text::new(count.to_string(), (x + cell / 2, y + cell / 2 - 8), text_style(15, &ink, HPos::Center, VPos::Center)))?;
                root.draw(&Text::new(
                    format!("{:.1}%", share * 100.0),
                    (x + cell / 2, y + cell / 2 + 10),
                    text_style(11, &ink, HPos::Center, VPos::Center),
                ))?;
            }
        }
        Ok(())
    })
}

/// Keeps a curve's shape with fewer points (drops points closer than `eps` to the last kept).
fn thin(points: Vec<(f64, f64)>, eps: f64) -> Vec<(f64, f64)> {
    let n = points.len();
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(n.min(2000));
    for (i, p) in points.into_iter().enumerate() {
        let keep = match out.last() {
            None => true,
            Some(l) => i + 1 == n || (p.0 - l.0).abs() > eps || (p.1 - l.1).abs() > eps,
        };
        if keep {
            out.push(p);
        }
    }
    out
}

/// A curve chart in the unit square.
fn curve_svg(title: &str, x_desc: &str, y_desc: &str, curve: Vec<(f64, f64)>, curve_label: &str, reference: Vec<(f64, f64)>, reference_label: &str) -> Result<String> {
    svg(560, 500, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, px(18)))
            .margin(14)
            .x_label_area_size(44)
            .y_label_area_size(54)
            .build_cartesian_2d(0f64..1f64, 0f64..1.02f64)?;
        chart
            .configure_mesh()
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(6)
            .y_labels(6)
            .label_style((FONT, px(12)))
            .axis_desc_style((FONT, px(13)))
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        chart
            .draw_series(LineSeries::new(reference, GREY.stroke_width(1)))?
            .label(reference_label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREY));
        chart
            .draw_series(LineSeries::new(thin(curve, 0.002), BLUE.stroke_width(2)))?
            .label(curve_label)
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .label_font((FONT, px(13)))
            .draw()?;
        Ok(())
    })
}

/// ROC curve of the pooled out-of-fold probabilities (two-label tasks).
pub fn roc_svg(cv: &CvResult) -> Result<Option<String>> {
    let Some(pos) = &cv.positive_label else { return Ok(None) };
    let curve = roc_curve(&cv.scores, &cv.truth);
    if curve.is_empty() {
        return Ok(None);
    }
    let label = match (cv.mean.roc_auc, cv.std.roc_auc) {
        (Some(m), Some(s)) => format!("out-of-fold; AUC per fold {m:.3} ± {s:.3}"),
        _ => "out-of-fold".into(),
    };
    curve_svg(&format!("ROC curve (positive label '{}')", short(pos, 20)), "false positive rate", "true positive rate (recall)", curve, &label, vec![(0.0, 0.0), (1.0, 1.0)], "chance")
        .map(Some)
}

/// Precision-recall curve of the pooled out-of-fold probabilities (two-label tasks).
pub fn pr_svg(cv: &CvResult) -> Result<Option<String>> {
    let Some(pos) = &cv.positive_label else { return Ok(None) };
    let curve = pr_curve(&cv.scores, &cv.truth);
    if curve.is_empty() {
        return Ok(None);
    }
    let prevalence = cv.truth.iter().filter(|t| **t).count() as f64 / cv.truth.len() as f64;
    let label = match (cv.mean.pr_auc, cv.std.pr_auc) {
        (Some(m), Some(s)) => format!("out-of-fold; AP per fold {m:.3} ± {s:.3}"),
        _ => "out-of-fold".into(),
    };
    curve_svg(
        &format!("Precision-recall curve (positive label '{}')", short(pos, 20)),
        "recall",
        "precision",
        curve,
        &label,
        vec![(0.0, prevalence), (1.0, prevalence)],
        &format!("chance ({:.1}% positive)", prevalence * 100.0),
    )
    .map(Some)
}

/// Grouped bars of precision, recall and F1 per label (fold means, with ± one std).
pub fn per_class_svg(cv: &CvResult) -> Result<String> {
    let k = cv.labels.len();
    let width = (140 + 150 * k as u32).clamp(640, 1200);
    svg(width, 420, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption("Per-label precision, recall and F1 (mean over folds ± 1 sd)", (FONT, px(17)))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..k as f64, 0f64..1.3f64)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_labels(7)
            .y_label_formatter(&|y| if *y <= 1.0 + 1e-9 { format!("{y:.1}") } else { String::new() })
            .label_style((FONT, px(12)))
            .axis_desc_style((FONT, px(13)))
            .y_desc("score")
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        const SERIES: [(&str, RGBColor); 3] = [("precision", BLUE), ("recall", ORANGE), ("F1", GREEN)];
        for (s, &(name, color)) in SERIES.iter().enumerate() {
            let mut bars = Vec::new();
            let mut whiskers = Vec::new();
            for (i, label) in cv.labels.iter().enumerate() {
                let (m, sd) = (&cv.mean.per_class[label], &cv.std.per_class[label]);
                let (v, e) = match s {
                    0 => (m.precision, sd.precision),
                    1 => (m.recall, sd.recall),
                    _ => (m.f1, sd.f1),
                };
                let x0 = i as f64 + 0.12 + 0.26 * s as f64;
                bars.push(Rectangle::new([(x0, 0.0), (x0 + 0.24, v)], color.filled()));
                let xc = x0 + 0.12;
                whiskers.push(PathElement::new(vec![(xc, (v - e).max(0.0)), (xc, (v + e).min(1.0))], BLACK.stroke_width(1)));
            }
            chart
                .draw_series(bars)?
                .label(name)
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
            chart.draw_series(whiskers)?;
        }
        for (i, label) in cv.labels.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
            root.draw(&Text::new(short(label, 18), (x, y + 10), text_style(14, &BLACK, HPos::Center, VPos::Top)))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(GREY)
            .label_font((FONT, px(13)))
            .draw()?;
        Ok(())
    })
}

/// Horizontal bars of each candidate's ranking metric (mean ± 1 sd), best at the top.
pub fn ranking_svg(cmp: &Comparison) -> Result<String> {
    let rows: Vec<(usize, f64, f64)> = cmp
        .rows()
        .iter()
        .filter_map(|r| Some((r.rank, r.score?, r.score_std.unwrap_or(0.0))))
        .collect();
    let n = rows.len().max(1);
    let lo = rows.iter().map(|r| r.1 - r.2).fold(f64::INFINITY, f64::min);
    let hi = rows.iter().map(|r| r.1 + r.2).fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if rows.is_empty() { (0.0, 1.0) } else { ((lo - 0.02).max(0.0), (hi + 0.01).min(1.0)) };
    let height = (110 + 34 * n as u32).min(2000);
    svg(720, height, |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(format!("{} by configuration (mean over folds ± 1 sd)", cmp.metric.name()), (FONT, px(17)))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, 0f64..n as f64)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .x_labels(8)
            .label_style((FONT, px(12)))
            .axis_desc_style((FONT, px(13)))
            .x_desc(cmp.metric.name())
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        let y_of = |i: usize| (n - 1 - i) as f64;
        chart.draw_series(rows.iter().enumerate().map(|(i, (_, m, _))| {
            let color = if i == 0 { GREEN } else { BLUE };
            Rectangle::new([(lo, y_of(i) + 0.15), (*m, y_of(i) + 0.85)], color.filled())
        }))?;
        chart.draw_series(rows.iter().enumerate().map(|(i, (_, m, s))| {
            PathElement::new(vec![((m - s).max(lo), y_of(i) + 0.5), ((m + s).min(hi), y_of(i) + 0.5)], BLACK.stroke_width(1))
        }))?;
        for (i, (rank, m, _)) in rows.iter().enumerate() {
            let (x, y) = chart.backend_coord(&(lo, y_of(i) + 0.5));
            root.draw(&Text::new(format!("#{rank}"), (x - 8, y), text_style(13, &BLACK, HPos::Right, VPos::Center)))?;
            let (x, _) = chart.backend_coord(&(*m, 0.0));
            root.draw(&Text::new(format!("{m:.4}"), (x - 4, y), text_style(11, &WHITE, HPos::Right, VPos::Center)))?;
        }
        Ok(())
    })
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}\
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ddd;padding-bottom:.2em}\
table{border-collapse:collapse;margin:.6em 0}td,th{padding:.25em .7em;border-bottom:1px solid #eee;text-align:right}\
th{background:#f4f6f8}td:first-child,th:first-child{text-align:left}.best{background:#eaf7ee}\
.note{color:#555;font-size:.92em}code,pre{background:#f6f8fa;padding:.1em .3em;border-radius:3px}pre{padding:.7em;overflow-x:auto}\
.figs img{max-width:100%;margin:.4em .6em .4em 0;border:1px solid #eee}";

fn pm(m: f64, s: f64) -> String {
    format!("{m:.4} ± {s:.4}")
}

fn balance_note(cv: &CvResult) -> String {
    let counts: Vec<String> = cv.labels.iter().map(|l| format!("{} {}", esc(l), cv.mean.per_class[l].support.unwrap_or(0))).collect();
    let what = match cv.config.train.balance {
        Balance::None => "none: each training fold was used as it is".to_string(),
        Balance::Oversample => format!(
            "random oversampling (seed {}): in each training fold the smaller labels' examples were repeated until every label had as many as the largest; held-out folds were never resampled",
            cv.config.train.seed
        ),
    };
    format!("<p><b>Class balance</b>: {what}. Label counts: {}.</p>", counts.join(", "))
}

/// The metrics sections of a CV result (summary, folds, labels, confusion, figures).
fn cv_sections(cv: &CvResult, html: &mut String) {
    let two = cv.positive_label.is_some();
    html.push_str("<h2>Summary</h2><table><tr><th>metric</th><th>mean ± sd over folds</th></tr>");
    let _ = write!(html, "<tr><td>accuracy</td><td>{}</td></tr>", pm(cv.mean.accuracy, cv.std.accuracy));
    let _ = write!(html, "<tr><td>macro-F1</td><td>{}</td></tr>", pm(cv.mean.macro_f1, cv.std.macro_f1));
    let _ = write!(html, "<tr><td>weighted-F1</td><td>{}</td></tr>", pm(cv.mean.weighted_f1, cv.std.weighted_f1));
    if let (Some(m), Some(s)) = (cv.mean.roc_auc, cv.std.roc_auc) {
        let _ = write!(html, "<tr><td>ROC-AUC</td><td>{}</td></tr>", pm(m, s));
    }
    if let (Some(m), Some(s)) = (cv.mean.pr_auc, cv.std.pr_auc) {
        let _ = write!(html, "<tr><td>PR-AUC (average precision)</td><td>{}</td></tr>", pm(m, s));
    }
    html.push_str("</table>");
    if let Some(p) = &cv.positive_label {
        let _ = write!(html, "<p class=note>ROC and PR rank texts by the probability of the positive label <b>{}</b>.</p>", esc(p));
    }
    html.push_str(&balance_note(cv));
    if cv.positive_label.is_some() {
        operating_points_table(cv, html);
    }
    html.push_str("<div class=figs>");
    html.push_str("<img src=\"confusion.svg\" alt=\"confusion matrix heatmap\"><img src=\"per_class.svg\" alt=\"per-label precision, recall and F1\">");
    if two {
        html.push_str("<img src=\"roc.svg\" alt=\"ROC curve\"><img src=\"pr.svg\" alt=\"precision-recall curve\">");
    }
    html.push_str("</div>");
    html.push_str("<h2>Per label</h2><table><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
    for (l, m) in &cv.mean.per_class {
        let s = &cv.std.per_class[l];
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(l),
            pm(m.precision, s.precision),
            pm(m.recall, s.recall),
            pm(m.f1, s.f1),
            m.support.unwrap_or(0)
        );
    }
    html.push_str("</table>");
    html.push_str("<h2>Confusion matrix, summed over folds</h2><table><tr><th>true \\ predicted</th>");
    for l in &cv.confusion.labels {
        let _ = write!(html, "<th>{}</th>", esc(l));
    }
    html.push_str("</tr>");
    for (l, row) in cv.confusion.labels.iter().zip(&cv.confusion.matrix) {
        let _ = write!(html, "<tr><td>{}</td>", esc(l));
        for v in row {
            let _ = write!(html, "<td>{v}</td>");
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html.push_str("<h2>Folds</h2><table><tr><th>fold</th><th>train</th><th>test</th><th>features</th><th>accuracy</th><th>macro-F1</th>");
    if two {
        html.push_str("<th>ROC-AUC</th><th>PR-AUC</th>");
    }
    html.push_str("<th>fit s</th></tr>");
    for f in &cv.folds {
        let _ = write!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td>",
            f.fold, f.n_train, f.n_test, f.n_features, f.metrics.accuracy, f.metrics.macro_f1
        );
        if two {
            let show = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.4}"));
            let _ = write!(html, "<td>{}</td><td>{}</td>", show(f.roc_auc), show(f.pr_auc));
        }
        let _ = write!(html, "<td>{:.2}</td></tr>", f.train_seconds);
    }
    html.push_str("</table>");
    let _ = write!(
        html,
        "<p class=note>{} folds in {:.2} s wall on {} threads; fitting took {:.2} s per fold on average.</p>",
        cv.k,
        cv.wall_seconds,
        cv.threads,
        cv.mean_train_seconds()
    );
}

/// Where a tuned threshold would sit: the operating points `train --tune-threshold` would pick,
/// here on the pooled out-of-fold probabilities (optimistic: chosen and measured on the same texts).
fn operating_points_table(cv: &CvResult, html: &mut String) {
    use super::threshold::{choose_threshold, Objective};
    let objectives = [Objective::F1, Objective::Precision(0.9), Objective::Recall(0.9)];
    html.push_str("<h2>Operating points</h2><table><tr><th>objective</th><th>threshold</th><th>precision</th><th>recall</th><th>F1</th></tr>");
    for objective in objectives {
        match choose_threshold(&cv.scores, &cv.truth, objective) {
            Some(p) => {
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td><td>{:.4}</td></tr>",
                    esc(&objective.to_string()),
                    p.threshold,
                    p.precision,
                    p.recall,
                    p.f1
                );
            }
            None => {
                let _ = write!(html, "<tr><td>{}</td><td colspan=4>not reachable</td></tr>", esc(&objective.to_string()));
            }
        }
    }
    let _ = write!(
        html,
        "</table><p class=note>Thresholds on p({}) over the pooled out-of-fold probabilities, chosen and measured on the same texts \
         (optimistic). <code>stance train --tune-threshold f1|precision=P|recall=R</code> chooses one on a held-out split and stores it in the model.</p>",
        esc(cv.positive_label.as_deref().unwrap_or(""))
    );
}

fn header(title: &str, ctx: &ReportContext) -> String {
    let mut html = format!(
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8><title>{t}</title><style>{STYLE}</style></head><body>\n<h1>{t}</h1>\n",
        t = esc(title)
    );
    if !ctx.data_path.is_empty() {
        let _ = write!(html, "<p>Data: <code>{}</code></p>", esc(&ctx.data_path));
    }
    if !ctx.command.is_empty() {
        let _ = write!(html, "<p>Reproduce with:</p><pre>{}</pre>", esc(&ctx.command));
    }
    html
}

fn write_file(dir: &Path, name: &str, content: &str, written: &mut Vec<PathBuf>) -> Result<()> {
    let path = dir.join(name);
    fs::write(&path, content).map_err(|e| StanceError::io(&path, "writing the report", e))?;
    written.push(path);
    Ok(())
}

fn write_figures(dir: &Path, cv: &CvResult, written: &mut Vec<PathBuf>) -> Result<()> {
    write_file(dir, "confusion.svg", &confusion_svg(&cv.confusion)?, written)?;
    write_file(dir, "per_class.svg", &per_class_svg(cv)?, written)?;
    if let Some(s) = roc_svg(cv)? {
        write_file(dir, "roc.svg", &s, written)?;
    }
    if let Some(s) = pr_svg(cv)? {
        write_file(dir, "pr.svg", &s, written)?;
    }
    Ok(())
}

fn create_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).map_err(|e| StanceError::io(dir, "creating the report directory", e))
}

/// Writes a cross-validation report into `dir`: report.html, results.json, confusion.svg,
/// per_class.svg, and for two-label tasks roc.svg and pr.svg. Returns the files written.
pub fn write_cv_report(dir: &Path, cv: &CvResult, ctx: &ReportContext) -> Result<Vec<PathBuf>> {
    create_dir(dir)?;
    let mut written = Vec::new();
    write_figures(dir, cv, &mut written)?;
    let json = serde_json::to_string_pretty(&cv.to_json()).expect("json");
    write_file(dir, "results.json", &json, &mut written)?;
    let mut html = header(
        &format!("{}-fold cross-validation: {} ({} texts)", cv.k, cv.config.train.classifier, cv.confusion.total()),
        ctx,
    );
    cv_sections(cv, &mut html);
    let config = serde_json::to_string_pretty(&cv.config).expect("json");
    let _ = write!(
        html,
        "<h2>Settings</h2><p>Stratified folds, seed {}. Every fold's vocabulary, idf{} and model are fitted on its training part only.</p><pre>{}</pre>",
        cv.seed,
        if cv.config.vectorizer.nb_weighting { ", NB log-count ratios" } else { "" },
        esc(&config)
    );
    html.push_str("<p class=note>All numbers: <a href=\"results.json\">results.json</a>.</p></body></html>\n");
    write_file(dir, "report.html", &html, &mut written)?;
    Ok(written)
}

/// Writes a comparison report into `dir`: report.html with the ranked table, ranking.svg,
/// results.json, and the best candidate's figures (confusion.svg, per_class.svg, roc.svg, pr.svg).
pub fn write_compare_report(dir: &Path, cmp: &Comparison, ctx: &ReportContext, saved_model: Option<&Path>) -> Result<Vec<PathBuf>> {
    create_dir(dir)?;
    let mut written = Vec::new();
    write_file(dir, "ranking.svg", &ranking_svg(cmp)?, &mut written)?;
    let json = serde_json::to_string_pretty(&cmp.to_json()).expect("json");
    write_file(dir, "results.json", &json, &mut written)?;
    let mut html = header(&format!("Comparison of {} configurations ({}-fold CV)", cmp.entries.len(), cmp.k), ctx);
    let _ = write!(
        html,
        "<p>Every configuration was cross-validated on the same stratified folds (seed {}) and ranked by <b>{}</b>. \
         Fit time is the mean per fold (vocabulary and learner, on the training part); CV time is the whole cross-validation.</p>",
        cmp.seed,
        cmp.metric.name()
    );
    html.push_str("<h2>Ranking</h2><table><tr><th>#</th><th>configuration</th>");
    let by_accuracy = cmp.metric == super::compare::RankMetric::Accuracy;
    let _ = write!(
        html,
        "<th>{}</th>{}<th>macro-F1</th><th>ROC-AUC</th><th>features</th><th>fit s/fold</th><th>CV s</th></tr>",
        cmp.metric.name(),
        if by_accuracy { "" } else { "<th>accuracy</th>" }
    );
    for r in cmp.rows() {
        let cls = if r.rank == 1 { " class=best" } else { "" };
        match &r.error {
            None => {
                let _ = write!(
                    html,
                    "<tr{cls}><td>{}</td><td>{}</td><td>{}</td>{}<td>{:.4}</td><td>{}</td><td>{:.0}</td><td>{:.2}</td><td>{:.2}</td></tr>",
                    r.rank,
                    esc(&r.name),
                    pm(r.score.unwrap_or(f64::NAN), r.score_std.unwrap_or(f64::NAN)),
                    if by_accuracy {
                        String::new()
                    } else {
                        format!("<td>{}</td>", pm(r.accuracy.unwrap_or(f64::NAN), r.accuracy_std.unwrap_or(f64::NAN)))
                    },
                    r.macro_f1.unwrap_or(f64::NAN),
                    r.roc_auc.map_or("–".to_string(), |v| format!("{v:.4}")),
                    r.n_features.unwrap_or(f64::NAN),
                    r.train_seconds_per_fold.unwrap_or(f64::NAN),
                    r.cv_seconds.unwrap_or(f64::NAN)
                );
            }
            Some(e) => {
                let _ = write!(html, "<tr><td>–</td><td>{}</td><td colspan=8>failed: {}</td></tr>", esc(&r.name), esc(e));
            }
        }
    }
    html.push_str("</table><div class=figs><img src=\"ranking.svg\" alt=\"ranking chart\"></div>");
    if let Some((best, cv)) = cmp.best() {
        let _ = write!(html, "<h2>Best: {}</h2>", esc(&best.name));
        if let Some(p) = saved_model {
            let _ = write!(html, "<p>Retrained on all the data and saved to <code>{}</code>.</p>", esc(&p.display().to_string()));
        }
        write_figures(dir, cv, &mut written)?;
        cv_sections(cv, &mut html);
        let config = serde_json::to_string_pretty(&cv.config).expect("json");
        let _ = write!(html, "<h2>Best settings</h2><pre>{}</pre>", esc(&config));
    }
    html.push_str("<p class=note>All numbers: <a href=\"results.json\">results.json</a>.</p></body></html>\n");
    write_file(dir, "report.html", &html, &mut written)?;
    Ok(written)
}
