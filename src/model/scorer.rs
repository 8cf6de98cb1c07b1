//! Our own sparse linear scorer. Every classifier linfa trains here is linear in the tf-idf
//! vector, so after training its weights are copied into this flat layout and scoring is one
//! sparse dot product per class: no dense rows, no linfa on the hot path.

use serde::{Deserialize, Serialize};

use crate::features::SparseVector;

/// How raw class scores become probabilities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Link {
    /// Multinomial: softmax over the class scores (logistic regression, naive Bayes).
    Softmax,
    /// One independent sigmoid per class, normalized to sum to one (FTRL one-vs-rest).
    OneVsRestSigmoid,
}

/// Weights for every (feature, class) pair, stored feature-major so a sparse row touches one
/// contiguous slice per active feature.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearScorer {
    n_features: usize,
    n_classes: usize,
    weights: Vec<f64>,
    intercepts: Vec<f64>,
    link: Link,
}

impl LinearScorer {
    /// `weights[f * n_classes + c]` is the weight of feature `f` for class `c`.
    pub fn new(n_features: usize, n_classes: usize, weights: Vec<f64>, intercepts: Vec<f64>, link: Link) -> Option<Self> {
        if n_classes < 2 || weights.len() != n_features.checked_mul(n_classes)? || intercepts.len() != n_classes {
            return None;
        }
        if !weights.iter().chain(intercepts.iter()).all(|w| w.is_finite()) {
            return None;
        }
        Some(LinearScorer { n_features, n_classes, weights, intercepts, link })
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }
    pub fn n_classes(&self) -> usize {
        self.n_classes
    }
    pub fn link(&self) -> Link {
        self.link
    }
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }
    pub fn intercepts(&self) -> &[f64] {
        &self.intercepts
    }
    /// The weight of feature `f` for class `c`.
    #[inline]
    pub fn weight(&self, f: usize, c: usize) -> f64 {
        self.weights[f * self.n_classes + c]
    }

    /// Starts loading the weights of feature `f` (a hint; no effect on results).
    #[inline]
    pub(crate) fn prefetch_feature(&self, f: usize) {
        crate::fasthash::prefetch(&self.weights, f * self.n_classes);
    }

    /// Raw class scores (intercept + w·x) into `out` (length n_classes).
    #[inline]
    pub fn raw_scores(&self, x: &SparseVector, out: &mut [f64]) {
        let k = self.n_classes;
        // Two and three classes (binary, and escalation/de-escalation/neutral) with the row
        // length known at compile time; the same additions in the same order as the general loop.
        match k {
            2 => return self.raw_scores_k::<2>(x, out),
            3 => return self.raw_scores_k::<3>(x, out),
            _ => {}
        }
        out[..k].copy_from_slice(&self.intercepts);
        for (f, v) in x.iter() {
            let f = f as usize;
            if f >= self.n_features {
                continue;
            }
            let row = &self.weights[f * k..f * k + k];
            for (o, w) in out[..k].iter_mut().zip(row) {
                *o += w * v;
            }
        }
    }

    #[inline]
    fn raw_scores_k<const K: usize>(&self, x: &SparseVector, out: &mut [f64]) {
        let mut acc = [0.0; K];
        acc.copy_from_slice(&self.intercepts[..K]);
        for (f, v) in x.iter() {
            let f = f as usize;
            if f >= self.n_features {
                continue;
            }
            let row: &[f64; K] = self.weights[f * K..f * K + K].try_into().expect("K weights");
            for c in 0..K {
                acc[c] += row[c] * v;
            }
        }
        out[..K].copy_from_slice(&acc);
    }

    /// Class probabilities into `out` (length n_classes); they sum to one.
    #[inline]
    pub fn probabilities(&self, x: &SparseVector, out: &mut [f64]) {
        self.raw_scores(x, out);
        self.apply_link(out);
    }

    /// Turns raw class scores (length n_classes) into probabilities in place, by the link.
    #[inline]
    pub fn apply_link(&self, out: &mut [f64]) {
        let out = &mut out[..self.n_classes];
        match self.link {
            // Two and three classes unrolled (no loops to mispredict); the same operations.
            Link::Softmax if out.len() == 2 => softmax_fixed::<2>(out),
            Link::Softmax if out.len() == 3 => softmax_fixed::<3>(out),
            Link::Softmax => softmax_in_place(out),
            Link::OneVsRestSigmoid => {
                out.iter_mut().for_each(|s| *s = sigmoid(*s));
                let sum: f64 = out.iter().sum();
                if sum > 0.0 {
                    out.iter_mut().for_each(|p| *p /= sum);
                } else {
                    let uniform = 1.0 / out.len() as f64;
                    out.iter_mut().for_each(|p| *p = uniform);
                }
            }
        }
    }

    /// How much feature `f` with value `v` pushes class `c` against the others: the change in
    /// the log-odds of `c` over the average class (softmax), or in `c`'s own log-odds (one-vs-rest).
    pub fn contribution(&self, f: usize, v: f64, c: usize) -> f64 {
        let k = self.n_classes;
        let row = &self.weights[f * k..f * k + k];
        match self.link {
            Link::Softmax => v * (row[c] - row.iter().sum::<f64>() / k as f64),
            Link::OneVsRestSigmoid => v * row[c],
        }
    }
}

/// Numerically stable softmax (subtracts the max; never overflows, never NaN for finite input).
#[inline(always)]
pub fn softmax_in_place(scores: &mut [f64]) {
    let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    scores.iter_mut().for_each(|s| *s /= sum);
}

/// [`softmax_in_place`] on exactly `K` scores: the same code, inlined where the length is a
/// constant, so the compiler unrolls its loops.
#[inline]
fn softmax_fixed<const K: usize>(scores: &mut [f64]) {
    let scores: &mut [f64; K] = scores.try_into().expect("K scores");
    softmax_in_place(scores);
}

/// Numerically stable logistic function.
#[inline]
pub fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(pairs: &[(u32, f64)]) -> SparseVector {
        SparseVector { indices: pairs.iter().map(|p| p.0).collect(), values: pairs.iter().map(|p| p.1).collect() }
    }

    #[test]
    fn softmax_scores_by_hand() {
        // 2 features x 2 classes; class 1 weight 2.0 on feature 0, intercepts 0 and 0.5.
        let s = LinearScorer::new(2, 2, vec![0.0, 2.0, 0.0, -1.0], vec![0.0, 0.5], Link::Softmax).unwrap();
        let mut p = [0.0; 2];
        s.probabilities(&vector(&[(0, 1.0)]), &mut p);
        let z: f64 = 2.5; // class 1 minus class 0
        assert!((p[1] - 1.0 / (1.0 + (-z).exp())).abs() < 1e-12);
        assert!((p[0] + p[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn unrolled_softmax_matches_the_general_one_to_the_bit() {
        let mut rng = crate::util::SplitMix64::new(5);
        for _ in 0..10_000 {
            let mut draw = || (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 60.0 - 30.0;
            let (two, three) = ([draw(), draw()], [draw(), draw(), draw()]);
            let (mut a, mut b) = (two, two);
            softmax_in_place(&mut a);
            softmax_fixed::<2>(&mut b);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
            let (mut a, mut b) = (three, three);
            softmax_in_place(&mut a);
            softmax_fixed::<3>(&mut b);
            assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
        }
    }

    #[test]
    fn softmax_survives_huge_scores() {
        let mut s = [1e308, -1e308, 5.0];
        softmax_in_place(&mut s);
        assert_eq!(s, [1.0, 0.0, 0.0]);
    }

    #[test]
    fn rejects_inconsistent_or_non_finite_weights() {
        assert!(LinearScorer::new(2, 2, vec![0.0; 3], vec![0.0; 2], Link::Softmax).is_none());
        assert!(LinearScorer::new(1, 2, vec![f64::NAN, 0.0], vec![0.0; 2], Link::Softmax).is_none());
        assert!(LinearScorer::new(1, 1, vec![0.0], vec![0.0], Link::Softmax).is_none());
    }

    #[test]
    fn one_vs_rest_normalizes() {
        let s = LinearScorer::new(1, 3, vec![1.0, 0.0, -1.0], vec![0.0; 3], Link::OneVsRestSigmoid).unwrap();
        let mut p = [0.0; 3];
        s.probabilities(&vector(&[(0, 2.0)]), &mut p);
        let raw = [sigmoid(2.0), 0.5, sigmoid(-2.0)];
        let sum: f64 = raw.iter().sum();
        for c in 0..3 {
            assert!((p[c] - raw[c] / sum).abs() < 1e-12);
        }
    }
}
