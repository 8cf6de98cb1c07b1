//! The trained artifact: analyzer + vectorizer + scorer + label names + metadata. Training,
//! evaluation and scoring all go through this one type, so train/serve skew cannot happen.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StanceError};
use crate::fastpath::FastScratch;
use crate::kernel::{Kernel, KernelScratch};
use crate::features::{Occurrence, SparseVector, VectorScratch, Vectorizer, VectorizerConfig};
use crate::model::{fit_scorer, Balance, Decision, DecisionRule, LinearScorer, TrainParams};
use crate::text::{Analysis, Analyzer, AnalyzerConfig};

/// Everything needed to train a pipeline.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PipelineConfig {
    pub analyzer: AnalyzerConfig,
    pub vectorizer: VectorizerConfig,
    pub train: TrainParams,
}

/// What a model records about how and on what it was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub tool_version: String,
    pub config: PipelineConfig,
    pub data_path: String,
    pub text_col: String,
    pub label_col: String,
    /// CRC-32 over every training text and label, to tell which data a model saw.
    pub data_fingerprint: String,
    pub n_documents: usize,
    pub class_counts: BTreeMap<String, usize>,
    pub n_features: usize,
    /// Wall-clock time of training, only when asked for (it would break byte-identical models).
    pub trained_at: Option<String>,
    /// A tuned operating point for two-label models (absent: label by the most probable).
    #[serde(default)]
    pub decision: Option<DecisionRule>,
}

/// Where the training data came from, for the metadata.
#[derive(Debug, Clone, Default)]
pub struct DataSource {
    pub path: String,
    pub text_col: String,
    pub label_col: String,
    pub trained_at: Option<String>,
}

/// Per-thread buffers for scoring; reuse one per worker so the hot loop does not allocate.
///
/// It also caches, per model, each word seen to its term ids (see [`crate::fastpath`]): a
/// workspace serves any pipeline, but alternating between two pipelines restarts the cache.
#[derive(Debug, Default)]
pub struct Workspace {
    pub analysis: Analysis,
    pub scratch: VectorScratch,
    pub vector: SparseVector,
    pub probabilities: Vec<f64>,
    occurrences: Vec<Occurrence>,
    fast: FastScratch,
    kernel: KernelScratch,
}

impl Workspace {
    pub fn new() -> Self {
        Self::default()
    }
    /// Distinct words in the fast path's word cache.
    pub fn cached_words(&self) -> usize {
        self.fast.cache.len()
    }
}

/// Gives every assembled pipeline its own id, which keys the workspaces' word caches.
static NEXT_PIPELINE_ID: AtomicU64 = AtomicU64::new(1);

/// One term's push on a decision: the feature, its contribution, and where it occurs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermEvidence {
    pub term: String,
    pub weight: f64,
    /// Byte ranges `[start, end)` in the scored text.
    pub spans: Vec<(usize, usize)>,
}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct Pipeline {
    analyzer: Analyzer,
    vectorizer: Vectorizer,
    scorer: LinearScorer,
    labels: Vec<String>,
    meta: ModelMeta,
    /// Identity of this model for the workspaces' word caches (clones share it: same content).
    id: u64,
    /// The model laid out for scoring (`None`: too many features; the reference path scores).
    kernel: Option<Kernel>,
}

impl Pipeline {
    /// Assembles a pipeline from its parts, checking that they fit together.
    pub fn from_parts(vectorizer: Vectorizer, scorer: LinearScorer, labels: Vec<String>, meta: ModelMeta) -> Result<Self> {
        if scorer.n_features() != vectorizer.n_features() || scorer.n_classes() != labels.len() {
            return Err(StanceError::Training(format!(
                "inconsistent model: {} features/{} classes in the scorer, {} features/{} labels",
                scorer.n_features(),
                scorer.n_classes(),
                vectorizer.n_features(),
                labels.len()
            )));
        }
        if let Some(rule) = &meta.decision {
            check_rule(rule, &labels)?;
        }
        let analyzer = Analyzer::new(meta.config.analyzer.clone());
        let id = NEXT_PIPELINE_ID.fetch_add(1, Ordering::Relaxed);
        let kernel = Kernel::new(&vectorizer, &scorer);
        Ok(Pipeline { analyzer, vectorizer, scorer, labels, meta, id, kernel })
    }

    /// Stores a tuned decision rule (two-label models only); `None` removes it.
    pub fn set_decision(&mut self, rule: Option<DecisionRule>) -> Result<()> {
        if let Some(rule) = &rule {
            check_rule(rule, &self.labels)?;
        }
        self.meta.decision = rule;
        Ok(())
    }

    /// The stored decision rule, if any.
    pub fn decision_rule(&self) -> Option<&DecisionRule> {
        self.meta.decision.as_ref()
    }

    /// The label, or an abstention, for `probabilities` (as left by [`Pipeline::predict`]),
    /// under the stored decision rule and its abstention band.
    pub fn decide(&self, probabilities: &[f64]) -> Decision {
        self.decide_with_band(probabilities, None)
    }

    /// Like [`Pipeline::decide`], with the abstention band overridden when `band` is given
    /// (0 never abstains). See [`crate::model::decision`] for the rule.
    pub fn decide_with_band(&self, probabilities: &[f64], band: Option<f64>) -> Decision {
        let rule = self.meta.decision.as_ref().and_then(|r| {
            self.labels.iter().position(|l| *l == r.positive_label).map(|pos| (pos, r))
        });
        let band = band.or_else(|| rule.map(|(_, r)| r.abstain_band)).unwrap_or(0.0);
        crate::model::decision::decide(probabilities, rule, band)
    }

    /// Trains a pipeline on texts and their labels.
    pub fn fit(config: &PipelineConfig, texts: &[String], labels: &[String], source: &DataSource) -> Result<Self> {
        Self::fit_with_limit(config, texts, labels, source, crate::features::vectorizer::MAX_TERMS)
    }

    /// [`Pipeline::fit`], refusing a corpus of more than `max_terms` distinct terms
    /// (see [`Vectorizer::fit_with_limit`]).
    pub fn fit_with_limit(config: &PipelineConfig, texts: &[String], labels: &[String], source: &DataSource, max_terms: usize) -> Result<Self> {
        config.vectorizer.validate()?;
        config.train.validate()?;
        let mut class_counts: BTreeMap<String, usize> = BTreeMap::new();
        for label in labels {
            *class_counts.entry(label.clone()).or_default() += 1;
        }
        if class_counts.len() < 2 {
            let only = class_counts.keys().next().cloned().unwrap_or_default();
            return Err(StanceError::Data {
                path: source.path.clone(),
                message: format!("column '{}' has only one label ('{only}')", source.label_col),
                remedy: "A classifier needs examples of at least two labels: add rows of another label or pick another --label-col.".into(),
            });
        }
        let label_names: Vec<String> = class_counts.keys().cloned().collect();
        let targets: Vec<usize> = labels.iter().map(|l| label_names.binary_search(l).unwrap_or(0)).collect();
        if config.vectorizer.nb_weighting && label_names.len() != 2 {
            return Err(StanceError::config(
                "nb-weighting",
                format!("NB log-count ratios need exactly two labels, '{}' has {}; drop --nb-weighting", source.label_col, label_names.len()),
            ));
        }
        let analyzer = Analyzer::new(config.analyzer.clone());
        let mut vectorizer = Vectorizer::fit_with_limit(config.vectorizer.clone(), &analyzer, texts, max_terms)?;
        let transform_all = |vectorizer: &Vectorizer| -> Vec<SparseVector> {
            let mut ws = Workspace::default();
            texts
                .iter()
                .map(|t| {
                    analyzer.analyze(t, &mut ws.analysis);
                    let mut v = SparseVector::default();
                    vectorizer.transform(&ws.analysis, &mut ws.scratch, &mut v);
                    v
                })
                .collect()
        };
        let mut rows = transform_all(&vectorizer);
        if config.vectorizer.nb_weighting {
            // r from which features each document has (binarized), label 1 of the two as positive.
            let positive: Vec<bool> = targets.iter().map(|&t| t == 1).collect();
            let r = crate::features::nb::log_count_ratios(&rows, &positive, vectorizer.n_features(), crate::features::config::NB_SMOOTHING);
            vectorizer.scale_features(&r)?;
            rows = transform_all(&vectorizer);
        }
        let scorer = match config.train.balance {
            Balance::None => fit_scorer(&config.train, &rows, &targets, vectorizer.n_features(), label_names.len())?,
            Balance::Oversample => {
                let order = crate::data::balance::oversample(&targets, label_names.len(), config.train.seed);
                let rows: Vec<SparseVector> = order.iter().map(|&i| rows[i].clone()).collect();
                let targets: Vec<usize> = order.iter().map(|&i| targets[i]).collect();
                fit_scorer(&config.train, &rows, &targets, vectorizer.n_features(), label_names.len())?
            }
        };
        let meta = ModelMeta {
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            config: config.clone(),
            data_path: source.path.clone(),
            text_col: source.text_col.clone(),
            label_col: source.label_col.clone(),
            data_fingerprint: fingerprint(texts, labels),
            n_documents: texts.len(),
            class_counts,
            n_features: vectorizer.n_features(),
            trained_at: source.trained_at.clone(),
            decision: None,
        };
        Pipeline::from_parts(vectorizer, scorer, label_names, meta)
    }

    pub fn labels(&self) -> &[String] {
        &self.labels
    }
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }
    pub fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }
    pub fn scorer(&self) -> &LinearScorer {
        &self.scorer
    }
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The tf-idf vector of `text`, left in `ws.vector`, with the analysis (terms, their text and
    /// offsets) left in `ws.analysis`. This is the reference path; [`Pipeline::vectorize_fast`]
    /// gives the same vector faster when the term texts are not needed.
    pub fn vectorize(&self, text: &str, ws: &mut Workspace) {
        self.analyzer.analyze(text, &mut ws.analysis);
        self.vectorizer.transform(&ws.analysis, &mut ws.scratch, &mut ws.vector);
    }

    /// The tf-idf vector of `text`, left in `ws.vector`: identical to [`Pipeline::vectorize`],
    /// but words go straight to term ids through the workspace's word cache, and
    /// `ws.analysis` is left untouched.
    #[inline]
    pub fn vectorize_fast(&self, text: &str, ws: &mut Workspace) {
        ws.fast.vectorize(self.id, &self.analyzer, &self.vectorizer, text, &mut ws.vector);
    }

    /// The vocabulary term ids of `text`'s words, in order (`u32::MAX` for a word in no
    /// feature), by the fast path. For benchmarks and tests of the stages.
    pub fn term_ids<'w>(&self, text: &str, ws: &'w mut Workspace) -> &'w [u32] {
        ws.fast.term_ids(self.id, &self.analyzer, &self.vectorizer, text)
    }

    /// Scores a text given as its term ids (from [`Pipeline::term_ids`]): the label index, the
    /// probabilities left in `ws.probabilities`, exactly as [`Pipeline::predict`] gives them.
    /// Lets benchmarks and tests time the scoring kernel apart from the words.
    pub fn predict_term_ids(&self, ids: &[u32], ws: &mut Workspace) -> usize {
        self.score_term_ids(ids, &mut ws.kernel, &mut ws.scratch, &mut ws.vector, &mut ws.probabilities)
    }

    /// Scores `text`: returns the index of the most probable label; the probabilities of every
    /// label (in [`Pipeline::labels`] order) are left in `ws.probabilities`. Uses the fast path;
    /// allocates nothing once the workspace is warm.
    #[inline]
    pub fn predict(&self, text: &str, ws: &mut Workspace) -> usize {
        let ids = ws.fast.term_ids(self.id, &self.analyzer, &self.vectorizer, text);
        self.score_term_ids(ids, &mut ws.kernel, &mut ws.scratch, &mut ws.vector, &mut ws.probabilities)
    }

    /// The one place texts are scored: term ids -> probabilities (into `probabilities`) and the
    /// best label, by the kernel, or for models too large for it through the sparse vector
    /// (the scorer's weights prefetched as its features are found).
    #[inline]
    fn score_term_ids(&self, ids: &[u32], kernel_scratch: &mut KernelScratch, scratch: &mut VectorScratch, vector: &mut SparseVector, probabilities: &mut Vec<f64>) -> usize {
        probabilities.resize(self.labels.len(), 0.0);
        match &self.kernel {
            Some(kernel) => kernel.raw_scores(&self.vectorizer, ids, kernel_scratch, probabilities),
            None => {
                self.vectorizer.transform_ids_with(ids, &mut scratch.features, vector, |f| self.scorer.prefetch_feature(f as usize));
                self.scorer.raw_scores(vector, probabilities);
            }
        }
        self.scorer.apply_link(probabilities);
        argmax(probabilities)
    }

    /// The terms of `text` that pushed hardest towards (positive weight) or away from
    /// (negative) label `class`, strongest first, at most `top`. Call after [`Pipeline::predict`]
    /// on the same text.
    pub fn explain(&self, text: &str, class: usize, top: usize, ws: &mut Workspace) -> Vec<TermEvidence> {
        self.vectorize(text, ws);
        self.vectorizer.occurrences(&ws.analysis, &mut ws.scratch, &mut ws.occurrences);
        let terms = ws.analysis.terms();
        let mut evidence: Vec<TermEvidence> = ws
            .vector
            .iter()
            .map(|(f, v)| TermEvidence {
                term: self.vectorizer.features()[f as usize].clone(),
                weight: self.scorer.contribution(f as usize, v, class),
                spans: ws
                    .occurrences
                    .iter()
                    .filter(|o| o.feature == f)
                    .map(|o| {
                        let first = &terms[o.first_term as usize];
                        let last = &terms[(o.first_term + o.n_terms - 1) as usize];
                        (first.start, last.end)
                    })
                    .collect(),
            })
            .filter(|e| e.weight != 0.0)
            .collect();
        evidence.sort_by(|a, b| b.weight.abs().total_cmp(&a.weight.abs()).then_with(|| a.term.cmp(&b.term)));
        evidence.truncate(top);
        evidence
    }
}

fn check_rule(rule: &DecisionRule, labels: &[String]) -> Result<()> {
    if labels.len() != 2 {
        return Err(StanceError::config("tune-threshold", format!("a threshold needs a two-label model; this one has {} labels", labels.len())));
    }
    if !labels.contains(&rule.positive_label) {
        return Err(StanceError::config("positive-label", format!("'{}' is not one of the model's labels ({})", rule.positive_label, labels.join(", "))));
    }
    if !(0.0..=1.0).contains(&rule.threshold) || !(0.0..=0.5).contains(&rule.abstain_band) {
        return Err(StanceError::config("threshold", format!("threshold {} must be in [0, 1] and the abstain band {} in [0, 0.5]", rule.threshold, rule.abstain_band)));
    }
    Ok(())
}

/// Index of the largest value (first on ties).
pub fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// CRC-32 of the training data, texts and labels in order.
fn fingerprint(texts: &[String], labels: &[String]) -> String {
    let mut h = crc32fast::Hasher::new();
    for (t, l) in texts.iter().zip(labels) {
        h.update(t.as_bytes());
        h.update(&[0]);
        h.update(l.as_bytes());
        h.update(&[0]);
    }
    format!("crc32:{:08x}", h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ClassifierKind;

    /// A model too large for the kernel (over 4M features) is scored through the sparse
    /// vector instead: same labels, probabilities within 1e-12 (only the order of additions
    /// differs). Checked by taking the kernel away from a small model.
    #[test]
    fn models_without_a_kernel_score_like_the_kernel() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/stance.csv");
        let mut reader = csv::Reader::from_path(path).unwrap();
        let (mut texts, mut labels) = (Vec::new(), Vec::new());
        for record in reader.records().take(600) {
            let record = record.unwrap();
            texts.push(record[1].to_string());
            labels.push(record[2].to_string());
        }
        let config = PipelineConfig { train: TrainParams::for_classifier(ClassifierKind::Nb), ..PipelineConfig::default() };
        let with = Pipeline::fit(&config, &texts, &labels, &DataSource::default()).unwrap();
        assert!(with.kernel.is_some());
        let mut without = with.clone();
        without.kernel = None;
        let (mut a, mut b) = (Workspace::new(), Workspace::new());
        let mut labels_seen = std::collections::BTreeSet::new();
        for text in texts.iter().map(String::as_str).chain(["", "no words at all ... !", "They will strike again, and again, and again."]) {
            let (x, y) = (with.predict(text, &mut a), without.predict(text, &mut b));
            assert_eq!(x, y, "{text:?}");
            assert!(a.probabilities.iter().zip(&b.probabilities).all(|(p, q)| (p - q).abs() < 1e-12), "{text:?}");
            labels_seen.insert(x);
        }
        assert_eq!(labels_seen.len(), 3, "the check should see every label predicted");
    }
}
