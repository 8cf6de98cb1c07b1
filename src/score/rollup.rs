//! Article roll-up: score every sentence of an article, then sum it up as an escalation index,
//! counts per label and the strongest evidence sentences for each direction.
//!
//! # The escalation index
//!
//! For each sentence *s* the model gives `p_esc(s)` and `p_deesc(s)` (the probabilities of the
//! escalation-side and de-escalation-side labels, see [`StanceMap`]) and a predicted label (the
//! most probable one). Let *C* be the sentences whose predicted label is escalation or
//! de-escalation. Then
//!
//! ```text
//! escalation_index = ( Σ_{s ∈ C} (p_esc(s) − p_deesc(s)) ) / |C|,   and 0 when C is empty.
//! ```
//!
//! It lies in [-1, 1]: +1 when every counted sentence is certain escalation, −1 when every one is
//! certain de-escalation. Neutral sentences are left out on purpose, so a long article with a
//! lot of background does not look calmer than a short one saying the same thing; how much of
//! the article took a side at all is in `counted` and the per-label counts.
//!
//! # Evidence
//!
//! The escalating evidence is the top N sentences predicted escalation, ranked by
//! `p_esc − p_deesc` (largest first; ties by sentence order); the de-escalating evidence is the
//! top N predicted de-escalation, ranked by `p_deesc − p_esc`. Each carries the terms that
//! pushed it towards its direction: [`Pipeline::explain`] for that label, keeping the terms
//! with a positive weight, strongest first, with byte spans relative to the article.

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::error::{Result, StanceError};
use crate::pipeline::{Pipeline, TermEvidence, Workspace};
use crate::text::sentences::{split_sentences_into, SentenceSpan};

/// Which of a model's labels play escalation and de-escalation in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StanceMap {
    pub escalation: usize,
    pub de_escalation: usize,
    pub basis: IndexBasis,
}

/// Where the two sides of the index come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexBasis {
    /// A stance model: labels `escalation` and `de-escalation`.
    Stance,
    /// A sentiment model: `negative` stands in for escalation and `positive` for de-escalation.
    Sentiment,
}

impl StanceMap {
    /// Finds the two sides among `labels` (case-insensitive). A stance model needs
    /// `escalation` and `de-escalation` (also `deescalation`, `de_escalation`); failing that, a
    /// sentiment model's `negative` is taken as the escalation side and `positive` as the
    /// de-escalation side. Any other label set is refused.
    pub fn from_labels(labels: &[String]) -> Result<Self> {
        let find = |names: &[&str]| labels.iter().position(|l| names.iter().any(|n| l.trim().eq_ignore_ascii_case(n)));
        if let (Some(e), Some(d)) = (find(&["escalation"]), find(&["de-escalation", "deescalation", "de_escalation"])) {
            return Ok(StanceMap { escalation: e, de_escalation: d, basis: IndexBasis::Stance });
        }
        if let (Some(e), Some(d)) = (find(&["negative"]), find(&["positive"])) {
            return Ok(StanceMap { escalation: e, de_escalation: d, basis: IndexBasis::Sentiment });
        }
        Err(StanceError::config(
            "model",
            format!(
                "the model's labels ({}) have neither escalation/de-escalation nor negative/positive, so there is no escalation index. \
                 Train a stance model (stance train --label-col stance), or use --unit record or --unit sentence",
                labels.join(", ")
            ),
        ))
    }

    /// `p_esc − p_deesc` for one sentence's probabilities.
    pub fn direction(&self, probabilities: &[f64]) -> f64 {
        probabilities[self.escalation] - probabilities[self.de_escalation]
    }

    /// Whether a sentence predicted `label` counts in the index.
    pub fn counts(&self, label: usize) -> bool {
        label == self.escalation || label == self.de_escalation
    }
}

/// One scored sentence of an article.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceScore {
    /// 0-based position among the article's scored sentences.
    pub index: usize,
    /// Byte range in the article.
    pub start: usize,
    pub end: usize,
    /// Predicted label (index into the model's labels).
    pub label: usize,
    /// Probability of every label, in the model's label order.
    pub probabilities: Vec<f64>,
}

/// The index and how many sentences went into it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexSummary {
    pub index: f64,
    /// Sentences predicted escalation or de-escalation.
    pub counted: usize,
}

/// The escalation index of an article's sentences (formula in the module docs).
pub fn escalation_index(sentences: &[SentenceScore], map: &StanceMap) -> IndexSummary {
    let mut sum = 0.0;
    let mut counted = 0usize;
    for s in sentences.iter().filter(|s| map.counts(s.label)) {
        sum += map.direction(&s.probabilities);
        counted += 1;
    }
    let index = if counted == 0 { 0.0 } else { (sum / counted as f64).clamp(-1.0, 1.0) };
    IndexSummary { index, counted }
}

/// Positions in `sentences` of the top `n` escalating (first) and de-escalating (second)
/// sentences, strongest first (rules in the module docs).
pub fn select_evidence(sentences: &[SentenceScore], map: &StanceMap, n: usize) -> (Vec<usize>, Vec<usize>) {
    let pick = |label: usize, sign: f64| {
        let mut idx: Vec<usize> = (0..sentences.len()).filter(|&i| sentences[i].label == label).collect();
        idx.sort_by(|&a, &b| {
            let (sa, sb) = (sign * map.direction(&sentences[a].probabilities), sign * map.direction(&sentences[b].probabilities));
            sb.total_cmp(&sa).then(a.cmp(&b))
        });
        idx.truncate(n);
        idx
    };
    (pick(map.escalation, 1.0), pick(map.de_escalation, -1.0))
}

/// One evidence sentence with the terms that pushed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evidence {
    pub sentence: SentenceScore,
    /// `p − p_other` in the evidence's direction (positive).
    pub score: f64,
    /// Terms towards this direction's label, spans relative to the article.
    pub terms: Vec<TermEvidence>,
}

/// An article's roll-up.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleScore {
    pub n_sentences: usize,
    /// Sentences per predicted label, in the model's label order.
    pub counts: Vec<usize>,
    pub index: IndexSummary,
    pub escalating: Vec<Evidence>,
    pub de_escalating: Vec<Evidence>,
}

/// Buffers for scoring articles; one per worker.
#[derive(Debug, Default)]
pub struct ArticleWorkspace {
    pub ws: Workspace,
    pub spans: Vec<SentenceSpan>,
}

/// The sentences of `text` worth scoring: the splitter's spans that contain a letter or a digit
/// (a lone "/" or "***" line is dropped).
pub fn scorable_sentences(text: &str, out: &mut Vec<SentenceSpan>) {
    split_sentences_into(text, out);
    out.retain(|s| s.text(text).chars().any(char::is_alphanumeric));
}

/// Scores every sentence of `text` into `out` (cleared first).
pub fn score_sentences(pipeline: &Pipeline, text: &str, aws: &mut ArticleWorkspace, out: &mut Vec<SentenceScore>) {
    out.clear();
    scorable_sentences(text, &mut aws.spans);
    for (index, span) in aws.spans.iter().enumerate() {
        let label = pipeline.predict(span.text(text), &mut aws.ws);
        out.push(SentenceScore { index, start: span.start, end: span.end, label, probabilities: aws.ws.probabilities.clone() });
    }
}

/// The `top` terms of sentence `s` that push it towards `class` (positive weight only),
/// strongest first, with spans relative to the article.
pub fn supporting_terms(pipeline: &Pipeline, text: &str, s: &SentenceScore, class: usize, top: usize, ws: &mut Workspace) -> Vec<TermEvidence> {
    let mut terms = explain_sentence(pipeline, text, s, class, usize::MAX, ws);
    terms.retain(|t| t.weight > 0.0);
    terms.truncate(top);
    terms
}

/// The terms of sentence `s` of `text` towards `class`, with spans made relative to the article.
pub fn explain_sentence(pipeline: &Pipeline, text: &str, s: &SentenceScore, class: usize, top: usize, ws: &mut Workspace) -> Vec<TermEvidence> {
    let mut terms = pipeline.explain(&text[s.start..s.end], class, top, ws);
    for t in &mut terms {
        for span in &mut t.spans {
            span.0 += s.start;
            span.1 += s.start;
        }
    }
    terms
}

/// Scores an article: its sentences, index, label counts and `evidence` sentences per direction
/// with `terms` terms each. Returns `None` when the article has no sentence to score.
pub fn score_article(pipeline: &Pipeline, map: &StanceMap, text: &str, evidence: usize, terms: usize, aws: &mut ArticleWorkspace) -> Option<ArticleScore> {
    let mut sentences = Vec::new();
    score_sentences(pipeline, text, aws, &mut sentences);
    if sentences.is_empty() {
        return None;
    }
    Some(roll_up(pipeline, map, text, &sentences, evidence, terms, &mut aws.ws))
}

/// The roll-up of already scored sentences.
pub fn roll_up(pipeline: &Pipeline, map: &StanceMap, text: &str, sentences: &[SentenceScore], evidence: usize, terms: usize, ws: &mut Workspace) -> ArticleScore {
    let mut counts = vec![0usize; pipeline.labels().len()];
    for s in sentences {
        counts[s.label] += 1;
    }
    let index = escalation_index(sentences, map);
    let (esc, deesc) = select_evidence(sentences, map, evidence);
    let mut build = |picked: Vec<usize>, class: usize, sign: f64| -> Vec<Evidence> {
        picked
            .into_iter()
            .map(|i| {
                let s = &sentences[i];
                Evidence {
                    score: sign * map.direction(&s.probabilities),
                    terms: if terms > 0 { supporting_terms(pipeline, text, s, class, terms, ws) } else { Vec::new() },
                    sentence: s.clone(),
                }
            })
            .collect()
    };
    let escalating = build(esc, map.escalation, 1.0);
    let de_escalating = build(deesc, map.de_escalation, -1.0);
    ArticleScore { n_sentences: sentences.len(), counts, index, escalating, de_escalating }
}

/// Rounds to 6 decimals, the precision of every probability in the output.
pub fn round6(p: f64) -> f64 {
    (p * 1e6).round() / 1e6
}

/// Serializes labels with values as a JSON object in label order (`{"escalation": 0.8, ...}`).
pub struct LabelValues<'a, T>(pub &'a [String], pub &'a [T]);

impl<T: Copy + Into<f64>> Serialize for LabelValues<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (l, v) in self.0.iter().zip(self.1) {
            let v: f64 = (*v).into();
            map.serialize_entry(l, &round6(v))?;
        }
        map.end()
    }
}

/// Serializes label counts as a JSON object in label order.
pub struct LabelCounts<'a>(pub &'a [String], pub &'a [usize]);

impl Serialize for LabelCounts<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (l, v) in self.0.iter().zip(self.1) {
            map.serialize_entry(l, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels() -> Vec<String> {
        ["de-escalation", "escalation", "neutral"].iter().map(|s| s.to_string()).collect()
    }

    fn s(index: usize, p: [f64; 3]) -> SentenceScore {
        SentenceScore { index, start: 0, end: 0, label: crate::pipeline::argmax(&p), probabilities: p.to_vec() }
    }

    #[test]
    fn map_finds_stance_and_sentiment_labels() {
        let m = StanceMap::from_labels(&labels()).unwrap();
        assert_eq!((m.escalation, m.de_escalation, m.basis), (1, 0, IndexBasis::Stance));
        let sent: Vec<String> = ["negative", "neutral", "positive"].iter().map(|s| s.to_string()).collect();
        let m = StanceMap::from_labels(&sent).unwrap();
        assert_eq!((m.escalation, m.de_escalation, m.basis), (0, 2, IndexBasis::Sentiment));
        let other: Vec<String> = ["spam", "ham"].iter().map(|s| s.to_string()).collect();
        assert!(StanceMap::from_labels(&other).is_err());
    }

    #[test]
    fn index_ignores_neutral_sentences() {
        let m = StanceMap::from_labels(&labels()).unwrap();
        // Two escalation sentences (0.9-0.05, 0.6-0.3), one de-escalation (0.1-0.7), two neutral.
        let with_neutral = vec![
            s(0, [0.05, 0.9, 0.05]),
            s(1, [0.1, 0.1, 0.8]),
            s(2, [0.3, 0.6, 0.1]),
            s(3, [0.7, 0.1, 0.2]),
            s(4, [0.2, 0.2, 0.6]),
        ];
        let expected = ((0.9 - 0.05) + (0.6 - 0.3) + (0.1 - 0.7)) / 3.0;
        let got = escalation_index(&with_neutral, &m);
        assert!((got.index - expected).abs() < 1e-12, "{got:?}");
        assert_eq!(got.counted, 3);
        let without: Vec<SentenceScore> = with_neutral.iter().filter(|s| s.label != 2).cloned().collect();
        assert_eq!(escalation_index(&without, &m).index, got.index);
        assert_eq!(escalation_index(&[s(0, [0.1, 0.1, 0.8])], &m), IndexSummary { index: 0.0, counted: 0 });
        assert_eq!(escalation_index(&[], &m).index, 0.0);
    }

    #[test]
    fn evidence_is_ranked_by_margin_within_each_direction() {
        let m = StanceMap::from_labels(&labels()).unwrap();
        let v = vec![
            s(0, [0.2, 0.5, 0.3]),   // esc, margin 0.3
            s(1, [0.05, 0.9, 0.05]), // esc, margin 0.85
            s(2, [0.6, 0.1, 0.3]),   // de-esc, margin 0.5
            s(3, [0.1, 0.45, 0.45]), // esc on a tie (first max), margin 0.35
            s(4, [0.2, 0.1, 0.7]),   // neutral: never evidence
        ];
        let (esc, deesc) = select_evidence(&v, &m, 2);
        assert_eq!(esc, vec![1, 3]);
        assert_eq!(deesc, vec![2]);
        let (esc, _) = select_evidence(&v, &m, 10);
        assert_eq!(esc, vec![1, 3, 0]);
    }

    #[test]
    fn scorable_sentences_drop_lines_without_words() {
        let text = "Talks resumed.\n/\n***\nShelling went on.";
        let mut spans = Vec::new();
        scorable_sentences(text, &mut spans);
        let t: Vec<&str> = spans.iter().map(|s| s.text(text)).collect();
        assert_eq!(t, vec!["Talks resumed.", "Shelling went on."]);
    }
}
