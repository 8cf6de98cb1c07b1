//! `stance eval`

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Outcome;
use crate::data::{load_labelled, InputFormat};
use crate::error::Result;
use crate::{eval, persist};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct EvalCmd {
    /// The model to evaluate.
    #[arg(long)]
    pub model: PathBuf,
    /// Labelled data: CSV, TSV or JSONL.
    #[arg(long)]
    pub data: String,
    /// Column (or JSON key) holding the text.
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// Column (or JSON key) holding the true label.
    #[arg(long, default_value = "stance")]
    pub label_col: String,
    /// Format of --data when the extension does not tell.
    #[arg(long, value_enum)]
    pub input_format: Option<InputFormat>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

pub fn run(cmd: EvalCmd) -> Result<Outcome> {
    let pipeline = persist::load(&cmd.model)?;
    let data = load_labelled(&cmd.data, cmd.input_format, &cmd.text_col, &cmd.label_col)?;
    let metrics = eval::evaluate(&pipeline, &data)?;
    match cmd.format {
        ReportFormat::Table => print!("{}", metrics.to_table()),
        ReportFormat::Json => println!("{}", serde_json::to_string(&metrics).expect("metrics serialize")),
    }
    Ok(Outcome::Ok)
}
