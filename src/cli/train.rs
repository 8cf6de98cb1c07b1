//! `stance train`

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{DataArgs, ModelArgs, Outcome};
use crate::data::load_labelled_with;
use crate::data::reader::DEFAULT_MAX_RECORD_BYTES;
use crate::error::{Result, StanceError};
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
    let pipeline = Pipeline::fit_with_limit(&config, &data.texts, &data.labels, &source, cmd.max_terms)?;
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
