//! `stance compare`: several configurations on the same folds, one ranked table; optionally the
//! best one retrained on all the data and saved (a grid search).
//!
//! Configurations come from explicit `--candidate "TRAIN FLAGS"` strings and/or from grid flags
//! that take several values (comma lists, or several MIN,MAX pairs for --ngram-range); the grid
//! is their cartesian product.

use std::path::PathBuf;

use clap::{Args, Parser};

use super::cv::command_line;
use super::eval::ReportFormat;
use super::{DataArgs, ModelArgs, Outcome};
use crate::data::load_labelled;
use crate::error::{Result, StanceError};
use crate::eval::report::{write_compare_report, ReportContext};
use crate::eval::{compare, Candidate, CvOptions, RankMetric};
use crate::features::config::parse_ngram_range;
use crate::features::{DocFreq, Norm};
use crate::model::{Balance, ClassifierKind};
use crate::persist;
use crate::pipeline::{DataSource, Pipeline};
use crate::text::StemLanguage;

#[derive(Debug, Args)]
pub struct CompareCmd {
    #[command(flatten)]
    pub data: DataArgs,
    /// One configuration as `train` flags in a single string (repeatable), e.g.
    /// --candidate "--classifier nb --binary --no-idf --norm none --alpha 1".
    #[arg(long = "candidate", value_name = "FLAGS", allow_hyphen_values = true)]
    pub candidates: Vec<String>,
    /// Grid: learners, comma-separated (e.g. logistic,nb,ftrl).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub classifier: Vec<ClassifierKind>,
    /// Grid: n-gram ranges, several MIN,MAX values (e.g. --ngram-range 1,1 1,2 1,3).
    #[arg(long, num_args = 1.., value_parser = parse_ngram_range)]
    pub ngram_range: Vec<(usize, usize)>,
    /// Grid: alpha values, comma-separated (each learner's meaning; absent: each learner's default).
    #[arg(long, value_delimiter = ',')]
    pub alpha: Vec<f64>,
    /// Grid: minimum document frequencies, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub min_df: Vec<DocFreq>,
    /// Grid: vocabulary size limits, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub max_features: Vec<usize>,
    /// Grid: stemmer languages, comma-separated (e.g. english,none).
    #[arg(long, value_delimiter = ',')]
    pub stem: Vec<StemLanguage>,
    /// Grid: vector normalizations, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',')]
    pub norm: Vec<Norm>,
    /// Grid: class rebalancing, comma-separated (none,oversample).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub balance: Vec<Balance>,
    /// Grid: binary counts (--binary alone means true; --binary false,true tries both).
    #[arg(long, value_delimiter = ',', num_args = 0..=1, default_missing_value = "true")]
    pub binary: Vec<bool>,
    /// Grid: skip idf (same forms as --binary).
    #[arg(long, value_delimiter = ',', num_args = 0..=1, default_missing_value = "true")]
    pub no_idf: Vec<bool>,
    /// Grid: NB log-count-ratio features (same forms as --binary).
    #[arg(long, value_delimiter = ',', num_args = 0..=1, default_missing_value = "true")]
    pub nb_weighting: Vec<bool>,
    /// Grid: negation scope marking (same forms as --binary).
    #[arg(long, value_delimiter = ',', num_args = 0..=1, default_missing_value = "true")]
    pub negation: Vec<bool>,
    /// Grid: raw term counts instead of 1 + ln(count) (same forms as --binary).
    #[arg(long, value_delimiter = ',', num_args = 0..=1, default_missing_value = "true")]
    pub no_sublinear_tf: Vec<bool>,
    /// Maximum document frequency (every grid configuration).
    #[arg(long, default_value = "1.0")]
    pub max_df: DocFreq,
    /// Logistic: most L-BFGS iterations (every grid configuration).
    #[arg(long, default_value_t = 100)]
    pub max_iter: u64,
    /// FTRL: passes over the data (every grid configuration).
    #[arg(long, default_value_t = 10)]
    pub epochs: usize,
    /// Seeds the folds and every configuration's learner.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Number of folds.
    #[arg(long, default_value_t = 10)]
    pub folds: usize,
    /// The metric to rank by.
    #[arg(long, value_enum, default_value_t = RankMetric::Accuracy)]
    pub metric: RankMetric,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Also write an HTML report with plots into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Retrain the best configuration on all the data and save it here.
    #[arg(long, value_name = "MODEL")]
    pub save_best: Option<PathBuf>,
    /// Folds trained at the same time [default: the number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Two labels: the label ROC/PR rank by [default: the second label in sorted order].
    #[arg(long)]
    pub positive_label: Option<String>,
}

/// `train` flags given as one string.
#[derive(Debug, Parser)]
#[command(no_binary_name = true)]
struct CandidateFlags {
    #[command(flatten)]
    settings: ModelArgs,
}

fn fmt_ngram(r: (usize, usize)) -> String {
    format!("{},{}", r.0, r.1)
}

impl CompareCmd {
    fn has_grid(&self) -> bool {
        !(self.classifier.is_empty()
            && self.ngram_range.is_empty()
            && self.alpha.is_empty()
            && self.min_df.is_empty()
            && self.max_features.is_empty()
            && self.stem.is_empty()
            && self.norm.is_empty()
            && self.balance.is_empty()
            && self.binary.is_empty()
            && self.no_idf.is_empty()
            && self.nb_weighting.is_empty()
            && self.negation.is_empty()
            && self.no_sublinear_tf.is_empty())
    }

    /// The configurations to compare: the explicit candidates, then the grid.
    pub fn candidates(&self) -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        for flags in &self.candidates {
            let mut parsed = CandidateFlags::try_parse_from(flags.split_whitespace())
                .map_err(|e| StanceError::config("candidate", format!("'{flags}': {}", e.to_string().trim())))?;
            if !flags.split_whitespace().any(|f| f == "--seed" || f.starts_with("--seed=")) {
                parsed.settings.seed = self.seed;
            }
            let name = flags.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push(Candidate { name, config: parsed.settings.to_config()? });
        }
        if self.has_grid() || out.is_empty() {
            out.extend(self.grid()?);
        }
        Ok(out)
    }

    fn grid(&self) -> Result<Vec<Candidate>> {
        let base = CandidateFlags::try_parse_from(Vec::<String>::new()).expect("defaults parse").settings;
        let or = |v: &Vec<bool>| if v.is_empty() { vec![false] } else { v.clone() };
        let classifiers = if self.classifier.is_empty() { vec![base.classifier] } else { self.classifier.clone() };
        let ngrams = if self.ngram_range.is_empty() { vec![base.ngram_range] } else { self.ngram_range.clone() };
        let alphas: Vec<Option<f64>> = if self.alpha.is_empty() { vec![None] } else { self.alpha.iter().map(|a| Some(*a)).collect() };
        let min_dfs = if self.min_df.is_empty() { vec![base.min_df] } else { self.min_df.clone() };
        let max_features: Vec<Option<usize>> =
            if self.max_features.is_empty() { vec![None] } else { self.max_features.iter().map(|m| Some(*m)).collect() };
        let stems = if self.stem.is_empty() { vec![base.stem] } else { self.stem.clone() };
        let norms = if self.norm.is_empty() { vec![base.norm] } else { self.norm.clone() };
        let balances = if self.balance.is_empty() { vec![Balance::None] } else { self.balance.clone() };
        let (binaries, no_idfs, nbs, negations, no_subs) =
            (or(&self.binary), or(&self.no_idf), or(&self.nb_weighting), or(&self.negation), or(&self.no_sublinear_tf));
        let size = classifiers.len()
            * ngrams.len()
            * alphas.len()
            * min_dfs.len()
            * max_features.len()
            * stems.len()
            * norms.len()
            * balances.len()
            * binaries.len()
            * no_idfs.len()
            * nbs.len()
            * negations.len()
            * no_subs.len();
        if size > 500 {
            return Err(StanceError::config("compare", format!("the grid has {size} configurations; narrow it to at most 500")));
        }
        let mut out = Vec::with_capacity(size);
        for &classifier in &classifiers {
            for &ngram in &ngrams {
                for &alpha in &alphas {
                    for &min_df in &min_dfs {
                        for &max_f in &max_features {
                            for &stem in &stems {
                                for &norm in &norms {
                                    for &balance in &balances {
                                        for &binary in &binaries {
                                            for &no_idf in &no_idfs {
                                                for &nb in &nbs {
                                                    for &negation in &negations {
                                                        for &no_sub in &no_subs {
                                                            let args = ModelArgs {
                                                                classifier,
                                                                seed: self.seed,
                                                                ngram_range: ngram,
                                                                min_df,
                                                                max_df: self.max_df,
                                                                max_features: max_f,
                                                                stem,
                                                                negation,
                                                                no_sublinear_tf: no_sub,
                                                                binary,
                                                                no_idf,
                                                                norm,
                                                                nb_weighting: nb,
                                                                balance,
                                                                alpha,
                                                                max_iter: self.max_iter,
                                                                epochs: self.epochs,
                                                            };
                                                            let config = args.to_config()?;
                                                            // Name: the learner, its alpha, and every setting the grid varies.
                                                            let mut name = format!("{classifier} alpha={}", config.train.alpha);
                                                            let mut add = |varies: bool, part: String| {
                                                                if varies {
                                                                    name.push(' ');
                                                                    name.push_str(&part);
                                                                }
                                                            };
                                                            add(ngrams.len() > 1, format!("ngram={}", fmt_ngram(ngram)));
                                                            add(min_dfs.len() > 1, format!("min-df={min_df}"));
                                                            add(max_features.len() > 1, format!("max-features={}", max_f.map_or("all".into(), |m| m.to_string())));
                                                            add(stems.len() > 1, format!("stem={stem}"));
                                                            add(norms.len() > 1, format!("norm={norm:?}").to_lowercase());
                                                            add(balances.len() > 1, format!("balance={balance}"));
                                                            add(binaries.len() > 1, format!("binary={binary}"));
                                                            add(no_idfs.len() > 1, format!("idf={}", !no_idf));
                                                            add(nbs.len() > 1, format!("nb-weighting={nb}"));
                                                            add(negations.len() > 1, format!("negation={negation}"));
                                                            add(no_subs.len() > 1, format!("sublinear-tf={}", !no_sub));
                                                            out.push(Candidate { name, config });
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

pub fn run(cmd: CompareCmd) -> Result<Outcome> {
    let candidates = cmd.candidates()?;
    let data = load_labelled(&cmd.data.data, cmd.data.input_format, &cmd.data.text_col, &cmd.data.label_col)?;
    eprintln!(
        "read {} labelled texts from {}; comparing {} configurations with {}-fold cross-validation",
        data.texts.len(),
        data.path,
        candidates.len(),
        cmd.folds
    );
    for w in crate::eval::cv::small_label_warnings(&data, cmd.folds) {
        eprintln!("warning: {w}");
    }
    let options = CvOptions {
        folds: cmd.folds,
        seed: cmd.seed,
        threads: cmd.threads.unwrap_or_else(crate::eval::cv::default_threads),
        positive_label: cmd.positive_label.clone(),
    };
    let n = candidates.len();
    let comparison = compare(&candidates, &data, &options, cmd.metric, |i, entry| match &entry.result {
        Ok(cv) => eprintln!(
            "[{}/{n}] {}: {} {:.4} ± {:.4} ({:.1}s)",
            i + 1,
            entry.candidate.name,
            cmd.metric.name(),
            cmd.metric.of(cv).map_or(f64::NAN, |s| s.0),
            cmd.metric.of(cv).map_or(f64::NAN, |s| s.1),
            cv.wall_seconds
        ),
        Err(e) => eprintln!("[{}/{n}] {}: failed: {e}", i + 1, entry.candidate.name),
    })?;
    match cmd.format {
        ReportFormat::Table => print!("{}", comparison.to_table()),
        ReportFormat::Json => println!("{}", serde_json::to_string(&comparison.to_json()).expect("json")),
    }
    let mut saved = None;
    if let Some(path) = &cmd.save_best {
        let (best, _) = comparison.best().ok_or_else(|| StanceError::Training("no configuration trained; nothing to save".into()))?;
        let source = DataSource {
            path: cmd.data.data.clone(),
            text_col: cmd.data.text_col.clone(),
            label_col: cmd.data.label_col.clone(),
            trained_at: None,
        };
        let model = Pipeline::fit(&best.config, &data.texts, &data.labels, &source)?;
        persist::save(&model, path)?;
        eprintln!("best configuration '{}' retrained on all {} texts and saved to {}", best.name, data.texts.len(), path.display());
        saved = Some(path.clone());
    }
    if let Some(dir) = &cmd.report {
        let ctx = ReportContext { command: command_line(), data_path: data.path.clone() };
        write_compare_report(dir, &comparison, &ctx, saved.as_deref())?;
        eprintln!("report written to {}", dir.join("report.html").display());
    }
    Ok(if comparison.entries.iter().any(|e| e.result.is_err()) { Outcome::SomeFailed } else { Outcome::Ok })
}
