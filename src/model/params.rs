//! Classifier choice and hyper-parameters, validated once before any training starts.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StanceError};

/// Which linfa learner fits the weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ClassifierKind {
    /// L2-regularized logistic regression (L-BFGS): binary or multinomial.
    Logistic,
    /// Multinomial naive Bayes with additive smoothing.
    Nb,
    /// Follow-the-regularized-leader (proximal), one-vs-rest for more than two labels.
    Ftrl,
}

impl std::fmt::Display for ClassifierKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClassifierKind::Logistic => "logistic",
            ClassifierKind::Nb => "nb",
            ClassifierKind::Ftrl => "ftrl",
        })
    }
}

/// How the training set is rebalanced before the learner sees it (no linfa learner here takes
/// sample weights, so imbalance is handled by resampling).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Balance {
    /// Train on the data as it is.
    #[default]
    None,
    /// Random oversampling (seeded): repeat examples of the smaller labels until every label has
    /// as many as the largest. Only the training data is resampled, never evaluation data.
    Oversample,
}

impl std::fmt::Display for Balance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Balance::None => "none",
            Balance::Oversample => "oversample",
        })
    }
}

/// Hyper-parameters of the learner. `alpha` means what it means in linfa for each learner:
/// the L2 penalty for logistic regression, the additive smoothing for naive Bayes, the
/// learning rate for FTRL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainParams {
    pub classifier: ClassifierKind,
    pub alpha: f64,
    /// Logistic regression: most L-BFGS iterations.
    pub max_iter: u64,
    /// FTRL: passes over the shuffled data.
    pub epochs: usize,
    /// FTRL: L1 share of regularization (>= 1.0 keeps unseen features at exactly zero,
    /// because linfa starts the weights at random values in [0, 1)).
    pub l1_ratio: f64,
    /// FTRL: L2 share of regularization.
    pub l2_ratio: f64,
    /// FTRL: per-coordinate learning-rate smoothing.
    pub beta: f64,
    /// Seeds every random choice (FTRL's initial weights and shuffling, CV folds, oversampling).
    pub seed: u64,
    /// Class rebalancing of the training data (absent in models from before it existed).
    #[serde(default)]
    pub balance: Balance,
}

impl TrainParams {
    /// The defaults for a learner.
    pub fn for_classifier(classifier: ClassifierKind) -> Self {
        let alpha = match classifier {
            ClassifierKind::Logistic => 0.1,
            ClassifierKind::Nb => 0.1,
            ClassifierKind::Ftrl => 0.5,
        };
        TrainParams { classifier, alpha, max_iter: 100, epochs: 10, l1_ratio: 1.0, l2_ratio: 0.0, beta: 1.0, seed: 42, balance: Balance::None }
    }

    /// Checks every value once, so training never meets an impossible one.
    pub fn validate(&self) -> Result<()> {
        if !self.alpha.is_finite() || self.alpha <= 0.0 {
            return Err(StanceError::config("alpha", format!("{} must be a positive number", self.alpha)));
        }
        if self.max_iter == 0 {
            return Err(StanceError::config("max-iter", "must be at least 1"));
        }
        if self.epochs == 0 {
            return Err(StanceError::config("epochs", "must be at least 1"));
        }
        for (name, v) in [("l1-ratio", self.l1_ratio), ("l2-ratio", self.l2_ratio)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(StanceError::config(if name == "l1-ratio" { "l1-ratio" } else { "l2-ratio" }, format!("{v} must be between 0 and 1")));
            }
        }
        if !self.beta.is_finite() || self.beta < 0.0 {
            return Err(StanceError::config("beta", format!("{} must be zero or positive", self.beta)));
        }
        Ok(())
    }
}

impl Default for TrainParams {
    fn default() -> Self {
        Self::for_classifier(ClassifierKind::Logistic)
    }
}
