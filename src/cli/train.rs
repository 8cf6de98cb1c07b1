//! `stance train`

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{DataArgs, ModelArgs, Outcome};
use crate::data::load_labelled_with;
use crate::data::reader::DEFAULT_MAX_RECORD_BYTES;
use crate::error::{Result, StanceError};
use crate::eval::{fit_with_threshold, Objective, ThresholdTuning};
use crate::features::vectorizer::MAX_TERMS;
use crate::persist;
use crate::pipeline::{DataSource, Pipeline};

#[derive(Debug, Args)]
pub struct TrainCmd {
    #[command(flatten)]
    pub data: DataArgs,
    /// Where to write the model [default: models/<label-col>.model].
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub settings: ModelArgs,
    /// Record the training time in the model (makes the file differ between runs).
    #[arg(long)]
    pub record_time: bool,
    /// Two labels: choose the decision threshold on a held-out validation split, for the best
    /// F1 (`f1`), a target precision (`precision=0.9`) or recall (`recall=0.8`); stored in the model.
    #[arg(long, value_name = "OBJECTIVE")]
    pub tune_threshold: Option<Objective>,
    /// Share of each label held out to tune the threshold on.
    #[arg(long, default_value_t = 0.2)]
    pub validation_share: f64,
    /// With --tune-threshold: store an abstain band; `score` answers "abstain" when the
    /// probability of the positive label is within this distance of the threshold.
    #[arg(long, default_value_t = 0.0)]
    pub abstain_band: f64,
    /// With --tune-threshold: the label the threshold is about [default: the second label in sorted order].
    #[arg(long)]
    pub positive_label: Option<String>,
    /// With --tune-threshold: keep the model fitted without the validation split instead of
    /// retraining on all the data.
    #[arg(long)]
    pub no_refit: bool,
    /// Most distinct analyzed terms the vectorizer collects before it refuses the corpus
    /// (memory bound; the default is also the largest value).
    #[arg(long, value_name = "N", default_value_t = MAX_TERMS)]
    pub max_terms: usize,
    /// Largest record (and line) accepted, in bytes; a longer one is an error naming its line.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_RECORD_BYTES)]
    pub max_record_bytes: usize,
}

pub fn run(cmd: TrainCmd) -> Result<Outcome> {
    let config = cmd.settings.to_config()?;
    if cmd.max_terms == 0 || cmd.max_terms > MAX_TERMS {
        return Err(StanceError::config("max-terms", format!("--max-terms must be between 1 and {MAX_TERMS}")));
    }
    if cmd.max_record_bytes == 0 {
        return Err(StanceError::config("max-record-bytes", "--max-record-bytes must be at least 1"));
    }
    let model_path = cmd.model.clone().unwrap_or_else(|| PathBuf::from(format!("models/{}.model", cmd.data.label_col)));
    let data = load_labelled_with(&cmd.data.data, cmd.data.input_format, &cmd.data.text_col, &cmd.data.label_col, cmd.max_record_bytes)?;
    eprintln!("read {} labelled texts from {}", data.texts.len(), data.path);
    for (label, n, line) in crate::data::labelled::rare_labels(&data, 3) {
        eprintln!(
            "warning: {}:{line}: label '{label}' has only {n} example(s); if it is a typo, fix it, or the model learns it as a class of its own",
            data.path
        );
    }
    let source = DataSource {
        path: cmd.data.data.clone(),
        text_col: cmd.data.text_col.clone(),
        label_col: cmd.data.label_col.clone(),
        trained_at: cmd.record_time.then(|| format!("{}s since the Unix epoch", unix_now())),
    };
    let start = Instant::now();
    let pipeline = match cmd.tune_threshold {
        None => Pipeline::fit_with_limit(&config, &data.texts, &data.labels, &source, cmd.max_terms)?,
        Some(objective) => {
            let tuning = ThresholdTuning {
                objective,
                validation_share: cmd.validation_share,
                abstain_band: cmd.abstain_band,
                positive_label: cmd.positive_label.clone(),
                refit: !cmd.no_refit,
            };
            let model = fit_with_threshold(&config, &data.texts, &data.labels, &source, &tuning)?;
            if let Some(rule) = model.decision_rule() {
                let v = rule.validation.expect("tuned rules carry their validation point");
                eprintln!(
                    "threshold {:.4} on p({}) for {} (validation, {} texts: precision {:.4}, recall {:.4}, F1 {:.4}){}",
                    rule.threshold,
                    rule.positive_label,
                    rule.tuned_for,
                    rule.n_validation,
                    v.precision,
                    v.recall,
                    v.f1,
                    if rule.abstain_band > 0.0 { format!("; abstains within {} of it", rule.abstain_band) } else { String::new() }
                );
            }
            model
        }
    };
    let elapsed = start.elapsed();
    persist::save(&pipeline, &model_path)?;
    let counts: Vec<String> = pipeline.meta().class_counts.iter().map(|(l, n)| format!("{l}: {n}")).collect();
    eprintln!(
        "trained {} on {} texts ({}), {} features, in {:.2}s",
        config.train.classifier,
        data.texts.len(),
        counts.join(", "),
        pipeline.vectorizer().n_features(),
        elapsed.as_secs_f64()
    );
    println!("{}", model_path.display());
    Ok(Outcome::Ok)
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
