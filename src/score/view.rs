//! A readable terminal view of one scored article: a header with the escalation index and the
//! label counts, the strongest evidence in each direction, then every sentence on its own line
//! with its direction and the phrases that pushed it marked.
//!
//! Marks: in a sentence predicted escalation, its terms with a positive weight towards
//! escalation are shown `[+like this+]` (bold red with colour); in a sentence predicted
//! de-escalation, its terms towards de-escalation `[-like this-]` (bold green). Neutral sentences
//! are shown plain. Overlapping terms ("red" and "red lines") are merged into one mark.

use std::io::Write;

use super::input::InputRecord;
use super::rollup::{supporting_terms, ArticleScore, SentenceScore, StanceMap};
use crate::pipeline::{Pipeline, Workspace};

const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[1;32m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Direction of a sentence in the view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Escalating,
    DeEscalating,
    Neutral,
}

/// Byte ranges of `sentence` (article offsets) to mark: its terms with a positive weight
/// towards `class`, at most `top` terms, overlapping ranges merged, in order.
pub fn marked_ranges(pipeline: &Pipeline, text: &str, sentence: &SentenceScore, class: usize, top: usize, ws: &mut Workspace) -> Vec<(usize, usize)> {
    let terms = supporting_terms(pipeline, text, sentence, class, top, ws);
    let mut ranges: Vec<(usize, usize)> = terms.iter().flat_map(|t| t.spans.iter().copied()).collect();
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    merged
}

/// Renders the view of one article into `out`.
#[allow(clippy::too_many_arguments)]
pub fn render_article(
    out: &mut Vec<u8>,
    pipeline: &Pipeline,
    map: &StanceMap,
    record: &InputRecord,
    sentences: &[SentenceScore],
    article: &ArticleScore,
    terms: usize,
    color: bool,
    ws: &mut Workspace,
) {
    let text = record.text.as_str();
    let labels = pipeline.labels();
    let paint = |code: &'static str| if color { code } else { "" };
    let reset = paint(RESET);

    // Header.
    let mut head = vec![record.id.clone()];
    head.extend(record.meta.date.clone());
    head.extend(record.meta.source.clone());
    let _ = writeln!(out, "{}══ {} ══{}", paint(BOLD), head.join(" · "), reset);
    if let Some(t) = &record.meta.title {
        let _ = writeln!(out, "{}{t}{}", paint(BOLD), reset);
    }
    let counts: Vec<String> = labels.iter().zip(&article.counts).map(|(l, c)| format!("{l} {c}")).collect();
    let idx = article.index.index;
    let idx_color = if idx > 0.0 { paint(RED) } else if idx < 0.0 { paint(GREEN) } else { "" };
    let _ = writeln!(
        out,
        "escalation index {idx_color}{idx:+.3}{reset} over {} of {} sentences ({})",
        article.index.counted,
        article.n_sentences,
        counts.join(", ")
    );
    for (name, list, c) in [("escalating", &article.escalating, paint(RED)), ("de-escalating", &article.de_escalating, paint(GREEN))] {
        let shown: Vec<String> = list.iter().map(|e| format!("#{} ({:+.2})", e.sentence.index, e.score)).collect();
        let shown = if shown.is_empty() { "none".to_string() } else { shown.join(", ") };
        let _ = writeln!(out, "strongest {name}: {c}{shown}{reset}");
    }
    let _ = writeln!(out, "{}marks: [+escalating+] [-de-escalating-]; score = p({}) - p({}){}", paint(DIM), labels[map.escalation], labels[map.de_escalation], reset);
    let _ = writeln!(out);

    // Sentences.
    for s in sentences {
        let side = if s.label == map.escalation {
            Side::Escalating
        } else if s.label == map.de_escalation {
            Side::DeEscalating
        } else {
            Side::Neutral
        };
        let score = map.direction(&s.probabilities);
        let (tag, c, open, close) = match side {
            Side::Escalating => ("▲", paint(RED), "[+", "+]"),
            Side::DeEscalating => ("▼", paint(GREEN), "[-", "-]"),
            Side::Neutral => ("·", paint(DIM), "", ""),
        };
        let _ = write!(out, "{:>4} {c}{tag} {score:+.2}{reset}  ", format!("#{}", s.index));
        let sentence_text = &text[s.start..s.end];
        if side == Side::Neutral || terms == 0 {
            let _ = writeln!(out, "{sentence_text}");
            continue;
        }
        let class = if side == Side::Escalating { map.escalation } else { map.de_escalation };
        let ranges = marked_ranges(pipeline, text, s, class, terms, ws);
        let mut at = s.start;
        for (a, b) in ranges {
            let _ = write!(out, "{}", &text[at..a]);
            if color {
                let _ = write!(out, "{c}{}{reset}", &text[a..b]);
            } else {
                let _ = write!(out, "{open}{}{close}", &text[a..b]);
            }
            at = b;
        }
        let _ = writeln!(out, "{}", &text[at..s.end]);
    }
    let _ = writeln!(out);
}
