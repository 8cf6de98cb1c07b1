//! `stance train`

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;

use super::{DataArgs, ModelArgs, Outcome};
use crate::data::load_labelled;
use crate::error::Result;
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
}

pub fn run(cmd: TrainCmd) -> Result<Outcome> {
    let config = cmd.settings.to_config()?;
    let model_path = cmd.model.clone().unwrap_or_else(|| PathBuf::from(format!("models/{}.model", cmd.data.label_col)));
    let data = load_labelled(&cmd.data.data, cmd.data.input_format, &cmd.data.text_col, &cmd.data.label_col)?;
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
    let pipeline = Pipeline::fit(&config, &data.texts, &data.labels, &source)?;
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
