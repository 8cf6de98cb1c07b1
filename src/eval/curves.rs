//! ROC and precision-recall curves for two-label tasks, and the areas under them.
//!
//! Scores are the model's probability of the positive label; a text is called positive when its
//! score is >= the threshold. Tied scores move together (one curve point per distinct score), as
//! in scikit-learn's `roc_curve` / `precision_recall_curve`, so the results match
//! `roc_auc_score` (trapezoidal area; ties count one half) and `average_precision_score`
//! (AP = sum over thresholds of (R_n - R_{n-1}) * P_n, no interpolation).

use serde::Serialize;

/// One threshold's counts and rates.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurvePoint {
    /// Texts with a score >= this are called positive.
    pub threshold: f64,
    pub true_positives: u64,
    pub false_positives: u64,
    /// Recall, the true-positive rate.
    pub tpr: f64,
    pub fpr: f64,
    pub precision: f64,
}

/// Every operating point, from the highest threshold down (one per distinct score).
/// Returns nothing when either class is absent (the rates would be undefined).
pub fn operating_points(scores: &[f64], positive: &[bool]) -> Vec<CurvePoint> {
    assert_eq!(scores.len(), positive.len(), "one truth per score");
    let n_pos = positive.iter().filter(|p| **p).count() as u64;
    let n_neg = positive.len() as u64 - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Vec::new();
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut points = Vec::new();
    let (mut tp, mut fp) = (0u64, 0u64);
    let mut i = 0;
    while i < order.len() {
        let threshold = scores[order[i]];
        while i < order.len() && scores[order[i]] == threshold {
            if positive[order[i]] {
                tp += 1;
            } else {
                fp += 1;
            }
            i += 1;
        }
        points.push(CurvePoint {
            threshold,
            true_positives: tp,
            false_positives: fp,
            tpr: tp as f64 / n_pos as f64,
            fpr: fp as f64 / n_neg as f64,
            precision: tp as f64 / (tp + fp) as f64,
        });
    }
    points
}

/// Area under the ROC curve (trapezoids from (0,0) through every point), or `None` when
/// either class is absent.
pub fn roc_auc(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let points = operating_points(scores, positive);
    if points.is_empty() {
        return None;
    }
    let (mut area, mut prev) = (0.0, (0.0, 0.0));
    for p in &points {
        area += (p.fpr - prev.0) * (p.tpr + prev.1) / 2.0;
        prev = (p.fpr, p.tpr);
    }
    Some(area)
}

/// Average precision, the step-wise area under the precision-recall curve, or `None` when
/// either class is absent.
pub fn average_precision(scores: &[f64], positive: &[bool]) -> Option<f64> {
    let points = operating_points(scores, positive);
    if points.is_empty() {
        return None;
    }
    let (mut area, mut prev_recall) = (0.0, 0.0);
    for p in &points {
        area += (p.tpr - prev_recall) * p.precision;
        prev_recall = p.tpr;
    }
    Some(area)
}

/// ROC curve as (fpr, tpr) pairs starting at (0, 0), for plotting.
pub fn roc_curve(scores: &[f64], positive: &[bool]) -> Vec<(f64, f64)> {
    let points = operating_points(scores, positive);
    if points.is_empty() {
        return Vec::new();
    }
    std::iter::once((0.0, 0.0)).chain(points.iter().map(|p| (p.fpr, p.tpr))).collect()
}

/// Precision-recall curve as (recall, precision) pairs starting at recall 0 (precision of the
/// highest threshold), for plotting.
pub fn pr_curve(scores: &[f64], positive: &[bool]) -> Vec<(f64, f64)> {
    let points = operating_points(scores, positive);
    match points.first() {
        None => Vec::new(),
        Some(first) => std::iter::once((0.0, first.precision)).chain(points.iter().map(|p| (p.tpr, p.precision))).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_example() {
        // scores:  0.9 (+), 0.8 (-), 0.7 (+), 0.6 (+), 0.3 (-), 0.2 (-)   3 positives, 3 negatives
        let s = [0.9, 0.8, 0.7, 0.6, 0.3, 0.2];
        let y = [true, false, true, true, false, false];
        // ROC-AUC = P(score+ > score-) over the 9 pairs: 0.9 beats 3, 0.7 beats 2, 0.6 beats 2 -> 7/9
        assert!((roc_auc(&s, &y).unwrap() - 7.0 / 9.0).abs() < 1e-12);
        // AP: recall steps at ranks 1, 3, 4 with precision 1, 2/3, 3/4 -> (1 + 2/3 + 3/4) / 3
        let ap = (1.0 + 2.0 / 3.0 + 3.0 / 4.0) / 3.0;
        assert!((average_precision(&s, &y).unwrap() - ap).abs() < 1e-12);
        let roc = roc_curve(&s, &y);
        assert_eq!(roc.first(), Some(&(0.0, 0.0)));
        assert_eq!(roc.last(), Some(&(1.0, 1.0)));
        assert_eq!(roc.len(), 7);
    }

    #[test]
    fn ties_count_one_half() {
        // One positive and one negative with the same score: AUC 0.5; AP = 1/2 (one step to
        // recall 1 at precision 1/2).
        let s = [0.5, 0.5];
        let y = [true, false];
        assert!((roc_auc(&s, &y).unwrap() - 0.5).abs() < 1e-12);
        assert!((average_precision(&s, &y).unwrap() - 0.5).abs() < 1e-12);
        // Tie across classes inside a larger list: + at 0.8, {+,-} at 0.4, - at 0.1
        // pairs (+,-): (0.8,0.4)=1 (0.8,0.1)=1 (0.4,0.4)=0.5 (0.4,0.1)=1 -> 3.5/4
        let s = [0.8, 0.4, 0.4, 0.1];
        let y = [true, true, false, false];
        assert!((roc_auc(&s, &y).unwrap() - 3.5 / 4.0).abs() < 1e-12);
        // AP: recall 1/2 at precision 1, then recall 1 at precision 2/3 -> 0.5 + 0.5 * 2/3
        assert!((average_precision(&s, &y).unwrap() - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
    }

    #[test]
    fn perfect_and_single_class() {
        let s = [0.9, 0.8, 0.1];
        let y = [true, true, false];
        assert_eq!(roc_auc(&s, &y), Some(1.0));
        assert_eq!(average_precision(&s, &y), Some(1.0));
        assert_eq!(roc_auc(&s, &[true, true, true]), None);
        assert_eq!(average_precision(&s, &[false, false, false]), None);
    }
}
