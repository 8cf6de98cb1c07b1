//! NBSVM features (Wang & Manning 2012, "Baselines and Bigrams"): every feature is scaled by
//! its naive Bayes log-count ratio, so a linear learner starts from naive Bayes' evidence.
//!
//! r_f = ln((p_f / |p|_1) / (q_f / |q|_1)), where p = alpha + the number of documents of the
//! positive label containing feature f (binarized counts), q likewise for the other label.

use super::SparseVector;

/// The log-count ratio of every feature, from the binarized training rows. `positive[i]` tells
/// whether row `i` belongs to the positive label. Rows' values are ignored: only which features
/// are present counts.
pub fn log_count_ratios(rows: &[SparseVector], positive: &[bool], n_features: usize, alpha: f64) -> Vec<f64> {
    let mut p = vec![alpha; n_features];
    let mut q = vec![alpha; n_features];
    for (row, &pos) in rows.iter().zip(positive) {
        let counts = if pos { &mut p } else { &mut q };
        for &f in &row.indices {
            counts[f as usize] += 1.0;
        }
    }
    let (p_sum, q_sum): (f64, f64) = (p.iter().sum(), q.iter().sum());
    p.iter().zip(&q).map(|(pf, qf)| ((pf / p_sum) / (qf / q_sum)).ln()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(ix: &[u32]) -> SparseVector {
        SparseVector { indices: ix.to_vec(), values: vec![1.0; ix.len()] }
    }

    #[test]
    fn ratios_by_hand() {
        // Feature 0 only in positives (2 docs), feature 1 in both, feature 2 only in the negative.
        let rows = [row(&[0, 1]), row(&[0]), row(&[1, 2])];
        let r = log_count_ratios(&rows, &[true, true, false], 3, 1.0);
        // p = 1 + [2, 1, 0] = [3, 2, 1] (sum 6); q = 1 + [0, 1, 1] = [1, 2, 2] (sum 5)
        let expect = [(3.0 / 6.0) / (1.0 / 5.0), (2.0 / 6.0) / (2.0 / 5.0), (1.0 / 6.0) / (2.0 / 5.0)];
        for (a, b) in r.iter().zip(expect) {
            assert!((a - f64::ln(b)).abs() < 1e-12, "{r:?}");
        }
        assert!(r[0] > 0.0 && r[2] < 0.0);
    }
}
