//! Comparing configurations: every candidate is cross-validated on the same folds, then ranked
//! by one metric. The best one can be retrained on all the data (a grid search).

use std::time::Instant;

use serde::Serialize;

use super::cv::{check_folds, cross_validate_on, CvOptions, CvResult};
use crate::data::folds::stratified_folds;
use crate::data::LabelledData;
use crate::error::{Result, StanceError};
use crate::pipeline::PipelineConfig;

/// The metric candidates are ranked by (higher is better for all of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum RankMetric {
    Accuracy,
    MacroF1,
    WeightedF1,
    /// Two-label tasks only.
    RocAuc,
    /// Two-label tasks only (average precision).
    PrAuc,
}

impl RankMetric {
    /// Mean and standard deviation of this metric in a CV result.
    pub fn of(self, cv: &CvResult) -> Option<(f64, f64)> {
        match self {
            RankMetric::Accuracy => Some((cv.mean.accuracy, cv.std.accuracy)),
            RankMetric::MacroF1 => Some((cv.mean.macro_f1, cv.std.macro_f1)),
            RankMetric::WeightedF1 => Some((cv.mean.weighted_f1, cv.std.weighted_f1)),
            RankMetric::RocAuc => cv.mean.roc_auc.zip(cv.std.roc_auc),
            RankMetric::PrAuc => cv.mean.pr_auc.zip(cv.std.pr_auc),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            RankMetric::Accuracy => "accuracy",
            RankMetric::MacroF1 => "macro-F1",
            RankMetric::WeightedF1 => "weighted-F1",
            RankMetric::RocAuc => "ROC-AUC",
            RankMetric::PrAuc => "PR-AUC",
        }
    }
}

/// One configuration to compare.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// A short description ("nb binary no-idf norm=none alpha=1").
    pub name: String,
    pub config: PipelineConfig,
}

/// A candidate's outcome.
#[derive(Debug, Clone)]
pub struct Entry {
    pub candidate: Candidate,
    /// The CV result, or why the candidate could not be trained.
    pub result: std::result::Result<CvResult, String>,
}

/// All candidates, in the order given, and their ranking.
#[derive(Debug, Clone)]
pub struct Comparison {
    pub metric: RankMetric,
    pub k: usize,
    pub seed: u64,
    pub entries: Vec<Entry>,
    /// Indices into `entries`, best first; failed candidates are last.
    pub ranking: Vec<usize>,
    pub wall_seconds: f64,
}

/// One row of the ranked table (the JSON form).
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub rank: usize,
    pub name: String,
    pub score: Option<f64>,
    pub score_std: Option<f64>,
    pub accuracy: Option<f64>,
    pub accuracy_std: Option<f64>,
    pub macro_f1: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr_auc: Option<f64>,
    pub n_features: Option<f64>,
    /// Mean seconds to fit one fold (vocabulary + learner).
    pub train_seconds_per_fold: Option<f64>,
    /// Seconds for the whole cross-validation of this candidate.
    pub cv_seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub config: PipelineConfig,
}

impl Comparison {
    /// The best candidate that trained, if any.
    pub fn best(&self) -> Option<(&Candidate, &CvResult)> {
        let e = &self.entries[*self.ranking.first()?];
        e.result.as_ref().ok().map(|r| (&e.candidate, r))
    }

    /// The ranked rows.
    pub fn rows(&self) -> Vec<Row> {
        self.ranking
            .iter()
            .enumerate()
            .map(|(rank, &i)| {
                let e = &self.entries[i];
                let r = e.result.as_ref().ok();
                let score = r.and_then(|r| self.metric.of(r));
                Row {
                    rank: rank + 1,
                    name: e.candidate.name.clone(),
                    score: score.map(|s| s.0),
                    score_std: score.map(|s| s.1),
                    accuracy: r.map(|r| r.mean.accuracy),
                    accuracy_std: r.map(|r| r.std.accuracy),
                    macro_f1: r.map(|r| r.mean.macro_f1),
                    roc_auc: r.and_then(|r| r.mean.roc_auc),
                    pr_auc: r.and_then(|r| r.mean.pr_auc),
                    n_features: r.map(|r| r.folds.iter().map(|f| f.n_features as f64).sum::<f64>() / r.folds.len() as f64),
                    train_seconds_per_fold: r.map(|r| r.mean_train_seconds()),
                    cv_seconds: r.map(|r| r.wall_seconds),
                    error: e.result.as_ref().err().cloned(),
                    config: e.candidate.config.clone(),
                }
            })
            .collect()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "metric": self.metric,
            "k": self.k,
            "seed": self.seed,
            "ranking": self.rows(),
            "wall_seconds": (self.wall_seconds * 1000.0).round() / 1000.0,
        })
    }

    /// The ranked table for terminals.
    pub fn to_table(&self) -> String {
        let rows = self.rows();
        let width = rows.iter().map(|r| r.name.len()).max().unwrap_or(10).clamp(10, 70);
        let mut s = format!(
            "{} candidates, {}-fold stratified CV (seed {}), ranked by {}\n\n",
            rows.len(),
            self.k,
            self.seed,
            self.metric.name()
        );
        s.push_str(&format!(
            "{:>4}  {:<width$}  {:>17}  {:>8}  {:>8}  {:>10}  {:>9}\n",
            "rank",
            "configuration",
            self.metric.name(),
            "macro-F1",
            "features",
            "fit s/fold",
            "CV wall s"
        ));
        for r in &rows {
            match &r.error {
                None => s.push_str(&format!(
                    "{:>4}  {:<width$}  {:>17}  {:>8.4}  {:>8.0}  {:>10.2}  {:>9.2}\n",
                    r.rank,
                    r.name,
                    match (r.score, r.score_std) {
                        (Some(m), Some(sd)) => format!("{m:.4} ± {sd:.4}"),
                        _ => "n/a".into(),
                    },
                    r.macro_f1.unwrap_or(f64::NAN),
                    r.n_features.unwrap_or(f64::NAN),
                    r.train_seconds_per_fold.unwrap_or(f64::NAN),
                    r.cv_seconds.unwrap_or(f64::NAN),
                )),
                Some(e) => s.push_str(&format!("{:>4}  {:<width$}  failed: {e}\n", "-", r.name)),
            }
        }
        s.push_str(&format!("\nall candidates in {:.2}s wall\n", self.wall_seconds));
        s
    }
}

/// Cross-validates every candidate on the same seeded stratified folds and ranks them.
/// A candidate that fails to train is reported, not fatal; `progress` is told about each one.
pub fn compare(
    candidates: &[Candidate],
    data: &LabelledData,
    options: &CvOptions,
    metric: RankMetric,
    mut progress: impl FnMut(usize, &Entry),
) -> Result<Comparison> {
    if candidates.is_empty() {
        return Err(StanceError::config("compare", "no candidates to compare"));
    }
    check_folds(data, options.folds)?;
    let fold_of = stratified_folds(&data.labels, options.folds, options.seed);
    let start = Instant::now();
    let mut entries = Vec::with_capacity(candidates.len());
    for (i, c) in candidates.iter().enumerate() {
        let result = cross_validate_on(&c.config, data, &fold_of, options).map_err(|e| e.to_string());
        let entry = Entry { candidate: c.clone(), result };
        progress(i, &entry);
        entries.push(entry);
    }
    let wall_seconds = start.elapsed().as_secs_f64();
    let key = |i: usize| entries[i].result.as_ref().ok().and_then(|r| metric.of(r)).map(|s| s.0);
    let mut ranking: Vec<usize> = (0..entries.len()).collect();
    // Best first; ties keep the given order; failures (and metrics that do not apply) last.
    ranking.sort_by(|&a, &b| match (key(a), key(b)) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    Ok(Comparison { metric, k: options.folds, seed: options.seed, entries, ranking, wall_seconds })
}
