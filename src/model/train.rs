//! Training at the linfa boundary: sparse rows become a dense matrix, linfa fits, and the fitted
//! weights are copied into a [`LinearScorer`]. Each learner's pitfalls are handled here, once:
//! logistic regression's "positive" class is read from the fitted model, naive Bayes is exported
//! as log-probabilities (its own `predict_proba` overflows) and fitted on per-label sums, FTRL gets a constant column as its
//! intercept and a seeded generator.

use linfa::prelude::*;
use linfa_bayes::MultinomialNb;
use linfa_ftrl::Ftrl;
use linfa_logistic::{LogisticRegression, MultiLogisticRegression};
use ndarray::{s, Array1, Array2};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;

use super::params::{ClassifierKind, TrainParams};
use super::scorer::{Link, LinearScorer};
use crate::error::{Result, StanceError};
use crate::features::sparse::to_dense_column_major;
use crate::features::SparseVector;

/// Fits the chosen learner on sparse rows with class indices `targets` in `0..n_classes`.
pub fn fit_scorer(
    params: &TrainParams,
    rows: &[SparseVector],
    targets: &[usize],
    n_features: usize,
    n_classes: usize,
) -> Result<LinearScorer> {
    params.validate()?;
    if rows.len() != targets.len() || rows.is_empty() {
        return Err(StanceError::Training(format!("{} rows but {} labels", rows.len(), targets.len())));
    }
    if n_classes < 2 || targets.iter().any(|&t| t >= n_classes) {
        return Err(StanceError::Training("need at least two classes with valid indices".into()));
    }
    if params.classifier == ClassifierKind::Logistic {
        // linfa's logistic regression only takes a dense matrix: refuse one that cannot fit.
        let bytes = rows.len() as f64 * n_features as f64 * 8.0;
        if bytes > MAX_DENSE_BYTES {
            return Err(StanceError::config(
                "max-features",
                format!(
                    "logistic regression needs a dense {} x {} matrix ({:.1} GB) and linfa takes no sparse input; \
                     limit the vocabulary with --max-features (e.g. 10000) or a larger --min-df, or use --classifier nb",
                    rows.len(),
                    n_features,
                    bytes / 1e9
                ),
            ));
        }
    }
    let (weights, intercepts, link) = match params.classifier {
        ClassifierKind::Logistic if n_classes == 2 => fit_binary_logistic(params, rows, targets, n_features)?,
        ClassifierKind::Logistic => fit_multi_logistic(params, rows, targets, n_features, n_classes)?,
        ClassifierKind::Nb => fit_naive_bayes(params, rows, targets, n_features, n_classes)?,
        ClassifierKind::Ftrl => fit_ftrl(params, rows, targets, n_features, n_classes)?,
    };
    LinearScorer::new(n_features, n_classes, weights, intercepts, link)
        .ok_or_else(|| StanceError::Training("the learner produced non-finite weights; try a larger --alpha".into()))
}

type Fitted = (Vec<f64>, Vec<f64>, Link);

/// Largest dense matrix handed to linfa's logistic regression (4 GB): beyond it a fit takes
/// many minutes, and parallel CV folds would each hold one.
pub const MAX_DENSE_BYTES: f64 = 4e9;

fn learner_error(e: impl std::fmt::Display) -> StanceError {
    StanceError::Training(e.to_string())
}

fn fit_binary_logistic(params: &TrainParams, rows: &[SparseVector], targets: &[usize], d: usize) -> Result<Fitted> {
    let dataset = Dataset::new(to_dense_column_major(rows, d), Array1::from(targets.to_vec()));
    let model = LogisticRegression::default()
        .alpha(params.alpha)
        .max_iterations(params.max_iter)
        .fit(&dataset)
        .map_err(learner_error)?;
    // linfa's "positive" class is not necessarily label 1: read it from the model.
    let pos = model.labels().pos.class;
    let mut weights = vec![0.0; d * 2];
    for (f, w) in model.params().iter().enumerate() {
        weights[f * 2 + pos] = *w;
    }
    let mut intercepts = vec![0.0; 2];
    intercepts[pos] = model.intercept();
    Ok((weights, intercepts, Link::Softmax))
}

fn fit_multi_logistic(params: &TrainParams, rows: &[SparseVector], targets: &[usize], d: usize, k: usize) -> Result<Fitted> {
    let dataset = Dataset::new(to_dense_column_major(rows, d), Array1::from(targets.to_vec()));
    let model = MultiLogisticRegression::default()
        .alpha(params.alpha)
        .max_iterations(params.max_iter)
        .fit(&dataset)
        .map_err(learner_error)?;
    let mut weights = vec![0.0; d * k];
    let mut intercepts = vec![0.0; k];
    for (col, &class) in model.classes().iter().enumerate() {
        for f in 0..d {
            weights[f * k + class] = model.params()[[f, col]];
        }
        intercepts[class] = model.intercept()[col];
    }
    Ok((weights, intercepts, Link::Softmax))
}

fn fit_naive_bayes(params: &TrainParams, rows: &[SparseVector], targets: &[usize], d: usize, k: usize) -> Result<Fitted> {
    // Multinomial NB depends on the data only through each label's summed feature counts (its
    // sufficient statistics), so linfa is given one summed row per label: the fitted
    // log-probabilities are exactly those of a fit on every row, without an n x d dense matrix
    // (10k MR sentences x 100k n-grams would be 9 GB). The prior, which would then count rows
    // of the summary, comes from the real label counts.
    let mut sums = Array2::<f64>::zeros((k, d));
    let mut class_counts = vec![0usize; k];
    for (row, &t) in rows.iter().zip(targets) {
        class_counts[t] += 1;
        for (c, v) in row.iter() {
            sums[[t, c as usize]] += v;
        }
    }
    if sums.iter().any(|v| *v < 0.0) {
        return Err(StanceError::config("classifier", "naive Bayes needs non-negative features; drop --nb-weighting or pick another --classifier"));
    }
    let dataset = Dataset::new(sums, Array1::from((0..k).collect::<Vec<usize>>()));
    // linfa-bayes 0.8.1 `dbg!`s every class histogram during fit: keep that off our stderr
    // (it costs time too: everything in the repository is our own code, so no patched copy).
    let model = crate::util::with_stderr_silenced(|| MultinomialNb::params().alpha(params.alpha).fit(&dataset)).map_err(learner_error)?;
    // The fitted histograms are private; their serde form is the stable way to read them.
    let value = serde_json::to_value(&model).map_err(learner_error)?;
    let info = value.get("class_info").and_then(|v| v.as_object()).ok_or_else(|| learner_error("naive Bayes model has no class_info"))?;
    let mut weights = vec![0.0; d * k];
    let mut intercepts = vec![f64::NAN; k];
    let n: usize = class_counts.iter().sum();
    for (class, hist) in info {
        let c: usize = class.parse().map_err(learner_error)?;
        let log_prob = hist
            .get("feature_log_prob")
            .and_then(|a| a.get("data"))
            .and_then(|a| a.as_array())
            .ok_or_else(|| learner_error("no feature_log_prob"))?;
        if log_prob.len() != d || c >= k {
            return Err(learner_error("naive Bayes histogram has the wrong shape"));
        }
        intercepts[c] = (class_counts[c] as f64 / n as f64).ln();
        for (f, lp) in log_prob.iter().enumerate() {
            weights[f * k + c] = lp.as_f64().ok_or_else(|| learner_error("non-numeric log probability"))?;
        }
    }
    Ok((weights, intercepts, Link::Softmax))
}

fn fit_ftrl(params: &TrainParams, rows: &[SparseVector], targets: &[usize], d: usize, k: usize) -> Result<Fitted> {
    // FTRL has no intercept: a constant last column plays that role. linfa's FTRL learns one
    // row at a time, so one dense row buffer is filled and cleared per example instead of
    // building the whole n x d matrix.
    let mut x = Array2::<f64>::zeros((1, d + 1));
    x[[0, d]] = 1.0;
    // Two labels need one model (for class 1); more need one per class.
    let modelled: Vec<usize> = if k == 2 { vec![1] } else { (0..k).collect() };
    let mut weights = vec![0.0; d * k];
    let mut intercepts = vec![0.0; k];
    for &class in &modelled {
        let rng = Xoshiro256Plus::seed_from_u64(params.seed.wrapping_add(class as u64));
        let valid = Ftrl::params_with_rng(rng)
            .alpha(params.alpha)
            .beta(params.beta)
            .l1_ratio(params.l1_ratio)
            .l2_ratio(params.l2_ratio)
            .check()
            .map_err(learner_error)?;
        let mut model = Ftrl::new(valid.clone(), d + 1);
        let y: Array1<bool> = targets.iter().map(|&t| t == class).collect();
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut shuffle = crate::util::SplitMix64::new(params.seed ^ (class as u64).wrapping_mul(0x9E37_79B9));
        for _ in 0..params.epochs {
            shuffle.shuffle(&mut order);
            for &i in &order {
                for (c, v) in rows[i].iter() {
                    x[[0, c as usize]] = v;
                }
                let batch = DatasetBase::new(x.view(), y.slice(s![i..i + 1]));
                model = valid.fit_with(Some(model), &batch).map_err(learner_error)?;
                for c in &rows[i].indices {
                    x[[0, *c as usize]] = 0.0;
                }
            }
        }
        let w = model.get_weights();
        for f in 0..d {
            weights[f * k + class] = w[f];
        }
        intercepts[class] = w[d];
    }
    let link = if k == 2 { Link::Softmax } else { Link::OneVsRestSigmoid };
    Ok((weights, intercepts, link))
}

/// Dense row-major matrix, optionally with a trailing constant column of ones.
pub fn to_dense_row_major(rows: &[SparseVector], d: usize, bias_column: bool) -> Array2<f64> {
    let width = d + usize::from(bias_column);
    let mut x = Array2::<f64>::zeros((rows.len(), width));
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter() {
            x[[r, c as usize]] = v;
        }
        if bias_column {
            x[[r, d]] = 1.0;
        }
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pairs: &[(u32, f64)]) -> SparseVector {
        SparseVector { indices: pairs.iter().map(|p| p.0).collect(), values: pairs.iter().map(|p| p.1).collect() }
    }

    #[test]
    fn naive_bayes_on_label_sums_equals_linfa_on_every_row() {
        let rows = vec![
            row(&[(0, 1.0), (2, 2.0)]),
            row(&[(1, 1.0)]),
            row(&[(0, 3.0), (3, 1.0)]),
            row(&[(2, 1.0), (3, 1.0)]),
            row(&[(1, 2.0), (3, 1.0)]),
        ];
        let targets = [0, 1, 0, 2, 1];
        let mut params = TrainParams::for_classifier(ClassifierKind::Nb);
        params.alpha = 0.5;
        let scorer = fit_scorer(&params, &rows, &targets, 4, 3).unwrap();
        // linfa on the full row-major matrix, the way it is meant to be called
        let full = Dataset::new(to_dense_row_major(&rows, 4, false), Array1::from(targets.to_vec()));
        let model = crate::util::with_stderr_silenced(|| MultinomialNb::params().alpha(0.5).fit(&full)).unwrap();
        let value = serde_json::to_value(&model).unwrap();
        for c in 0..3 {
            let hist = &value["class_info"][c.to_string()];
            let lp = hist["feature_log_prob"]["data"].as_array().unwrap();
            for f in 0..4 {
                assert!((scorer.weight(f, c) - lp[f].as_f64().unwrap()).abs() < 1e-12, "class {c} feature {f}");
            }
            assert!((scorer.intercepts()[c] - hist["prior"].as_f64().unwrap().ln()).abs() < 1e-12, "prior of {c}");
        }
    }

    #[test]
    fn logistic_refuses_a_dense_matrix_that_cannot_fit() {
        let rows = vec![SparseVector::default(), SparseVector::default()];
        let params = TrainParams::for_classifier(ClassifierKind::Logistic);
        // 2 x 300M features x 8 bytes = 4.8 GB: refused before anything is allocated.
        let err = fit_scorer(&params, &rows, &[0, 1], 300_000_000, 2).unwrap_err().to_string();
        assert!(err.contains("--max-features"), "{err}");
    }
}
