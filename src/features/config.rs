//! Vectorizer parameters, in scikit-learn's vocabulary (`ngram_range`, `min_df`, `max_df`,
//! `max_features`, `sublinear_tf`, `norm`, `binary`), validated once and saved in the model.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StanceError};

/// Longest n-gram supported: three term ids pack into one 64-bit key.
pub const MAX_NGRAM: usize = 3;

/// A document-frequency bound: an absolute count ("2") or a share of documents ("0.95").
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocFreq {
    Count(usize),
    Fraction(f64),
}

impl DocFreq {
    /// The bound as a document count for a corpus of `n_docs`.
    pub fn resolve(self, n_docs: usize) -> usize {
        match self {
            DocFreq::Count(c) => c,
            DocFreq::Fraction(f) => (f * n_docs as f64).round() as usize,
        }
    }
}

impl FromStr for DocFreq {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if let Ok(c) = s.parse::<usize>() {
            return Ok(DocFreq::Count(c));
        }
        match s.parse::<f64>() {
            Ok(f) if (0.0..=1.0).contains(&f) => Ok(DocFreq::Fraction(f)),
            _ => Err(format!("'{s}' is neither a document count (e.g. 2) nor a share between 0.0 and 1.0")),
        }
    }
}

impl fmt::Display for DocFreq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocFreq::Count(c) => write!(f, "{c}"),
            DocFreq::Fraction(x) => write!(f, "{x:?}"),
        }
    }
}

/// Vector normalization applied after tf-idf weighting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Norm {
    L2,
    L1,
    None,
}

/// How terms become a sparse vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VectorizerConfig {
    pub ngram_min: usize,
    pub ngram_max: usize,
    pub min_df: DocFreq,
    pub max_df: DocFreq,
    pub max_features: Option<usize>,
    /// Replace a term count `tf` by `1 + ln(tf)`.
    pub sublinear_tf: bool,
    /// Count a term once per document whatever its frequency.
    pub binary: bool,
    /// Weight by inverse document frequency (smoothed: `ln((1+n)/(1+df)) + 1`).
    pub use_idf: bool,
    pub norm: Norm,
    /// NBSVM features (Wang & Manning 2012), two labels only: scale each feature by its naive
    /// Bayes log-count ratio r = log((p/|p|1)/(q/|q|1)), p = 1 + per-feature document counts of
    /// the second label, q likewise for the first. The scale is folded into the stored idf.
    #[serde(default)]
    pub nb_weighting: bool,
}

/// Additive smoothing of the document counts behind the NB log-count ratios (Wang & Manning's alpha).
pub const NB_SMOOTHING: f64 = 1.0;

impl Default for VectorizerConfig {
    fn default() -> Self {
        VectorizerConfig {
            ngram_min: 1,
            ngram_max: 2,
            min_df: DocFreq::Count(1),
            max_df: DocFreq::Fraction(1.0),
            max_features: None,
            sublinear_tf: true,
            binary: false,
            use_idf: true,
            norm: Norm::L2,
            nb_weighting: false,
        }
    }
}

impl VectorizerConfig {
    /// Checks the parameters once, so fitting and scoring never meet an impossible value.
    pub fn validate(&self) -> Result<()> {
        if self.ngram_min == 0 || self.ngram_min > self.ngram_max || self.ngram_max > MAX_NGRAM {
            return Err(StanceError::config(
                "ngram-range",
                format!(
                    "{},{} is not a valid range; use MIN,MAX with 1 <= MIN <= MAX <= {MAX_NGRAM}",
                    self.ngram_min, self.ngram_max
                ),
            ));
        }
        if self.max_features == Some(0) {
            return Err(StanceError::config("max-features", "must be at least 1"));
        }
        Ok(())
    }
}

/// Parses "1,2" into (1, 2).
pub fn parse_ngram_range(s: &str) -> std::result::Result<(usize, usize), String> {
    let (a, b) = s.split_once(',').ok_or_else(|| format!("'{s}' should be MIN,MAX such as 1,2"))?;
    let min = a.trim().parse().map_err(|_| format!("'{a}' is not a whole number"))?;
    let max = b.trim().parse().map_err(|_| format!("'{b}' is not a whole number"))?;
    if min == 0 || min > max || max > MAX_NGRAM {
        return Err(format!("{min},{max} is not a valid range; use 1 <= MIN <= MAX <= {MAX_NGRAM}"));
    }
    Ok((min, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_freq_parses_counts_and_shares() {
        assert_eq!("2".parse::<DocFreq>().unwrap(), DocFreq::Count(2));
        assert_eq!("0.5".parse::<DocFreq>().unwrap(), DocFreq::Fraction(0.5));
        assert!("1.5".parse::<DocFreq>().is_err());
        assert!("x".parse::<DocFreq>().is_err());
        assert_eq!(DocFreq::Fraction(0.5).resolve(10), 5);
        assert_eq!(DocFreq::Count(3).resolve(10), 3);
    }

    #[test]
    fn ngram_range_is_checked() {
        assert_eq!(parse_ngram_range("1,2").unwrap(), (1, 2));
        assert_eq!(parse_ngram_range(" 2 , 3").unwrap(), (2, 3));
        assert!(parse_ngram_range("2,1").is_err());
        assert!(parse_ngram_range("1,4").is_err());
        assert!(parse_ngram_range("0,1").is_err());
        assert!(parse_ngram_range("12").is_err());
    }
}
