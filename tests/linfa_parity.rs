//! Our sparse scorer must reproduce linfa's own predictions on the same inputs (within 1e-6):
//! the weights are copied out of linfa, so any drift means the export is wrong.

mod common;

use linfa::prelude::*;
use linfa_bayes::{MultinomialNb, NaiveBayes};
use linfa_ftrl::Ftrl;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use stance::features::sparse::to_dense_column_major;
use stance::features::{SparseVector, VectorScratch, Vectorizer, VectorizerConfig};
use stance::model::{fit_scorer, ClassifierKind, LinearScorer, TrainParams};
use stance::text::{Analysis, Analyzer, AnalyzerConfig};

struct Fixture {
    rows: Vec<SparseVector>,
    targets: Vec<usize>,
    d: usize,
    k: usize,
}

/// Real sentences from the bundled corpus; `labels` picks which stance labels to keep.
fn fixture(per_label: usize, keep: &[&str]) -> Fixture {
    let (texts, labels) = common::corpus_sample(per_label);
    let (texts, labels): (Vec<String>, Vec<String>) =
        texts.into_iter().zip(labels).filter(|(_, l)| keep.contains(&l.as_str())).unzip();
    let analyzer = Analyzer::new(AnalyzerConfig::default());
    let v = Vectorizer::fit(VectorizerConfig { min_df: stance::features::DocFreq::Count(2), ..Default::default() }, &analyzer, &texts).unwrap();
    let mut a = Analysis::new();
    let mut s = VectorScratch::default();
    let rows = texts
        .iter()
        .map(|t| {
            analyzer.analyze(t, &mut a);
            let mut out = SparseVector::default();
            v.transform(&a, &mut s, &mut out);
            out
        })
        .collect();
    let targets = labels.iter().map(|l| keep.iter().position(|k| k == l).unwrap()).collect();
    Fixture { rows, targets, d: v.n_features(), k: keep.len() }
}

fn ours(scorer: &LinearScorer, rows: &[SparseVector]) -> Array2<f64> {
    let mut out = Array2::zeros((rows.len(), scorer.n_classes()));
    let mut p = vec![0.0; scorer.n_classes()];
    for (i, r) in rows.iter().enumerate() {
        scorer.probabilities(r, &mut p);
        for c in 0..p.len() {
            out[[i, c]] = p[c];
        }
    }
    out
}

fn assert_close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-6, "{what}: ours {a} vs linfa {b}");
}

#[test]
fn binary_logistic_matches_linfa() {
    let f = fixture(60, &["de-escalation", "escalation"]);
    let params = TrainParams { alpha: 0.1, ..TrainParams::for_classifier(ClassifierKind::Logistic) };
    let scorer = fit_scorer(&params, &f.rows, &f.targets, f.d, f.k).unwrap();
    let x = to_dense_column_major(&f.rows, f.d);
    let ds = Dataset::new(x.clone(), Array1::from(f.targets.clone()));
    let model = LogisticRegression::default().alpha(0.1).max_iterations(100).fit(&ds).unwrap();
    let pos = model.labels().pos.class;
    let theirs = model.predict_probabilities(&x);
    let mine = ours(&scorer, &f.rows);
    for i in 0..f.rows.len() {
        assert_close(mine[[i, pos]], theirs[i], "P(positive class)");
    }
}

#[test]
fn multinomial_logistic_matches_linfa() {
    let f = fixture(40, &["de-escalation", "escalation", "neutral"]);
    let params = TrainParams { alpha: 0.1, max_iter: 50, ..TrainParams::for_classifier(ClassifierKind::Logistic) };
    let scorer = fit_scorer(&params, &f.rows, &f.targets, f.d, f.k).unwrap();
    let x = to_dense_column_major(&f.rows, f.d);
    let ds = Dataset::new(x.clone(), Array1::from(f.targets.clone()));
    let model = MultiLogisticRegression::default().alpha(0.1).max_iterations(50).fit(&ds).unwrap();
    let theirs = model.predict_probabilities(&x);
    let mine = ours(&scorer, &f.rows);
    for i in 0..f.rows.len() {
        for (col, &class) in model.classes().iter().enumerate() {
            assert_close(mine[[i, class]], theirs[[i, col]], "P(class)");
        }
    }
}

#[test]
fn naive_bayes_matches_linfa() {
    let f = fixture(40, &["de-escalation", "escalation", "neutral"]);
    let params = TrainParams { alpha: 0.5, ..TrainParams::for_classifier(ClassifierKind::Nb) };
    let scorer = fit_scorer(&params, &f.rows, &f.targets, f.d, f.k).unwrap();
    let x = stance::model::train::to_dense_row_major(&f.rows, f.d, false);
    let ds = Dataset::new(x.clone(), Array1::from(f.targets.clone()));
    let model = stance::util::with_stderr_silenced(|| MultinomialNb::params().alpha(0.5).fit(&ds)).unwrap();
    // Short sentences: linfa's predict_proba does not overflow here, so it is a fair reference.
    let (theirs, classes) = model.predict_proba(x.view());
    let mine = ours(&scorer, &f.rows);
    for i in 0..f.rows.len() {
        for (col, &&class) in classes.iter().enumerate() {
            assert_close(mine[[i, class]], theirs[[i, col]], "P(class)");
        }
    }
}

#[test]
fn ftrl_matches_linfa() {
    let f = fixture(50, &["de-escalation", "escalation"]);
    let params = TrainParams { epochs: 3, ..TrainParams::for_classifier(ClassifierKind::Ftrl) };
    let scorer = fit_scorer(&params, &f.rows, &f.targets, f.d, f.k).unwrap();
    // Replay the same training with linfa directly: same seed, same order, same batches.
    let x = stance::model::train::to_dense_row_major(&f.rows, f.d, true);
    let rng = rand_xoshiro::Xoshiro256Plus::seed_from_u64(params.seed.wrapping_add(1));
    let valid = Ftrl::params_with_rng(rng).alpha(params.alpha).beta(params.beta).l1_ratio(params.l1_ratio).l2_ratio(params.l2_ratio).check().unwrap();
    let mut model = Ftrl::new(valid.clone(), f.d + 1);
    let y: Array1<bool> = f.targets.iter().map(|&t| t == 1).collect();
    let mut order: Vec<usize> = (0..f.rows.len()).collect();
    let mut shuffle = stance::util::SplitMix64::new(params.seed ^ 0x9E37_79B9);
    for _ in 0..params.epochs {
        shuffle.shuffle(&mut order);
        for &i in &order {
            let batch = DatasetBase::new(x.slice(ndarray::s![i..i + 1, ..]), y.slice(ndarray::s![i..i + 1]));
            model = valid.fit_with(Some(model), &batch).unwrap();
        }
    }
    let theirs = model.predict(&x);
    let mine = ours(&scorer, &f.rows);
    for i in 0..f.rows.len() {
        // linfa returns f32 probabilities; compare at f32 precision.
        assert!((mine[[i, 1]] - *theirs[i] as f64).abs() < 1e-6, "row {i}: {} vs {}", mine[[i, 1]], *theirs[i]);
    }
}
