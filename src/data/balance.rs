//! Random oversampling for imbalanced labels: none of the linfa learners used here takes sample
//! weights, so a smaller label gets its examples repeated until it is as large as the largest.

use crate::util::SplitMix64;

/// Indices of the rebalanced training set: every original index once, then, for each smaller
/// label, repeats of its examples until it has as many as the largest label. Whole copies come
/// first; the remainder is a seeded sample without replacement, so every example is repeated
/// either k or k+1 times (lower variance than drawing with replacement).
pub fn oversample(targets: &[usize], n_classes: usize, seed: u64) -> Vec<usize> {
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &t) in targets.iter().enumerate() {
        members[t].push(i);
    }
    let largest = members.iter().map(Vec::len).max().unwrap_or(0);
    let mut out: Vec<usize> = (0..targets.len()).collect();
    let mut rng = SplitMix64::new(seed ^ 0x0BA1_A4CE);
    for m in members.iter().filter(|m| !m.is_empty()) {
        let missing = largest - m.len();
        for _ in 0..missing / m.len() {
            out.extend_from_slice(m);
        }
        let mut rest = m.clone();
        rng.shuffle(&mut rest);
        out.extend_from_slice(&rest[..missing % m.len()]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_label_reaches_the_largest() {
        let targets = [0, 0, 0, 0, 0, 0, 0, 1, 1, 2];
        let idx = oversample(&targets, 3, 1);
        let count = |c| idx.iter().filter(|&&i| targets[i] == c).count();
        assert_eq!((count(0), count(1), count(2)), (7, 7, 7));
        assert_eq!(&idx[..10], &(0..10).collect::<Vec<_>>()[..]);
        // label 1 (2 examples, 5 missing): each repeated 2 or 3 times in all, never 4
        let per = |i| idx.iter().filter(|&&j| j == i).count();
        assert!((3..=4).contains(&per(7)) && (3..=4).contains(&per(8)) && per(7) + per(8) == 7);
        assert_eq!(idx, oversample(&targets, 3, 1));
    }

    #[test]
    fn balanced_data_is_unchanged() {
        assert_eq!(oversample(&[0, 1, 1, 0], 2, 9), vec![0, 1, 2, 3]);
    }
}
