//! The trained artifact: analyzer + vectorizer + scorer + label names + metadata. Training,
//! evaluation and scoring all go through this one type, so train/serve skew cannot happen.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::error::{Result, StanceError};
use crate::fastpath::FastScratch;
use crate::features::{Occurrence, SparseVector, VectorScratch, Vectorizer, VectorizerConfig};
use crate::model::{fit_scorer, LinearScorer, TrainParams};
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
        let analyzer = Analyzer::new(meta.config.analyzer.clone());
        let id = NEXT_PIPELINE_ID.fetch_add(1, Ordering::Relaxed);
        Ok(Pipeline { analyzer, vectorizer, scorer, labels, meta, id })
    }

    /// Trains a pipeline on texts and their labels.
    pub fn fit(config: &PipelineConfig, texts: &[String], labels: &[String], source: &DataSource) -> Result<Self> {
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
        let analyzer = Analyzer::new(config.analyzer.clone());
        let vectorizer = Vectorizer::fit(config.vectorizer.clone(), &analyzer, texts)?;
        let mut ws = Workspace::default();
        let rows: Vec<SparseVector> = texts
            .iter()
            .map(|t| {
                analyzer.analyze(t, &mut ws.analysis);
                let mut v = SparseVector::default();
                vectorizer.transform(&ws.analysis, &mut ws.scratch, &mut v);
                v
            })
            .collect();
        let scorer = fit_scorer(&config.train, &rows, &targets, vectorizer.n_features(), label_names.len())?;
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
        ws.fast.vectorize(self.id, &self.analyzer, &self.vectorizer, None, text, &mut ws.vector);
    }

    /// The vocabulary term ids of `text`'s words, in order (`u32::MAX` for a word in no
    /// feature), by the fast path. For benchmarks and tests of the stages.
    pub fn term_ids<'w>(&self, text: &str, ws: &'w mut Workspace) -> &'w [u32] {
        ws.fast.term_ids(self.id, &self.analyzer, &self.vectorizer, text)
    }

    /// Scores `text`: returns the index of the most probable label; the probabilities of every
    /// label (in [`Pipeline::labels`] order) are left in `ws.probabilities`. Uses the fast path;
    /// allocates nothing once the workspace is warm.
    #[inline]
    pub fn predict(&self, text: &str, ws: &mut Workspace) -> usize {
        ws.fast.vectorize(self.id, &self.analyzer, &self.vectorizer, Some(&self.scorer), text, &mut ws.vector);
        ws.probabilities.resize(self.labels.len(), 0.0);
        self.scorer.probabilities(&ws.vector, &mut ws.probabilities);
        argmax(&ws.probabilities)
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
