//! Flags shared by several commands, and their conversion into validated library configs.

use clap::Args;

use crate::data::InputFormat;
use crate::error::Result;
use crate::features::config::parse_ngram_range;
use crate::features::{DocFreq, Norm, VectorizerConfig};
use crate::model::{Balance, ClassifierKind, TrainParams};
use crate::pipeline::PipelineConfig;
use crate::text::{AnalyzerConfig, StemLanguage};

/// Where labelled data comes from.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// Labelled data: CSV, TSV or JSONL (by extension, or --input-format).
    #[arg(long, default_value = "datasets/stance.csv")]
    pub data: String,
    /// Column (or JSON key) holding the text.
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// Column (or JSON key) holding the label.
    #[arg(long, default_value = "stance")]
    pub label_col: String,
    /// Format of --data when the extension does not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
}

/// Analyzer, vectorizer and learner settings.
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Learner (all trained by linfa).
    #[arg(long, value_enum, default_value_t = ClassifierKind::Logistic)]
    pub classifier: ClassifierKind,
    /// Seed for every random choice; the same data and seed give a byte-identical model.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Word n-gram lengths MIN,MAX (at most 3).
    #[arg(long, default_value = "1,2", value_parser = parse_ngram_range)]
    pub ngram_range: (usize, usize),
    /// Drop n-grams in fewer documents than this (a count like 2, or a share like 0.001).
    #[arg(long, default_value = "2")]
    pub min_df: DocFreq,
    /// Drop n-grams in more documents than this (a count, or a share like 0.9).
    #[arg(long, default_value = "1.0")]
    pub max_df: DocFreq,
    /// Keep only the most frequent n-grams.
    #[arg(long)]
    pub max_features: Option<usize>,
    /// Snowball stemmer language, or none.
    #[arg(long, default_value = "english")]
    pub stem: StemLanguage,
    /// Mark words after a negator ("not", "never", "n't") up to the next punctuation.
    #[arg(long)]
    pub negation: bool,
    /// Use raw term counts instead of 1 + ln(count).
    #[arg(long)]
    pub no_sublinear_tf: bool,
    /// Count each n-gram once per document.
    #[arg(long)]
    pub binary: bool,
    /// Skip inverse-document-frequency weighting.
    #[arg(long)]
    pub no_idf: bool,
    /// Vector normalization.
    #[arg(long, value_enum, default_value_t = Norm::L2)]
    pub norm: Norm,
    /// NBSVM features (two labels): scale each n-gram by its naive Bayes log-count ratio,
    /// learnt from the training data (Wang & Manning 2012). Pair with --binary --no-idf.
    #[arg(long)]
    pub nb_weighting: bool,
    /// Rebalance the training data: oversample smaller labels up to the largest (seeded).
    #[arg(long, value_enum, default_value_t = Balance::None)]
    pub balance: Balance,
    /// Logistic: L2 penalty (default 0.1). NB: additive smoothing (default 0.1). FTRL: learning rate (default 0.5).
    #[arg(long)]
    pub alpha: Option<f64>,
    /// Logistic: most L-BFGS iterations.
    #[arg(long, default_value_t = 100)]
    pub max_iter: u64,
    /// FTRL: passes over the shuffled data.
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
}

impl ModelArgs {
    /// The validated pipeline configuration these flags describe.
    pub fn to_config(&self) -> Result<PipelineConfig> {
        let mut train = TrainParams::for_classifier(self.classifier);
        if let Some(a) = self.alpha {
            train.alpha = a;
        }
        train.max_iter = self.max_iter;
        train.epochs = self.epochs;
        train.seed = self.seed;
        train.balance = self.balance;
        train.validate()?;
        let vectorizer = VectorizerConfig {
            ngram_min: self.ngram_range.0,
            ngram_max: self.ngram_range.1,
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features,
            sublinear_tf: !self.no_sublinear_tf,
            binary: self.binary,
            use_idf: !self.no_idf,
            norm: self.norm,
            nb_weighting: self.nb_weighting,
        };
        vectorizer.validate()?;
        Ok(PipelineConfig { analyzer: AnalyzerConfig { stem: self.stem, negation_scope: self.negation }, vectorizer, train })
    }
}
