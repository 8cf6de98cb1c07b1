//! Classification metrics from a confusion matrix: accuracy, per-class precision/recall/F1,
//! macro and weighted averages. Undefined ratios (0/0) count as 0, as scikit-learn does.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts of (true label, predicted label) pairs; rows are true labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub labels: Vec<String>,
    pub matrix: Vec<Vec<u64>>,
}

impl Confusion {
    pub fn new(labels: Vec<String>) -> Self {
        let k = labels.len();
        Confusion { labels, matrix: vec![vec![0; k]; k] }
    }
    pub fn add(&mut self, truth: usize, predicted: usize) {
        self.matrix[truth][predicted] += 1;
    }
    /// Adds another matrix over the same labels (summing CV folds).
    pub fn merge(&mut self, other: &Confusion) {
        for (row, other_row) in self.matrix.iter_mut().zip(&other.matrix) {
            for (a, b) in row.iter_mut().zip(other_row) {
                *a += b;
            }
        }
    }
    pub fn total(&self) -> u64 {
        self.matrix.iter().flatten().sum()
    }

    /// Appends the matrix as an aligned text table (rows = true label), columns `width` wide.
    pub fn write_table(&self, s: &mut String, width: usize) {
        s.push_str(&format!("{:<width$}", ""));
        for l in &self.labels {
            s.push_str(&format!("  {:>width$}", l));
        }
        s.push('\n');
        for (l, row) in self.labels.iter().zip(&self.matrix) {
            s.push_str(&format!("{:<width$}", l));
            for v in row {
                s.push_str(&format!("  {:>width$}", v));
            }
            s.push('\n');
        }
    }
}

/// Precision, recall, F1 and support of one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassMetrics {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: u64,
}

/// The metrics `eval` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Metrics {
    pub n: u64,
    pub accuracy: f64,
    pub macro_f1: f64,
    pub weighted_f1: f64,
    pub per_class: BTreeMap<String, ClassMetrics>,
    pub confusion: Confusion,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl Metrics {
    pub fn from_confusion(confusion: Confusion) -> Self {
        let k = confusion.labels.len();
        let n = confusion.total();
        let correct: u64 = (0..k).map(|i| confusion.matrix[i][i]).sum();
        let mut per_class = BTreeMap::new();
        let (mut macro_f1, mut weighted_f1) = (0.0, 0.0);
        for c in 0..k {
            let tp = confusion.matrix[c][c];
            let support: u64 = confusion.matrix[c].iter().sum();
            let predicted: u64 = (0..k).map(|r| confusion.matrix[r][c]).sum();
            let precision = ratio(tp, predicted);
            let recall = ratio(tp, support);
            let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
            macro_f1 += f1 / k as f64;
            weighted_f1 += f1 * ratio(support, n);
            per_class.insert(confusion.labels[c].clone(), ClassMetrics { precision, recall, f1, support });
        }
        Metrics { n, accuracy: ratio(correct, n), macro_f1, weighted_f1, per_class, confusion }
    }

    /// A plain-text table for terminals.
    pub fn to_table(&self) -> String {
        let mut s = String::new();
        let width = self.confusion.labels.iter().map(|l| l.len()).max().unwrap_or(5).max(12);
        s.push_str(&format!("n = {}   accuracy = {:.4}   macro-F1 = {:.4}   weighted-F1 = {:.4}\n\n", self.n, self.accuracy, self.macro_f1, self.weighted_f1));
        s.push_str(&format!("{:<width$}  {:>9}  {:>9}  {:>9}  {:>8}\n", "label", "precision", "recall", "f1", "support"));
        for (label, m) in &self.per_class {
            s.push_str(&format!("{:<width$}  {:>9.4}  {:>9.4}  {:>9.4}  {:>8}\n", label, m.precision, m.recall, m.f1, m.support));
        }
        s.push_str("\nconfusion (rows = true label, columns = predicted)\n");
        self.confusion.write_table(&mut s, width);
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_match_a_hand_computed_matrix() {
        // rows = truth: a: 5 right, 1 as b;  b: 2 as a, 3 right, 1 as c;  c: 0, 0, 4 right.
        let mut c = Confusion::new(vec!["a".into(), "b".into(), "c".into()]);
        c.matrix = vec![vec![5, 1, 0], vec![2, 3, 1], vec![0, 0, 4]];
        let m = Metrics::from_confusion(c);
        assert_eq!(m.n, 16);
        assert!((m.accuracy - 12.0 / 16.0).abs() < 1e-12);
        let a = m.per_class["a"];
        assert!((a.precision - 5.0 / 7.0).abs() < 1e-12);
        assert!((a.recall - 5.0 / 6.0).abs() < 1e-12);
        let fa = 2.0 * (5.0 / 7.0) * (5.0 / 6.0) / (5.0 / 7.0 + 5.0 / 6.0);
        assert!((a.f1 - fa).abs() < 1e-12);
        let b = m.per_class["b"];
        assert!((b.precision - 0.75).abs() < 1e-12 && (b.recall - 0.5).abs() < 1e-12);
        let cc = m.per_class["c"];
        assert!((cc.precision - 0.8).abs() < 1e-12 && (cc.recall - 1.0).abs() < 1e-12);
        let fb = 2.0 * 0.75 * 0.5 / 1.25;
        let fc = 2.0 * 0.8 / 1.8;
        assert!((m.macro_f1 - (fa + fb + fc) / 3.0).abs() < 1e-12);
        assert!((m.weighted_f1 - (fa * 6.0 + fb * 6.0 + fc * 4.0) / 16.0).abs() < 1e-12);
    }

    #[test]
    fn a_never_predicted_class_has_zero_precision_not_nan() {
        let mut c = Confusion::new(vec!["a".into(), "b".into()]);
        c.matrix = vec![vec![3, 0], vec![2, 0]];
        let m = Metrics::from_confusion(c);
        assert_eq!(m.per_class["b"].precision, 0.0);
        assert_eq!(m.per_class["b"].f1, 0.0);
        assert!(m.macro_f1.is_finite());
    }
}
