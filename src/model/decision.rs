//! The decision rule: how a model's probabilities become a label, or an abstention.
//!
//! Without a stored rule a model labels by the most probable label. A two-label model can carry
//! a tuned threshold (see `stance train --tune-threshold`): label positive when
//! p(positive) >= threshold. Either can abstain: inside the uncertain band
//! |p(positive) - threshold| < band for two labels; for more labels when the two most probable
//! labels are within 2 x band of each other (the same rule as two labels at threshold 0.5).

use serde::{Deserialize, Serialize};

/// Precision, recall and F1 of the positive label at one threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OperatingPoint {
    pub threshold: f64,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

/// A tuned operating point for a two-label model, saved in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRule {
    /// The label that a high probability votes for.
    pub positive_label: String,
    /// Label positive when p(positive) >= threshold.
    pub threshold: f64,
    /// Abstain when |p(positive) - threshold| < abstain_band; 0 never abstains.
    #[serde(default)]
    pub abstain_band: f64,
    /// What the threshold was chosen for: "f1", "precision>=0.9", "recall>=0.8".
    #[serde(default)]
    pub tuned_for: String,
    /// How many validation texts the threshold was chosen on.
    #[serde(default)]
    pub n_validation: usize,
    /// The operating point measured on that validation split.
    #[serde(default)]
    pub validation: Option<OperatingPoint>,
}

/// What to answer for one text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The index of the chosen label.
    Label(usize),
    /// Too uncertain to answer.
    Abstain,
}

impl Decision {
    /// The label's name, or "abstain".
    pub fn name<'a>(&self, labels: &'a [String]) -> &'a str {
        match self {
            Decision::Label(i) => &labels[*i],
            Decision::Abstain => "abstain",
        }
    }
}

/// Decides on `probabilities` (one per label). `rule` is the stored threshold with the index of
/// its positive label; `band` the abstention half-width (0 never abstains).
pub fn decide(probabilities: &[f64], rule: Option<(usize, &DecisionRule)>, band: f64) -> Decision {
    if let (Some((pos, rule)), 2) = (rule, probabilities.len()) {
        let p = probabilities[pos];
        if band > 0.0 && (p - rule.threshold).abs() < band {
            return Decision::Abstain;
        }
        return Decision::Label(if p >= rule.threshold { pos } else { 1 - pos });
    }
    let best = crate::pipeline::argmax(probabilities);
    if band > 0.0 {
        let runner_up = probabilities
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != best)
            .map(|(_, p)| *p)
            .fold(f64::NEG_INFINITY, f64::max);
        if probabilities[best] - runner_up < 2.0 * band {
            return Decision::Abstain;
        }
    }
    Decision::Label(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(threshold: f64, band: f64) -> DecisionRule {
        DecisionRule {
            positive_label: "yes".into(),
            threshold,
            abstain_band: band,
            tuned_for: "f1".into(),
            n_validation: 0,
            validation: None,
        }
    }

    #[test]
    fn threshold_and_band() {
        let r = rule(0.3, 0.05);
        // positive is label 1
        assert_eq!(decide(&[0.65, 0.35], Some((1, &r)), 0.0), Decision::Label(1));
        assert_eq!(decide(&[0.75, 0.25], Some((1, &r)), 0.0), Decision::Label(0));
        assert_eq!(decide(&[0.7, 0.3], Some((1, &r)), 0.0), Decision::Label(1), "p == threshold is positive");
        assert_eq!(decide(&[0.68, 0.32], Some((1, &r)), 0.05), Decision::Abstain);
        assert_eq!(decide(&[0.64, 0.36], Some((1, &r)), 0.05), Decision::Label(1));
        // positive is label 0
        assert_eq!(decide(&[0.35, 0.65], Some((0, &r)), 0.0), Decision::Label(0));
    }

    #[test]
    fn without_a_rule_argmax_and_margin() {
        assert_eq!(decide(&[0.2, 0.5, 0.3], None, 0.0), Decision::Label(1));
        assert_eq!(decide(&[0.2, 0.45, 0.35], None, 0.1), Decision::Abstain);
        assert_eq!(decide(&[0.1, 0.6, 0.3], None, 0.1), Decision::Label(1));
        assert_eq!(decide(&[0.45, 0.55], None, 0.1), Decision::Abstain);
        assert_eq!(Decision::Abstain.name(&["a".into()]), "abstain");
    }
}
