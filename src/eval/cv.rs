//! Stratified k-fold cross-validation: seeded folds, trained in parallel, reported in a fixed
//! order so the same seed always gives the same numbers.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;

use super::curves::{average_precision, roc_auc};
use super::metrics::{Confusion, Metrics};
use crate::data::folds::stratified_folds;
use crate::data::LabelledData;
use crate::error::{Result, StanceError};
use crate::pipeline::{DataSource, Pipeline, PipelineConfig, Workspace};

/// How to cross-validate.
#[derive(Debug, Clone)]
pub struct CvOptions {
    /// Number of folds (k >= 2).
    pub folds: usize,
    /// Seeds the fold assignment (the learner's own seed is in the config).
    pub seed: u64,
    /// Folds trained at the same time.
    pub threads: usize,
    /// For two-label tasks, the label whose probability the ROC/PR curves rank by; default the
    /// second label in sorted order ("1" of 0/1, "pos" of neg/pos).
    pub positive_label: Option<String>,
}

impl Default for CvOptions {
    fn default() -> Self {
        CvOptions { folds: 10, seed: 42, threads: default_threads(), positive_label: None }
    }
}

/// The cores this process may use, at least one.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// One fold's outcome. The metrics are over the fold's held-out texts.
#[derive(Debug, Clone, Serialize)]
pub struct FoldResult {
    pub fold: usize,
    pub n_train: usize,
    pub n_test: usize,
    pub n_features: usize,
    #[serde(flatten)]
    pub metrics: Metrics,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr_auc: Option<f64>,
    /// Seconds to fit the pipeline (vocabulary + learner) on the training folds.
    #[serde(skip)]
    pub train_seconds: f64,
    /// Seconds to score the held-out fold.
    #[serde(skip)]
    pub score_seconds: f64,
}

/// Mean (or, in `std`, the sample standard deviation) over folds of one label's metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassSummary {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    /// Texts of this label over all folds (in `std`: absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support: Option<u64>,
}

/// Fold metrics summarized by mean or by standard deviation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub accuracy: f64,
    pub macro_f1: f64,
    pub weighted_f1: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roc_auc: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pr_auc: Option<f64>,
    pub per_class: BTreeMap<String, ClassSummary>,
}

/// Everything a cross-validation produced.
#[derive(Debug, Clone)]
pub struct CvResult {
    pub labels: Vec<String>,
    /// Two-label tasks: the label the curves are about.
    pub positive_label: Option<String>,
    pub k: usize,
    pub seed: u64,
    pub config: PipelineConfig,
    pub folds: Vec<FoldResult>,
    /// The folds' confusion matrices summed: every text counted once, when it was held out.
    pub confusion: Confusion,
    pub mean: Summary,
    /// Sample standard deviation over folds (n - 1 in the denominator).
    pub std: Summary,
    /// Two-label tasks: each text's out-of-fold probability of the positive label (data order).
    pub scores: Vec<f64>,
    /// Two-label tasks: whether each text is of the positive label.
    pub truth: Vec<bool>,
    pub threads: usize,
    pub wall_seconds: f64,
}

/// The JSON form: `eval`'s keys (fold means; support and confusion summed), plus `std`,
/// `folds`, the settings, and `timing` (the only part that differs between identical runs).
#[derive(Serialize)]
struct CvJson<'a> {
    n: u64,
    accuracy: f64,
    macro_f1: f64,
    weighted_f1: f64,
    per_class: &'a BTreeMap<String, ClassSummary>,
    confusion: &'a Confusion,
    #[serde(skip_serializing_if = "Option::is_none")]
    roc_auc: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pr_auc: Option<f64>,
    std: &'a Summary,
    folds: &'a [FoldResult],
    k: usize,
    seed: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    positive_label: Option<&'a str>,
    balance: String,
    config: &'a PipelineConfig,
    timing: Timing,
}

/// Wall-clock figures: never part of a determinism check.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub wall_seconds: f64,
    pub threads: usize,
    pub train_seconds: Vec<f64>,
    pub score_seconds: Vec<f64>,
}

impl CvResult {
    pub fn timing(&self) -> Timing {
        Timing {
            wall_seconds: round_to(self.wall_seconds, 3),
            threads: self.threads,
            train_seconds: self.folds.iter().map(|f| round_to(f.train_seconds, 3)).collect(),
            score_seconds: self.folds.iter().map(|f| round_to(f.score_seconds, 3)).collect(),
        }
    }

    /// Mean seconds to fit one fold.
    pub fn mean_train_seconds(&self) -> f64 {
        self.folds.iter().map(|f| f.train_seconds).sum::<f64>() / self.folds.len().max(1) as f64
    }

    /// The JSON report.
    pub fn to_json(&self) -> serde_json::Value {
        let json = CvJson {
            n: self.confusion.total(),
            accuracy: self.mean.accuracy,
            macro_f1: self.mean.macro_f1,
            weighted_f1: self.mean.weighted_f1,
            per_class: &self.mean.per_class,
            confusion: &self.confusion,
            roc_auc: self.mean.roc_auc,
            pr_auc: self.mean.pr_auc,
            std: &self.std,
            folds: &self.folds,
            k: self.k,
            seed: self.seed,
            positive_label: self.positive_label.as_deref(),
            balance: self.config.train.balance.to_string(),
            config: &self.config,
            timing: self.timing(),
        };
        serde_json::to_value(json).expect("cv results serialize")
    }

    /// A plain-text report for terminals.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let two = self.positive_label.is_some();
        s.push_str(&format!(
            "{}-fold stratified CV (seed {}), {} texts, classifier {}, balance {}\n\n",
            self.k,
            self.seed,
            self.confusion.total(),
            self.config.train.classifier,
            self.config.train.balance
        ));
        s.push_str(&format!("{:>4}  {:>6}  {:>8}  {:>8}  {:>8}  {:>11}", "fold", "n", "features", "accuracy", "macro-F1", "weighted-F1"));
        if two {
            s.push_str(&format!("  {:>7}  {:>7}", "ROC-AUC", "PR-AUC"));
        }
        s.push_str(&format!("  {:>7}\n", "train s"));
        for f in &self.folds {
            s.push_str(&format!(
                "{:>4}  {:>6}  {:>8}  {:>8.4}  {:>8.4}  {:>11.4}",
                f.fold, f.n_test, f.n_features, f.metrics.accuracy, f.metrics.macro_f1, f.metrics.weighted_f1
            ));
            if two {
                let show = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.4}"));
                s.push_str(&format!("  {:>7}  {:>7}", show(f.roc_auc), show(f.pr_auc)));
            }
            s.push_str(&format!("  {:>7.2}\n", f.train_seconds));
        }
        let pm = |m: f64, sd: f64| format!("{m:.4} ± {sd:.4}");
        s.push_str(&format!("\naccuracy     {}\n", pm(self.mean.accuracy, self.std.accuracy)));
        s.push_str(&format!("macro-F1     {}\n", pm(self.mean.macro_f1, self.std.macro_f1)));
        s.push_str(&format!("weighted-F1  {}\n", pm(self.mean.weighted_f1, self.std.weighted_f1)));
        if let (Some(a), Some(b)) = (self.mean.roc_auc, self.std.roc_auc) {
            s.push_str(&format!("ROC-AUC      {}   (positive label '{}')\n", pm(a, b), self.positive_label.as_deref().unwrap_or("")));
        }
        if let (Some(a), Some(b)) = (self.mean.pr_auc, self.std.pr_auc) {
            s.push_str(&format!("PR-AUC       {}   (average precision)\n", pm(a, b)));
        }
        let width = self.labels.iter().map(|l| l.len()).max().unwrap_or(5).max(12);
        s.push_str(&format!("\n{:<width$}  {:>17}  {:>17}  {:>17}  {:>8}\n", "label", "precision", "recall", "f1", "support"));
        for (label, m) in &self.mean.per_class {
            let sd = &self.std.per_class[label];
            s.push_str(&format!(
                "{:<width$}  {:>17}  {:>17}  {:>17}  {:>8}\n",
                label,
                pm(m.precision, sd.precision),
                pm(m.recall, sd.recall),
                pm(m.f1, sd.f1),
                m.support.unwrap_or(0)
            ));
        }
        s.push_str("\nconfusion summed over folds (rows = true label, columns = predicted)\n");
        self.confusion.write_table(&mut s, width);
        s.push_str(&format!(
            "\n{} folds in {:.2}s wall ({} threads; fit {:.2}s per fold on average)\n",
            self.k,
            self.wall_seconds,
            self.threads,
            self.mean_train_seconds()
        ));
        s
    }
}

/// Cross-validates `config` on `data` with fresh seeded stratified folds.
pub fn cross_validate(config: &PipelineConfig, data: &LabelledData, options: &CvOptions) -> Result<CvResult> {
    check_folds(data, options.folds)?;
    let fold_of = stratified_folds(&data.labels, options.folds, options.seed);
    cross_validate_on(config, data, &fold_of, options)
}

/// Warnings about labels too small for `k` folds: some folds hold none of their texts, and
/// there the label's per-fold precision/recall/F1 count as 0 (the summed confusion matrix is the
/// reliable view of such a label).
pub fn small_label_warnings(data: &LabelledData, k: usize) -> Vec<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for l in &data.labels {
        *counts.entry(l.as_str()).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n < k)
        .map(|(l, n)| {
            format!("label '{l}' has {n} texts for {k} folds: some folds hold none of it and score it 0 there; read its row of the summed confusion matrix, or use fewer --folds")
        })
        .collect()
}

/// Checks that k-fold CV can run on `data`.
pub fn check_folds(data: &LabelledData, k: usize) -> Result<()> {
    if k < 2 {
        return Err(StanceError::config("folds", format!("{k} folds cannot cross-validate; use at least 2")));
    }
    if data.texts.len() < k {
        return Err(StanceError::config("folds", format!("{k} folds need at least {k} texts; {} has {}", data.path, data.texts.len())));
    }
    Ok(())
}

/// Cross-validates on a given fold assignment (`fold_of[i]` in `0..options.folds`), so several
/// configurations can be compared on exactly the same folds.
pub fn cross_validate_on(config: &PipelineConfig, data: &LabelledData, fold_of: &[usize], options: &CvOptions) -> Result<CvResult> {
    let k = options.folds;
    assert_eq!(fold_of.len(), data.texts.len(), "one fold per text");
    let mut labels: Vec<String> = data.labels.clone();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Err(StanceError::Data {
            path: data.path.clone(),
            message: "only one label in the data".into(),
            remedy: "Cross-validation needs examples of at least two labels.".into(),
        });
    }
    let positive_label = match (&options.positive_label, labels.len()) {
        (Some(p), 2) if labels.contains(p) => Some(p.clone()),
        (Some(p), _) => {
            return Err(StanceError::config("positive-label", format!("'{p}' is not one of the two labels ({})", labels.join(", "))))
        }
        (None, 2) => Some(labels[1].clone()),
        (None, _) => None,
    };
    let truth_index: Vec<usize> = data.labels.iter().map(|l| labels.binary_search(l).expect("label listed")).collect();
    let source = DataSource { path: data.path.clone(), ..Default::default() };

    let start = Instant::now();
    let threads = options.threads.clamp(1, k);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<FoldOutcome>>>> = Mutex::new((0..k).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let fold = next.fetch_add(1, Ordering::SeqCst);
                if fold >= k {
                    break;
                }
                let outcome = run_fold(config, data, fold_of, fold, &labels, &truth_index, positive_label.as_deref(), &source);
                let failed = outcome.is_err();
                results.lock().unwrap_or_else(|e| e.into_inner())[fold] = Some(outcome);
                if failed {
                    // Let the other workers finish their current fold, but start no new one.
                    next.store(k, Ordering::SeqCst);
                }
            });
        }
    });
    let wall_seconds = start.elapsed().as_secs_f64();
    let mut folds = Vec::with_capacity(k);
    let mut scores = vec![f64::NAN; if positive_label.is_some() { data.texts.len() } else { 0 }];
    for outcome in results.into_inner().unwrap_or_else(|e| e.into_inner()) {
        match outcome {
            Some(Ok((fold, fold_scores))) => {
                for (i, s) in fold_scores {
                    scores[i] = s;
                }
                folds.push(fold);
            }
            Some(Err(e)) => return Err(e),
            None => {} // never started because an earlier fold failed; that error is returned
        }
    }
    if folds.len() != k {
        return Err(StanceError::Training("a fold did not finish".into()));
    }
    let mut confusion = Confusion::new(labels.clone());
    for f in &folds {
        confusion.merge(&f.metrics.confusion);
    }
    let (mean, std) = summarize(&folds, &labels);
    let truth = match &positive_label {
        Some(p) => data.labels.iter().map(|l| l == p).collect(),
        None => Vec::new(),
    };
    Ok(CvResult {
        labels,
        positive_label,
        k,
        seed: options.seed,
        config: config.clone(),
        folds,
        confusion,
        mean,
        std,
        scores,
        truth,
        threads,
        wall_seconds,
    })
}

/// A fold's result and its texts' (index, probability of the positive label).
type FoldOutcome = (FoldResult, Vec<(usize, f64)>);

#[allow(clippy::too_many_arguments)]
fn run_fold(
    config: &PipelineConfig,
    data: &LabelledData,
    fold_of: &[usize],
    fold: usize,
    labels: &[String],
    truth_index: &[usize],
    positive_label: Option<&str>,
    source: &DataSource,
) -> Result<FoldOutcome> {
    let (mut train_texts, mut train_labels) = (Vec::new(), Vec::new());
    let mut test = Vec::new();
    for (i, &f) in fold_of.iter().enumerate() {
        if f == fold {
            test.push(i);
        } else {
            train_texts.push(data.texts[i].clone());
            train_labels.push(data.labels[i].clone());
        }
    }
    let start = Instant::now();
    let model = Pipeline::fit(config, &train_texts, &train_labels, source)
        .map_err(|e| StanceError::Training(format!("fold {fold}: {e}")))?;
    let train_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    // The fold's model may lack a label that only held-out texts have: map by name.
    let to_global: Vec<usize> = model.labels().iter().map(|l| labels.binary_search(l).expect("known label")).collect();
    let pos_local = positive_label.and_then(|p| model.labels().iter().position(|l| l == p));
    let mut confusion = Confusion::new(labels.to_vec());
    let mut ws = Workspace::default();
    let mut fold_scores = Vec::new();
    for &i in &test {
        let predicted = model.predict(&data.texts[i], &mut ws);
        confusion.add(truth_index[i], to_global[predicted]);
        if positive_label.is_some() {
            fold_scores.push((i, pos_local.map_or(0.0, |p| ws.probabilities[p])));
        }
    }
    let score_seconds = start.elapsed().as_secs_f64();
    let (roc, pr) = match positive_label {
        Some(p) => {
            let s: Vec<f64> = fold_scores.iter().map(|x| x.1).collect();
            let y: Vec<bool> = test.iter().map(|&i| data.labels[i] == p).collect();
            (roc_auc(&s, &y), average_precision(&s, &y))
        }
        None => (None, None),
    };
    let result = FoldResult {
        fold,
        n_train: train_texts.len(),
        n_test: test.len(),
        n_features: model.vectorizer().n_features(),
        metrics: Metrics::from_confusion(confusion),
        roc_auc: roc,
        pr_auc: pr,
        train_seconds,
        score_seconds,
    };
    Ok((result, fold_scores))
}

/// Mean and sample standard deviation of a list.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

fn summarize(folds: &[FoldResult], labels: &[String]) -> (Summary, Summary) {
    let stat = |f: &dyn Fn(&FoldResult) -> f64| mean_std(&folds.iter().map(f).collect::<Vec<_>>());
    // ROC/PR are undefined in a fold without both labels: averaged over the folds that have them.
    let opt_stat = |f: &dyn Fn(&FoldResult) -> Option<f64>| -> (Option<f64>, Option<f64>) {
        let v: Vec<f64> = folds.iter().filter_map(f).collect();
        if v.is_empty() {
            return (None, None);
        }
        let (m, s) = mean_std(&v);
        (Some(m), Some(s))
    };
    let acc = stat(&|f| f.metrics.accuracy);
    let mf1 = stat(&|f| f.metrics.macro_f1);
    let wf1 = stat(&|f| f.metrics.weighted_f1);
    let roc = opt_stat(&|f| f.roc_auc);
    let pr = opt_stat(&|f| f.pr_auc);
    let (mut mean_pc, mut std_pc) = (BTreeMap::new(), BTreeMap::new());
    for l in labels {
        let p = stat(&|f| f.metrics.per_class[l].precision);
        let r = stat(&|f| f.metrics.per_class[l].recall);
        let f1 = stat(&|f| f.metrics.per_class[l].f1);
        let support = folds.iter().map(|f| f.metrics.per_class[l].support).sum();
        mean_pc.insert(l.clone(), ClassSummary { precision: p.0, recall: r.0, f1: f1.0, support: Some(support) });
        std_pc.insert(l.clone(), ClassSummary { precision: p.1, recall: r.1, f1: f1.1, support: None });
    }
    (
        Summary { accuracy: acc.0, macro_f1: mf1.0, weighted_f1: wf1.0, roc_auc: roc.0, pr_auc: pr.0, per_class: mean_pc },
        Summary { accuracy: acc.1, macro_f1: mf1.1, weighted_f1: wf1.1, roc_auc: roc.1, pr_auc: pr.1, per_class: std_pc },
    )
}

fn round_to(x: f64, digits: i32) -> f64 {
    let m = 10f64.powi(digits);
    (x * m).round() / m
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(i: usize, matrix: Vec<Vec<u64>>) -> FoldResult {
        let mut c = Confusion::new(vec!["a".into(), "b".into()]);
        c.matrix = matrix;
        FoldResult {
            fold: i,
            n_train: 0,
            n_test: c.total() as usize,
            n_features: 0,
            metrics: Metrics::from_confusion(c),
            roc_auc: Some(0.5 + 0.1 * i as f64),
            pr_auc: None,
            train_seconds: 0.0,
            score_seconds: 0.0,
        }
    }

    #[test]
    fn fold_summary_by_hand() {
        // fold 0: a 4 right 1 wrong, b 3 right 2 wrong -> accuracy 7/10
        //   a: precision 4/6, recall 4/5; b: precision 3/4, recall 3/5
        // fold 1: a 5 right, b 1 as a, 4 right -> accuracy 9/10
        //   a: precision 5/6, recall 1; b: precision 1, recall 4/5
        let folds = [fold(0, vec![vec![4, 1], vec![2, 3]]), fold(1, vec![vec![5, 0], vec![1, 4]])];
        let labels = ["a".to_string(), "b".to_string()];
        let (mean, std) = summarize(&folds, &labels);
        assert!((mean.accuracy - 0.8).abs() < 1e-12);
        // sample sd of {0.7, 0.9} = sqrt(2 * 0.01 / 1) = 0.1414...
        assert!((std.accuracy - (0.02f64).sqrt()).abs() < 1e-12);
        let a = mean.per_class["a"];
        assert!((a.precision - (4.0 / 6.0 + 5.0 / 6.0) / 2.0).abs() < 1e-12);
        assert!((a.recall - 0.9).abs() < 1e-12);
        assert_eq!(a.support, Some(10));
        let b = mean.per_class["b"];
        assert!((b.precision - (0.75 + 1.0) / 2.0).abs() < 1e-12);
        assert!((b.recall - 0.7).abs() < 1e-12);
        assert!((std.per_class["b"].recall - (0.02f64).sqrt()).abs() < 1e-12);
        assert!((mean.roc_auc.unwrap() - 0.55).abs() < 1e-12);
        assert_eq!(mean.pr_auc, None, "a metric no fold has is absent");
    }

    #[test]
    fn sample_standard_deviation() {
        let (m, s) = mean_std(&[2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0]);
        assert_eq!(m, 5.0);
        assert!((s - (32.0f64 / 7.0).sqrt()).abs() < 1e-12);
        assert_eq!(mean_std(&[3.0]), (3.0, 0.0));
    }
}
