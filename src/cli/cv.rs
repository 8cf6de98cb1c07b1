//! `stance cv`: stratified k-fold cross-validation of one configuration.

use std::path::PathBuf;

use clap::Args;

use super::eval::ReportFormat;
use super::{DataArgs, ModelArgs, Outcome};
use crate::data::load_labelled;
use crate::error::Result;
use crate::eval::report::{write_cv_report, ReportContext};
use crate::eval::{cross_validate, CvOptions};

#[derive(Debug, Args)]
pub struct CvCmd {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub settings: ModelArgs,
    /// Number of folds (stratified; --seed also seeds the fold assignment).
    #[arg(long, default_value_t = 10)]
    pub folds: usize,
    /// Output format (JSON: `eval`'s keys as fold means, plus `std`, `folds`, settings and `timing`).
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
    /// Also write an HTML report with plots into this directory.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Folds trained at the same time [default: the number of cores].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Two labels: the label ROC/PR curves rank by [default: the second label in sorted order].
    #[arg(long)]
    pub positive_label: Option<String>,
}

pub fn run(cmd: CvCmd) -> Result<Outcome> {
    let config = cmd.settings.to_config()?;
    let data = load_labelled(&cmd.data.data, cmd.data.input_format, &cmd.data.text_col, &cmd.data.label_col)?;
    eprintln!("read {} labelled texts from {}; {}-fold cross-validation", data.texts.len(), data.path, cmd.folds);
    for w in crate::eval::cv::small_label_warnings(&data, cmd.folds) {
        eprintln!("warning: {w}");
    }
    let options = CvOptions {
        folds: cmd.folds,
        seed: cmd.settings.seed,
        threads: cmd.threads.unwrap_or_else(crate::eval::cv::default_threads),
        positive_label: cmd.positive_label.clone(),
    };
    let cv = cross_validate(&config, &data, &options)?;
    match cmd.format {
        ReportFormat::Table => print!("{}", cv.to_table()),
        ReportFormat::Json => println!("{}", serde_json::to_string(&cv.to_json()).expect("json")),
    }
    if let Some(dir) = &cmd.report {
        let ctx = ReportContext { command: command_line(), data_path: data.path.clone() };
        write_cv_report(dir, &cv, &ctx)?;
        eprintln!("report written to {}", dir.join("report.html").display());
    }
    eprintln!("{} folds in {:.2}s", cv.k, cv.wall_seconds);
    Ok(Outcome::Ok)
}

/// This process's command line, quoted for a POSIX shell, for "reproduce with" notes.
pub fn command_line() -> String {
    let mut args: Vec<String> = std::env::args().collect();
    if let Some(first) = args.first_mut() {
        if let Some(name) = std::path::Path::new(first.as_str()).file_name() {
            *first = name.to_string_lossy().into_owned();
        }
    }
    args.iter()
        .map(|a| {
            if !a.is_empty() && a.chars().all(|c| c.is_ascii_alphanumeric() || "-_=.,/:+@%".contains(c)) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
